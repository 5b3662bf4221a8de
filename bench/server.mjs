// The benchmark's one origin on 127.0.0.1: the pages, the bundles and a
// package snapshot (static), plus a minimal authorization server under /op/
// that lets every bundle run its whole flow once, so each size figure is known
// to belong to working code. Benchmark tooling only; no dependencies.
//
//   GET  /bench/…                 static files under bench/ (pages, out/)
//   GET  /bench/flow/<lib>        the flow page (the redirect URI of <lib>)
//   GET  /op/<lib>/…/auth[orize]  authorization endpoint: redirects back at once
//   POST /op/<lib>/…/token        token endpoint: checks code, redirect_uri,
//                                 client_id and the PKCE S256 verifier
//   GET  /op/<lib>/jwks           the signing key
//
// Every answer is cross-origin isolated (COOP + COEP): performance.now() then
// has 5 µs resolution instead of 100 µs, which the callback figure needs.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { issuerOf } from "./pages/cfg.js";

const BENCH = fileURLToPath(new URL(".", import.meta.url)).replace(/[\\/]+$/, "");

import { MIME } from "../dev/static.mjs";

const HEADERS = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
  // Fresh contexts already start with an empty cache; this keeps it that way
  // within one page too.
  "cache-control": "no-store",
};

const b64url = (buf) => Buffer.from(buf).toString("base64url");

export async function startServer({ host = "127.0.0.1", port = 0 } = {}) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "bench-key";
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] });
  const jwt = (claims) => {
    const input = `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign("sha256", Buffer.from(input), privateKey))}`;
  };

  const codes = new Map(); // code → what the authorization request said
  const exchanges = []; // { lib, ok, reason, accessToken }
  let origin;

  const send = (res, status, body, type, extra = {}) => {
    res.writeHead(status, { ...HEADERS, "content-type": type, ...extra });
    res.end(body);
  };
  const json = (res, status, obj) => send(res, status, JSON.stringify(obj), "application/json");

  async function readBody(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const text = Buffer.concat(chunks).toString("utf8");
    const type = req.headers["content-type"] ?? "";
    if (type.includes("application/json")) return new URLSearchParams(Object.entries(JSON.parse(text)));
    return new URLSearchParams(text);
  }

  function authorize(lib, base, url, res) {
    const q = url.searchParams;
    const redirect = new URL(q.get("redirect_uri") ?? "");
    const params = new URLSearchParams();
    const state = q.get("state");
    if (q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) {
      params.set("error", "invalid_request");
    } else {
      const code = b64url(randomBytes(24));
      codes.set(code, {
        lib,
        issuer: issuerOf(lib, base),
        clientId: q.get("client_id"),
        redirectUri: q.get("redirect_uri"),
        challenge: q.get("code_challenge"),
        nonce: q.get("nonce"),
        scope: q.get("scope") ?? "",
      });
      params.set("code", code);
    }
    if (state !== null) params.set("state", state);
    if (q.get("response_mode") === "fragment") redirect.hash = params.toString();
    else for (const [k, v] of params) redirect.searchParams.append(k, v);
    send(res, 302, "", "text/plain", { location: redirect.href });
  }

  async function token(lib, req, res) {
    const body = await readBody(req);
    const fail = (reason) => {
      exchanges.push({ lib, ok: false, reason });
      json(res, 400, { error: "invalid_grant", error_description: reason });
    };
    const tx = codes.get(body.get("code") ?? "");
    codes.delete(body.get("code") ?? "");
    if (body.get("grant_type") !== "authorization_code") return fail("grant_type");
    if (!tx || tx.lib !== lib) return fail("unknown code");
    if (body.get("redirect_uri") !== tx.redirectUri) return fail("redirect_uri differs");
    const basic = req.headers.authorization?.startsWith("Basic ")
      ? Buffer.from(req.headers.authorization.slice(6), "base64").toString().split(":")[0]
      : undefined;
    if ((body.get("client_id") ?? decodeURIComponent(basic ?? "")) !== tx.clientId) return fail("client_id differs");
    const verifier = body.get("code_verifier") ?? "";
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return fail("malformed code_verifier");
    if (b64url(createHash("sha256").update(verifier).digest()) !== tx.challenge) return fail("PKCE S256 mismatch");
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: tx.issuer, sub: "bench-user", aud: tx.clientId, iat: now, exp: now + 600 };
    if (tx.nonce) claims.nonce = tx.nonce;
    // A JWT access token: keycloak-js reads its claims (and its nonce).
    const accessToken = jwt({ ...claims, aud: "bench-api", azp: tx.clientId, typ: "Bearer", scope: tx.scope });
    const answer = { access_token: accessToken, token_type: "Bearer", expires_in: 600, scope: tx.scope };
    if (tx.scope.split(" ").includes("openid")) answer.id_token = jwt({ ...claims, typ: "ID" });
    exchanges.push({ lib, ok: true, accessToken });
    json(res, 200, answer);
  }

  async function serveFile(res, rel) {
    const path = normalize(join(BENCH, rel));
    if (!path.startsWith(BENCH + sep)) return send(res, 403, "forbidden", "text/plain");
    try {
      send(res, 200, await readFile(path), MIME[extname(path)] ?? "application/octet-stream");
    } catch {
      send(res, 404, "not found", "text/plain");
    }
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, origin);
      const p = url.pathname;
      const op = /^\/op\/([a-z0-9-]+)(\/.*)?$/.exec(p);
      if (op) {
        const [, lib, rest = ""] = op;
        const base = `${origin}/op/${lib}`;
        if (req.method === "GET" && /\/auth(orize)?$/.test(rest)) return authorize(lib, base, url, res);
        if (req.method === "POST" && /\/token$/.test(rest)) return await token(lib, req, res);
        if (req.method === "GET" && rest === "/jwks") return send(res, 200, jwks, "application/json");
        return send(res, 404, "not found", "text/plain");
      }
      if (req.method !== "GET") return send(res, 405, "method not allowed", "text/plain");
      if (p.startsWith("/bench/flow/")) return await serveFile(res, "pages/flow.html");
      if (p.startsWith("/bench/")) return await serveFile(res, decodeURIComponent(p.slice("/bench/".length)));
      send(res, 404, "not found", "text/plain");
    } catch (e) {
      send(res, 500, String(e), "text/plain");
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  origin = `http://${host}:${server.address().port}`;
  return {
    origin,
    exchanges,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
