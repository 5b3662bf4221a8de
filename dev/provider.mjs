// A local OpenID provider (node-oidc-provider) for the demo and the end-to-end
// tests. Development tooling only: it never ships in the npm package.
//
// Two public clients (no secret, PKCE S256 required) are registered:
//
//   demo-spa     application_type "web": the browser demo; gets every http(s)
//                redirect URI passed in `redirectUris`.
//   demo-native  application_type "native": hybrid apps (Capacitor, Cordova);
//                gets every custom-scheme redirect URI (`com.example.app:/callback`)
//                from `redirectUris`, plus `nativeRedirectUris`. node-oidc-provider
//                accepts custom schemes only on native clients, and shows native
//                clients the consent page on every login.
//
// Both may use the refresh_token grant and always receive a refresh token; both
// get JWT access tokens for `apiAudience` (RFC 8707 `resource`, which is also the
// default resource). demo-spa may be sent back after logout (RP-initiated logout)
// to the root of each web redirect URI's origin, or to `postLogoutRedirectUris`. Any user name logs in (devInteractions); the password is ignored.
// CORS on the token endpoint is granted only to the origins in `spaOrigins`.
// Signing keys, cookie keys and the DPoP nonce secret are generated at
// start-up: nothing secret is on disk.
//
// DPoP (RFC 9449): a token request with a valid `DPoP` proof gets a
// sender-constrained token (`token_type` "DPoP", `cnf.jkt` in the JWT access
// token; the refresh token is bound to the same key). Nonces are issued
// (`DPoP-Nonce`, exposed to the page by CORS) but required only where
// `requireDpopNonce` says, so the use_dpop_nonce round trip can be switched on.
// PAR (RFC 9126): `${issuer}/request` accepts pushed authorization requests;
// they are required only with `requirePar`.
//
// Endpoints: `${issuer}/auth`, `${issuer}/token`, `${issuer}/jwks`,
// `${issuer}/request` (PAR), `${issuer}/me` (userinfo),
// `${issuer}/token/revocation` (RFC 7009), `${issuer}/session/end`
// (end_session_endpoint), `${issuer}/.well-known/openid-configuration`.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { exportJWK, generateKeyPair } from "jose";

export const SPA_CLIENT_ID = "demo-spa";
export const NATIVE_CLIENT_ID = "demo-native";
export const API_SCOPE = "api:read";

// node-oidc-provider announces every development-only feature we use on purpose
// (in-memory adapter, devInteractions, Node 20 runtime). These lines would bury
// the demo's own output, so exactly these are dropped; anything else still prints.
const EXPECTED_NOTICES = [
  "Unsupported runtime",
  "quick start development-only in-memory adapter",
  "quick start development-only feature devInteractions",
  // The default logout confirmation and "signed out" pages are what the demo shows.
  "features.rpInitiatedLogout.logoutSource",
  "features.rpInitiatedLogout.postLogoutSuccessSource",
];
let noticeFilterInstalled = false;
function installNoticeFilter() {
  if (noticeFilterInstalled) return;
  noticeFilterInstalled = true;
  for (const level of ["warn", "info"]) {
    const original = console[level];
    console[level] = (...args) => {
      const first = typeof args[0] === "string" ? args[0] : "";
      if (first.includes("oidc-provider") && EXPECTED_NOTICES.some((n) => first.includes(n))) return;
      original.apply(console, args);
    };
  }
}

let ProviderClass;
async function loadProvider() {
  if (!ProviderClass) {
    installNoticeFilter();
    ({ default: ProviderClass } = await import("oidc-provider"));
  }
  return ProviderClass;
}

const isCustomScheme = (uri) => !/^https?:/i.test(uri);

/**
 * @param {object} options
 * @param {number} [options.port=0] 0 picks a free port
 * @param {string} [options.host="127.0.0.1"]
 * @param {string[]} [options.spaOrigins] origins allowed (CORS) to call the token endpoint
 * @param {string[]} [options.redirectUris] http(s) ones go to demo-spa, custom schemes to demo-native
 * @param {string[]} [options.nativeRedirectUris] extra redirect URIs for demo-native only
 * @param {string[]} [options.postLogoutRedirectUris] where demo-spa may return after logout;
 *   default: `${origin}/` of each web redirect URI
 * @param {string} options.apiAudience the API's identifier (`aud` of the access tokens)
 * @param {object} [options.ttl] seconds: { accessToken, authorizationCode, refreshToken, idToken }
 * @param {boolean|string[]} [options.requireDpopNonce=false] where a DPoP proof must carry the
 *   provider's nonce: true (token and PAR endpoints), false, or route names ("token",
 *   "pushed_authorization_request"); change it later with setRequireDpopNonce()
 * @param {boolean} [options.requirePar=false] metadata says require_pushed_authorization_requests,
 *   and /auth refuses a request that was not pushed
 * @returns {Promise<{ issuer: string, port: number, clients: object, tokenRequests: object[], authorizeRequests: object[], parRequests: object[], revocationRequests: object[], endSessionRequests: object[], setRequireDpopNonce(v: boolean|string[]): void, close(): Promise<void> }>}
 */
export async function startProvider({
  port = 0,
  host = "127.0.0.1",
  spaOrigins = [],
  redirectUris = [],
  nativeRedirectUris = [],
  postLogoutRedirectUris,
  apiAudience,
  ttl = {},
  requireDpopNonce = false,
  requirePar = false,
} = {}) {
  if (!apiAudience) throw new Error("startProvider: apiAudience is required");
  const Provider = await loadProvider();

  // The issuer must carry the real port, so the socket is bound before the
  // provider exists; requests are handed over once it does.
  let handler = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await listen(server, port, host);
  const actualPort = server.address().port;
  const issuer = `http://${host}:${actualPort}`;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" };

  const webRedirectUris = redirectUris.filter((u) => !isCustomScheme(u));
  const appRedirectUris = [...new Set([...redirectUris.filter(isCustomScheme), ...nativeRedirectUris])];
  const allowedOrigins = new Set(spaOrigins);
  const logoutReturns = postLogoutRedirectUris ?? [...new Set(webRedirectUris.map((u) => `${new URL(u).origin}/`))];
  const ttls = {
    accessToken: 300,
    authorizationCode: 60,
    idToken: 300,
    refreshToken: 24 * 3600,
    ...ttl,
  };

  let nonceRoutes;
  const setRequireDpopNonce = (value) => {
    nonceRoutes = new Set(value === true ? ["token", "pushed_authorization_request"] : value || []);
  };
  setRequireDpopNonce(requireDpopNonce);

  const publicClient = {
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
  };
  const clients = [];
  if (webRedirectUris.length) {
    clients.push({
      ...publicClient,
      client_id: SPA_CLIENT_ID,
      application_type: "web",
      redirect_uris: webRedirectUris,
      // end_session redirects only to a registered URI; anything else ends on the provider's own page.
      post_logout_redirect_uris: logoutReturns,
    });
  }
  if (appRedirectUris.length) {
    clients.push({ ...publicClient, client_id: NATIVE_CLIENT_ID, application_type: "native", redirect_uris: appRedirectUris });
  }
  if (!clients.length) throw new Error("startProvider: at least one redirect URI is required");

  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    // Only the scopes the provider knows may appear in client metadata; the API
    // scope comes from the resource server below.
    scopes: ["openid", "offline_access", "profile", "email"],
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email", "email_verified"],
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      dPoP: {
        enabled: true,
        // Without a secret the provider cannot issue nonces at all, and the
        // use_dpop_nonce retry of a client could never be exercised.
        nonceSecret: randomBytes(32),
        requireNonce: (ctx) => nonceRoutes.has(ctx.oidc.route),
      },
      pushedAuthorizationRequests: {
        enabled: true,
        requirePushedAuthorizationRequests: requirePar,
      },
      revocation: {
        enabled: true,
        // A public client may revoke its own tokens only; another client's
        // token is left alone and, as RFC 7009 §2.2 asks, still answered 200.
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => apiAudience,
        // Without this a request that includes `openid` gets an opaque access
        // token (for userinfo) that the API cannot verify.
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== apiAudience) throw new Provider.errors.InvalidTarget();
          return {
            audience: apiAudience,
            scope: API_SCOPE,
            accessTokenFormat: "jwt",
            accessTokenTTL: ttls.accessToken,
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    clientBasedCORS: (_ctx, origin) => allowedOrigins.has(origin),
    // By default a refresh token needs `offline_access`, which the provider drops
    // unless the request also says prompt=consent; a demo should always show one.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({
        sub,
        name: sub,
        preferred_username: sub,
        email: `${sub}@example.test`,
        email_verified: false,
      }),
    }),
    extraTokenClaims: (_ctx, token) =>
      token.kind === "AccessToken" && token.accountId ? { preferred_username: token.accountId } : undefined,
    ttl: {
      AccessToken: ttls.accessToken,
      AuthorizationCode: ttls.authorizationCode,
      IdToken: ttls.idToken,
      RefreshToken: ttls.refreshToken,
      Grant: ttls.refreshToken,
      Session: ttls.refreshToken,
      Interaction: 600,
    },
    renderError: renderErrorPage,
  });

  // What the tests assert on: every request that reached the token endpoint
  // (successful or not), every authorization request (front channel and
  // pushed), every revocation and end_session request. Only parameter names,
  // lengths and non-secret values are kept; a DPoP proof only as its decoded
  // header and claims (its signature is what would make it usable).
  const tokenRequests = [];
  const authorizeRequests = [];
  const parRequests = [];
  const revocationRequests = [];
  const endSessionRequests = [];
  provider.use(async (ctx, next) => {
    const isToken = ctx.method === "POST" && ctx.path === "/token";
    const isAuthorize = ctx.path === "/auth" && (ctx.method === "GET" || ctx.method === "POST");
    const isRevocation = ctx.method === "POST" && ctx.path === "/token/revocation";
    const isPar = ctx.method === "POST" && ctx.path === "/request";
    if (isAuthorize) authorizeRequests.push({ params: { ...ctx.query } });
    if (ctx.method === "GET" && ctx.path === "/session/end") {
      endSessionRequests.push({
        hasIdTokenHint: typeof ctx.query.id_token_hint === "string",
        clientId: ctx.query.client_id,
        postLogoutRedirectUri: ctx.query.post_logout_redirect_uri,
      });
    }
    await next();
    if (isRevocation) {
      const params = ctx.oidc?.params ?? {};
      revocationRequests.push({
        tokenTypeHint: params.token_type_hint,
        clientId: params.client_id,
        origin: ctx.get("origin") || undefined,
        status: ctx.status,
      });
    }
    if (isToken) {
      const params = ctx.oidc?.params ?? {};
      const proof = decodeProof(ctx.get("dpop"));
      tokenRequests.push({
        grantType: params.grant_type,
        clientId: params.client_id,
        origin: ctx.get("origin") || undefined,
        hasCodeVerifier: typeof params.code_verifier === "string",
        codeVerifierLength: params.code_verifier?.length,
        status: ctx.status,
        error: ctx.body && typeof ctx.body === "object" ? ctx.body.error : undefined,
        // Only with a proof, so a record of a plain request keeps its old shape.
        ...(proof !== undefined && {
          tokenType: ctx.body && typeof ctx.body === "object" ? ctx.body.token_type : undefined,
          dpop: proof,
          dpopNonceIssued: Boolean(ctx.response.get("dpop-nonce")),
        }),
      });
    }
    if (isPar) {
      const params = ctx.oidc?.params ?? {};
      const body = ctx.body && typeof ctx.body === "object" ? ctx.body : {};
      parRequests.push({
        // The pushed request holds what a front-channel one would: no secret.
        params: Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)),
        origin: ctx.get("origin") || undefined,
        contentType: ctx.get("content-type"),
        status: ctx.status,
        error: body.error,
        requestUri: body.request_uri,
        expiresIn: body.expires_in,
        dpop: decodeProof(ctx.get("dpop")),
        dpopNonceIssued: Boolean(ctx.response.get("dpop-nonce")),
      });
    }
  });

  handler = provider.callback();

  return {
    issuer,
    port: actualPort,
    clients: {
      spa: webRedirectUris.length ? SPA_CLIENT_ID : undefined,
      native: appRedirectUris.length ? NATIVE_CLIENT_ID : undefined,
    },
    provider,
    tokenRequests,
    authorizeRequests,
    parRequests,
    revocationRequests,
    endSessionRequests,
    setRequireDpopNonce,
    close: () => closeServer(server),
  };
}

/** Header and claims of a DPoP proof (undefined without one, null when it is not a JWT). */
export function decodeProof(proof) {
  if (!proof) return undefined;
  const parts = proof.split(".");
  if (parts.length !== 3) return null;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")),
      claims: JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")),
    };
  } catch {
    return null;
  }
}

function renderErrorPage(ctx, out) {
  ctx.type = "html";
  const rows = Object.entries(out)
    .map(([k, v]) => `<pre><strong>${escapeHtml(k)}</strong>: ${escapeHtml(String(v))}</pre>`)
    .join("");
  ctx.body = `<!doctype html><meta charset="utf-8"><title>Provider error</title><h1>oops! something went wrong</h1>${rows}`;
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

export function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Browsers keep connections alive; without this close() waits for them.
    server.closeAllConnections?.();
  });
}
