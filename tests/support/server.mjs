// The other origin of the browser tests: the package files the page imports
// and a token endpoint that misbehaves on request. No dependencies.
//
//   node tests/support/server.mjs [--port N] [--root DIR]
//   → prints "listening <port>" once it accepts connections
//   --port (or PORT): default any free port; --root: where pkg/ and js/ are
//   read from (default: this repository), e.g. an installed copy of the package
//
//   GET  /pkg/…, /js/…          the built package, read-only, CORS *
//   POST /token/<scenario>      answers as <scenario> says (SCENARIOS below);
//                               ?run=ID groups the requests of one test,
//                               ?delay=MS holds the answer back
//   GET  /authorize/<anything>  recorded, answered 204 (a navigation to it
//                               leaves the test page where it is)
//   GET  /requests?run=ID       what /token and /authorize received for ID
//   GET  /closed-port           a port on 127.0.0.1 that was just free (connection refused)
//
// The test page is served by wasm-bindgen-test-runner on another port, with
// cross-origin isolation (COEP require-corp), so every answer carries CORS
// and CORP headers.
import { createServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url)).replace(/[\\/]+$/, "");

import { MIME } from "../../dev/static.mjs";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type, accept",
  "cross-origin-resource-policy": "cross-origin",
  "cache-control": "no-store",
};

const json = (status, body, extra = {}) => ({
  status,
  headers: { "content-type": "application/json", ...extra },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

const HTML = "<!doctype html><html><body><h1>Service temporarily unavailable</h1></body></html>";

// Each scenario answers one token request. `ctx.code` is the code the client
// sent: tokens are derived from it, so a test can tell which login a token
// set belongs to.
export const SCENARIOS = {
  ok: ({ code }) =>
    json(200, { access_token: `at-${code}`, token_type: "Bearer", expires_in: 3600, scope: "openid profile" }),
  ok_with_refresh: ({ code }) =>
    json(200, {
      access_token: `at-${code}`,
      token_type: "bearer",
      expires_in: 300,
      refresh_token: `rt-${code}`,
      id_token: `eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.${code}`,
      scope: "openid offline_access",
      example_parameter: "ignored",
    }),
  ok_minimal: ({ code }) => json(200, { access_token: `at-${code}`, token_type: "Bearer" }),
  oauth_error: () =>
    json(400, {
      error: "invalid_grant",
      error_description: "The authorization code has expired",
      error_uri: "https://as.example/errors/invalid_grant",
    }),
  oauth_error_401: () =>
    json(401, { error: "invalid_client" }, { "www-authenticate": 'Basic realm="token"' }),
  oauth_error_200: () => json(200, { error: "invalid_grant" }),
  html_500: () => ({ status: 500, headers: { "content-type": "text/html; charset=utf-8" }, body: HTML }),
  html_200: () => ({ status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: HTML }),
  status_500: () => json(500, { message: "internal error" }),
  status_503: () => ({ status: 503, headers: { "content-type": "text/plain", "retry-after": "5" }, body: "" }),
  not_json: () => json(200, '{"access_token": "at", "token_type": '),
  unsupported_token_type: ({ code }) => json(200, { access_token: `at-${code}`, token_type: "mac" }),
  redirect_302: ({ run, origin }) => ({
    status: 302,
    headers: { location: `${origin}/token/ok?run=${encodeURIComponent(run)}&followed=302` },
    body: "",
  }),
  redirect_307: ({ run, origin }) => ({
    status: 307,
    headers: { location: `${origin}/token/ok?run=${encodeURIComponent(run)}&followed=307` },
    body: "",
  }),
  // A token endpoint that forgot CORS: the browser hides the answer and fetch rejects.
  no_cors: ({ code }) => ({ ...json(200, { access_token: `at-${code}`, token_type: "Bearer" }), cors: false }),
};

function parseForm(body) {
  const form = {};
  const repeated = [];
  for (const [k, v] of new URLSearchParams(body)) {
    if (Object.hasOwn(form, k)) repeated.push(k);
    form[k] = v;
  }
  return { form, repeated };
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 1 << 20) throw new Error("request body too large");
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(res, { status, headers = {}, body = "", cors = true }) {
  res.writeHead(status, { ...(cors ? CORS : { "cache-control": "no-store" }), ...headers });
  res.end(body);
}

async function serveFile(res, root, prefixes, pathname) {
  let rel;
  try {
    rel = normalize(decodeURIComponent(pathname)).replace(/^[\\/]+/, "");
  } catch {
    return send(res, { status: 400, body: "bad path" });
  }
  if (!prefixes.some((p) => p === "" || rel.startsWith(p)) || rel.split(sep).includes("..")) {
    return send(res, { status: 404, body: "not found" });
  }
  const file = join(root, rel === "" ? "index.html" : rel);
  try {
    if (!(await stat(file)).isFile()) throw new Error("not a file");
    const body = await readFile(file);
    send(res, {
      status: 200,
      headers: { "content-type": MIME[extname(file)] ?? "application/octet-stream" },
      body,
    });
  } catch {
    send(res, { status: 404, body: "not found" });
  }
}

/**
 * @param {object} [options]
 * @param {string} [options.root] directory served for the static prefixes
 * @param {string[]} [options.prefixes] path prefixes served from root ("" = all)
 * @returns {Promise<{server: import("node:http").Server, port: number, origin: string, requests: Map, close(): Promise<void>}>}
 */
export async function startServer({ port = 0, host = "127.0.0.1", root = REPO, prefixes = ["pkg/", "js/"] } = {}) {
  // run id → requests, in arrival order
  const requests = new Map();
  const record = (run, entry) => {
    if (!requests.has(run)) requests.set(run, []);
    requests.get(run).push(entry);
  };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, `http://${req.headers.host ?? host}`);
      const run = url.searchParams.get("run") ?? "";
      const parts = url.pathname.split("/").filter(Boolean);

      if (req.method === "OPTIONS") {
        if (parts[0] === "token") record(run, { method: "OPTIONS", path: url.pathname, query: url.search });
        return send(res, { status: 204 });
      }

      if (parts[0] === "token" && parts.length === 2) {
        const scenario = SCENARIOS[parts[1]];
        const body = await readBody(req);
        const { form, repeated } = parseForm(body);
        record(run, {
          method: req.method,
          path: url.pathname,
          query: url.search,
          scenario: parts[1],
          contentType: req.headers["content-type"] ?? null,
          accept: req.headers.accept ?? null,
          authorization: req.headers.authorization ?? null,
          cookie: req.headers.cookie ?? null,
          origin: req.headers.origin ?? null,
          body,
          form,
          repeated,
        });
        if (!scenario) return send(res, json(404, { message: `unknown scenario ${parts[1]}` }));
        const delay = Number(url.searchParams.get("delay") ?? 0);
        if (delay > 0) await new Promise((r) => setTimeout(r, Math.min(delay, 10_000)));
        return send(res, scenario({ code: form.code ?? "", run, origin: `http://${req.headers.host}` }));
      }

      if (parts[0] === "authorize" && req.method === "GET") {
        record(run, {
          method: "GET",
          path: url.pathname,
          query: url.search,
          params: Object.fromEntries(url.searchParams),
        });
        return send(res, { status: 204 });
      }

      if (url.pathname === "/requests" && req.method === "GET") {
        return send(res, json(200, requests.get(run) ?? []));
      }

      if (url.pathname === "/closed-port" && req.method === "GET") {
        const probe = createTcpServer();
        await new Promise((r) => probe.listen(0, host, r));
        const free = probe.address().port;
        await new Promise((r) => probe.close(r));
        return send(res, json(200, { port: free }));
      }

      if (req.method === "GET" || req.method === "HEAD") {
        return serveFile(res, root, prefixes, url.pathname);
      }
      send(res, { status: 405, body: "method not allowed" });
    } catch (e) {
      send(res, { status: 500, body: String(e?.message ?? e) });
    }
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  return {
    server,
    port: actual,
    origin: `http://${host}:${actual}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const port = Number(arg("--port") ?? process.env.PORT ?? 0);
  const { port: actual, close } = await startServer({ port, root: arg("--root") ?? REPO });
  console.log(`listening ${actual}`);
  const stop = () => close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
