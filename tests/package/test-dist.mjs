// The shipped artifact: `npm pack` the repository, install the tarball into a
// throwaway project, and use it from a plain <script type="module"> page (no
// bundler, no import map) in headless Chromium. What the tarball holds is
// checked too: the entry points and the module, nothing from the sources or
// the test and demo folders.
//
//   node --test tests/package/
//
// The build is not run here (`npm pack --ignore-scripts`): scripts/test.sh
// builds pkg/ first.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { startServer } from "../support/server.mjs";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));
import { CHROMIUM, CHROMIUM_ARGS } from "../../dev/chromium.mjs";

const REQUIRED = [
  "package.json",
  "js/index.js",
  "js/error.js",
  "js/index.d.ts",
  "pkg/pkce_wasm.js",
  "pkg/pkce_wasm_bg.wasm",
  "js/inline.js",
  "js/inline.d.ts",
  "pkg/pkce_wasm_inline.js",
];
const FORBIDDEN = /^(src|dev|tests|www|examples|target|scripts|docs|node_modules|\.cargo|\.ci|artifacts)\/|^Cargo\.(toml|lock)$|^webdriver\.json$|\.rs$/;

let work; // temp dir: the tarball and the consumer project
let tarball;
let packed; // paths inside the tarball, without the "package/" prefix
let project;

before(async () => {
  for (const f of ["pkg/pkce_wasm.js", "pkg/pkce_wasm_bg.wasm"]) {
    assert.ok(existsSync(join(REPO, f)), `${f} is missing: build first (bash scripts/build.sh)`);
  }
  work = await mkdtemp(join(tmpdir(), "pkce-wasm-dist-"));
  const { stdout } = await run(
    "npm",
    ["pack", "--ignore-scripts", "--json", "--pack-destination", work],
    { cwd: REPO, maxBuffer: 16 << 20 },
  );
  const [info] = JSON.parse(stdout);
  tarball = join(work, info.filename);
  // What is really in the archive, not what npm says it put there.
  const { stdout: listing } = await run("tar", ["-tzf", tarball], { maxBuffer: 16 << 20 });
  packed = listing
    .split("\n")
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ""));

  project = join(work, "app");
  await run("mkdir", ["-p", project]);
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "pkce-wasm-dist-check", version: "0.0.0", private: true, type: "module" }, null, 2),
  );
  await run("npm", ["install", tarball, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: project,
    maxBuffer: 16 << 20,
  });
  await cp(join(HERE, "index.html"), join(project, "index.html"));
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test("the tarball holds the entry points, the types and the module", () => {
  const missing = REQUIRED.filter((f) => !packed.includes(f));
  assert.deepEqual(missing, [], `missing from the tarball: ${missing.join(", ")}`);
});

test("the tarball holds nothing from src/, dev/, tests/, www/ or the build", () => {
  const extra = packed.filter((p) => FORBIDDEN.test(p));
  assert.deepEqual(extra, [], `should not be shipped: ${extra.join(", ")}`);
});

test("every file package.json points at is in the tarball", async () => {
  const pkg = JSON.parse(await readFile(join(project, "node_modules/pkce-wasm/package.json"), "utf8"));
  const targets = new Set([pkg.main, pkg.module, pkg.types].filter(Boolean));
  const walk = (v) => {
    if (typeof v === "string") targets.add(v);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  const absent = [...targets].map((t) => t.replace(/^\.\//, "")).filter((t) => !packed.includes(t));
  assert.deepEqual(absent, [], `package.json names files the tarball lacks: ${absent.join(", ")}`);
  assert.equal(Object.keys(pkg.dependencies ?? {}).length, 0, "runtime dependencies");
});

test("the installed package resolves by name through its exports", async () => {
  const from = pathToFileURL(join(project, "index.js")).href;
  const { stdout } = await run(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `for (const s of ["pkce-wasm", "pkce-wasm/capacitor", "pkce-wasm/cordova", "pkce-wasm/package.json"])` +
        ` console.log(s, import.meta.resolve(s, ${JSON.stringify(from)}));`,
    ],
    { cwd: project },
  );
  const resolved = Object.fromEntries(stdout.trim().split("\n").map((l) => l.split(" ")));
  const base = pathToFileURL(join(project, "node_modules/pkce-wasm")).href;
  assert.equal(resolved["pkce-wasm"], `${base}/js/index.js`);
  assert.equal(resolved["pkce-wasm/capacitor"], `${base}/js/capacitor.js`);
  assert.equal(resolved["pkce-wasm/cordova"], `${base}/js/cordova.js`);
});

test("a plain <script type=module> page logs in with the installed package", async (t) => {
  const server = await startServer({ root: project, prefixes: [""] });
  t.after(() => server.close());
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const requested = [];
  const failed = [];
  const consoleErrors = [];
  let wasmType;
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  page.on("response", (r) => {
    if (r.url().endsWith(".wasm")) wasmType = r.headers()["content-type"];
  });
  page.on("requestfailed", (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && failed.push(`${r.url()} ${r.status()}`));
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  await page.goto(`${server.origin}/index.html`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 });
  const r = await page.evaluate(() => window.__result);
  assert.equal(r.ok, true, `the page failed: ${r.error}\nconsole: ${consoleErrors.join("\n")}`);

  const u = new URL(r.url);
  assert.equal(u.origin + u.pathname, "https://as.example/authorize");
  assert.equal(u.searchParams.get("code_challenge_method"), "S256");
  assert.equal(u.searchParams.get("client_id"), "dist-client");
  assert.equal(r.isCallback, true);

  assert.equal(r.calls.length, 1, "token requests through the injected fetch");
  const call = r.calls[0];
  assert.equal(call.url, "https://as.example/oauth/token");
  assert.equal(call.method, "POST");
  assert.equal(call.redirect, "manual");
  const form = new URLSearchParams(call.body);
  assert.equal(form.get("grant_type"), "authorization_code");
  assert.equal(form.get("code"), "dist-code");
  assert.equal(form.get("redirect_uri"), "https://app.example/callback");
  assert.equal(form.get("client_id"), "dist-client");
  const challenge = createHash("sha256").update(form.get("code_verifier")).digest("base64url");
  assert.equal(challenge, u.searchParams.get("code_challenge"), "S256(code_verifier) vs code_challenge");

  assert.equal(r.tokens.accessToken, "dist-at");
  assert.equal(r.tokens.tokenType, "Bearer");
  assert.equal(r.tokens.refreshToken, "dist-rt");
  assert.deepEqual(r.tokens.appState, { from: "dist" });
  assert.deepEqual(r.left, [], "transactions left in sessionStorage");
  assert.deepEqual(r.replay, { name: "PkceError", code: "no_transaction", isPkceError: true, isError: true });
  assert.deepEqual(r.configError, { name: "PkceError", code: "invalid_config", isPkceError: true });

  // Everything came from the installed package, and the module as application/wasm.
  const fromPackage = requested.filter((p) => p.startsWith("/node_modules/"));
  assert.ok(
    fromPackage.every((p) => p.startsWith("/node_modules/pkce-wasm/")),
    `requests outside the package: ${fromPackage.join(", ")}`,
  );
  // Requested once: js/index.js starts the request when evaluated, and the
  // page's own init() takes it over instead of asking again.
  assert.deepEqual(
    requested.filter((p) => p.endsWith(".wasm")),
    ["/node_modules/pkce-wasm/pkg/pkce_wasm_bg.wasm"],
    "the .wasm requests",
  );
  assert.equal(wasmType, "application/wasm", "Content-Type of the .wasm");
  assert.deepEqual(failed, [], "failed requests");
  assert.deepEqual(consoleErrors, [], "console errors");
});

// The page script of index.html importing `specifier` instead of the
// relative path, bundled by esbuild into <project>/<name>/bundle.js, next to a
// page that loads only that bundle. Returns the folder.
async function bundledPage(specifier, name, edit = (script) => script) {
  const html = edit(await readFile(join(HERE, "index.html"), "utf8"));
  const script = html
    .slice(html.indexOf('<script type="module">') + '<script type="module">'.length, html.lastIndexOf("</script>"))
    .replace('"./node_modules/pkce-wasm/js/index.js"', `"${specifier}"`);
  assert.ok(script.includes(`from "${specifier}"`), `the page script imports ${specifier} by name`);
  const dist = join(project, name);
  await run("mkdir", ["-p", dist]);
  await writeFile(join(project, `${name}.js`), script);
  await run(
    join(REPO, "node_modules/.bin/esbuild"),
    [`${name}.js`, "--bundle", "--format=esm", "--minify", "--log-level=error", `--outfile=${join(dist, "bundle.js")}`],
    { cwd: project },
  );
  await writeFile(join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./bundle.js"></script>');
  return dist;
}

// Serves `dist`, opens `path` in a new Chromium and returns window.__result,
// the page errors and the paths requested.
async function openPage(t, dist, path = "/index.html") {
  const server = await startServer({ root: dist, prefixes: [""] });
  t.after(() => server.close());
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.origin}${path}`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 });
  const { result, refused } = await page.evaluate(() => ({ result: window.__result, refused: window.__refused }));
  return { r: result, refused, errors, requested };
}

// What index.html's login must have produced, whichever way it was loaded.
function assertLoggedIn(r, errors, what) {
  assert.equal(r.ok, true, `${what} failed: ${r.error}\n${errors.join("\n")}`);
  assert.equal(r.tokens.accessToken, "dist-at");
  assert.deepEqual(r.tokens.appState, { from: "dist" });
  assert.equal(r.calls.length, 1);
  const form = new URLSearchParams(r.calls[0].body);
  const challenge = createHash("sha256").update(form.get("code_verifier")).digest("base64url");
  assert.equal(challenge, new URL(r.url).searchParams.get("code_challenge"), "S256(code_verifier) vs code_challenge");
  assert.deepEqual(r.replay, { name: "PkceError", code: "no_transaction", isPkceError: true, isError: true });
  assert.deepEqual(r.configError, { name: "PkceError", code: "invalid_config", isPkceError: true });
}

// The same login from a bundled app: esbuild resolves the bare specifier
// "pkce-wasm" through the package's exports; the glue finds the .wasm next to
// the bundle through `new URL(…, import.meta.url)`, which is where a bundler
// setup copies it (Vite does this by itself).
test("an esbuild bundle importing \"pkce-wasm\" by name logs in", async (t) => {
  const dist = await bundledPage("pkce-wasm", "dist");
  const bundle = await readFile(join(dist, "bundle.js"), "utf8");
  assert.ok(!bundle.includes("node_modules/pkce-wasm/js/index.js"), "the package is inlined in the bundle");
  await cp(join(project, "node_modules/pkce-wasm/pkg/pkce_wasm_bg.wasm"), join(dist, "pkce_wasm_bg.wasm"));
  const { r, errors, requested } = await openPage(t, dist);
  assertLoggedIn(r, errors, "the bundled page");
  assert.ok(requested.includes("/pkce_wasm_bg.wasm"), `the .wasm was not loaded: ${requested}`);
});

// An app whose .wasm is not next to the glue passes its URL to init() at its
// top level: the early request js/index.js makes when nothing claimed the
// start by then must not go to the default location (a 404 in the console).
test("init(url) at the app's top level: the .wasm comes from that URL only", async (t) => {
  const moved = (html) => {
    const edited = html.replace("await init();", 'await init("./assets/module.wasm");');
    assert.notEqual(edited, html, "the page's first init() call");
    return edited;
  };
  const dist = await bundledPage("pkce-wasm", "dist-moved", moved);
  await run("mkdir", ["-p", join(dist, "assets")]);
  await cp(join(project, "node_modules/pkce-wasm/pkg/pkce_wasm_bg.wasm"), join(dist, "assets/module.wasm"));
  const { r, errors, requested } = await openPage(t, dist);
  assertLoggedIn(r, errors, "the page with the .wasm elsewhere");
  assert.deepEqual(requested.filter((p) => p.endsWith(".wasm")), ["/assets/module.wasm"], "the .wasm requests");
});

// "pkce-wasm/inline": the module travels inside the JS. The bundle is served
// alone — no .wasm anywhere in the folder — and the page logs in without
// requesting one.
test("an esbuild bundle of \"pkce-wasm/inline\" logs in from one file, with no .wasm request, with or without synchronous compile", async (t) => {
  const dist = await bundledPage("pkce-wasm/inline", "dist-inline");
  const { r, errors, requested } = await openPage(t, dist);
  assertLoggedIn(r, errors, "the inline page");
  assert.deepEqual(requested, ["/index.html", "/bundle.js"], "one page, one script, no .wasm");

  // A browser that refuses synchronous compilation on the main thread (Chromium
  // before 2023 did for modules over 4 KB): the entry compiles asynchronously.
  await writeFile(
    join(dist, "nosync.html"),
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>' +
      "const Sync = WebAssembly.Module; window.__refused = 0;" +
      "WebAssembly.Module = function () { window.__refused++; throw new RangeError('WebAssembly.Module is disallowed on the main thread'); };" +
      "WebAssembly.Module.prototype = Sync.prototype;" +
      '</script><script type="module" src="./bundle.js"></script>',
  );
  const noSync = await openPage(t, dist, "/nosync.html");
  assert.equal(noSync.refused, 1, "the synchronous compile was tried once");
  assertLoggedIn(noSync.r, noSync.errors, "the page without synchronous compile");
});
