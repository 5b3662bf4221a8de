// Types of the pkce-wasm entry point. `PkceClient` and the shapes it takes
// and returns are generated from the Rust (pkg/pkce_wasm.d.ts, with
// js/types.d.ts inside); what is declared here is what JS adds.

export { PkceClient } from "../pkg/pkce_wasm.js";
export type {
  AuthorizeOptions,
  DiscoverOptions,
  FetchLike,
  LogoutOptions,
  PkceClientConfig,
  PopupLoginOptions,
  ResponseLike,
  Session,
  StorageLike,
  TokenSet,
} from "../pkg/pkce_wasm.js";
export { PkceError, type PkceErrorCode } from "./error.js";

import type { AuthorizeOptions, LogoutOptions, TokenSet } from "../pkg/pkce_wasm.js";

// wasm-bindgen writes every parameter as required; these may be left out
// (the defaults are in README "API"). The overloads below say so.
declare module "../pkg/pkce_wasm.js" {
  interface PkceClient {
    authorizeUrl(options?: AuthorizeOptions): Promise<string>;
    login(options?: AuthorizeOptions): Promise<void>;
    isCallback(href?: string): boolean;
    handleCallback(href?: string): Promise<TokenSet>;
    fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
    logout(options?: LogoutOptions): Promise<string | undefined>;
    loginWithPopup(options?: import("../pkg/pkce_wasm.js").PopupLoginOptions): Promise<TokenSet>;
  }
}

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
