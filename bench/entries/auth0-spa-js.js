// @auth0/auth0-spa-js: login with redirect, callback, code exchange.
import { createAuth0Client } from "@auth0/auth0-spa-js";

// Ready: createAuth0Client() resolves (its session check finds no session
// cookie in a fresh browser and makes no request).
export const ready = (cfg) =>
  createAuth0Client({
    domain: cfg.base,
    clientId: cfg.clientId,
    authorizationParams: { redirect_uri: cfg.redirectUri, scope: cfg.scope },
  });

export const login = (client) => client.loginWithRedirect();

export async function callback(client) {
  await client.handleRedirectCallback();
  return { accessToken: await client.getTokenSilently() };
}
