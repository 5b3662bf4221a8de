// One hybrid test environment: the example app's server, the real local
// provider (node-oidc-provider, native client with a custom-scheme redirect)
// and the protected API, all on 127.0.0.1 with free ports, and a Device.
import { startApi } from "../../../dev/api.mjs";
import { startProvider } from "../../../dev/provider.mjs";
import { startAppServer } from "./app-server.mjs";
import { Device } from "./device.mjs";

export const SCHEME = "com.example.app";
export const REDIRECT_URI = `${SCHEME}:/callback`;
export const API_AUDIENCE = "https://api.pkce-wasm.test";
const HOST = "127.0.0.1";

/**
 * @param {import("playwright-core").Browser} chromium
 * @param {object} options
 * @param {"capacitor"|"cordova"} options.app
 * @param {boolean} [options.corsForApp=true] whether the token endpoint admits the app's origin
 *   (needed when the token request goes through the WebView's fetch)
 * @param {object} [options.appConfig] merged into the app's /config.json
 */
export async function startHybrid(chromium, { app, corsForApp = true, appConfig = {} }) {
  const started = [];
  try {
    const server = await startAppServer({ app, host: HOST });
    started.push(server);
    const provider = await startProvider({
      host: HOST,
      spaOrigins: corsForApp ? [server.origin] : [],
      redirectUris: [REDIRECT_URI],
      apiAudience: API_AUDIENCE,
    });
    started.push(provider);
    const api = await startApi({ host: HOST, issuer: provider.issuer, audience: API_AUDIENCE, allowedOrigins: [server.origin] });
    started.push(api);

    const config = {
      issuer: provider.issuer,
      authorizationEndpoint: `${provider.issuer}/auth`,
      tokenEndpoint: `${provider.issuer}/token`,
      jwksUri: `${provider.issuer}/jwks`,
      clientId: provider.clients.native,
      redirectUri: REDIRECT_URI,
      scope: "openid profile offline_access api:read",
      resource: API_AUDIENCE,
      apiUrl: api.url,
      ...appConfig,
    };
    server.setConfig(config);

    const device = await new Device(chromium, { shell: app, appUrl: server.url, scheme: SCHEME }).start();
    started.push(device);

    return {
      server,
      provider,
      api,
      device,
      config,
      origin: server.origin,
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

/**
 * The example apps take the client from `pkce-wasm/inline`: the module comes
 * inside the JS, so the app's server is asked for the embedded copy and never
 * for a `.wasm` file (one read of local files before the client is ready).
 * @returns {{ inline: boolean, wasm: string[] }}
 */
export function moduleRequests(server) {
  return {
    inline: server.requests.some((r) => r.path === "/node_modules/pkce-wasm/pkg/pkce_wasm_inline.js"),
    wasm: server.requests.filter((r) => r.path.endsWith(".wasm")).map((r) => r.path),
  };
}

async function closeAll(items) {
  await Promise.allSettled([...items].reverse().map((s) => s.close()));
}
