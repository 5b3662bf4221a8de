// Types of the "pkce-wasm/inline" entry: the main entry's API, with `init()`
// taking no argument (the module is embedded).
export * from "./index.js";

/**
 * Compiles and instantiates the embedded WebAssembly module. Idempotent: later
 * calls return the same Promise.
 */
export default function init(): Promise<void>;
