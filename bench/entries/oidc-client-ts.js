// oidc-client-ts: login with redirect, callback, code exchange.
import { UserManager } from "oidc-client-ts";

// Ready: a UserManager with the provider metadata given (no discovery request).
export const ready = (cfg) =>
  new UserManager({
    authority: cfg.issuer,
    client_id: cfg.clientId,
    redirect_uri: cfg.redirectUri,
    scope: cfg.scope,
    metadata: {
      issuer: cfg.issuer,
      authorization_endpoint: `${cfg.base}/authorize`,
      token_endpoint: `${cfg.base}/token`,
      jwks_uri: `${cfg.base}/jwks`,
    },
  });

export const login = (manager) => manager.signinRedirect();

export async function callback(manager) {
  const user = await manager.signinCallback();
  return { accessToken: user.access_token };
}
