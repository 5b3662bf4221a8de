// oauth4webapi: login with redirect, callback, code exchange.
import * as oauth from "oauth4webapi";

const KEY = "oauth4webapi.tx";

// Ready: the library has no client object; the metadata and client records.
export const ready = (cfg) => ({
  as: {
    issuer: cfg.issuer,
    authorization_endpoint: `${cfg.base}/authorize`,
    token_endpoint: `${cfg.base}/token`,
  },
  client: { client_id: cfg.clientId },
});

export async function login({ as, client }, cfg) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(KEY, JSON.stringify({ verifier, state }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", client.client_id);
  url.searchParams.set("redirect_uri", cfg.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", cfg.scope);
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  location.assign(url.href);
}

export async function callback({ as, client }, cfg) {
  const { verifier, state } = JSON.parse(sessionStorage.getItem(KEY));
  sessionStorage.removeItem(KEY);
  const params = oauth.validateAuthResponse(as, client, new URL(location.href), state);
  // The local check runs over http://127.0.0.1, which the library refuses unless told.
  const options = cfg.insecure ? { [oauth.allowInsecureRequests]: true } : undefined;
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, cfg.redirectUri, verifier, options);
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  return { accessToken: result.access_token };
}
