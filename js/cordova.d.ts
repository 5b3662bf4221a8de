// Types for pkce-wasm/cordova: login in an external user agent, result by deep link.
import type { StorageLike } from "./index.js";
import type { DeepLinkHub, ExternalBrowser } from "./hybrid.js";

export { PkceError } from "./index.js";

// The flow and its shapes are pkce-wasm/hybrid's, under the names Cordova apps import.
export {
  DEFAULT_CANCEL_GRACE_MS,
  createDeepLinkSource,
  loginWithBrowser as loginWithCordova,
  resumeLogin as resumeCordovaLogin,
} from "./hybrid.js";
export type {
  BrowserLoginOptions as CordovaLoginOptions,
  DeepLinkHub,
  DeepLinkSource,
  ExternalBrowser,
  LoginTokenSet,
  Unsubscribe,
} from "./hybrid.js";

/** Installs the global `handleOpenURL` (cordova-plugin-customurlscheme, cordova-ios); idempotent. */
export declare function handleOpenURLSource(target?: object): DeepLinkHub;

/** Subscribes once to cordova-universal-links-plugin (or a fork) for `eventName` (default null: all links). */
export declare function universalLinksSource(
  universalLinks: { subscribe(eventName: string | null, callback: (event: { url: string }) => void): void },
  eventName?: string | null,
): DeepLinkHub;

/** The system browser via cordova-plugin-inappbrowser's `_system` target. No close signal: use `signal` to give up. */
export declare function systemBrowser(InAppBrowser: { open(url: string, target: string, options?: string): unknown }): ExternalBrowser;

/** cordova-plugin-safariviewcontroller (SFSafariViewController / Custom Tabs); its `closed` event cancels. */
export declare function safariViewController(
  SafariViewController: {
    show(options: object, onSuccess: (result: { event?: string }) => void, onError: (error: unknown) => void): void;
    hide(onSuccess?: () => void, onError?: () => void): void;
  },
  showOptions?: { animated?: boolean; transition?: string; enterReaderModeIfAvailable?: boolean; tintColor?: string; barColor?: string; controlTintColor?: string; toolbarColor?: string },
): ExternalBrowser;

/** cordova-plugin-browsertab (Custom Tabs / SFSafariViewController). No close signal. */
export declare function browserTab(browsertab: {
  openUrl(url: string, onError?: (error: unknown) => void): void;
  close(onError?: (error: unknown) => void): void;
}): ExternalBrowser;

/** A durable StorageLike over cordova-plugin-nativestorage, for PkceClient's `storage` option. */
export declare function nativeStorage(NativeStorage: {
  getItem(key: string, onSuccess: (value: unknown) => void, onError: (error: { code?: number }) => void): void;
  setItem(key: string, value: unknown, onSuccess: (value: unknown) => void, onError: (error: { code?: number }) => void): void;
  remove(key: string, onSuccess: () => void, onError: (error: { code?: number }) => void): void;
}): StorageLike;
