// One start-up of one bench row, traced by Chromium: where its milliseconds go.
//
//   npm run bench            # once: builds bench/out/ (snapshot and bundles)
//   node bench/trace.mjs [lib] [--out FILE] [--runs N]
//
// Opens pages/startup.html?lib=<lib> (default pkce-wasm) in a fresh context
// with tracing on (devtools.timeline, v8, v8.wasm, V8's compile and execute
// categories), N times (default 1), and prints for each: the requests, the
// top-level script and module work, the WebAssembly compilation and
// instantiation events, and the main thread's busy time by event name, all
// relative to `import()` (the page's performance mark "startup:import") up to
// ready ("startup:ready"). `--out` keeps the last raw trace (load it in
// chrome://tracing or Perfetto). Tracing itself slows everything down a
// little: the figures are for where the time goes, not for the headline.
import { writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "./server.mjs";
import { CHROMIUM, CHROMIUM_ARGS } from "../dev/chromium.mjs";

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args.splice(i, 2)[1];
};
const outFile = flag("--out");
const runs = Number(flag("--runs") ?? 1);
const lib = args[0] ?? "pkce-wasm";
if (!existsSync(fileURLToPath(new URL(`./out/bundles/${lib}.js`, import.meta.url)))) {
  console.error(`bench/out/bundles/${lib}.js is missing: run npm run bench first`);
  process.exit(2);
}

const CATEGORIES = [
  "devtools.timeline",
  "blink.user_timing",
  "loading",
  "netlog",
  "v8",
  "v8.wasm",
  "v8.execute",
  "disabled-by-default-v8.compile",
  "disabled-by-default-v8.wasm.detailed",
  "disabled-by-default-devtools.timeline",
].join(",");

const server = await startServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const f = (x) => x.toFixed(2).padStart(7);
try {
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const events = [];
    cdp.on("Tracing.dataCollected", (e) => events.push(...e.value));
    const done = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
    await cdp.send("Tracing.start", { traceConfig: { includedCategories: CATEGORIES.split(",") }, transferMode: "ReportEvents" });
    await page.goto(`${server.origin}/bench/pages/startup.html?lib=${lib}`);
    let result;
    for (;;) {
      result = await page.evaluate(() => window.__result);
      if (result) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    await cdp.send("Tracing.end");
    await done;
    await context.close();
    if (result.error) throw new Error(result.error);
    if (outFile) await writeFile(outFile, JSON.stringify({ traceEvents: events }));
    summarize(events, result, "startup:import", "startup:ready", `${lib}: ${result.ms.toFixed(2)} ms import() → ready (import ${result.importMs.toFixed(2)}, ready step ${result.readyMs.toFixed(2)})`);
    summarize(events, result, "login:call", "login:navigate", `${lib}: first login, ${result.loginMs.toFixed(2)} ms from the call to the navigation`);
  }
} finally {
  await browser.close();
  await server.close();
}

function summarize(events, result, from, to, title) {
  const mark = (name) => events.find((e) => e.name === name && e.cat.includes("user_timing"));
  const start = mark(from);
  const ready = mark(to);
  if (!start || !ready) throw new Error(`no ${from}/${to} marks in the trace`);
  const t0 = start.ts;
  const t1 = ready.ts;
  const rel = (ts) => (ts - t0) / 1000;
  const { pid, tid } = start; // the renderer's main thread
  const threadName = new Map(
    events.filter((e) => e.name === "thread_name").map((e) => [`${e.pid}:${e.tid}`, e.args.name]),
  );
  const inWindow = (e) => e.ts + (e.dur ?? 0) >= t0 && e.ts <= t1;

  console.log(`\n== ${title}`);
  if (from === "startup:import") {
    console.log("requests (ms from import()):");
    for (const q of result.requests) console.log(`  ${q.name.padEnd(28)} ${f(q.start)} → ${f(q.end)}`);
  }

  // Events of interest in order, on whichever thread they ran.
  const interesting =
    /^(v8\.compile|v8\.compileModule|v8\.evaluateModule|v8\.produceModuleCache|EvaluateScript|v8\.run|ParseHTML|FunctionCall|RunMicrotasks|ResourceSendRequest|ResourceReceiveResponse|ResourceFinish|ResourceReceivedData|wasm\.|v8\.wasm\.|V8\.Wasm|WebAssembly|v8\.parseOnBackground|v8\.deserializeOnBackground|V8\.CompileLazy|V8\.StreamingFinalization|TimerFire|FireAnimationFrame)/;
  // The page's renderer only: the browser runs other renderers meanwhile
  // (Chromium's own WebUI pages among them), whose work is not the page's.
  const rows = events
    .filter((e) => e.pid === pid && (e.ph === "X" || e.ph === "B" || e.ph === "I" || e.ph === "i" || e.ph === "n") && inWindow(e) && interesting.test(e.name))
    .sort((a, b) => a.ts - b.ts);
  console.log(`events (ms from ${from}, duration, thread; lazy WebAssembly compilation summed below):`);
  // Lazily compiled WebAssembly functions (each on its first call), summed.
  const lazy = rows.filter((e) => e.name === "wasm.CompileLazy");
  const bodies = events.filter((e) => e.name === "wasm.CompileBaseline" && e.pid === pid && inWindow(e));
  for (const e of rows) {
    if (e.name === "wasm.CompileLazy" || /^wasm\.(CompileBaseline|AddCompiledCode|PublishCode)$/.test(e.name)) continue;
    const where = e.pid === pid && e.tid === tid ? "main" : (threadName.get(`${e.pid}:${e.tid}`) ?? `${e.pid}:${e.tid}`);
    const detail = e.args?.data?.url?.split("/").pop() ?? e.args?.data?.functionName ?? e.args?.url?.split("/").pop() ?? "";
    const dur = e.dur !== undefined ? f(e.dur / 1000) : "      ·";
    console.log(`  ${f(rel(e.ts))} ${dur}  ${e.name.padEnd(40)} ${String(detail).slice(0, 40).padEnd(40)} ${where}`);
  }

  if (lazy.length) {
    const first = rel(lazy[0].ts);
    const last = rel(lazy.at(-1).ts + lazy.at(-1).dur);
    const bytes = bodies.reduce((a, e) => a + (e.args?.bodySize ?? 0), 0);
    const biggest = bodies.map((e) => e.args?.bodySize ?? 0).sort((a, b) => b - a).slice(0, 5);
    console.log(
      `  lazy WebAssembly compilation: ${lazy.length} functions (${bytes} bytes of code; largest ${biggest.join(", ")}) in ${f(lazy.reduce((a, e) => a + e.dur, 0) / 1000)} ms, between ${f(first)} and ${f(last)}`,
    );
  }

  // Main-thread self time by name within the window (nested X events: each
  // event's own time is its duration less that of its direct children).
  const main = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === "X" && e.dur !== undefined && inWindow(e)).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const self = new Map();
  const stack = [];
  for (const e of main) {
    const s = Math.max(e.ts, t0);
    const end = Math.min(e.ts + e.dur, t1);
    while (stack.length && stack.at(-1).end <= s) stack.pop();
    const own = end - s;
    if (stack.length) stack.at(-1).e.__child = (stack.at(-1).e.__child ?? 0) + own;
    e.__own = own;
    stack.push({ e, end });
  }
  for (const e of main) self.set(e.name, (self.get(e.name) ?? 0) + e.__own - (e.__child ?? 0));
  const busy = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`main thread: ${f(busy / 1000)} ms accounted for by trace events in the ${f((t1 - t0) / 1000)} ms window; self time by event:`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 18)) {
    if (us >= 50) console.log(`  ${f(us / 1000)}  ${name}`);
  }
}
