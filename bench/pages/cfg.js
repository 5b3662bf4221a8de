// What every page (and the server) agrees on for one library: where its
// provider lives on this origin, the issuer it expects, its redirect URI.
// pkce-wasm twice: the default two files (JS + .wasm) and "pkce-wasm/inline"
// (one file, the module inside as base64). The rest are the anchors.
export const LIBS = ["pkce-wasm", "pkce-wasm-inline", "auth0-spa-js", "oidc-client-ts", "keycloak-js", "oauth4webapi", "appauth"];

// A second build of the package measured alongside (run.mjs --compare): its
// rows are the two pkce-wasm rows with this suffix. Its snapshot and bundles
// live apart, under out/compare/, because its .wasm has the same file name and
// the glue looks for it next to the bundle.
export const COMPARE = "-compare";
export const isCompare = (lib) => lib.endsWith(COMPARE);
export const outDir = (lib) => (isCompare(lib) ? "/bench/out/compare" : "/bench/out");
export const bundleUrl = (lib) => `${outDir(lib)}/bundles/${lib}.js`;

/** The ID token issuer each library derives from the base URL it is given. */
export const issuerOf = (lib, base) =>
  lib === "auth0-spa-js" ? `${base}/` : lib === "keycloak-js" ? `${base}/realms/bench` : base;

export function configFor(lib, origin) {
  const base = `${origin}/op/${lib}`;
  return {
    base,
    issuer: issuerOf(lib, base),
    clientId: `bench-${lib}`,
    redirectUri: `${origin}/bench/flow/${lib}`,
    scope: "openid",
    insecure: true, // plain http on 127.0.0.1
  };
}

/**
 * A StorageLike in memory, for the in-page bench pages (pkce.html,
 * cold.html): their figures are the module's work, not sessionStorage's.
 * Without key() and length the client has nothing to sweep, in every build
 * alike; `map` lets a page empty it.
 */
export function memoryStorage() {
  const map = new Map();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

/** pkce-wasm's options in those pages: scope openid (a nonce too, as an OIDC login makes one). */
export const benchClientOptions = (origin, storage) => ({
  issuer: `${origin}/op/pkce-wasm`,
  authorizationEndpoint: `${origin}/op/pkce-wasm/authorize`,
  tokenEndpoint: `${origin}/op/pkce-wasm/token`,
  jwksUri: `${origin}/op/pkce-wasm/jwks`,
  clientId: "bench",
  redirectUri: `${origin}/bench/flow/pkce-wasm`,
  scope: "openid",
  storage,
});
