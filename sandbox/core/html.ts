/**
 * Shared building blocks for the hosted checkout pages of every provider: escaping,
 * money formatting, the page frame, and the overlay (iframe) message protocol.
 *
 * Message protocol (documented in sandbox/README.md): when a hosted page runs inside an
 * iframe it talks to `window.parent` with
 *   { source: "checkout-sandbox", provider, type, sessionId, redirectUrl? }
 * type = "checkout.ready" | "checkout.completed" | "checkout.canceled".
 */

export function esc(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON safe to embed in a <script type="application/json"> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const ZERO_DECIMAL = new Set("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split(" "));
const THREE_DECIMAL = new Set("bhd jod kwd omr tnd".split(" "));

export function currencyDigits(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

/** Formats an amount in minor units, e.g. (2000, "usd") → "$20.00". */
export function money(minor: number, currency: string, locale = "en-US"): string {
  const digits = currencyDigits(currency);
  const major = minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale === "auto" ? "en-US" : locale, {
      style: "currency",
      currency: currency.toUpperCase(),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${currency.toUpperCase()}`;
  }
}

export const MESSAGE_SOURCE = "checkout-sandbox";

export interface FrameConfig {
  provider: string;
  sessionId: string;
  /** post "checkout.ready" when framed (payment pages). */
  ready?: boolean;
  /** completion page: post "checkout.completed" when framed, else navigate. */
  completed?: { redirectUrl: string };
}

const FRAME_SCRIPT = `(function () {
  var el = document.getElementById("sandbox-config");
  if (!el) return;
  var cfg = JSON.parse(el.textContent);
  var framed = false;
  try { framed = window.parent !== window; } catch (e) { framed = true; }
  function post(extra) {
    var msg = { source: ${JSON.stringify(MESSAGE_SOURCE)}, provider: cfg.provider, sessionId: cfg.sessionId };
    for (var k in extra) msg[k] = extra[k];
    window.parent.postMessage(msg, "*");
  }
  if (framed) {
    document.documentElement.setAttribute("data-framed", "true");
    var flags = document.querySelectorAll('input[name="embedded"]');
    for (var i = 0; i < flags.length; i++) flags[i].value = "1";
    var cancels = document.querySelectorAll("[data-sandbox-cancel]");
    for (var j = 0; j < cancels.length; j++) {
      cancels[j].addEventListener("click", function (ev) {
        ev.preventDefault();
        post({ type: "checkout.canceled", redirectUrl: this.getAttribute("href") });
      });
    }
    if (cfg.ready) post({ type: "checkout.ready" });
  }
  if (cfg.completed) {
    if (framed) post({ type: "checkout.completed", redirectUrl: cfg.completed.redirectUrl });
    else window.location.replace(cfg.completed.redirectUrl);
  }
})();`;

const CSS = `
:root { color-scheme: light; --accent: #635bff; --text: #1a1f36; --muted: #4f566b; --border: #c4c9d4; --error: #b3261e; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text); background: var(--bg); }
.banner { background: #fff4d6; border-bottom: 1px solid #e6c86e; padding: .5rem 1rem; font-size: .875rem; }
.banner strong { font-weight: 700; }
main { max-width: 960px; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
.grid { display: grid; gap: 2rem; grid-template-columns: 1fr; }
@media (min-width: 760px) { .grid { grid-template-columns: 1fr 1fr; } }
.card { background: #fff; border: 1px solid #e3e8ee; border-radius: 8px; padding: 1.25rem; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.125rem; margin: 0 0 .75rem; }
table { width: 100%; border-collapse: collapse; }
caption { text-align: left; font-weight: 600; padding-bottom: .5rem; }
th, td { text-align: left; padding: .4rem 0; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
tfoot th, tfoot td { border-top: 1px solid #e3e8ee; }
.total th, .total td { font-weight: 700; font-size: 1.1rem; }
.muted { color: var(--muted); font-size: .875rem; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
input[type=text], input[type=email] { width: 100%; padding: .6rem .7rem; font: inherit; border: 1px solid var(--border); border-radius: 6px; background: #fff; color: var(--text); }
input[aria-invalid=true] { border-color: var(--error); }
input[readonly] { background: #f3f4f6; color: var(--muted); }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
input:focus-visible, button:focus-visible, a:focus-visible, summary:focus-visible { outline: 3px solid #8f89ff; outline-offset: 2px; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem; }
.field-error { color: var(--error); font-size: .875rem; margin: .25rem 0 0; }
.alert { border: 1px solid var(--error); background: #fdecea; color: var(--error); border-radius: 6px; padding: .75rem; margin: 0 0 1rem; }
.notice { border: 1px solid #9ad29a; background: #eef8ee; border-radius: 6px; padding: .75rem; margin: 0 0 1rem; }
button { font: inherit; border-radius: 6px; padding: .7rem 1rem; cursor: pointer; border: 1px solid transparent; }
button.primary { width: 100%; margin-top: 1.25rem; background: var(--accent); color: #fff; font-weight: 600; }
button.secondary { background: #fff; color: var(--text); border-color: var(--border); }
button.danger { background: #fff; color: var(--error); border-color: var(--error); }
.actions { display: flex; gap: .75rem; flex-wrap: wrap; margin-top: 1rem; }
a { color: #3d35d6; }
.back { display: inline-block; margin-bottom: .5rem; }
details { margin-top: 1rem; font-size: .875rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.promo { display: grid; grid-template-columns: 1fr auto; gap: .5rem; align-items: end; }
.promo button { margin: 0; }
`;

export interface PageOptions {
  /** e.g. "Stripe — sandbox" — shown in the banner and the <title>. */
  label: string;
  title: string;
  lang?: string;
  body: string;
  frame?: FrameConfig;
}

export function page(opts: PageOptions): string {
  const lang = opts.lang && opts.lang !== "auto" ? opts.lang : "en";
  const config = opts.frame ? `<script type="application/json" id="sandbox-config">${scriptJson(opts.frame)}</script>` : "";
  return `<!doctype html>
<html lang="${esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(opts.title)} · ${esc(opts.label)}</title>
<style>${CSS}</style>
</head>
<body>
<div class="banner" role="note"><strong>${esc(opts.label)}</strong> · test mode — no real money moves. This page is served by the local payments sandbox.</div>
<main id="main">
${opts.body}
</main>
${config}
<script>${FRAME_SCRIPT}</script>
</body>
</html>`;
}

/** A simple explanatory page (expired, complete, not found …). */
export function messagePage(label: string, title: string, paragraphs: string[], link?: { href: string; text: string; cancel?: boolean }, frame?: FrameConfig, lang?: string): string {
  const linkHtml = link
    ? `<p><a href="${esc(link.href)}"${link.cancel ? " data-sandbox-cancel" : ""}>${esc(link.text)}</a></p>`
    : "";
  return page({
    label,
    title,
    lang,
    frame,
    body: `<div class="card"><h1>${esc(title)}</h1>${paragraphs.map((p) => `<p>${esc(p)}</p>`).join("")}${linkHtml}</div>`,
  });
}
