// The demo page: signs in with pkce-wasm and shows the five steps of the flow.
// It uses the package only through its public entry point, as an app would.
import init, { PkceClient, PkceError } from "pkce-wasm";

// Keys of this page's own sessionStorage entries. The package keeps its pending
// logins under "pkce-wasm.tx.<state>"; these names stay clear of that prefix.
const PROVIDER_KEY = "pkce-demo.provider";
const STEP1_KEY = "pkce-demo.authorize-request";
// DPoP and PAR on or off. The callback page must make the same client as the
// page that started the login (the package refuses another configuration's
// callback), so the choice outlives the trip to the provider.
const OPTIONS_KEY = "pkce-demo.options";
// Set just before "Log out" leaves the page, read when the provider sends the browser back.
const SIGNED_OUT_KEY = "pkce-demo.signed-out";
const TX_PREFIX = "pkce-wasm.tx.";
const CALLBACK_PATH = "/callback";

const $ = (id) => document.getElementById(id);
const redirectUri = `${location.origin}${CALLBACK_PATH}`;

let localConfig = null; // from /demo-config.json, when the local servers run
let config = null; // the provider in use
let client = null;
let tokens = null; // in memory only
let demoOptions = { dpop: false, par: false };

// The session the package keeps (access, refresh and ID token, expiry,
// claims). It is handed a store of this page's memory as `persistTokens`, so
// it lives no longer than the page — as with no store at all — while the page
// can read the current expiry after a refresh and show the countdown.
const memory = new Map();
let sessionKey = null;
const sessionStore = {
  getItem: (k) => memory.get(k) ?? null,
  setItem: (k, v) => {
    sessionKey = k;
    memory.set(k, String(v));
  },
  removeItem: (k) => {
    memory.delete(k);
  },
};

/** The package's current session (the TokenSet it keeps), or null. */
function currentSession() {
  const v = sessionKey ? memory.get(sessionKey) : undefined;
  try {
    return v ? JSON.parse(v) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- rendering

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** A definition list; values may be strings or nodes; `[label, value, note?]`. */
function kv(rows, className = "kv") {
  return el(
    "dl",
    { class: className },
    rows
      .filter(Boolean)
      .map(([k, v, note]) => [
        el("dt", {}, k),
        el("dd", {}, v instanceof Node ? v : el("code", {}, String(v)), note ? el("span", { class: "note" }, note) : null),
      ]),
  );
}

function pre(value, className = "json") {
  return el("pre", { class: className }, typeof value === "string" ? value : JSON.stringify(value, null, 2));
}

function setStep(n, status, ...content) {
  const step = $(`step-${n}`);
  step.dataset.status = status;
  step.querySelector(".badge").textContent =
    { pending: "", working: "in progress", done: "done", error: "failed", skipped: "skipped" }[status] ?? "";
  const data = $(`step-${n}-data`);
  if (content.length) data.replaceChildren(...content.flat(Infinity).filter(Boolean));
}

function resetSteps() {
  for (let n = 1; n <= 5; n++) setStep(n, "pending", []);
  hideError();
  setApiButtons(false);
}

function setStatus(text, state) {
  $("status").textContent = text;
  if (state) document.body.dataset.state = state;
}

function showError(err, step) {
  const box = $("error");
  const isPkce = err instanceof PkceError || err?.name === "PkceError";
  box.classList.remove("hidden");
  box.querySelector(".tag").textContent = isPkce ? "PkceError" : err?.name || "Error";
  $("error-code").textContent = isPkce ? err.code : "unexpected";
  $("error-message").textContent = err?.message ?? String(err);
  const details = [];
  for (const k of ["error", "errorDescription", "status", "errorUri", "field"]) {
    if (isPkce && err[k] !== undefined) details.push([k, err[k]]);
  }
  $("error-details").replaceChildren(...kv(details, "kv compact").childNodes);
  box.dataset.code = isPkce ? err.code : "unexpected";
  if (step) {
    // Kept next to what the step already shows (the callback's parameters, say).
    $(`step-${step}-data`).append(el("p", { class: "step-error" }, `${isPkce ? err.code : "error"}: ${err?.message ?? err}`));
    setStep(step, "error");
  }
  setStatus(isPkce ? `Failed: ${err.code}` : "Failed", "error");
}

function hideError() {
  $("error").classList.add("hidden");
  delete $("error").dataset.code;
}

// ------------------------------------------------------------------ secrets

/** First characters, an ellipsis and the length: enough to recognise a value, not to use it. */
function mask(value) {
  if (typeof value !== "string") return String(value);
  if (value.length <= 12) return `${"•".repeat(value.length)} (${value.length} chars)`;
  return `${value.slice(0, 6)}… (${value.length} chars)`;
}

function hiddenLength(value) {
  return `•••••••• (hidden, ${value.length} characters)`;
}

function base64UrlDecode(part) {
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Header and claims of a JWT, or null when the value is not one (an opaque token). */
function decodeJwt(token) {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3) return null;
  try {
    return { header: JSON.parse(base64UrlDecode(parts[0])), claims: JSON.parse(base64UrlDecode(parts[1])) };
  } catch {
    return null;
  }
}

function base64UrlEncode(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The RFC 7638 thumbprint of a public JWK (SHA-256), or null for a key type it does not cover. */
async function jwkThumbprint(jwk) {
  const members = { EC: ["crv", "kty", "x", "y"], RSA: ["e", "kty", "n"], OKP: ["crv", "kty", "x"] }[jwk?.kty];
  if (!members) return null;
  const canonical = JSON.stringify(Object.fromEntries(members.map((k) => [k, jwk[k]])));
  return base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical))));
}

/**
 * A DPoP proof as the page shows it: header and claims only. The signature
 * is what makes a proof usable, so it never reaches the page's text.
 */
function proofBlock(proof, note) {
  if (!proof) return el("p", { class: "step-error" }, "The DPoP header is not a JWT");
  return el(
    "div",
    { class: "proof" },
    el("p", { class: "sub" }, "DPoP proof (decoded)"),
    el(
      "div",
      { class: "jwt" },
      el("div", {}, el("p", { class: "sub" }, "header"), pre(proof.header, "json proof-header")),
      el("div", {}, el("p", { class: "sub" }, "claims"), pre(annotateClaims(proof.claims), "json proof-claims")),
    ),
    note ? el("p", { class: "note" }, note) : null,
  );
}

/** A short, recognisable form of a server nonce (not a secret, but long). */
function shortNonce(value) {
  return value.length > 16 ? `${value.slice(0, 10)}… (${value.length} chars)` : value;
}

function formatTime(ms) {
  const d = new Date(ms);
  const secs = Math.round((ms - Date.now()) / 1000);
  const rel = secs >= 0 ? `in ${secs} s` : `${-secs} s ago`;
  return `${d.toLocaleTimeString()} (${rel})`;
}

function annotateClaims(claims) {
  const out = { ...claims };
  for (const k of ["exp", "iat", "nbf", "auth_time"]) {
    if (typeof out[k] === "number") out[k] = `${out[k]}  // ${new Date(out[k] * 1000).toLocaleString()}`;
  }
  return out;
}

function pendingTransactions() {
  const keys = [];
  try {
    for (let i = 0; i < sessionStorage.length; i++) {
      const k = sessionStorage.key(i);
      if (k?.startsWith(TX_PREFIX)) keys.push(k);
    }
  } catch {
    // storage disabled: the package reports storage_unavailable on its own
  }
  return keys;
}

function showTransactions() {
  const n = pendingTransactions().length;
  $("tx-info").textContent = `Pending logins in sessionStorage: ${n}`;
  $("tx-info").dataset.count = String(n);
}

// ---------------------------------------------------------- configuration

async function loadLocalConfig() {
  try {
    const res = await fetch("/demo-config.json", { cache: "no-store" });
    if (res.ok) localConfig = await res.json();
  } catch {
    // served without the local servers: only a configured provider can be used
  }
}

const FIELDS = [
  "issuer",
  "authorizationEndpoint",
  "tokenEndpoint",
  "pushedAuthorizationRequestEndpoint",
  "jwksUri",
  "revocationEndpoint",
  "endSessionEndpoint",
  "clientId",
  "scope",
  "audience",
  "resource",
  "apiUrl",
];
const QUERY_NAMES = {
  issuer: "issuer",
  authorizationEndpoint: "authorization_endpoint",
  tokenEndpoint: "token_endpoint",
  pushedAuthorizationRequestEndpoint: "par_endpoint",
  jwksUri: "jwks_uri",
  revocationEndpoint: "revocation_endpoint",
  endSessionEndpoint: "end_session_endpoint",
  clientId: "client_id",
  scope: "scope",
  audience: "audience",
  resource: "resource",
  apiUrl: "api_url",
};

function auth0Config(domain) {
  const host = domain.trim().replace(/^https?:\/\//, "").replace(/\/+$/, "");
  return {
    issuer: `https://${host}/`,
    authorizationEndpoint: `https://${host}/authorize`,
    tokenEndpoint: `https://${host}/oauth/token`,
    jwksUri: `https://${host}/.well-known/jwks.json`,
    revocationEndpoint: `https://${host}/oauth/revoke`,
    // Auth0's OpenID RP-initiated logout; the page's origin must be an allowed logout URL.
    endSessionEndpoint: `https://${host}/oidc/logout`,
  };
}

/**
 * Query parameters on a normal (non-callback) load configure a real provider:
 *   ?auth0_domain=TENANT.auth0.com&client_id=…&audience=…
 *   ?issuer=…&authorization_endpoint=…&token_endpoint=…&client_id=…&scope=…&resource=…&api_url=…
 *   ?provider=local   (forget it, back to the local provider)
 * They are saved in sessionStorage and removed from the address bar.
 */
function applyQueryConfig() {
  const q = new URLSearchParams(location.search);
  if (location.pathname === CALLBACK_PATH || ![...q.keys()].length) return;
  // ?dpop=1&par=1 (or 0): the extensions, alone or with a provider.
  let changed = false;
  for (const name of ["dpop", "par"]) {
    if (!q.has(name)) continue;
    demoOptions[name] = ["1", "true", "on", "yes"].includes(q.get(name).toLowerCase());
    q.delete(name);
    changed = true;
  }
  if (changed) saveOptions();
  if (![...q.keys()].length) {
    history.replaceState(null, "", location.pathname);
    return;
  }
  if (q.get("provider") === "local") {
    sessionStorage.removeItem(PROVIDER_KEY);
  } else {
    const c = {};
    if (q.get("auth0_domain")) Object.assign(c, auth0Config(q.get("auth0_domain")), { name: "Auth0" });
    for (const f of FIELDS) if (q.get(QUERY_NAMES[f])) c[f] = q.get(QUERY_NAMES[f]);
    if (c.authorizationEndpoint && c.tokenEndpoint && c.clientId) {
      sessionStorage.setItem(PROVIDER_KEY, JSON.stringify(c));
    }
  }
  history.replaceState(null, "", location.pathname);
}

function loadOptions() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(OPTIONS_KEY) ?? "{}");
    demoOptions = { dpop: saved?.dpop === true, par: saved?.par === true };
  } catch {
    demoOptions = { dpop: false, par: false };
  }
}

function saveOptions() {
  sessionStorage.setItem(OPTIONS_KEY, JSON.stringify(demoOptions));
}

/** The checkboxes and the page's explanations follow the options. */
function showOptions() {
  $("opt-dpop").checked = demoOptions.dpop;
  $("opt-par").checked = demoOptions.par;
  document.body.toggleAttribute("data-dpop", demoOptions.dpop);
  document.body.toggleAttribute("data-par", demoOptions.par);
}

function storedProvider() {
  try {
    const raw = sessionStorage.getItem(PROVIDER_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function chooseConfig() {
  const custom = storedProvider();
  if (custom) {
    return { name: custom.name || hostOf(custom.authorizationEndpoint), custom: true, scope: "openid profile email offline_access", ...custom };
  }
  return localConfig ? { ...localConfig, custom: false } : null;
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function renderProvider() {
  $("register-callback").textContent = redirectUri;
  $("register-origin").textContent = location.origin;
  $("register-logout").textContent = `${location.origin}/`;
  $("use-local").classList.toggle("hidden", !(config?.custom && localConfig));
  if (!config) {
    $("provider-name").textContent = "No provider configured: the local servers are not running here. Use another provider.";
    $("provider-summary").replaceChildren();
    return;
  }
  $("provider-name").textContent = config.custom ? `${config.name} (configured in this tab)` : config.name;
  $("provider-summary").replaceChildren(
    ...kv(
      [
        config.issuer && ["issuer", config.issuer],
        ["client_id", config.clientId],
        ["redirect_uri", redirectUri],
        ["scope", config.scope || "(none)"],
        config.audience && ["audience", config.audience],
        config.resource && ["resource", config.resource],
        ["JWKS", config.jwksUri || "(from the issuer's metadata, when an ID token arrives)"],
        ["PAR", config.pushedAuthorizationRequestEndpoint || "(none: PAR cannot be used)"],
        ["revocation", config.revocationEndpoint || "(none: “Log out” cannot revoke the refresh token)"],
        ["end session", config.endSessionEndpoint || "(none: “Log out” stays local)"],
        ["API", config.apiUrl || "(none: step 5 is skipped)"],
      ],
      "kv compact",
    ).childNodes,
  );
}

function fillForm(c) {
  const form = $("provider-form");
  for (const f of FIELDS) form.elements[f].value = c?.[f] ?? "";
}

function readForm() {
  const form = $("provider-form");
  const c = {};
  for (const f of FIELDS) {
    const v = form.elements[f].value.trim();
    if (v) c[f] = v;
  }
  if (form.elements.auth0Domain.value.trim()) c.name = "Auth0";
  return c;
}

function toggleForm(open) {
  $("provider-form").classList.toggle("hidden", !open);
  $("edit-provider").setAttribute("aria-expanded", String(open));
  $("form-error").classList.add("hidden");
  if (open) fillForm(config?.custom ? config : null);
}

// ------------------------------------------------------------- the client

let currentTokenEndpoint = null;
let currentParEndpoint = null;
// The token exchange of the current callback, one entry per request (a DPoP
// nonce challenge makes two), shown together in step 3.
let step3Attempts = [];
// What the last pushed authorization request sent and got, for step 1.
let pushed = null;
// The thumbprint of the key that signed the last token request's proof,
// compared in step 4 with the access token's cnf.jkt.
let tokenProofJkt = null;

function requestParts(input, init) {
  const isRequest = typeof Request !== "undefined" && input instanceof Request;
  return {
    isRequest,
    url: isRequest ? input.url : String(input),
    method: String(init.method ?? (isRequest ? input.method : "GET")).toUpperCase(),
    // As fetch itself does: init.headers, when given, replaces the Request's.
    headers: new Headers(init.headers ?? (isRequest ? input.headers : undefined)),
  };
}

async function formParams(input, init, isRequest) {
  let bodyText = null;
  if (typeof init.body === "string") bodyText = init.body;
  else if (init.body instanceof URLSearchParams) bodyText = init.body.toString();
  else if (isRequest && init.body === undefined) bodyText = await input.clone().text();
  return bodyText === null ? [] : [...new URLSearchParams(bodyText)];
}

/** The OAuth error of a refused request, read from a copy of the answer. */
async function oauthError(response) {
  if (response.ok) return null;
  try {
    const body = await response.clone().json();
    return typeof body?.error === "string" ? body.error : null;
  } catch {
    return null;
  }
}

function responseLine(response, error) {
  const nonce = response.headers.get("dpop-nonce");
  return [
    el(
      "p",
      { class: "http-line" },
      "→ ",
      el("span", { class: `status-code s${String(response.status)[0]}xx` }, String(response.status)),
      ` ${response.statusText || ""}`,
      error ? el("code", { class: "oauth-error" }, ` error=${error}`) : null,
    ),
    nonce ? kv([["DPoP-Nonce", shortNonce(nonce), error === "use_dpop_nonce" ? "the library sends the request once more with it" : "kept for the next proof"]], "kv compact") : null,
  ];
}

/**
 * The `fetch` option: the package calls it for every request to the provider
 * (token, PAR, JWKS, revocation). The token request (step 3, or a refresh in
 * the session log) and the pushed authorization request (step 1) are shown
 * as they are sent — the verifier only as its length, a DPoP proof decoded —
 * and then handed unchanged to the browser's fetch.
 */
function recordingFetch(input, init = {}) {
  const parts = requestParts(input, init);
  if (parts.method === "POST" && parts.url === currentTokenEndpoint) return recordTokenRequest(input, init, parts);
  if (parts.method === "POST" && parts.url === currentParEndpoint) return recordPushedRequest(input, init, parts);
  return fetch(input, init);
}

async function recordTokenRequest(input, init, { isRequest, url, method, headers }) {
  const params = await formParams(input, init, isRequest);
  const proof = headers.get("dpop") ? decodeJwt(headers.get("dpop")) : null;
  if (proof) tokenProofJkt = await jwkThumbprint(proof.header.jwk);

  if (params.some(([k, v]) => k === "grant_type" && v === "refresh_token")) {
    // A refresh, not step 3: it is shown in the session's log.
    const refreshToken = params.find(([k]) => k === "refresh_token")?.[1];
    const details = proof
      ? el("details", { class: "proof refresh-proof" }, el("summary", {}, `DPoP proof (key ${tokenProofJkt})`), proofBlock(proof))
      : null;
    const res = await fetch(input, init).catch((err) => {
      logSession(`POST ${url}  grant_type=refresh_token → failed: ${err.message}`, true, details);
      throw err;
    });
    const error = await oauthError(res);
    logSession(`POST ${url}  grant_type=refresh_token, refresh_token=${mask(refreshToken)} → ${res.status}${error ? ` ${error}` : ""}`, !res.ok, details);
    return res;
  }

  const shown = params.map(([k, v]) => {
    if (k === "code_verifier") return [k, hiddenLength(v), "its SHA-256 must equal step 1's code_challenge"];
    if (k === "code" || k === "refresh_token") return [k, mask(v)];
    return [k, v];
  });
  const headerRows = [];
  if (headers.get("content-type")) headerRows.push(["Content-Type", headers.get("content-type")]);
  if (proof) headerRows.push(["DPoP", "a proof JWT, decoded below"]);
  const sentJkt = savedStep1()?.dpopJkt;
  const request = el(
    "div",
    { class: "http attempt" },
    step3Attempts.length ? el("p", { class: "sub" }, `Attempt ${step3Attempts.length + 1}`) : null,
    el("p", { class: "http-line" }, el("span", { class: "method" }, method), " ", el("code", {}, url)),
    kv(headerRows, "kv compact"),
    el("p", { class: "sub" }, "Form body"),
    kv(shown),
    init.redirect ? el("p", { class: "note" }, `redirect: "${init.redirect}" (a back-channel request never follows redirects)`) : null,
    proof
      ? proofBlock(
          proof,
          sentJkt
            ? `Key thumbprint ${tokenProofJkt}: ${tokenProofJkt === sentJkt ? "equals" : "does NOT equal"} the dpop_jkt of step 1.`
            : `Key thumbprint (RFC 7638): ${tokenProofJkt}`,
        )
      : null,
  );
  step3Attempts.push(request);
  setStep(3, "working", step3Attempts);
  setStatus("Exchanging the code for tokens…", "working");
  let response;
  try {
    response = await fetch(input, init);
  } catch (err) {
    request.append(el("p", { class: "step-error" }, `The request failed: ${err.message}`));
    setStep(3, "error", step3Attempts);
    throw err;
  }
  const error = await oauthError(response);
  request.append(...responseLine(response, error).filter(Boolean));
  // A nonce challenge is answered by a second request: the step goes on.
  setStep(3, response.ok ? "done" : error === "use_dpop_nonce" ? "working" : "error", step3Attempts);
  return response;
}

async function recordPushedRequest(input, init, { isRequest, url, method, headers }) {
  const params = await formParams(input, init, isRequest);
  const proof = headers.get("dpop") ? decodeJwt(headers.get("dpop")) : null;
  const attempt = {
    endpoint: url,
    method,
    params,
    proof,
    jkt: proof ? await jwkThumbprint(proof.header.jwk) : null,
  };
  pushed = pushed ? [...pushed, attempt] : [attempt];
  setStep(1, "working", renderPushed(pushed));
  let response;
  try {
    response = await fetch(input, init);
  } catch (err) {
    attempt.failure = err.message;
    setStep(1, "error", renderPushed(pushed));
    throw err;
  }
  attempt.status = response.status;
  attempt.statusText = response.statusText;
  attempt.nonce = response.headers.get("dpop-nonce");
  try {
    const body = await response.clone().json();
    attempt.error = typeof body?.error === "string" ? body.error : undefined;
    attempt.expiresIn = body?.expires_in;
    attempt.hasRequestUri = typeof body?.request_uri === "string";
  } catch {
    attempt.unreadable = true;
  }
  setStep(1, "working", renderPushed(pushed));
  return response;
}

function renderPushed(attempts) {
  return attempts.map((a, i) => {
    const rows = a.params.map(([k, v]) => {
      let note;
      if (k === "code_challenge") note = `${v.length} characters: BASE64URL(SHA-256(code_verifier))`;
      if (k === "state") note = "random; must come back unchanged";
      if (k === "dpop_jkt") note = "the thumbprint of this browser's DPoP key";
      return [k, v, note];
    });
    const status = a.status
      ? el(
          "p",
          { class: "http-line" },
          "→ ",
          el("span", { class: `status-code s${String(a.status)[0]}xx` }, String(a.status)),
          ` ${a.statusText || ""}`,
          a.error ? el("code", { class: "oauth-error" }, ` error=${a.error}`) : null,
          a.hasRequestUri ? ` request_uri (one-time), expires_in ${a.expiresIn}` : null,
        )
      : a.failure
        ? el("p", { class: "step-error" }, `The request failed: ${a.failure}`)
        : null;
    return el(
      "div",
      { class: "http attempt pushed" },
      el("p", { class: "sub" }, attempts.length > 1 ? `Pushed authorization request, attempt ${i + 1}` : "Pushed authorization request (RFC 9126)"),
      el("p", { class: "http-line" }, el("span", { class: "method" }, a.method), " ", el("code", {}, a.endpoint)),
      el("p", { class: "sub" }, "Form body"),
      kv(rows),
      a.proof ? proofBlock(a.proof, `Key thumbprint (RFC 7638): ${a.jkt}`) : null,
      status,
      a.nonce ? kv([["DPoP-Nonce", shortNonce(a.nonce)]], "kv compact") : null,
    );
  });
}

function makeClient(c) {
  currentTokenEndpoint = c.tokenEndpoint;
  const options = {
    authorizationEndpoint: c.authorizationEndpoint,
    tokenEndpoint: c.tokenEndpoint,
    clientId: c.clientId,
    redirectUri,
    fetch: recordingFetch,
  };
  if (c.issuer) options.issuer = c.issuer;
  if (c.jwksUri) options.jwksUri = c.jwksUri;
  if (c.revocationEndpoint) options.revocationEndpoint = c.revocationEndpoint;
  if (c.endSessionEndpoint) options.endSessionEndpoint = c.endSessionEndpoint;
  options.persistTokens = sessionStore;
  if (c.scope) options.scope = c.scope;
  if (c.audience) options.audience = c.audience;
  if (c.resource) options.extraAuthParams = { resource: c.resource };
  // The key pair lives in IndexedDB with a persisted session (persistTokens
  // above), so the callback page signs with the key the login page announced.
  if (demoOptions.dpop) options.dpop = true;
  currentParEndpoint = null;
  if (demoOptions.par) {
    options.par = true;
    if (c.pushedAuthorizationRequestEndpoint) {
      options.pushedAuthorizationRequestEndpoint = c.pushedAuthorizationRequestEndpoint;
      currentParEndpoint = c.pushedAuthorizationRequestEndpoint;
    }
  }
  return new PkceClient(options);
}

// ------------------------------------------------------------------ steps

function renderAuthorizeRequest(saved) {
  const u = new URL(saved.url);
  const p = u.searchParams;
  const rows = [];
  for (const [k, v] of p) {
    let note;
    if (k === "code_challenge") note = `${v.length} characters: BASE64URL(SHA-256(code_verifier))`;
    if (k === "code_challenge_method") note = "S256, the only method this package sends";
    if (k === "state") note = "random; must come back unchanged";
    if (k === "nonce") note = "random; must come back inside the ID token";
    if (k === "dpop_jkt") note = "RFC 7638 thumbprint of this browser's DPoP key: the code is bound to it";
    if (k === "request_uri") note = "the pushed request's one-time reference";
    rows.push([k, v, note]);
  }
  return [
    saved.pushed ? renderPushed(saved.pushed) : null,
    saved.pushed ? el("p", { class: "sub" }, "Then the browser goes to the authorize endpoint") : null,
    el("p", { class: "http-line" }, el("span", { class: "method" }, "GET"), " ", el("code", {}, `${u.origin}${u.pathname}`)),
    kv(rows),
    el("p", { class: "note" }, "No code_verifier here: it stays in this tab until step 3."),
  ];
}

function renderCallback(href) {
  const u = new URL(href);
  const p = u.searchParams;
  const sentState = savedStep1()?.state ?? null;
  const rows = [];
  for (const [k, v] of p) {
    if (k === "code") rows.push([k, mask(v), "one-time, short-lived; worthless without the verifier"]);
    else if (k === "state") rows.push([k, v, sentState === null ? undefined : sentState === v ? "matches step 1" : "does NOT match step 1"]);
    else if (k === "iss") rows.push([k, v, config?.issuer ? (v === config.issuer ? "matches the issuer (RFC 9207)" : "differs from the issuer") : undefined]);
    else rows.push([k, v]);
  }
  return [el("p", { class: "http-line" }, el("span", { class: "method" }, "GET"), " ", el("code", {}, `${u.origin}${u.pathname}`)), kv(rows)];
}

function tokenBlock(title, token, verifiedClaims) {
  const jwt = decodeJwt(token);
  return el(
    "div",
    { class: "token" },
    el("h3", {}, title),
    kv([["value", mask(token), jwt ? "a JWT: header.claims.signature" : "opaque to the client"]]),
    jwt
      ? el(
          "div",
          { class: "jwt" },
          el("div", {}, el("p", { class: "sub" }, "header"), pre(jwt.header)),
          verifiedClaims
            ? el("div", {}, el("p", { class: "sub" }, "claims (verified by the library)"), pre(annotateClaims(verifiedClaims)))
            : el("div", {}, el("p", { class: "sub" }, "claims (decoded, not verified)"), pre(annotateClaims(jwt.claims))),
        )
      : null,
  );
}

/** With DPoP: whether the access token is bound to the key that signed the token request. */
async function bindingNote(t) {
  const jkt = decodeJwt(t.accessToken)?.claims?.cnf?.jkt;
  if (!demoOptions.dpop && !jkt) return null;
  if (!jkt) {
    return el("p", { class: "note", id: "binding" }, `token_type ${t.tokenType}: the access token carries no cnf.jkt (opaque, or not bound).`);
  }
  const same = jkt === tokenProofJkt;
  return el(
    "p",
    { class: "note", id: "binding", "data-match": String(same) },
    "cnf.jkt ",
    el("code", {}, jkt),
    tokenProofJkt === null
      ? " (no proof was seen for the token request)"
      : el("span", { class: same ? "match" : "mismatch" }, same ? " equals the thumbprint of the proof key: the token is bound to this browser's key" : " differs from the proof key's thumbprint"),
  );
}

function renderTokens(t) {
  const rows = [
    ["token_type", t.tokenType],
    t.expiresAt !== undefined && t.expiresAt !== null && ["expires", formatTime(t.expiresAt), `expiresAt = ${t.expiresAt} (ms since epoch)`],
    t.scope && ["scope", t.scope],
    ["refresh_token", t.refreshToken ? el("code", { id: "refresh-token" }, mask(t.refreshToken)) : "(none issued)", t.refreshToken ? "kept to get new access tokens without a new login" : undefined],
    t.appState !== undefined && t.appState !== null && ["appState", JSON.stringify(t.appState), "given to login(), returned untouched"],
  ];
  return [
    kv(rows),
    tokenBlock("Access token", t.accessToken),
    t.idToken ? tokenBlock("ID token", t.idToken, t.claims) : null,
  ];
}

// client.fetch() calls the page's own fetch; wrapping it here is the only way
// to see what the package adds to an API call (the DPoP proof in particular).
// Only calls to the API made while a call is being shown are recorded.
const pageFetch = window.fetch.bind(window);
let apiAttempts = null;
let lastApiRequest = null; // Authorization and DPoP of the last API call, for “Replay the last proof”
window.fetch = function demoFetch(input, init = {}) {
  const parts = requestParts(input, init);
  if (!apiAttempts || !config?.apiUrl || parts.url.split(/[?#]/)[0] !== config.apiUrl.split(/[?#]/)[0]) return pageFetch(input, init);
  const authorization = parts.headers.get("authorization");
  const dpop = parts.headers.get("dpop");
  const attempt = { method: parts.method, url: parts.url, authorization, proof: dpop ? decodeJwt(dpop) : null };
  apiAttempts.push(attempt);
  if (authorization) lastApiRequest = { authorization, dpop, method: parts.method };
  return pageFetch(input, init).then(
    (res) => {
      attempt.status = res.status;
      attempt.statusText = res.statusText;
      attempt.challenge = res.headers.get("www-authenticate");
      attempt.nonce = res.headers.get("dpop-nonce");
      return res;
    },
    (err) => {
      attempt.failure = err.message;
      throw err;
    },
  );
};

function schemeOf(authorization) {
  return authorization?.split(" ")[0] ?? null;
}

/** What client.fetch() sent, request by request: the scheme, the proof, the answer. */
function renderApiAttempts(attempts) {
  if (!attempts.some((a) => a.proof) && attempts.length < 2) return null;
  return el(
    "div",
    { class: "api-attempts" },
    attempts.map((a, i) =>
      el(
        "div",
        { class: "http attempt" },
        el("p", { class: "sub" }, `Request ${i + 1} sent by client.fetch`),
        kv([["Authorization", a.authorization ? `${schemeOf(a.authorization)} ${mask(a.authorization.slice(a.authorization.indexOf(" ") + 1))}` : "(none)"]], "kv compact"),
        a.proof ? proofBlock(a.proof, a.proof.claims?.ath ? "ath = BASE64URL(SHA-256(access token)): the proof is for this token only" : undefined) : null,
        a.status
          ? el("p", { class: "http-line" }, "→ ", el("span", { class: `status-code s${String(a.status)[0]}xx` }, String(a.status)), ` ${a.statusText || ""}`)
          : null,
        a.challenge && a.status !== 200 ? kv([["WWW-Authenticate", a.challenge]], "kv compact") : null,
        a.nonce ? kv([["DPoP-Nonce", shortNonce(a.nonce), "the library sends the request once more with it"]], "kv compact") : null,
        a.failure ? el("p", { class: "step-error" }, `The request failed: ${a.failure}`) : null,
      ),
    ),
  );
}

async function callApi(mode = "token") {
  if (!config?.apiUrl) {
    setStep(5, "skipped", el("p", {}, "No API URL configured for this provider."));
    return;
  }
  let authorization;
  let shown;
  const before = currentSession()?.accessToken ?? tokens?.accessToken;
  let extraHeaders = {};
  if (mode === "token") {
    // client.fetch() adds the header itself (refreshing a due token first).
    shown = `${demoOptions.dpop ? "DPoP" : "Bearer"} ${mask(before)} (added by client.fetch)`;
  } else if (mode === "replay") {
    if (!lastApiRequest) return;
    authorization = lastApiRequest.authorization;
    if (lastApiRequest.dpop) extraHeaders = { DPoP: lastApiRequest.dpop };
    shown = `${schemeOf(authorization)} <the last call's token>, with the last call's DPoP proof (same jti)`;
  } else if (mode === "forged") {
    authorization = `Bearer ${forge(before)}`;
    shown = "Bearer <the access token with its claims changed, same signature>";
  } else {
    shown = "(no Authorization header)";
  }
  const request = [
    el("p", { class: "http-line" }, el("span", { class: "method" }, "GET"), " ", el("code", {}, config.apiUrl)),
    kv([["Authorization", shown]], "kv compact"),
  ];
  setStep(5, "working", request);
  let res;
  let body;
  let attempts = [];
  try {
    if (mode === "token") {
      apiAttempts = attempts;
      try {
        res = await client.fetch(config.apiUrl, { cache: "no-store" });
      } finally {
        apiAttempts = null;
      }
    } else {
      res = await pageFetch(config.apiUrl, { headers: authorization ? { Authorization: authorization, ...extraHeaders } : {}, cache: "no-store" });
    }
    const text = await res.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } catch (err) {
    if (err instanceof PkceError) {
      // No session (login_required) or a refused refresh: the package's own error.
      showError(err, 5);
      renderSession();
      return;
    }
    setStep(5, "error", request, el("p", { class: "step-error" }, `The request failed (network or CORS): ${err.message}`));
    return;
  }
  const after = currentSession()?.accessToken;
  if (mode === "token" && after && after !== before) {
    const scheme = schemeOf(attempts.at(-1)?.authorization) ?? "Bearer";
    request.push(el("p", { class: "note" }, `client.fetch() refreshed the access token first; sent: ${scheme} ${mask(after)}`));
    renderSession();
  }
  if (mode === "token") request.push(renderApiAttempts(attempts));
  const challenge = res.headers.get("www-authenticate");
  const answer = el(
    "div",
    { class: "api-answer", id: `api-answer-${mode}`, "data-status": String(res.status) },
    el("p", { class: "http-line" }, "→ ", el("span", { class: `status-code s${String(res.status)[0]}xx` }, String(res.status)), ` ${res.statusText || ""}`),
    challenge ? kv([["WWW-Authenticate", challenge]], "kv compact") : null,
    pre(body),
  );
  const user = res.ok && body && typeof body === "object" ? body.preferred_username ?? body.sub ?? body.name : null;
  $("api-replay").disabled = !lastApiRequest?.dpop;
  setStep(
    5,
    mode === "token" ? (res.ok ? "done" : "error") : "done",
    request,
    answer,
    user ? el("p", { class: "user" }, "Signed in as ", el("strong", { id: "api-user" }, String(user))) : null,
  );
  if (mode === "token") setStatus(res.ok ? `Done: the API answered ${res.status}.` : `The API answered ${res.status}.`, res.ok ? "done" : "error");
}

/** The real token with one claim changed: the signature no longer matches. */
function forge(token) {
  const parts = token.split(".");
  const jwt = decodeJwt(token);
  if (!jwt) return `${token}x`;
  const claims = { ...jwt.claims, sub: "mallory" };
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(claims))));
  parts[1] = b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return parts.join(".");
}

// ---------------------------------------------------------------- session

function logSession(text, bad = false, details = null) {
  const item = el("li", bad ? { class: "bad" } : {}, `${new Date().toLocaleTimeString()}  ${text}`, details);
  $("session-log").append(item);
}

/** Shows the package's current session, or hides the card when there is none. */
function renderSession() {
  const s = currentSession();
  $("session").classList.toggle("hidden", !s);
  $("refresh").disabled = !s?.refreshToken;
  $("logout").disabled = !s;
  if (!s) {
    $("session-data").replaceChildren();
    $("claims").replaceChildren();
    updateExpiry();
    return;
  }
  $("session-data").replaceChildren(
    kv([
      ["access token", el("code", { id: "session-access-token" }, mask(s.accessToken))],
      s.expiresAt != null && ["expires at", new Date(s.expiresAt).toLocaleTimeString()],
      ["refresh token", s.refreshToken ? el("code", { id: "session-refresh-token" }, mask(s.refreshToken)) : "(none: a new login is needed when the access token expires)"],
      s.scope && ["scope", s.scope],
    ]),
  );
  $("claims").replaceChildren(
    ...(s.claims
      ? [el("p", { class: "sub" }, "ID token claims (verified)"), el("pre", { class: "json", id: "id-claims" }, JSON.stringify(annotateClaims(s.claims), null, 2))]
      : []),
  );
  updateExpiry();
}

/** The countdown: seconds left on the access token, and whether it is due for refresh. */
function updateExpiry() {
  const box = $("expiry");
  const s = currentSession();
  delete box.dataset.due;
  delete box.dataset.expired;
  if (!s || s.expiresAt == null) {
    box.textContent = s ? "The provider did not say when the access token expires" : "";
    delete box.dataset.seconds;
    return;
  }
  const secs = Math.floor((s.expiresAt - Date.now()) / 1000);
  box.dataset.seconds = String(Math.max(secs, 0));
  if (secs <= 0) {
    box.dataset.expired = "";
    box.textContent = "Access token expired: the next API call refreshes it";
    return;
  }
  const left = secs >= 60 ? `${Math.floor(secs / 60)} min ${String(secs % 60).padStart(2, "0")} s` : `${secs} s`;
  if (secs < 60) box.dataset.due = "";
  box.textContent = `Access token expires in ${left}${secs < 60 ? " (less than a minute: the next API call refreshes it)" : ""}`;
}

async function refreshNow() {
  const s = currentSession();
  if (!s || !sessionKey) return;
  $("refresh").disabled = true;
  hideError();
  // getAccessToken() refreshes only a token that is due: mark this one due.
  sessionStore.setItem(sessionKey, JSON.stringify({ ...s, expiresAt: Date.now() }));
  try {
    await client.getAccessToken();
    const now = currentSession();
    logSession(
      `new access token ${mask(now.accessToken)}; refresh token ${now.refreshToken !== s.refreshToken ? "rotated: the old one is now refused" : "unchanged"}`,
    );
    setStatus("Refreshed: a new access token.", "done");
  } catch (err) {
    showError(err);
    logSession(`refresh failed: ${err.code ?? err.name}`, true);
  }
  renderSession();
}

async function logOut() {
  $("logout").disabled = true;
  $("refresh").disabled = true;
  setStatus("Logging out: revoking the refresh token and ending the provider's session…", "working");
  sessionStorage.setItem(SIGNED_OUT_KEY, JSON.stringify({ revoked: Boolean(config.revocationEndpoint), endSession: Boolean(config.endSessionEndpoint) }));
  try {
    // Clears the session, revokes the refresh token, then leaves for the end-session
    // endpoint (or straight for returnTo without one).
    await client.logout({ returnTo: `${location.origin}/` });
  } catch (err) {
    sessionStorage.removeItem(SIGNED_OUT_KEY);
    showError(err);
    renderSession();
  }
}

function signedOutNotice() {
  const raw = sessionStorage.getItem(SIGNED_OUT_KEY);
  if (raw === null) return null;
  sessionStorage.removeItem(SIGNED_OUT_KEY);
  let how = {};
  try {
    how = JSON.parse(raw) ?? {};
  } catch {}
  const parts = ["the session was cleared"];
  if (how.revoked) parts.push("the refresh token revoked");
  if (how.endSession) parts.push("the provider's session ended");
  return `Signed out: ${parts.join(", ")}. Press “Log in” to start again.`;
}

function setApiButtons(enabled) {
  for (const id of ["api-call", "api-no-token", "api-garbage"]) $(id).disabled = !enabled || !config?.apiUrl;
  $("api-replay").disabled = !enabled || !lastApiRequest?.dpop;
}

/**
 * Step 1 as the login page saw it, for the callback page: the authorize URL,
 * the pushed request when PAR was on, and the state and dpop_jkt sent (in the
 * URL, or only in the pushed request).
 */
function saveStep1(url) {
  const sent = new URLSearchParams(pushed?.at(-1)?.params ?? []);
  const inUrl = new URL(url).searchParams;
  const saved = {
    url,
    pushed,
    state: sent.get("state") ?? inUrl.get("state"),
    dpopJkt: sent.get("dpop_jkt") ?? inUrl.get("dpop_jkt"),
  };
  sessionStorage.setItem(STEP1_KEY, JSON.stringify(saved));
}

function savedStep1() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STEP1_KEY));
    return typeof saved?.url === "string" ? saved : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------- flow

async function login() {
  resetSteps();
  $("login").disabled = true;
  setStatus("Preparing the authorization request…", "working");
  try {
    // The URL is built first (instead of client.login()) so step 1 can show it;
    // login() does the same and then calls location.assign itself.
    pushed = null;
    const url = await client.authorizeUrl({ appState: { returnTo: "/", startedAt: new Date().toISOString() } });
    saveStep1(url);
    setStep(1, "done", renderAuthorizeRequest(savedStep1()));
    showTransactions();
    setStatus("Redirecting to the provider…", "redirecting");
    location.assign(url);
  } catch (err) {
    showError(err, 1);
    $("login").disabled = false;
  }
}

// Popup login: the window must open inside the click, so loginWithPopup() is
// called before anything is awaited.
function loginPopup() {
  resetSteps();
  $("login").disabled = $("login-popup").disabled = true;
  step3Attempts = [];
  const started = client.loginWithPopup({ appState: { returnTo: "/", popup: true } });
  setStatus("Waiting for the popup: log in there (this page stays)…", "working");
  showTransactions();
  started.then(
    (t) => {
      setStep(2, "done");
      return loggedIn(t);
    },
    (err) => {
      showError(err, err?.code === "cancelled" || err?.code?.startsWith("popup_") ? 1 : 4);
      showTransactions();
    },
  ).finally(() => {
    $("login").disabled = $("login-popup").disabled = false;
  });
}

async function handleCallback() {
  const href = location.href;
  const saved = savedStep1();
  if (saved) setStep(1, "done", renderAuthorizeRequest(saved));
  setStep(2, "working", renderCallback(href));
  setStatus("Validating the callback…", "working");
  step3Attempts = [];
  try {
    tokens = await client.handleCallback(href);
  } catch (err) {
    const step = { token_error: 4, invalid_token_response: 4, network_error: 3, storage_unavailable: 2 }[err?.code] ?? (err?.code ? 2 : 4);
    if (step > 2) setStep(2, "done");
    showError(err, step);
    // The package leaves the address bar alone on failure; the code is spent or
    // unusable either way, so it should not stay in the history.
    history.replaceState(null, "", CALLBACK_PATH);
    showTransactions();
    return;
  } finally {
    sessionStorage.removeItem(STEP1_KEY);
  }
  setStep(2, "done");
  await loggedIn(tokens);
}

/** Step 4 and the session, then a first API call, after either kind of login. */
async function loggedIn(t) {
  tokens = t;
  setStep(4, "done", renderTokens(tokens), await bindingNote(tokens));
  showTransactions();
  setApiButtons(true);
  renderSession();
  await callApi("token");
}

async function main() {
  loadOptions();
  applyQueryConfig();
  showOptions();
  await loadLocalConfig();
  config = chooseConfig();
  renderProvider();
  showTransactions();

  $("edit-provider").addEventListener("click", () => toggleForm($("provider-form").classList.contains("hidden")));
  $("cancel-edit").addEventListener("click", () => toggleForm(false));
  $("use-local").addEventListener("click", () => {
    sessionStorage.removeItem(PROVIDER_KEY);
    location.assign("/");
  });
  $("fill-auth0").addEventListener("click", () => {
    const form = $("provider-form");
    const domain = form.elements.auth0Domain.value.trim();
    if (!domain) return;
    const c = auth0Config(domain);
    for (const [k, v] of Object.entries(c)) form.elements[k].value = v;
    if (!form.elements.scope.value) form.elements.scope.value = "openid profile email offline_access";
    if (!form.elements.apiUrl.value) form.elements.apiUrl.value = `https://${hostOf(c.tokenEndpoint)}/userinfo`;
  });
  $("discover").addEventListener("click", discover);
  $("provider-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const c = readForm();
    try {
      makeClient(c); // the package validates the configuration
    } catch (err) {
      $("form-error").textContent = `${err.code ?? "error"}: ${err.message}`;
      $("form-error").classList.remove("hidden");
      return;
    }
    sessionStorage.setItem(PROVIDER_KEY, JSON.stringify(c));
    location.assign("/");
  });
  $("login").addEventListener("click", login);
  $("login-popup").addEventListener("click", loginPopup);
  $("reset").addEventListener("click", startOver);
  for (const name of ["dpop", "par"]) {
    $(`opt-${name}`).addEventListener("change", (e) => {
      demoOptions[name] = e.target.checked;
      saveOptions();
      showOptions();
      if (!config) return;
      // Another configuration is another client: start over with it.
      try {
        client = makeClient(config);
      } catch (err) {
        client = null;
        startOver();
        showError(err, 1);
        return;
      }
      startOver();
    });
  }
  $("api-call").addEventListener("click", () => callApi("token"));
  $("api-no-token").addEventListener("click", () => callApi("none"));
  $("api-garbage").addEventListener("click", () => callApi("forged"));
  $("api-replay").addEventListener("click", () => callApi("replay"));
  $("refresh").addEventListener("click", refreshNow);
  $("logout").addEventListener("click", logOut);
  setInterval(updateExpiry, 1000);

  try {
    await init();
  } catch (err) {
    showError(err);
    setStatus("The package could not be loaded (was it built? `bash scripts/build.sh`).", "error");
    return;
  }
  // This page is also the redirect URI of popup logins: in the popup it hands
  // the response to the page that opened it, which closes it.
  if (PkceClient.popupCallback()) {
    setStatus("Handing the response to the page that opened this popup…", "working");
    return;
  }
  if (!config) {
    setStatus("Configure a provider to start.", "ready");
    toggleForm(true);
    return;
  }
  try {
    client = makeClient(config);
  } catch (err) {
    showError(err, 1);
    return;
  }

  if (client.isCallback(location.href)) {
    await handleCallback();
  } else {
    setStatus(signedOutNotice() ?? "Ready. Press “Log in” to start.", "ready");
  }
  $("login").disabled = $("login-popup").disabled = false;
}

function startOver() {
  tokens = null;
  memory.clear();
  lastApiRequest = null;
  $("session-log").replaceChildren();
  renderSession();
  resetSteps();
  history.replaceState(null, "", "/");
  setStatus("Ready. Press “Log in” to start.", "ready");
  $("login").disabled = $("login-popup").disabled = !client;
}

async function discover() {
  const form = $("provider-form");
  const issuer = form.elements.issuer.value.trim();
  if (!issuer) return;
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${res.status} from ${url}`);
    const meta = await res.json();
    if (meta.authorization_endpoint) form.elements.authorizationEndpoint.value = meta.authorization_endpoint;
    if (meta.token_endpoint) form.elements.tokenEndpoint.value = meta.token_endpoint;
    form.elements.pushedAuthorizationRequestEndpoint.value = meta.pushed_authorization_request_endpoint ?? "";
    if (meta.jwks_uri) form.elements.jwksUri.value = meta.jwks_uri;
    form.elements.revocationEndpoint.value = meta.revocation_endpoint ?? "";
    form.elements.endSessionEndpoint.value = meta.end_session_endpoint ?? "";
    if (meta.issuer) form.elements.issuer.value = meta.issuer;
    if (meta.userinfo_endpoint && !form.elements.apiUrl.value) form.elements.apiUrl.value = meta.userinfo_endpoint;
    $("form-error").classList.add("hidden");
  } catch (err) {
    $("form-error").textContent = `Discovery failed: ${err.message}`;
    $("form-error").classList.remove("hidden");
  }
}

main().catch((err) => showError(err));
