// The Cordova adapter, played as a Cordova shell would: the example app
// (examples/cordova) runs in headless Chromium with stand-ins for cordova.js
// and its plugins (support/cordova-native.js), the login happens in a separate
// "system browser" against the real local provider, and the redirect to
// com.example.app:/callback is handed to window.handleOpenURL as
// cordova-plugin-customurlscheme does.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launchChromium } from "./support/device.mjs";
import { REDIRECT_URI, moduleRequests, startHybrid } from "./support/env.mjs";

let chromium;
before(async () => {
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
});

async function withEnv(options, fn) {
  const env = await startHybrid(chromium, { app: "cordova", ...options });
  try {
    await fn(env);
  } finally {
    await env.close();
  }
}

async function waitForState(page, states, timeout = 15000) {
  await page.waitForFunction((wanted) => wanted.includes(document.querySelector("#status")?.dataset.state), states, { timeout });
  return page.evaluate(() => ({ ...document.querySelector("#status").dataset, text: document.querySelector("#status").textContent }));
}

// Nobody is subscribed to the deep-link source any more if a link delivered
// now is still there for the next subscriber.
async function deepLinkListenersGone(page) {
  return page.evaluate(() => {
    window.handleOpenURL("com.example.app:/probe");
    const seen = [];
    const off = window.exampleApp.deepLinks.subscribe((u) => seen.push(u));
    off();
    return seen.includes("com.example.app:/probe");
  });
}

describe("Cordova adapter (simulated device, real provider)", () => {
  test("login with SafariViewController and handleOpenURL, then an API call", async () => {
    await withEnv({}, async ({ device, provider, origin, server }) => {
      const page = await device.launchApp();
      const ready = await waitForState(page, ["ready", "error"]);
      assert.equal(ready.state, "ready", ready.text);
      assert.deepEqual(moduleRequests(server), { inline: true, wasm: [] }, "the app loads the inline entry");

      await page.click("#login");
      const link = await device.userSignsIn("heidi");
      assert.ok(link.startsWith(`${REDIRECT_URI}?`));
      assert.equal(device.browserOpens.length, 1);
      await device.openUrl(link);

      const status = await waitForState(page, ["signed-in", "error", "cancelled"]);
      assert.equal(status.state, "signed-in", status.text);
      const tokens = await page.evaluate(() => JSON.parse(document.querySelector("#tokens").textContent));
      assert.equal(tokens.accessToken, "(received)");
      assert.deepEqual(tokens.appState, { screen: "profile" });
      assert.equal(provider.tokenRequests.length, 1);
      assert.equal(provider.tokenRequests[0].status, 200);
      assert.equal(provider.tokenRequests[0].origin, origin);

      assert.equal(device.browserCloses, 1, "SafariViewController.hide() after the callback");
      assert.equal(await deepLinkListenersGone(page), true);
      assert.deepEqual(await page.evaluate(() => window.__cordovaNative.embeddedOpens), []);

      const api = await page.evaluate(() => window.exampleApp.callApi());
      assert.equal(api.status, 200);
      assert.equal(api.body.sub, "heidi");
    });
  });

  test("closing SafariViewController rejects with `cancelled`", async () => {
    await withEnv({}, async ({ device, provider }) => {
      const page = await device.launchApp();
      await waitForState(page, ["ready"]);
      await page.click("#login");
      const browserPage = await device.waitForBrowser();
      await browserPage.waitForSelector("input[name=login]");
      await device.userClosesBrowser(); // SafariViewController's "closed" event
      const status = await waitForState(page, ["cancelled", "signed-in", "error"]);
      assert.equal(status.state, "cancelled");
      assert.equal(status.code, "cancelled");
      assert.equal(await deepLinkListenersGone(page), true);
      assert.equal(provider.tokenRequests.length, 0);

      // Signing in again afterwards works.
      await page.click("#login");
      const link = await device.userSignsIn("ivan");
      await device.openUrl(link);
      assert.equal((await waitForState(page, ["signed-in", "error"])).state, "signed-in");
      assert.equal(provider.tokenRequests.length, 1);
    });
  });

  test("system browser (_system): login, and the app's Cancel button aborts", async () => {
    await withEnv({ appConfig: { browser: "system" } }, async ({ device, provider }) => {
      const page = await device.launchApp();
      await waitForState(page, ["ready"]);

      await page.click("#login");
      await device.waitForBrowser();
      await page.click("#cancel"); // the system browser has no close signal
      const cancelled = await waitForState(page, ["cancelled", "error"]);
      assert.equal(cancelled.state, "cancelled");

      await page.click("#login");
      // The abandoned tab stays open in the system browser; the new login opens another.
      await device.waitForBrowserOpens(2);
      const link = await device.userSignsIn("judy");
      await device.openUrl(link);
      const status = await waitForState(page, ["signed-in", "error"]);
      assert.equal(status.state, "signed-in", status.text);
      assert.equal(provider.tokenRequests.length, 1);
      assert.deepEqual(await page.evaluate(() => window.__cordovaNative.embeddedOpens), []);
    });
  });

  test("cold start: the launch link and the NativeStorage transaction complete the login", async () => {
    await withEnv({}, async ({ device, provider }) => {
      let page = await device.launchApp();
      await waitForState(page, ["ready"]);
      await page.click("#login");
      await device.waitForBrowser();
      assert.equal([...device.preferences.keys()].filter((k) => k.startsWith("pkce-wasm.tx.")).length, 1);
      await device.killApp();
      const link = await device.userSignsIn("kim");
      page = await device.launchApp({ launchUrl: link });
      const status = await waitForState(page, ["signed-in", "error"]);
      assert.equal(status.state, "signed-in", status.text);
      assert.equal(provider.tokenRequests.length, 1);
    });
  });

  test("an opener that would use the app's WebView is refused", async () => {
    await withEnv({}, async ({ device, provider }) => {
      const page = await device.launchApp();
      await waitForState(page, ["ready"]);
      const result = await page.evaluate(async () => {
        const { loginWithCordova } = await import("pkce-wasm/cordova");
        const codes = [];
        for (const browser of [window.cordova.InAppBrowser, window.open]) {
          try {
            await loginWithCordova(window.exampleApp.client, { browser, deepLinks: window.exampleApp.deepLinks });
            codes.push("resolved");
          } catch (e) {
            codes.push(e.code);
          }
        }
        return { codes, embedded: window.__cordovaNative.embeddedOpens.length };
      });
      assert.deepEqual(result, { codes: ["invalid_config", "invalid_config"], embedded: 0 });
      assert.equal(device.browserOpens.length, 0);
      assert.equal(provider.authorizeRequests.length, 0);
    });
  });
});
