// npm run bench: pkce-wasm against the libraries users would pick instead.
// Size (raw, gzip -9, brotli q11 of what ships), start-up in headless
// Chromium, login starts per second, handleCallback's cost. One table on stdout
// and in bench/out/results.md (+ results.json), a chart in bench/out/chart.svg.
// Method: bench/README.md. Needs a built package (bash scripts/build.sh).
// `node bench/run.mjs --report` redraws the table and chart from results.json.
// `node bench/run.mjs --compare DIR [--compare-label TEXT]` (or BENCH_COMPARE,
// BENCH_COMPARE_LABEL) also measures the package built in the checkout DIR
// (its pkg/ and js/), as rows of its own beside the current build's.
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
import { basename, dirname, join, resolve } from "node:path";
import os from "node:os";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { startServer } from "./server.mjs";
import { COMPARE, LIBS as BASE_LIBS, isCompare } from "./pages/cfg.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BENCH = join(ROOT, "bench");
const OUT = join(BENCH, "out");

// Sample counts (environment overrides for a quick look; the defaults are the method).
const STARTUP_PAGES = Number(process.env.BENCH_STARTUP_PAGES ?? 25);
const PKCE_BATCHES = Number(process.env.BENCH_PKCE_BATCHES ?? 15);
const PKCE_BATCH_MS = 200;
// Pause after a page opens, before anything is timed: the browser's own
// process work (a renderer exiting, a spare one starting) settles first.
const SETTLE_MS = 250;
const CALLBACK_RUNS = Number(process.env.BENCH_CALLBACK_RUNS ?? 200);
const FIRST_CALL_PAGES = Number(process.env.BENCH_FIRST_CALL_PAGES ?? 20);

import { CHROMIUM, CHROMIUM_ARGS } from "../dev/chromium.mjs";

// The npm package behind each entry (its version goes in the table).
const PACKAGES = {
  "pkce-wasm": null,
  "pkce-wasm-inline": null,
  "auth0-spa-js": "@auth0/auth0-spa-js",
  "oidc-client-ts": "oidc-client-ts",
  "keycloak-js": "keycloak-js",
  oauth4webapi: "oauth4webapi",
  appauth: "@openid/appauth",
};
const LABEL = { appauth: "@openid/appauth", "auth0-spa-js": "@auth0/auth0-spa-js", "pkce-wasm-inline": "pkce-wasm/inline" };
// What the rows of the build measured alongside are called (a commit, a
// directory name); set by main() or read back from results.json.
let compareLabel = "compare";
const baseOf = (lib) => (isCompare(lib) ? lib.slice(0, -COMPARE.length) : lib);
const label = (lib) => (isCompare(lib) ? `${label(baseOf(lib))} @ ${compareLabel}` : (LABEL[lib] ?? lib));
// The two ways of shipping pkce-wasm: "pkce-wasm" (JS + .wasm next to it, the
// default entry, the one the targets are about) and "pkce-wasm/inline" (one
// file, the module inside as base64), and the same two of a build measured
// alongside, if any. Every other row is an anchor.
const OURS = ["pkce-wasm", "pkce-wasm-inline"];
const ours = (lib) => OURS.includes(baseOf(lib));

// The build measured alongside: any checkout with pkg/ built and js/ (e.g. a
// worktree of an older commit). Optional; without it the table is as ever.
function compareOption() {
  const args = process.argv.slice(2);
  const flag = (name) => {
    const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    return args[i].includes("=") ? args[i].slice(name.length + 1) : args[i + 1];
  };
  const dir = flag("--compare") ?? process.env.BENCH_COMPARE;
  if (!dir) return undefined;
  const root = resolve(dir);
  if (!existsSync(join(root, "js/index.js"))) throw new Error(`--compare ${dir}: no js/index.js there`);
  let name = flag("--compare-label") ?? process.env.BENCH_COMPARE_LABEL;
  if (!name) {
    try {
      name = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {}
  }
  return { root, label: name || basename(root) };
}
// What "ready" is for each library: its documented step before login() can run.
const READY = {
  "pkce-wasm": "`await init()` (fetch, compile, instantiate the .wasm) + `new PkceClient()`",
  "pkce-wasm-inline":
    "`await init()` (base64 decode of the embedded module, compile — synchronous where the browser allows it — and instantiate; no request) + `new PkceClient()`",
  "auth0-spa-js": "`await createAuth0Client()` (no session cookie: no request)",
  "oidc-client-ts": "`new UserManager()` with metadata given (no discovery)",
  "keycloak-js": "`new Keycloak()` + `await init({ pkceMethod: 'S256', checkLoginIframe: false })`",
  oauth4webapi: "module evaluated + the `as`/`client` records (no client object)",
  appauth: "`AuthorizationServiceConfiguration` + `RedirectRequestHandler` + `BaseTokenRequestHandler(FetchRequestor)`",
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const gzip = (b) => gzipSync(b, { level: 9 }).length;
const brotli = (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const sizes = (b) => ({ raw: b.length, gzip: gzip(b), brotli: brotli(b) });

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { n: s.length, min: s[0], median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, max: s[s.length - 1] };
}

// The lead rebuilds pkg/ now and then: a file can be missing for a moment.
async function readRetry(path) {
  for (let i = 0; ; i++) {
    try {
      return await readFile(path);
    } catch (e) {
      if (i >= 30) throw new Error(`${path}: ${e.message} (run bash scripts/build.sh first)`);
      await sleep(1000);
    }
  }
}

// One consistent copy of the package for the whole run, in the layout the
// wrappers expect (js/index.js imports ../pkg/pkce_wasm.js; js/inline.js
// imports ./index.js and ../pkg/pkce_wasm_inline.js, the .wasm as base64).
// A build measured alongside goes to out/compare/ in the same layout; one
// made before the inline entry existed has no inline row.
const SNAPSHOT = ["pkg/pkce_wasm.js", "pkg/pkce_wasm_bg.wasm", "js/index.js", "js/error.js"];
const INLINE = ["pkg/pkce_wasm_inline.js", "js/inline.js"];

async function snapshotPackage(root, dest) {
  const withInline = INLINE.every((f) => existsSync(join(root, f))) || root === ROOT;
  const files = [...SNAPSHOT, ...(withInline ? INLINE : [])];
  const wasm = files.indexOf("pkg/pkce_wasm_bg.wasm");
  const inline = files.indexOf("pkg/pkce_wasm_inline.js");
  for (let tries = 0; ; tries++) {
    const before = await Promise.all(files.map((f) => readRetry(join(root, f))));
    await sleep(200);
    const after = await Promise.all(files.map((f) => readRetry(join(root, f))));
    // The base64 copy must be of this very .wasm (a rebuild writes it last).
    const same = inline < 0 || before[inline].toString("utf8").includes(`"${before[wasm].toString("base64")}"`);
    if (!same && tries >= 30) throw new Error(`${join(root, "pkg/pkce_wasm_inline.js")} does not hold pkg/pkce_wasm_bg.wasm (run bash scripts/build.sh there)`);
    if (same && before.every((b, i) => b.equals(after[i]))) {
      for (const [i, f] of files.entries()) {
        await mkdir(dirname(join(dest, f)), { recursive: true });
        await writeFile(join(dest, f), before[i]);
      }
      return { withInline };
    }
  }
}

// Where a row's package snapshot and bundle live (pages/cfg.js, outDir).
const outOf = (lib) => (isCompare(lib) ? join(OUT, "compare") : OUT);

// esbuild --bundle --minify --format=esm of each entry. The pkce-wasm entries
// import the repository's js/index.js or js/inline.js; they are bundled from
// the row's snapshot (whose relative imports then stay inside it), so the
// rows of a build measured alongside use the same entries, that is the same
// public API calls.
async function bundle(lib) {
  const out = outOf(lib);
  const snapshot = {
    name: "snapshot",
    setup(build) {
      build.onResolve({ filter: /\/js\/(index|inline)\.js$/ }, (a) => ({
        path: join(out, "js", a.path.split("/").pop()),
      }));
    },
  };
  const outfile = join(out, "bundles", `${lib}.js`);
  await esbuild.build({
    entryPoints: [join(BENCH, "entries", `${baseOf(lib)}.js`)],
    bundle: true,
    minify: true,
    format: "esm",
    outfile,
    logLevel: "error",
    plugins: ours(lib) ? [snapshot] : [],
  });
  const js = await readFile(outfile);
  const row = { js: sizes(js) };
  if (ours(lib)) {
    const wasm = await readFile(join(out, "pkg/pkce_wasm_bg.wasm"));
    // pkce-wasm/inline: the module is in the bundle (base64), nothing else ships.
    row.embedded = js.includes(wasm.toString("base64"));
    if (!row.embedded) {
      // The glue fetches new URL("pkce_wasm_bg.wasm", import.meta.url): next to the bundle.
      await copyFile(join(out, "pkg/pkce_wasm_bg.wasm"), join(out, "bundles/pkce_wasm_bg.wasm"));
      row.wasm = sizes(wasm);
    }
  }
  // Each file is its own compressed stream on the wire: the sum is what ships.
  row.total = {};
  for (const k of ["raw", "gzip", "brotli"]) row.total[k] = row.js[k] + (row.wasm?.[k] ?? 0);
  return row;
}

// The start-up floors: what any package shaped like pkce-wasm's two entries
// costs here before it does anything of its own. Each is a file of exactly
// the size of the row it stands for, made of the same bytes where it matters,
// whose "ready" does no WebAssembly work at all:
// - floor-two: a JS file the size of pkce-wasm's bundle that, when evaluated,
//   requests a copy of the .wasm (floor.wasm, same bytes, same type) and is
//   ready when its last byte has arrived: no compile, no instantiate, no glue;
// - floor-one: a JS file the size of pkce-wasm/inline's bundle holding the
//   same base64 text, ready once it is decoded: no compile, no instantiate.
// Their login is a bare location.assign(); it is not reported.
const FLOORS = ["floor-two", "floor-one"];
const FLOOR_LABEL = { "floor-two": "floor: two files ⁴", "floor-one": "floor: one file ⁴" };

async function writeFloors() {
  const dir = join(OUT, "bundles");
  const wasm = await readFile(join(OUT, "pkg/pkce_wasm_bg.wasm"));
  const login = "export const login = (c, cfg) => location.assign(cfg.base + '/authorize');\n";
  // A comment of filler brings each file to its row's size; the parser skips it.
  const padTo = (text, size) => `${text}/*${"x".repeat(Math.max(0, size - text.length - 5))}*/\n`;
  const two =
    "const bytes = fetch(new URL('floor.wasm', import.meta.url)).then((r) => r.arrayBuffer());\n" +
    "export const ready = () => bytes;\n" +
    login;
  const twoSize = (await readFile(join(dir, "pkce-wasm.js"))).length;
  await writeFile(join(dir, "floor-two.js"), padTo(two, twoSize));
  await copyFile(join(OUT, "pkg/pkce_wasm_bg.wasm"), join(dir, "floor.wasm"));
  const one =
    `const text = "${wasm.toString("base64")}";\n` +
    "const bytes = Uint8Array.fromBase64 ? Uint8Array.fromBase64(text) : Uint8Array.from(atob(text), (c) => c.charCodeAt(0));\n" +
    "export const ready = async () => bytes;\n" +
    login;
  const inline = join(dir, "pkce-wasm-inline.js");
  await writeFile(join(dir, "floor-one.js"), padTo(one, existsSync(inline) ? (await readFile(inline)).length : one.length));
}

// Polls a page value across navigations (a navigation destroys the context an
// evaluate runs in; the next poll finds the new page).
async function poll(page, fn, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await page.evaluate(fn);
      if (v !== undefined && v !== null) return v;
    } catch {}
    if (Date.now() > end) throw new Error("timed out waiting for the page");
    await sleep(50);
  }
}

async function freshPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  return { context, page, errors };
}

// The whole flow of one bundle against the local provider: login, redirect,
// callback, code exchange with a checked S256 verifier.
async function flowCheck(browser, server, lib) {
  const { context, page, errors } = await freshPage(browser);
  try {
    await page.goto(`${server.origin}/bench/flow/${lib}`);
    await poll(page, () => window.__ready);
    const early = await page.evaluate(() => window.__result);
    if (early) throw new Error(early.error);
    await page.evaluate(() => {
      window.__login();
    });
    const result = await poll(page, () => window.__result);
    if (!result.ok) throw new Error(result.error);
    const exchange = server.exchanges.filter((e) => e.lib === lib).at(-1);
    if (!exchange?.ok) throw new Error(`token endpoint: ${exchange?.reason ?? "no request"}`);
    if (result.accessToken !== exchange.accessToken) throw new Error("the access token returned is not the one issued");
    return { ok: true };
  } catch (e) {
    return { ok: false, error: `${e.message}${errors.length ? ` | ${errors.join(" | ")}` : ""}`.slice(0, 600) };
  } finally {
    await context.close();
  }
}

// window.__result of `path` in a page of a fresh context.
async function resultOf(browser, server, path) {
  const { context, page, errors } = await freshPage(browser);
  try {
    await page.goto(`${server.origin}${path}`);
    const r = await poll(page, () => window.__result);
    if (r.error) throw new Error(`${path}: ${r.error} ${errors.join(" | ")}`);
    return r;
  } finally {
    await context.close();
    await sleep(100); // its renderer exits before the next page opens
  }
}

const startupOnce = (browser, server, lib, hints = "") => resultOf(browser, server, `/bench/pages/startup.html?lib=${lib}${hints}`);

// --hints: the start-up again, with the preload hints of docs/startup.md.
const HINTS = process.argv.includes("--hints") || process.env.BENCH_HINTS === "1";
const HINTS_PAGES = Number(process.env.BENCH_HINTS_PAGES ?? 15);

// --local: the start-up again with every file read from disk (file://), as a
// hybrid app's WebView reads its assets, in a second Chromium allowed to read
// files from files. The bundles are those of this run (out/bundles/).
const LOCAL = process.argv.includes("--local") || process.env.BENCH_LOCAL === "1";
const LOCAL_PAGES = Number(process.env.BENCH_LOCAL_PAGES ?? 15);

// The module's own work, cold (pages/cold.html): fresh pages, each its first
// copy of the module and glue, then further copies in the same page.
const COLD_PAGES = Number(process.env.BENCH_COLD_PAGES ?? 10);
const COLD_COPIES = 10;
const COLD_STEPS = ["compile", "instantiate", "constructor", "constructorAgain", "login", "loginAgain"];

async function startupFromDisk(libs) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, "--allow-file-access-from-files"] });
  const page = pathToFileURL(join(BENCH, "pages/local.html")).href;
  const samples = Object.fromEntries(libs.map((l) => [l, { ms: [], importMs: [], readyMs: [] }]));
  try {
    for (let i = 0; i < LOCAL_PAGES; i++) {
      for (let j = 0; j < libs.length; j++) {
        const lib = libs[(i + j) % libs.length];
        const { context, page: p } = await freshPage(browser);
        try {
          await p.goto(`${page}?lib=${lib}${isCompare(lib) ? "&compare=1" : ""}`);
          const r = await poll(p, () => window.__result);
          if (r.error) throw new Error(`${lib} from disk: ${r.error}`);
          for (const k in samples[lib]) samples[lib][k].push(r[k]);
        } finally {
          await context.close();
          await sleep(100);
        }
      }
    }
  } finally {
    await browser.close();
  }
  return Object.fromEntries(libs.map((l) => [l, Object.fromEntries(Object.entries(samples[l]).map(([k, v]) => [k, stats(v)]))]));
}

async function inPage(browser, server, path, run, arg) {
  const { context, page, errors } = await freshPage(browser);
  try {
    await page.goto(`${server.origin}${path}`);
    await poll(page, () => window.__ready).catch(() => {
      throw new Error(`${path}: ${errors.join(" | ") || "not ready"}`);
    });
    await sleep(SETTLE_MS); // as in pages/startup.html
    return await page.evaluate(run, arg);
  } finally {
    await context.close();
  }
}

// `query`: "" for the current build, "?pkg=compare" for the one alongside.
async function firstCallback(browser, server, query = "") {
  return inPage(browser, server, `/bench/pages/callback.html${query}`, async () => (await window.__run({ runs: 1 })).times.instant[0]);
}

// ---- output -------------------------------------------------------------

const kb = (n) => (n / 1024).toFixed(1);
const ms = (n, d = 1) => n.toFixed(d);
const rate = (n) => (n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));
const range = (s, f) => `${f(s.min)} / **${f(s.median)}** / ${f(s.max)}`;

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

// Hand-written SVG: gzip size per library (pkce-wasm split into .wasm and JS;
// pkce-wasm/inline one bar, its one file)
// and start-up median with its min–max range, both against their targets.
function chart(r) {
  if (r.compare) compareLabel = r.compare.label;
  const W = 960;
  // Room for the longest row name (bold, ~8 px a character at 13 px).
  const left = Math.max(170, 24 + 8 * Math.max(...r.libs.map((l) => label(l).length)));
  const right = 190; // room for the value labels
  const barH = 22;
  const gap = 10;
  const plotW = W - left - right;
  const libs = r.libs;
  const panelH = libs.length * (barH + gap) + 60;
  const H = 90 + 2 * panelH + 70;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="20" y="30" font-size="18" font-weight="600">pkce-wasm and the libraries users would pick instead</text>`);
  out.push(
    `<text x="20" y="52" fill="#555">${esc(r.env.chromium)} · ${esc(r.env.cpu)} × ${r.env.cores} · ${esc(r.env.date.slice(0, 10))}` +
      (r.compare ? ` · violet: pkce-wasm @ ${esc(r.compare.label)}, measured alongside` : "") +
      `</text>`,
  );

  const panel = (y0, title, values, unit, target, targetLabel, whiskers) => {
    // A single slow page (another process took the CPU) would squash every
    // median into the first tenth of the axis: whiskers longer than 2.5× the
    // largest median are cut at the edge and their maximum written there.
    const cap = Math.max(...values.map((v) => v.value), target ?? 0) * 2.5;
    const max = Math.min(cap, Math.max(...values.map((v) => v.max ?? v.value), target ?? 0)) * 1.08;
    const x = (v) => left + (Math.min(v, max) / max) * plotW;
    out.push(`<text x="20" y="${y0}" font-size="15" font-weight="600">${esc(title)}</text>`);
    const top = y0 + 14;
    const bottom = top + values.length * (barH + gap);
    // Grid every "nice" step.
    const step = [1, 2, 5, 10, 20, 50, 100, 200, 500].find((s) => max / s <= 8) ?? 1000;
    for (let v = 0; v <= max; v += step) {
      out.push(`<line x1="${x(v)}" y1="${top - 4}" x2="${x(v)}" y2="${bottom}" stroke="#eee"/>`);
      out.push(`<text x="${x(v)}" y="${bottom + 16}" text-anchor="middle" fill="#777" font-size="11">${v}</text>`);
    }
    out.push(`<text x="${left + plotW}" y="${bottom + 32}" text-anchor="end" fill="#777" font-size="11">${esc(unit)}</text>`);
    values.forEach((v, i) => {
      const y = top + i * (barH + gap);
      const mine = ours(v.lib);
      out.push(`<text x="${left - 10}" y="${y + barH * 0.7}" text-anchor="end" font-weight="${mine ? 600 : 400}">${esc(label(v.lib))}</text>`);
      let xs = left;
      for (const part of v.parts ?? [{ value: v.value, color: isCompare(v.lib) ? "#8a6fc4" : mine ? "#2f6fdb" : "#9aa5b1" }]) {
        out.push(`<rect x="${xs}" y="${y}" width="${x(part.value) - left}" height="${barH}" fill="${part.color}"><title>${esc(part.title ?? "")}</title></rect>`);
        xs += x(part.value) - left;
      }
      let text = v.text;
      if (whiskers) {
        const cy = y + barH / 2;
        const cut = v.max > max;
        out.push(`<line x1="${x(v.min)}" y1="${cy}" x2="${x(v.max)}" y2="${cy}" stroke="#222" stroke-width="1.5"${cut ? ' stroke-dasharray="4 3"' : ""}/>`);
        for (const e of cut ? [v.min] : [v.min, v.max]) {
          out.push(`<line x1="${x(e)}" y1="${cy - 6}" x2="${x(e)}" y2="${cy + 6}" stroke="#222" stroke-width="1.5"/>`);
        }
        if (cut) text += ` · max ${ms(v.max, 0)}`;
      }
      const labelX = Math.max(x(v.max ?? v.value), x(v.value)) + 6;
      out.push(`<text x="${labelX}" y="${y + barH * 0.7}">${esc(text)}</text>`);
    });
    if (target !== undefined) {
      out.push(`<line x1="${x(target)}" y1="${top - 8}" x2="${x(target)}" y2="${bottom}" stroke="#d33" stroke-dasharray="5 4" stroke-width="1.5"/>`);
      out.push(`<text x="${x(target) + 4}" y="${top - 2}" fill="#d33" font-size="11">${esc(targetLabel)}</text>`);
    }
  };

  panel(
    90,
    "Size as shipped, gzip -9 (KB); pkce-wasm: .wasm (dark) + JS bundle (light); pkce-wasm/inline: one file",
    libs.map((lib) => {
      const s = r.size[lib];
      const value = s.total.gzip / 1024;
      return {
        lib,
        value,
        text: s.wasm
          ? `${kb(s.total.gzip)} KB (.wasm ${kb(s.wasm.gzip)} + JS ${kb(s.js.gzip)})`
          : s.embedded
            ? `${kb(s.total.gzip)} KB (one file, module inside)`
            : `${kb(s.total.gzip)} KB`,
        // The build measured alongside in violet, the current one in blue.
        parts: s.wasm
          ? [
              { value: s.wasm.gzip / 1024, color: isCompare(lib) ? "#8a6fc4" : "#2f6fdb", title: `.wasm ${kb(s.wasm.gzip)} KB` },
              { value: s.js.gzip / 1024, color: isCompare(lib) ? "#c7b8e6" : "#8fb3f0", title: `JS ${kb(s.js.gzip)} KB` },
            ]
          : undefined,
      };
    }),
    "KB (1024 bytes), gzip -9",
    16,
    "target 16 KB",
    false,
  );
  panel(
    90 + panelH + 20,
    `Start-up in a fresh page: import() to ready (ms), median with min–max, ${r.startup[libs[0]].n} pages each`,
    libs.map((lib) => {
      const s = r.startup[lib];
      return { lib, value: s.median, min: s.min, max: s.max, text: `${ms(s.median)} ms` };
    }),
    "milliseconds",
    r.targets.startup.limit,
    `median anchor ${ms(r.targets.startup.limit)} ms`,
    true,
  );
  const p = r.pkce;
  const b = perBuild(r)["pkce-wasm"];
  const c = b.callback.instant;
  out.push(
    `<text x="20" y="${H - 40}" fill="#333">${r.firstLogin ? `first login: ${ms(r.firstLogin["pkce-wasm"].median, 2)} ms median · ` : ""}login start repeated (authorizeUrl): ${rate(b.login.median)}/s · WebCrypto PKCE pair: ${rate(p.webcrypto.median)}/s · handleCallback: ${ms(c.median, 3)} ms median (${c.n} runs)</text>`,
  );
  out.push(`<text x="20" y="${H - 18}" fill="#777" font-size="11">npm run bench · bench/README.md describes the method</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

// ---- main ---------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  // Other work on the machine moves every timing; the load is stated with them.
  const loadBefore = os.loadavg()[0];
  const compare = compareOption();
  await rm(OUT, { recursive: true, force: true });
  await mkdir(join(OUT, "bundles"), { recursive: true });
  await snapshotPackage(ROOT, OUT);
  // The rows of a build measured alongside follow their current counterparts.
  let LIBS = BASE_LIBS;
  if (compare) {
    compareLabel = compare.label;
    await mkdir(join(OUT, "compare", "bundles"), { recursive: true });
    const { withInline } = await snapshotPackage(compare.root, join(OUT, "compare"));
    LIBS = BASE_LIBS.flatMap((l) =>
      l === "pkce-wasm" || (l === "pkce-wasm-inline" && withInline) ? [l, l + COMPARE] : [l],
    );
  }

  const versions = {};
  const size = {};
  for (const lib of LIBS) {
    const pkg = PACKAGES[baseOf(lib)];
    const root = isCompare(lib) ? compare.root : ROOT;
    versions[lib] = JSON.parse(readFileSync(join(root, pkg ? `node_modules/${pkg}` : "", "package.json"), "utf8")).version;
    size[lib] = await bundle(lib);
  }
  await writeFloors();
  process.stderr.write("bundled; starting Chromium\n");

  const server = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  let results;
  try {
    const flow = {};
    for (const lib of LIBS) flow[lib] = await flowCheck(browser, server, lib);
    process.stderr.write(`flow: ${LIBS.map((l) => `${l} ${flow[l].ok ? "ok" : "FAILED"}`).join(", ")}\n`);

    // Start-up: one unrecorded round first (the browser's and the server's own
    // warm-up), then the libraries in rotating order so that none always
    // follows the same neighbour.
    // The floors (writeFloors) take turns with the libraries, so that they
    // are measured under the same conditions.
    const ROWS = [...LIBS, ...FLOORS];
    for (const lib of ROWS) await startupOnce(browser, server, lib);
    const startupMs = Object.fromEntries(ROWS.map((l) => [l, []]));
    // The first login of each start-up page: login() to the navigation.
    const loginMs = Object.fromEntries(ROWS.map((l) => [l, []]));
    const split = Object.fromEntries(ROWS.map((l) => [l, { importMs: [], readyMs: [] }]));
    // pkce-wasm's ready step in two: the .wasm request (start to response end),
    // then from its last byte to ready (compile, instantiate, constructor).
    // Per library; pkce-wasm/inline makes no such request (counted, to show it).
    const wasmSplit = Object.fromEntries(ROWS.map((l) => [l, { gapMs: [], fetchMs: [], afterMs: [] }]));
    let isolated = true;
    for (let i = 0; i < STARTUP_PAGES; i++) {
      for (let j = 0; j < ROWS.length; j++) {
        const lib = ROWS[(i + j) % ROWS.length];
        const r = await startupOnce(browser, server, lib);
        startupMs[lib].push(r.ms);
        loginMs[lib].push(r.loginMs);
        split[lib].importMs.push(r.importMs);
        split[lib].readyMs.push(r.readyMs);
        const wasm = r.requests.find((q) => q.name.endsWith(".wasm"));
        if (wasm) {
          // Negative when the request started before import() resolved.
          wasmSplit[lib].gapMs.push(wasm.start - r.importMs);
          wasmSplit[lib].fetchMs.push(wasm.end - wasm.start);
          wasmSplit[lib].afterMs.push(r.ms - wasm.end);
        }
        isolated &&= r.isolated;
      }
    }
    process.stderr.write("start-up done\n");
    let hinted;
    if (HINTS) {
      const samples = Object.fromEntries(ROWS.map((l) => [l, { ms: [], importMs: [], readyMs: [], wasmRequests: 0 }]));
      // The .wasm each two-file row requests, preloaded as docs/startup.md says.
      const preload = (lib) =>
        lib === "floor-two" ? "/bench/out/bundles/floor.wasm" : size[lib]?.wasm && `${isCompare(lib) ? "/bench/out/compare" : "/bench/out"}/bundles/pkce_wasm_bg.wasm`;
      for (let i = 0; i < HINTS_PAGES; i++) {
        for (let j = 0; j < ROWS.length; j++) {
          const lib = ROWS[(i + j) % ROWS.length];
          const wasm = preload(lib) ? `&wasm=${encodeURIComponent(preload(lib))}` : "";
          const r = await startupOnce(browser, server, lib, `&hints=1${wasm}`);
          for (const k of ["ms", "importMs", "readyMs"]) samples[lib][k].push(r[k]);
          // A .wasm request inside the measure: the preload was not taken over.
          if (r.requests.some((q) => q.name.endsWith(".wasm"))) samples[lib].wasmRequests++;
        }
      }
      hinted = Object.fromEntries(
        ROWS.map((l) => [l, { ms: stats(samples[l].ms), importMs: stats(samples[l].importMs), readyMs: stats(samples[l].readyMs), wasmRequests: samples[l].wasmRequests }]),
      );
      process.stderr.write("start-up with hints done\n");
    }
    // The floor under every first login (pages/floor.html), in fresh pages.
    const floorMs = { ms: [], storageMs: [], navigateMs: [] };
    for (let i = 0; i < FIRST_CALL_PAGES; i++) {
      const r = await resultOf(browser, server, "/bench/pages/floor.html");
      for (const k in floorMs) floorMs[k].push(r[k]);
    }

    const pk = await inPage(browser, server, `/bench/pages/pkce.html${compare ? "?compare=1" : ""}`, (a) => window.__run(a), {
      batches: PKCE_BATCHES,
      batchMs: PKCE_BATCH_MS,
    });
    process.stderr.write("login start done\n");
    // Each build in its own page (one module per page, as an app has); the
    // fresh pages of the first call alternate between the builds.
    const builds = compare ? ["", "?pkg=compare"] : [""];
    const cb = {};
    const first = {};
    for (const q of builds) {
      cb[q] = await inPage(browser, server, `/bench/pages/callback.html${q}`, (a) => window.__run(a), { runs: CALLBACK_RUNS });
      first[q] = [];
    }
    for (let i = 0; i < FIRST_CALL_PAGES; i++) for (const q of builds) first[q].push(await firstCallback(browser, server, q));
    process.stderr.write("callback done\n");
    const coldSamples = Object.fromEntries(builds.map((q) => [q, { first: [], rest: [] }]));
    for (let i = 0; i < COLD_PAGES; i++) {
      for (const q of builds) {
        const c = await inPage(browser, server, `/bench/pages/cold.html${q}`, (a) => window.__run(a), { more: COLD_COPIES });
        coldSamples[q].first.push(c.first);
        coldSamples[q].rest.push(...c.rest);
      }
    }
    const coldOf = (q) =>
      Object.fromEntries(
        ["first", "rest"].map((k) => [k, Object.fromEntries(COLD_STEPS.map((step) => [step, stats(coldSamples[q][k].map((x) => x[step]))]))]),
      );
    process.stderr.write("cold module work done\n");

    const anchors = LIBS.filter((l) => !ours(l));
    const startup = Object.fromEntries(LIBS.map((l) => [l, stats(startupMs[l])]));
    const firstLogin = Object.fromEntries(LIBS.map((l) => [l, stats(loginMs[l])]));
    const startupSplit = Object.fromEntries(
      LIBS.map((l) => [l, { import: stats(split[l].importMs), ready: stats(split[l].readyMs) }]),
    );
    const pkce = Object.fromEntries(Object.entries(pk.rates).map(([k, v]) => [k, stats(v)]));
    const callbackOf = (q) => ({
      instant: stats(cb[q].times.instant),
      response: stats(cb[q].times.response),
      firstInPage: stats(first[q]),
    });
    const callback = callbackOf("");
    const anchorMedian = stats(anchors.map((l) => startup[l].median)).median;
    const fastest = anchors.reduce((a, l) => (startup[l].median < startup[a].median ? l : a));
    const targets = {
      size: { limit: 16 * 1024, value: size["pkce-wasm"].total.gzip },
      startup: { limit: anchorMedian, value: startup["pkce-wasm"].median },
      login: { limit: 1, value: firstLogin["pkce-wasm"].median },
      callback: { limit: 1, value: callback.instant.median },
    };
    targets.size.met = targets.size.value <= targets.size.limit;
    targets.startup.met = targets.startup.value <= targets.startup.limit;
    targets.login.met = targets.login.value < targets.login.limit;
    targets.callback.met = targets.callback.value < targets.callback.limit;
    // The one-file form: its start-up against the fastest anchor; its size for
    // information.
    if (LIBS.includes("pkce-wasm-inline")) {
      targets.inline = {
        startup: { limit: startup[fastest].median, fastest, value: startup["pkce-wasm-inline"].median },
        size: { value: size["pkce-wasm-inline"].total.gzip, twoFiles: size["pkce-wasm"].total.gzip },
      };
      targets.inline.startup.met = targets.inline.startup.value <= targets.inline.startup.limit;
    }

    const osRelease = existsSync("/etc/os-release")
      ? /PRETTY_NAME="?([^"\n]*)/.exec(readFileSync("/etc/os-release", "utf8"))?.[1]
      : undefined;
    results = {
      env: {
        date: new Date().toISOString(),
        os: `${osRelease ?? os.type()} (${os.type()} ${os.release()}, ${os.arch()})`,
        cpu: os.cpus()[0]?.model?.trim() ?? "unknown",
        cores: os.cpus().length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        chromium: `Chromium ${browser.version()} (headless)`,
        node: process.version,
        esbuild: esbuild.version,
        crossOriginIsolated: isolated && pk.isolated && builds.every((q) => cb[q].isolated),
        load: [loadBefore, os.loadavg()[0]].map((x) => Number(x.toFixed(2))),
      },
      libs: LIBS,
      versions,
      ready: Object.fromEntries(LIBS.map((l) => [l, READY[baseOf(l)]])),
      flow,
      size,
      startup,
      startupSplit,
      firstLogin,
      hinted,
      // The start-up floors (writeFloors): start-up and its split, and for
      // floor-two its .wasm request.
      startupFloors: Object.fromEntries(
        FLOORS.map((l) => [
          l,
          {
            ms: stats(startupMs[l]),
            import: stats(split[l].importMs),
            ready: stats(split[l].readyMs),
            ...(wasmSplit[l].fetchMs.length ? { fetch: stats(wasmSplit[l].fetchMs) } : {}),
          },
        ]),
      ),
      loginFloor: Object.fromEntries(Object.entries(floorMs).map(([k, v]) => [k, stats(v)])),
      // Only for the libraries whose pages requested a .wasm; wasmRequests counts them.
      wasmSplit: Object.fromEntries(
        LIBS.filter((l) => wasmSplit[l].fetchMs.length).map((l) => [
          l,
          { gap: stats(wasmSplit[l].gapMs), fetch: stats(wasmSplit[l].fetchMs), after: stats(wasmSplit[l].afterMs) },
        ]),
      ),
      wasmRequests: Object.fromEntries(LIBS.filter(ours).map((l) => [l, wasmSplit[l].fetchMs.length])),
      startupSamples: startupMs,
      pkce,
      pkceBatchSizes: pk.sizes,
      callback,
      cold: coldOf(""),
      // The build measured alongside: its rows' figures are keyed like the
      // others (libs with the suffix); its callback and login start here.
      compare: compare && {
        label: compare.label,
        callback: callbackOf("?pkg=compare"),
        cold: coldOf("?pkg=compare"),
        loginStart: pkce["login-start-compare"],
      },
      targets,
      seconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
  if (LOCAL) {
    results.local = await startupFromDisk([...results.libs, ...FLOORS]);
    process.stderr.write("start-up from disk done\n");
  }

  const md = report(results);
  await writeFile(join(OUT, "results.json"), JSON.stringify(results, null, 2) + "\n");
  await writeFile(join(OUT, "results.md"), md);
  await writeFile(join(OUT, "chart.svg"), chart(results));
  console.log(md);
  console.log(`written: bench/out/results.md, results.json, chart.svg (${results.seconds} s)`);
  if (!LIBS.every((l) => results.flow[l].ok)) process.exitCode = 1;
}

// Login start and callback figures of the two-file rows; the inline rows
// share them (same module, same code).
function perBuild(r) {
  // results.json of runs before the public-API login start kept it as "begin".
  const out = { "pkce-wasm": { login: r.pkce["login-start"] ?? r.pkce.begin, callback: r.callback } };
  if (r.compare) out["pkce-wasm" + COMPARE] = { login: r.compare.loginStart, callback: r.compare.callback };
  return out;
}

// "+1.2 ms (+8 %)" from before to now, for the before/after table.
const change = (before, now, f, unit) => {
  const d = now - before;
  return `${d >= 0 ? "+" : "−"}${f(Math.abs(d))}${unit} (${d >= 0 ? "+" : "−"}${Math.abs((d / before) * 100).toFixed(0)} %)`;
};

function report(r) {
  const e = r.env;
  if (r.compare) compareLabel = r.compare.label;
  const builds = perBuild(r);
  const head = ["Library", "Version", "Raw KB", "gzip -9 KB", "brotli q11 KB", "Start-up ms (min / median / max)", "First login ms (min / median / max)", "Login starts/s, repeated (min / median / max)", "handleCallback ms (min / median / max)", "Flow"];
  const rows = [head];
  for (const lib of r.libs) {
    const s = r.size[lib].total;
    const b = builds[lib];
    rows.push([
      ours(lib) ? `**${label(lib)}**` : label(lib),
      r.versions[lib],
      kb(s.raw),
      kb(s.gzip),
      kb(s.brotli),
      range(r.startup[lib], ms),
      r.firstLogin ? `${range(r.firstLogin[lib], (v) => ms(v, 2))} ⁰` : "—",
      b ? `${range(b.login, rate)} ¹` : "—",
      b ? `${range(b.callback.instant, (v) => ms(v, 3))} ²` : "—",
      r.flow[lib].ok ? "ok" : "FAILED",
    ]);
  }
  for (const [l, f] of Object.entries(r.startupFloors ?? {})) rows.push([FLOOR_LABEL[l], "—", "—", "—", "—", range(f.ms, ms), "—", "—", "—", "—"]);
  rows.push(["WebCrypto PKCE pair ³", "—", "—", "—", "—", "—", "—", range(r.pkce.webcrypto, rate), "—", "—"]);

  const pw = r.size["pkce-wasm"];
  const pi = r.size["pkce-wasm-inline"];
  const t = r.targets;
  // The ready step split by the .wasm request, where there was one (the
  // results of an earlier run held pkce-wasm's alone, unkeyed).
  const wasmSplitOf = (l) => r.wasmSplit[l] ?? (l === "pkce-wasm" && r.wasmSplit.fetch ? r.wasmSplit : undefined);
  const splitNote = (l) => {
    const w = wasmSplitOf(l);
    if (w) {
      const gap = w.gap
        ? `the .wasm requested ${ms(Math.abs(w.gap.median))} ms ${w.gap.median < 0 ? "before" : "after"} import() resolved, `
        : "";
      return ` (${gap}the request ${ms(w.fetch.median)} ms, then ${ms(w.after.median)} ms from its last byte to ready: compile, instantiate, constructor).`;
    }
    if (r.size[l]?.embedded) {
      const n = r.wasmRequests?.[l];
      return ` (no .wasm request${n ? `: yet ${n} seen!` : ""}; the import fetches and evaluates the one file, base64 included).`;
    }
    return ".";
  };
  const verdict = (x) => (x.met ? "met" : "**missed**");
  const cmp = r.compare && `pkce-wasm${COMPARE}`;
  const lines = [
    "# pkce-wasm benchmark",
    "",
    `${e.date} · ${e.os} · ${e.cpu}, ${e.cores} cores, ${e.memoryGiB} GiB · ${e.chromium} · Node ${e.node} · esbuild ${e.esbuild}` +
      (e.crossOriginIsolated ? " · pages cross-origin isolated (5 µs timer)" : " · pages NOT cross-origin isolated (100 µs timer)") +
      ` · load average ${e.load[0]} before, ${e.load[1]} after (the run's own browser included)`,
    "",
    table(rows),
    "",
    `Sizes are esbuild \`--bundle --minify --format=esm\` of a minimal entry doing login with redirect, callback and code exchange (bench/entries/); each file compressed on its own, summed. pkce-wasm ships two files: .wasm ${kb(pw.wasm.raw)} / ${kb(pw.wasm.gzip)} / ${kb(pw.wasm.brotli)} KB and JS (glue + wrapper + entry) ${kb(pw.js.raw)} / ${kb(pw.js.gzip)} / ${kb(pw.js.brotli)} KB (raw / gzip / brotli).` +
      (pi
        ? ` pkce-wasm/inline ships one file, the same glue, wrapper and entry with the module inside as base64: ${kb(pi.js.raw)} / ${kb(pi.js.gzip)} / ${kb(pi.js.brotli)} KB, ${kb(pi.total.gzip - pw.total.gzip)} KB gzip / ${kb(pi.total.brotli - pw.total.brotli)} KB brotli more than the two files (base64 compresses worse than the binary); its login start and callback figures are those of the pkce-wasm row (same module, same code).`
        : "") +
      " KB = 1024 bytes.",
    "",
    `Start-up: ${r.startup["pkce-wasm"].n} pages per library, each in a fresh browser context (empty caches), libraries interleaved; after a ${SETTLE_MS} ms pause once the page loaded, \`performance.now()\` from \`import()\` of the bundle to ready, over HTTP from 127.0.0.1. Ready means:`,
    ...r.libs.map(
      (l) =>
        `- ${label(l)}: ${r.ready[l]}. Median split: import ${ms(r.startupSplit[l].import.median)} ms, ready step ${ms(r.startupSplit[l].ready.median)} ms` +
          splitNote(l),
    ),
    "",
    ...(r.firstLogin
      ? [
          `⁰ First login: in each start-up page, ${SETTLE_MS} ms after ready, the library's login call (bench/entries/; \`client.login()\` with sessionStorage for pkce-wasm) timed to the navigation it asks for, which the Navigation API's \`navigate\` event catches and cancels: the random values, the S256 hash, the storage write and the authorize URL, once, as a user's click does it — the compilation of the code on that path included, since it runs for the first time.`,
        ]
      : []),
    `¹ Login start, repeated: \`await client.authorizeUrl()\` through the public API, one after another, the client configured with scope openid and an in-memory StorageLike (getItem/setItem/removeItem, emptied between batches; no key()/length, so nothing is swept): the verifier and its S256 challenge, state, nonce, the authorize URL, the transaction record saved. The module has no function for the PKCE pair alone. ${builds["pkce-wasm"].login.n} batches of ~${PKCE_BATCH_MS} ms in one page, interleaved with the baseline${r.compare ? ` and with the login start of ${label(cmp)}, loaded in the same page as a second module` : ""}.`,
    ...Object.entries(builds).map(
      ([l, { callback: c }], i) =>
        (i === 0
          ? `² A valid callback (no openid: no ID token), token endpoint answered by an injected fetch resolving at once with a 200 JSON body (a Response-shaped object whose \`text()\` resolves at once), sessionStorage; each run preceded, outside the timing, by \`authorizeUrl()\`; ${c.instant.n} runs in one page, all counted${r.compare ? ", each build in its own page" : ""}. ${label(l)}: `
          : `${label(l)}: `) +
        `with a real \`new Response()\` from the fetch ${range(c.response, (v) => ms(v, 3))} ms; the first call in a fresh page (${c.firstInPage.n} pages) ${range(c.firstInPage, (v) => ms(v, 3))} ms.`,
    ),
    `³ For information: \`crypto.getRandomValues\` (32 bytes) + base64url + \`await crypto.subtle.digest('SHA-256')\` + base64url, one pair after another, in the same page — the pair alone, less than a login start. With every pair of a batch in flight at once: ${range(r.pkce["webcrypto-parallel"], rate)} pairs/s.`,
    `Floors: the cheapest public call into the module (\`isCallback(0)\`, a non-string answered false inside it; current build) ${range(r.pkce["call-floor"], rate)}/s; \`crypto.getRandomValues\` (32 bytes) alone from JS ${range(r.pkce["random-floor"], rate)}/s. Ten times the baseline is ${rate(r.pkce.webcrypto.median * 10)}/s, i.e. ${(1e6 / (r.pkce.webcrypto.median * 10)).toFixed(2)} µs each.`,
    ...floorNote(r),
    "",
    "Flow: each bundle ran login → redirect → callback → code exchange once against a local authorization server that checks the code, redirect_uri, client_id and the S256 verifier.",
    "",
    "## Targets",
    "",
    `- Size ≤ 16 KB gzip (pkce-wasm, two files: wasm + glue + wrapper): ${kb(t.size.value)} KB — ${verdict(t.size)}${t.size.met ? "" : ` by ${kb(t.size.value - t.size.limit)} KB (${((t.size.value / t.size.limit - 1) * 100).toFixed(0)} %)`}.`,
    `- Start-up (pkce-wasm) no slower than the median anchor (${ms(t.startup.limit)} ms, over the ${r.libs.filter((l) => !ours(l)).length} anchors): ${ms(t.startup.value)} ms — ${verdict(t.startup)}${t.startup.met ? "" : ` by ${ms(t.startup.value - t.startup.limit)} ms`}` +
      floorAgainst(r, "floor-two", t.startup.limit, t.startup.value, "a two-file package of this size") +
      ".",
    ...(t.login
      ? [
          `- Login start < 1 ms (pkce-wasm, the first login in a fresh page, ⁰): ${ms(t.login.value, 2)} ms median — ${verdict(t.login)}${t.login.met ? "" : ` by ${ms(t.login.value - t.login.limit, 2)} ms`}` +
            (r.loginFloor
              ? `, of which ${ms(r.loginFloor.ms.median, 2)} ms is the floor under any first login (a page's first sessionStorage write ${ms(r.loginFloor.storageMs.median, 2)} ms, location.assign() to its navigate event ${ms(r.loginFloor.navigateMs.median, 2)} ms; pages/floor.html, ${r.loginFloor.ms.n} fresh pages)`
              : "") +
            `; repeated in one page (¹) ${(1000 / perBuild(r)["pkce-wasm"].login.median).toFixed(3)} ms each. (One login needs one PKCE pair: the WebCrypto pair rate is information, no longer a target.)`,
        ]
      : []),
    `- handleCallback < 1 ms: ${ms(t.callback.value, 3)} ms median — ${verdict(t.callback)}.`,
  ];
  if (t.inline) {
    const s = t.inline.startup;
    const z = t.inline.size;
    lines.push(
      s.fastest
        ? `- Start-up (pkce-wasm/inline) no slower than the fastest anchor (${label(s.fastest)}, ${ms(s.limit)} ms): ${ms(s.value)} ms — ${verdict(s)}${s.met ? "" : ` by ${ms(s.value - s.limit)} ms`}` +
            floorAgainst(r, "floor-one", s.limit, s.value, "a one-file package of this size") +
            `. Its size, for information: ${kb(z.value)} KB gzip in one file, ${kb(z.value - z.twoFiles)} KB more than the two files.`
        : `- (For information) pkce-wasm/inline: start-up ${ms(s.value)} ms against the median anchor (${ms(s.limit)} ms) — ${s.met ? `met, ${ms(s.limit - s.value)} ms under` : `missed by ${ms(s.value - s.limit)} ms`}; size ${kb(z.value)} KB gzip in one file, ${kb(z.value - z.twoFiles)} KB more than the two files.`,
    );
  }
  if (r.cold) lines.push("", ...coldSection(r));
  if (r.hinted) {
    lines.push(
      "",
      "## Start-up with preload hints (--hints; docs/startup.md)",
      "",
      `The same start-up pages, ${r.hinted[r.libs[0]].ms.n} per library, with the hints an app puts in its HTML: \`<link rel=modulepreload>\` for the bundle and, for pkce-wasm's two files, \`<link rel=preload as=fetch type=application/wasm crossorigin>\` for the .wasm. They load during the pause before the measure, so the network is out of it: what is left is compile, evaluate, instantiate, construct. Not the headline: it shows what an app that follows docs/startup.md gets once its files have arrived, every library alike.`,
      "",
      table([
        ["Library", "Start-up ms (min / median / max)", "import ms (median)", "ready step ms (median)"],
        ...[...r.libs, ...FLOORS.filter((l) => r.hinted[l])].map((l) => [FLOOR_LABEL[l] ?? (ours(l) ? `**${label(l)}**` : label(l)), range(r.hinted[l].ms, ms), ms(r.hinted[l].importMs.median), ms(r.hinted[l].readyMs.median) + (r.hinted[l].wasmRequests ? ` (.wasm requested in ${r.hinted[l].wasmRequests} pages: preload not taken)` : "")]),
      ]),
    );
  }
  if (r.local) {
    lines.push(
      "",
      "## Start-up from disk (--local; a hybrid app's case)",
      "",
      `The start-up pages with the page and the bundles read from disk (\`file://\`, pages/local.html), as a Capacitor or Cordova WebView reads its local assets: no server and no network stack, ${r.local[r.libs[0]].ms.n} fresh contexts per library, in a Chromium allowed to read files from files. Not cross-origin isolated: the timer has 0.1 ms steps.`,
      "",
      table([
        ["Library", "Start-up ms (min / median / max)", "import ms (median)", "ready step ms (median)"],
        ...[...r.libs, ...FLOORS.filter((l) => r.local[l])].map((l) => [FLOOR_LABEL[l] ?? (ours(l) ? `**${label(l)}**` : label(l)), range(r.local[l].ms, ms), ms(r.local[l].importMs.median), ms(r.local[l].readyMs.median)]),
      ]),
    );
  }
  if (r.compare) lines.push("", ...beforeAfter(r, builds));
  for (const l of r.libs) if (!r.flow[l].ok) lines.push("", `Flow check of ${label(l)} FAILED: ${r.flow[l].error}`);
  return lines.join("\n") + "\n";
}

// The module's own work, cold (pages/cold.html): one column pair per build.
function coldSection(r) {
  const builds = [["pkce-wasm", r.cold], ...(r.compare?.cold ? [[`pkce-wasm${COMPARE}`, r.compare.cold]] : [])];
  const f = (s) => ms(s.median, 2);
  const sum = (c, k) => ms(["compile", "instantiate", "constructor"].reduce((a, step) => a + c[k][step].median, 0), 2);
  const rows = [["Step (median ms)", ...builds.flatMap(([l]) => [`${label(l)}: first in a page`, `${label(l)}: each further copy`])]];
  const step = (name, key, again) =>
    rows.push([name, ...builds.flatMap(([, c]) => [f(c.first[key]), f(c.rest[key]) + (again ? ` (again: ${f(c.rest[again])})` : "")])]);
  step("compile, `new WebAssembly.Module()`", "compile");
  step("instantiate, `initSync()`", "instantiate");
  step("first `new PkceClient()`", "constructor", "constructorAgain");
  rows.push(["ready (the three above)", ...builds.flatMap(([, c]) => [sum(c, "first"), sum(c, "rest")])]);
  step("first `authorizeUrl()` (login start)", "login", "loginAgain");
  const c = r.cold;
  return [
    "## The module's own work, cold (pages/cold.html)",
    "",
    `The main thread's work of pkce-wasm itself, with the network out of the measure: the .wasm's bytes and the glue's text are fetched first, then each step is timed on its own. "First in a page" is the first WebAssembly module and glue of a fresh page (${c.first.compile.n} pages), as an app meets them; "each further copy" repeats it in the same page with a module and a glue V8 has not seen (a unique custom section and a unique comment, so nothing is reused from the copies before; ${c.rest.compile.n} copies): every function is compiled again on its first call. "Again" is the same call a second time, everything compiled. The start-up figures above move by milliseconds from page to page; these by tenths, so they show a change in the module's own work.`,
    "",
    table(rows),
  ];
}

// Footnote ⁴: what the floors are and how pkce-wasm's start-up divides
// between its floor and its own work.
function floorNote(r) {
  const f = r.startupFloors;
  if (!f) return [];
  const own = (l, floor) => (r.startup[l] ? `${label(l)} ${ms(r.startup[l].median - f[floor].ms.median)} ms` : undefined);
  const two = f["floor-two"];
  return [
    `⁴ Start-up floors, measured in turn with the libraries (same pages, same ready/import split): **two files**, a JS file of exactly the size of the pkce-wasm bundle that, when evaluated, requests a copy of its .wasm (same bytes, same type) and is ready when the last byte has arrived (median split: import ${ms(two.import.median)} ms, ready step ${ms(two.ready.median)} ms${two.fetch ? `, the request ${ms(two.fetch.median)} ms` : ""}); **one file**, a JS file the size of the pkce-wasm/inline bundle holding the same base64 text, ready once it is decoded (import ${ms(f["floor-one"].import.median)} ms). Neither compiles, instantiates or runs any WebAssembly or glue: they are what a package of this shape costs here before it does anything of its own. Start-up less its floor, medians, is pkce-wasm's own part: ${[own("pkce-wasm", "floor-two"), own("pkce-wasm-inline", "floor-one")].filter(Boolean).join(", ")} (compile, instantiate, the glue, the constructor).`,
  ];
}

// "; its floor alone is … ms above the target" for a start-up target line.
function floorAgainst(r, floor, limit, value, what) {
  const f = r.startupFloors?.[floor];
  if (!f) return "";
  const m = f.ms.median;
  return m > limit
    ? `; its floor (⁴) alone is ${ms(m)} ms, ${ms(m - limit)} ms above the target, so ${what} cannot meet it on this machine; pkce-wasm's own part above the floor is ${ms(value - m)} ms`
    : `; its floor (⁴) is ${ms(m)} ms, ${ms(limit - m)} ms under the target, and pkce-wasm's own part above it ${ms(value - m)} ms`;
}

// The build measured alongside against the current one, medians of this run.
function beforeAfter(r, builds) {
  const cmp = "pkce-wasm" + COMPARE;
  const rows = [["Median", label(cmp), "pkce-wasm (current)", "change"]];
  const add = (what, before, now, f, unit) => rows.push([what, `${f(before)}${unit}`, `${f(now)}${unit}`, change(before, now, f, unit)]);
  const size = (l) => r.size[l].total.gzip / 1024;
  add("gzip KB, two files", size(cmp), size("pkce-wasm"), (v) => v.toFixed(1), "");
  add("Start-up ms, two files", r.startup[cmp].median, r.startup["pkce-wasm"].median, ms, "");
  if (r.firstLogin) add("First login ms, two files", r.firstLogin[cmp].median, r.firstLogin["pkce-wasm"].median, (v) => ms(v, 2), "");
  if (r.startup["pkce-wasm-inline" + COMPARE]) {
    add("gzip KB, inline", size("pkce-wasm-inline" + COMPARE), size("pkce-wasm-inline"), (v) => v.toFixed(1), "");
    add("Start-up ms, inline", r.startup["pkce-wasm-inline" + COMPARE].median, r.startup["pkce-wasm-inline"].median, ms, "");
    if (r.firstLogin) add("First login ms, inline", r.firstLogin["pkce-wasm-inline" + COMPARE].median, r.firstLogin["pkce-wasm-inline"].median, (v) => ms(v, 2), "");
  }
  const [b, n] = [builds[cmp], builds["pkce-wasm"]];
  add("Login starts/s", b.login.median, n.login.median, rate, "");
  add("handleCallback ms, instant fetch", b.callback.instant.median, n.callback.instant.median, (v) => ms(v, 3), "");
  add("handleCallback ms, new Response()", b.callback.response.median, n.callback.response.median, (v) => ms(v, 3), "");
  add("First handleCallback in a page, ms", b.callback.firstInPage.median, n.callback.firstInPage.median, (v) => ms(v, 3), "");
  return [
    `## ${label(cmp)} and the current build`,
    "",
    `Both measured in this run, through the same entries and pages (public API only), interleaved as above. ${label(cmp)} is the package built in the checkout given to \`--compare\`.`,
    "",
    table(rows),
  ];
}

// `--report`: results.md and chart.svg again from results.json, measuring nothing.
async function reportOnly() {
  const results = JSON.parse(await readFile(join(OUT, "results.json"), "utf8"));
  const md = report(results);
  await writeFile(join(OUT, "results.md"), md);
  await writeFile(join(OUT, "chart.svg"), chart(results));
  console.log(md);
}

(process.argv.includes("--report") ? reportOnly() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
