// Hybrid-app login: the authorization request goes to an external user agent
// (system browser or in-app browser tab, RFC 8252 §5/§8.12) and the response
// comes back as a deep-link URL string. The shell is whatever the app hands in
// — an opener and a deep-link source — so this flow serves Capacitor and
// Cordova (pkce-wasm/capacitor and pkce-wasm/cordova wrap their plugins around
// it) and any other WebView shell alike. It uses only PkceClient's public API.
import { PkceError } from "./error.js";

/**
 * How long to wait, after the browser reports it closed, for the callback.
 * On Android the browser-closed signal and the deep link are independent
 * events whose order varies (Custom Tabs report "hidden" as soon as the app
 * comes back to the front, which the deep link itself causes).
 */
export const DEFAULT_CANCEL_GRACE_MS = 1500;

/**
 * Runs one login in an external user agent and resolves with the TokenSet.
 *
 * @param {object} client a PkceClient whose redirectUri is the app's deep link
 * @param {object} options
 * @param {object|Function} options.browser `{ open(url, { closed }), onClosed?(listener), close?() }`, or an open function
 * @param {{ subscribe(listener: (url: string) => void): Function | Promise<Function> }} options.deepLinks
 * @param {*} [options.appState] stored with the transaction, returned in the TokenSet
 * @param {number} [options.cancelGraceMs]
 * @param {AbortSignal} [options.signal] aborting rejects with `cancelled`
 */
export async function loginWithBrowser(client, options = {}) {
  checkClient(client, ["authorizeUrl", "isCallback", "handleCallback"]);
  const browser = toBrowser(options.browser);
  const deepLinks = checkDeepLinks(options.deepLinks);
  const { appState, signal } = options;
  const graceMs = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
  if (!(graceMs >= 0)) throw new TypeError("cancelGraceMs must be a number >= 0");
  if (signal?.aborted) throw cancelled("the login was aborted before it started", signal.reason);

  const authorizeUrl = await client.authorizeUrl(appState === undefined ? {} : { appState });
  // `state` is read back from the request itself (RFC 6749 §4.1.1), so the
  // login can tell its own callback from any other without asking the client.
  const state = new URL(authorizeUrl).searchParams.get("state");
  if (!state) throw new PkceError("invalid_config", "the authorization URL carries no state");
  // An abort while the transaction was being saved fires no event later.
  if (signal?.aborted) throw cancelled("the login was aborted before the browser opened", signal.reason);

  let settled = false;
  let cleanedUp = false;
  let graceTimer;
  let settleWith;
  const outcome = new Promise((resolve) => (settleWith = resolve));
  const settle = (result) => {
    if (settled) return;
    settled = true;
    clearTimeout(graceTimer);
    settleWith(result);
  };

  const disposers = [];
  // A disposer that arrives after cleanup (an opener that resolved late) runs at once.
  const track = (dispose) => {
    if (typeof dispose !== "function") return;
    if (cleanedUp) quietly(dispose);
    else disposers.push(dispose);
  };

  const onLink = (link) => {
    if (settled || !isCallbackFor(client, link, state)) return;
    // handleCallback claims the transaction before it touches storage, in the
    // order the calls were made: a second delivery of this link, handled
    // anywhere, finds nothing to exchange.
    let exchange;
    try {
      exchange = Promise.resolve(client.handleCallback(link));
    } catch (err) {
      exchange = Promise.reject(err);
    }
    exchange.catch(() => {}); // observed below; avoids a spurious unhandled-rejection report
    settle({ exchange, closeBrowser: true });
  };
  const onClosed = () => {
    if (settled || graceTimer !== undefined) return;
    graceTimer = setTimeout(
      () => settle({ error: cancelled("the browser was closed before the login completed") }),
      graceMs,
    );
  };
  const onAbort = () => settle({ error: cancelled("the login was aborted", signal.reason), closeBrowser: true });
  if (signal) {
    signal.addEventListener("abort", onAbort, { once: true });
    track(() => signal.removeEventListener("abort", onAbort));
  }

  // Every listener is in place before the browser opens, so neither the
  // callback nor a close can be missed, and each is known to the clean-up.
  const subscribing = (async () => {
    track(await deepLinks.subscribe(onLink));
    if (typeof browser.onClosed === "function" && !settled) track(await browser.onClosed(onClosed));
  })();
  // The opener itself is not awaited in line: one that never settles must not
  // keep a callback, a cancel or an abort from being seen.
  subscribing
    .then(async () => {
      if (!settled) track(await browser.open(authorizeUrl, { closed: onClosed }));
    })
    .catch((err) => settle({ error: err }));

  const result = await outcome;
  await subscribing.catch(() => {});
  cleanedUp = true;
  await Promise.allSettled(disposers.map((dispose) => Promise.resolve().then(dispose)));
  if (result.closeBrowser && browser.close) quietly(() => browser.close());
  if (result.exchange) return result.exchange;
  throw result.error;
}

/**
 * Cold start: hands the first callback URL for `client` that the source has
 * retained (or that arrives within `waitMs`) to handleCallback. Resolves with
 * null when there is none. Rejects as handleCallback does, `no_transaction`
 * included (the link was already used, expired, or not started by this app).
 */
export async function resumeLogin(client, { deepLinks, waitMs = 0 } = {}) {
  checkClient(client, ["isCallback", "handleCallback"]);
  checkDeepLinks(deepLinks);
  let found = null;
  let wake;
  const woken = new Promise((resolve) => (wake = resolve));
  const unsubscribe = await deepLinks.subscribe((link) => {
    if (found === null && isCallback(client, link)) {
      found = link;
      wake();
    }
  });
  try {
    if (found === null && waitMs > 0) {
      let timer;
      await Promise.race([woken, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    }
  } finally {
    if (typeof unsubscribe === "function") await unsubscribe();
  }
  return found === null ? null : client.handleCallback(found);
}

/**
 * A fan-out point for deep-link URLs. URLs delivered while nobody listens are
 * kept (the last 8) and handed to the next subscriber, like Capacitor's
 * retained `appUrlOpen`: on a cold start the link arrives before the app's code
 * has subscribed.
 */
export function createDeepLinkSource({ retain = 8 } = {}) {
  const listeners = new Set();
  let retained = [];
  return {
    deliver(url) {
      if (typeof url !== "string" || url === "") return;
      if (listeners.size === 0) {
        retained.push(url);
        if (retained.length > retain) retained.shift();
        return;
      }
      for (const listener of [...listeners]) callListener(listener, url);
    },
    subscribe(listener) {
      if (typeof listener !== "function") throw new TypeError("subscribe(listener) takes a function");
      listeners.add(listener);
      if (retained.length) {
        const pending = retained;
        retained = [];
        for (const url of pending) callListener(listener, url);
      }
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

// ---------------------------------------------------------------------------

function checkClient(client, methods) {
  if (!client || methods.some((m) => typeof client[m] !== "function")) {
    throw new TypeError("the first argument must be a PkceClient");
  }
}

function checkDeepLinks(deepLinks) {
  if (!deepLinks || typeof deepLinks.subscribe !== "function") {
    throw new TypeError("deepLinks must be a source with subscribe(listener), e.g. createDeepLinkSource()");
  }
  return deepLinks;
}

// Openers that would load the authorization page inside the app (its own
// WebView, an InAppBrowser WebView window) are refused outright: the app could
// read the user's credentials there (RFC 8252 §8.12). InAppBrowser is checked
// here rather than in the Cordova adapter because Capacitor apps can carry
// Cordova plugins too.
function toBrowser(browser) {
  const b = typeof browser === "function" ? { open: browser } : browser;
  if (!b || typeof b.open !== "function") {
    throw new TypeError("browser must be an opener: { open(url, { closed }), close?() } or a function");
  }
  const g = globalThis;
  const embedded = [g.open, g.cordova?.InAppBrowser?.open, g.location?.assign, g.location?.replace];
  if (embedded.some((fn) => typeof fn === "function" && fn === b.open)) {
    throw new PkceError(
      "invalid_config",
      "the login must open in the system browser or an in-app browser tab, not in the app's WebView (RFC 8252)",
    );
  }
  return b;
}

// A deep-link source hands over whatever the platform delivered, and a client
// that cannot read it (or was freed) means "not ours", not a failed login.
function isCallback(client, link) {
  if (typeof link !== "string" || link === "") return false;
  try {
    return client.isCallback(link) === true;
  } catch {
    return false;
  }
}

// A callback for another state (an older login, or a link fired by another
// app) is not this login's: it is left alone, and so is its transaction.
function isCallbackFor(client, link, state) {
  if (!isCallback(client, link)) return false;
  try {
    return new URL(link).searchParams.getAll("state").includes(state);
  } catch {
    return false;
  }
}

function cancelled(message, reason) {
  return new PkceError("cancelled", message, reason === undefined ? undefined : { cause: reason });
}

function callListener(listener, url) {
  try {
    listener(url);
  } catch (err) {
    // One failing listener must not starve the others; the error still surfaces.
    setTimeout(() => {
      throw err;
    });
  }
}

function quietly(fn) {
  Promise.resolve()
    .then(fn)
    .catch(() => {});
}

export { PkceError };
