// A Capacitor app that signs in with pkce-wasm: the login page opens in the
// system browser (@capacitor/browser) and the result comes back as a deep link
// (`com.example.app:/callback?…`, @capacitor/app's appUrlOpen), or as the
// launch URL when the OS killed the app while the user was in the browser.
// The inline entry: the module travels inside the JS, which the app reads from
// its own files, so there is no second file to read and no .wasm asset rule.
import init, { PkceClient } from "pkce-wasm/inline";
import { capacitorHttpFetch, loginWithCapacitor, preferencesStorage, resumeCapacitorLogin } from "pkce-wasm/capacitor";
import { Capacitor, CapacitorHttp } from "@capacitor/core";
import { App } from "@capacitor/app";
import { Browser } from "@capacitor/browser";
import { Preferences } from "@capacitor/preferences";

const $ = (selector) => document.querySelector(selector);
const status = $("#status");
const loginButton = $("#login");
const apiButton = $("#call-api");

let client;
let tokens = null;

function show(state, text, code) {
  status.dataset.state = state;
  if (code) status.dataset.code = code;
  else delete status.dataset.code;
  status.textContent = text;
}

function showTokens(t) {
  // Never put a token on screen or in a log: only what the app learnt.
  const summary = {
    tokenType: t.tokenType,
    expiresAt: t.expiresAt,
    scope: t.scope,
    accessToken: t.accessToken ? "(received)" : "(missing)",
    refreshToken: t.refreshToken ? "(received)" : "(none)",
    idToken: t.idToken ? "(received)" : "(none)",
    appState: t.appState,
  };
  $("#tokens").textContent = JSON.stringify(summary, null, 2);
  $("#tokens").hidden = false;
}

function signedIn(t) {
  tokens = t;
  showTokens(t);
  apiButton.disabled = false;
  show("signed-in", "Signed in.");
}

function failed(err) {
  show("error", `${err.code ?? err.name}: ${err.message}`, err.code ?? "unexpected");
}

async function login() {
  loginButton.disabled = true;
  show("busy", "Waiting for the browser…");
  try {
    signedIn(await loginWithCapacitor(client, { Browser, App, appState: { screen: "profile" } }));
  } catch (err) {
    if (err.code === "cancelled") show("cancelled", "Sign-in cancelled.", "cancelled");
    else failed(err);
  } finally {
    loginButton.disabled = false;
  }
}

// Cold start: the app may have been launched by the callback link.
async function resume() {
  try {
    const t = await resumeCapacitorLogin(client, { App });
    if (t) signedIn(t);
    else show("ready", "Signed out.");
  } catch (err) {
    // no_transaction: the link was used already, expired, or is not ours.
    failed(err);
  }
}

async function callApi() {
  const res = await fetch(config.apiUrl, {
    headers: { Authorization: `Bearer ${tokens.accessToken}` },
    cache: "no-store",
  });
  const body = await res.json();
  $("#api-result").textContent = JSON.stringify({ status: res.status, body }, null, 2);
  $("#api-result").hidden = false;
  return { status: res.status, body };
}

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
    // The transaction (verifier, state) must outlive the app's process: the OS
    // may kill the app while the user is in the browser.
    storage: config.storage === "sessionStorage" ? "sessionStorage" : preferencesStorage(Preferences),
  };
  // node-oidc-provider names the API with RFC 8707 `resource`; Auth0 uses `audience`.
  if (config.resource) options.extraAuthParams = { resource: config.resource };
  if (config.audience) options.audience = config.audience;
  // The token request from native code needs no CORS rule for the app's origin.
  if (config.nativeHttp && Capacitor.isNativePlatform()) options.fetch = capacitorHttpFetch(CapacitorHttp);
  client = new PkceClient(options);

  loginButton.addEventListener("click", login);
  apiButton.addEventListener("click", () => callApi().catch(failed));
  loginButton.disabled = false;
  await resume();
} catch (err) {
  failed(err);
}

// For the tests, which also drive the client directly.
window.exampleApp = {
  client,
  login,
  resume,
  callApi,
  get tokens() {
    return tokens;
  },
};
