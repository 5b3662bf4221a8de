// Cordova: the login flow of pkce-wasm/hybrid, with ready-made openers,
// deep-link sources and a durable store for the common Cordova plugins.
//
// No plugin is imported: Cordova plugins are globals that exist only after
// `deviceready`, so the app hands them in.
import { PkceError } from "./error.js";
import { createDeepLinkSource } from "./hybrid.js";

// The flow is not Cordova-specific; these names are the ones Cordova apps
// already import.
export {
  DEFAULT_CANCEL_GRACE_MS,
  createDeepLinkSource,
  loginWithBrowser as loginWithCordova,
  resumeLogin as resumeCordovaLogin,
} from "./hybrid.js";

// ---------------------------------------------------------------------------
// Deep-link sources

const HANDLE_OPEN_URL_SOURCE = Symbol.for("pkce-wasm/handleOpenURL");

/**
 * The deep-link source of cordova-plugin-customurlscheme (and of cordova-ios
 * itself), which call the global `handleOpenURL(url)`. Installs that global
 * once (an existing one keeps being called) — do it early, before
 * `deviceready`, so a cold-start link is not missed.
 */
export function handleOpenURLSource(target = globalThis) {
  if (target[HANDLE_OPEN_URL_SOURCE]) return target[HANDLE_OPEN_URL_SOURCE];
  const source = createDeepLinkSource();
  const previous = typeof target.handleOpenURL === "function" ? target.handleOpenURL : null;
  target.handleOpenURL = (url) => {
    source.deliver(url);
    if (previous) previous(url);
  };
  Object.defineProperty(target, HANDLE_OPEN_URL_SOURCE, { value: source });
  return source;
}

const universalLinkSources = new WeakMap();

/**
 * The deep-link source of cordova-universal-links-plugin and its forks
 * (`universalLinks.subscribe(eventName, callback)`, callback gets `{ url }`).
 */
export function universalLinksSource(universalLinks, eventName = null) {
  if (!universalLinks || typeof universalLinks.subscribe !== "function") {
    throw new TypeError("universalLinksSource(universalLinks) needs the plugin's universalLinks object");
  }
  let byEvent = universalLinkSources.get(universalLinks);
  if (!byEvent) universalLinkSources.set(universalLinks, (byEvent = new Map()));
  if (!byEvent.has(eventName)) {
    const source = createDeepLinkSource();
    universalLinks.subscribe(eventName, (event) => source.deliver(event && event.url));
    byEvent.set(eventName, source);
  }
  return byEvent.get(eventName);
}

// ---------------------------------------------------------------------------
// Openers. Each opens an external user agent; cordova-plugin-inappbrowser's own
// window (`_blank`, `_self`) is an embedded WebView and is never used.

/** The system browser through cordova-plugin-inappbrowser (`_system`). No close signal. */
export function systemBrowser(InAppBrowser) {
  if (!InAppBrowser || typeof InAppBrowser.open !== "function") {
    throw new TypeError("systemBrowser(InAppBrowser) needs cordova.InAppBrowser");
  }
  return {
    open(url) {
      InAppBrowser.open(url, "_system");
    },
  };
}

/**
 * SFSafariViewController / Chrome Custom Tabs through
 * cordova-plugin-safariviewcontroller; its `closed` event is the cancel signal.
 */
export function safariViewController(SafariViewController, showOptions = {}) {
  if (!SafariViewController || typeof SafariViewController.show !== "function") {
    throw new TypeError("safariViewController(SafariViewController) needs the plugin object");
  }
  return {
    open(url, { closed }) {
      return new Promise((resolve, reject) => {
        SafariViewController.show(
          { ...showOptions, url },
          (result) => {
            // The first event ("opened" on iOS, "loaded" on Android) means it is shown.
            resolve();
            if (result && result.event === "closed") closed();
          },
          (error) => reject(pluginError("SafariViewController.show failed", error)),
        );
      });
    },
    close() {
      return new Promise((resolve) => SafariViewController.hide(resolve, resolve));
    },
  };
}

/** Custom Tabs / SFSafariViewController through cordova-plugin-browsertab. No close signal. */
export function browserTab(browsertab) {
  if (!browsertab || typeof browsertab.openUrl !== "function") {
    throw new TypeError("browserTab(browsertab) needs cordova.plugins.browsertab");
  }
  return {
    open(url) {
      return new Promise((resolve, reject) => {
        browsertab.openUrl(url, (error) => reject(pluginError("browsertab.openUrl failed", error)));
        // openUrl reports only failures; it has no success callback.
        resolve();
      });
    },
    close() {
      browsertab.close();
    },
  };
}

// ---------------------------------------------------------------------------
// Durable transaction store

/**
 * A StorageLike over cordova-plugin-nativestorage (SharedPreferences /
 * NSUserDefaults), which survives the app being killed while the user is in
 * the browser.
 */
export function nativeStorage(NativeStorage) {
  if (!NativeStorage || typeof NativeStorage.getItem !== "function") {
    throw new TypeError("nativeStorage(NativeStorage) needs the plugin object");
  }
  const ITEM_NOT_FOUND = 2;
  return {
    getItem: (key) =>
      new Promise((resolve, reject) =>
        NativeStorage.getItem(
          key,
          (value) => resolve(typeof value === "string" ? value : null),
          (error) => (error && error.code === ITEM_NOT_FOUND ? resolve(null) : reject(pluginError("NativeStorage.getItem failed", error))),
        ),
      ),
    setItem: (key, value) =>
      new Promise((resolve, reject) =>
        NativeStorage.setItem(key, value, () => resolve(), (error) => reject(pluginError("NativeStorage.setItem failed", error))),
      ),
    removeItem: (key) =>
      new Promise((resolve, reject) =>
        NativeStorage.remove(
          key,
          () => resolve(),
          (error) => (error && error.code === ITEM_NOT_FOUND ? resolve() : reject(pluginError("NativeStorage.remove failed", error))),
        ),
      ),
  };
}

// ---------------------------------------------------------------------------

function pluginError(message, error) {
  return new Error(message, { cause: error });
}

export { PkceError };
