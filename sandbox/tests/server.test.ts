import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isLoopback } from "../core/http";
import { WebhookDispatcher, defaultSettings, type SignInput } from "../core/webhooks";
import { providers } from "../providers/index";
import { startSandbox } from "../server";

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("process and registry", () => {
  it("`node --import tsx sandbox/server.ts` prints one line per provider and serves the control API", async () => {
    const port = await freePort();
    const root = path.resolve(__dirname, "../..");
    const child = spawn(process.execPath, ["--import", "tsx", "sandbox/server.ts"], {
      cwd: root,
      env: { ...process.env, SANDBOX_PORT: String(port), SANDBOX_STRIPE_WEBHOOK_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      let err = "";
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      const deadline = Date.now() + 15_000;
      while (out.split("\n").filter(Boolean).length < providers.length) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start: ${out} ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const lines = out.trim().split("\n");
      expect(lines).toHaveLength(providers.length);
      expect(lines[0]).toContain(`stripe`);
      expect(lines[0]).toContain(`http://127.0.0.1:${port}`);
      expect(lines[0]).toContain("webhooks → disabled");
      const info = (await (await fetch(`http://127.0.0.1:${port}/_sandbox`)).json()) as { providers: Record<string, { url: string }> };
      expect(info.providers.stripe.url).toBe(`http://127.0.0.1:${port}`);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });

  it("a fixed base port puts each provider at base + portOffset", async () => {
    const port = await freePort();
    const sb = await startSandbox({ port, log: false, env: {}, webhookUrls: { stripe: null } });
    try {
      for (const p of providers) expect(sb.urls[p.name]).toBe(`http://127.0.0.1:${port + p.portOffset}`);
      expect(sb.controlUrl).toBe(`http://127.0.0.1:${port}/_sandbox`);
      const res = await fetch(`${sb.controlUrl}/nope`);
      expect(res.status).toBe(404);
      const bad = await fetch(`${sb.controlUrl}/stripe/webhooks/behaviour`, { method: "POST", body: JSON.stringify({ bogus: 1 }) });
      expect(bad.status).toBe(400);
    } finally {
      await sb.stop();
    }
  });

  it("registry entries have unique names and port offsets", () => {
    expect(new Set(providers.map((p) => p.name)).size).toBe(providers.length);
    expect(new Set(providers.map((p) => p.portOffset)).size).toBe(providers.length);
  });

  it("control API loopback check", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("::ffff:127.0.0.1")).toBe(true);
    expect(isLoopback("10.0.0.5")).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
  });
});

describe("WebhookDispatcher", () => {
  it("signs every attempt afresh (same event id, same body) and follows the retry schedule", async () => {
    let hits = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        hits++;
        res.writeHead(hits < 3 ? 500 : 204);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const signed: SignInput[] = [];
    const d = new WebhookDispatcher("test", (input) => {
      signed.push(input);
      return { "X-Sig": `${input.timestamp}:${signed.length}` };
    }, defaultSettings(url, "secret", [20, 40]));
    try {
      d.enqueue({ id: "evt_1", type: "thing.happened", body: '{"a":1}' });
      expect(await d.waitIdle(3000)).toBe(true);
      expect(signed).toHaveLength(3);
      expect(signed.every((s) => s.eventId === "evt_1" && s.body === '{"a":1}' && s.secret === "secret")).toBe(true);
      const [rec] = d.list();
      expect(rec.state).toBe("delivered");
      expect(rec.attempts.map((a) => a.status)).toEqual([500, 500, 204]);
      const gap = Date.parse(rec.attempts[2].at) - Date.parse(rec.attempts[1].at);
      expect(gap).toBeGreaterThanOrEqual(35);
    } finally {
      d.close();
      await new Promise((r) => server.close(r));
    }
  });

  it("with no endpoint configured, deliveries are skipped, not retried", async () => {
    const d = new WebhookDispatcher("test", () => ({}), defaultSettings(null, "s", [10]));
    d.enqueue({ id: "evt_2", type: "x", body: "{}" });
    expect(await d.waitIdle(1000)).toBe(true);
    expect(d.list()[0]).toMatchObject({ state: "skipped", attempts: [] });
    d.close();
  });
});
