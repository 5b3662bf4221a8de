// Capacitor: the login opens in @capacitor/browser (SFSafariViewController on
// iOS, Custom Tabs on Android — external user agents, RFC 8252 §6) and comes
// back through @capacitor/app's `appUrlOpen`, or through App.getLaunchUrl()
// when the app was killed meanwhile.
//
// The plugin objects are arguments, never imports: the Capacitor packages are
// optional peer dependencies, and this file must load without them (tests,
// SPA builds that tree-shake it away, apps that wrap the plugins).
//
// The login itself is pkce-wasm/hybrid's; this file only turns the plugins
// into the opener and deep-link sources that flow takes.
import { PkceError } from "./error.js";
import { loginWithBrowser, resumeLogin } from "./hybrid.js";

export { DEFAULT_CANCEL_GRACE_MS } from "./hybrid.js";

/**
 * Opens the authorization URL with Browser, waits for the matching
 * `appUrlOpen`, closes the browser and resolves with handleCallback's
 * TokenSet. Rejects with PkceError `cancelled` when the user closes the browser
 * (`browserFinished`) and no callback follows within `cancelGraceMs`.
 *
 * @param {object} client a PkceClient whose redirectUri is the app's deep link
 * @param {object} plugins
 * @param {object} plugins.Browser from @capacitor/browser
 * @param {object} plugins.App from @capacitor/app
 * @param {*} [plugins.appState]
 * @param {object} [plugins.browserOptions] extra Browser.open options (toolbarColor, presentationStyle…)
 * @param {number} [plugins.cancelGraceMs]
 * @param {AbortSignal} [plugins.signal]
 */
export async function loginWithCapacitor(client, { Browser, App, appState, browserOptions, cancelGraceMs, signal } = {}) {
  return loginWithBrowser(client, {
    browser: capacitorBrowser(Browser, browserOptions),
    deepLinks: appUrlOpenSource(App),
    appState,
    cancelGraceMs,
    signal,
  });
}

/**
 * Cold start: when the app was launched by the callback link (it was killed
 * while the user was in the browser), completes that login. Resolves with null
 * when the launch URL is absent or is not a callback for `client`. Rejects as
 * handleCallback does; `no_transaction` means the link was already used,
 * expired, or was not started by this app — Android can return the same
 * launch URL again on later starts, so treat it as "nothing to resume".
 * The transaction must be in a durable store (see preferencesStorage).
 */
export async function resumeCapacitorLogin(client, { App } = {}) {
  return resumeLogin(client, { deepLinks: launchUrlSource(App) });
}

/**
 * A fetch-compatible function over CapacitorHttp, for the `fetch` option of
 * PkceClient: the request leaves from native code, so the token endpoint
 * needs no CORS rule for `capacitor://localhost` / `https://localhost`.
 *
 * The body is handed over as the form-encoded string the client built. Both
 * native implementations send a string body unchanged; given an object they
 * would encode it themselves, and iOS leaves `+` unescaped (a `+` in a code or
 * verifier would arrive as a space).
 */
export function capacitorHttpFetch(CapacitorHttp, { connectTimeout, readTimeout } = {}) {
  checkPlugin(CapacitorHttp, "CapacitorHttp", ["request"]);
  return async function capacitorFetch(input, init = {}) {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input && input.url;
    if (typeof url !== "string") throw new TypeError("capacitorHttpFetch: the URL must be a string");
    const method = (init.method || "GET").toUpperCase();
    const body = init.body;
    if (body != null && typeof body !== "string" && !(body instanceof URLSearchParams)) {
      throw new TypeError("capacitorHttpFetch sends only string or URLSearchParams bodies");
    }
    const options = {
      url,
      method,
      headers: plainHeaders(init.headers),
      // Never follow redirects on a back-channel request: a 307/308 would
      // re-send the code and verifier to wherever it points.
      disableRedirects: true,
      responseType: "text",
      // Used only where CapacitorHttp falls back to the WebView's fetch (web platform).
      webFetchExtra: { redirect: "manual", credentials: "omit", cache: "no-store" },
    };
    if (body != null) options.data = String(body);
    if (connectTimeout !== undefined) options.connectTimeout = connectTimeout;
    if (readTimeout !== undefined) options.readTimeout = readTimeout;

    let response;
    try {
      response = await CapacitorHttp.request(options);
    } catch (err) {
      // fetch rejects with a TypeError on network failure; the client maps a
      // rejected fetch to `network_error`.
      throw new TypeError("CapacitorHttp request failed", { cause: err });
    }
    return new CapacitorHttpResponse(response, url);
  };
}

/**
 * A StorageLike over @capacitor/preferences (UserDefaults / SharedPreferences),
 * for PkceClient's `storage` option: unlike the WebView's sessionStorage it
 * survives the app being killed while the user is in the browser.
 */
export function preferencesStorage(Preferences) {
  checkPlugin(Preferences, "Preferences", ["get", "set", "remove"]);
  return {
    async getItem(key) {
      const result = await Preferences.get({ key });
      return result && typeof result.value === "string" ? result.value : null;
    },
    async setItem(key, value) {
      await Preferences.set({ key, value });
    },
    async removeItem(key) {
      await Preferences.remove({ key });
    },
  };
}

// ---------------------------------------------------------------------------

function capacitorBrowser(Browser, browserOptions) {
  checkPlugin(Browser, "Browser", ["open", "close", "addListener"]);
  return {
    async onClosed(listener) {
      const handle = await Browser.addListener("browserFinished", () => listener());
      return () => handle.remove();
    },
    async open(url) {
      await Browser.open({ ...browserOptions, url });
    },
    close: () => Browser.close(),
  };
}

function appUrlOpenSource(App) {
  checkPlugin(App, "App", ["addListener"]);
  return {
    async subscribe(listener) {
      const handle = await App.addListener("appUrlOpen", (event) => listener(event && event.url));
      return () => handle.remove();
    },
  };
}

// App.getLaunchUrl() as a source that has retained at most one link, so a cold
// start takes the same path, with the same checks, as in any other shell.
function launchUrlSource(App) {
  checkPlugin(App, "App", ["getLaunchUrl"]);
  return {
    async subscribe(listener) {
      const launch = await App.getLaunchUrl();
      if (launch && typeof launch.url === "string") listener(launch.url);
      return () => {};
    },
  };
}

class CapacitorHttpResponse {
  constructor(response, requestUrl) {
    const r = response || {};
    this.status = typeof r.status === "number" ? r.status : 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.url = typeof r.url === "string" ? r.url : requestUrl;
    this.redirected = false;
    this.headers = new PlainHeaders(r.headers);
    this._data = r.data;
  }

  async text() {
    const data = this._data;
    if (data == null) return "";
    if (typeof data === "string") return data;
    // CapacitorHttp parses JSON responses itself; the client parses again.
    return JSON.stringify(data);
  }

  async json() {
    return JSON.parse(await this.text());
  }
}

// CapacitorHttp returns headers as a plain object whose name case depends on
// the platform (iOS keeps the server's, Android lowercases some).
class PlainHeaders {
  constructor(object) {
    this._map = new Map();
    if (object && typeof object === "object") {
      for (const [name, value] of Object.entries(object)) {
        this._map.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : String(value));
      }
    }
  }
  get(name) {
    const v = this._map.get(String(name).toLowerCase());
    return v === undefined ? null : v;
  }
  has(name) {
    return this._map.has(String(name).toLowerCase());
  }
  forEach(callback, thisArg) {
    for (const [name, value] of this._map) callback.call(thisArg, value, name, this);
  }
}

function plainHeaders(headers) {
  const out = {};
  if (!headers) return out;
  if (typeof headers.forEach === "function" && !Array.isArray(headers)) {
    headers.forEach((value, name) => {
      out[name] = value;
    });
  } else if (Array.isArray(headers)) {
    for (const [name, value] of headers) out[name] = value;
  } else {
    for (const [name, value] of Object.entries(headers)) out[name] = String(value);
  }
  return out;
}

function checkPlugin(plugin, name, methods) {
  // Capacitor plugins are Proxies whose every property is a function, so only
  // presence is checked, never absence.
  if (!plugin || methods.some((m) => typeof plugin[m] !== "function")) {
    throw new TypeError(`${name} must be the ${name} plugin object (with ${methods.join(", ")})`);
  }
}

export { PkceError };
