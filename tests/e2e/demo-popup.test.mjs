// The demo's "Log in in a popup" button: the page stays put, the provider's
// pages run in the popup, and the demo page (also the redirect URI) hands the
// response back from inside the popup.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openDemo, openPage, pendingTransactions, startEnvironment, tokenRequestsSince, waitForOutcome } from "./helpers.mjs";

describe("popup login through the demo page", { timeout: 90_000 }, () => {
  const user = `popper-${Date.now().toString(36)}`;
  let env;
  let servers;
  let page;
  let seen;
  let outcome;
  let mark;
  let popupClosed;
  let navigations = 0;

  before(async () => {
    env = await startEnvironment();
    servers = env.servers;
    ({ page, seen } = await openPage(env));
    await openDemo(page, servers);
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    mark = servers.provider.tokenRequests.length;
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#login-popup")]);
    popupClosed = popup.waitForEvent("close").then(() => true);
    await popup.waitForURL(`${servers.issuer}/interaction/**`);
    await popup.fill("input[name=login]", user);
    await popup.fill("input[name=password]", "any password");
    const loginPage = popup.url();
    await Promise.all([popup.waitForURL((u) => u.href !== loginPage), popup.click("button[type=submit]")]);
    await popup.waitForSelector("button[type=submit]");
    await popup.click("button[type=submit]");
    outcome = await waitForOutcome(page);
  });

  after(() => env?.close());

  test("the page that opened the popup gets the tokens and calls the API; it never navigated", async () => {
    assert.equal(outcome.errorText, null, `the page shows an error: ${outcome.errorText}`);
    assert.equal(outcome.state, "done", outcome.status);
    assert.equal(await page.textContent("#api-user"), user);
    assert.equal(navigations, 0, "navigations of the opener");
    assert.equal(await popupClosed, true, "the popup closed itself");
    assert.equal(tokenRequestsSince(servers, mark).length, 1);
    assert.deepEqual(await pendingTransactions(page), []);
    assert.deepEqual(seen.pageErrors, []);
  });
});
