// pkce-wasm: login with redirect, callback, code exchange.
// Every entry exports the same three steps (ready, login, callback) so that the
// bundle measured for size is the one timed for start-up and checked end to end.
import init, { PkceClient } from "../../js/index.js";
import { flow } from "./pkce-wasm-flow.js";

export const { ready, login, callback } = flow(init, PkceClient);
