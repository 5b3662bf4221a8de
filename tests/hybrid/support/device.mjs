// A simulated phone for the hybrid tests, driven with Playwright in headless
// Chromium against the real local provider and API:
//
//   - the app's WebView is a page in its own browser context (its localStorage
//     outlives the app's process, its sessionStorage does not: each launch is a
//     new page, as each process is a new WebView session);
//   - the system browser is a page in another context (SFSafariViewController
//     and Custom Tabs share nothing with the app's WebView);
//   - the operating system (launch URL, deep-link delivery) and the native
//     halves of the plugins (HTTP, key-value store) live in this process.
//
// The provider's redirect to `com.example.app:/callback?…` is read from the
// browser page's responses (Chromium drops custom-scheme navigations when
// requests are intercepted, so nothing is intercepted) and handed to the app
// by the test, the way the OS would: an `appUrlOpen` event, a
// `handleOpenURL(url)` call, or a launch URL on a cold start.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const SUPPORT = fileURLToPath(new URL(".", import.meta.url));

import { CHROMIUM, CHROMIUM_ARGS } from "../../../dev/chromium.mjs";
export { CHROMIUM_ARGS };

export async function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export class Device {
  /**
   * @param {import("playwright-core").Browser} chromium
   * @param {object} options
   * @param {"capacitor"|"cordova"} options.shell which native runtime to play
   * @param {string} options.appUrl where the app's www/ is served
   * @param {string} options.scheme the app's custom URL scheme, e.g. "com.example.app"
   */
  constructor(chromiumBrowser, { shell, appUrl, scheme }) {
    this.chromium = chromiumBrowser;
    this.shell = shell;
    this.appUrl = appUrl;
    this.scheme = scheme;
    this.app = null; // the running app's page (its "process")
    this.launchUrl = null;
    this.browserPage = null; // the open system browser tab, if any
    this.browserOpens = []; // URLs the app asked the system browser to open
    this.browserCloses = 0; // closes requested by the app
    this.deepLinks = []; // custom-scheme URLs the system browser was redirected to
    this.httpRequests = []; // what reached the native HTTP stack (no bodies kept)
    this.preferences = new Map(); // the native key-value store: survives the app's process
    this.consoleErrors = [];
    this._deepLinkWaiters = [];
    this._browserOpenWaiters = [];
  }

  async start() {
    this.appContext = await this.chromium.newContext();
    this.systemBrowser = await this.chromium.newContext();
    await this.appContext.exposeBinding("__nativeHost", (_source, command, payload) => this._native(command, payload));
    await this.appContext.addInitScript({ path: `${SUPPORT}/${this.shell}-native.js` });
    return this;
  }

  async close() {
    await Promise.allSettled([this.appContext?.close(), this.systemBrowser?.close()]);
  }

  /** Starts the app: a new process, optionally launched by a URL (cold start). */
  async launchApp({ launchUrl = null, beforeLoad } = {}) {
    this.launchUrl = launchUrl;
    const page = await this.appContext.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error") this.consoleErrors.push(msg.text());
    });
    page.on("pageerror", (err) => this.consoleErrors.push(String(err)));
    if (beforeLoad) await beforeLoad(page);
    await page.goto(this.appUrl);
    this.app = page;
    return page;
  }

  /** The OS kills the app's process (memory and WebView session are gone). */
  async killApp() {
    const page = this.app;
    this.app = null;
    await page?.close();
  }

  async _native(command, payload) {
    switch (command) {
      case "app.launchUrl":
        return this.launchUrl;
      case "browser.open":
        await this._openBrowser(payload.url);
        return true;
      case "browser.close": {
        this.browserCloses += 1;
        if (!this.browserPage) return false;
        const page = this.browserPage;
        this.browserPage = null;
        await page.close();
        return true;
      }
      case "http":
        return this._http(payload);
      case "prefs.get":
        return { value: this.preferences.has(payload.key) ? this.preferences.get(payload.key) : null };
      case "prefs.set":
        this.preferences.set(payload.key, String(payload.value));
        return undefined;
      case "prefs.remove":
        this.preferences.delete(payload.key);
        return undefined;
      case "prefs.keys":
        return { keys: [...this.preferences.keys()] };
      case "prefs.clear":
        this.preferences.clear();
        return undefined;
      default:
        throw new Error(`unknown native command ${command}`);
    }
  }

  async _openBrowser(url) {
    if (this.browserPage) await this.browserPage.close();
    const page = await this.systemBrowser.newPage();
    this.browserPage = page;
    this.browserOpens.push(url);
    page.on("response", (response) => {
      const location = response.headers().location;
      if (location && location.startsWith(`${this.scheme}:`)) {
        this.deepLinks.push(location);
        for (const waiter of this._deepLinkWaiters.splice(0)) waiter(location);
      }
    });
    // Not awaited: the app's Browser.open resolves once the tab is shown.
    page.goto(url).catch(() => {});
    for (const waiter of this._browserOpenWaiters.splice(0)) waiter(page);
  }

  /** Resolves with the system browser's page once the app has opened it. */
  waitForBrowser({ timeout = 15000 } = {}) {
    if (this.browserPage) return Promise.resolve(this.browserPage);
    return withTimeout(new Promise((resolve) => this._browserOpenWaiters.push(resolve)), timeout, "the app never opened the browser");
  }

  /** Resolves with the browser page once the app has asked to open it `count` times in all. */
  async waitForBrowserOpens(count, { timeout = 15000 } = {}) {
    const end = Date.now() + timeout;
    while (this.browserOpens.length < count) {
      if (Date.now() > end) throw new Error(`the app opened the browser ${this.browserOpens.length} times, not ${count}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.browserPage;
  }

  /** Resolves with the next custom-scheme URL the provider redirects the browser to. */
  nextDeepLink({ timeout = 15000 } = {}) {
    return withTimeout(new Promise((resolve) => this._deepLinkWaiters.push(resolve)), timeout, "no redirect to the app's scheme");
  }

  /** The user signs in (and consents) in the system browser; resolves with the callback deep link. */
  async userSignsIn(login = "alice") {
    const page = await this.waitForBrowser();
    const link = this.nextDeepLink({ timeout: 30000 });
    link.catch(() => {}); // awaited below; a failed step reports first
    // The browser keeps the provider's session between logins: the sign-in
    // form appears only the first time; native clients get the consent page
    // every time.
    await page.locator("input[name=login], button[type=submit]").first().waitFor();
    if (await page.locator("input[name=login]").count()) {
      await page.fill("input[name=login]", login);
      await page.fill("input[name=password]", "any password");
      await page.click("button[type=submit]");
      await page.locator("input[name=login]").waitFor({ state: "detached" });
    }
    const consent = page.locator("button[type=submit]");
    await consent.waitFor();
    await consent.click();
    return link;
  }

  /** The user dismisses the browser without finishing (Done / back button). */
  async userClosesBrowser() {
    const page = this.browserPage;
    this.browserPage = null;
    await page?.close();
    await this.browserDismissed();
  }

  /** The native side reports the browser gone (Capacitor `browserFinished`, SafariViewController `closed`). */
  async browserDismissed() {
    if (this.shell === "capacitor") {
      await this.app.evaluate(() => window.__capacitorNative.notifyListeners("Browser", "browserFinished", {}));
    } else {
      await this.app.evaluate(() => window.__cordovaNative.browserClosed());
    }
  }

  /** The OS hands a URL to the running app (warm start). */
  async openUrl(url) {
    if (this.shell === "capacitor") {
      // The App plugin sends appUrlOpen with retainUntilConsumed.
      await this.app.evaluate((u) => window.__capacitorNative.notifyListeners("App", "appUrlOpen", { url: u }, true), url);
    } else {
      await this.app.evaluate((u) => window.__cordovaNative.openUrl(u), url);
    }
  }

  async listenerCount(plugin, eventName) {
    return this.app.evaluate(([p, e]) => window.__capacitorNative.listenerCount(p, e), [plugin, eventName]);
  }

  // The native HTTP stack behind CapacitorHttp.request, as iOS and Android
  // implement it: a string `data` is sent unchanged whatever the content type;
  // an object is encoded for the content type (forms as URLComponents does on
  // iOS, which leaves "+" unescaped); JSON responses come back parsed; headers
  // come back as a plain object in the server's spelling.
  async _http(options) {
    const url = new URL(options.url);
    const method = (options.method || "GET").toUpperCase();
    const headers = { ...(options.headers || {}) };
    const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "";
    let body;
    const data = options.data;
    if (data !== undefined && data !== null) {
      if (typeof data === "string") body = data;
      else if (contentType.includes("application/json")) body = JSON.stringify(data);
      else if (contentType.includes("application/x-www-form-urlencoded")) {
        body = Object.entries(data)
          .map(([k, v]) => `${queryEncode(k)}=${queryEncode(String(v))}`)
          .join("&");
      } else throw new Error(`[ data ] argument could not be parsed for content type [ ${contentType} ]`);
    }
    this.httpRequests.push({
      url: `${url.origin}${url.pathname}`,
      method,
      dataType: data === undefined || data === null ? "none" : typeof data,
      contentType,
      disableRedirects: options.disableRedirects === true,
    });
    const response = await new Promise((resolve, reject) => {
      const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(
        url,
        { method, headers: body === undefined ? headers : { ...headers, "Content-Length": Buffer.byteLength(body) } },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ res, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    const responseHeaders = {};
    const raw = response.res.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) responseHeaders[raw[i]] = raw[i + 1];
    const type = response.res.headers["content-type"] ?? "";
    let parsed = response.text;
    if (type.includes("application/json")) {
      try {
        parsed = JSON.parse(response.text);
      } catch {
        // left as text, as the native implementations do
      }
    }
    return { status: response.res.statusCode, headers: responseHeaders, data: parsed, url: options.url };
  }
}

// URLComponents' query encoding: reserved characters that are legal in a query
// ("+" among them) stay as they are.
function queryEncode(s) {
  return encodeURIComponent(s).replace(/%2B/gi, "+").replace(/%2F/gi, "/").replace(/%3A/gi, ":").replace(/%40/gi, "@");
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]);
}
