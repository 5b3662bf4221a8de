// PAR (RFC 9126) end to end: the demo with `?par=1` against
// node-oidc-provider, alone and with DPoP; discovery turning PAR on when the
// provider requires it; and pushes refused (stub transport), which must leave
// nothing stored and go nowhere.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openPage, s256, startEnvironment } from "./helpers.mjs";
import { decodeJwt, loginWithDemo, proofOf, runWithStub, storedDpopKeys, thumbprint } from "./dpop-helpers.mjs";

const PAR_URN = "urn:ietf:params:oauth:request_uri:";

describe("PAR through the demo", { timeout: 120_000 }, () => {
  let env;
  let servers;
  let run;
  let parMark;

  before(async () => {
    env = await startEnvironment();
    servers = env.servers;
    parMark = servers.provider.parRequests.length;
    run = await loginWithDemo(env, "par=1", "paula");
  });
  after(() => env?.close());

  test("the authorization request is POSTed to the PAR endpoint: PKCE challenge, state, nonce, redirect_uri, no verifier", async () => {
    assert.equal(run.traffic.par.length, 1);
    const [push] = run.traffic.par;
    assert.match(push.headers["content-type"], /^application\/x-www-form-urlencoded/);
    const p = new URLSearchParams(push.postData);
    assert.equal(p.get("response_type"), "code");
    assert.equal(p.get("client_id"), servers.clientId);
    assert.equal(p.get("redirect_uri"), servers.callbackUrl);
    assert.equal(p.get("code_challenge_method"), "S256");
    assert.match(p.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.match(p.get("state") ?? "", /^[A-Za-z0-9_-]{20,}$/);
    assert.ok(p.get("nonce"), "openid is asked for: a nonce");
    assert.equal(p.get("resource"), servers.apiAudience);
    assert.equal(p.has("code_verifier"), false);
    assert.equal(p.has("dpop_jkt"), false, "no DPoP here");
    assert.equal(push.headers.dpop, undefined);
    const atProvider = servers.provider.parRequests.slice(parMark);
    assert.deepEqual(atProvider.map((r) => r.status), [201]);
    assert.ok(atProvider[0].requestUri.startsWith(PAR_URN));
  });

  test("then the browser goes to the authorize endpoint with client_id and request_uri only", async () => {
    assert.equal(run.traffic.authorize.length, 1);
    const url = new URL(run.traffic.authorize[0].url);
    assert.deepEqual([...url.searchParams.keys()].sort(), ["client_id", "request_uri"]);
    assert.equal(url.searchParams.get("client_id"), servers.clientId);
    assert.equal(url.searchParams.get("request_uri"), servers.provider.parRequests.at(-1).requestUri);
  });

  test("the login completes: the code is redeemed with the verifier of the pushed challenge, the API answers", async () => {
    assert.equal(run.outcome.state, "done", run.outcome.errorText ?? run.outcome.status);
    const pushed = new URLSearchParams(run.traffic.par[0].postData);
    const exchange = new URLSearchParams(run.traffic.token[0].postData);
    assert.equal(exchange.get("grant_type"), "authorization_code");
    assert.equal(s256(exchange.get("code_verifier")), pushed.get("code_challenge"));
    const callback = new URL(run.page.url());
    assert.equal(callback.origin + callback.pathname, servers.callbackUrl);
    assert.equal(await run.page.textContent("#api-user"), "paula");
    assert.equal(run.seen.tokenResponses.find((r) => r?.access_token).token_type, "Bearer");
  });

  test("the demo shows the pushed request and the short authorize URL in step 1", async () => {
    const step1 = await run.page.textContent("#step-1-data");
    assert.match(step1, /Pushed authorization request/);
    assert.match(step1, /code_challenge/);
    assert.match(step1, /request_uri/);
    assert.equal(await run.page.getAttribute("#step-1", "data-status"), "done");
  });
});

describe("PAR and DPoP together", { timeout: 120_000 }, () => {
  let env;
  let servers;
  let run;

  before(async () => {
    // A nonce at both endpoints: the push meets use_dpop_nonce first.
    env = await startEnvironment({ dpopNonce: { provider: true } });
    servers = env.servers;
    run = await loginWithDemo(env, "dpop=1&par=1", "pat");
  });
  after(() => env?.close());

  test("the push carries a DPoP proof for POST to the PAR endpoint and dpop_jkt of the same key; the nonce retry works there too", async () => {
    assert.equal(run.outcome.state, "done", run.outcome.errorText ?? run.outcome.status);
    const pushes = servers.provider.parRequests;
    assert.deepEqual(
      pushes.map((r) => [r.status, r.error ?? null]),
      [
        [400, "use_dpop_nonce"],
        [201, null],
      ],
    );
    const [first, second] = run.traffic.par;
    const proof = proofOf(second);
    assert.equal(proof.header.typ, "dpop+jwt");
    assert.equal(proof.claims.htm, "POST");
    assert.equal(proof.claims.htu, `${servers.issuer}/request`);
    assert.equal(proof.claims.nonce, first.response.headers["dpop-nonce"]);
    const jkt = await thumbprint(proof.header.jwk);
    assert.equal(new URLSearchParams(second.postData).get("dpop_jkt"), jkt);
    const authorize = new URL(run.traffic.authorize[0].url);
    assert.deepEqual([...authorize.searchParams.keys()].sort(), ["client_id", "request_uri"]);
  });

  test("the token request is signed by the pushed key and the token is bound to it; the API call is bound", async () => {
    const pushKey = await thumbprint(proofOf(run.traffic.par.at(-1)).header.jwk);
    const exchanges = run.traffic.token;
    // The nonce the push was given travels with the transaction across the
    // redirect: the exchange needs no use_dpop_nonce round trip.
    assert.equal(exchanges.length, 1, "token requests for one code");
    assert.ok(proofOf(exchanges[0]).claims.nonce, "the exchange's proof carries the provider's nonce");
    for (const t of exchanges) assert.equal(await thumbprint(proofOf(t).header.jwk), pushKey);
    const response = run.seen.tokenResponses.find((r) => r?.access_token);
    assert.equal(response.token_type, "DPoP");
    assert.equal(decodeJwt(response.access_token).claims.cnf?.jkt, pushKey);
    assert.equal(servers.api.requests.at(-1).status, 200);
    assert.equal(servers.api.requests.at(-1).jkt, pushKey);
  });
});

describe("discover() and a provider that requires PAR", { timeout: 120_000 }, () => {
  let env;
  let servers;
  let page;
  let context;

  before(async () => {
    env = await startEnvironment({ requirePar: true });
    servers = env.servers;
    ({ page, context } = await openPage(env));
    await page.goto(servers.pageUrl);
    await page.waitForFunction(() => document.body?.dataset.state === "ready");
  });
  after(async () => {
    await context?.close();
    await env?.close();
  });

  test("the metadata turns PAR on: authorizeUrl() pushes and returns client_id + request_uri only", async () => {
    const mark = servers.provider.parRequests.length;
    const url = await page.evaluate(
      async ({ issuer, clientId, redirectUri, resource }) => {
        const { default: init, PkceClient } = await import("pkce-wasm");
        await init();
        const client = await PkceClient.discover({ issuer, clientId, redirectUri, scope: "openid api:read", extraAuthParams: { resource } });
        return client.authorizeUrl();
      },
      { issuer: servers.issuer, clientId: servers.clientId, redirectUri: servers.callbackUrl, resource: servers.apiAudience },
    );
    const u = new URL(url);
    assert.equal(u.origin + u.pathname, `${servers.issuer}/auth`);
    assert.deepEqual([...u.searchParams.keys()].sort(), ["client_id", "request_uri"]);
    const pushed = servers.provider.parRequests.slice(mark);
    assert.deepEqual(pushed.map((r) => r.status), [201]);
    assert.equal(u.searchParams.get("request_uri"), pushed[0].requestUri);
  });

  test("without PAR that provider refuses the front-channel request (what the automatic switch avoids)", async () => {
    const res = await fetch(
      `${servers.issuer}/auth?${new URLSearchParams({ client_id: servers.clientId, response_type: "code", redirect_uri: servers.callbackUrl, scope: "openid", code_challenge: "x".repeat(43), code_challenge_method: "S256", state: "s" })}`,
      { redirect: "manual" },
    );
    const location = res.headers.get("location") ?? "";
    assert.match(location, /error=invalid_request/);
  });
});

describe("a refused push: par_error, nothing stored, no navigation (stub transport)", { timeout: 120_000 }, () => {
  let env;
  let page;
  let context;
  const good = { request_uri: `${PAR_URN}stub`, expires_in: 60 };
  const options = (extra = {}) => ({ par: true, pushedAuthorizationRequestEndpoint: "http://127.0.0.1:9/par", ...extra });

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

  const cases = [
    ["200 instead of 201", { status: 200, body: good }],
    ["201 without request_uri", { status: 201, body: { expires_in: 60 } }],
    ["201 with a number as request_uri", { status: 201, body: { request_uri: 5, expires_in: 60 } }],
    ['201 with expires_in "x"', { status: 201, body: { request_uri: `${PAR_URN}stub`, expires_in: "x" } }],
    ["201 without expires_in", { status: 201, body: { request_uri: `${PAR_URN}stub` } }],
    ["201 with a body that is not JSON", { status: 201, body: "<html>not json</html>" }],
  ];
  for (const [name, answer] of cases) {
    test(`${name}: login() rejects with par_error, stores no transaction and stays on the page`, async () => {
      const run = await runWithStub(page, { scenario: "login", answers: [answer], options: options() });
      assert.equal(run.error?.code, "par_error", JSON.stringify(run));
      assert.equal(run.requests.length, 1, "one push");
      assert.equal(run.requests[0].method, "POST");
      assert.equal(run.requests[0].url, "http://127.0.0.1:9/par");
      assert.equal(run.txAfter, run.txBefore, "no transaction points at the failed push");
      assert.equal(run.hrefAfter, run.hrefBefore, "no navigation");
    });
  }

  test("an OAuth error answer: par_error with its error and description", async () => {
    const answer = { status: 400, body: { error: "invalid_request", error_description: "redirect_uri not allowed" } };
    const run = await runWithStub(page, { scenario: "authorize-url", answers: [answer], options: options() });
    assert.equal(run.error?.code, "par_error", JSON.stringify(run));
    assert.equal(run.error.error, "invalid_request");
    assert.equal(run.error.errorDescription, "redirect_uri not allowed");
    assert.equal(run.error.status, 400);
    assert.equal(run.txAfter, run.txBefore);
  });

  test("with DPoP on, a refused push leaves no key behind either", async () => {
    const keysBefore = (await storedDpopKeys(page)).length;
    const run = await runWithStub(page, { scenario: "login", answers: [{ status: 200, body: good }], options: options({ dpop: true }) });
    assert.equal(run.error?.code, "par_error", JSON.stringify(run));
    assert.ok(decodeJwt(run.requests[0].dpop), "the push carried a proof");
    assert.equal(run.txAfter, run.txBefore);
    assert.equal((await storedDpopKeys(page)).length, keysBefore);
  });

  test("a good 201 answer (control): the URL has client_id and request_uri only, and one transaction is stored", async () => {
    const run = await runWithStub(page, { scenario: "authorize-url", answers: [{ status: 201, body: good }], options: options() });
    assert.equal(run.error, undefined, JSON.stringify(run.error));
    const u = new URL(run.result.url);
    assert.deepEqual([...u.searchParams.entries()], [["client_id", "stub-client"], ["request_uri", `${PAR_URN}stub`]]);
    assert.equal(run.txAfter, run.txBefore + 1);
  });
});
