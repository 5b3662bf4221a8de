// Starts the demo's three servers — the page (www/ + the package), the OpenID
// provider and the protected API — on 127.0.0.1, each on its own origin as in
// production, and wires them to each other. Used by scripts/demo.mjs and by
// the end-to-end tests. Development tooling only.
//
// One host name everywhere: sessionStorage and CORS are per origin, so a page
// opened on `localhost` would neither find its transaction nor pass CORS.
import { startApi } from "./api.mjs";
import { startProvider } from "./provider.mjs";
import { startStatic } from "./static.mjs";

export const HOST = "127.0.0.1";
// An identifier, not a location (like an Auth0 API identifier): it stays the
// same whatever port the API listens on.
export const API_AUDIENCE = "https://api.pkce-wasm.test";
export const NATIVE_REDIRECT_URI = "com.example.app:/callback";
export const DEMO_SCOPE = "openid profile offline_access api:read";

/**
 * @param {object} [options]
 * @param {number} [options.pagePort=0] 0 picks a free port
 * @param {number} [options.providerPort=0]
 * @param {number} [options.apiPort=0]
 * @param {object} [options.providerTtl] passed to startProvider as `ttl`
 * @param {string} [options.packageRoot] passed to startStatic (default: this repository)
 * @param {object} [options.dpopNonce] where DPoP proofs must carry a server nonce:
 *   `provider` (startProvider's requireDpopNonce) and `api` (a boolean); off by default,
 *   and switchable later through provider.setRequireDpopNonce / api.setRequireDpopNonce
 * @param {boolean} [options.requirePar=false] passed to startProvider
 */
export async function startServers({ pagePort = 0, providerPort = 0, apiPort = 0, providerTtl, packageRoot, dpopNonce = {}, requirePar = false } = {}) {
  const started = [];
  try {
    // The page's origin goes into the provider's client registration, so the
    // page server listens first and receives its configuration afterwards.
    const page = await startStatic({ port: pagePort, host: HOST, packageRoot });
    started.push(page);

    const provider = await startProvider({
      port: providerPort,
      host: HOST,
      spaOrigins: [page.origin],
      redirectUris: [page.callbackUrl, NATIVE_REDIRECT_URI],
      apiAudience: API_AUDIENCE,
      ttl: providerTtl,
      requireDpopNonce: dpopNonce.provider ?? false,
      requirePar,
    });
    started.push(provider);

    const api = await startApi({
      port: apiPort,
      host: HOST,
      issuer: provider.issuer,
      audience: API_AUDIENCE,
      allowedOrigins: [page.origin],
      requireDpopNonce: dpopNonce.api ?? false,
    });
    started.push(api);

    // What the page needs to talk to the local provider, read by www/app.js
    // from /demo-config.json, so the page works on whatever ports were chosen.
    const config = {
      name: "Local provider (node-oidc-provider)",
      issuer: provider.issuer,
      authorizationEndpoint: `${provider.issuer}/auth`,
      tokenEndpoint: `${provider.issuer}/token`,
      pushedAuthorizationRequestEndpoint: `${provider.issuer}/request`,
      jwksUri: `${provider.issuer}/jwks`,
      revocationEndpoint: `${provider.issuer}/token/revocation`,
      endSessionEndpoint: `${provider.issuer}/session/end`,
      clientId: provider.clients.spa,
      redirectUri: page.callbackUrl,
      scope: DEMO_SCOPE,
      // node-oidc-provider names the API with RFC 8707 `resource`, not `audience`.
      resource: API_AUDIENCE,
      apiUrl: api.url,
    };
    page.setConfig(config);

    return {
      pageUrl: page.url,
      pageOrigin: page.origin,
      callbackUrl: page.callbackUrl,
      issuer: provider.issuer,
      apiUrl: api.url,
      apiAudience: API_AUDIENCE,
      clientId: provider.clients.spa,
      nativeClientId: provider.clients.native,
      nativeRedirectUri: NATIVE_REDIRECT_URI,
      config,
      page,
      provider,
      api,
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

async function closeAll(servers) {
  await Promise.allSettled([...servers].reverse().map((s) => s.close()));
}
