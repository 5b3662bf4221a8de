// The shapes PkceClient's methods take and return. wasm-bindgen copies this
// file into pkg/pkce_wasm.d.ts (src/client.rs, `typescript_custom_section`);
// the methods themselves are typed there from the Rust signatures.

/**
 * Anything with the Web Storage trio. Each method may return a value or a
 * Promise (Capacitor Preferences via an adapter, secure-storage plugins).
 */
export interface StorageLike {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** The part of a `fetch` Response this library reads. */
export interface ResponseLike {
  status: number;
  headers?: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * A `fetch`-compatible function (e.g. one built on CapacitorHttp), used for
 * every request to the provider: token, refresh and revocation (POST, form
 * body), discovery and JWKS (GET).
 */
export type FetchLike = (
  url: string,
  init: {
    method: "POST" | "GET";
    /** `headers.dpop` carries the DPoP proof of token and PAR requests. */
    headers: Record<string, string>;
    body?: string;
    redirect: "manual";
    credentials: "omit";
    cache?: "no-store" | "default" | "reload";
  },
) => Promise<ResponseLike>;

export interface PkceClientConfig {
  /** Enables the RFC 9207 `iss` check; required with `openid` (ID tokens are checked against it). */
  issuer?: string;
  /** https (http only on 127.0.0.0/8, [::1] or localhost); its own query is kept. */
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  /** Absolute, no fragment: https, loopback http, or a reverse-DNS scheme (`com.example.app:/callback`). */
  redirectUri: string;
  scope?: string;
  /** Sent as `audience` (Auth0 and others); for RFC 8707 use `extraAuthParams: { resource }`. */
  audience?: string;
  /** Added to every authorize URL; may not set a protocol parameter (state, redirect_uri, …). */
  extraAuthParams?: Record<string, string>;
  /** Where pending transactions (verifier, state) live. Default "sessionStorage". */
  storage?: "sessionStorage" | "localStorage" | StorageLike;
  /** Used for every request to the provider instead of the page's `fetch`. */
  fetch?: FetchLike;
  /** Seconds a started login stays valid. Default 600, 1 to 86400. */
  transactionTtlSeconds?: number;
  /** The provider's JWKS. With `openid` and no jwksUri, it is read from the issuer's metadata when first needed. */
  jwksUri?: string;
  /** RFC 7009 endpoint, used by `logout()` and `revoke()`. */
  revocationEndpoint?: string;
  /** OIDC RP-initiated logout endpoint, used by `logout()`. */
  endSessionEndpoint?: string;
  /** The provider always sends `iss` in authorization responses (RFC 9207): a callback without it is refused. Set by `discover()` from the metadata. */
  requireIss?: boolean;
  /**
   * Keep the session (access, refresh and ID token) in this storage instead of
   * memory only. Any script on the origin can read Web Storage, so a stolen
   * refresh token outlives the page: use it only when sessions must survive a
   * reload or be shared by tabs (then `"localStorage"`, with refresh coordinated
   * across tabs through the Web Locks API).
   */
  persistTokens?: false | "sessionStorage" | "localStorage" | StorageLike;
  /**
   * Sender-constrained tokens (DPoP, RFC 9449): a non-extractable ES256 key
   * signs a proof for every token request and every `client.fetch`, and the
   * authorization request carries the key's thumbprint (`dpop_jkt`).
   */
  dpop?: boolean | DpopOptions;
  /**
   * Push the authorization request first (PAR, RFC 9126); the browser then
   * goes to the authorization endpoint with `client_id` and `request_uri`
   * only. Set by `discover()` when the provider requires it.
   */
  par?: boolean;
  /** RFC 9126 endpoint; `discover()` reads it from the metadata. */
  pushedAuthorizationRequestEndpoint?: string;
}

export interface DpopOptions {
  /**
   * Where key pairs are kept beyond the page. Default: a login's key waits
   * in IndexedDB for its callback; the session's key lives in memory, and in
   * IndexedDB too when `persistTokens` is set.
   */
  keyStore?: DpopKeyStore;
  /**
   * Accept a `Bearer` token from a server that ignored the proof (then
   * `tokenType` is "Bearer"). Default false: such an answer is refused with
   * `invalid_token_response` (field `token_type`).
   */
  allowBearer?: boolean;
}

/** Keeps `CryptoKeyPair`s (structured-cloneable; the private key is non-extractable). */
export interface DpopKeyStore {
  get(id: string): CryptoKeyPair | null | undefined | Promise<CryptoKeyPair | null | undefined>;
  set(id: string, keys: CryptoKeyPair): void | Promise<void>;
  remove(id: string): void | Promise<void>;
}

export interface DiscoverOptions extends Omit<PkceClientConfig, "authorizationEndpoint" | "tokenEndpoint"> {
  issuer: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
}

export interface AuthorizeOptions {
  /** Any JSON-serialisable value, returned as `tokens.appState`. Kept in storage, never in the URL. */
  appState?: unknown;
  /** Per-call extra parameters (e.g. `login_hint`); they replace configured ones of the same name. */
  extraAuthParams?: Record<string, string>;
}

export interface LogoutOptions {
  /** Where the provider sends the user afterwards (`post_logout_redirect_uri`; must be registered). */
  returnTo?: string;
  /** Opens the logout URL instead of `location.assign` (hybrid apps: the same in-app browser as login). */
  open?: (url: string) => unknown;
}

export interface TokenSet {
  accessToken: string;
  /** "DPoP" for a sender-constrained token (with `dpop`), else "Bearer": other token types are refused. */
  tokenType: "Bearer" | "DPoP";
  /** Milliseconds since the epoch (compare with `Date.now()`); absent when the server sent no `expires_in`. */
  expiresAt?: number;
  refreshToken?: string;
  idToken?: string;
  /** The granted scope, when the server said. */
  scope?: string;
  /** The verified ID token's claims (with `openid`). */
  claims?: Record<string, unknown> & { iss: string; sub: string; aud: string | string[]; exp: number; iat: number };
  /** What was passed to `authorizeUrl({ appState })` (from `handleCallback` only). */
  appState?: unknown;
}

/** The session `getSession()` returns: the TokenSet and when it was saved. */
export interface Session extends Omit<TokenSet, "appState"> {
  receivedAt: number;
}

/** Options of `loginWithPopup()`: those of `authorizeUrl()`, and the popup's. */
export interface PopupLoginOptions extends AuthorizeOptions {
  /**
   * A window the app opened itself (in the click handler, before any `await`).
   * `null` (its `window.open()` was blocked) rejects with `popup_blocked`.
   * Default: one is opened by `loginWithPopup()` itself.
   */
  popup?: Window | null;
  /** `window.open()` features of the window opened. Default "popup,width=500,height=640". */
  features?: string;
  /** Rejects with `popup_timeout` (and closes the popup) when the login takes longer. Default: no limit. */
  timeoutSeconds?: number;
  /**
   * Whether a popup seen closed ends the login with `cancelled`. Default true.
   * Set false only when the provider's pages send `Cross-Origin-Opener-Policy`:
   * the popup then looks closed to the app as soon as it reaches them, and the
   * callback arrives over a BroadcastChannel; give `timeoutSeconds` with it.
   */
  cancelOnClose?: boolean;
}
