// Part 3: what a first visit downloads, and Lighthouse on /pricing. First-load JavaScript is
// measured from the running production server: each page's <script src> chunks, gzipped.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "../scripts/local-stack.mjs";

export type PageWeight = { path: string; status: number; scripts: number; rawBytes: number; gzipBytes: number };

export async function firstLoadJs(appUrl: string, pagePath: string, cookie?: string): Promise<PageWeight> {
  const response = await fetch(new URL(pagePath, appUrl), { headers: cookie ? { cookie } : {}, redirect: "manual" });
  const html = await response.text();
  const sources = [...new Set([...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1].replace(/&amp;/g, "&")))];
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const source of sources) {
    const chunk = Buffer.from(await (await fetch(new URL(source, appUrl))).arrayBuffer());
    rawBytes += chunk.length;
    gzipBytes += gzipSync(chunk).length;
  }
  return { path: pagePath, status: response.status, scripts: sources.length, rawBytes, gzipBytes };
}

export type LighthouseScores = { url: string; performance: number; accessibility: number; report: string; failedAudits: string[] };

/** Lighthouse's mobile preset (its default) in headless system Chromium; nothing is downloaded. */
export async function lighthouse(url: string, reportPath: string): Promise<LighthouseScores> {
  const chromePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  const bin = path.join(root, "node_modules", "lighthouse", "cli", "index.js");
  const args = [
    bin,
    url,
    "--only-categories=performance,accessibility",
    "--output=json",
    `--output-path=${reportPath}`,
    "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    "--quiet",
  ];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, CHROME_PATH: chromePath }, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0) throw new Error(`lighthouse exited ${code}`);
  type Audit = { id: string; score: number | null; scoreDisplayMode: string };
  const report = JSON.parse(await readFile(reportPath, "utf8")) as {
    categories: Record<string, { score: number; auditRefs: { id: string; weight: number }[] }>;
    audits: Record<string, Audit>;
  };
  const failedAudits = Object.values(report.categories)
    .flatMap((category) => category.auditRefs.filter((ref) => ref.weight > 0).map((ref) => report.audits[ref.id]))
    .filter((audit) => audit && audit.scoreDisplayMode !== "informative" && audit.score !== null && audit.score < 0.9)
    .map((audit) => `${audit.id} (${audit.score})`);
  return {
    url,
    performance: Math.round(report.categories.performance.score * 100),
    accessibility: Math.round(report.categories.accessibility.score * 100),
    report: reportPath,
    failedAudits,
  };
}
