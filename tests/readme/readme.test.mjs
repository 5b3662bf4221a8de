// Every JavaScript example of README.md, run as written. Each ```js block is
// read from the README at test time, its placeholders (YOUR-ISSUER,
// YOUR_CLIENT_ID, app.example.com, …) replaced by the local provider's values,
// and loaded as a module in headless Chromium against node-oidc-provider and
// the demo API on 127.0.0.1; the hybrid example runs on the simulated
// Capacitor device of tests/hybrid. A scenario asserts what the example is
// there to show (tokens with verified claims, the API's answer, where logout
// goes), not only that it ran. A ```js block that is neither in RUN nor in
// NOT_RUN fails the suite.
//
//   node --test --test-concurrency=1 tests/readme/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { consent, launchBrowser, startLoginAs } from "../e2e/helpers.mjs";
import { Device } from "../hybrid/support/device.mjs";
import { refreshAtProvider } from "../oidc/helpers.mjs";
import {
  API_AUDIENCE,
  NATIVE_REDIRECT_URI,
  logged,
  readmeBlocks,
  settled,
  startReadmeEnvironment,
  substitute,
} from "./support.mjs";

const TX_PREFIX = "pkce-wasm.tx.";
const SESSION_PREFIX = "pkce-wasm.session.";

let env;
let chromium;
let users = 0;
/** A user name per scenario, so that what the API and the logs report belongs to this one. */
const user = (name) => `${name}-${++users}`;

before(async () => {
  env = await startReadmeEnvironment();
  chromium = await launchBrowser();
});
after(async () => {
  await chromium?.close();
  await env?.close();
});

// ---------------------------------------------------------------- helpers

async function example(id) {
  const block = (await readmeBlocks()).find((b) => b.lang === "js" && b.id === id);
  assert.ok(block, `README.md has no js block "${id}" any more`);
  env.pages.setExample(substitute(block.code, env.values));
}

async function freshPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.requests = [];
  page.on("request", (r) => page.requests.push({ method: r.method(), url: r.url() }));
  return page;
}

/** The example ran to its end and nothing escaped it. */
function assertClean(run, where) {
  assert.deepEqual(run.errors, [], `${where}: the example threw`);
  assert.equal(run.state, "done", `${where}: the example did not finish`);
  assert.deepEqual(logged(run, "error"), [], `${where}: the example reported an error`);
}

/** Signs in as `who` at the provider (login, then consent) and waits for the callback page's example. */
async function signIn(page, who) {
  await startLoginAs(page, env, who);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(`${env.pages.callbackUrl}?`)), consent(page)]);
  return settled(page);
}

const since = (list, mark) => list.slice(mark);

function marks() {
  return {
    token: env.provider.tokenRequests.length,
    authorize: env.provider.authorizeRequests.length,
    api: env.api.requests.length,
    revocation: env.provider.revocationRequests.length,
    endSession: env.provider.endSessionRequests.length,
  };
}

/** The one code exchange since `mark`, as the provider saw it: from the page, with a verifier, granted. */
function assertOneCodeExchange(mark, clientId) {
  assert.deepEqual(since(env.provider.tokenRequests, mark), [
    {
      grantType: "authorization_code",
      clientId,
      origin: env.pages.origin,
      hasCodeVerifier: true,
      codeVerifierLength: 43,
      status: 200,
      error: undefined,
    },
  ]);
}

async function pendingKeys(page, storage, prefix) {
  return page.evaluate(
    ([s, p]) => Object.keys(window[s]).filter((k) => k.startsWith(p)),
    [storage, prefix],
  );
}

// ------------------------------------------------------------- scenarios

/**
 * Every ```js block of README.md by id ("<heading> #<n>"), with the
 * scenarios that run it.
 */
const RUN = {
  "Quick start (single-page app) #1": {
    async "a login completes: tokens, the ID token verified with keys found through the issuer's metadata, the API answers"() {
      const context = await chromium.newContext();
      try {
        const page = await freshPage(context);
        const who = user("quinn");
        const mark = marks();
        await page.goto(env.pages.url);
        assertClean(await settled(page), "first load");

        const run = await signIn(page, who);
        assertClean(run, "callback");

        const authorize = since(env.provider.authorizeRequests, mark.authorize);
        assert.equal(authorize.length, 1);
        const params = authorize[0].params;
        assert.equal(params.client_id, env.clientId);
        assert.equal(params.code_challenge_method, "S256");
        assert.equal(params.resource, API_AUDIENCE, "extraAuthParams.resource reached the provider");
        assert.ok(params.nonce, "openid: a nonce is sent");
        assertOneCodeExchange(mark.token, env.clientId);

        // No jwksUri in the example: the client read it from the issuer's metadata.
        const gets = page.requests.filter((r) => r.method === "GET").map((r) => r.url);
        assert.ok(gets.includes(`${env.issuer}/.well-known/openid-configuration`), `requests: ${gets.join(" ")}`);
        assert.ok(gets.includes(`${env.issuer}/jwks`), `requests: ${gets.join(" ")}`);

        const logs = logged(run);
        assert.ok(
          logs.some((args) => args.includes(who)),
          `tokens.claims.sub (the verified ID token) is logged: ${JSON.stringify(logs)}`,
        );
        const answer = logs.flat().find((a) => a && typeof a === "object" && "sub" in a);
        assert.equal(answer?.sub, who, `the API's answer is logged: ${JSON.stringify(logs)}`);
        assert.equal(answer.aud, API_AUDIENCE);
        assert.deepEqual(since(env.api.requests, mark.api), [{ status: 200, sub: who }]);

        const address = new URL(page.url());
        assert.equal(address.searchParams.has("code") || address.searchParams.has("state"), false, page.url());
        assert.deepEqual(await pendingKeys(page, "sessionStorage", TX_PREFIX), [], "the transaction is used up");
      } finally {
        await context.close();
      }
    },

    async "the user cancels at the provider: the example's catch reports authorization_error, access_denied"() {
      const context = await chromium.newContext();
      try {
        const page = await freshPage(context);
        const mark = marks();
        await page.goto(env.pages.url);
        assertClean(await settled(page), "first load");
        await Promise.all([page.waitForURL(`${env.issuer}/interaction/**`), page.click("#login")]);
        await Promise.all([page.waitForURL((u) => u.href.startsWith(`${env.pages.callbackUrl}?`)), page.click('a[href$="/abort"]')]);
        const run = await settled(page);
        assert.deepEqual(run.errors, [], "a PkceError is caught, not thrown");
        assert.equal(run.state, "done");
        const errors = logged(run, "error");
        assert.equal(errors.length, 1, JSON.stringify(run.logs));
        assert.equal(errors[0][0], "authorization_error");
        assert.ok(errors[0].includes("access_denied"), JSON.stringify(errors[0]));
        assert.deepEqual(logged(run), [], "nothing is logged as signed in");
        assert.equal(since(env.provider.tokenRequests, mark.token).length, 0);
      } finally {
        await context.close();
      }
    },
  },

  "Discovery, sessions and logout #1": {
    async "login through discovered endpoints, API through client.fetch, the session survives a reload, logout revokes and returns"() {
      const context = await chromium.newContext();
      try {
        const page = await freshPage(context);
        const who = user("dana");
        const mark = marks();
        await page.goto(env.pages.url);
        const first = await settled(page);
        assertClean(first, "first load");
        assert.deepEqual(logged(first), [], "no session yet");

        const run = await signIn(page, who);
        assertClean(run, "callback");
        assertOneCodeExchange(mark.token, env.clientId);
        assert.equal(since(env.provider.authorizeRequests, mark.authorize)[0].params.resource, API_AUDIENCE);
        assert.equal(page.url(), env.pages.url, "appState.returnTo took the page back to where the login started");

        const [signedIn] = logged(run);
        assert.equal(signedIn?.[1], who, `the session's verified claims are logged: ${JSON.stringify(run.logs)}`);
        assert.ok(Date.parse(signedIn[3]) > Date.now(), `the session has an expiry: ${signedIn[3]}`);
        const answer = logged(run)[1]?.[0];
        assert.equal(answer?.sub, who, `the API's answer is logged: ${JSON.stringify(run.logs)}`);
        assert.deepEqual(since(env.api.requests, mark.api), [{ status: 200, sub: who }]);

        // persistTokens: "sessionStorage": a reload keeps the session, no new login or token request.
        await page.reload();
        const reloaded = await settled(page);
        assertClean(reloaded, "reload");
        assert.equal(logged(reloaded)[0]?.[1], who);
        assert.equal(since(env.provider.tokenRequests, mark.token).length, 1);
        assert.deepEqual(since(env.api.requests, mark.api), [
          { status: 200, sub: who },
          { status: 200, sub: who },
        ]);

        const stored = await page.evaluate(
          (key) => JSON.parse(sessionStorage.getItem(key)),
          `${SESSION_PREFIX}${env.clientId}`,
        );
        assert.ok(stored?.refreshToken, "the session holds a refresh token");

        const returnTo = env.pages.url;
        await Promise.all([page.waitForURL(`${env.issuer}/session/end**`), page.click("#logout")]);
        assert.deepEqual(since(env.provider.revocationRequests, mark.revocation), [
          { tokenTypeHint: "refresh_token", clientId: env.clientId, origin: env.pages.origin, status: 200 },
        ]);
        assert.deepEqual(since(env.provider.endSessionRequests, mark.endSession), [
          { hasIdTokenHint: true, clientId: env.clientId, postLogoutRedirectUri: returnTo },
        ]);
        // node-oidc-provider asks the user to confirm, then sends the browser to returnTo.
        await Promise.all([page.waitForURL(returnTo), page.click("button[name=logout][value=yes]")]);
        const back = await settled(page);
        assertClean(back, "after logout");
        assert.deepEqual(logged(back), [], "signed out: no session");
        assert.deepEqual(await pendingKeys(page, "sessionStorage", SESSION_PREFIX), []);

        const revoked = await refreshAtProvider({ issuer: env.issuer, clientOptions: { clientId: env.clientId } }, stored.refreshToken);
        assert.equal(revoked.status, 400, "the revoked refresh token no longer works");
        assert.equal(revoked.body.error, "invalid_grant");
      } finally {
        await context.close();
      }
    },
  },

  "Hybrid apps (Capacitor, Cordova) #1": {
    async "Capacitor: the login opens in the system browser, comes back as a deep link, the claims are verified"() {
      const device = await new Device(chromium, { shell: "capacitor", appUrl: env.pages.url, scheme: "com.example.app" }).start();
      try {
        const who = user("cap");
        const mark = marks();
        const app = await device.launchApp();
        assertClean(await settled(app), "start-up");
        assert.equal(await app.evaluate(() => window.Capacitor.getPlatform()), "android", "the native bridge answers");

        await app.click("#login");
        const link = await device.userSignsIn(who);
        assert.ok(link.startsWith(`${NATIVE_REDIRECT_URI}?`), link);
        const opened = new URL(device.browserOpens[0]);
        assert.equal(`${opened.origin}${opened.pathname}`, `${env.issuer}/auth`, "the login page opened in the system browser");
        assert.equal(opened.searchParams.get("client_id"), env.nativeClientId);
        const held = [...device.preferences.keys()].filter((k) => k.includes(TX_PREFIX));
        assert.equal(held.length, 1, `the pending login is in Preferences: ${[...device.preferences.keys()]}`);

        await device.openUrl(link);
        await app.waitForFunction(() => window.__readme.logs.length > 0 || window.__readme.errors.length > 0);
        const run = await app.evaluate(() => window.__readme);
        assertClean(run, "after the deep link");
        assert.deepEqual(logged(run), [["signed in as", who]]);
        assertOneCodeExchange(mark.token, env.nativeClientId);
        assert.deepEqual([...device.preferences.keys()].filter((k) => k.includes(TX_PREFIX)), [], "the transaction is used up");
        assert.equal(device.browserPage, null, "the browser was closed");
        assert.equal(await device.listenerCount("App", "appUrlOpen"), 0);
        assert.deepEqual(device.consoleErrors, []);
      } finally {
        await device.close();
      }
    },

    async "Capacitor: the user closes the browser; the example treats cancelled as no error"() {
      const device = await new Device(chromium, { shell: "capacitor", appUrl: env.pages.url, scheme: "com.example.app" }).start();
      try {
        const mark = marks();
        const app = await device.launchApp();
        assertClean(await settled(app), "start-up");
        await app.click("#login");
        await device.waitForBrowser();
        await device.userClosesBrowser();
        // The login settles (cancelled) once the grace period is over, and drops its listeners.
        await app.waitForFunction(
          () => window.__capacitorNative.listenerCount("App", "appUrlOpen") === 0 || window.__readme.errors.length > 0,
          null,
          { timeout: 10_000 },
        );
        await app.waitForTimeout(200); // an unhandled rejection is reported a task later
        const run = await app.evaluate(() => window.__readme);
        assertClean(run, "after cancel");
        assert.deepEqual(logged(run), []);
        assert.equal(since(env.provider.tokenRequests, mark.token).length, 0);
      } finally {
        await device.close();
      }
    },
  },
};

/**
 * ```js blocks that are not run, each with the reason. Every block should
 * run; one that cannot (say, a fragment) goes here so that the choice is
 * visible.
 */
const NOT_RUN = {};

// ------------------------------------------------------------------ tests

describe("README.md code blocks", () => {
  test("every ```js block is run here or listed in NOT_RUN with its reason", async (t) => {
    const blocks = (await readmeBlocks()).filter((b) => b.lang === "js");
    const ids = blocks.map((b) => b.id);
    const listed = [...Object.keys(RUN), ...Object.keys(NOT_RUN)];
    const unlisted = blocks.filter((b) => !listed.includes(b.id)).map((b) => `"${b.id}" (line ${b.line})`);
    assert.deepEqual(unlisted, [], "blocks of README.md that nothing runs: add them to RUN or NOT_RUN");
    assert.deepEqual(listed.filter((id) => !ids.includes(id)), [], "listed here but no longer in README.md");
    assert.equal(blocks.length, listed.length);
    for (const [id, reason] of Object.entries(NOT_RUN)) assert.ok(reason.trim(), `NOT_RUN["${id}"] needs a reason`);
    t.diagnostic(`${blocks.length} js blocks: ${Object.keys(RUN).length} run, ${Object.keys(NOT_RUN).length} not run`);
  });

  test("every fence names its language, and JavaScript is only ever tagged js", async () => {
    const blocks = await readmeBlocks();
    const untagged = blocks.filter((b) => !b.lang).map((b) => `line ${b.line}`);
    assert.deepEqual(untagged, [], "untagged code blocks (an example in one would never run)");
    const otherJs = blocks
      .filter((b) => /^(javascript|mjs|cjs|jsx|ts|tsx|typescript|node)$/.test(b.lang))
      .map((b) => `"${b.id}" (${b.lang}, line ${b.line})`);
    assert.deepEqual(otherJs, [], "tag JavaScript as js so this suite runs it");
  });

  test("the placeholders of every js block have local values", async () => {
    for (const b of (await readmeBlocks()).filter((b) => b.lang === "js")) {
      assert.doesNotThrow(() => substitute(b.code, env.values), `"${b.id}"`);
    }
  });
});

for (const [id, scenarios] of Object.entries(RUN)) {
  describe(`README.md: ${id}`, () => {
    for (const [name, scenario] of Object.entries(scenarios)) {
      test(name, async () => {
        await example(id);
        await scenario();
      });
    }
  });
}
