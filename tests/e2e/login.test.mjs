// One real login through the demo page: the provider's login and consent
// pages, the token request, the API call, and what is (not) left behind.
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import {
  consent,
  openDemo,
  openPage,
  pendingTransactions,
  s256,
  screenshot,
  startEnvironment,
  startLoginAs,
  tokenRequestsSince,
  waitForOutcome,
} from "./helpers.mjs";

describe("a full login through the demo page", { timeout: 90_000 }, () => {
  const user = `alice-${Date.now().toString(36)}`;
  let env;
  let servers;
  let page;
  let seen;
  let outcome;
  let mark;

  before(async () => {
    env = await startEnvironment();
    servers = env.servers;
    ({ page, seen } = await openPage(env));
    mark = servers.provider.tokenRequests.length;
    await openDemo(page, servers);
    await startLoginAs(page, servers, user);
    await consent(page);
    outcome = await waitForOutcome(page);
  });

  after(() => env?.close());

  test("ends with tokens and the API answering 200 with the user", async () => {
    assert.equal(outcome.errorText, null, `the page shows an error: ${outcome.errorText}`);
    assert.equal(outcome.state, "done", outcome.status);
    assert.equal(seen.tokenResponses.length, 1);
    assert.equal(typeof seen.tokenResponses[0]?.access_token, "string");
    assert.equal(await page.getAttribute("#api-answer-token", "data-status"), "200");
    assert.equal(await page.textContent("#api-user"), user);
    assert.deepEqual(servers.api.requests.at(-1), { status: 200, sub: user });
    assert.deepEqual(seen.pageErrors, []);
  });

  test("the authorize request carries an S256 challenge of 43 characters and no verifier", () => {
    assert.equal(seen.authorizeRequests.length, 1);
    const p = seen.authorizeRequests[0].searchParams;
    assert.equal(p.get("code_challenge_method"), "S256");
    assert.match(p.get("code_challenge"), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(p.has("code_verifier"), false);
    assert.equal(p.get("response_type"), "code");
    assert.equal(p.get("client_id"), servers.clientId);
    assert.equal(p.get("redirect_uri"), servers.callbackUrl);
    assert.match(p.get("state") ?? "", /^[A-Za-z0-9_-]{16,}$/);
    assert.equal(p.get("resource"), servers.apiAudience);
    // The provider saw the same thing.
    assert.equal(servers.provider.authorizeRequests.at(-1).params.code_challenge, p.get("code_challenge"));
  });

  test("exactly one token request, carrying the verifier whose S256 is the challenge", () => {
    assert.equal(seen.tokenRequests.length, 1, "token requests seen by the browser");
    const atProvider = tokenRequestsSince(servers, mark);
    assert.equal(atProvider.length, 1, "token requests received by the provider");
    assert.equal(atProvider[0].grantType, "authorization_code");
    assert.equal(atProvider[0].status, 200);

    const body = new URLSearchParams(seen.tokenRequests[0].postData);
    const verifier = body.get("code_verifier");
    assert.match(verifier, /^[A-Za-z0-9._~-]{43,128}$/);
    assert.equal(s256(verifier), seen.authorizeRequests[0].searchParams.get("code_challenge"));
    assert.equal(body.get("grant_type"), "authorization_code");
    assert.equal(body.get("redirect_uri"), servers.callbackUrl);
    assert.equal(body.get("client_id"), servers.clientId);
    assert.equal(seen.callbackNavigations.length, 1);
    assert.equal(body.get("code"), new URL(seen.callbackNavigations[0]).searchParams.get("code"));
  });

  test("the verifier travels in no other request", () => {
    const verifier = new URLSearchParams(seen.tokenRequests[0].postData).get("code_verifier");
    const others = seen.requests.filter((r) => !(r.method === "POST" && r.url === `${servers.issuer}/token`));
    assert.ok(others.length > 5, "requests were observed");
    for (const r of others) {
      assert.ok(!r.url.includes(verifier), `verifier in the URL of ${r.method} ${r.url}`);
      assert.ok(!(r.postData ?? "").includes(verifier), `verifier in the body of ${r.method} ${r.url}`);
    }
  });

  test("afterwards no transaction is left in storage and the address bar holds no code", async () => {
    assert.deepEqual(await pendingTransactions(page), []);
    const verifier = new URLSearchParams(seen.tokenRequests[0].postData).get("code_verifier");
    const stored = await page.evaluate(() => Object.values(sessionStorage).join("\n") + Object.values(localStorage).join("\n"));
    assert.ok(!stored.includes(verifier), "the verifier is still in web storage");
    const address = new URL(page.url());
    assert.equal(address.searchParams.has("code"), false, page.url());
    assert.equal(address.searchParams.has("state"), false, page.url());
    assert.equal(address.origin + address.pathname, servers.callbackUrl);
  });

  test("a refresh token was issued and the page shows it masked", async () => {
    const refreshToken = seen.tokenResponses[0]?.refresh_token;
    assert.equal(typeof refreshToken, "string", "the token response has a refresh_token");
    const shown = await page.textContent("#refresh-token");
    assert.ok(shown.startsWith(refreshToken.slice(0, 6)), shown);
    assert.ok(shown.includes(`(${refreshToken.length} chars)`), shown);
    assert.ok(!shown.includes(refreshToken));
  });

  test("no token, code or verifier appears in clear on the page", async () => {
    const html = await page.content();
    const text = await page.evaluate(() => document.body.innerText);
    const response = seen.tokenResponses[0];
    const body = new URLSearchParams(seen.tokenRequests[0].postData);
    const secrets = {
      access_token: response.access_token,
      refresh_token: response.refresh_token,
      id_token: response.id_token,
      code: body.get("code"),
      code_verifier: body.get("code_verifier"),
    };
    for (const [name, value] of Object.entries(secrets)) {
      if (!value) continue;
      assert.ok(!html.includes(value) && !text.includes(value), `${name} is shown in clear`);
    }
    // …while the five steps are all there.
    for (let n = 1; n <= 5; n++) {
      assert.equal(await page.getAttribute(`#step-${n}`, "data-status"), "done", `step ${n}`);
    }
    assert.match(text, /code_verifier\s+•+ \(hidden, 43 characters\)/);
  });

  test("a screenshot of the demo after login is written to artifacts/", async () => {
    assert.equal(outcome.state, "done");
    const path = await screenshot(page, "demo-after-login.png");
    const { size } = await stat(path);
    assert.ok(size > 20_000, `${path} is only ${size} bytes`);
  });
});
