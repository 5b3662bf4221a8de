// A Cordova app that signs in with pkce-wasm. Plugins used:
//   cordova-plugin-safariviewcontroller  the login page (SFSafariViewController / Custom Tabs)
//   cordova-plugin-inappbrowser          fallback: the system browser (`_system` only)
//   cordova-plugin-customurlscheme       the callback link, via window.handleOpenURL
//   cordova-plugin-nativestorage         the pending transaction, durable across process death
// The inline entry: the module travels inside the JS, which the app reads from
// its own files, so there is no second file to read and no .wasm asset rule.
import init, { PkceClient } from "pkce-wasm/inline";
import {
  handleOpenURLSource,
  loginWithCordova,
  nativeStorage,
  resumeCordovaLogin,
  safariViewController,
  systemBrowser,
} from "pkce-wasm/cordova";

// First thing, before deviceready: a cold-start link is handed to
// handleOpenURL during start-up and is kept until the app asks for it.
const deepLinks = handleOpenURLSource();

const $ = (selector) => document.querySelector(selector);
const status = $("#status");
const loginButton = $("#login");
const cancelButton = $("#cancel");
const apiButton = $("#call-api");

let client;
let browser;
let tokens = null;
let abort = null;

function show(state, text, code) {
  status.dataset.state = state;
  if (code) status.dataset.code = code;
  else delete status.dataset.code;
  status.textContent = text;
}

function signedIn(t) {
  tokens = t;
  // Never put a token on screen or in a log: only what the app learnt.
  $("#tokens").textContent = JSON.stringify(
    {
      tokenType: t.tokenType,
      expiresAt: t.expiresAt,
      scope: t.scope,
      accessToken: t.accessToken ? "(received)" : "(missing)",
      refreshToken: t.refreshToken ? "(received)" : "(none)",
      idToken: t.idToken ? "(received)" : "(none)",
      appState: t.appState,
    },
    null,
    2,
  );
  $("#tokens").hidden = false;
  apiButton.disabled = false;
  show("signed-in", "Signed in.");
}

function failed(err) {
  show("error", `${err.code ?? err.name}: ${err.message}`, err.code ?? "unexpected");
}

async function login() {
  loginButton.disabled = true;
  cancelButton.hidden = false;
  abort = new AbortController();
  show("busy", "Waiting for the browser…");
  try {
    signedIn(await loginWithCordova(client, { browser, deepLinks, appState: { screen: "profile" }, signal: abort.signal }));
  } catch (err) {
    if (err.code === "cancelled") show("cancelled", "Sign-in cancelled.", "cancelled");
    else failed(err);
  } finally {
    abort = null;
    cancelButton.hidden = true;
    loginButton.disabled = false;
  }
}

async function callApi() {
  const res = await fetch(config.apiUrl, { headers: { Authorization: `Bearer ${tokens.accessToken}` }, cache: "no-store" });
  const body = await res.json();
  $("#api-result").textContent = JSON.stringify({ status: res.status, body }, null, 2);
  $("#api-result").hidden = false;
  return { status: res.status, body };
}

// SFSafariViewController / Custom Tabs when the plugin has them, else the
// system browser. Never InAppBrowser's own window: it is a WebView.
function chooseBrowser(preferSystem) {
  return new Promise((resolve) => {
    const fallback = () => resolve(systemBrowser(window.cordova.InAppBrowser));
    if (preferSystem || !window.SafariViewController) return fallback();
    window.SafariViewController.isAvailable((available) =>
      available ? resolve(safariViewController(window.SafariViewController)) : fallback(),
    );
  });
}

await new Promise((resolve) => document.addEventListener("deviceready", resolve, { once: true }));
// In a real app this is a constant; the tests choose ports per run.
const config = await (await fetch("./config.json", { cache: "no-store" })).json();

try {
  await init();
  const options = {
    issuer: config.issuer,
    authorizationEndpoint: config.authorizationEndpoint,
    tokenEndpoint: config.tokenEndpoint,
    // With the openid scope the ID token's signature is checked against these keys.
    jwksUri: config.jwksUri,
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    scope: config.scope,
    // The transaction must outlive the app's process (killed while in the browser).
    storage: window.NativeStorage ? nativeStorage(window.NativeStorage) : "localStorage",
  };
  if (config.resource) options.extraAuthParams = { resource: config.resource };
  if (config.audience) options.audience = config.audience;
  client = new PkceClient(options);
  browser = await chooseBrowser(config.browser === "system");

  loginButton.addEventListener("click", login);
  cancelButton.addEventListener("click", () => abort && abort.abort());
  apiButton.addEventListener("click", () => callApi().catch(failed));

  // Cold start: the callback link may be what launched the app.
  try {
    const t = await resumeCordovaLogin(client, { deepLinks, waitMs: 500 });
    if (t) signedIn(t);
    else show("ready", "Signed out.");
  } catch (err) {
    failed(err); // no_transaction: already used, expired, or not ours
  }
  loginButton.disabled = false;
} catch (err) {
  failed(err);
}

window.exampleApp = {
  client,
  deepLinks,
  login,
  callApi,
  get tokens() {
    return tokens;
  },
};
