// Sessions against the real local provider (node-oidc-provider) in headless
// Chromium, driven through a page that uses the package as an app does:
// discovery-based login, refresh with rotation, two tabs refreshing at once,
// client.fetch() retrying an expired token, logout and revocation
// (security reference §1 G, SG-11, NW-06…NW-09).
//
// "After expiry" is made by moving the stored session's expiresAt into the
// past (expireSession): the client then refreshes, and everything the
// provider does with the refresh tokens is real. Only the client.fetch() tests
// wait for access tokens to really expire at the API (4 s tokens there).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  expireSession,
  launchBrowser,
  loginAtProvider,
  newPage,
  openTestPage,
  refreshAtProvider,
  SESSION_PREFIX,
  sleep,
  startProviderEnvironment,
} from "./helpers.mjs";

const user = (name) => `${name}-${Date.now().toString(36)}`;
const refreshRequests = (env, mark) => env.provider.tokenRequests.slice(mark).filter((r) => r.grantType === "refresh_token");

describe("sessions against node-oidc-provider", { timeout: 240_000 }, () => {
  let env;
  let browser;

  before(async () => {
    [env, browser] = await Promise.all([startProviderEnvironment(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await env?.close();
  });

  async function freshPage() {
    const context = await browser.newContext();
    const page = await newPage(context);
    await openTestPage(page, env.pages.url);
    return { context, page };
  }

  test("discovery-based login: endpoints from the provider's metadata, iss required and checked, ID token verified", async () => {
    const { context, page } = await freshPage();
    const name = user("dana");
    const options = {
      issuer: env.issuer,
      clientId: env.clientOptions.clientId,
      redirectUri: env.pages.callbackUrl,
      scope: env.clientOptions.scope,
      extraAuthParams: env.clientOptions.extraAuthParams,
    };
    const { tokens, shown, callback } = await loginAtProvider(page, env, name, options, { discover: true });
    assert.equal(shown.login, 1);
    assert.equal(callback.searchParams.get("iss"), env.issuer, "the provider sends iss (RFC 9207)");
    assert.equal(tokens.claims.sub, name);
    assert.equal(tokens.claims.iss, env.issuer);
    assert.equal(tokens.claims.aud, env.clientOptions.clientId);
    assert.equal(typeof tokens.refreshToken, "string");
    // The discovered client refuses a callback without iss, as the metadata announces.
    const missingIss = await page.evaluate(async () => {
      const { state } = await window.t.begin();
      return window.t.capture(() => window.t.client.handleCallback(`${location.origin}/callback?code=x&state=${state}`));
    });
    assert.equal(missingIss.error?.code, "issuer_mismatch");
    // The access token it got is good at the API.
    const api = await page.evaluate((url) => window.t.capture(() => window.t.fetch(url)), env.api.url);
    assert.equal(api.value?.status, 200, JSON.stringify(api));
    assert.equal(JSON.parse(api.value.body).sub, name);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  test("refresh with rotation: a new refresh token each time, the old one refused by the provider, reuse ends the session", async () => {
    const { context, page } = await freshPage();
    const options = { ...env.clientOptions, persistTokens: "sessionStorage" };
    const { tokens } = await loginAtProvider(page, env, user("rita"), options);
    const session = () => page.evaluate((id) => window.t.session("sessionStorage", id), options.clientId);
    const first = await session();
    assert.equal(first.refreshToken, tokens.refreshToken);

    const mark = env.provider.tokenRequests.length;
    await expireSession(page, "sessionStorage", options.clientId);
    const refreshed = await page.evaluate(() => window.t.capture(() => window.t.client.getAccessToken()));
    assert.equal(refreshed.ok, true, JSON.stringify(refreshed.error));
    assert.notEqual(refreshed.value, first.accessToken);
    const second = await session();
    assert.equal(second.accessToken, refreshed.value);
    assert.notEqual(second.refreshToken, first.refreshToken, "the provider rotated the refresh token");
    assert.equal(second.claims.sub, first.claims.sub);
    assert.deepEqual(
      refreshRequests(env, mark).map((r) => r.status),
      [200],
    );

    // Not due yet: the current token is returned without a request.
    assert.equal(await page.evaluate(() => window.t.client.getAccessToken()), second.accessToken);
    assert.equal(refreshRequests(env, mark).length, 1);

    // The old refresh token, replayed: refused.
    const replay = await refreshAtProvider(env, first.refreshToken);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, "invalid_grant");

    // The provider treats the replay as theft and revokes the grant: the
    // page's next refresh is refused, its session cleared, login_required.
    await expireSession(page, "sessionStorage", options.clientId);
    const after = await page.evaluate(() => window.t.capture(() => window.t.client.getAccessToken()));
    assert.equal(after.ok, false);
    assert.equal(after.error.code, "login_required");
    assert.equal(after.error.error, "invalid_grant");
    assert.equal(await session(), null, "the refused session was cleared");
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  /**
   * Tab A logs in with the session in localStorage, tab B (same browser
   * context) opens the app. Then, `rounds` times: once the token is due,
   * both call getAccessToken() at the same instant (a round that goes wrong
   * ends the series: its session is gone).
   */
  async function twoTabsRefresh({ withoutWebLocks = false, rounds = 1 } = {}) {
    const context = await browser.newContext();
    const [a, b] = [await newPage(context), await newPage(context)];
    const options = { ...env.clientOptions, persistTokens: "localStorage" };
    await openTestPage(a, env.pages.url);
    const { tokens } = await loginAtProvider(a, env, user("tabs"), options);
    await openTestPage(b, env.pages.url);
    await b.evaluate((o) => window.t.make(o), options);
    const shared = await b.evaluate((id) => window.t.session("localStorage", id), options.clientId);
    assert.equal(shared?.accessToken, tokens.accessToken, "tab B sees tab A's session");
    if (withoutWebLocks) {
      // As in a browser without the Web Locks API.
      for (const p of [a, b]) await p.evaluate(() => Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined }));
    }
    const stored = () => a.evaluate((id) => window.t.session("localStorage", id), options.clientId);
    const call = (page, startAt) =>
      page.evaluate(async (at) => {
        await new Promise((r) => setTimeout(r, at - Date.now()));
        return window.t.capture(() => window.t.client.getAccessToken());
      }, startAt);

    const results = [];
    let current = tokens;
    for (let round = 0; round < rounds; round++) {
      const mark = env.provider.tokenRequests.length;
      const expiresAt = await expireSession(a, "localStorage", options.clientId);
      // Both tabs must see the expired session before they start.
      await b.waitForFunction(
        ([id, at]) => window.t.session("localStorage", id)?.expiresAt === at,
        [options.clientId, expiresAt],
      );
      const at = Date.now() + 300;
      const [ra, rb] = await Promise.all([call(a, at), call(b, at)]);
      const after = await stored();
      results.push({ round, ra, rb, before: current.accessToken, stored: after, refreshes: refreshRequests(env, mark) });
      if (!ra.ok || !rb.ok || !after) break;
      current = after;
    }
    return { context, a, b, results };
  }

  test(
    "two tabs call getAccessToken() at once after expiry, three times: exactly one refresh request each time, both get the new token",
    // Three rounds: the tab that gets the lock second may still read the old
    // session from its copy of localStorage (Chromium copies it per renderer
    // and updates the copies asynchronously). A client that trusted that read
    // would send the rotated refresh token, the provider would revoke the
    // grant and every tab would be logged out — in about 2 rounds of 5.
    async () => {
      const { context, a, b, results } = await twoTabsRefresh({ rounds: 3 });
      try {
        for (const { round, ra, rb, before, stored, refreshes } of results) {
          const brief = (r) => (r.ok ? `token ${r.value.slice(-8)}` : `${r.error.code} (${r.error.error ?? ""})`);
          const statuses = refreshes.map((x) => `${x.status}${x.error ? ` ${x.error}` : ""}`);
          const what = `round ${round + 1}: refresh requests [${statuses.join(", ")}]; tab A ${brief(ra)}, tab B ${brief(rb)}`;
          assert.equal(refreshes.length, 1, what);
          assert.equal(refreshes[0].status, 200, what);
          assert.equal(ra.ok && rb.ok, true, what);
          assert.notEqual(ra.value, before, what);
          assert.equal(ra.value, rb.value, `both tabs use the one refreshed token (${what})`);
          assert.equal(stored?.accessToken, ra.value, what);
        }
        assert.equal(results.length, 3);
        assert.deepEqual([...a.errors, ...b.errors], []);
      } finally {
        await context.close();
      }
    },
  );

  test("control: without Web Locks the same two tabs send two refresh requests", async () => {
    // Shows the test above can fail: what keeps it at one request is the cross-tab lock.
    const { context, results } = await twoTabsRefresh({ withoutWebLocks: true });
    assert.equal(results[0].refreshes.length, 2, `refresh requests: ${JSON.stringify(results[0].refreshes)}`);
    await context.close();
  });

  test("logout: refresh token revoked, provider session ended (the next login asks for the password again)", async () => {
    const { context, page } = await freshPage();
    const options = { ...env.clientOptions, persistTokens: "sessionStorage" };
    const name = user("lou");
    const first = await loginAtProvider(page, env, name, options);
    assert.equal(first.shown.login, 1);
    // Control: while the provider session lives, a second login needs no password.
    const again = await loginAtProvider(page, env, name, options);
    assert.equal(again.shown.login, 0, "the provider asked for the password although its session was alive");
    const session = await page.evaluate((id) => window.t.session("sessionStorage", id), options.clientId);
    assert.equal(session.refreshToken, again.tokens.refreshToken);

    const revocations = env.provider.revocationRequests.length;
    const endSessions = env.provider.endSessionRequests.length;
    const returnTo = env.pages.url;
    await Promise.all([
      page.waitForURL(`${env.issuer}/session/end**`),
      page.evaluate((r) => void window.t.client.logout({ returnTo: r }), returnTo),
    ]);
    assert.deepEqual(env.provider.revocationRequests.slice(revocations), [
      { tokenTypeHint: "refresh_token", clientId: options.clientId, origin: env.pages.origin, status: 200 },
    ]);
    assert.deepEqual(env.provider.endSessionRequests.slice(endSessions), [
      { hasIdTokenHint: true, clientId: options.clientId, postLogoutRedirectUri: returnTo },
    ]);
    // node-oidc-provider asks the user to confirm, then returns to the app.
    await Promise.all([page.waitForURL((u) => u.href.startsWith(returnTo)), page.click("button[name=logout][value=yes]")]);
    await openTestPage(page, env.pages.url);
    await page.evaluate((o) => window.t.make(o), options);
    const left = await page.evaluate(
      async (prefix) => ({
        sessions: Object.keys(window.t.entries("sessionStorage", prefix)),
        getAccessToken: await window.t.capture(() => window.t.client.getAccessToken()),
      }),
      SESSION_PREFIX,
    );
    assert.deepEqual(left.sessions, []);
    assert.equal(left.getAccessToken.error?.code, "login_required");

    const revoked = await refreshAtProvider(env, session.refreshToken);
    assert.equal(revoked.status, 400);
    assert.equal(revoked.body.error, "invalid_grant");

    const next = await loginAtProvider(page, env, name, options);
    assert.equal(next.shown.login, 1, "after logout the provider must ask for the password again");
    assert.equal(next.tokens.claims.sub, name);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  test("revoke(): the refresh token stops working, the session is gone", async () => {
    const { context, page } = await freshPage();
    const options = { ...env.clientOptions, persistTokens: "sessionStorage" };
    const { tokens } = await loginAtProvider(page, env, user("rex"), options);
    const r = await page.evaluate(() => window.t.capture(() => window.t.client.revoke()));
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(env.provider.revocationRequests.at(-1).tokenTypeHint, "refresh_token");
    assert.equal((await refreshAtProvider(env, tokens.refreshToken)).body.error, "invalid_grant");
    assert.equal(await page.evaluate((id) => window.t.session("sessionStorage", id), options.clientId), null);
    await context.close();
  });
});

describe("client.fetch() against the demo API (NW-06, NW-07)", { timeout: 120_000 }, () => {
  let env;
  let browser;
  let page;
  let options;

  before(async () => {
    // Access tokens that really expire within seconds.
    [env, browser] = await Promise.all([startProviderEnvironment({ ttl: { accessToken: 4 } }), launchBrowser()]);
    page = await newPage(await browser.newContext());
    await openTestPage(page, env.pages.url);
    options = { ...env.clientOptions, persistTokens: "sessionStorage" };
    await loginAtProvider(page, env, user("finn"), options);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await env?.close();
  });

  // The client is made to believe its token is fresh for another hour (as
  // after a clock difference, or a token the provider revoked), so only the
  // resource server can tell it is not.
  const believeFresh = () =>
    page.evaluate((id) => window.t.patchSession("sessionStorage", id, { expiresAt: Date.now() + 3_600_000 }), options.clientId);
  const clientFetch = (url) => page.evaluate((u) => window.t.capture(() => window.t.fetch(u)), url);

  test("an expired access token: 401 invalid_token, one refresh, one retry, 200", async () => {
    await believeFresh();
    const { accessToken } = await page.evaluate((id) => window.t.session("sessionStorage", id), options.clientId);
    const { exp } = JSON.parse(Buffer.from(accessToken.split(".")[1], "base64url"));
    await sleep(exp * 1000 - Date.now() + 1200);
    const apiMark = env.api.requests.length;
    const mark = env.provider.tokenRequests.length;
    const r = await clientFetch(env.api.url);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.value.status, 200, r.value.body);
    assert.deepEqual(
      env.api.requests.slice(apiMark).map((x) => x.status),
      [401, 200],
    );
    assert.equal(env.api.requests[apiMark].reason, "ERR_JWT_EXPIRED");
    assert.equal(refreshRequests(env, mark).length, 1);
  });

  test("a resource that keeps answering 401 invalid_token: exactly one refresh and one retry, then its 401", async () => {
    await believeFresh();
    const hits = env.pages.resourceRequests.length;
    const mark = env.provider.tokenRequests.length;
    const r = await clientFetch(`${env.pages.origin}/always-401`);
    assert.equal(r.value?.status, 401, JSON.stringify(r));
    const seen = env.pages.resourceRequests.slice(hits);
    assert.equal(seen.length, 2);
    assert.match(seen[0].authorization, /^Bearer /);
    assert.notEqual(seen[1].authorization, seen[0].authorization, "the retry carries the refreshed token");
    assert.equal(refreshRequests(env, mark).length, 1);
  });

  test("403 insufficient_scope: returned as it is, no refresh, no retry", async () => {
    await believeFresh();
    const hits = env.pages.resourceRequests.length;
    const mark = env.provider.tokenRequests.length;
    const r = await clientFetch(`${env.pages.origin}/insufficient-scope`);
    assert.equal(r.value?.status, 403);
    assert.match(r.value.wwwAuthenticate, /insufficient_scope/);
    assert.equal(env.pages.resourceRequests.length - hits, 1);
    assert.equal(refreshRequests(env, mark).length, 0);
  });

  test("the token goes in the Authorization header only, never in the URL", async () => {
    await believeFresh();
    const hits = env.pages.resourceRequests.length;
    const urls = [];
    const listener = (req) => urls.push(req.url());
    page.on("request", listener);
    await clientFetch(`${env.pages.origin}/insufficient-scope?x=1`);
    page.off("request", listener);
    const { accessToken } = await page.evaluate((id) => window.t.session("sessionStorage", id), options.clientId);
    assert.equal(env.pages.resourceRequests[hits].authorization, `Bearer ${accessToken}`);
    assert.ok(urls.length > 0 && urls.every((u) => !u.includes(accessToken)));
  });
});
