// Serves one example hybrid app (examples/<name>/) at the origin's root, the
// way Capacitor and Cordova serve `www/` from capacitor://localhost or
// https://localhost, plus the packages its import map names:
//   /node_modules/pkce-wasm/…   only the files `npm pack` would ship
//   /node_modules/@capacitor/…  the real packages from node_modules
//   /config.json                the deployment the test chose (ports differ per run)
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { closeServer, listen } from "../../../dev/provider.mjs";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url)).replace(/[\\/]+$/, "");
const SUPPORT = fileURLToPath(new URL(".", import.meta.url)).replace(/[\\/]+$/, "");

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
};

// @capacitor/preferences is not a dev dependency yet: until it is, a module
// that registers the plugin exactly as the package's dist/esm/index.js does
// stands in for it (its web implementation is never loaded on a native platform).
const STAND_INS = {
  "/node_modules/@capacitor/preferences/dist/esm/index.js": join(SUPPORT, "capacitor-preferences-standin.js"),
};

function shippedMatcher(files) {
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
  return (rel) => rel === "package.json" || regexes.some((re) => re.test(rel));
}

/**
 * @param {object} options
 * @param {"capacitor"|"cordova"} options.app
 * @param {object} [options.config] served as /config.json
 */
export async function startAppServer({ app, config = {}, host = "127.0.0.1" }) {
  const appRoot = join(ROOT, "examples", app);
  if (!existsSync(appRoot)) throw new Error(`no example app at ${appRoot}`);
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  const shipped = shippedMatcher(pkg.files ?? []);
  let appConfig = config;
  const requests = [];

  const server = createServer(async (req, res) => {
    try {
      await handle(req, res);
    } catch (err) {
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", `internal error: ${err.message}`);
    }
  });

  async function handle(req, res) {
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    requests.push({ method: req.method, path });
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "method not allowed");
    if (path === "/config.json") return send(res, 200, MIME[".json"], JSON.stringify(appConfig));
    if (path.startsWith("/node_modules/pkce-wasm/")) {
      const rel = path.slice("/node_modules/pkce-wasm/".length);
      return shipped(rel) ? sendFile(res, ROOT, rel) : notFound(res);
    }
    if (STAND_INS[path] && !existsSync(join(ROOT, path))) return sendFile(res, SUPPORT, STAND_INS[path].slice(SUPPORT.length + 1));
    if (path.startsWith("/node_modules/@capacitor/")) {
      const rel = path.slice(1);
      // Capacitor plugins import './web' without an extension (bundlers add it).
      if (!existsSync(join(ROOT, rel)) && existsSync(join(ROOT, `${rel}.js`))) return sendFile(res, ROOT, `${rel}.js`);
      return sendFile(res, ROOT, rel);
    }
    return sendFile(res, appRoot, path === "/" ? "index.html" : path.slice(1));
  }

  await listen(server, 0, host);
  const origin = `http://${host}:${server.address().port}`;
  return {
    origin,
    url: `${origin}/`,
    requests,
    setConfig(c) {
      appConfig = c;
    },
    close: () => closeServer(server),
  };
}

async function sendFile(res, base, rel) {
  const full = normalize(join(base, rel));
  if (full !== base && !full.startsWith(base + sep)) return notFound(res);
  try {
    if (!(await stat(full)).isFile()) return notFound(res);
  } catch {
    return notFound(res);
  }
  return send(res, 200, MIME[extname(full)] ?? "application/octet-stream", await readFile(full));
}

function notFound(res) {
  send(res, 404, "text/plain; charset=utf-8", "not found");
}

function send(res, status, type, body) {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}
