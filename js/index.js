// The package entry point. The client is the WebAssembly module's own class
// (src/client.rs); this file only loads the module once and refuses to hand
// the class out before that. Works unbundled (<script type="module">,
// Cordova) and from bundlers: the glue finds the .wasm through import.meta.url.
import initWasm, { PkceClient as Client } from "../pkg/pkce_wasm.js";
import { PkceError } from "./error.js";

export { PkceError };

let ready = null;
let initialised = false;

/**
 * Loads and instantiates the WebAssembly module once; later calls return the
 * same Promise. `input` (URL, Response, bytes or WebAssembly.Module) is only
 * needed when the .wasm file is not served next to pkg/pkce_wasm.js.
 */
export default function init(input) {
  ready ??= initWasm(input === undefined ? undefined : { module_or_path: input }).then(
    () => {
      initialised = true;
    },
    (e) => {
      ready = null;
      throw e;
    },
  );
  return ready;
}

const early = () => new PkceError("not_initialized", "await init() before using PkceClient");

/**
 * The module's class, guarded: before init() resolves, `new PkceClient()`
 * throws and `PkceClient.discover()` rejects with `not_initialized` instead
 * of failing inside the glue.
 */
export const PkceClient = new Proxy(Client, {
  construct(target, args, newTarget) {
    if (!initialised) throw early();
    return Reflect.construct(target, args, newTarget);
  },
  get(target, key, receiver) {
    if (key === "discover" && !initialised) return async () => Promise.reject(early());
    return Reflect.get(target, key, receiver);
  },
});
