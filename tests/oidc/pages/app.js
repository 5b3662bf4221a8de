// The page the OIDC tests drive: it imports the package through its public
// entry point and gives the tests a handle (`window.t`) to create clients and
// call them. Errors come back as plain objects, since a PkceError cannot cross
// from the page to the test as it is.
import init, { PkceClient, PkceError } from "pkce-wasm";

const errorInfo = (e) => ({
  name: e?.name,
  isPkceError: e instanceof PkceError,
  code: e?.code,
  field: e?.field,
  error: e?.error,
  status: e?.status,
  message: String(e?.message ?? e),
});

const storageOf = (name) => (name === "localStorage" ? localStorage : sessionStorage);

window.t = {
  client: null,
  clients: {},

  /** A client with these options; kept as t.client (and t.clients[name]). */
  make(options, name = "default") {
    this.client = new PkceClient(options);
    this.clients[name] = this.client;
    return true;
  },

  async discover(options, name = "default") {
    this.client = await PkceClient.discover(options);
    this.clients[name] = this.client;
    return true;
  },

  /** { ok: true, value } or { ok: false, error } for whatever f returns or throws. */
  async capture(f) {
    try {
      return { ok: true, value: await f() };
    } catch (e) {
      return { ok: false, error: errorInfo(e) };
    }
  },

  /** Starts a login without leaving the page: state and nonce of the authorize URL. */
  async begin(options) {
    const url = new URL(await this.client.authorizeUrl(options));
    return { url: url.href, state: url.searchParams.get("state"), nonce: url.searchParams.get("nonce") };
  },

  /** client.fetch(url): the answer's status, body and challenge. */
  async fetch(url, init) {
    const res = await this.client.fetch(url, init);
    return { status: res.status, body: await res.text(), wwwAuthenticate: res.headers.get("www-authenticate") };
  },

  /** Storage keys (and values) starting with `prefix`. */
  entries(storage, prefix) {
    const s = storageOf(storage);
    const out = {};
    for (let i = 0; i < s.length; i++) {
      const k = s.key(i);
      if (k.startsWith(prefix)) out[k] = s.getItem(k);
    }
    return out;
  },

  /** The persisted session, parsed, or null. */
  session(storage, clientId) {
    const v = storageOf(storage).getItem(`pkce-wasm.session.${clientId}`);
    return v === null ? null : JSON.parse(v);
  },

  /** Rewrites fields of the persisted session (to make the client believe a token is still fresh). */
  patchSession(storage, clientId, patch) {
    const key = `pkce-wasm.session.${clientId}`;
    const s = storageOf(storage);
    s.setItem(key, JSON.stringify({ ...JSON.parse(s.getItem(key)), ...patch }));
  },
};

try {
  await init();
  document.body.dataset.state = "ready";
  document.getElementById("status").textContent = "ready";
} catch (e) {
  document.body.dataset.state = "error";
  document.getElementById("status").textContent = `init failed: ${e?.message ?? e}`;
}
