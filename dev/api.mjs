// The demo's protected API: one endpoint, GET /api/me, that answers only a
// request carrying a valid access token — a JWT whose signature checks
// against the provider's JWKS and whose issuer, audience and expiry are right —
// with who the token is for. Anything else gets 401 and an RFC 6750 challenge.
//
// A sender-constrained token (RFC 9449: `cnf.jkt` in the token) is accepted
// only as `Authorization: DPoP <token>` with a `DPoP` proof that checks out in
// full: signature with the embedded public key, typ, asymmetric alg, htm and
// htu (query and fragment ignored), iat within a window, `ath` the hash of
// this token, the key's RFC 7638 thumbprint equal to `cnf.jkt`, a jti never
// seen before, and — when nonces are switched on — this API's current nonce.
// Presented as Bearer, such a token is refused (RFC 9449 §7.2): a thief who
// copied it must not be able to drop the binding by changing the scheme.
// Development tooling only: it never ships in the npm package.
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { calculateJwkThumbprint, createRemoteJWKSet, EmbeddedJWK, jwtVerify } from "jose";
import { closeServer, listen } from "./provider.mjs";

export const API_PATH = "/api/me";
const REALM = "pkce-wasm-demo";
// Asymmetric only: a MAC would need a secret shared with the client, which
// defeats the proof of possession (RFC 9449 §4.2).
export const DPOP_ALGS = ["ES256", "ES384", "PS256", "RS256", "EdDSA", "Ed25519"];
// How far a proof's iat may be from this server's clock (seconds). A jti is
// remembered as long as a proof carrying it could still be accepted.
const IAT_PAST = 300;
const IAT_FUTURE = 60;
const NONCE_TTL = 300;

/**
 * @param {object} options
 * @param {number} [options.port=0]
 * @param {string} [options.host="127.0.0.1"]
 * @param {string} options.issuer the `iss` the access tokens must carry
 * @param {string} [options.jwksUri] the provider's keys; default `${issuer}/jwks` (node-oidc-provider)
 * @param {string} options.audience the `aud` the access tokens must carry
 * @param {string[]} [options.allowedOrigins] browser origins allowed by CORS
 * @param {boolean} [options.requireDpopNonce=false] DPoP proofs must carry a nonce this API
 *   issued (401 `use_dpop_nonce` with a `DPoP-Nonce` header otherwise); see setRequireDpopNonce()
 * @returns {Promise<{ url: string, origin: string, port: number, requests: object[], setRequireDpopNonce(v: boolean): void, close(): Promise<void> }>}
 */
export async function startApi({ port = 0, host = "127.0.0.1", issuer, jwksUri, audience, allowedOrigins = [], requireDpopNonce = false } = {}) {
  if (!issuer || !audience) throw new Error("startApi: issuer and audience are required");
  const jwks = createRemoteJWKSet(new URL(jwksUri ?? `${issuer}/jwks`));
  const origins = new Set(allowedOrigins);
  // Outcome of each call (status and, for 401, the reason code): the tests read it.
  const requests = [];
  let nonceRequired = requireDpopNonce;
  const nonces = new Map(); // nonce -> expiry (epoch seconds)
  const seenJtis = new Map(); // `${jkt} ${jti}` -> when it may be forgotten (epoch seconds)

  const server = createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      // Without this a browser script cannot read the challenge of a 401, nor
      // the nonce a use_dpop_nonce answer carries.
      res.setHeader("Access-Control-Expose-Headers", "WWW-Authenticate, DPoP-Nonce");
    }
    res.setHeader("Cache-Control", "no-store");

    const path = new URL(req.url, "http://x").pathname;
    if (path !== API_PATH) return sendJson(res, 404, { error: "not_found" });

    if (req.method === "OPTIONS") {
      // The call carries `Authorization`, so the browser asks first.
      if (origin && origins.has(origin)) {
        res.setHeader("Access-Control-Allow-Methods", "GET");
        res.setHeader("Access-Control-Allow-Headers", "Authorization, DPoP");
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
    const match = /^(Bearer|DPoP)[ ]+([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization);
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

    const scheme = match[1].toLowerCase() === "dpop" ? "DPoP" : "Bearer";
    const accessToken = match[2];
    const refuse = (reason, error, description, extraHeaders = {}) => {
      requests.push(scheme === "DPoP" ? { status: 401, scheme, reason } : { status: 401, reason });
      const params = [`realm="${REALM}"`, `error="${error}"`, `error_description="${description}"`];
      if (scheme === "DPoP") params.push(`algs="${DPOP_ALGS.join(" ")}"`);
      res.setHeader("WWW-Authenticate", `${scheme} ${params.join(", ")}`);
      for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
      return sendJson(res, 401, { error, error_description: description });
    };

    let payload;
    let protectedHeader;
    try {
      ({ payload, protectedHeader } = await jwtVerify(accessToken, jwks, {
        issuer,
        audience,
        algorithms: ["RS256", "PS256", "ES256", "EdDSA"],
        // RFC 9068: a JWT access token says so; an ID token sent by mistake does not.
        typ: "at+jwt",
        requiredClaims: ["exp", "sub"],
      }));
    } catch (err) {
      return refuse(err.code ?? "invalid", "invalid_token", describeFailure(err));
    }

    const boundTo = typeof payload.cnf?.jkt === "string" ? payload.cnf.jkt : null;
    let dpop = null;
    if (scheme === "Bearer" && boundTo) {
      return refuse("bound_token_as_bearer", "invalid_token", "The access token is DPoP-bound: send it with the DPoP scheme and a proof");
    }
    if (scheme === "DPoP") {
      if (!boundTo) return refuse("unbound_token_as_dpop", "invalid_token", "The access token is not DPoP-bound");
      const outcome = await checkProof(req, accessToken, boundTo);
      if (outcome.nonce) {
        return refuse("use_dpop_nonce", "use_dpop_nonce", "Send the proof again with the nonce in DPoP-Nonce", { "DPoP-Nonce": outcome.nonce });
      }
      if (outcome.failure) return refuse(outcome.failure, "invalid_dpop_proof", outcome.description);
      dpop = outcome.proof;
    }

    // A bearer call is recorded as it always was; a DPoP one says what bound it.
    requests.push(dpop ? { status: 200, sub: payload.sub, scheme, jkt: boundTo, jti: dpop.jti, nonce: dpop.nonce } : { status: 200, sub: payload.sub });
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
      ...(boundTo ? { token_type: "DPoP", cnf: { jkt: boundTo } } : { token_type: "Bearer" }),
    });
  });

  /**
   * The DPoP checks of RFC 9449 §4.3 and §7 for this request and token:
   * { proof } when it passes, { failure, description } when it does not,
   * { nonce } when a nonce is required and the proof lacks this API's.
   */
  async function checkProof(req, accessToken, boundTo) {
    const fail = (failure, description) => ({ failure, description });
    const header = req.headers.dpop;
    // Node joins repeated headers with ", "; a compact JWS has no comma.
    if (typeof header !== "string" || !header) return fail("dpop_missing", "A DPoP proof is required");
    if (header.includes(",")) return fail("dpop_several", "Exactly one DPoP proof is allowed");

    let claims;
    let jwk;
    try {
      const verified = await jwtVerify(header, EmbeddedJWK, { typ: "dpop+jwt", algorithms: DPOP_ALGS });
      claims = verified.payload;
      jwk = verified.protectedHeader.jwk;
    } catch (err) {
      return fail(err.code ?? "dpop_invalid", describeProofFailure(err));
    }
    if (typeof claims.jti !== "string" || claims.jti.length < 12) return fail("dpop_jti", "The proof needs a unique jti");
    if (claims.htm !== req.method) return fail("dpop_htm", "The proof htm is not this request's method");
    if (!sameTarget(claims.htu, req)) return fail("dpop_htu", "The proof htu is not this request's URL");
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.iat !== "number" || claims.iat < now - IAT_PAST || claims.iat > now + IAT_FUTURE) {
      return fail("dpop_iat", "The proof iat is outside the accepted window");
    }
    if (claims.ath !== createHash("sha256").update(accessToken).digest("base64url")) {
      return fail("dpop_ath", "The proof ath is not the hash of this access token");
    }
    if ((await calculateJwkThumbprint(jwk, "sha256")) !== boundTo) {
      return fail("dpop_jkt", "The proof key is not the key the access token is bound to");
    }
    if (nonceRequired) {
      forgetExpired(nonces, now);
      if (typeof claims.nonce !== "string" || !nonces.has(claims.nonce)) {
        const nonce = randomBytes(16).toString("base64url");
        nonces.set(nonce, now + NONCE_TTL);
        return { nonce };
      }
    }
    // Last, so a proof refused for another reason does not use its jti up.
    forgetExpired(seenJtis, now);
    const key = `${boundTo} ${claims.jti}`;
    if (seenJtis.has(key)) return fail("dpop_replay", "The proof was used before");
    seenJtis.set(key, now + IAT_PAST + IAT_FUTURE);
    return { proof: claims };
  }

  await listen(server, port, host);
  const actualPort = server.address().port;
  const origin = `http://${host}:${actualPort}`;
  return {
    url: `${origin}${API_PATH}`,
    origin,
    port: actualPort,
    requests,
    setRequireDpopNonce(value) {
      nonceRequired = Boolean(value);
    },
    close: () => closeServer(server),
  };
}

// htu is compared without query and fragment (RFC 9449 §4.3), against the URL
// the client used: the Host it sent and this path.
function sameTarget(htu, req) {
  if (typeof htu !== "string") return false;
  let claimed;
  let actual;
  try {
    claimed = new URL(htu);
    actual = new URL(req.url, `http://${req.headers.host}`);
  } catch {
    return false;
  }
  claimed.search = "";
  claimed.hash = "";
  actual.search = "";
  return claimed.href === actual.href;
}

function forgetExpired(map, now) {
  for (const [k, until] of map) if (until < now) map.delete(k);
}

function describeProofFailure(err) {
  switch (err.code) {
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "The proof signature does not verify with its jwk";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "The proof alg is not accepted";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return "The proof typ must be dpop+jwt";
    default:
      return "The proof is not a valid DPoP proof";
  }
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
