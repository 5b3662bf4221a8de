// DPoP (RFC 9449) end to end: the demo with `?dpop=1` against
// node-oidc-provider (nonces required at its token endpoint, so the
// use_dpop_nonce round trip is real) and the demo API, which checks every
// proof. What the browser sends is observed, never intercepted; answers a
// real server will not give come from a stub transport.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { openPage, startEnvironment } from "./helpers.mjs";
import { accessTokenHash, decodeJwt, loginWithDemo, proofOf, runWithStub, storedDpopKeys, thumbprint } from "./dpop-helpers.mjs";

const nowSeconds = () => Math.floor(Date.now() / 1000);

function assertProofShape(proof, { htm, htu }, what) {
  assert.ok(proof, `${what}: a DPoP header with a JWT`);
  assert.equal(proof.header.typ, "dpop+jwt", what);
  assert.equal(proof.header.alg, "ES256", what);
  assert.deepEqual(Object.keys(proof.header.jwk).sort(), ["crv", "kty", "x", "y"], `${what}: a public EC key, nothing private`);
  assert.equal(proof.header.jwk.crv, "P-256", what);
  assert.equal(proof.claims.htm, htm, what);
  assert.equal(proof.claims.htu, htu, what);
  assert.doesNotMatch(proof.claims.htu, /[?#]/, `${what}: htu without query or fragment`);
  assert.equal(typeof proof.claims.jti, "string", what);
  assert.ok(Buffer.from(proof.claims.jti, "base64url").length >= 12, `${what}: jti of at least 96 bits`);
  assert.ok(Math.abs(proof.claims.iat - nowSeconds()) < 120, `${what}: iat is now`);
}

describe("DPoP through the demo (nonce required at the token endpoint)", { timeout: 180_000 }, () => {
  let env;
  let servers;
  let page;
  let seen;
  let traffic;
  let tokenMark;
  let loginKey; // thumbprint of the key that signed the code exchange
  let dpopTokenResponse;

  before(async () => {
    env = await startEnvironment({ dpopNonce: { provider: ["token"] } });
    servers = env.servers;
    tokenMark = servers.provider.tokenRequests.length;
    let outcome;
    ({ page, seen, traffic, outcome } = await loginWithDemo(env, "dpop=1", "dora", async (p) => {
      assert.equal(await p.isChecked("#opt-dpop"), true);
    }));
    assert.equal(outcome.state, "done", outcome.errorText ?? outcome.status);
    dpopTokenResponse = seen.tokenResponses.find((r) => r?.access_token);
  });
  after(() => env?.close());

  test("every token request of the code exchange carries a DPoP proof for POST to the token endpoint", async () => {
    assert.ok(traffic.token.length >= 1);
    const jkts = new Set();
    for (const [i, request] of traffic.token.entries()) {
      const proof = proofOf(request);
      assertProofShape(proof, { htm: "POST", htu: `${servers.issuer}/token` }, `token request ${i + 1}`);
      jkts.add(await thumbprint(proof.header.jwk));
    }
    assert.equal(jkts.size, 1, "one key signs them all");
    loginKey = [...jkts][0];
    const jtis = traffic.token.map((r) => proofOf(r).claims.jti);
    assert.equal(new Set(jtis).size, jtis.length, "a fresh jti for each proof");
  });

  test("use_dpop_nonce: exactly two token requests for the code, the second proof carries the provider's nonce", async () => {
    const atProvider = servers.provider.tokenRequests.slice(tokenMark);
    assert.deepEqual(
      atProvider.map((r) => [r.grantType, r.status, r.error ?? null]),
      [
        ["authorization_code", 400, "use_dpop_nonce"],
        ["authorization_code", 200, null],
      ],
    );
    assert.equal(traffic.token.length, 2);
    const [first, second] = traffic.token;
    assert.equal(proofOf(first).claims.nonce, undefined, "the first proof has no nonce to give");
    const nonce = first.response.headers["dpop-nonce"];
    assert.equal(typeof nonce, "string", "the provider sent DPoP-Nonce with use_dpop_nonce");
    assert.equal(proofOf(second).claims.nonce, nonce);
    assert.notEqual(proofOf(second).claims.jti, proofOf(first).claims.jti);
    // The demo shows both attempts, each with its decoded proof.
    assert.equal(await page.locator("#step-3-data .attempt").count(), 2);
    assert.match(await page.textContent("#step-3-data"), /use_dpop_nonce/);
    assert.match(await page.textContent("#step-3-data"), /"typ": "dpop\+jwt"/);
  });

  test("dpop_jkt in the authorization request equals the thumbprint of the proof key", async () => {
    assert.equal(traffic.authorize.length, 1);
    const sent = new URL(traffic.authorize[0].url).searchParams.get("dpop_jkt");
    assert.match(sent ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.equal(sent, loginKey);
  });

  test("the token is DPoP-bound: token_type DPoP and the access token's cnf.jkt is the proof key's thumbprint", async () => {
    assert.equal(dpopTokenResponse.token_type, "DPoP");
    const claims = decodeJwt(dpopTokenResponse.access_token).claims;
    assert.equal(claims.cnf?.jkt, loginKey);
    assert.equal(await page.getAttribute("#binding", "data-match"), "true");
    assert.match(await page.textContent("#step-4-data"), /token_type\s*DPoP/);
  });

  test("the API call is bound: Authorization: DPoP and a proof with ath for GET on the API; the API answers 200", async () => {
    const calls = traffic.api.filter((r) => r.method === "GET");
    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.match(call.headers.authorization, /^DPoP [A-Za-z0-9._~+/-]+=*$/);
    const token = call.headers.authorization.slice("DPoP ".length);
    assert.equal(token, dpopTokenResponse.access_token);
    const proof = proofOf(call);
    assertProofShape(proof, { htm: "GET", htu: servers.apiUrl }, "API call");
    assert.equal(proof.claims.ath, accessTokenHash(token));
    assert.equal(await thumbprint(proof.header.jwk), loginKey);
    assert.equal(call.response.status, 200);
    const answered = servers.api.requests.at(-1);
    assert.equal(answered.status, 200);
    assert.equal(answered.scheme, "DPoP");
    assert.equal(answered.jkt, loginKey);
    assert.equal(await page.getAttribute("#api-answer-token", "data-status"), "200");
  });

  test("a replayed proof is refused by the demo API (401 invalid_dpop_proof), and so is the bound token sent as Bearer", async () => {
    const [call] = traffic.api.filter((r) => r.method === "GET");
    const replay = await fetch(servers.apiUrl, { headers: { Authorization: call.headers.authorization, DPoP: call.headers.dpop } });
    assert.equal(replay.status, 401);
    assert.match(replay.headers.get("www-authenticate"), /^DPoP .*error="invalid_dpop_proof"/);
    assert.equal(servers.api.requests.at(-1).reason, "dpop_replay");

    const token = call.headers.authorization.slice("DPoP ".length);
    const asBearer = await fetch(servers.apiUrl, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get("www-authenticate"), /^Bearer .*error="invalid_token"/);

    // The demo's own replay button sends the last call's headers again.
    await page.click("#api-replay");
    await page.waitForSelector("#api-answer-replay");
    assert.equal(await page.getAttribute("#api-answer-replay", "data-status"), "401");
  });

  test("an API that asks for a nonce: client.fetch sends the call once more, with that nonce", async () => {
    servers.api.setRequireDpopNonce(true);
    try {
      const apiMark = servers.api.requests.length;
      const seenMark = traffic.api.length;
      await page.click("#api-call");
      await page.waitForFunction(() => document.getElementById("step-5").dataset.status !== "working");
      await page.waitForSelector("#api-answer-token");
      await traffic.settle();
      assert.deepEqual(
        servers.api.requests.slice(apiMark).map((r) => [r.status, r.reason ?? null]),
        [
          [401, "use_dpop_nonce"],
          [200, null],
        ],
      );
      const [first, second] = traffic.api.slice(seenMark).filter((r) => r.method === "GET");
      const nonce = first.response.headers["dpop-nonce"];
      assert.equal(typeof nonce, "string");
      assert.equal(proofOf(first).claims.nonce, undefined);
      assert.equal(proofOf(second).claims.nonce, nonce);
      assert.equal(await page.getAttribute("#api-answer-token", "data-status"), "200");
    } finally {
      servers.api.setRequireDpopNonce(false);
    }
  });

  test("the private key is non-extractable, and the session's key is the login's", async () => {
    const keys = await storedDpopKeys(page);
    assert.ok(keys.length >= 1, "the session's key pair is in IndexedDB (persistTokens is set)");
    for (const k of keys) {
      assert.equal(k.privateType, "private");
      assert.equal(k.privateExtractable, false, k.id);
      assert.equal(k.privateExported, false, `${k.id}: exportKey refused`);
      assert.deepEqual(k.algorithm, { name: "ECDSA", namedCurve: "P-256" });
      assert.deepEqual(k.privateUsages, ["sign"]);
    }
    const thumbprints = await Promise.all(keys.map((k) => thumbprint(k.publicJwk)));
    assert.ok(thumbprints.includes(loginKey), "the stored key is the one the tokens are bound to");
  });

  test("a refresh carries a proof signed by the same key, and the new token stays bound to it", async () => {
    const mark = servers.provider.tokenRequests.length;
    const seenMark = traffic.token.length;
    const responses = seen.tokenResponses.length;
    await page.click("#refresh");
    await page.waitForFunction(() => [...document.querySelectorAll("#session-log li")].some((li) => /new access token|refresh failed/.test(li.textContent)));
    await traffic.settle();
    const refreshes = servers.provider.tokenRequests.slice(mark);
    assert.ok(refreshes.length >= 1 && refreshes.length <= 2, `${refreshes.length} refresh requests`);
    assert.ok(refreshes.every((r) => r.grantType === "refresh_token"));
    assert.equal(refreshes.at(-1).status, 200);
    assert.equal(refreshes.at(-1).tokenType, "DPoP");
    for (const request of traffic.token.slice(seenMark)) {
      const proof = proofOf(request);
      assertProofShape(proof, { htm: "POST", htu: `${servers.issuer}/token` }, "refresh");
      assert.equal(await thumbprint(proof.header.jwk), loginKey);
    }
    // The recorder reads response bodies asynchronously.
    let refreshed;
    for (let i = 0; i < 50 && !refreshed; i++, await new Promise((r) => setTimeout(r, 100))) {
      refreshed = seen.tokenResponses.slice(responses).find((r) => r?.access_token);
    }
    assert.ok(refreshed, "the refresh's token response was seen");
    assert.equal(decodeJwt(refreshed.access_token).claims.cnf?.jkt, loginKey);
    assert.match(await page.textContent("#session-log"), /DPoP proof/);
  });

  test("logout deletes the key pair from IndexedDB", async () => {
    assert.ok((await storedDpopKeys(page)).length >= 1);
    await Promise.all([page.waitForURL(`${servers.issuer}/session/end**`), page.click("#logout")]);
    await Promise.all([page.waitForURL(`${servers.pageOrigin}/`), page.click("button[name=logout][value=yes]")]);
    await page.waitForFunction(() => document.body?.dataset.state === "ready");
    assert.deepEqual(await storedDpopKeys(page), []);
    assert.deepEqual(seen.pageErrors, []);
  });
});

describe("the demo API checks DPoP proofs itself", { timeout: 120_000 }, () => {
  // A token bound to the browser's key, from a real login, and proofs made
  // here with jose, each wrong in one way. The key of the token cannot leave
  // the browser, so the proofs are signed by a key of this test: the API
  // checks the binding last, so each other check shows as its own reason.
  let env;
  let servers;
  let token;
  let signer;

  before(async () => {
    env = await startEnvironment();
    servers = env.servers;
    const { seen, outcome } = await loginWithDemo(env, "dpop=1", "erin");
    assert.equal(outcome.state, "done", outcome.errorText ?? outcome.status);
    token = seen.tokenResponses.find((r) => r?.access_token).access_token;
    const pair = await generateKeyPair("ES256", { extractable: true });
    signer = { key: pair.privateKey, jwk: await exportJWK(pair.publicKey) };
  });
  after(() => env?.close());

  const proof = (claims = {}, header = {}, by = signer) =>
    new SignJWT({ jti: crypto.randomUUID(), htm: "GET", htu: servers.apiUrl, iat: nowSeconds(), ath: accessTokenHash(token), ...claims })
      .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: by.jwk, ...header })
      .sign(by.key);

  async function refusedFor(dpop, authorization = `DPoP ${token}`) {
    const headers = [["Authorization", authorization]];
    for (const p of [dpop].flat()) if (p) headers.push(["DPoP", p]);
    const res = await fetch(servers.apiUrl, { headers });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate"), /^DPoP realm="[^"]+", error="(invalid_dpop_proof|invalid_token)"/);
    return servers.api.requests.at(-1).reason;
  }

  test("each wrong claim is refused with 401 for its own reason", async () => {
    assert.equal(await refusedFor(await proof({ htm: "POST" })), "dpop_htm");
    assert.equal(await refusedFor(await proof({ htu: `${new URL(servers.apiUrl).origin}/other` })), "dpop_htu");
    assert.equal(await refusedFor(await proof({ iat: nowSeconds() - 3600 })), "dpop_iat");
    assert.equal(await refusedFor(await proof({ ath: accessTokenHash(`${token}x`) })), "dpop_ath");
    assert.equal(await refusedFor(await proof({ jti: undefined })), "dpop_jti");
  });

  test("a wrong typ, a symmetric alg, a signature that does not verify with the jwk: 401", async () => {
    assert.equal(await refusedFor(await proof({}, { typ: "JWT" })), "ERR_JWT_CLAIM_VALIDATION_FAILED");
    const hs = await new SignJWT({ jti: crypto.randomUUID(), htm: "GET", htu: servers.apiUrl, iat: nowSeconds(), ath: accessTokenHash(token) })
      .setProtectedHeader({ typ: "dpop+jwt", alg: "HS256", jwk: signer.jwk })
      .sign(new TextEncoder().encode("a shared secret is no proof of possession"));
    assert.notEqual(await refusedFor(hs), undefined);
    const other = await generateKeyPair("ES256");
    const forged = await proof({}, {}, { key: other.privateKey, jwk: signer.jwk });
    assert.equal(await refusedFor(forged), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
  });

  test("a correct proof by a key the token is not bound to: refused because cnf.jkt differs", async () => {
    assert.equal(await refusedFor(await proof()), "dpop_jkt");
  });

  test("the query is not part of htu: a proof for the URL without it passes every check up to the binding", async () => {
    const res = await fetch(`${servers.apiUrl}?q=1`, { headers: { Authorization: `DPoP ${token}`, DPoP: await proof() } });
    assert.equal(res.status, 401);
    assert.equal(servers.api.requests.at(-1).reason, "dpop_jkt", "htu matched; only the key is wrong");
  });

  test("no proof, two proofs, the bound token as Bearer: 401", async () => {
    assert.equal(await refusedFor(null), "dpop_missing");
    const one = await proof();
    assert.equal(await refusedFor([one, one]), "dpop_several");
    const res = await fetch(servers.apiUrl, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate"), /^Bearer realm="[^"]+", error="invalid_token"/);
    assert.equal(servers.api.requests.at(-1).reason, "bound_token_as_bearer");
  });
});

describe("DPoP answers a real server will not give (stub transport)", { timeout: 120_000 }, () => {
  let env;
  let page;
  let context;
  const bearerAnswer = { status: 200, body: { access_token: "stub-access-token", token_type: "Bearer", expires_in: 300 } };
  const dpopAnswer = (tokenType = "DPoP") => ({ status: 200, body: { access_token: "stub-access-token", token_type: tokenType, expires_in: 300 } });
  const nonceAnswer = (nonce) => ({ status: 400, body: { error: "use_dpop_nonce" }, headers: nonce ? { "DPoP-Nonce": nonce } : {} });

  before(async () => {
    env = await startEnvironment();
    ({ page, context } = await openPage(env));
    await page.goto(env.servers.pageUrl);
    await page.waitForFunction(() => document.body?.dataset.state === "ready");
  });
  after(async () => {
    await context?.close();
    await env?.close();
  });

  test("with DPoP on, a Bearer token response is refused: invalid_token_response, field token_type", async () => {
    const run = await runWithStub(page, { scenario: "callback", answers: [bearerAnswer], options: { dpop: true } });
    assert.equal(run.error?.code, "invalid_token_response", JSON.stringify(run));
    assert.equal(run.error.field, "token_type");
    assert.equal(run.requests.length, 1);
    assert.ok(decodeJwt(run.requests[0].dpop), "the request carried a proof");
  });

  test("allowBearer: true accepts the downgrade and says so in tokenType", async () => {
    const run = await runWithStub(page, { scenario: "callback", answers: [bearerAnswer], options: { dpop: { allowBearer: true } } });
    assert.equal(run.error, undefined, JSON.stringify(run.error));
    assert.equal(run.result.tokenType, "Bearer");
  });

  test("token_type is compared case-insensitively: dpop is DPoP", async () => {
    const run = await runWithStub(page, { scenario: "callback", answers: [dpopAnswer("dpop")], options: { dpop: true } });
    assert.equal(run.error, undefined, JSON.stringify(run.error));
    assert.equal(run.result.tokenType, "DPoP");
  });

  test("with DPoP off, a DPoP token response is refused", async () => {
    const run = await runWithStub(page, { scenario: "callback", answers: [dpopAnswer()] });
    assert.equal(run.error?.code, "invalid_token_response", JSON.stringify(run));
    assert.equal(run.error.field, "token_type");
    assert.equal(run.requests[0].dpop, null, "no proof without DPoP");
  });

  test("use_dpop_nonce twice: dpop_error after exactly two requests, the second with the first nonce (no loop)", async () => {
    const run = await runWithStub(page, { scenario: "callback", answers: [nonceAnswer("nonce-one"), nonceAnswer("nonce-two"), dpopAnswer()], options: { dpop: true } });
    assert.equal(run.error?.code, "dpop_error", JSON.stringify(run));
    assert.equal(run.requests.length, 2);
    assert.equal(decodeJwt(run.requests[0].dpop).claims.nonce, undefined);
    assert.equal(decodeJwt(run.requests[1].dpop).claims.nonce, "nonce-one");
  });

  test("use_dpop_nonce without a readable DPoP-Nonce header (not exposed by CORS): dpop_error after one request", async () => {
    const run = await runWithStub(page, { scenario: "callback", answers: [nonceAnswer(null), dpopAnswer()], options: { dpop: true } });
    assert.equal(run.error?.code, "dpop_error", JSON.stringify(run));
    assert.equal(run.requests.length, 1);
  });

  test("a proof that cannot be signed: dpop_error and no token request at all", async () => {
    const run = await runWithStub(page, { scenario: "sign-refused", answers: [dpopAnswer()], options: { dpop: true } });
    assert.equal(run.error?.code, "dpop_error", JSON.stringify(run));
    assert.equal(run.requests.length, 0);
  });

  test("a key that cannot be made: dpop_error, no transaction stored", async () => {
    const run = await runWithStub(page, { scenario: "keygen-refused", answers: [dpopAnswer()], options: { dpop: true } });
    assert.equal(run.error?.code, "dpop_error", JSON.stringify(run));
    assert.equal(run.txAfter, run.txBefore);
    assert.equal(run.requests.length, 0);
  });

  test("a resource server's use_dpop_nonce twice: client.fetch stops after one retry", async () => {
    const challenge = (nonce) => ({ status: 401, headers: { "WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": nonce } });
    const run = await runWithStub(page, {
      scenario: "callback-then-fetch",
      answers: [dpopAnswer()],
      options: { dpop: true },
      resource: [challenge("rs-one"), challenge("rs-two"), { status: 200 }],
    });
    const calls = run.requests.filter((r) => r.resource);
    assert.equal(calls.length, 2, JSON.stringify(run));
    assert.equal(run.result?.status ?? run.error?.status, 401);
    const [first, second] = calls.map((c) => decodeJwt(c.dpop).claims);
    assert.equal(first.htu, "http://127.0.0.1:9/resource", "htu without the query");
    assert.equal(first.ath, accessTokenHash("stub-access-token"));
    assert.equal(second.nonce, "rs-one");
    assert.match(calls[0].authorization, /^DPoP stub-access-token$/);
  });
});
