// Popup login (client.loginWithPopup + PkceClient.popupCallback) end to end:
// headless Chromium, the real local provider (node-oidc-provider), and an app
// page that is both the opener and the redirect URI's page, as a single-page
// app is (tests/e2e/popup/). The user's side — the provider's login and
// consent pages in the popup, closing the popup — is done in the popup
// itself; foreign messages are posted by real frames and pages of other
// origins (security reference R20, CB-29).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launchBrowser, TX_PREFIX } from "./helpers.mjs";
import { CHROMIUM, CHROMIUM_ARGS } from "../../dev/chromium.mjs";
import { chromium } from "playwright-core";
import { startPopupEnvironment } from "./popup/server.mjs";

const MESSAGE_TYPE = "pkce-wasm:popup-callback";
const user = (name) => `${name}-${Date.now().toString(36)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe("popup login against node-oidc-provider", { timeout: 240_000 }, () => {
  let env;
  let browser;

  before(async () => {
    [env, browser] = await Promise.all([startPopupEnvironment(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await env?.close();
  });

  /** The app in a fresh context, with a client of the provider and `options` for its login button. */
  async function openApp(options = {}, { on = browser } = {}) {
    const context = await on.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(env.pages.url);
    await page.waitForFunction(() => document.body.dataset.state !== "loading");
    assert.equal(await page.evaluate(() => document.body.dataset.state), "ready");
    await page.evaluate(([config, o]) => window.t.make(config) && (window.t.options = o), [env.clientOptions, options]);
    return { context, page, errors };
  }

  /** Clicks a login button; resolves with the popup once it shows the provider's login form. */
  async function startPopupLogin(page, button = "#login") {
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.click(button)]);
    popup.setDefaultTimeout(15_000);
    await popup.waitForURL((u) => u.href.startsWith(`${env.issuer}/interaction/`));
    await popup.waitForSelector("input[name=login]");
    return popup;
  }

  /** Signs in and consents in the popup; the provider then sends it to the redirect URI. */
  async function signInAndConsent(popup, name) {
    await popup.fill("input[name=login]", name);
    await popup.fill("input[name=password]", "any password");
    const loginPage = popup.url();
    await Promise.all([popup.waitForURL((u) => u.href !== loginPage), popup.click("button[type=submit]")]);
    await popup.waitForSelector("button[type=submit]");
    await popup.click("button[type=submit]");
  }

  const outcome = (page) => page.evaluate(() => window.t.outcome);
  const lastAuthorizeState = () => env.provider.authorizeRequests.at(-1).params.state;
  const txKeys = async (page) => (await page.evaluate(() => window.t.keys())).session.filter((k) => k.startsWith(TX_PREFIX));

  test("a popup login completes: tokens in the opener, one token request, no transaction left, the popup closed", async () => {
    const { context, page, errors } = await openApp();
    const mark = env.provider.tokenRequests.length;
    const popup = await startPopupLogin(page);
    assert.equal(await popup.evaluate(() => window.opener !== null), true, "the popup keeps its opener");
    assert.equal((await txKeys(page)).length, 1, "the transaction is saved while the popup is at the provider");
    const name = user("pia");
    const closed = popup.waitForEvent("close");
    await signInAndConsent(popup, name);
    const result = await outcome(page);
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.value.claims.sub, name);
    assert.equal(typeof result.value.accessToken, "string");
    assert.equal(typeof result.value.refreshToken, "string");
    await closed;
    assert.equal(popup.isClosed(), true);
    const requests = env.provider.tokenRequests.slice(mark);
    assert.equal(requests.length, 1, JSON.stringify(requests));
    assert.equal(requests[0].grantType, "authorization_code");
    assert.equal(requests[0].status, 200);
    assert.deepEqual(await page.evaluate(() => window.t.keys()), { session: [], local: [] });
    const session = await page.evaluate(() => window.t.client.getSession());
    assert.equal(session.accessToken, result.value.accessToken, "the opener's client holds the session");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a window the app opened itself is used, with appState passed through", async () => {
    const { context, page } = await openApp({ appState: { returnTo: "/orders/7" } });
    const popup = await startPopupLogin(page, "#login-own-window");
    await signInAndConsent(popup, user("olga"));
    const result = await outcome(page);
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.deepEqual(result.value.appState, { returnTo: "/orders/7" });
    assert.equal(popup.isClosed() || (await popup.waitForEvent("close").then(() => true)), true);
    await context.close();
  });

  test("with PAR and DPoP: the short URL in the popup, the login completes; a closed popup removes the transaction and the login's key", async () => {
    let { context, page, errors } = await openApp();
    const config = { ...env.clientOptions, par: true, pushedAuthorizationRequestEndpoint: `${env.issuer}/request`, dpop: true };
    await page.evaluate((c) => window.t.make(c), config);
    const mark = env.provider.tokenRequests.length;
    const popup = await startPopupLogin(page);
    await signInAndConsent(popup, user("paula"));
    const result = await outcome(page);
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.value.tokenType, "DPoP");
    const authorize = env.provider.authorizeRequests.at(-1).params;
    assert.deepEqual(Object.keys(authorize).sort(), ["client_id", "request_uri"], "the popup went to the short URL");
    assert.equal(env.provider.tokenRequests.slice(mark).length, 1);
    assert.deepEqual(await page.evaluate(() => window.t.keys()), { session: [], local: [] });
    assert.deepEqual(errors, []);
    await context.close();

    // Cancelled after a push: the URL had no state, the transaction is still found and removed.
    // (A fresh context: the provider's session would let the popup through without a form.)
    ({ context, page } = await openApp());
    await page.evaluate((c) => window.t.make(c), config);
    const second = await startPopupLogin(page);
    assert.equal((await txKeys(page)).length, 1);
    const state = (await txKeys(page))[0].slice(TX_PREFIX.length);
    await second.close();
    const cancelled = await outcome(page);
    assert.equal(cancelled.error?.code, "cancelled");
    assert.deepEqual(await txKeys(page), [], "the transaction after a cancelled pushed login");
    const keyLeft = await page.evaluate(
      (id) =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open("pkce-wasm", 1);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const req = open.result.transaction("dpop-keys").objectStore("dpop-keys").get(id);
            req.onsuccess = () => (open.result.close(), resolve(req.result !== undefined));
          };
        }),
      `${TX_PREFIX}${state}`,
    );
    assert.equal(keyLeft, false, "the cancelled login's DPoP key");
    await context.close();
  });

  test("the popup closed by the user: cancelled, no token request, the transaction removed", async () => {
    const { context, page } = await openApp();
    const mark = env.provider.tokenRequests.length;
    const popup = await startPopupLogin(page);
    assert.equal((await txKeys(page)).length, 1);
    await popup.close();
    const result = await outcome(page);
    assert.equal(result.ok, false);
    assert.equal(result.error.code, "cancelled");
    assert.equal(result.error.isPkceError, true);
    assert.deepEqual(env.provider.tokenRequests.slice(mark), []);
    assert.deepEqual(await page.evaluate(() => window.t.keys()), { session: [], local: [] });
    await context.close();
  });

  test("messages from another origin or another window are ignored, and the real login still completes", async () => {
    const { context, page, errors } = await openApp();
    // A frame of another origin and one of the app's own origin in the opener.
    await page.evaluate(
      ([foreign, own]) =>
        Promise.all(
          [foreign, own].map(
            (src) =>
              new Promise((resolve) => {
                const f = document.createElement("iframe");
                f.src = src;
                f.onload = resolve;
                document.body.append(f);
              }),
          ),
        ),
      [env.foreign.url, `${env.pages.origin}/blank.html`],
    );
    const mark = env.provider.tokenRequests.length;
    const popup = await startPopupLogin(page);
    // Well-formed callbacks for the pending login's real state, with a code
    // the provider never issued: taking any of them would spend it.
    const forged = (origin) => ({
      type: MESSAGE_TYPE,
      href: `${env.pages.callbackUrl}?code=forged-${origin}&state=${encodeURIComponent(lastAuthorizeState())}&iss=${encodeURIComponent(env.issuer)}`,
    });
    const frames = page.frames();
    const foreignFrame = frames.find((f) => f.url().startsWith(env.foreign.origin));
    const ownFrame = frames.find((f) => f.url() === `${env.pages.origin}/blank.html`);
    // Wrong origin, wrong sender: a cross-origin frame of the opener.
    await foreignFrame.evaluate((m) => parent.postMessage(m, "*"), forged("frame"));
    // Wrong origin, right sender: the popup itself, while at the provider.
    await popup.evaluate((m) => window.opener.postMessage(m, "*"), forged("provider"));
    // Right origin, wrong sender: a frame of the app's own origin.
    await ownFrame.evaluate((m) => parent.postMessage(m, location.origin), forged("own-frame"));
    // And a page of another origin the opener itself opened.
    await sleep(1000);
    assert.deepEqual(env.provider.tokenRequests.slice(mark), [], "no forged code reached the token endpoint");
    assert.equal(await page.evaluate(() => Promise.race([window.t.outcome.then(() => "settled"), "pending"])), "pending");
    const name = user("fay");
    await signInAndConsent(popup, name);
    const result = await outcome(page);
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.value.claims.sub, name);
    const requests = env.provider.tokenRequests.slice(mark);
    assert.equal(requests.length, 1, JSON.stringify(requests));
    assert.equal(requests[0].status, 200);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a popup cut off from its opener (as a provider's COOP does): the callback arrives over the BroadcastChannel", async () => {
    const { context, page, errors } = await openApp({ timeoutSeconds: 60 });
    const mark = env.provider.tokenRequests.length;
    const popup = await startPopupLogin(page);
    // Disowning the opener severs the link for the rest of the popup's life:
    // the callback page finds no window.opener, as after a COOP page.
    await popup.evaluate(() => {
      window.opener = null;
    });
    assert.equal(await page.evaluate(() => window.t.keys().local.length), 1, "the popup login is marked for the callback page");
    const name = user("cora");
    const closed = popup.waitForEvent("close");
    await signInAndConsent(popup, name);
    const result = await outcome(page);
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.value.claims.sub, name);
    assert.equal(env.provider.tokenRequests.slice(mark).length, 1);
    assert.deepEqual(await page.evaluate(() => window.t.keys()), { session: [], local: [] });
    await closed;
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a popup the browser blocks: popup_blocked and nothing stored; a click opens one (positive control)", async () => {
    // Playwright turns Chromium's popup blocker off by default; this browser has it on.
    const strict = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      ignoreDefaultArgs: ["--disable-popup-blocking"],
    });
    try {
      const context = await strict.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const mark = env.provider.authorizeRequests.length;
      // No user activation: the login starts as the page loads.
      await page.goto(`${env.pages.url}?${encodeURIComponent(JSON.stringify(env.clientOptions))}#login-at-load`);
      await page.waitForFunction(() => Boolean(window.t?.outcome), null, { polling: 100 });
      const result = await outcome(page);
      assert.equal(result.ok, false);
      assert.equal(result.error.code, "popup_blocked");
      assert.equal(result.error.isPkceError, true);
      assert.deepEqual(await page.evaluate(() => window.t.keys()), { session: [], local: [] });
      assert.equal(context.pages().length, 1, "no window was opened");
      assert.equal(env.provider.authorizeRequests.length, mark);
      // The same browser lets a click open the popup.
      await page.evaluate((o) => window.t.make(o), env.clientOptions);
      const popup = await startPopupLogin(page);
      await popup.close();
      assert.equal((await outcome(page)).error?.code, "cancelled");
      await context.close();
    } finally {
      await strict.close();
    }
  });

  test("a login that takes longer than timeoutSeconds: popup_timeout, the popup closed, the transaction removed", async () => {
    const { context, page } = await openApp({ timeoutSeconds: 2 });
    const mark = env.provider.tokenRequests.length;
    const started = Date.now();
    const popup = await startPopupLogin(page);
    const closed = popup.waitForEvent("close");
    const result = await outcome(page);
    const took = Date.now() - started;
    assert.equal(result.ok, false);
    assert.equal(result.error.code, "popup_timeout");
    assert.ok(took >= 1900 && took < 6000, `${took} ms`);
    await closed;
    assert.deepEqual(env.provider.tokenRequests.slice(mark), []);
    assert.deepEqual(await page.evaluate(() => window.t.keys()), { session: [], local: [] });
    await context.close();
  });

  test("invalid options are refused before any window opens", async () => {
    const { context, page } = await openApp();
    const codes = await page.evaluate(async () => {
      const out = [];
      for (const o of [{ timeoutSeconds: 0 }, { timeoutSeconds: "5" }, { timeoutSeconds: Infinity }, { popup: {} }, { popup: "w" }]) {
        try {
          await window.t.client.loginWithPopup(o);
          out.push("resolved");
        } catch (e) {
          out.push(`${e.code}:${e.field}`);
        }
      }
      try {
        await window.t.client.loginWithPopup({ popup: null });
      } catch (e) {
        out.push(e.code);
      }
      return out;
    });
    assert.deepEqual(codes, [
      "invalid_config:timeoutSeconds",
      "invalid_config:timeoutSeconds",
      "invalid_config:timeoutSeconds",
      "invalid_config:popup",
      "invalid_config:popup",
      "popup_blocked",
    ]);
    assert.equal(context.pages().length, 1);
    assert.deepEqual(await page.evaluate(() => window.t.keys()), { session: [], local: [] });
    await context.close();
  });

  test("popupCallback() on a page that is no popup, or with no response in the URL, does nothing", async () => {
    const { context, page } = await openApp();
    const r = await page.evaluate(async () => {
      const { PkceClient } = await import("pkce-wasm");
      return [
        PkceClient.popupCallback(),
        PkceClient.popupCallback(`${location.origin}/callback?code=c&state=not-a-popup-login`),
        PkceClient.popupCallback(`${location.origin}/callback`),
      ];
    });
    assert.deepEqual(r, [false, false, false]);
    assert.equal(page.isClosed(), false);
    await context.close();
  });
});
