// Failures a user or an attacker can cause: each must surface on the page as
// a PkceError code, and none may get a code redeemed that should not be.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  consent,
  consentAndHoldCallback,
  openDemo,
  openPage,
  pendingTransactions,
  screenshot,
  startEnvironment,
  startLoginAs,
  tokenRequestsSince,
  TX_PREFIX,
  waitForOutcome,
} from "./helpers.mjs";

describe("failures surface as PkceError codes", { timeout: 120_000 }, () => {
  let env;
  let servers;
  let page;
  let seen;
  let context;
  let mark;

  before(async () => {
    env = await startEnvironment();
    servers = env.servers;
  });
  after(() => env?.close());

  beforeEach(async () => {
    await context?.close();
    ({ context, page, seen } = await openPage(env));
    mark = servers.provider.tokenRequests.length;
    await openDemo(page, servers);
  });

  test("the user cancels at the provider: authorization_error with error=access_denied", async () => {
    await Promise.all([page.waitForURL(`${servers.issuer}/interaction/**`), page.click("#login")]);
    await page.click('a[href$="/abort"]');
    const outcome = await waitForOutcome(page);
    assert.equal(outcome.errorCode, "authorization_error", outcome.errorText);
    assert.equal(await detail(page, "error"), "access_denied");
    assert.match(outcome.errorText, /access_denied/);
    assert.equal(seen.tokenRequests.length, 0);
    assert.equal(tokenRequestsSince(servers, mark).length, 0);
    assert.deepEqual(await pendingTransactions(page), [], "the transaction is deleted once the callback is read");
    assert.equal(new URL(page.url()).searchParams.has("error"), false, "the error parameters left the address bar");
    await screenshot(page, "demo-error-access-denied.png");
  });

  test("a tampered state on the callback: no_transaction and zero token requests", async () => {
    await startLoginAs(page, servers, "mallory");
    const callback = new URL(await consentAndHoldCallback(page, servers));
    const state = callback.searchParams.get("state");
    callback.searchParams.set("state", flipLastChar(state));
    await page.goto(callback.href);
    const outcome = await waitForOutcome(page);
    assert.equal(outcome.errorCode, "no_transaction", outcome.errorText);
    assert.equal(seen.tokenRequests.length, 0, "token requests seen by the browser");
    assert.equal(tokenRequestsSince(servers, mark).length, 0, "token requests received by the provider");
    assert.equal(await page.getAttribute("#step-3", "data-status"), "pending");
  });

  test("the same callback URL loaded twice: the second gives no_transaction, still one token request", async () => {
    await startLoginAs(page, servers, "bob");
    await consent(page);
    const first = await waitForOutcome(page);
    assert.equal(first.state, "done", first.errorText ?? first.status);
    assert.equal(seen.callbackNavigations.length, 1);

    await page.goto(seen.callbackNavigations[0]);
    const second = await waitForOutcome(page);
    assert.equal(second.errorCode, "no_transaction", second.errorText);
    assert.equal(seen.tokenRequests.length, 1, "token requests seen by the browser");
    assert.equal(tokenRequestsSince(servers, mark).length, 1, "token requests received by the provider");
  });

  test("a transaction tampered in storage (wrong verifier): the provider's invalid_grant as token_error", async () => {
    await startLoginAs(page, servers, "carol");
    const callback = await consentAndHoldCallback(page, servers);
    const key = TX_PREFIX + new URL(callback).searchParams.get("state");
    const wrongVerifier = randomBytes(32).toString("base64url");
    // sessionStorage is per origin: back on the demo (not a callback) to edit it.
    await openDemo(page, servers);
    const replaced = await page.evaluate(
      ([k, v]) => {
        const raw = sessionStorage.getItem(k);
        if (raw === null) return null;
        const tx = JSON.parse(raw);
        const old = tx.verifier;
        tx.verifier = v;
        sessionStorage.setItem(k, JSON.stringify(tx));
        return typeof old === "string" && old !== v;
      },
      [key, wrongVerifier],
    );
    assert.equal(replaced, true, `a transaction with a verifier is stored under ${key}`);

    await page.goto(callback);
    const outcome = await waitForOutcome(page);
    assert.equal(outcome.errorCode, "token_error", outcome.errorText);
    assert.equal(await detail(page, "error"), "invalid_grant");
    assert.equal(await detail(page, "status"), "400");
    const atProvider = tokenRequestsSince(servers, mark);
    assert.equal(atProvider.length, 1);
    assert.equal(atProvider[0].error, "invalid_grant");
    assert.equal(atProvider[0].codeVerifierLength, wrongVerifier.length);
    assert.equal(new URLSearchParams(seen.tokenRequests[0].postData).get("code_verifier"), wrongVerifier);
    assert.deepEqual(await pendingTransactions(page), []);
  });
});

function flipLastChar(s) {
  const last = s.at(-1);
  return s.slice(0, -1) + (last === "A" ? "B" : "A");
}

/** A field of the error panel (`error`, `status`, …) as the page shows it. */
function detail(page, name) {
  return page.evaluate((n) => {
    for (const dt of document.querySelectorAll("#error-details dt")) {
      if (dt.textContent === n) return dt.nextElementSibling.textContent.trim();
    }
    return null;
  }, name);
}
