// The demo's session card: the access token's countdown, the verified ID
// token claims, "Refresh now", "Call the API again" through client.fetch()
// and "Log out" (revocation, then the provider's end-session page, then back).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { consent, openDemo, openPage, screenshot, startEnvironment, startLoginAs, waitForOutcome } from "./helpers.mjs";

describe("the demo's session: countdown, refresh, API call, logout", { timeout: 120_000 }, () => {
  const user = `sam-${Date.now().toString(36)}`;
  let env;
  let servers;
  let page;
  let seen;

  before(async () => {
    env = await startEnvironment();
    servers = env.servers;
    ({ page, seen } = await openPage(env));
    await openDemo(page, servers);
    await startLoginAs(page, servers, user);
    await consent(page);
    const outcome = await waitForOutcome(page);
    assert.equal(outcome.state, "done", outcome.errorText ?? outcome.status);
  });
  after(() => env?.close());

  const refreshRequests = () => servers.provider.tokenRequests.filter((r) => r.grantType === "refresh_token");

  test("shows the verified ID token claims and the access token's expiry counting down", async () => {
    await page.waitForSelector("#session:not(.hidden)");
    const claims = JSON.parse(await page.textContent("#id-claims"));
    assert.equal(claims.sub, user);
    assert.equal(claims.iss, servers.issuer);
    assert.equal(claims.aud, servers.clientId);
    const first = Number(await page.getAttribute("#expiry", "data-seconds"));
    assert.ok(first > 250 && first <= 300, `seconds left: ${first}`);
    assert.match(await page.textContent("#expiry"), /^Access token expires in \d+ min \d\d s$/);
    await page.waitForFunction((s) => Number(document.getElementById("expiry").dataset.seconds) < s, first, { timeout: 5000 });
  });

  test("“Refresh now” sends one refresh_token request and shows the new, rotated tokens", async () => {
    const before = refreshRequests().length;
    const responses = seen.tokenResponses.length;
    await page.click("#refresh");
    await page.waitForFunction(() => document.querySelectorAll("#session-log li").length >= 2);
    assert.equal(refreshRequests().length, before + 1);
    assert.equal(refreshRequests().at(-1).status, 200);
    const log = await page.textContent("#session-log");
    assert.match(log, /grant_type=refresh_token, refresh_token=\S+… \(\d+ chars\) → 200/);
    assert.match(log, /refresh token rotated/);
    const [login, refreshed] = [seen.tokenResponses[0], seen.tokenResponses[responses]];
    assert.notEqual(refreshed.access_token, login.access_token);
    assert.notEqual(refreshed.refresh_token, login.refresh_token);
    // Shown masked: its first characters and its length only.
    const shown = await page.textContent("#session-refresh-token");
    assert.equal(shown, `${refreshed.refresh_token.slice(0, 6)}… (${refreshed.refresh_token.length} chars)`);
    // Step 3 still shows the code exchange, not the refresh.
    assert.match(await page.textContent("#step-3-data"), /authorization_code/);
    assert.deepEqual(seen.pageErrors, []);
  });

  test("“Call the API again” goes through client.fetch with the refreshed token", async () => {
    const calls = servers.api.requests.length;
    await page.click("#api-call");
    await page.waitForFunction(() => document.getElementById("step-5").dataset.status === "done");
    await page.waitForSelector("#api-answer-token");
    assert.equal(await page.getAttribute("#api-answer-token", "data-status"), "200");
    assert.deepEqual(servers.api.requests.slice(calls), [{ status: 200, sub: user }]);
    assert.match(await page.textContent("#step-5-data"), /added by client\.fetch/);
  });

  test("“Log out” revokes the refresh token, ends the provider session and comes back; the next login asks for the password", async () => {
    const revocations = servers.provider.revocationRequests.length;
    await Promise.all([page.waitForURL(`${servers.issuer}/session/end**`), page.click("#logout")]);
    assert.deepEqual(servers.provider.revocationRequests.slice(revocations).map((r) => [r.tokenTypeHint, r.status]), [["refresh_token", 200]]);
    const endSession = servers.provider.endSessionRequests.at(-1);
    assert.equal(endSession.hasIdTokenHint, true);
    assert.equal(endSession.postLogoutRedirectUri, `${servers.pageOrigin}/`);
    await screenshot(page, "demo-logout-confirm.png");
    await Promise.all([page.waitForURL(`${servers.pageOrigin}/`), page.click("button[name=logout][value=yes]")]);
    await page.waitForFunction(() => document.body?.dataset.state === "ready");
    assert.match(await page.textContent("#status"), /^Signed out: the session was cleared, the refresh token revoked, the provider's session ended\./);
    assert.equal(await page.isHidden("#session"), true);

    await Promise.all([page.waitForURL(`${servers.issuer}/interaction/**`), page.click("#login")]);
    await page.waitForSelector("input[name=login]");
  });
});
