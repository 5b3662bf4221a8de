// The demo's protected API: one endpoint, GET /api/me, that answers only a
// request carrying a valid bearer access token — a JWT whose signature checks
// against the provider's JWKS and whose issuer, audience and expiry are right —
// with who the token is for. Anything else gets 401 and an RFC 6750 challenge.
// Development tooling only: it never ships in the npm package.
import { createServer } from "node:http";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { closeServer, listen } from "./provider.mjs";

export const API_PATH = "/api/me";
const REALM = "pkce-wasm-demo";

/**
 * @param {object} options
 * @param {number} [options.port=0]
 * @param {string} [options.host="127.0.0.1"]
 * @param {string} options.issuer the `iss` the access tokens must carry
 * @param {string} [options.jwksUri] the provider's keys; default `${issuer}/jwks` (node-oidc-provider)
 * @param {string} options.audience the `aud` the access tokens must carry
 * @param {string[]} [options.allowedOrigins] browser origins allowed by CORS
 * @returns {Promise<{ url: string, origin: string, port: number, requests: object[], close(): Promise<void> }>}
 */
export async function startApi({ port = 0, host = "127.0.0.1", issuer, jwksUri, audience, allowedOrigins = [] } = {}) {
  if (!issuer || !audience) throw new Error("startApi: issuer and audience are required");
  const jwks = createRemoteJWKSet(new URL(jwksUri ?? `${issuer}/jwks`));
  const origins = new Set(allowedOrigins);
  // Outcome of each call (status and, for 401, the reason code): the tests read it.
  const requests = [];

  const server = createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      // Without this a browser script cannot read the challenge of a 401.
      res.setHeader("Access-Control-Expose-Headers", "WWW-Authenticate");
    }
    res.setHeader("Cache-Control", "no-store");

    const path = new URL(req.url, "http://x").pathname;
    if (path !== API_PATH) return sendJson(res, 404, { error: "not_found" });

    if (req.method === "OPTIONS") {
      // The call carries `Authorization`, so the browser asks first.
      if (origin && origins.has(origin)) {
        res.setHeader("Access-Control-Allow-Methods", "GET");
        res.setHeader("Access-Control-Allow-Headers", "Authorization");
        res.setHeader("Access-Control-Max-Age", "600");
      }
      res.statusCode = 204;
      return res.end();
    }
    if (req.method !== "GET") {
      res.setHeader("Allow", "GET, OPTIONS");
      return sendJson(res, 405, { error: "method_not_allowed" });
    }

    const authorization = req.headers.authorization ?? "";
    const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization);
    if (!match) {
      // RFC 6750 §3.1: a request without credentials gets a challenge but no
      // error code; anything that is not a bearer token is treated as an invalid one.
      requests.push({ status: 401, reason: authorization ? "malformed" : "missing" });
      res.setHeader(
        "WWW-Authenticate",
        authorization
          ? `Bearer realm="${REALM}", error="invalid_token", error_description="Expected Authorization: Bearer <token>"`
          : `Bearer realm="${REALM}"`,
      );
      return sendJson(res, 401, { error: authorization ? "invalid_token" : "unauthorized" });
    }

    let payload;
    let protectedHeader;
    try {
      ({ payload, protectedHeader } = await jwtVerify(match[1], jwks, {
        issuer,
        audience,
        algorithms: ["RS256", "PS256", "ES256", "EdDSA"],
        // RFC 9068: a JWT access token says so; an ID token sent by mistake does not.
        typ: "at+jwt",
        requiredClaims: ["exp", "sub"],
      }));
    } catch (err) {
      requests.push({ status: 401, reason: err.code ?? "invalid" });
      const description = describeFailure(err);
      res.setHeader("WWW-Authenticate", `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`);
      return sendJson(res, 401, { error: "invalid_token", error_description: description });
    }

    requests.push({ status: 200, sub: payload.sub });
    sendJson(res, 200, {
      message: `Hello, ${payload.preferred_username ?? payload.sub}! Your access token checked out.`,
      sub: payload.sub,
      preferred_username: payload.preferred_username,
      client_id: payload.client_id,
      scope: payload.scope,
      aud: payload.aud,
      iss: payload.iss,
      exp: payload.exp,
      alg: protectedHeader.alg,
    });
  });

  await listen(server, port, host);
  const actualPort = server.address().port;
  const origin = `http://${host}:${actualPort}`;
  return { url: `${origin}${API_PATH}`, origin, port: actualPort, requests, close: () => closeServer(server) };
}

// Short, fixed descriptions: they go into a header, so never echo token content.
function describeFailure(err) {
  switch (err.code) {
    case "ERR_JWT_EXPIRED":
      return "The access token expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return `The access token ${err.claim ?? "claim"} is not accepted`;
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
    case "ERR_JWKS_NO_MATCHING_KEY":
      return "The access token signature does not verify";
    default:
      return "The access token is not valid";
  }
}

function sendJson(res, status, body) {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.end(JSON.stringify(body));
}
