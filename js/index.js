// The package entry point. The client is the WebAssembly module's own class
// (src/client.rs); this file only loads the module once and refuses to hand
// the class out before that. Works unbundled (<script type="module">,
// Cordova) and from bundlers: the glue finds the .wasm through import.meta.url.
import initWasm, { PkceClient as Client, compileDefault } from "../pkg/pkce_wasm.js";
import { PkceError } from "./error.js";

export { PkceError };

let ready = null;
let initialised = false;
let compiling = null;

// The .wasm is requested and compiled (streaming, off the main thread) as soon
// as this module has been evaluated, not when init() is first called: the
// request is the longest step of start-up and nothing in it depends on the
// app. Deferred by one microtask so that what is evaluated along with this
// module can claim the start first: an app module that calls init(input) at
// its top level (its .wasm is elsewhere), or the inline entry (its module is
// embedded); then nothing is requested here. A failure is not reported from
// here: init() then takes the glue's own path, which reports it.
queueMicrotask(() => {
  if (ready || typeof fetch !== "function" || typeof WebAssembly?.compileStreaming !== "function") return;
  try {
    compiling = compileDefault();
    compiling.catch(() => {});
  } catch {
    compiling = null;
  }
});

function load(input) {
  const early = compiling;
  compiling = null;
  if (input !== undefined) return initWasm({ module_or_path: input });
  return early ? early.then((module) => initWasm({ module_or_path: module }), () => initWasm()) : initWasm();
}

/**
 * Loads and instantiates the WebAssembly module once; later calls return the
 * same Promise. `input` (URL, Response, bytes or WebAssembly.Module) is only
 * needed when the .wasm file is not served next to pkg/pkce_wasm.js.
 */
export default function init(input) {
  ready ??= load(input).then(
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
