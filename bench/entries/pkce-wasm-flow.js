// The three steps every entry exports (ready, login, callback) for pkce-wasm,
// given the entry point's `init` and `PkceClient`: the two-file package
// (pkce-wasm.js) and the inline one (pkce-wasm-inline.js) differ only there.
export function flow(init, PkceClient) {
  return {
    // Ready: the module loaded (fetched or decoded), compiled and
    // instantiated, and a client built.
    async ready(cfg) {
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
    },
    login: (client) => client.login(),
    async callback(client) {
      const tokens = await client.handleCallback();
      return { accessToken: tokens.accessToken };
    },
  };
}
