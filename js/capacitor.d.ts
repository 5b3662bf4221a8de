// Types for pkce-wasm/capacitor. The plugin parameters are typed structurally
// so this file does not require the optional @capacitor/* peer dependencies.
import type { PkceClient, StorageLike } from "./index.js";
import type { LoginTokenSet } from "./hybrid.js";

export { PkceError } from "./index.js";

/** Milliseconds a login waits, after `browserFinished`, for the callback before `cancelled`. */
export { DEFAULT_CANCEL_GRACE_MS } from "./hybrid.js";

/** What `addListener` resolves to in Capacitor 3 and later. */
export interface ListenerHandle {
  remove(): Promise<void> | void;
}

/** The part of @capacitor/browser's `Browser` that is used. */
export interface BrowserLike {
  open(options: { url: string; [option: string]: unknown }): Promise<void>;
  close(): Promise<void>;
  addListener(eventName: "browserFinished", listener: () => void): Promise<ListenerHandle> | ListenerHandle;
}

/** The part of @capacitor/app's `App` that is used. */
export interface AppLike {
  addListener(eventName: "appUrlOpen", listener: (event: { url: string }) => void): Promise<ListenerHandle> | ListenerHandle;
  getLaunchUrl(): Promise<{ url: string } | undefined>;
}

/** The part of @capacitor/core's `CapacitorHttp` that is used. */
export interface CapacitorHttpLike {
  request(options: {
    url: string;
    method: string;
    headers?: Record<string, string>;
    data?: any;
    disableRedirects?: boolean;
    responseType?: "arraybuffer" | "blob" | "json" | "text" | "document";
    connectTimeout?: number;
    readTimeout?: number;
    webFetchExtra?: RequestInit;
  }): Promise<{ status: number; headers: Record<string, string>; data: unknown; url: string }>;
}

/** The part of @capacitor/preferences' `Preferences` that is used. */
export interface PreferencesLike {
  get(options: { key: string }): Promise<{ value: string | null }>;
  set(options: { key: string; value: string }): Promise<void>;
  remove(options: { key: string }): Promise<void>;
}

/** What capacitorHttpFetch resolves to: the part of `Response` the client reads. */
export interface CapacitorHttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly url: string;
  readonly redirected: false;
  readonly headers: { get(name: string): string | null; has(name: string): boolean };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface CapacitorLoginOptions<S = unknown> {
  Browser: BrowserLike;
  App: AppLike;
  /** Saved with the transaction and returned as `TokenSet.appState`. */
  appState?: S;
  /** Extra `Browser.open` options, e.g. `{ presentationStyle: "popover", toolbarColor: "#123456" }`. */
  browserOptions?: Record<string, unknown>;
  /** Default DEFAULT_CANCEL_GRACE_MS (1500): Android may report `browserFinished` just before the deep link. */
  cancelGraceMs?: number;
  /** Aborting rejects the login with PkceError `cancelled` and closes the browser. */
  signal?: AbortSignal;
}

/**
 * Builds the authorization URL, opens it with `Browser.open`, waits for the
 * `appUrlOpen` whose URL is this login's callback (same redirect URI and
 * `state`), closes the browser and resolves with `handleCallback`'s TokenSet.
 * Other links, and callbacks for any other state, are ignored.
 * Rejects with PkceError `cancelled` when the user closes the browser and no
 * callback follows. Every listener it added is removed before it settles.
 */
export declare function loginWithCapacitor<S = unknown>(client: PkceClient, options: CapacitorLoginOptions<S>): Promise<LoginTokenSet<S>>;

/**
 * Cold start: if `App.getLaunchUrl()` is a callback for `client`, completes
 * that login; otherwise resolves with null. Rejects as `handleCallback` does;
 * `no_transaction` means already used, expired, or not started by this app.
 */
export declare function resumeCapacitorLogin<S = unknown>(client: PkceClient, options: { App: Pick<AppLike, "getLaunchUrl"> }): Promise<LoginTokenSet<S> | null>;

/**
 * A `fetch` for PkceClient built on CapacitorHttp: the token request leaves
 * from native code (no CORS), redirects are not followed, and the form body
 * is sent exactly as encoded.
 */
export declare function capacitorHttpFetch(
  CapacitorHttp: CapacitorHttpLike,
  options?: { connectTimeout?: number; readTimeout?: number },
): (input: string | URL, init?: RequestInit) => Promise<CapacitorHttpResponse>;

/** A durable StorageLike over @capacitor/preferences, for PkceClient's `storage` option. */
export declare function preferencesStorage(Preferences: PreferencesLike): StorageLike;
