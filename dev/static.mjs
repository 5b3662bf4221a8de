// A tiny static server for the demo page (www/) that also serves the package
// the way a consumer's bundler or CDN would: /node_modules/pkce-wasm/… maps to
// exactly the files `npm pack` would ship (package.json "files"), so the page
// cannot lean on anything that is not published. Development tooling only.
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { closeServer, listen } from "./provider.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]+$/, "");
const WWW = join(ROOT, "www");
const PACKAGE_PREFIX = "/node_modules/pkce-wasm/";
export const CALLBACK_PATH = "/callback";

// Shared by every local server of the demo, the tests and the benchmark.
export const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  // WebAssembly.instantiateStreaming refuses any other type.
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

// npm's `files` globs, reduced to what this package uses: `*` within one path
// segment, `**` across segments. package.json itself always ships.
export function packageFileMatcher(files) {
  const regexes = files.map((pattern) => {
    const body = pattern
      .replace(/^\.?\//, "")
      .replace(/\/$/, "/**")
      .split(/(\*\*\/?|\*)/)
      .map((part) => {
        if (part === "**" || part === "**/") return ".*";
        if (part === "*") return "[^/]*";
        return part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("");
    return new RegExp(`^${body}$`);
  });
  return (relPath) => relPath === "package.json" || regexes.some((re) => re.test(relPath));
}

/**
 * @param {object} options
 * @param {number} [options.port=0]
 * @param {string} [options.host="127.0.0.1"]
 * @param {object} [options.config] served as /demo-config.json; replace later with setConfig()
 * @param {string} [options.packageRoot] where the package is (default: this repository); an
 *   unpacked `npm pack` tarball works too, to try exactly what would be published
 * @returns {Promise<{ url: string, origin: string, port: number, callbackUrl: string, setConfig(c: object): void, close(): Promise<void> }>}
 */
export async function startStatic({ port = 0, host = "127.0.0.1", config = {}, packageRoot = ROOT } = {}) {
  const pkgRoot = resolve(packageRoot);
  const pkg = JSON.parse(await readFile(join(pkgRoot, "package.json"), "utf8"));
  const shipped = packageFileMatcher(pkg.files ?? []);
  let demoConfig = config;

  const server = createServer(async (req, res) => {
    try {
      await handle(req, res);
    } catch (err) {
      console.error(`[static] ${req.method} ${req.url.split("?")[0]}: ${err.message}`);
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", "internal error");
    }
  });

  async function handle(req, res) {
    // Whatever the page is showing (a callback URL with `code` in particular)
    // must never travel to another origin in a Referer header.
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-store");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return send(res, 405, "text/plain; charset=utf-8", "method not allowed");
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      return send(res, 400, "text/plain; charset=utf-8", "bad path");
    }

    if (path === "/demo-config.json") {
      return send(res, 200, MIME[".json"], JSON.stringify(demoConfig, null, 2));
    }
    if (path === "/" || path === "/index.html" || path === CALLBACK_PATH) {
      const html = await readFile(join(WWW, "index.html"), "utf8");
      res.setHeader("Content-Security-Policy", contentSecurityPolicy(html));
      return send(res, 200, MIME[".html"], html, req.method === "HEAD");
    }
    if (path.startsWith(PACKAGE_PREFIX)) {
      const rel = path.slice(PACKAGE_PREFIX.length);
      if (!shipped(rel)) return notFound(res);
      return sendFile(res, pkgRoot, rel, req.method === "HEAD");
    }
    return sendFile(res, WWW, path.slice(1), req.method === "HEAD");
  }

  await listen(server, port, host);
  const actualPort = server.address().port;
  const origin = `http://${host}:${actualPort}`;
  return {
    url: `${origin}/`,
    origin,
    port: actualPort,
    callbackUrl: `${origin}${CALLBACK_PATH}`,
    setConfig(c) {
      demoConfig = c;
    },
    close: () => closeServer(server),
  };
}

// A strict policy shows the package works without 'unsafe-eval' or inline
// script: wasm needs only 'wasm-unsafe-eval', and the inline import map is
// allowed by its hash. connect-src admits the local servers (any loopback
// port) and any https provider or API the page is pointed at.
function contentSecurityPolicy(html) {
  const hashes = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)]
    .filter((m) => !/\bsrc=/.test(m[0].slice(0, m[0].indexOf(">"))) && m[1].trim())
    .map((m) => `'sha256-${createHash("sha256").update(m[1]).digest("base64")}'`);
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(" ")}`.trim(),
    "connect-src 'self' http://127.0.0.1:* http://localhost:* https:",
    "img-src 'self' data:",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

async function sendFile(res, base, rel, headOnly) {
  const full = normalize(join(base, rel));
  if (full !== base && !full.startsWith(base + sep)) return notFound(res);
  let info;
  try {
    info = await stat(full);
  } catch {
    return notFound(res);
  }
  if (!info.isFile()) return notFound(res);
  const type = MIME[extname(full)] ?? "application/octet-stream";
  return send(res, 200, type, await readFile(full), headOnly);
}

function notFound(res) {
  send(res, 404, "text/plain; charset=utf-8", "not found");
}

function send(res, status, type, body, headOnly = false) {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(headOnly ? undefined : body);
}
