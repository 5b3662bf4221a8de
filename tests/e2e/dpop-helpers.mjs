// Pieces the DPoP and PAR suites share: what the browser sent (headers
// included, observed, never intercepted), JWT and proof decoding, the DPoP
// keys the package keeps in IndexedDB, and a client on a stub transport for
// the answers a real server will not give.
import { createHash } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import { decodeProof } from "../../dev/provider.mjs";
import { consent, openPage, startLoginAs, waitForOutcome } from "./helpers.mjs";

/** Header and claims of a compact JWT (null when it is not one): the provider's own reader. */
export const decodeJwt = (token) => (typeof token === "string" ? decodeProof(token) ?? null : null);

export const thumbprint = (jwk) => calculateJwkThumbprint(jwk, "sha256");
export const accessTokenHash = (token) => createHash("sha256").update(token).digest("base64url");

/**
 * Records the page's POSTs to the token and PAR endpoints, its calls to the
 * API and its navigations to /auth, with all request headers and the
 * answers' status and headers. `settle()` waits for the header reads.
 */
export function observeTraffic(page, servers) {
  const seen = { token: [], par: [], api: [], authorize: [] };
  const pending = [];
  const kindOf = (req) => {
    const url = req.url();
    if (req.method() === "POST" && url === `${servers.issuer}/token`) return "token";
    if (req.method() === "POST" && url === `${servers.issuer}/request`) return "par";
    if (req.method() !== "OPTIONS" && url.split("?")[0] === servers.apiUrl) return "api";
    if (req.method() === "GET" && url.startsWith(`${servers.issuer}/auth?`)) return "authorize";
    return null;
  };
  const entries = new Map();
  page.on("request", (req) => {
    const kind = kindOf(req);
    if (!kind) return;
    const entry = { url: req.url(), method: req.method(), postData: req.postData() ?? "", headers: null, response: null };
    entries.set(req, entry);
    seen[kind].push(entry);
    pending.push(
      req.allHeaders().then((h) => {
        entry.headers = h;
      }),
    );
  });
  page.on("response", (res) => {
    const entry = entries.get(res.request());
    if (!entry) return;
    pending.push(
      res.allHeaders().then((h) => {
        entry.response = { status: res.status(), headers: h };
      }),
    );
  });
  seen.settle = async () => {
    // Header reads may queue more reads; wait until none is left.
    for (let n = 0; n !== pending.length; ) {
      n = pending.length;
      await Promise.all(pending);
    }
  };
  return seen;
}

/** The decoded DPoP proof of an observed request (undefined without one). */
export function proofOf(entry) {
  const value = entry.headers?.dpop;
  return value === undefined ? undefined : decodeJwt(value);
}

/**
 * The DPoP key pairs the package keeps in IndexedDB (database "pkce-wasm",
 * store "dpop-keys"), as facts about each: never the keys themselves. A
 * database that does not exist is not created (that would leave the package
 * one without its store).
 */
export async function storedDpopKeys(page) {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes("pkce-wasm")) return [];
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open("pkce-wasm");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      if (!db.objectStoreNames.contains("dpop-keys")) return [];
      const [keys, values] = await new Promise((resolve, reject) => {
        const tx = db.transaction("dpop-keys", "readonly");
        const store = tx.objectStore("dpop-keys");
        const k = store.getAllKeys();
        const v = store.getAll();
        tx.oncomplete = () => resolve([k.result, v.result]);
        tx.onerror = () => reject(tx.error);
      });
      const out = [];
      for (let i = 0; i < keys.length; i++) {
        const pair = values[i];
        const fact = { id: String(keys[i]), privateType: pair?.privateKey?.type, privateExtractable: pair?.privateKey?.extractable };
        fact.algorithm = pair?.privateKey?.algorithm && { name: pair.privateKey.algorithm.name, namedCurve: pair.privateKey.algorithm.namedCurve };
        fact.privateUsages = pair?.privateKey?.usages;
        try {
          await crypto.subtle.exportKey("jwk", pair.privateKey);
          fact.privateExported = true;
        } catch (e) {
          fact.privateExported = false;
          fact.exportError = e?.name;
        }
        try {
          const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
          fact.publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
        } catch {
          fact.publicJwk = null;
        }
        out.push(fact);
      }
      return out;
    } finally {
      db.close();
    }
  });
}

/**
 * Runs `scenario` (a name the page code below knows) with a client whose
 * transport is a stub: `answers` are the stub's replies in turn, the last one
 * repeated; each is { status, body, headers }. Resolves with what the client
 * did: { result | error, requests: [{ url, method, dpop, body }], the
 * pending transactions and the address before and after }. `options` are
 * merged into the client's configuration; `resource` are the answers of a
 * stub resource that client.fetch calls (scenario "callback-then-fetch").
 */
export async function runWithStub(page, { scenario, answers, options = {}, resource = [] }) {
  return page.evaluate(
    async ({ scenario, answers, options, resource }) => {
      const { default: init, PkceClient } = await import("pkce-wasm");
      await init();
      const requests = [];
      const stub = async (url, init = {}) => {
        const headers = init.headers instanceof Headers ? Object.fromEntries(init.headers) : { ...(init.headers ?? {}) };
        const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
        requests.push({ url: String(url), method: init.method, dpop: lower.dpop ?? null, body: typeof init.body === "string" ? init.body : null });
        const a = answers[Math.min(requests.length - 1, answers.length - 1)];
        return new Response(typeof a.body === "string" ? a.body : JSON.stringify(a.body ?? {}), {
          status: a.status,
          headers: { "content-type": "application/json", ...(a.headers ?? {}) },
        });
      };
      const origin = location.origin;
      const config = {
        authorizationEndpoint: "http://127.0.0.1:9/auth",
        tokenEndpoint: "http://127.0.0.1:9/token",
        clientId: "stub-client",
        redirectUri: `${origin}/callback`,
        scope: "api:read",
        fetch: stub,
        ...options,
      };
      const txCount = () => Object.keys(sessionStorage).filter((k) => k.startsWith("pkce-wasm.tx.")).length;
      const before = { tx: txCount(), href: location.href };
      const errorInfo = (e) => ({ name: e?.name, code: e?.code, field: e?.field, error: e?.error, errorDescription: e?.errorDescription, status: e?.status, message: String(e?.message ?? e) });
      const saved = { generateKey: crypto.subtle.generateKey, sign: crypto.subtle.sign };
      let result;
      let error;
      try {
        const client = new PkceClient(config);
        if (scenario === "callback") {
          const url = new URL(await client.authorizeUrl());
          const state = url.searchParams.get("state");
          requests.length = 0;
          const tokens = await client.handleCallback(`${config.redirectUri}?code=stub-code&state=${state}`);
          result = { tokenType: tokens.tokenType };
        } else if (scenario === "callback-then-fetch") {
          // client.fetch goes through the page's fetch: a stub resource there.
          const url = new URL(await client.authorizeUrl());
          await client.handleCallback(`${config.redirectUri}?code=stub-code&state=${url.searchParams.get("state")}`);
          requests.length = 0;
          const pageFetch = window.fetch;
          window.fetch = async (input, init = {}) => {
            const h = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
            requests.push({ url: input instanceof Request ? input.url : String(input), method: init.method ?? "GET", dpop: h.get("dpop"), authorization: h.get("authorization"), resource: true });
            const a = resource[Math.min(requests.filter((r) => r.resource).length - 1, resource.length - 1)];
            return new Response(JSON.stringify(a.body ?? {}), { status: a.status, headers: { "content-type": "application/json", ...(a.headers ?? {}) } });
          };
          try {
            const res = await client.fetch("http://127.0.0.1:9/resource?x=1");
            result = { status: res.status };
          } finally {
            window.fetch = pageFetch;
          }
        } else if (scenario === "sign-refused") {
          const url = new URL(await client.authorizeUrl());
          const state = url.searchParams.get("state");
          requests.length = 0;
          crypto.subtle.sign = () => Promise.reject(new DOMException("refused by the test", "OperationError"));
          await client.handleCallback(`${config.redirectUri}?code=stub-code&state=${state}`);
          result = { tokenType: "unexpected" };
        } else if (scenario === "keygen-refused") {
          crypto.subtle.generateKey = () => Promise.reject(new DOMException("refused by the test", "NotSupportedError"));
          result = { url: await client.authorizeUrl() };
        } else if (scenario === "authorize-url") {
          result = { url: await client.authorizeUrl() };
        } else if (scenario === "login") {
          await client.login();
          result = { navigated: true };
        } else {
          throw new Error(`unknown scenario ${scenario}`);
        }
      } catch (e) {
        error = errorInfo(e);
      } finally {
        crypto.subtle.generateKey = saved.generateKey;
        crypto.subtle.sign = saved.sign;
      }
      return { result, error, requests, txBefore: before.tx, txAfter: txCount(), hrefBefore: before.href, hrefAfter: location.href };
    },
    { scenario, answers, options, resource },
  );
}

/**
 * A login through the demo page opened with `?query` (e.g. "dpop=1&par=1"),
 * as `user`, its traffic observed and settled. `onReady(page)` runs once the
 * page is ready, before the login starts.
 */
export async function loginWithDemo(env, query, user, onReady = async () => {}) {
  const { page, seen, context } = await openPage(env);
  const traffic = observeTraffic(page, env.servers);
  await page.goto(`${env.servers.pageUrl}?${query}`);
  await page.waitForFunction(() => document.body?.dataset.state === "ready");
  await onReady(page);
  await startLoginAs(page, env.servers, user);
  await consent(page);
  const outcome = await waitForOutcome(page);
  await traffic.settle();
  return { page, seen, context, traffic, outcome };
}
