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

/** A `fetch`-compatible function (e.g. one built on CapacitorHttp). */
export type FetchLike = (
  url: string,
  init: {
    method: "POST";
    headers: Record<string, string>;
    body: string;
    redirect: "manual";
    credentials: "omit";
    cache: "no-store";
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
}
