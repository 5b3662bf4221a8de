// Types for pkce-wasm/hybrid: login in an external user agent, result by deep
// link, for any WebView shell. pkce-wasm/capacitor and pkce-wasm/cordova are
// built on these.
import type { PkceClient, TokenSet } from "./index.js";

export { PkceError } from "./index.js";

/** The TokenSet a login resolves with, `appState` typed as what the login was given. */
export type LoginTokenSet<S = unknown> = Omit<TokenSet, "appState"> & { appState?: S };

/** Milliseconds a login waits, after the browser reports it closed, for the callback before `cancelled`. */
export declare const DEFAULT_CANCEL_GRACE_MS: number;

/** Removes a subscription. */
export type Unsubscribe = () => void | Promise<void>;

/** Where deep-link URLs come from (custom scheme or claimed https link). */
export interface DeepLinkSource {
  /** Calls `listener` with each URL; returns (or resolves to) the function that stops it. */
  subscribe(listener: (url: string) => void): Unsubscribe | Promise<Unsubscribe>;
}

/** A DeepLinkSource fed by the app: call `deliver(url)` from any plugin's callback. */
export interface DeepLinkHub extends DeepLinkSource {
  deliver(url: string): void;
  subscribe(listener: (url: string) => void): Unsubscribe;
}

/** Opens the authorization URL in an external user agent (never the app's own WebView). */
export interface ExternalBrowser {
  /**
   * Opens `url`; calls `events.closed()` if the user dismisses the browser.
   * May return (or resolve to) a function that removes what it registered.
   */
  open(url: string, events: { closed(): void }): void | Unsubscribe | Promise<void | Unsubscribe>;
  /**
   * Optional: subscribes to the browser's own "dismissed" event before `open` is
   * called; returns (or resolves to) the function that unsubscribes.
   */
  onClosed?(listener: () => void): Unsubscribe | Promise<Unsubscribe>;
  /** Dismisses the browser once the callback has arrived; errors are ignored. */
  close?(): void | Promise<void>;
}

export interface BrowserLoginOptions<S = unknown> {
  /** An opener, e.g. `{ open(url, { closed }), close() }` over a browser plugin, or a function `(url) => void`. */
  browser: ExternalBrowser | ((url: string, events: { closed(): void }) => void | Promise<void>);
  /** e.g. a `createDeepLinkSource()` hub fed from the shell's deep-link event. */
  deepLinks: DeepLinkSource;
  /** Saved with the transaction and returned as `TokenSet.appState`. */
  appState?: S;
  /** Default DEFAULT_CANCEL_GRACE_MS (1500). */
  cancelGraceMs?: number;
  /** Aborting rejects the login with PkceError `cancelled` and closes the browser. */
  signal?: AbortSignal;
}

/**
 * Builds the authorization URL, opens it, waits for the deep link whose `state`
 * is this login's, closes the browser and resolves with the TokenSet.
 * Callbacks for any other state are ignored (their transactions untouched).
 * Rejects with PkceError `cancelled` when the browser reports it closed and no
 * callback follows within `cancelGraceMs`, or when `signal` aborts; with
 * `invalid_config` for an opener that would load the page inside the app.
 * Every listener it registered is removed before it settles.
 */
export declare function loginWithBrowser<S = unknown>(client: PkceClient, options: BrowserLoginOptions<S>): Promise<LoginTokenSet<S>>;

/**
 * Cold start: completes a login whose callback link the source retained (or
 * that arrives within `waitMs`, default 0). Resolves with null when there is
 * none; rejects as `handleCallback` does (`no_transaction`: already used,
 * expired, or not started by this app).
 */
export declare function resumeLogin<S = unknown>(
  client: PkceClient,
  options: { deepLinks: DeepLinkSource; waitMs?: number },
): Promise<LoginTokenSet<S> | null>;

/** A deep-link hub that keeps up to `retain` (8) URLs delivered while nobody listens, for the next subscriber. */
export declare function createDeepLinkSource(options?: { retain?: number }): DeepLinkHub;
