// Browser scenarios for the wasm-bindgen tests in tests/browser_*.rs.
//
// The package is imported the way an app imports it — js/index.js over HTTP
// from tests/support/server.mjs — not linked into the test binary, so what is
// tested is the shipped wrapper + module, with real sessionStorage, real fetch
// and a real address bar. Each export runs one scenario: it throws an Error
// naming the broken expectation, or resolves with a few facts the Rust test
// checks again.

const PREFIX = "pkce-wasm.tx.";
const REDIRECT = "https://app.example/callback";
const CLIENT_ID = "spa-client";
const ISSUER = "https://issuer.example";

// ---------------------------------------------------------------- helpers

class ExpectationFailed extends Error {
  name = "ExpectationFailed";
}

function assert(cond, message) {
  if (!cond) throw new ExpectationFailed(message);
}

const show = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

function assertEq(actual, expected, what) {
  if (show(actual) !== show(expected)) {
    throw new ExpectationFailed(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let lib;
// One import per page: the module keeps state (init, claimed callbacks) the
// way it does in an app.
function load(base) {
  lib ??= import(`${base}/js/index.js`).then(async (m) => {
    await m.default();
    return m;
  });
  return lib;
}

let runs = 0;
const newRun = (name) => `${name}-${Date.now().toString(36)}-${++runs}-${Math.random().toString(36).slice(2, 8)}`;

function txKeys(storage = sessionStorage) {
  const out = [];
  for (let i = 0; i < storage.length; i++) {
    const k = storage.key(i);
    if (k.startsWith(PREFIX)) out.push(k);
  }
  return out.sort();
}

function clearTx() {
  for (const s of [sessionStorage, localStorage]) for (const k of txKeys(s)) s.removeItem(k);
}

async function recorded(base, run) {
  const res = await fetch(`${base}/requests?run=${encodeURIComponent(run)}`);
  assert(res.ok, `GET /requests answered ${res.status}`);
  return res.json();
}

// Long enough for a token request already sent to reach the server, so "no
// request" is not just "no request yet".
async function tokenRequests(base, run) {
  await sleep(150);
  return (await recorded(base, run)).filter((r) => r.path.startsWith("/token/") && r.method !== "OPTIONS");
}

async function assertNoTokenRequest(base, run, what) {
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.length, 0, `${what}: token requests sent`);
}

function assertNoTransactions(what, storage = sessionStorage) {
  assertEq(txKeys(storage), [], `${what}: transactions left in storage`);
}

function config(base, run, overrides = {}) {
  const scenario = overrides.scenario ?? "ok";
  const delay = overrides.delay ? `&delay=${overrides.delay}` : "";
  const c = {
    authorizationEndpoint: `${base}/authorize/ok?run=${run}`,
    tokenEndpoint: `${base}/token/${scenario}?run=${run}${delay}`,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT,
    scope: "profile api",
    ...overrides,
  };
  delete c.scenario;
  delete c.delay;
  return c;
}

async function client(base, run, overrides) {
  const { PkceClient } = await load(base);
  return new PkceClient(config(base, run, overrides));
}

const param = (url, name) => new URL(url).searchParams.get(name);

function callback(authorizeUrl, params = {}) {
  const u = new URL(param(authorizeUrl, "redirect_uri"));
  const q = new URLSearchParams({ code: `code-${Math.random().toString(36).slice(2)}`, state: param(authorizeUrl, "state") });
  for (const [k, v] of Object.entries(params)) {
    if (v === null) q.delete(k);
    else q.set(k, v);
  }
  u.search = q.toString();
  return { href: u.href, code: q.get("code"), state: q.get("state") };
}

async function s256(verifier) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// The token request as the server saw it: RFC 6749 §4.1.3 + RFC 7636 §4.5,
// and the verifier must be the one whose challenge went to /authorize.
async function checkTokenRequest(req, { authorizeUrl, code, redirectUri = REDIRECT, clientId = CLIENT_ID }) {
  assertEq(req.method, "POST", "token request method");
  assert(
    /^application\/x-www-form-urlencoded\b/i.test(req.contentType ?? ""),
    `token request content-type: ${req.contentType}`,
  );
  assertEq(req.repeated, [], "parameters repeated in the token request");
  assertEq(
    Object.keys(req.form).sort(),
    ["client_id", "code", "code_verifier", "grant_type", "redirect_uri"],
    "token request fields",
  );
  assertEq(req.form.grant_type, "authorization_code", "grant_type");
  assertEq(req.form.code, code, "code");
  assertEq(req.form.redirect_uri, redirectUri, "redirect_uri");
  assertEq(req.form.client_id, clientId, "client_id");
  assert(/^[A-Za-z0-9._~-]{43,128}$/.test(req.form.code_verifier), `code_verifier shape: ${req.form.code_verifier}`);
  assertEq(param(authorizeUrl, "code_challenge_method"), "S256", "code_challenge_method");
  assertEq(await s256(req.form.code_verifier), param(authorizeUrl, "code_challenge"), "S256(code_verifier) vs code_challenge");
  assert(!authorizeUrl.includes(req.form.code_verifier), "the verifier appears in the authorize URL");
  assertEq(req.authorization, null, "Authorization header on the token request");
  assertEq(req.cookie, null, "cookies sent to the token endpoint");
}

async function expectError(promise, code, what) {
  let value;
  try {
    value = await promise;
  } catch (e) {
    const { PkceError } = lib ? await lib : {};
    if (!(PkceError && e instanceof PkceError)) {
      const registry = globalThis[Symbol.for("pkce-wasm/PkceError")];
      throw new ExpectationFailed(
        `${what}: expected a PkceError, got ${e?.name}: ${e?.message} ` +
          `(its constructor is the exported PkceError: ${e?.constructor === PkceError}, ` +
          `the global registry's: ${e?.constructor === registry}; exported is registry: ${PkceError === registry}; ` +
          `instanceof Error: ${e instanceof Error})\n${e?.stack}`,
      );
    }
    assertEq(e.code, code, `${what}: error code (message: ${e.message})`);
    return e;
  }
  throw new ExpectationFailed(`${what}: expected PkceError "${code}", but it resolved with ${show(value)}`);
}

async function fresh(base) {
  await load(base);
  clearTx();
}

// A Promise-returning StorageLike (Capacitor Preferences, secure storage):
// every call resolves on a later task, so ordering bugs show.
function asyncStorage({ failOn } = {}) {
  const map = new Map();
  const calls = [];
  const later = (f) =>
    new Promise((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(f());
        } catch (e) {
          reject(e);
        }
      }, 5),
    );
  const refuse = (op) => {
    if (failOn === op) throw new DOMException(`${op} refused`, "QuotaExceededError");
  };
  return {
    map,
    calls,
    getItem: (k) => (calls.push(["getItem", k]), later(() => (refuse("getItem"), map.has(k) ? map.get(k) : null))),
    setItem: (k, v) => (calls.push(["setItem", k]), later(() => (refuse("setItem"), void map.set(k, String(v))))),
    removeItem: (k) => (calls.push(["removeItem", k]), later(() => (refuse("removeItem"), void map.delete(k)))),
  };
}

const mapTxKeys = (map) => [...map.keys()].filter((k) => k.startsWith(PREFIX)).sort();

// An injected fetch that answers from a function and remembers each call.
function recordingFetch(answer) {
  const calls = [];
  const f = async (url, init) => {
    calls.push({ url: String(url), init });
    return answer(url, init);
  };
  f.calls = calls;
  return f;
}

const jsonResponse = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

// ---------------------------------------------------------------- storage

/** sessionStorage holds exactly one record per login, in the documented format, and it is gone after the exchange. */
export async function sessionStorageRoundTrip(base) {
  await fresh(base);
  const run = newRun("ss");
  const c = await client(base, run);
  const before = Date.now();
  const url = await c.authorizeUrl({ appState: { returnTo: "/inbox" } });
  const state = param(url, "state");
  assertEq(txKeys(), [PREFIX + state], "keys after authorizeUrl");
  const record = JSON.parse(sessionStorage.getItem(PREFIX + state));
  assertEq(record.v, 2, "record.v");
  assertEq(record.redirectUri, REDIRECT, "record.redirectUri");
  assertEq(await s256(record.verifier), param(url, "code_challenge"), "S256(stored verifier) vs code_challenge");
  assert(record.createdAt >= before && record.createdAt <= Date.now(), `record.createdAt ${record.createdAt}`);
  assertEq(JSON.parse(record.appState), { returnTo: "/inbox" }, "record.appState (JSON text)");
  assert(!url.includes(record.verifier), "verifier in the authorize URL");
  assert(!url.includes("inbox"), "appState leaked into the authorize URL");

  const cb = callback(url);
  const tokens = await c.handleCallback(cb.href);
  assertEq(tokens.accessToken, `at-${cb.code}`, "accessToken");
  assertNoTransactions("after the exchange");
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.length, 1, "token requests");
  await checkTokenRequest(reqs[0], { authorizeUrl: url, code: cb.code });
  return { tokenRequests: reqs.length, keysLeft: txKeys().length, state };
}

/** storage: "localStorage" writes there and only there. */
export async function localStorageOption(base) {
  await fresh(base);
  const run = newRun("ls");
  const c = await client(base, run, { storage: "localStorage" });
  const url = await c.authorizeUrl();
  const state = param(url, "state");
  assertEq(txKeys(localStorage), [PREFIX + state], "localStorage keys after authorizeUrl");
  assertNoTransactions("sessionStorage with storage: localStorage");
  const cb = callback(url);
  const tokens = await c.handleCallback(cb.href);
  assertEq(tokens.accessToken, `at-${cb.code}`, "accessToken");
  assertNoTransactions("localStorage after the exchange", localStorage);
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.length, 1, "token requests");
  await checkTokenRequest(reqs[0], { authorizeUrl: url, code: cb.code });
  return { tokenRequests: reqs.length };
}

/** A StorageLike whose methods return Promises: the URL comes back only after setItem resolved; the record is taken and deleted. */
export async function asyncStorageRoundTrip(base) {
  await fresh(base);
  const run = newRun("async");
  const storage = asyncStorage();
  const c = await client(base, run, { storage });
  const url = await c.authorizeUrl({ appState: ["a", 1] });
  const state = param(url, "state");
  assertEq(mapTxKeys(storage.map), [PREFIX + state], "StorageLike keys when authorizeUrl resolved");
  assertNoTransactions("sessionStorage with a StorageLike");
  const cb = callback(url);
  const tokens = await c.handleCallback(cb.href);
  assertEq(tokens.accessToken, `at-${cb.code}`, "accessToken");
  assertEq(tokens.appState, ["a", 1], "appState");
  assertEq(mapTxKeys(storage.map), [], "StorageLike keys after the exchange");
  const ops = storage.calls.map(([op, k]) => `${op}:${k === PREFIX + state ? "tx" : k}`);
  for (const op of ["setItem:tx", "getItem:tx", "removeItem:tx"]) {
    assert(ops.includes(op), `StorageLike never saw ${op}: ${show(ops)}`);
  }
  assert(ops.indexOf("removeItem:tx") > ops.indexOf("getItem:tx"), `removeItem before getItem: ${show(ops)}`);
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.length, 1, "token requests");
  await checkTokenRequest(reqs[0], { authorizeUrl: url, code: cb.code });
  return { tokenRequests: reqs.length, storageCalls: storage.calls.length };
}

/** A synchronous StorageLike object (not Web Storage) works as well. */
export async function syncStorageLikeRoundTrip(base) {
  await fresh(base);
  const run = newRun("sync");
  const map = new Map();
  const storage = {
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
  const c = await client(base, run, { storage });
  const url = await c.authorizeUrl();
  assertEq(mapTxKeys(map), [PREFIX + param(url, "state")], "keys after authorizeUrl");
  const cb = callback(url);
  assertEq((await c.handleCallback(cb.href)).accessToken, `at-${cb.code}`, "accessToken");
  assertEq(mapTxKeys(map), [], "keys after the exchange");
  return { tokenRequests: (await tokenRequests(base, run)).length };
}

/** SG-02: setItem throws QuotaExceededError (or its Promise rejects): no URL, nothing stored, login() does not navigate. */
export async function setItemThrows(base) {
  await fresh(base);
  const run = newRun("quota");
  const results = [];
  const throwing = {
    stored: new Map(),
    getItem: (k) => throwing.stored.get(k) ?? null,
    setItem: () => {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    },
    removeItem: (k) => void throwing.stored.delete(k),
  };
  const rejecting = asyncStorage({ failOn: "setItem" });
  for (const [name, storage, keys] of [
    ["throwing setItem", throwing, () => mapTxKeys(throwing.stored)],
    ["rejecting setItem", rejecting, () => mapTxKeys(rejecting.map)],
  ]) {
    const c = await client(base, run, { storage });
    const e = await expectError(c.authorizeUrl(), "storage_unavailable", `authorizeUrl with a ${name}`);
    assertEq(keys(), [], `${name}: keys stored`);
    results.push(e.code);
    await expectError(c.login(), "storage_unavailable", `login() with a ${name}`);
  }
  assertNoTransactions("sessionStorage");
  // login() navigates to /authorize/…, which would record a request.
  await sleep(300);
  const nav = (await recorded(base, run)).filter((r) => r.path.startsWith("/authorize/"));
  assertEq(nav.length, 0, "navigations to the authorization endpoint");
  return { codes: results.join(","), navigations: nav.length };
}

/** SG-02 with the real thing: sessionStorage full, the browser's own QuotaExceededError. */
export async function sessionStorageFull(base) {
  await fresh(base);
  const run = newRun("full");
  const c = await client(base, run);
  const filler = [];
  try {
    // Fill with shrinking chunks until even one character does not fit.
    let n = 0;
    for (let size = 1 << 20; size >= 1; size >>= 2) {
      const chunk = "x".repeat(size);
      for (;;) {
        const k = `fill.${n++}`;
        try {
          sessionStorage.setItem(k, chunk);
          filler.push(k);
        } catch {
          break;
        }
      }
    }
    let refused = false;
    try {
      sessionStorage.setItem("probe", "x".repeat(64));
      sessionStorage.removeItem("probe");
    } catch {
      refused = true;
    }
    assert(refused, "could not fill sessionStorage to its quota");
    const e = await expectError(c.authorizeUrl(), "storage_unavailable", "authorizeUrl with sessionStorage full");
    assert(e.cause === undefined || e.cause?.name, `cause: ${show(e.cause)}`);
    assertNoTransactions("sessionStorage full");
  } finally {
    for (const k of filler) sessionStorage.removeItem(k);
  }
  // The same client works again once there is room.
  const url = await c.authorizeUrl();
  assertEq(txKeys(), [PREFIX + param(url, "state")], "keys once storage has room");
  clearTx();
  return { filled: filler.length };
}

/** SG-01: reading window.sessionStorage throws SecurityError (storage disabled): storage_unavailable, no URL. */
export async function sessionStorageDisabled(base) {
  await fresh(base);
  const run = newRun("disabled");
  const c = await client(base, run);
  const own = Object.getOwnPropertyDescriptor(window, "sessionStorage");
  const proto = Object.getOwnPropertyDescriptor(Window.prototype, "sessionStorage");
  const real = sessionStorage;
  Object.defineProperty(window, "sessionStorage", {
    configurable: true,
    get() {
      throw new DOMException("The operation is insecure.", "SecurityError");
    },
  });
  try {
    let threw = false;
    try {
      void window.sessionStorage;
    } catch {
      threw = true;
    }
    assert(threw, "could not make window.sessionStorage throw");
    await expectError(c.authorizeUrl(), "storage_unavailable", "authorizeUrl with sessionStorage disabled");
    await expectError(c.login(), "storage_unavailable", "login() with sessionStorage disabled");
  } finally {
    if (own) Object.defineProperty(window, "sessionStorage", own);
    else delete window.sessionStorage;
    if (!own && !proto && window.sessionStorage !== real) throw new Error("could not restore sessionStorage");
  }
  assert(window.sessionStorage === real, "sessionStorage was not restored");
  assertNoTransactions("after storage came back");
  await sleep(300);
  const nav = (await recorded(base, run)).filter((r) => r.path.startsWith("/authorize/"));
  assertEq(nav.length, 0, "navigations to the authorization endpoint");
  return { navigations: nav.length };
}

/** getItem or removeItem refusing at callback time: storage_unavailable and no token request. */
export async function storageFailsAtCallback(base) {
  await fresh(base);
  const out = {};
  for (const op of ["getItem", "removeItem"]) {
    const run = newRun(`fail-${op}`);
    const storage = asyncStorage();
    const c = await client(base, run, { storage });
    const url = await c.authorizeUrl();
    // Break the storage only now that the transaction is in it.
    const original = storage[op];
    storage[op] = (...args) => Promise.reject(new DOMException(`${op} refused`, "UnknownError"));
    await expectError(c.handleCallback(callback(url).href), "storage_unavailable", `${op} rejecting at callback`);
    storage[op] = original;
    await assertNoTokenRequest(base, run, `${op} rejecting`);
    out[op] = 0;
  }
  return out;
}

/** SG-03 / CB-25: storage cleared between redirect and callback: no_transaction, zero token requests. */
export async function storageCleared(base) {
  await fresh(base);
  const run = newRun("cleared");
  const c = await client(base, run);
  const url = await c.authorizeUrl();
  sessionStorage.clear();
  await expectError(c.handleCallback(callback(url).href), "no_transaction", "callback after storage was cleared");
  await assertNoTokenRequest(base, run, "storage cleared");
  // The app can start over.
  const again = await c.authorizeUrl();
  const cb = callback(again);
  assertEq((await c.handleCallback(cb.href)).accessToken, `at-${cb.code}`, "a new login after the failure");
  assertNoTransactions("after the new login");
  return { tokenRequests: (await tokenRequests(base, run)).length };
}

/** SG-05: an unreadable record counts as absent: no_transaction, no request, record removed. */
export async function garbageRecord(base) {
  await fresh(base);
  const run = newRun("garbage");
  const c = await client(base, run);
  const variants = {
    "not JSON": () => "{not json",
    "empty": () => "",
    "JSON null": () => "null",
    "an array": () => "[]",
    "old schema": (r) => JSON.stringify({ ...r, v: 0 }),
    "future schema": (r) => JSON.stringify({ ...r, v: 3 }),
    "short verifier": (r) => JSON.stringify({ ...r, verifier: "abc" }),
    "verifier with bad characters": (r) => JSON.stringify({ ...r, verifier: "+/".repeat(30) }),
    "createdAt a string": (r) => JSON.stringify({ ...r, createdAt: String(r.createdAt) }),
    "no redirectUri": (r) => JSON.stringify({ ...r, redirectUri: undefined }),
    "truncated": (r) => JSON.stringify(r).slice(0, -3),
  };
  for (const [name, mutate] of Object.entries(variants)) {
    const url = await c.authorizeUrl();
    const key = PREFIX + param(url, "state");
    sessionStorage.setItem(key, mutate(JSON.parse(sessionStorage.getItem(key))));
    await expectError(c.handleCallback(callback(url).href), "no_transaction", `record ${name}`);
    assertEq(sessionStorage.getItem(key), null, `record ${name} left in storage`);
  }
  await assertNoTokenRequest(base, run, "garbage records");
  assertNoTransactions("after garbage records");
  return { variants: Object.keys(variants).length };
}

/** SG-06 / CB-09: a callback with an unknown state fails and leaves every pending transaction alone. */
export async function unknownStateKeepsOthers(base) {
  await fresh(base);
  const run = newRun("unknown");
  const c = await client(base, run);
  const a = await c.authorizeUrl();
  const b = await c.authorizeUrl();
  const pending = txKeys();
  assertEq(pending.length, 2, "pending transactions");
  const forged = callback(a, { state: "x".repeat(43) });
  await expectError(c.handleCallback(forged.href), "no_transaction", "callback with an unknown state");
  await expectError(c.handleCallback(callback(a, { state: null }).href), "no_transaction", "callback without state");
  await expectError(
    c.handleCallback(callback(a, { state: param(a, "state").toUpperCase() }).href),
    "no_transaction",
    "callback with the state in another case",
  );
  assertEq(txKeys(), pending, "pending transactions after forged callbacks");
  await assertNoTokenRequest(base, run, "forged callbacks");
  // The real callbacks still complete, in either order.
  const cbB = callback(b);
  assertEq((await c.handleCallback(cbB.href)).accessToken, `at-${cbB.code}`, "login B after forged callbacks");
  const cbA = callback(a);
  assertEq((await c.handleCallback(cbA.href)).accessToken, `at-${cbA.code}`, "login A after forged callbacks");
  assertNoTransactions("after both logins");
  return { tokenRequests: (await tokenRequests(base, run)).length };
}

/** TTL: transactionTtlSeconds: 1 and a wait: no_transaction, no request, record gone. */
export async function ttlExpiresAfterWaiting(base) {
  await fresh(base);
  const run = newRun("ttl");
  const c = await client(base, run, { transactionTtlSeconds: 1 });
  const url = await c.authorizeUrl();
  await sleep(1600);
  await expectError(c.handleCallback(callback(url).href), "no_transaction", "callback after the TTL");
  assertNoTransactions("expired transaction");
  await assertNoTokenRequest(base, run, "expired transaction");
  // Positive control: the same client within its TTL.
  const fresh2 = await c.authorizeUrl();
  const cb = callback(fresh2);
  assertEq((await c.handleCallback(cb.href)).accessToken, `at-${cb.code}`, "callback within the TTL");
  return { tokenRequests: (await tokenRequests(base, run)).length };
}

/** TTL with the default 600 s: a record created 601 s ago (or 10 min in the future) is refused; 590 s ago is fine. */
export async function ttlFromCreatedAt(base) {
  await fresh(base);
  const run = newRun("createdAt");
  const c = await client(base, run);
  const age = async (ms) => {
    const url = await c.authorizeUrl();
    const key = PREFIX + param(url, "state");
    const r = JSON.parse(sessionStorage.getItem(key));
    sessionStorage.setItem(key, JSON.stringify({ ...r, createdAt: r.createdAt - ms }));
    return url;
  };
  for (const [what, ms] of [["601 s old", 601_000], ["10 min in the future", -600_000]]) {
    await expectError(c.handleCallback(callback(await age(ms)).href), "no_transaction", `record ${what}`);
    assertNoTransactions(`record ${what}`);
  }
  await assertNoTokenRequest(base, run, "expired records");
  const cb = callback(await age(590_000));
  assertEq((await c.handleCallback(cb.href)).accessToken, `at-${cb.code}`, "record 590 s old");
  return { tokenRequests: (await tokenRequests(base, run)).length };
}

/** Starting a login sweeps expired and unreadable records of other logins out of Web Storage, and nothing else. */
export async function sweepOnAuthorize(base) {
  await fresh(base);
  const run = newRun("sweep");
  const c = await client(base, run);
  const live = await c.authorizeUrl();
  const liveKey = PREFIX + param(live, "state");
  const template = JSON.parse(sessionStorage.getItem(liveKey));
  sessionStorage.setItem(`${PREFIX}expired`, JSON.stringify({ ...template, createdAt: Date.now() - 3_600_000 }));
  sessionStorage.setItem(`${PREFIX}garbage`, "{");
  sessionStorage.setItem("app.unrelated", "keep me");
  const next = await c.authorizeUrl();
  assertEq(txKeys(), [liveKey, PREFIX + param(next, "state")].sort(), "transactions after the sweep");
  assertEq(sessionStorage.getItem("app.unrelated"), "keep me", "an unrelated key");
  sessionStorage.removeItem("app.unrelated");
  clearTx();
  return { kept: 2 };
}

// ---------------------------------------------------------------- exchange

/** TK-01 over real fetch: the exact request, the TokenSet, exactly one request. */
export async function exchangeSuccess(base) {
  await fresh(base);
  const run = newRun("ok");
  const c = await client(base, run);
  const url = await c.authorizeUrl();
  const cb = callback(url);
  const before = Date.now();
  const tokens = await c.handleCallback(cb.href);
  assertEq(
    Object.keys(tokens).sort(),
    ["accessToken", "expiresAt", "scope", "tokenType"],
    "TokenSet members",
  );
  assertEq(tokens.accessToken, `at-${cb.code}`, "accessToken");
  assertEq(tokens.tokenType, "Bearer", "tokenType");
  assertEq(tokens.scope, "openid profile", "scope");
  assert(
    tokens.expiresAt >= before + 3_600_000 && tokens.expiresAt <= Date.now() + 3_600_000,
    `expiresAt ${tokens.expiresAt} is not now + 3600 s`,
  );
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.length, 1, "token requests");
  await checkTokenRequest(reqs[0], { authorizeUrl: url, code: cb.code });
  assertEq(reqs[0].origin, location.origin, "Origin of the token request");
  assertNoTransactions("after success");
  return { tokenRequests: reqs.length, accessToken: tokens.accessToken, code: cb.code };
}

/** Refresh token and lower-case token_type; unknown members dropped; no expires_in → no expiresAt. */
export async function exchangeOptionalFields(base) {
  await fresh(base);
  const run = newRun("opt");
  const c = await client(base, run, { scenario: "ok_with_refresh" });
  const cb = callback(await c.authorizeUrl());
  const before = Date.now();
  const t = await c.handleCallback(cb.href);
  assertEq(t.tokenType, "Bearer", "tokenType normalised from \"bearer\"");
  assertEq(t.refreshToken, `rt-${cb.code}`, "refreshToken");
  assertEq(t.scope, "openid offline_access", "scope");
  assert(t.expiresAt >= before + 300_000 && t.expiresAt <= Date.now() + 300_000, `expiresAt ${t.expiresAt}`);
  assert(!("example_parameter" in t), "an unknown response member was passed on");
  assert(t.idToken === undefined || t.idToken.endsWith(`.${cb.code}`), `idToken ${t.idToken}`);

  const run2 = newRun("min");
  const c2 = await client(base, run2, { scenario: "ok_minimal" });
  const cb2 = callback(await c2.authorizeUrl());
  const t2 = await c2.handleCallback(cb2.href);
  assertEq(Object.keys(t2).sort(), ["accessToken", "tokenType"], "TokenSet members without expires_in/scope");
  assertNoTransactions("after success");
  return { refreshToken: t.refreshToken, code: cb.code };
}

/** appState survives the round trip exactly, and is absent when none was given. */
export async function appStateRoundTrip(base) {
  await fresh(base);
  const run = newRun("app");
  const c = await client(base, run);
  const appState = {
    returnTo: "/orders?id=7&tab=\"x\"#frag",
    nested: { list: [1, 2.5, null, true, "é☃😀"], empty: {} },
    line: "a\nb\u2028c",
  };
  const url = await c.authorizeUrl({ appState });
  assert(!url.includes("orders"), "appState in the authorize URL");
  const t = await c.handleCallback(callback(url).href);
  assertEq(t.appState, appState, "appState");
  const t2 = await c.handleCallback(callback(await c.authorizeUrl()).href);
  assert(!("appState" in t2), `appState without one given: ${show(t2.appState)}`);
  for (const scalar of ["just a string", 0, false, null]) {
    const t3 = await c.handleCallback(callback(await c.authorizeUrl({ appState: scalar })).href);
    assertEq(t3.appState, scalar, `appState ${show(scalar)}`);
  }
  await expectError(c.authorizeUrl({ appState: { big: 1n } }), "invalid_config", "appState with a BigInt");
  assertNoTransactions("after the appState logins");
  return { returnTo: t.appState.returnTo };
}

// One failing token response: the error, exactly one request, nothing left.
async function failingExchange(base, scenario, code) {
  await fresh(base);
  const run = newRun(scenario);
  const c = await client(base, run, { scenario });
  const url = await c.authorizeUrl();
  const cb = callback(url);
  const e = await expectError(c.handleCallback(cb.href), code, `token endpoint scenario ${scenario}`);
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.length, 1, `${scenario}: token requests (no retry, no redirect followed)`);
  await checkTokenRequest(reqs[0], { authorizeUrl: url, code: cb.code });
  assertNoTransactions(scenario);
  // The failed code cannot be tried again.
  await expectError(c.handleCallback(cb.href), "no_transaction", `${scenario}: the same callback again`);
  assertEq((await tokenRequests(base, run)).length, 1, `${scenario}: token requests after a second try`);
  return e;
}

/** TK-02/TK-03: 400 with an OAuth error body → token_error with error, errorDescription, errorUri, status. */
export async function exchangeOAuthError(base) {
  const e = await failingExchange(base, "oauth_error", "token_error");
  assertEq(e.error, "invalid_grant", "error");
  assertEq(e.errorDescription, "The authorization code has expired", "errorDescription");
  assertEq(e.errorUri, "https://as.example/errors/invalid_grant", "errorUri");
  assertEq(e.status, 400, "status");
  const e401 = await failingExchange(base, "oauth_error_401", "token_error");
  assertEq([e401.error, e401.status], ["invalid_client", 401], "401 error and status");
  return { error: e.error, status: e.status };
}

/** TK-04: 500 with an HTML body → invalid_token_response with status, no OAuth fields. */
export async function exchangeHtml500(base) {
  const e = await failingExchange(base, "html_500", "invalid_token_response");
  assertEq(e.status, 500, "status");
  assert(!("error" in e), `error member on a non-OAuth failure: ${e.error}`);
  return { status: e.status };
}

/** TK-05: 200 with an HTML body (captive portal) → invalid_token_response. */
export async function exchangeHtml200(base) {
  const e = await failingExchange(base, "html_200", "invalid_token_response");
  assertEq(e.status, 200, "status");
  return { status: e.status };
}

/** 500 / 503 without an OAuth error body → invalid_token_response with the status. */
export async function exchangeStatus500(base) {
  const e = await failingExchange(base, "status_500", "invalid_token_response");
  assertEq(e.status, 500, "status");
  const e503 = await failingExchange(base, "status_503", "invalid_token_response");
  assertEq(e503.status, 503, "status");
  return { status: e.status };
}

/** TK-05/TK-07/TK-10: invalid JSON, an error object with 200, an unsupported token_type. */
export async function exchangeNotAToken(base) {
  await failingExchange(base, "not_json", "invalid_token_response");
  await failingExchange(base, "oauth_error_200", "invalid_token_response");
  const e = await failingExchange(base, "unsupported_token_type", "invalid_token_response");
  assertEq(e.field, "token_type", "field");
  return { field: e.field };
}

/** TK-21: 302/307 from the token endpoint is not followed: invalid_token_response, one request only. */
export async function exchangeRedirectNotFollowed(base) {
  for (const s of ["redirect_302", "redirect_307"]) {
    await failingExchange(base, s, "invalid_token_response");
  }
  return { followed: 0 };
}

/** NW-01/NW-02: fetch rejects (injected; a closed port; no CORS) → network_error; no retry; nothing left. */
export async function exchangeNetworkError(base) {
  await fresh(base);
  const run = newRun("net");
  const failing = recordingFetch(() => Promise.reject(new TypeError("Failed to fetch")));
  const c = await client(base, run, { fetch: failing });
  const url = await c.authorizeUrl();
  const cb = callback(url);
  const e = await expectError(c.handleCallback(cb.href), "network_error", "injected fetch rejecting");
  assertEq(failing.calls.length, 1, "injected fetch calls (no retry)");
  const verifier = new URLSearchParams(failing.calls[0].init.body).get("code_verifier");
  for (const secret of [verifier, cb.code]) {
    assert(!e.message.includes(secret) && !String(e.stack).includes(secret), "a secret in the error");
  }
  assertNoTransactions("after a network error");

  // A port nothing listens on: connection refused.
  const { port } = await (await fetch(`${base}/closed-port`)).json();
  const closed = await client(base, run, { tokenEndpoint: `http://127.0.0.1:${port}/token` });
  await expectError(closed.handleCallback(callback(await closed.authorizeUrl()).href), "network_error", "closed port");
  assertNoTransactions("after the closed port");

  // Answered, but without CORS headers: the browser hides it.
  await failingExchange(base, "no_cors", "network_error");
  return { fetchCalls: failing.calls.length };
}

/** An injected fetch gets the token request (and only it) with the documented init; a Response or a plain ResponseLike both work. */
export async function injectedFetch(base) {
  await fresh(base);
  const run = newRun("inj");
  const f = recordingFetch((url, init) => {
    const code = new URLSearchParams(init.body).get("code");
    return jsonResponse(200, { access_token: `inj-${code}`, token_type: "Bearer", expires_in: 60 });
  });
  const c = await client(base, run, { fetch: f });
  const url = await c.authorizeUrl();
  const cb = callback(url);
  const tokens = await c.handleCallback(cb.href);
  assertEq(tokens.accessToken, `inj-${cb.code}`, "accessToken");
  assertEq(f.calls.length, 1, "injected fetch calls");
  const { url: target, init } = f.calls[0];
  assertEq(target, config(base, run).tokenEndpoint, "URL passed to fetch");
  assertEq(init.method, "POST", "method");
  assertEq(init.redirect, "manual", "redirect");
  assertEq(init.credentials, "omit", "credentials");
  const headers = new Headers(init.headers);
  assertEq(headers.get("content-type"), "application/x-www-form-urlencoded", "content-type");
  assertEq(headers.get("authorization"), null, "Authorization header");
  const form = new URLSearchParams(init.body);
  await checkTokenRequest(
    {
      method: init.method,
      contentType: headers.get("content-type"),
      repeated: [],
      form: Object.fromEntries(form),
      authorization: null,
      cookie: null,
    },
    { authorizeUrl: url, code: cb.code },
  );
  // Real fetch was not used.
  await assertNoTokenRequest(base, run, "with an injected fetch");

  // A minimal ResponseLike (what a CapacitorHttp adapter returns).
  const plain = recordingFetch(async (u, i) => ({
    status: 200,
    headers: { get: (n) => (n.toLowerCase() === "content-type" ? "application/json; charset=utf-8" : null) },
    text: async () => JSON.stringify({ access_token: "plain", token_type: "Bearer" }),
  }));
  const c2 = await client(base, run, { fetch: plain });
  assertEq((await c2.handleCallback(callback(await c2.authorizeUrl()).href)).accessToken, "plain", "ResponseLike");

  // An OAuth error through the injected fetch.
  const err = recordingFetch(async () => jsonResponse(400, { error: "invalid_grant" }));
  const c3 = await client(base, run, { fetch: err });
  const e = await expectError(c3.handleCallback(callback(await c3.authorizeUrl()).href), "token_error", "injected 400");
  assertEq([e.error, e.status], ["invalid_grant", 400], "error and status");

  // Something that is not a Response.
  for (const [what, value] of [["undefined", undefined], ["a string", "ok"], ["{}", {}]]) {
    const odd = recordingFetch(async () => value);
    const c4 = await client(base, run, { fetch: odd });
    await expectError(c4.handleCallback(callback(await c4.authorizeUrl()).href), "invalid_token_response", `fetch resolving ${what}`);
  }
  assertNoTransactions("after the injected-fetch logins");
  return { fetchCalls: f.calls.length };
}

// ---------------------------------------------------------------- callback

/** CB-13: the same callback handled twice: the second is no_transaction, exactly one token request, the first result intact. */
export async function replaySameCallback(base) {
  await fresh(base);
  const run = newRun("replay");
  const c = await client(base, run);
  const cb = callback(await c.authorizeUrl());
  const first = await c.handleCallback(cb.href);
  await expectError(c.handleCallback(cb.href), "no_transaction", "the same callback again");
  // Another client instance (a second PkceClient on the page) as well.
  const other = await client(base, run);
  await expectError(other.handleCallback(cb.href), "no_transaction", "the same callback in another client");
  assertEq(first.accessToken, `at-${cb.code}`, "the first result");
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.length, 1, "token requests");
  assertNoTransactions("after the replay");
  return { tokenRequests: reqs.length };
}

/** CB-14: two handleCallback calls in the same tick (sessionStorage and a Promise StorageLike): exactly one request. */
export async function sameTickDoubleDelivery(base) {
  await fresh(base);
  const out = {};
  for (const kind of ["sessionStorage", "async StorageLike"]) {
    const run = newRun("tick");
    const storage = kind === "sessionStorage" ? undefined : asyncStorage();
    // A slow token endpoint keeps the first exchange in flight while the second runs.
    const c = await client(base, run, { delay: 300, ...(storage ? { storage } : {}) });
    const cb = callback(await c.authorizeUrl());
    const settled = await Promise.allSettled([c.handleCallback(cb.href), c.handleCallback(cb.href)]);
    const ok = settled.filter((s) => s.status === "fulfilled");
    const bad = settled.filter((s) => s.status === "rejected");
    assertEq(ok.length, 1, `${kind}: fulfilled handleCallback calls`);
    assertEq(ok[0].value.accessToken, `at-${cb.code}`, `${kind}: accessToken`);
    assertEq(bad[0].reason?.code, "no_transaction", `${kind}: the other call's error code`);
    const reqs = await tokenRequests(base, run);
    assertEq(reqs.length, 1, `${kind}: token requests`);
    out[kind] = reqs.length;
    if (storage) assertEq(mapTxKeys(storage.map), [], `${kind}: keys left`);
  }
  assertNoTransactions("after the double deliveries");
  return { tokenRequests: out.sessionStorage + out["async StorageLike"] };
}

/** Two logins pending at once complete in either order, each with its own verifier; also with the answers arriving in reverse order. */
export async function interleavedLogins(base, order) {
  await fresh(base);
  const run = newRun(`inter-${order}`);
  const c = await client(base, run);
  // "concurrent": A's answer is held back (a token endpoint with a delay) so
  // B's exchange completes first. A transaction is bound to the token
  // endpoint it was made for, so A is started by the slow client too.
  const slow = order === "concurrent" ? await client(base, run, { delay: 400 }) : c;
  const a = await slow.authorizeUrl({ appState: "A" });
  const b = await c.authorizeUrl({ appState: "B" });
  assert(param(a, "state") !== param(b, "state"), "both logins got the same state");
  assert(param(a, "code_challenge") !== param(b, "code_challenge"), "both logins got the same challenge");
  assertEq(txKeys().length, 2, "pending transactions");
  const cbs = { a: callback(a), b: callback(b) };
  const urls = { a, b };
  const results = {};
  if (order === "concurrent") {
    const [ta, tb] = await Promise.all([slow.handleCallback(cbs.a.href), c.handleCallback(cbs.b.href)]);
    Object.assign(results, { a: ta, b: tb });
  } else {
    for (const k of order) results[k] = await c.handleCallback(cbs[k].href);
  }
  for (const k of ["a", "b"]) {
    assertEq(results[k].accessToken, `at-${cbs[k].code}`, `login ${k} accessToken`);
    assertEq(results[k].appState, k.toUpperCase(), `login ${k} appState`);
  }
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.length, 2, "token requests");
  for (const req of reqs) {
    const k = req.form.code === cbs.a.code ? "a" : "b";
    await checkTokenRequest(req, { authorizeUrl: urls[k], code: cbs[k].code });
  }
  assertNoTransactions("after both logins");
  return { tokenRequests: reqs.length, first: reqs[0].form.code === cbs.a.code ? "a" : "b" };
}

/** CB-31: handleCallback() on the page's own URL removes code/state/iss from the address bar (replaceState, no new entry), keeps the rest. */
export async function addressBarCleaned(base) {
  await fresh(base);
  const run = newRun("bar");
  const original = location.href;
  const here = location.origin + location.pathname;
  const c = await client(base, run, { redirectUri: here, issuer: ISSUER });
  const out = {};
  try {
    const url = await c.authorizeUrl();
    const cb = callback(url, { iss: ISSUER, session_state: "s1", keep: "1" });
    const length = history.length;
    history.replaceState(history.state, "", cb.href);
    assert(c.isCallback(), "isCallback() on the callback page");
    const tokens = await c.handleCallback();
    assertEq(tokens.accessToken, `at-${cb.code}`, "accessToken");
    assertEq(location.search, "?keep=1", "the query after the callback");
    assert(!location.href.includes(cb.code), "the code is still in the address bar");
    assertEq(history.length, length, "history entries added");
    assert(!c.isCallback(), "isCallback() after cleaning");
    out.search = location.search;

    // An error callback is cleaned as well.
    const url2 = await c.authorizeUrl();
    const cb2 = callback(url2, { code: null, error: "access_denied", iss: ISSUER });
    history.replaceState(history.state, "", cb2.href);
    await expectError(c.handleCallback(), "authorization_error", "error callback on the page");
    assertEq(location.search, "", "the query after an error callback");
    const reqs = await tokenRequests(base, run);
    assertEq(reqs.length, 1, "token requests");
    await checkTokenRequest(reqs[0], { authorizeUrl: url, code: cb.code, redirectUri: here });
  } finally {
    history.replaceState(history.state, "", original);
  }
  assertNoTransactions("after the address-bar callbacks");
  return out;
}

/** CB-02: an error callback with an unknown state is no_transaction, not an authorization error, and cancels nothing. */
export async function forgedErrorUnknownState(base) {
  await fresh(base);
  const run = newRun("cb02");
  const c = await client(base, run);
  const url = await c.authorizeUrl();
  const pending = txKeys();
  const forged = callback(url, { code: null, error: "server_error", state: "forged-state-value" });
  const e = await expectError(c.handleCallback(forged.href), "no_transaction", "error callback with unknown state");
  assert(!("error" in e), `the forged error was attributed to the server: ${e.error}`);
  assertEq(txKeys(), pending, "pending transactions after the forged error");
  const cb = callback(url);
  assertEq((await c.handleCallback(cb.href)).accessToken, `at-${cb.code}`, "the real callback afterwards");
  return { tokenRequests: (await tokenRequests(base, run)).length };
}

/** CB-15/CB-17 with issuer set: a wrong iss is issuer_mismatch, zero requests, and the transaction is gone. */
export async function issuerMismatch(base) {
  await fresh(base);
  const run = newRun("iss");
  const c = await client(base, run, { issuer: ISSUER });
  const wrong = ["https://evil.example", `${ISSUER}/`, ISSUER.toUpperCase(), encodeURIComponent(ISSUER)];
  for (const iss of wrong) {
    const url = await c.authorizeUrl();
    const cb = callback(url, { iss });
    await expectError(c.handleCallback(cb.href), "issuer_mismatch", `iss=${iss}`);
    assertNoTransactions(`iss=${iss}`);
    // The real response arriving afterwards finds nothing to complete.
    await expectError(c.handleCallback(callback(url, { iss: ISSUER }).href), "no_transaction", `after iss=${iss}`);
  }
  // An error response with a wrong iss is not attributed to the server (CB-03).
  const url = await c.authorizeUrl();
  await expectError(
    c.handleCallback(callback(url, { code: null, error: "access_denied", iss: "https://evil.example" }).href),
    "issuer_mismatch",
    "error response with a wrong iss",
  );
  assertNoTransactions("error response with a wrong iss");
  await assertNoTokenRequest(base, run, "wrong iss");
  // Positive controls: the right iss, and no iss (the issuer did not promise one).
  for (const iss of [ISSUER, null]) {
    const cb = callback(await c.authorizeUrl(), { iss });
    assertEq((await c.handleCallback(cb.href)).accessToken, `at-${cb.code}`, `iss=${iss}`);
  }
  return { mismatches: wrong.length + 1, tokenRequests: (await tokenRequests(base, run)).length };
}

/** CB-01/CB-04/CB-06/CB-12/CB-22: refused callbacks for a real state send nothing and end the transaction. */
export async function refusedCallbacks(base) {
  await fresh(base);
  const run = newRun("refused");
  const c = await client(base, run);
  const cases = [
    [
      "error=access_denied",
      { code: null, error: "access_denied", error_description: "<img src=x onerror=alert(1)>", error_uri: "javascript:alert(1)" },
      "authorization_error",
      (e) => {
        assertEq(e.error, "access_denied", "error");
        assertEq(e.errorDescription, "<img src=x onerror=alert(1)>", "errorDescription (as text)");
        assert(!("errorUri" in e), `a javascript: errorUri was passed on: ${e.errorUri}`);
      },
    ],
    ["no code and no error", { code: null }, "invalid_callback"],
    ["empty code", { code: "" }, "invalid_callback"],
    ["access_token in the callback", { access_token: "injected" }, "invalid_callback"],
    ["id_token in the callback", { id_token: "a.b.c" }, "invalid_callback"],
  ];
  for (const [what, params, code, check] of cases) {
    const url = await c.authorizeUrl();
    const e = await expectError(c.handleCallback(callback(url, params).href), code, what);
    check?.(e);
    assertNoTransactions(what);
  }
  // Repeated parameters: refused; with one state, that transaction ends.
  const url = await c.authorizeUrl();
  const state = param(url, "state");
  const redirect = param(url, "redirect_uri");
  await expectError(c.handleCallback(`${redirect}?code=x&code=y&state=${state}`), "invalid_callback", "code twice");
  assertNoTransactions("code twice");
  // Two states name no single transaction, so a forged one cannot cancel a real login.
  const url2 = await c.authorizeUrl();
  const s2 = param(url2, "state");
  await expectError(c.handleCallback(`${redirect}?code=x&state=${s2}&state=${s2}`), "invalid_callback", "state twice");
  await assertNoTokenRequest(base, run, "refused callbacks");
  clearTx();
  return { cases: cases.length + 2 };
}

/** isCallback: only this redirectUri with code or error. */
export async function isCallbackChecks(base) {
  await fresh(base);
  const c = await client(base, newRun("is"));
  const yes = [`${REDIRECT}?code=a&state=b`, `${REDIRECT}?error=access_denied&state=b`, `${REDIRECT}?state=b&code=a&iss=x`];
  const no = [
    `${REDIRECT}`,
    `${REDIRECT}?state=b`,
    `${REDIRECT}?code=&state=b`,
    `${REDIRECT}#code=a&state=b`,
    "https://app.example/other?code=a&state=b",
    "https://app.example:8443/callback?code=a&state=b",
    "http://app.example/callback?code=a&state=b",
    "not a url",
  ];
  for (const h of yes) assertEq(c.isCallback(h), true, `isCallback(${h})`);
  for (const h of no) assertEq(c.isCallback(h), false, `isCallback(${h})`);
  assertEq(c.isCallback(42), false, "isCallback(42)");
  return { checked: yes.length + no.length + 1 };
}

/** login(): saves the transaction, then navigates to the authorize URL (answered 204, so the page stays). */
export async function loginNavigates(base) {
  await fresh(base);
  const run = newRun("login");
  const c = await client(base, run);
  await c.login({ appState: "L" });
  let nav = [];
  for (let i = 0; i < 40 && nav.length === 0; i++) {
    await sleep(100);
    nav = (await recorded(base, run)).filter((r) => r.path.startsWith("/authorize/"));
  }
  assertEq(nav.length, 1, "navigations to the authorization endpoint");
  const p = nav[0].params;
  assertEq(p.run, run, "the endpoint's own query is kept");
  assertEq(p.response_type, "code", "response_type");
  assertEq(p.client_id, CLIENT_ID, "client_id");
  assertEq(p.redirect_uri, REDIRECT, "redirect_uri");
  assertEq(p.code_challenge_method, "S256", "code_challenge_method");
  assertEq(txKeys(), [PREFIX + p.state], "the transaction of the navigation");
  const record = JSON.parse(sessionStorage.getItem(PREFIX + p.state));
  assertEq(await s256(record.verifier), p.code_challenge, "S256(stored verifier) vs code_challenge");
  clearTx();
  return { navigations: nav.length };
}

// ---------------------------------------------------------------- errors

function shape(e) {
  return {
    isError: e instanceof Error,
    name: e.name,
    code: e.code,
    message: e.message,
    tag: Object.prototype.toString.call(e),
    string: String(e),
    stack: typeof e.stack === "string",
    own: Object.keys(e).sort(),
  };
}

function checkShape(e, code, what, PkceError) {
  assert(e instanceof PkceError, `${what}: not instanceof PkceError`);
  assert(e instanceof Error, `${what}: not instanceof Error`);
  assertEq(e.name, "PkceError", `${what}: name`);
  assertEq(e.code, code, `${what}: code`);
  assert(typeof e.message === "string" && e.message.length > 0, `${what}: message ${show(e.message)}`);
  assertEq(Object.prototype.toString.call(e), "[object Error]", `${what}: toString tag`);
  assert(String(e).startsWith("PkceError: "), `${what}: String(e) = ${String(e)}`);
  assert(typeof e.stack === "string", `${what}: stack`);
}

/** PkceError as JS sees it, for errors raised in the wasm module and in the wrapper alike. */
export async function pkceErrorShape(base) {
  await fresh(base);
  const { PkceError, PkceClient } = await load(base);
  const run = newRun("shape");
  const got = {};
  const catchSync = (f) => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new ExpectationFailed("expected a throw");
  };

  // From the module (Rust): invalid_config with field.
  const cfg = catchSync(() => new PkceClient(config(base, run, { tokenEndpoint: "http://as.example/token" })));
  checkShape(cfg, "invalid_config", "http token endpoint", PkceError);
  assertEq(cfg.field, "tokenEndpoint", "field");
  for (const k of ["error", "errorDescription", "errorUri", "status"]) assert(!(k in cfg), `unexpected member ${k}`);
  got.invalid_config = shape(cfg);

  // From the wrapper (JS): unknown option, client secret.
  const unknown = catchSync(() => new PkceClient({ ...config(base, run), clientSecret: "s" }));
  checkShape(unknown, "invalid_config", "clientSecret", PkceError);
  assertEq(unknown.field, "clientSecret", "field");
  for (const [over, field] of [
    [{ redirectUri: "https://app.example/cb#frag" }, "redirectUri"],
    [{ clientId: "" }, "clientId"],
    [{ authorizationEndpoint: "javascript:alert(1)" }, "authorizationEndpoint"],
    [{ transactionTtlSeconds: 0 }, "transactionTtlSeconds"],
    [{ extraAuthParams: { state: "fixed" } }, "extraAuthParams"],
  ]) {
    const e = catchSync(() => new PkceClient(config(base, run, over)));
    checkShape(e, "invalid_config", show(over), PkceError);
    assertEq(e.field, field, `field for ${show(over)}`);
  }

  // With the OAuth members: token_error.
  const c = await client(base, run, { scenario: "oauth_error" });
  const url = await c.authorizeUrl();
  const cb = callback(url);
  const tok = await expectError(c.handleCallback(cb.href), "token_error", "token_error");
  checkShape(tok, "token_error", "token_error", PkceError);
  assertEq(
    [tok.error, tok.errorDescription, tok.errorUri, tok.status],
    ["invalid_grant", "The authorization code has expired", "https://as.example/errors/invalid_grant", 400],
    "token_error members",
  );
  const verifier = (await tokenRequests(base, run))[0].form.code_verifier;
  for (const secret of [verifier, cb.code]) {
    assert(!show(shape(tok)).includes(secret) && !tok.stack.includes(secret), "a secret in the token_error");
  }
  got.token_error = shape(tok);

  // From the wrapper, with a cause: storage_unavailable.
  const st = await expectError(
    (await client(base, run, { storage: asyncStorage({ failOn: "setItem" }) })).authorizeUrl(),
    "storage_unavailable",
    "storage_unavailable",
  );
  checkShape(st, "storage_unavailable", "storage_unavailable", PkceError);
  assertEq(st.cause?.name, "QuotaExceededError", "cause");

  // Rejected Promises carry the same object (no wrapping).
  const rejected = await c.handleCallback(cb.href).catch((e) => e);
  checkShape(rejected, "no_transaction", "no_transaction", PkceError);
  // PkceError can be constructed by apps (tests, adapters) too.
  const own = new PkceError("network_error", "offline", { status: 0 });
  checkShape(own, "network_error", "constructed", PkceError);
  assertEq(own.status, 0, "status 0 kept");
  assertNoTransactions("after the error-shape checks");
  return { error: tok, codes: Object.keys(got).join(",") };
}

/** new PkceClient before init(): not_initialized (a second copy of the wrapper, not yet initialised). */
export async function notInitialized(base) {
  const { PkceError } = await load(base);
  const copy = await import(`${base}/js/index.js?copy=${Date.now()}`);
  let e;
  try {
    new copy.PkceClient(config(base, newRun("noinit")));
  } catch (err) {
    e = err;
  }
  assert(e, "new PkceClient before init() did not throw");
  checkShape(e, "not_initialized", "before init()", PkceError);
  assert(e instanceof copy.PkceError, "instanceof the copy's PkceError");
  await copy.default();
  new copy.PkceClient(config(base, newRun("init")));
  return { code: e.code };
}

/** crypto.getRandomValues failing: crypto_unavailable, no URL, nothing stored (fail closed, no weak fallback). */
export async function cryptoUnavailable(base) {
  await fresh(base);
  const c = await client(base, newRun("crypto"));
  const { PkceError } = await lib;
  Object.defineProperty(crypto, "getRandomValues", {
    configurable: true,
    value: () => {
      throw new DOMException("getRandomValues is disabled", "NotSupportedError");
    },
  });
  let e;
  try {
    e = await expectError(c.authorizeUrl(), "crypto_unavailable", "authorizeUrl without getRandomValues");
  } finally {
    delete crypto.getRandomValues;
  }
  checkShape(e, "crypto_unavailable", "crypto_unavailable", PkceError);
  assertNoTransactions("without getRandomValues");
  // Works again once it is back.
  await c.authorizeUrl();
  clearTx();
  return { code: e.code };
}

// ---------------------------------------------------------------- binding

/**
 * RFC 9700 §4.4: two clients sharing one redirect URI. A callback whose
 * transaction the other client made is no_transaction for this one, sends
 * nothing anywhere, and leaves that transaction for the client that made it.
 */
export async function otherClientsTransaction(base) {
  await fresh(base);
  const run = newRun("bind-client");
  const a = await client(base, run);
  const b = await client(base, run, { clientId: "another-client" });
  const url = await a.authorizeUrl();
  const key = PREFIX + param(url, "state");
  const cb = callback(url);
  await expectError(b.handleCallback(cb.href), "no_transaction", "client B with client A's callback");
  await assertNoTokenRequest(base, run, "client B with client A's callback");
  assertEq(txKeys(), [key], "client A's transaction after client B refused the callback");
  const tokens = await a.handleCallback(cb.href);
  assertEq(tokens.accessToken, `at-${cb.code}`, "client A completes its own login");
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.length, 1, "token requests");
  await checkTokenRequest(reqs[0], { authorizeUrl: url, code: cb.code });
  assertNoTransactions("after client A completed");
  return { tokenRequests: reqs.length };
}

/**
 * Two providers without `issuer` (no RFC 9207 check possible) sharing one
 * redirect URI and client id: the code and verifier never go to the other
 * provider's token endpoint.
 */
export async function otherProvidersTransaction(base) {
  await fresh(base);
  const run = newRun("bind-provider");
  const a = await client(base, run);
  const b = await client(base, run, {
    scenario: "ok_minimal",
    authorizationEndpoint: `${base}/authorize/ok?run=${run}&provider=b`,
  });
  const url = await a.authorizeUrl();
  const cb = callback(url);
  await expectError(b.handleCallback(cb.href), "no_transaction", "provider B's client with provider A's callback");
  await assertNoTokenRequest(base, run, "provider B's client with provider A's callback");
  assertEq(txKeys(), [PREFIX + param(url, "state")], "provider A's transaction after provider B's client refused it");
  // And the other way round: B's login is not redeemed at A's endpoint.
  const urlB = await b.authorizeUrl();
  const cbB = callback(urlB);
  await expectError(a.handleCallback(cbB.href), "no_transaction", "provider A's client with provider B's callback");
  await assertNoTokenRequest(base, run, "provider A's client with provider B's callback");
  assertEq((await a.handleCallback(cb.href)).accessToken, `at-${cb.code}`, "provider A's login completes at A");
  assertEq((await b.handleCallback(cbB.href)).accessToken, `at-${cbB.code}`, "provider B's login completes at B");
  const reqs = await tokenRequests(base, run);
  assertEq(
    reqs.map((r) => [r.path, r.form.code]),
    [
      ["/token/ok", cb.code],
      ["/token/ok_minimal", cbB.code],
    ],
    "each code went to its own provider's token endpoint, once",
  );
  assertNoTransactions("after both logins completed");
  return { tokenRequests: reqs.length };
}

/**
 * Two providers with issuers: provider A's callback (with A's `iss`) handed to
 * provider B's client is issuer_mismatch there, and provider A's transaction
 * survives it.
 */
export async function otherIssuersTransaction(base) {
  await fresh(base);
  const run = newRun("bind-issuer");
  const a = await client(base, run, { issuer: ISSUER });
  const b = await client(base, run, { issuer: "https://other-issuer.example", scenario: "ok_minimal" });
  const url = await a.authorizeUrl();
  const cb = callback(url, { iss: ISSUER });
  await expectError(b.handleCallback(cb.href), "issuer_mismatch", "provider B's client with provider A's callback");
  await assertNoTokenRequest(base, run, "provider B's client with provider A's callback");
  assertEq(txKeys(), [PREFIX + param(url, "state")], "provider A's transaction after provider B refused its callback");
  assertEq((await a.handleCallback(cb.href)).accessToken, `at-${cb.code}`, "provider A's login completes");
  const reqs = await tokenRequests(base, run);
  assertEq(reqs.map((r) => r.path), ["/token/ok"], "token requests");
  assertNoTransactions("after provider A's login completed");
  return { tokenRequests: reqs.length };
}

// ---------------------------------------------------------------- DPoP and PAR

const b64urlDecode = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** A DPoP proof taken apart, its signature checked with the key in its header. */
async function readProof(proof, what) {
  assert(typeof proof === "string", `${what}: no DPoP header`);
  const [h, p, sig] = proof.split(".");
  const header = JSON.parse(new TextDecoder().decode(b64urlDecode(h)));
  const claims = JSON.parse(new TextDecoder().decode(b64urlDecode(p)));
  assertEq([header.typ, header.alg, header.jwk?.kty, header.jwk?.crv], ["dpop+jwt", "ES256", "EC", "P-256"], `${what}: header`);
  assertEq(header.jwk.d, undefined, `${what}: private part in the header's JWK`);
  const key = await crypto.subtle.importKey("jwk", header.jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const ok = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, b64urlDecode(sig), new TextEncoder().encode(`${h}.${p}`));
  assert(ok, `${what}: the proof's signature does not verify with its own key`);
  const canonical = JSON.stringify({ crv: header.jwk.crv, kty: header.jwk.kty, x: header.jwk.x, y: header.jwk.y });
  const jkt = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical))));
  return { header, claims, jkt };
}

const withHeaders = (status, body, headers) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function idbGet(id) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("pkce-wasm", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("dpop-keys");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const req = open.result.transaction("dpop-keys").objectStore("dpop-keys").get(id);
      req.onsuccess = () => (open.result.close(), resolve(req.result));
      req.onerror = () => reject(req.error);
    };
  });
}

/** TK-19, ST-13: dpop_jkt is the proof key's thumbprint; one use_dpop_nonce retry carrying the nonce; a DPoP token; the login's key leaves IndexedDB. */
export async function dpopExchangeWithNonce(base) {
  await fresh(base);
  const run = newRun("dpop");
  let n = 0;
  const f = recordingFetch(() =>
    ++n === 1
      ? withHeaders(400, { error: "use_dpop_nonce" }, { "dpop-nonce": "nonce-1" })
      : withHeaders(200, { access_token: "at-dpop", token_type: "DPoP", expires_in: 60 }, { "dpop-nonce": "nonce-2" }),
  );
  const c = await client(base, run, { fetch: f, dpop: true });
  const url = await c.authorizeUrl();
  const state = param(url, "state");
  assert(await idbGet(`${PREFIX}${state}`), "the login's key pair is not in IndexedDB before the callback");
  const tokens = await c.handleCallback(callback(url).href);
  assertEq([tokens.tokenType, tokens.accessToken], ["DPoP", "at-dpop"], "token type and token");
  assertEq(f.calls.length, 2, "token requests (one retry)");
  const first = await readProof(f.calls[0].init.headers.dpop, "first proof");
  const second = await readProof(f.calls[1].init.headers.dpop, "second proof");
  const endpoint = config(base, run).tokenEndpoint;
  assertEq([first.claims.htm, first.claims.htu], ["POST", endpoint.split("?")[0]], "htm, htu (no query)");
  assertEq(first.claims.nonce, undefined, "nonce in the first proof");
  assertEq(second.claims.nonce, "nonce-1", "nonce in the retry");
  assert(first.claims.jti !== second.claims.jti, "jti reused");
  assert(Math.abs(first.claims.iat - Date.now() / 1000) < 60, "iat");
  assertEq(first.jkt, second.jkt, "the same key for both proofs");
  assertEq(param(url, "dpop_jkt"), first.jkt, "dpop_jkt vs the proof key's thumbprint");
  assertEq(await idbGet(`${PREFIX}${state}`), undefined, "the login's key left in IndexedDB");
  assertEq(await idbGet(`pkce-wasm.dpop.${CLIENT_ID}`), undefined, "a memory-only session's key written to IndexedDB");
  assertNoTransactions("after the DPoP exchange");

  // client.fetch: DPoP scheme, ath, htm/htu of the request, the resource
  // server's own nonce retried once.
  const api = [];
  const pageFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    api.push({ input: String(input), init });
    return api.length === 1
      ? new Response("", { status: 401, headers: { "www-authenticate": 'DPoP error="use_dpop_nonce"', "dpop-nonce": "rs-1" } })
      : new Response("ok", { status: 200 });
  };
  let res;
  try {
    res = await c.fetch("https://rs.example/orders?page=2#top", { method: "post", body: "x" });
  } finally {
    globalThis.fetch = pageFetch;
  }
  assertEq(res.status, 200, "API answer after the nonce retry");
  assertEq(api.length, 2, "API requests");
  const h = new Headers(api[1].init.headers);
  assertEq(h.get("authorization"), "DPoP at-dpop", "Authorization scheme");
  const rs1 = await readProof(new Headers(api[0].init.headers).get("dpop"), "API proof");
  const rs2 = await readProof(h.get("dpop"), "API retry proof");
  assertEq([rs1.claims.htm, rs1.claims.htu], ["POST", "https://rs.example/orders"], "API htm, htu");
  assertEq(rs1.claims.ath, b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("at-dpop")))), "ath");
  assertEq([rs1.claims.nonce, rs2.claims.nonce], [undefined, "rs-1"], "API nonces");
  assertEq(rs1.jkt, first.jkt, "the session's key signs API proofs");
  // A URL object and a Request: their own URL and method are signed.
  const seen = [];
  globalThis.fetch = async (input, init) => (seen.push(new Headers(init.headers).get("dpop")), new Response("ok"));
  try {
    await c.fetch(new URL("https://rs.example/a?b=1"));
    await c.fetch(new Request("https://rs.example/r#x", { method: "PUT" }));
    await c.fetch("/relative/path?q");
  } finally {
    globalThis.fetch = pageFetch;
  }
  const targets = [];
  for (const p of seen) {
    const { claims } = await readProof(p, "API proof");
    targets.push(`${claims.htm} ${claims.htu}`);
  }
  assertEq(
    targets,
    ["GET https://rs.example/a", "PUT https://rs.example/r", `GET ${location.origin}/relative/path`],
    "htm and htu of a URL object, a Request and a relative URL",
  );
  return { calls: f.calls.length };
}

/** TK-19 (no loop), TK-20 (nonce not readable), TK-12: each refused with its code after at most two requests; nothing kept. */
export async function dpopRefusals(base) {
  await fresh(base);
  const run = newRun("dpop-no");
  const twice = recordingFetch(() => withHeaders(400, { error: "use_dpop_nonce" }, { "dpop-nonce": "again" }));
  const c1 = await client(base, run, { fetch: twice, dpop: true });
  await expectError(c1.handleCallback(callback(await c1.authorizeUrl()).href), "dpop_error", "use_dpop_nonce twice");
  assertEq(twice.calls.length, 2, "requests for use_dpop_nonce twice");

  const hidden = recordingFetch(() => withHeaders(400, { error: "use_dpop_nonce" }, {}));
  const c2 = await client(base, run, { fetch: hidden, dpop: true });
  await expectError(c2.handleCallback(callback(await c2.authorizeUrl()).href), "dpop_error", "no DPoP-Nonce header");
  assertEq(hidden.calls.length, 1, "requests without a nonce header");

  const bearer = recordingFetch(() => jsonResponse(200, { access_token: "at-b", token_type: "Bearer" }));
  const c3 = await client(base, run, { fetch: bearer, dpop: true });
  const e = await expectError(c3.handleCallback(callback(await c3.authorizeUrl()).href), "invalid_token_response", "Bearer with DPoP on");
  assertEq(e.field, "token_type", "field");
  assertEq(await c3.getSession(), null, "session kept from a refused answer");
  const c4 = await client(base, run, { fetch: bearer, dpop: { allowBearer: true } });
  const t = await c4.handleCallback(callback(await c4.authorizeUrl()).href);
  assertEq(t.tokenType, "Bearer", "allowBearer: the downgrade is visible");
  // Without DPoP, a DPoP token is one the client could not use.
  const bound = recordingFetch(() => jsonResponse(200, { access_token: "at-d", token_type: "DPoP" }));
  const c5 = await client(base, run, { fetch: bound });
  await expectError(c5.handleCallback(callback(await c5.authorizeUrl()).href), "invalid_token_response", "DPoP token without dpop");
  // A refused callback ends its login, key included.
  const c6 = await client(base, run, { fetch: bound, dpop: true });
  const denied = await c6.authorizeUrl();
  const deniedKey = `${PREFIX}${param(denied, "state")}`;
  assert(await idbGet(deniedKey), "the login's key before the callback");
  await expectError(c6.handleCallback(callback(denied, { code: null, error: "access_denied" }).href), "authorization_error", "denied");
  assertEq(await idbGet(deniedKey), undefined, "the key of a refused login");
  // An expired login's key goes with it when the next login sweeps.
  const stale = await c6.authorizeUrl();
  const staleKey = `${PREFIX}${param(stale, "state")}`;
  const record = JSON.parse(sessionStorage.getItem(staleKey));
  sessionStorage.setItem(staleKey, JSON.stringify({ ...record, createdAt: Date.now() - 3_600_000 }));
  const fresh2 = await c6.authorizeUrl();
  await sleep(100); // the sweep removes keys in the background
  assertEq(await idbGet(staleKey), undefined, "the key of a swept login");
  assert(await idbGet(`${PREFIX}${param(fresh2, "state")}`), "the key of the live login");
  assertEq(bound.calls.length, 1, "token requests for the refused and swept logins");
  clearTx();
  assertNoTransactions("after the refusals");
  return { ok: true };
}

/** persistTokens: the session's key is kept in IndexedDB, a new client (a reload) refreshes with the same key, logout deletes it. */
export async function dpopPersistedKey(base) {
  await fresh(base);
  const run = newRun("dpop-keep");
  let n = 0;
  const f = recordingFetch(() => withHeaders(200, { access_token: `at-${++n}`, token_type: "DPoP", expires_in: 3600, refresh_token: `rt-${n}` }, {}));
  const opts = { fetch: f, dpop: true, persistTokens: "sessionStorage" };
  const c = await client(base, run, opts);
  await c.handleCallback(callback(await c.authorizeUrl()).href);
  const login = await readProof(f.calls[0].init.headers.dpop, "login proof");
  const kept = await idbGet(`pkce-wasm.dpop.${CLIENT_ID}`);
  assert(kept?.privateKey, "the session's key pair is not in IndexedDB");
  assertEq(kept.privateKey.extractable, false, "stored private key extractable");
  const reloaded = await client(base, run, opts);
  const t = await reloaded.refresh();
  assertEq(t.accessToken, "at-2", "refreshed token");
  const refresh = await readProof(f.calls[1].init.headers.dpop, "refresh proof");
  assertEq(refresh.jkt, login.jkt, "refresh proof key vs login key");
  assertEq(new URLSearchParams(f.calls[1].init.body).get("grant_type"), "refresh_token", "refresh grant");
  await reloaded.logout({ open: () => {} });
  assertEq(await idbGet(`pkce-wasm.dpop.${CLIENT_ID}`), undefined, "the key after logout");
  sessionStorage.removeItem(`pkce-wasm.session.${CLIENT_ID}`);
  return { ok: true };
}

/** PAR: the parameters go in the push (with a DPoP proof), the URL has client_id and request_uri only; ST-14 refusals store nothing. */
export async function parPush(base) {
  await fresh(base);
  const run = newRun("par");
  const parEndpoint = `${base}/par/ok?run=${run}`;
  const f = recordingFetch((url) =>
    url.startsWith(`${base}/par/`)
      ? jsonResponse(201, { request_uri: "urn:ietf:params:oauth:request_uri:xyz", expires_in: 60 })
      : jsonResponse(200, { access_token: "at-par", token_type: "DPoP" }),
  );
  const c = await client(base, run, { fetch: f, par: true, pushedAuthorizationRequestEndpoint: parEndpoint, dpop: true });
  const url = await c.authorizeUrl({ extraAuthParams: { login_hint: "ann" } });
  const u = new URL(url);
  assertEq([...u.searchParams.keys()].filter((k) => k !== "run").sort(), ["client_id", "request_uri"], "authorize URL parameters");
  assertEq(u.searchParams.get("request_uri"), "urn:ietf:params:oauth:request_uri:xyz", "request_uri");
  assertEq(f.calls.length, 1, "PAR requests");
  assertEq([f.calls[0].url, f.calls[0].init.method], [parEndpoint, "POST"], "PAR request");
  const pushed = new URLSearchParams(f.calls[0].init.body);
  for (const k of ["response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "dpop_jkt", "login_hint"]) {
    assert(pushed.get(k), `PAR body lacks ${k}`);
  }
  const proof = await readProof(f.calls[0].init.headers.dpop, "PAR proof");
  assertEq([proof.claims.htm, proof.claims.htu], ["POST", parEndpoint.split("?")[0]], "PAR htm, htu");
  assertEq(pushed.get("dpop_jkt"), proof.jkt, "dpop_jkt vs the PAR proof key");
  // The callback carries the pushed state.
  const cb = new URL(REDIRECT);
  cb.search = new URLSearchParams({ code: "c-par", state: pushed.get("state") }).toString();
  const t = await c.handleCallback(cb.href);
  assertEq(t.accessToken, "at-par", "token after PAR");
  assertEq(new URLSearchParams(f.calls[1].init.body).get("code_verifier").length, 43, "verifier sent");

  for (const [what, answer, field] of [
    ["200 instead of 201", jsonResponse(200, { request_uri: "urn:x", expires_in: 60 }), undefined],
    ["no request_uri", jsonResponse(201, { expires_in: 60 }), "request_uri"],
    ['expires_in "x"', jsonResponse(201, { request_uri: "urn:x", expires_in: "x" }), "expires_in"],
    ["an OAuth error", jsonResponse(400, { error: "invalid_request", error_description: "no" }), undefined],
  ]) {
    const bad = recordingFetch(async () => answer.clone());
    const cb2 = await client(base, run, { fetch: bad, par: true, pushedAuthorizationRequestEndpoint: parEndpoint, dpop: true });
    const e = await expectError(cb2.authorizeUrl(), "par_error", `PAR ${what}`);
    assertEq(e.field, field, `PAR ${what}: field`);
    assertNoTransactions(`PAR ${what}`);
  }
  // par: true without an endpoint is a configuration error.
  await expectError(client(base, run, { par: true }), "invalid_config", "par without endpoint");
  return { ok: true };
}
