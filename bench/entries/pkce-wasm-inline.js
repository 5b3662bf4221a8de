// pkce-wasm/inline: login with redirect, callback, code exchange — the same
// entry as pkce-wasm.js, through js/inline.js, which carries the WebAssembly
// module inside the bundle (base64): one file to ship, no .wasm request.
import init, { PkceClient } from "../../js/inline.js";

// Ready: the embedded module decoded, compiled and instantiated, and a client built.
export async function ready(cfg) {
  await init();
  return new PkceClient({
    issuer: cfg.issuer,
    authorizationEndpoint: `${cfg.base}/authorize`,
    tokenEndpoint: `${cfg.base}/token`,
    jwksUri: `${cfg.base}/jwks`,
    clientId: cfg.clientId,
    redirectUri: cfg.redirectUri,
    scope: cfg.scope,
  });
}

export const login = (client) => client.login();

export async function callback(client) {
  const tokens = await client.handleCallback();
  return { accessToken: tokens.accessToken };
}
