// What the README suite needs besides the scenarios: the code blocks of
// README.md, the substitution of their placeholders, and an environment to
// run them in — a page server that serves one example at a time inside
// pages/index.html, the real local provider (dev/provider.mjs) and the demo's
// protected API (dev/api.mjs), all on 127.0.0.1.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startApi } from "../../dev/api.mjs";
import { NATIVE_CLIENT_ID, SPA_CLIENT_ID, startProvider } from "../../dev/provider.mjs";
import { API_AUDIENCE, HOST, NATIVE_REDIRECT_URI } from "../../dev/servers.mjs";
import { MIME } from "../../dev/static.mjs";
import { send, sendFile, servePages } from "../oidc/helpers.mjs";

export { API_AUDIENCE, NATIVE_REDIRECT_URI };

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/[\\/]+$/, "");
const PAGES = fileURLToPath(new URL("./pages", import.meta.url)).replace(/[\\/]+$/, "");
export const README = join(ROOT, "README.md");
export const CALLBACK_PATH = "/callback";

// ------------------------------------------------------------- code blocks

/**
 * Every fenced code block of `markdown`, with the heading it sits under.
 * `id` is "<heading> #<n>", n counting the blocks of that language under
 * that heading: stable while the README is edited elsewhere, and readable in
 * a failure message.
 */
export function codeBlocks(markdown) {
  const lines = markdown.split("\n");
  const blocks = [];
  const counts = new Map();
  let heading = "(top)";
  let open = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (open) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(line);
      if (close && close[1][0] === open.marker[0] && close[1].length >= open.marker.length) {
        const key = `${heading}\n${open.lang}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        blocks.push({
          id: `${heading} #${counts.get(key)}`,
          heading,
          lang: open.lang,
          line: open.line,
          code: open.body.join("\n") + "\n",
        });
        open = null;
      } else {
        // CommonMark drops up to the fence's own indentation from each line.
        open.body.push(line.replace(new RegExp(`^ {0,${open.indent}}`), ""));
      }
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (fence) {
      open = { indent: fence[1].length, marker: fence[2], lang: fence[3].toLowerCase(), line: i + 1, body: [] };
      continue;
    }
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) heading = h[1];
  }
  if (open) throw new Error(`README.md: the code block opened on line ${open.line} is never closed`);
  return blocks;
}

export async function readmeBlocks() {
  return codeBlocks(await readFile(README, "utf8"));
}

// ------------------------------------------------------------ placeholders

/**
 * The README's placeholders and what they stand for here. They are written
 * to read as what a reader must replace (YOUR-…, example.com) and to be found
 * by exact match; longer ones win, so "https://YOUR-ISSUER/token" is not
 * read as the issuer followed by "/token".
 */
export function placeholders(env) {
  return {
    "https://YOUR-ISSUER/authorize": `${env.issuer}/auth`,
    "https://YOUR-ISSUER/token": `${env.issuer}/token`,
    "https://YOUR-ISSUER": env.issuer,
    YOUR_CLIENT_ID: env.clientId,
    YOUR_NATIVE_CLIENT_ID: env.nativeClientId,
    "https://app.example.com": env.pages.origin,
    "https://api.example.com/me": env.api.url,
    "https://api.example.com": API_AUDIENCE,
  };
}

/** `code` with every placeholder replaced; throws if one is left that the table does not know. */
export function substitute(code, values) {
  const keys = Object.keys(values).sort((a, b) => b.length - a.length);
  const re = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|"), "g");
  const out = code.replace(re, (k) => values[k]);
  const left = /YOUR[-_][A-Za-z0-9_-]*|\b(?:app|api)\.example\.com\b/.exec(out);
  if (left) throw new Error(`placeholder ${left[0]} has no local value: add it to placeholders() in tests/readme/support.mjs`);
  return out;
}

// ------------------------------------------------------------- page server

/**
 * Serves pages/index.html at / and at /callback, the harness, the example
 * given to setExample() as /example.js, the package as published (only the
 * files package.json "files" ships) and the Capacitor packages as installed.
 */
export async function startPageServer({ host = HOST } = {}) {
  let example = "throw new Error('no example set');\n";
  const pages = await servePages({
    pages: PAGES,
    host,
    route(req, res, path) {
      if (req.method !== "GET") return false;
      if (path === "/example.js") return send(res, 200, MIME[".js"], example), true;
      if (!path.startsWith("/node_modules/@capacitor/")) return false;
      const rel = path.slice(1);
      // Capacitor plugins import './web' without an extension (bundlers add it).
      if (!existsSync(join(ROOT, rel)) && existsSync(join(ROOT, `${rel}.js`))) sendFile(res, ROOT, `${rel}.js`);
      else sendFile(res, ROOT, rel);
      return true;
    },
  });
  return {
    ...pages,
    setExample(code) {
      example = code;
    },
  };
}

// ------------------------------------------------------------- environment

/**
 * The page server, node-oidc-provider (a web client for the page's callback,
 * a native one for com.example.app:/callback; CORS for the page's origin,
 * which is also the simulated app's) and the API.
 */
export async function startReadmeEnvironment() {
  const started = [];
  try {
    const pages = await startPageServer();
    started.push(pages);
    const provider = await startProvider({
      host: HOST,
      spaOrigins: [pages.origin],
      redirectUris: [pages.callbackUrl, NATIVE_REDIRECT_URI],
      apiAudience: API_AUDIENCE,
    });
    started.push(provider);
    const api = await startApi({ host: HOST, issuer: provider.issuer, audience: API_AUDIENCE, allowedOrigins: [pages.origin] });
    started.push(api);
    const env = {
      pages,
      provider,
      api,
      issuer: provider.issuer,
      clientId: SPA_CLIENT_ID,
      nativeClientId: NATIVE_CLIENT_ID,
      close: () => Promise.allSettled(started.reverse().map((s) => s.close())),
    };
    env.values = placeholders(env);
    return env;
  } catch (err) {
    await Promise.allSettled(started.reverse().map((s) => s.close()));
    throw err;
  }
}

// -------------------------------------------------------------- the page

/** Waits until the example's module has finished (or thrown) in `page`; what it did so far. */
export async function settled(page) {
  await page.waitForFunction(() => window.__readme && window.__readme.state !== "running");
  return page.evaluate(() => window.__readme);
}

/** The arguments of each console call at `level` the example made in this document. */
export function logged(run, level = "log") {
  return run.logs.filter((l) => l.level === level).map((l) => l.args);
}
