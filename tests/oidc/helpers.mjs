// Shared pieces of the OIDC and session tests:
//
// - a page server: tests/oidc/pages/ (a page that imports the package as an
//   app does) plus the package's shipped files under /node_modules/pkce-wasm/,
//   and two protected resources that always refuse, for client.fetch();
// - the real local provider (dev/provider.mjs) and API (dev/api.mjs), wired to
//   that page's origin;
// - a test OP: a tiny OpenID provider whose discovery document, JWKS and token
//   responses each test sets, with ID tokens signed by keys made here — the
//   only way to hand the client a wrong `iss`, a forged signature or `alg: none`;
// - the user's side of a login at node-oidc-provider.
import { createHmac, KeyObject, constants, randomBytes, sign as nodeSign } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { startApi } from "../../dev/api.mjs";
import { closeServer, listen, startProvider } from "../../dev/provider.mjs";
import { API_AUDIENCE, DEMO_SCOPE, HOST } from "../../dev/servers.mjs";
import { launchBrowser, TX_PREFIX } from "../e2e/helpers.mjs";

export { launchBrowser, TX_PREFIX, API_AUDIENCE, DEMO_SCOPE };
export const SESSION_PREFIX = "pkce-wasm.session.";
export const CALLBACK_PATH = "/callback";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/[\\/]+$/, "");
const PAGES = fileURLToPath(new URL("./pages", import.meta.url)).replace(/[\\/]+$/, "");
const PACKAGE_PREFIX = "/node_modules/pkce-wasm/";

export const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

// npm's `files` globs, read as dev/static.mjs reads them: exactly what would be published.
import { MIME, packageFileMatcher as shippedMatcher } from "../../dev/static.mjs";

/**
 * A page server of a test suite: `pages/index.html` at / and at /callback,
 * the package as published under /node_modules/pkce-wasm/ (only the files
 * package.json "files" ships), anything else from `pages`. `route(req, res,
 * path)` answers first when it returns true. No caching, no Referer (the
 * callback URL carries the code).
 */
export async function servePages({ pages, host = HOST, route = () => false }) {
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  const shipped = shippedMatcher(pkg.files ?? []);
  const server = createServer(async (req, res) => {
    try {
      res.setHeader("Cache-Control", "no-store");
      res.setHeader("Referrer-Policy", "no-referrer");
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (await route(req, res, path)) return;
      if (req.method !== "GET") return send(res, 405, "text/plain", "method not allowed");
      if (path === "/" || path === CALLBACK_PATH) return sendFile(res, pages, "index.html");
      if (path.startsWith(PACKAGE_PREFIX)) {
        const rel = path.slice(PACKAGE_PREFIX.length);
        return shipped(rel) ? sendFile(res, ROOT, rel) : send(res, 404, "text/plain", "not found");
      }
      return sendFile(res, pages, path.slice(1));
    } catch (err) {
      if (!res.headersSent) send(res, 500, "text/plain", `internal error: ${err.message}`);
    }
  });
  await listen(server, 0, host);
  const origin = `http://${host}:${server.address().port}`;
  return { origin, url: `${origin}/`, callbackUrl: `${origin}${CALLBACK_PATH}`, close: () => closeServer(server) };
}

/**
 * The test page's server. `resourceRequests` records calls to the two
 * resources: /always-401 (Bearer invalid_token, every time) and
 * /insufficient-scope (403 Bearer insufficient_scope).
 */
export async function startPageServer({ host = HOST } = {}) {
  const resourceRequests = [];
  const pages = await servePages({
    pages: PAGES,
    host,
    route(req, res, path) {
      if (path !== "/always-401" && path !== "/insufficient-scope") return false;
      resourceRequests.push({ path, authorization: req.headers.authorization ?? null });
      if (path === "/always-401") {
        res.setHeader("WWW-Authenticate", 'Bearer realm="test", error="invalid_token"');
        send(res, 401, MIME[".json"], '{"error":"invalid_token"}');
      } else {
        res.setHeader("WWW-Authenticate", 'Bearer realm="test", error="insufficient_scope", scope="admin"');
        send(res, 403, MIME[".json"], '{"error":"insufficient_scope"}');
      }
      return true;
    },
  });
  return { ...pages, resourceRequests };
}

/** The test page open in a browser, and a test OP: what the test-OP suites start from. */
export async function startTestOpPage() {
  const [pages, op, browser] = await Promise.all([startPageServer(), startTestOp(), launchBrowser()]);
  const page = await newPage(await browser.newContext());
  await openTestPage(page, pages.url);
  return {
    pages,
    op,
    page,
    async close() {
      await browser.close().catch(() => {});
      await Promise.allSettled([pages.close(), op.close()]);
    },
  };
}

/** Serves file `rel` under `base` (404 outside it or when missing). */
export async function sendFile(res, base, rel) {
  const full = normalize(join(base, rel));
  if (!full.startsWith(base + sep)) return send(res, 404, "text/plain", "not found");
  try {
    if (!(await stat(full)).isFile()) throw new Error("not a file");
  } catch {
    return send(res, 404, "text/plain", "not found");
  }
  return send(res, 200, MIME[extname(full)] ?? "application/octet-stream", await readFile(full));
}

export function send(res, status, type, body) {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.end(body);
}

// ------------------------------------------------------------ real provider

/**
 * The page server, node-oidc-provider and the demo API, wired together as
 * dev/servers.mjs wires the demo; `ttl` goes to the provider.
 */
export async function startProviderEnvironment({ ttl } = {}) {
  const started = [];
  try {
    const pages = await startPageServer();
    started.push(pages);
    const provider = await startProvider({
      host: HOST,
      spaOrigins: [pages.origin],
      redirectUris: [pages.callbackUrl],
      apiAudience: API_AUDIENCE,
      ttl,
    });
    started.push(provider);
    const api = await startApi({
      host: HOST,
      issuer: provider.issuer,
      audience: API_AUDIENCE,
      allowedOrigins: [pages.origin],
    });
    started.push(api);
    const clientOptions = {
      issuer: provider.issuer,
      authorizationEndpoint: `${provider.issuer}/auth`,
      tokenEndpoint: `${provider.issuer}/token`,
      jwksUri: `${provider.issuer}/jwks`,
      revocationEndpoint: `${provider.issuer}/token/revocation`,
      endSessionEndpoint: `${provider.issuer}/session/end`,
      clientId: provider.clients.spa,
      redirectUri: pages.callbackUrl,
      scope: DEMO_SCOPE,
      // node-oidc-provider names the API with RFC 8707 `resource`.
      extraAuthParams: { resource: API_AUDIENCE },
    };
    return { pages, provider, api, issuer: provider.issuer, clientOptions, close: () => closeAll(started) };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

async function closeAll(servers) {
  await Promise.allSettled([...servers].reverse().map((s) => s.close()));
}

/** Opens the test page (at `url`) in `page` and waits until the package is initialised. */
export async function openTestPage(page, url) {
  await page.goto(url);
  await waitReady(page);
}

async function waitReady(page) {
  await page.waitForFunction(() => document.body && document.body.dataset.state !== "loading");
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== "ready") throw new Error(`test page not ready: ${await page.textContent("#status")}`);
}

/** A new page in `context`, failing loudly on page errors. */
export async function newPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.errors = errors;
  return page;
}

/**
 * A whole login at node-oidc-provider from the test page: `client.login()`,
 * the provider's login form (if it asks) and consent page (if it asks), then
 * `handleCallback()` on the page the provider sends the browser back to,
 * with a client made from `options` again (the page was reloaded). `discover`
 * makes that client with PkceClient.discover(options) instead.
 * Resolves with what handleCallback returned, how many login and consent
 * pages were shown, and the callback URL the provider sent the browser to.
 */
export async function loginAtProvider(page, env, user, options, { discover = false } = {}) {
  const make = ([o, d]) => (d ? window.t.discover(o) : window.t.make(o));
  await page.evaluate(make, [options, discover]);
  const shown = { login: 0, consent: 0 };
  const atProviderOrBack = (u) => u.href.startsWith(`${env.issuer}/`) || u.href.startsWith(`${env.pages.callbackUrl}?`);
  await Promise.all([page.waitForURL(atProviderOrBack), page.evaluate(() => void window.t.client.login())]);
  for (let hop = 0; hop < 6 && !page.url().startsWith(`${env.pages.callbackUrl}?`); hop++) {
    if (!page.url().startsWith(`${env.issuer}/interaction/`)) {
      await page.waitForURL((u) => u.href.startsWith(`${env.issuer}/interaction/`) || u.href.startsWith(`${env.pages.callbackUrl}?`));
      continue;
    }
    const before = page.url();
    await page.waitForSelector("button[type=submit]");
    if (await page.$("input[name=login]")) {
      shown.login++;
      await page.fill("input[name=login]", user);
      await page.fill("input[name=password]", "any password");
    } else {
      shown.consent++;
    }
    await Promise.all([page.waitForURL((u) => u.href !== before && atProviderOrBack(u)), page.click("button[type=submit]")]);
  }
  if (!page.url().startsWith(`${env.pages.callbackUrl}?`)) throw new Error(`login did not come back: ${page.url()}`);
  const callback = new URL(page.url());
  await waitReady(page);
  await page.evaluate(make, [options, discover]);
  const result = await page.evaluate(() => window.t.capture(() => window.t.client.handleCallback()));
  if (!result.ok) throw new Error(`handleCallback failed: ${JSON.stringify(result.error)}`);
  return { tokens: result.value, shown, callback };
}

/** POSTs a refresh token to the provider as the public client would, from Node. */
export async function refreshAtProvider(env, refreshToken) {
  const res = await fetch(`${env.issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: env.clientOptions.clientId }),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Makes the persisted session's access token look expired to the client, as
 * if its lifetime had passed: `expiresAt` a second ago. The provider's tokens
 * are untouched — whatever the provider does next (rotation, reuse detection)
 * is real. Cheaper and steadier than waiting, and independent of how early
 * before expiry the client chooses to refresh.
 */
export async function expireSession(page, storage, clientId) {
  const expiresAt = Date.now() - 1000;
  await page.evaluate(([s, id, at]) => window.t.patchSession(s, id, { expiresAt: at }), [storage, clientId, expiresAt]);
  return expiresAt;
}

// ------------------------------------------------------------------ test OP

export const TEST_CLIENT_ID = "test-client";

/**
 * An OpenID provider whose answers the test chooses. Keys: `rs` (RS256),
 * `ps` (RSA key for PS256), `es` (ES256, P-256), `rotated` (RS256, published
 * only when the test says so) and `other` (RS256, never published).
 *
 * Set per test (reset() restores the defaults):
 *   op.metadata = (path) => ({ status, type, body }) | undefined   (404)
 *   op.jwks = [doc, doc, …]   served in turn, the last one repeated
 *   op.jwksHeaders = { … }    extra headers on /jwks (default Cache-Control: no-store)
 *   op.token = (params) => ({ status, body })   the /token answer
 * Recorded: op.hits.jwks, op.hits.evilJwks, op.hits.token (params), op.hits.metadata (paths).
 */
export async function startTestOp({ host = HOST } = {}) {
  const pairs = {
    rs: await generateKeyPair("RS256", { extractable: true }),
    ps: await generateKeyPair("PS256", { extractable: true }),
    es: await generateKeyPair("ES256", { extractable: true }),
    rotated: await generateKeyPair("RS256", { extractable: true }),
    other: await generateKeyPair("RS256", { extractable: true }),
  };
  const ALG_OF = { rs: "RS256", ps: "PS256", es: "ES256", rotated: "RS256", other: "RS256" };
  const publicJwk = async (name) => ({
    ...(await exportJWK(pairs[name].publicKey)),
    kid: `${name}-key`,
    alg: ALG_OF[name],
    use: "sig",
  });
  const jwks = async (...names) => ({ keys: await Promise.all(names.map(publicJwk)) });
  const standardJwks = await jwks("rs", "ps", "es");

  const server = createServer((req, res) => handle(req, res).catch((err) => {
    if (!res.headersSent) send(res, 500, "text/plain", err.message);
  }));
  await listen(server, 0, host);
  const issuer = `http://${host}:${server.address().port}`;

  const op = {
    issuer,
    clientId: TEST_CLIENT_ID,
    standardJwks,
    jwks: null,
    jwksHeaders: null,
    metadata: null,
    token: null,
    hits: null,
    /** Builds a JWKS document with the public keys named. */
    jwksOf: jwks,
    reset() {
      op.jwks = [standardJwks];
      op.jwksHeaders = { "Cache-Control": "no-store" };
      op.metadata = () => undefined;
      op.token = () => ({ status: 400, body: { error: "invalid_grant" } });
      op.hits = { jwks: 0, evilJwks: 0, token: [], metadata: [] };
    },
    /** Good metadata for this OP, with `extra` merged in. */
    goodMetadata(extra = {}) {
      return {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
        id_token_signing_alg_values_supported: ["RS256", "PS256", "ES256"],
        ...extra,
      };
    },
    /** Claims of a good ID token for `nonce`, with `extra` merged in (undefined values removed). */
    claims(nonce, extra = {}) {
      const now = Math.floor(Date.now() / 1000);
      const c = { iss: issuer, sub: "alice", aud: TEST_CLIENT_ID, iat: now, exp: now + 300, nonce, ...extra };
      for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
      return c;
    },
    /** An ID token signed with jose by key `key` (default rs); `header` adds to the protected header. */
    async sign(claims, { key = "rs", kid = `${key}-key`, header = {} } = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: ALG_OF[key], typ: "JWT", ...(kid ? { kid } : {}), ...header })
        .sign(pairs[key].privateKey);
    },
    /**
     * A JWS built by hand, for what jose refuses to make: `alg` none (empty
     * signature), HS256 keyed with the RSA public key, a `crit` header.
     */
    async signRaw(header, claims, how) {
      const enc = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
      const input = `${enc(header)}.${enc(claims)}`;
      let sig = Buffer.alloc(0);
      if (how === "hs256-with-public-key") {
        // The classic confusion: the verifier's RSA public key (PEM, as a
        // library would read it from disk) used as the HMAC secret.
        const pem = await exportSPKI(pairs.rs.publicKey);
        sig = createHmac("sha256", pem).update(input).digest();
      } else if (how === "rs") {
        sig = nodeSign("sha256", Buffer.from(input), KeyObject.from(pairs.rs.privateKey));
      } else if (how === "ps") {
        sig = nodeSign("sha256", Buffer.from(input), {
          key: KeyObject.from(pairs.ps.privateKey),
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 32,
        });
      }
      return `${input}.${sig.toString("base64url")}`;
    },
    /** A token response: `idToken` plus an access and a refresh token. */
    tokenResponse(idToken, extra = {}) {
      const body = {
        access_token: `at-${randomBytes(6).toString("hex")}`,
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: `rt-${randomBytes(6).toString("hex")}`,
        scope: "openid",
        ...extra,
      };
      if (idToken !== undefined) body.id_token = idToken;
      return { status: 200, body };
    },
    close: () => closeServer(server),
  };
  op.reset();

  async function handle(req, res) {
    res.setHeader("Access-Control-Allow-Origin", "*");
    const path = new URL(req.url, "http://x").pathname;
    if (req.method === "OPTIONS") {
      res.setHeader("Access-Control-Allow-Methods", "GET, POST");
      res.setHeader("Access-Control-Allow-Headers", "content-type, accept");
      res.statusCode = 204;
      return res.end();
    }
    if (req.method === "GET" && path.startsWith("/.well-known/")) {
      op.hits.metadata.push(path);
      const m = op.metadata(path);
      if (!m) return send(res, 404, "text/plain", "not found");
      res.setHeader("Cache-Control", "no-store");
      return send(res, m.status ?? 200, m.type ?? MIME[".json"], typeof m.body === "string" ? m.body : JSON.stringify(m.body));
    }
    if (req.method === "GET" && path === "/jwks") {
      const doc = op.jwks[Math.min(op.hits.jwks, op.jwks.length - 1)];
      op.hits.jwks++;
      for (const [k, v] of Object.entries(op.jwksHeaders ?? {})) res.setHeader(k, v);
      if (typeof doc === "object" && doc && "status" in doc) return send(res, doc.status, doc.type ?? "text/plain", doc.body ?? "");
      return send(res, 200, MIME[".json"], typeof doc === "string" ? doc : JSON.stringify(doc));
    }
    if (req.method === "GET" && path === "/evil-jwks") {
      op.hits.evilJwks++;
      return send(res, 200, MIME[".json"], JSON.stringify(await jwks("other")));
    }
    if (req.method === "POST" && path === "/token") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const params = Object.fromEntries(new URLSearchParams(body));
      op.hits.token.push(params);
      const r = await op.token(params);
      res.setHeader("Cache-Control", "no-store");
      return send(res, r.status, MIME[".json"], JSON.stringify(r.body));
    }
    return send(res, 404, "text/plain", "not found");
  }

  return op;
}

/** Options for a client of the test OP, explicit endpoints, session in sessionStorage. */
export function testOpClientOptions(op, pages, extra = {}) {
  return {
    issuer: op.issuer,
    authorizationEndpoint: `${op.issuer}/auth`,
    tokenEndpoint: `${op.issuer}/token`,
    jwksUri: `${op.issuer}/jwks`,
    clientId: op.clientId,
    redirectUri: pages.callbackUrl,
    scope: "openid",
    persistTokens: "sessionStorage",
    ...extra,
  };
}

/**
 * What is left after a callback: pending transactions, persisted sessions
 * and what getAccessToken() says.
 */
export async function leftovers(page) {
  return page.evaluate(
    async ([tx, session]) => ({
      transactions: Object.keys(window.t.entries("sessionStorage", tx)),
      sessions: Object.keys(window.t.entries("sessionStorage", session)),
      localSessions: Object.keys(window.t.entries("localStorage", session)),
      getAccessToken: await window.t.capture(() => window.t.client.getAccessToken()),
    }),
    [TX_PREFIX, SESSION_PREFIX],
  );
}

