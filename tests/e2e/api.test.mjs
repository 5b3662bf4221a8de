// The demo's protected API: only a valid bearer access token from the local
// provider — signature, issuer, audience, expiry — gets an answer.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { generateKeyPair, SignJWT } from "jose";
import { startApi } from "../../dev/api.mjs";
import { consent, openDemo, openPage, startEnvironment, startLoginAs, waitForOutcome } from "./helpers.mjs";

async function login(env, user) {
  const { page, seen } = await openPage(env);
  await openDemo(page, env.servers);
  await startLoginAs(page, env.servers, user);
  await consent(page);
  const outcome = await waitForOutcome(page);
  assert.equal(outcome.state, "done", outcome.errorText ?? outcome.status);
  return { page, accessToken: seen.tokenResponses[0].access_token };
}

const bearer = (token) => ({ headers: { Authorization: `Bearer ${token}` } });

describe("the protected API", { timeout: 90_000 }, () => {
  let env;
  let servers;
  let page;
  let accessToken;

  before(async () => {
    env = await startEnvironment();
    servers = env.servers;
    ({ page, accessToken } = await login(env, "dave"));
  });
  after(() => env?.close());

  test("answers 200 with the user for the access token the demo received", async () => {
    const res = await fetch(servers.apiUrl, bearer(accessToken));
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.sub, "dave");
    assert.equal(body.aud, servers.apiAudience);
  });

  test("no token: 401 with a Bearer challenge and no error code", async () => {
    const res = await fetch(servers.apiUrl);
    assert.equal(res.status, 401);
    const challenge = res.headers.get("www-authenticate");
    assert.match(challenge, /^Bearer realm="[^"]+"$/);
  });

  test("a garbage token: 401 invalid_token", async () => {
    for (const auth of ["Bearer garbage", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "garbage"]) {
      const res = await fetch(servers.apiUrl, { headers: { Authorization: auth } });
      assert.equal(res.status, 401, auth);
      assert.match(res.headers.get("www-authenticate"), /^Bearer realm="[^"]+", error="invalid_token"/, auth);
    }
  });

  test("a token with the right claims signed by another key: 401", async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = JSON.parse(Buffer.from(accessToken.split(".")[0], "base64url")).kid;
    const forged = await new SignJWT({ scope: "api:read", client_id: servers.clientId })
      .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid })
      .setSubject("mallory")
      .setIssuer(servers.issuer)
      .setAudience(servers.apiAudience)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    const res = await fetch(servers.apiUrl, bearer(forged));
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate"), /error="invalid_token"/);
  });

  test("a valid token presented to an API with another audience or issuer: 401", async () => {
    const otherAudience = await startApi({ issuer: servers.issuer, audience: "https://other-api.pkce-wasm.test" });
    try {
      const res = await fetch(otherAudience.url, bearer(accessToken));
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate"), /error="invalid_token"/);
    } finally {
      await otherAudience.close();
    }
    // The same keys, but another expected `iss`.
    const otherIssuer = await startApi({
      issuer: "https://issuer.pkce-wasm.test",
      jwksUri: `${servers.issuer}/jwks`,
      audience: servers.apiAudience,
    });
    try {
      const res = await fetch(otherIssuer.url, bearer(accessToken));
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate"), /error="invalid_token"/);
    } finally {
      await otherIssuer.close();
    }
  });

  test("the page's “call without a token” and “forged token” buttons show the 401 and its challenge", async () => {
    await page.click("#api-no-token");
    await page.waitForSelector("#api-answer-none");
    assert.equal(await page.getAttribute("#api-answer-none", "data-status"), "401");
    // Readable by the page only because the API exposes the header through CORS.
    assert.match(await page.textContent("#api-answer-none"), /WWW-Authenticate\s*Bearer realm=/);

    await page.click("#api-garbage");
    await page.waitForSelector("#api-answer-forged");
    assert.equal(await page.getAttribute("#api-answer-forged", "data-status"), "401");
    assert.match(await page.textContent("#api-answer-forged"), /error="invalid_token"/);
  });

  test("CORS: the preflight for Authorization is granted to the demo's origin only", async () => {
    const preflight = (origin) =>
      fetch(servers.apiUrl, {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" },
      });
    const ok = await preflight(servers.pageOrigin);
    assert.equal(ok.headers.get("access-control-allow-origin"), servers.pageOrigin);
    assert.match(ok.headers.get("access-control-allow-headers") ?? "", /authorization/i);
    const other = await preflight("http://127.0.0.1:1");
    assert.equal(other.headers.get("access-control-allow-origin"), null);
  });
});

describe("the protected API and an expired access token", { timeout: 60_000 }, () => {
  let env;
  before(async () => {
    env = await startEnvironment({ providerTtl: { accessToken: 3 } });
  });
  after(() => env?.close());

  test("a token past its exp: 401 invalid_token", async () => {
    const { accessToken } = await login(env, "erin");
    const { exp } = JSON.parse(Buffer.from(accessToken.split(".")[1], "base64url"));
    const wait = exp * 1000 - Date.now() + 1100;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const res = await fetch(env.servers.apiUrl, bearer(accessToken));
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate"), /error="invalid_token", error_description="The access token expired"/);
  });
});
