// The package entry point: init() and PkceClient.
//
// The protocol lives in the wasm module (`run`, built from src/): it decides
// what the authorize URL says, whether a callback is acceptable, what a token
// request carries, whether a response, an ID token's header and claims, or
// provider metadata can be used. This file only performs the I/O those
// decisions call for — storage, fetch, WebCrypto signature checks, Web Locks,
// navigation — so the module needs no async runtime. Works unbundled
// (<script type="module">, Cordova) and from bundlers: the glue finds the .wasm
// through import.meta.url.
import initWasm, { run } from "../pkg/pkce_wasm.js";
import { PkceError } from "./error.js";

export { PkceError };

let ready = null;
let initialised = false;

/**
 * Loads and instantiates the WebAssembly module once; later calls return the
 * same Promise. `input` (URL, Response, bytes or WebAssembly.Module) is only
 * needed when the .wasm file is not served next to pkg/pkce_wasm.js.
 */
export default function init(input) {
  ready ??= initWasm(input === undefined ? undefined : { module_or_path: input }).then(
    () => {
      initialised = true;
    },
    (e) => {
      ready = null;
      throw e;
    },
  );
  return ready;
}

// Options passed to the module as form fields, in this order.
const STRING_KEYS = [
  "issuer", "authorizationEndpoint", "tokenEndpoint", "clientId", "redirectUri", "scope",
  "audience", "jwksUri", "revocationEndpoint", "endSessionEndpoint",
];
const CONFIG_KEYS = [
  ...STRING_KEYS, "extraAuthParams", "storage", "fetch", "transactionTtlSeconds", "requireIss",
  "persistTokens",
];
// Response parameters removed from the address bar after a callback.
const RESPONSE_PARAMS = ["code", "state", "iss", "error", "error_description", "error_uri", "session_state"];
// Storage keys of transactions a callback has claimed in this page. Claimed
// synchronously before the first await, so two deliveries of one callback
// (reload race, Android's double deep link) never both reach the token endpoint,
// whatever the storage backend.
const claimed = new Set();
const MAX_BODY = 256 * 1024;
// How long a tab that waited for the refresh lock waits for the other tab's
// new session to reach its copy of localStorage before refreshing itself.
const STORAGE_SETTLE_MS = 1000;
// An access token is refreshed when it has less than this left — or half its
// lifetime, for tokens that live less than two minutes.
const REFRESH_MARGIN_MS = 60_000;
const stillFresh = (s) =>
  s.expiresAt === undefined ||
  s.expiresAt - Date.now() > Math.min(REFRESH_MARGIN_MS, (s.expiresAt - (s.receivedAt ?? 0)) / 2);
// WebCrypto parameters per JWS algorithm: [importKey, verify].
const ALGS = {
  RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
  PS256: [{ name: "RSA-PSS", hash: "SHA-256" }, { name: "RSA-PSS", saltLength: 32 }],
  ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
};

const fail = (code, message, details) => new PkceError(code, message, details);

// Operations of the module's `run` (src/api.rs, `mod op`).
const CHECK = 0, BEGIN = 1, IS_CALLBACK = 3, CALLBACK_KEY = 4, DISCARD_KEY = 5, TOKEN_REQUEST = 6,
  REFRESH_REQUEST = 7, TOKEN_SET = 8, REFRESH_SET = 9, ID_TOKEN = 10, ID_TOKEN_CLAIMS = 11,
  METADATA_URLS = 12, METADATA = 13, IS_STALE = 14, KEY_PREFIX = 15;

// Every call into the module. It answers `+result` or `!failure`, the failure
// being code, message, error, errorDescription, errorUri, field and status on
// separate lines (`failure` in src/api.rs). The one thing that can throw
// through it is crypto.getRandomValues, missing or failing, which only BEGIN
// calls; anything else thrown (a trap) is passed on as it is.
function call(op, config = "", a = "", b = "", n = Date.now()) {
  let r;
  try {
    r = run(op, config, a, b, n);
  } catch (cause) {
    if (op !== BEGIN) throw cause;
    throw fail("crypto_unavailable", "crypto.getRandomValues is unavailable; there is no weak fallback", { cause });
  }
  if (r[0] === "+") return r.slice(1);
  const [code, message, error, errorDescription, errorUri, field, status] = r.slice(1).split("\n");
  throw fail(code, message, {
    error: error || undefined,
    errorDescription: errorDescription || undefined,
    errorUri: errorUri || undefined,
    field: field || undefined,
    status: status ? Number(status) : undefined,
  });
}
const thenable = (v) => v != null && typeof v.then === "function";
const settle = async (v) => (thenable(v) ? await v : v);
const b64bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

// Extra parameters cross into the module form-encoded; it checks the names.
function formParams(obj, field, out = new URLSearchParams(), prefix = "") {
  if (obj == null) return out;
  if (typeof obj !== "object" || Array.isArray(obj)) {
    throw fail("invalid_config", `${field} must be an object of strings`, { field });
  }
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== "string") throw fail("invalid_config", `${field}.${k} must be a string`, { field });
    out.append(prefix + k, v);
  }
  return out;
}

function storageOf(opt, field) {
  if (opt == null || opt === "sessionStorage" || opt === "localStorage") {
    const name = opt ?? "sessionStorage";
    return () => {
      let s;
      try {
        s = globalThis[name]; // throws SecurityError where storage is disabled
      } catch {}
      if (!s) throw fail("storage_unavailable", `${name} is disabled or unavailable in this context`);
      return s;
    };
  }
  if (typeof opt === "object" && ["getItem", "setItem", "removeItem"].every((m) => typeof opt[m] === "function")) {
    return () => opt;
  }
  throw fail(
    "invalid_config",
    `${field} must be "sessionStorage", "localStorage" or an object with getItem/setItem/removeItem`,
    { field },
  );
}

// Runs storage calls; a thrown error or a rejected Promise becomes
// storage_unavailable. Synchronous backends are not awaited between calls, so
// a read and its delete happen in one turn of the event loop.
async function withStorage(getStorage, f) {
  try {
    return await f(getStorage());
  } catch (e) {
    if (e instanceof PkceError) throw e;
    throw fail("storage_unavailable", "the storage refused the operation (quota, disabled or private mode)", { cause: e });
  }
}

function cleanAddressBar(href) {
  try {
    const url = new URL(href);
    for (const p of RESPONSE_PARAMS) url.searchParams.delete(p);
    globalThis.history.replaceState(globalThis.history.state, "", url.href);
  } catch {
    // Not in a page with history (worker, deep link): nothing to clean.
  }
}

class Client {
  #cfg; // the configuration as the module reads it (form-encoded); it is checked again on every call
  #storage;
  #fetch;
  #tokens; // where the session goes: null for memory only
  #session = null;
  #refreshing = null;
  #jwks = null;
  #ids;
  #sessionChanged = false; // a shared (localStorage) session is watched for other tabs' writes
  #onSessionChange = null;

  constructor(config) {
    if (!initialised) throw fail("not_initialized", "await init() before creating a PkceClient");
    if (config == null || typeof config !== "object") {
      throw fail("invalid_config", "the configuration must be an object");
    }
    const form = new URLSearchParams();
    for (const k of Object.keys(config)) {
      if (k === "clientSecret" || k === "client_secret") {
        throw fail("invalid_config", "a browser or app client is public and must not hold a client secret", { field: k });
      }
      if (!CONFIG_KEYS.includes(k)) {
        throw fail("invalid_config", `unknown configuration option "${k}"`, { field: k });
      }
    }
    for (const k of STRING_KEYS) {
      const v = config[k];
      if (v != null && typeof v !== "string") throw fail("invalid_config", `${k} must be a string`, { field: k });
      if (v != null) form.append(k, v);
    }
    const ttl = config.transactionTtlSeconds;
    if (ttl != null) {
      if (typeof ttl !== "number") {
        throw fail("invalid_config", "transactionTtlSeconds must be a number", { field: "transactionTtlSeconds" });
      }
      form.append("transactionTtlSeconds", String(ttl));
    }
    if (config.requireIss) form.append("requireIss", "true");
    formParams(config.extraAuthParams, "extraAuthParams", form, "extra.");
    if (config.fetch != null && typeof config.fetch !== "function") {
      throw fail("invalid_config", "fetch must be a function", { field: "fetch" });
    }
    this.#fetch = config.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#storage = storageOf(config.storage, "storage");
    this.#tokens = config.persistTokens ? storageOf(config.persistTokens, "persistTokens") : null;
    this.#cfg = form.toString();
    call(CHECK, this.#cfg);
    // Checked by the module above; empty means not configured.
    const { clientId, jwksUri = "", revocationEndpoint = "", endSessionEndpoint = "" } = config;
    this.#ids = { clientId, jwksUri, revocationEndpoint, endSessionEndpoint };
    if (config.persistTokens === "localStorage" && typeof globalThis.addEventListener === "function") {
      this.#sessionChanged = true;
      globalThis.addEventListener("storage", (e) => {
        if (e.key === this.#sessionKey()) this.#onSessionChange?.();
      });
    }
  }

  /**
   * Reads the provider's metadata (OpenID Connect Discovery, then RFC 8414),
   * checks it and returns a client configured from it. Options are those of
   * the constructor; explicit endpoints win over discovered ones.
   */
  static async discover(options) {
    if (!initialised) throw fail("not_initialized", "await init() before PkceClient.discover()");
    const issuer = options?.issuer;
    if (typeof issuer !== "string") throw fail("invalid_config", "discover() needs an issuer", { field: "issuer" });
    const get = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    let text;
    let status = 404;
    for (const url of call(METADATA_URLS, "", issuer).split("\n")) {
      let res;
      try {
        res = await get(url, { method: "GET", headers: { accept: "application/json" }, redirect: "manual", credentials: "omit" });
        status = res.status;
        if (status === 200) text = await res.text();
      } catch {
        throw fail("network_error", "the provider metadata could not be fetched (offline, DNS, TLS or CORS)");
      }
      if (status !== 404) break;
    }
    if (typeof text !== "string") {
      throw fail("discovery_error", `provider metadata answered HTTP ${status}`, { status, field: "body" });
    }
    const m = call(METADATA, "", issuer, text).split("\n");
    const found = {
      authorizationEndpoint: m[0],
      tokenEndpoint: m[1],
      jwksUri: m[2] || undefined,
      revocationEndpoint: m[3] || undefined,
      endSessionEndpoint: m[4] || undefined,
      requireIss: m[5] === "1" || undefined,
    };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) found[k] = v;
    return new Client(found);
  }

  /** Saves a new transaction and resolves with the URL to send the user to. */
  async authorizeUrl(options) {
    const { appState, extraAuthParams } = options ?? {};
    let appJson;
    if (appState !== undefined) {
      try {
        appJson = JSON.stringify(appState);
      } catch (e) {
        throw fail("invalid_config", "appState must be JSON-serialisable", { field: "appState", cause: e });
      }
    }
    const extra = formParams(extraAuthParams, "extraAuthParams").toString();
    const [url, key, record] = call(BEGIN, this.#cfg, extra, appJson).split("\n");
    await this.#sweep();
    await withStorage(this.#storage, (s) => settle(s.setItem(key, record)));
    return url;
  }

  /** authorizeUrl() and then location.assign() — single-page apps. */
  async login(options) {
    globalThis.location.assign(await this.authorizeUrl(options));
  }

  /** Whether href (default: the current location) is a response for this redirectUri. */
  isCallback(href = globalThis.location?.href) {
    return typeof href === "string" && !!call(IS_CALLBACK, this.#cfg, href);
  }

  /** Validates the callback, takes its transaction, exchanges the code: the TokenSet. */
  async handleCallback(href) {
    const here = globalThis.location?.href;
    href ??= here;
    if (typeof href !== "string") throw fail("invalid_callback", "no callback URL given");
    if (href === here && this.isCallback(href)) cleanAddressBar(href);

    let key;
    try {
      key = call(CALLBACK_KEY, this.#cfg, href);
    } catch (e) {
      // A refused callback that names one transaction ends it: it can no
      // longer complete safely. One naming none leaves every transaction alone.
      const doomed = call(DISCARD_KEY, this.#cfg, href);
      if (doomed && !claimed.has(doomed)) {
        claimed.add(doomed);
        await withStorage(this.#storage, (s) => settle(s.removeItem(doomed))).catch(() => {});
      }
      throw e;
    }
    if (claimed.has(key)) {
      throw fail("no_transaction", "this callback was already handled (replay or double delivery)");
    }
    claimed.add(key);
    const record = await withStorage(this.#storage, async (s) => {
      const v = await settle(s.getItem(key));
      if (typeof v !== "string") return undefined;
      await settle(s.removeItem(key));
      return v;
    });

    const [endpoint, body, appStateJson, nonce] = call(TOKEN_REQUEST, this.#cfg, href, record).split("\n");
    const tokens = await this.#tokenRequest(endpoint, body, false);
    if (tokens.idToken && this.#ids.jwksUri) tokens.claims = await this.#verifyIdToken(tokens.idToken, nonce);
    // An ID token nobody asked for (no openid, no keys to check it) is not passed on unverified.
    else delete tokens.idToken;
    await this.#save(tokens);
    if (appStateJson) tokens.appState = JSON.parse(appStateJson);
    return tokens;
  }

  /**
   * A valid access token: the current one, or a refreshed one when it expires
   * within a minute. Rejects `login_required` when there is no session or the
   * refresh token was refused.
   */
  async getAccessToken() {
    const s = await this.#load();
    if (!s) throw fail("login_required", "no session: log in first");
    if (stillFresh(s)) return s.accessToken;
    return (await this.#refresh(s.accessToken)).accessToken;
  }

  /** Refreshes now, whatever the access token's expiry: the new session's TokenSet. */
  async refresh() {
    const s = await this.#load();
    if (!s) throw fail("login_required", "no session: log in first");
    return { ...(await this.#refresh(s.accessToken)) };
  }

  /** The current session (a copy of its TokenSet, with `claims`), or null. */
  async getSession() {
    const s = await this.#load();
    return s ? { ...s } : null;
  }

  /**
   * fetch() with `Authorization: Bearer …`. On a 401 whose WWW-Authenticate is
   * `Bearer … error="invalid_token"` it refreshes once and retries once; any
   * other answer is returned as it is. The token goes in the header only.
   */
  async fetch(input, init = {}) {
    const send = (token) => {
      const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
      headers.set("authorization", `Bearer ${token}`);
      return globalThis.fetch(input, { ...init, headers });
    };
    const token = await this.getAccessToken();
    const res = await send(token);
    const challenge = res.status === 401 ? res.headers.get("www-authenticate") ?? "" : "";
    if (!/^\s*Bearer\b.*\berror\s*=\s*"?invalid_token\b/is.test(challenge)) return res;
    return send((await this.#refresh(token)).accessToken);
  }

  /**
   * Ends the session: local tokens are cleared, the refresh token is revoked
   * (RFC 7009) when the provider has a revocation endpoint, and the user is
   * sent to its end_session_endpoint when it has one — through `open` when
   * given (hybrid apps), else location.assign. Resolves with that URL, if any.
   */
  async logout({ returnTo, open } = {}) {
    const s = await this.#load();
    await this.#clear();
    if (s && this.#ids.revocationEndpoint) await this.#revoke(s).catch(() => {});
    let url = returnTo;
    if (this.#ids.endSessionEndpoint) {
      const u = new URL(this.#ids.endSessionEndpoint);
      if (s?.idToken) u.searchParams.set("id_token_hint", s.idToken);
      u.searchParams.set("client_id", this.#ids.clientId);
      if (returnTo) u.searchParams.set("post_logout_redirect_uri", returnTo);
      url = u.href;
    }
    if (url) await (open ?? ((href) => globalThis.location.assign(href)))(url);
    return url;
  }

  /** Revokes the session's refresh token (or its access token) and clears the session. */
  async revoke() {
    const s = await this.#load();
    await this.#clear();
    if (!s) return;
    if (!this.#ids.revocationEndpoint) {
      throw fail("invalid_config", "the provider has no revocation endpoint", { field: "revocationEndpoint" });
    }
    await this.#revoke(s);
  }

  async #revoke(s) {
    const [token, hint] = s.refreshToken ? [s.refreshToken, "refresh_token"] : [s.accessToken, "access_token"];
    const body = new URLSearchParams({ token, token_type_hint: hint, client_id: this.#ids.clientId }).toString();
    const { status, text } = await this.#post(this.#ids.revocationEndpoint, body);
    if (status === 200) return;
    let error;
    try {
      error = JSON.parse(text).error;
    } catch {}
    throw typeof error === "string"
      ? fail("token_error", "the revocation endpoint returned an OAuth error", { error, status })
      : fail("invalid_token_response", "the revocation endpoint answered an unexpected HTTP status", { status });
  }

  // Refresh, single-flight in this page and, through the Web Locks API,
  // across tabs sharing a persisted session: whoever waited re-reads the
  // session first and uses the tokens another tab already obtained, so a
  // rotating refresh token is never sent twice.
  #refresh(staleAccessToken) {
    this.#refreshing ??= this.#locked(async (waited) => {
      let cur = await this.#load();
      // localStorage reaches other tabs asynchronously (Chromium keeps a copy
      // per renderer): a tab that waited for the lock while another refreshed
      // may still read the old session. The `storage` event marks the moment
      // the new one has arrived; wait for it, briefly.
      if (waited && cur?.accessToken === staleAccessToken && this.#sessionChanged) {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, STORAGE_SETTLE_MS);
          this.#onSessionChange = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#onSessionChange = null;
        cur = await this.#load();
      }
      if (!cur) throw fail("login_required", "no session: log in first");
      const renewed = cur.accessToken !== staleAccessToken;
      // Another tab (or call) refreshed while this one waited: use its tokens
      // unless they have already run out.
      if (renewed && (cur.expiresAt === undefined || cur.expiresAt > Date.now())) return cur;
      if (!cur.refreshToken) {
        await this.#clear();
        throw fail("login_required", "the session expired and has no refresh token");
      }
      const [endpoint, body] = call(REFRESH_REQUEST, this.#cfg, cur.refreshToken).split("\n");
      let tokens;
      try {
        tokens = await this.#tokenRequest(endpoint, body, true);
      } catch (e) {
        if (e.code === "token_error" && e.error === "invalid_grant") {
          await this.#clear();
          throw fail("login_required", "the refresh token was refused; log in again", {
            error: e.error,
            errorDescription: e.errorDescription,
            status: e.status,
          });
        }
        throw e;
      }
      tokens.refreshToken ??= cur.refreshToken; // no rotation: keep the old one
      if (tokens.idToken) {
        tokens.claims = await this.#verifyIdToken(tokens.idToken, undefined, cur.claims);
      } else if (cur.idToken) {
        tokens.idToken = cur.idToken;
        tokens.claims = cur.claims;
      }
      await this.#save(tokens);
      return tokens;
    }).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  // Runs f(waited) under the cross-tab refresh lock; `waited` tells whether
  // another tab held it first. Without Web Locks (browsers before 2022)
  // refresh is single-flight per page only.
  #locked(f) {
    const locks = globalThis.navigator?.locks;
    if (!locks?.request) return f(false);
    const name = `pkce-wasm.refresh.${this.#ids.clientId}`;
    return locks.request(name, { ifAvailable: true }, (lock) => (lock ? f(false) : locks.request(name, () => f(true))));
  }

  async #post(url, body) {
    let res;
    try {
      // redirect: "manual" — a 307 would re-send the body (code, verifier or
      // refresh token) elsewhere.
      res = await this.#fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body,
        redirect: "manual",
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      // The reason is not passed on: a custom transport's error could quote the request.
      throw fail("network_error", "the request to the provider failed (offline, DNS, TLS or CORS)");
    }
    const status = res?.status;
    if (typeof status !== "number") throw fail("invalid_token_response", "fetch did not return a Response");
    let contentType;
    let text;
    try {
      contentType = res.headers?.get?.("content-type") ?? undefined;
    } catch {}
    try {
      text = await res.text();
    } catch {}
    if (typeof text !== "string") {
      throw fail("invalid_token_response", "the response body could not be read", { status });
    }
    if (text.length > MAX_BODY) throw fail("invalid_token_response", "the response body is too large", { status });
    return { status, contentType, text };
  }

  async #tokenRequest(endpoint, body, refresh) {
    const { status, contentType, text } = await this.#post(endpoint, body);
    return JSON.parse(call(refresh ? REFRESH_SET : TOKEN_SET, this.#cfg, `${status}\n${contentType ?? ""}`, text));
  }

  // The ID token's signature is checked with the provider's keys through
  // WebCrypto, then its claims by the module; `previous` (claims of the
  // session's first ID token) is given for a refresh. Nothing from the
  // response is kept unless this resolves.
  async #verifyIdToken(idToken, nonce, previous) {
    // The module has checked the header: alg is RS256, PS256 or ES256.
    const [signingInput, signature, alg, kid] = call(ID_TOKEN, "", idToken).split("\n");
    const subtle = globalThis.crypto?.subtle;
    if (!subtle) throw fail("crypto_unavailable", "WebCrypto (crypto.subtle) is unavailable: ID tokens cannot be verified");
    // The provider's signing keys that can carry this alg and kid.
    const kty = alg === "ES256" ? "EC" : "RSA";
    const candidates = (jwks) => {
      let keys;
      try {
        keys = JSON.parse(jwks).keys;
      } catch {}
      if (!Array.isArray(keys)) throw fail("invalid_id_token", "the provider's JWKS has no keys", { field: "jwks" });
      return keys.filter(
        (k) =>
          k?.kty === kty &&
          (kty === "RSA" || k.crv === "P-256") &&
          (k.use ?? "sig") === "sig" &&
          (k.alg ?? alg) === alg &&
          (!kid || k.kid === kid),
      );
    };
    let jwks = this.#jwks;
    const fresh = !jwks;
    if (fresh) jwks = await this.#fetchJwks();
    let keys = candidates(jwks);
    if (!keys.length && !fresh) {
      // An unknown key id usually means the provider rotated its keys: fetch once more.
      keys = candidates(await this.#fetchJwks(true));
    }
    if (!keys.length) throw fail("invalid_id_token", "no key of the provider's JWKS can verify the ID token", { field: "kid" });
    const data = new TextEncoder().encode(signingInput);
    const sig = b64bytes(signature);
    const [importParams, verifyParams] = ALGS[alg];
    for (const jwk of keys) {
      let ok = false;
      try {
        const key = await subtle.importKey("jwk", jwk, importParams, false, ["verify"]);
        ok = await subtle.verify(verifyParams, key, sig, data);
      } catch {}
      if (ok) {
        const prev = previous === undefined ? "" : JSON.stringify(previous);
        return JSON.parse(call(ID_TOKEN_CLAIMS, this.#cfg, idToken, `${nonce ?? ""}\n${prev}`));
      }
    }
    throw fail("invalid_id_token", "the ID token signature does not verify with the provider's keys", { field: "signature" });
  }

  // `again`: the cached copy lacked the token's key; bypass the HTTP cache too,
  // or a cacheable JWKS response would hide the rotation.
  async #fetchJwks(again = false) {
    if (!this.#ids.jwksUri) throw fail("invalid_config", "an ID token arrived but no jwksUri is configured", { field: "jwksUri" });
    let res;
    let text;
    try {
      res = await this.#fetch(this.#ids.jwksUri, {
        method: "GET",
        headers: { accept: "application/json" },
        redirect: "manual",
        credentials: "omit",
        cache: again ? "reload" : "default",
      });
      if (res.status === 200) text = await res.text();
    } catch {
      throw fail("network_error", "the provider's JWKS could not be fetched");
    }
    if (typeof text !== "string") {
      throw fail("invalid_id_token", `the provider's JWKS answered HTTP ${res.status}`, { field: "jwks", status: res.status });
    }
    this.#jwks = text;
    return text;
  }

  // The session: in memory, or in the `persistTokens` storage when the app
  // chose to (then it is re-read on every use, so tabs see each other's refresh).
  async #load() {
    if (!this.#tokens) return this.#session;
    const text = await withStorage(this.#tokens, (s) => settle(s.getItem(this.#sessionKey())));
    try {
      return typeof text === "string" ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  async #save(tokens) {
    const { appState, ...session } = tokens;
    session.receivedAt = Date.now();
    this.#session = session;
    if (this.#tokens) await withStorage(this.#tokens, (s) => settle(s.setItem(this.#sessionKey(), JSON.stringify(session))));
  }

  async #clear() {
    this.#session = null;
    if (this.#tokens) await withStorage(this.#tokens, (s) => settle(s.removeItem(this.#sessionKey()))).catch(() => {});
  }

  #sessionKey() {
    return `pkce-wasm.session.${this.#ids.clientId}`;
  }

  // Drops expired or unreadable transactions where the storage can list its
  // keys (Web Storage); elsewhere expiry is enforced when a record is read.
  async #sweep() {
    try {
      const s = this.#storage();
      if (typeof s.key !== "function" || typeof s.length !== "number") return;
      const prefix = call(KEY_PREFIX);
      const now = Date.now();
      const stale = [];
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        if (typeof k !== "string" || !k.startsWith(prefix)) continue;
        const v = s.getItem(k);
        if (thenable(v)) return;
        if (typeof v !== "string" || call(IS_STALE, this.#cfg, "", v, now)) stale.push(k);
      }
      for (const k of stale) s.removeItem(k);
    } catch {
      // Best effort: a storage that cannot be listed is swept at read time.
    }
  }
}

export { Client as PkceClient };
