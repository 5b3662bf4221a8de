// keycloak-js: login with redirect, callback, code exchange.
import Keycloak from "keycloak-js";

// Ready: init() resolved. It is also the step that completes a callback, so on
// the redirect URI it has already exchanged the code when it resolves.
export async function ready(cfg) {
  const keycloak = new Keycloak({ url: cfg.base, realm: "bench", clientId: cfg.clientId });
  await keycloak.init({ pkceMethod: "S256", checkLoginIframe: false, redirectUri: cfg.redirectUri, scope: cfg.scope });
  return keycloak;
}

export const login = (keycloak) => keycloak.login();

export async function callback(keycloak) {
  if (!keycloak.authenticated) throw new Error("keycloak-js: the callback was not completed");
  return { accessToken: keycloak.token };
}
