// pkce-wasm/inline: login with redirect, callback, code exchange — the same
// steps as pkce-wasm.js, through js/inline.js, which carries the WebAssembly
// module inside the bundle (base64): one file to ship, no .wasm request.
import init, { PkceClient } from "../../js/inline.js";
import { flow } from "./pkce-wasm-flow.js";

export const { ready, login, callback } = flow(init, PkceClient);
