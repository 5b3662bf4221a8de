// The same API as the main entry, with the WebAssembly module inside this file
// (base64) instead of next to it: one file to serve, nothing for a bundler or a
// server to get right (no asset rule, no `application/wasm` type), and no
// second request before the client is ready — at the cost of ~16 KB gzip more,
// since base64 compresses worse than the binary. `import init, { PkceClient }
// from "pkce-wasm/inline"`; everything else is as documented for "pkce-wasm".
import initFrom from "./index.js";
import base64 from "../pkg/pkce_wasm_inline.js";

export * from "./index.js";

let ready = null;

function bytes() {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(base64);
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  // A plain loop: Uint8Array.from(s, fn) is several times slower here.
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Compiles and instantiates the embedded module once; later calls return the
 * same Promise. Compiled synchronously where the browser allows it (no round
 * trip to a compile thread, ~2 ms sooner); Chromium before 2023 refused that
 * for modules over 4 KB on the main thread, and then it compiles asynchronously.
 */
export default function init() {
  ready ??= (async () => {
    const b = bytes();
    let module;
    try {
      module = new WebAssembly.Module(b);
    } catch {
      module = await WebAssembly.compile(b);
    }
    await initFrom(module);
  })().catch((e) => {
    ready = null;
    throw e;
  });
  return ready;
}

// Started as soon as this entry is evaluated: the module is here, so there is
// nothing to wait for, and the work is done before the app's own first
// init() call instead of after it. Started here, it also keeps js/index.js
// from requesting the .wasm file. A failure is left for that init() call,
// which tries again and rejects.
init().catch(() => {});
