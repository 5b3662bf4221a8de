// Types of the pkce-wasm entry point. Hand-written: the generated
// pkg/pkce_wasm.d.ts describes the internal wasm boundary, not this API.

/** Sources `init()` accepts for the .wasm file. */
export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module
  | Promise<RequestInfo | URL | Response | BufferSource | WebAssembly.Module>;

/**
 * Loads and instantiates the WebAssembly module. Idempotent: later calls return
 * the same Promise. Pass `input` only when the .wasm file is not served next to
 * `pkg/pkce_wasm.js` (e.g. a bundler that renames assets).
 */
export default function init(input?: InitInput): Promise<void>;

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
 * every request to the provider: token (POST, form body), JWKS, discovery and
 * revocation (GET or POST).
 */
export type FetchLike = (
  url: string,
  init: {
    method: "POST" | "GET";
    headers: Record<string, string>;
    body?: string;
    redirect: "manual";
    credentials: "omit";
    cache?: "no-store";
  },
) => Promise<ResponseLike>;

export interface PkceClientConfig {
  /** Enables the RFC 9207 `iss` check: a callback's `iss`, when present, must equal it exactly. */
  issuer?: string;
  /** https (http only on 127.0.0.1, [::1] or localhost); its own query is kept. */
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
  /** Used for the token request instead of the global `fetch`. */
  fetch?: FetchLike;
  /** Seconds a started login stays valid. Default 600, 1 to 86400. */
  transactionTtlSeconds?: number;
  /** The provider's JWKS; required with the `openid` scope (ID tokens are always verified). */
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
}

export interface DiscoverOptions extends Omit<PkceClientConfig, "authorizationEndpoint" | "tokenEndpoint"> {
  issuer: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
}

export interface LogoutOptions {
  /** Where the provider sends the user afterwards (`post_logout_redirect_uri`; must be registered). */
  returnTo?: string;
  /** Opens the logout URL instead of `location.assign` (hybrid apps: the same in-app browser as login). */
  open?: (url: string) => unknown;
}

export interface AuthorizeOptions<S = unknown> {
  /** Any JSON-serialisable value, returned as `tokens.appState`. Kept in storage, never in the URL. */
  appState?: S;
  /** Per-call extra parameters (e.g. `login_hint`); they replace configured ones of the same name. */
  extraAuthParams?: Record<string, string>;
}

export interface TokenSet<S = unknown> {
  accessToken: string;
  /** Always "Bearer": other token types are refused. */
  tokenType: "Bearer";
  /** Milliseconds since the epoch (compare with `Date.now()`); absent when the server sent no `expires_in`. */
  expiresAt?: number;
  refreshToken?: string;
  idToken?: string;
  /** The granted scope, when the server said. */
  scope?: string;
  /** The verified ID token's claims (with `openid`). */
  claims?: Record<string, unknown> & { iss: string; sub: string; aud: string | string[]; exp: number; iat: number };
  appState?: S;
}

export type PkceErrorCode =
  | "invalid_config"
  | "storage_unavailable"
  | "no_transaction"
  | "invalid_callback"
  | "issuer_mismatch"
  | "authorization_error"
  | "token_error"
  | "invalid_token_response"
  | "network_error"
  | "crypto_unavailable"
  | "not_initialized"
  | "invalid_id_token"
  | "discovery_error"
  | "login_required"
  | "cancelled";

/** Every error this package throws. Messages never contain a verifier, code or token. */
export declare class PkceError extends Error {
  constructor(
    code: PkceErrorCode,
    message: string,
    details?: {
      error?: string;
      errorDescription?: string;
      errorUri?: string;
      status?: number;
      field?: string;
      cause?: unknown;
    },
  );
  readonly name: "PkceError";
  readonly code: PkceErrorCode;
  /** OAuth `error` (authorization_error, token_error). Untrusted text: render as text. */
  readonly error?: string;
  readonly errorDescription?: string;
  /** Only https values are passed on. */
  readonly errorUri?: string;
  /** HTTP status of the token response. */
  readonly status?: number;
  /** The configuration option or response member that failed. */
  readonly field?: string;
}

export declare class PkceClient {
  /** Validates the configuration; throws PkceError `invalid_config` (or `not_initialized` before `init()`). */
  constructor(config: PkceClientConfig);
  /** Saves a new transaction and resolves with the URL to open. Rejects `storage_unavailable` if it cannot be saved. */
  authorizeUrl<S = unknown>(options?: AuthorizeOptions<S>): Promise<string>;
  /** `authorizeUrl()` followed by `location.assign()` (single-page apps). */
  login<S = unknown>(options?: AuthorizeOptions<S>): Promise<void>;
  /** Whether `href` (default `location.href`) is this redirectUri carrying `code` or `error`. */
  isCallback(href?: string): boolean;
  /**
   * Validates the callback (duplicates → iss → state → error → code), takes its
   * transaction, exchanges the code. `href` defaults to `location.href`, which
   * is then cleaned of `code`/`state`.
   */
  handleCallback<S = unknown>(href?: string): Promise<TokenSet<S>>;
  /** Reads and checks the provider metadata (OIDC Discovery, then RFC 8414) and returns a client configured from it. */
  static discover(options: DiscoverOptions): Promise<PkceClient>;
  /** A valid access token, refreshed when it expires within a minute. Rejects `login_required` without a session. */
  getAccessToken(): Promise<string>;
  /** Refreshes now (rotation, ID token checks as usual); resolves with the new session. */
  refresh(): Promise<TokenSet>;
  /** The current session, or null: `expiresAt`, `scope`, `claims`, … (a copy). */
  getSession(): Promise<(TokenSet & { receivedAt: number }) | null>;
  /** `fetch` with `Authorization: Bearer …`; one refresh-and-retry on a 401 `error="invalid_token"`. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Clears the session, revokes the refresh token, and goes to the end-session endpoint. Resolves with the URL opened, if any. */
  logout(options?: LogoutOptions): Promise<string | undefined>;
  /** Revokes the session's refresh token (or access token) and clears the session. */
  revoke(): Promise<void>;
}
