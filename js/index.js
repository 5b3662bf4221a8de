// The package entry point: init() and PkceClient.
//
// The protocol lives in the wasm module (`Core`, built from src/): it decides
// what the authorize URL says, whether a callback is acceptable, what the token
// request carries and whether the response is a usable token. This file only
// performs the I/O those decisions call for — storage, fetch, navigation — so
// the module needs no async runtime. Works unbundled (<script type="module">,
// Cordova) and from bundlers: the glue finds the .wasm via import.meta.url.
import initWasm, { Core } from "../pkg/pkce_wasm.js";
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

const CONFIG_KEYS = [
  "issuer", "authorizationEndpoint", "tokenEndpoint", "clientId", "redirectUri", "scope",
  "audience", "extraAuthParams", "storage", "fetch", "transactionTtlSeconds",
];
const STRING_KEYS = CONFIG_KEYS.slice(0, 7);
// Response parameters removed from the address bar after a callback.
const RESPONSE_PARAMS = ["code", "state", "iss", "error", "error_description", "error_uri", "session_state"];
// Storage keys of transactions a callback has claimed in this page. Claimed
// synchronously before the first await, so two deliveries of one callback
// (reload race, Android's double deep link) never both reach the token endpoint,
// whatever the storage backend.
const claimed = new Set();
const MAX_BODY = 256 * 1024;

const fail = (code, message, details) => new PkceError(code, message, details);
const thenable = (v) => v != null && typeof v.then === "function";

// Extra parameters cross into the module form-encoded; it checks the names.
function formParams(obj, field) {
  if (obj == null) return undefined;
  if (typeof obj !== "object" || Array.isArray(obj)) {
    throw fail("invalid_config", `${field} must be an object of strings`, { field });
  }
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== "string") throw fail("invalid_config", `${field}.${k} must be a string`, { field });
    out.append(k, v);
  }
  return out.toString();
}

function storageOf(opt) {
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
    'storage must be "sessionStorage", "localStorage" or an object with getItem/setItem/removeItem',
    { field: "storage" },
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
  #core;
  #storage;
  #fetch;

  constructor(config) {
    if (!initialised) throw fail("not_initialized", "await init() before creating a PkceClient");
    if (config == null || typeof config !== "object") {
      throw fail("invalid_config", "the configuration must be an object");
    }
    for (const k of Object.keys(config)) {
      if (k === "clientSecret" || k === "client_secret") {
        throw fail("invalid_config", "a browser or app client is public and must not hold a client secret", { field: k });
      }
      if (!CONFIG_KEYS.includes(k)) {
        throw fail("invalid_config", `unknown configuration option "${k}"`, { field: k });
      }
    }
    const s = STRING_KEYS.map((k) => {
      const v = config[k];
      if (v != null && typeof v !== "string") throw fail("invalid_config", `${k} must be a string`, { field: k });
      return v ?? undefined;
    });
    const ttl = config.transactionTtlSeconds;
    if (ttl != null && typeof ttl !== "number") {
      throw fail("invalid_config", "transactionTtlSeconds must be a number", { field: "transactionTtlSeconds" });
    }
    if (config.fetch != null && typeof config.fetch !== "function") {
      throw fail("invalid_config", "fetch must be a function", { field: "fetch" });
    }
    this.#fetch = config.fetch ?? null;
    this.#storage = storageOf(config.storage);
    this.#core = new Core(...s, formParams(config.extraAuthParams, "extraAuthParams"), ttl ?? undefined);
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
    const [url, key, record] = this.#core
      .begin(appJson, formParams(extraAuthParams, "extraAuthParams"), Date.now())
      .split("\n");
    await this.#sweep();
    await withStorage(this.#storage, async (s) => {
      const r = s.setItem(key, record);
      if (thenable(r)) await r;
    });
    return url;
  }

  /** authorizeUrl() and then location.assign() — single-page apps. */
  async login(options) {
    const url = await this.authorizeUrl(options);
    globalThis.location.assign(url);
  }

  /** Whether href (default: the current location) is a response for this redirectUri. */
  isCallback(href = globalThis.location?.href) {
    return typeof href === "string" && this.#core.isCallback(href);
  }

  /** Validates the callback, takes its transaction, exchanges the code: the TokenSet. */
  async handleCallback(href) {
    const here = globalThis.location?.href;
    href ??= here;
    if (typeof href !== "string") throw fail("invalid_callback", "no callback URL given");
    if (href === here && this.#core.isCallback(href)) cleanAddressBar(href);

    let key;
    try {
      key = this.#core.callbackKey(href);
    } catch (e) {
      // A refused callback that names one transaction ends it: it can no
      // longer complete safely. One naming none leaves every transaction alone.
      const doomed = this.#core.discardKey(href);
      if (doomed && !claimed.has(doomed)) {
        claimed.add(doomed);
        await withStorage(this.#storage, (s) => s.removeItem(doomed)).catch(() => {});
      }
      throw e;
    }
    if (claimed.has(key)) {
      throw fail("no_transaction", "this callback was already handled (replay or double delivery)");
    }
    claimed.add(key);
    const record = await withStorage(this.#storage, async (s) => {
      let v = s.getItem(key);
      if (thenable(v)) v = await v;
      if (typeof v !== "string") return undefined;
      const r = s.removeItem(key);
      if (thenable(r)) await r;
      return v;
    });

    const [endpoint, body, appStateJson] = this.#core.tokenRequest(href, record, Date.now()).split("\n");
    const fetchFn = this.#fetch ?? globalThis.fetch?.bind(globalThis);
    let res;
    try {
      // redirect: "manual" — a 307 would re-send the code and verifier elsewhere.
      res = await fetchFn(endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body,
        redirect: "manual",
        credentials: "omit",
        cache: "no-store",
      });
    } catch (e) {
      // The reason is not passed on: a custom transport's error could quote the request.
      throw fail("network_error", "the token request failed (offline, DNS, TLS or CORS)");
    }
    const status = res?.status;
    if (typeof status !== "number") throw fail("invalid_token_response", "fetch did not return a Response");
    let contentType;
    try {
      contentType = res.headers?.get?.("content-type") ?? undefined;
    } catch {}
    let text;
    try {
      text = await res.text();
    } catch {}
    if (typeof text !== "string") {
      throw fail("invalid_token_response", "the token response body could not be read", { status });
    }
    if (text.length > MAX_BODY) throw fail("invalid_token_response", "token response body is too large", { status });
    const tokens = JSON.parse(this.#core.tokenSet(status, contentType, text, Date.now()));
    if (appStateJson) tokens.appState = JSON.parse(appStateJson);
    return tokens;
  }

  // Drops expired or unreadable transactions where the storage can list its
  // keys (Web Storage); elsewhere expiry is enforced when a record is read.
  async #sweep() {
    try {
      const s = this.#storage();
      if (typeof s.key !== "function" || typeof s.length !== "number") return;
      const prefix = Core.keyPrefix();
      const now = Date.now();
      const stale = [];
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        if (typeof k !== "string" || !k.startsWith(prefix)) continue;
        const v = s.getItem(k);
        if (thenable(v)) return;
        if (typeof v !== "string" || this.#core.isStale(v, now)) stale.push(k);
      }
      for (const k of stale) s.removeItem(k);
    } catch {
      // Best effort: a storage that cannot be listed is swept at read time.
    }
  }
}

export { Client as PkceClient };
