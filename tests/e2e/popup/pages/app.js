// The app of the popup tests: one page for both roles, as a single-page app
// is. Opened as the redirect URI in a login popup it hands the response to
// its opener first thing (PkceClient.popupCallback) and is done; opened
// otherwise it is the app, whose buttons start popup logins with the options
// the test set (window.t.options). Outcomes come back as plain objects.
import init, { PkceClient, PkceError } from "pkce-wasm";

const errorInfo = (e) => ({
  isPkceError: e instanceof PkceError,
  code: e?.code,
  message: String(e?.message ?? e),
});

async function capture(f) {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}

window.t = {
  client: null,
  options: {},
  /** The outcome of the last loginWithPopup() (a Promise of { ok, value | error }). */
  outcome: null,
  make(config) {
    this.client = new PkceClient(config);
    return true;
  },
  /** Pending transactions, sessions and popup markers in this page's storages. */
  keys() {
    const of = (s) => Array.from({ length: s.length }, (_, i) => s.key(i)).filter((k) => k.startsWith("pkce-wasm."));
    return { session: of(sessionStorage), local: of(localStorage) };
  },
};

// Each button starts the login synchronously in its click handler, as an app must.
document.getElementById("login").addEventListener("click", () => {
  window.t.outcome = capture(() => window.t.client.loginWithPopup(window.t.options));
});
document.getElementById("login-own-window").addEventListener("click", () => {
  const popup = window.open("", "_blank", "popup,width=480,height=600");
  window.t.outcome = capture(() => window.t.client.loginWithPopup({ ...window.t.options, popup }));
});

try {
  await init();
  if (PkceClient.popupCallback()) {
    document.body.dataset.state = "handed-over";
  } else {
    document.body.dataset.state = "ready";
    document.getElementById("status").textContent = "ready";
    // A login started with no user activation at all: what a popup blocker refuses.
    if (location.hash === "#login-at-load") {
      window.t.make(JSON.parse(decodeURIComponent(location.search.slice(1))));
      window.t.outcome = capture(() => window.t.client.loginWithPopup());
    }
  }
} catch (e) {
  document.body.dataset.state = "error";
  document.getElementById("status").textContent = `failed: ${e?.message ?? e}`;
}
