// pkce-wasm: login with redirect, callback, code exchange.
// Every entry exports the same three steps (ready, login, callback) so that the
// bundle measured for size is the one timed for start-up and checked end to end.
import init, { PkceClient } from "../../js/index.js";

// Ready: the module fetched, compiled and instantiated, and a client built.
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
