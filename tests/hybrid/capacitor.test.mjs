// The Capacitor adapter, played as a Capacitor shell would: the example app
// (examples/capacitor) runs in headless Chromium on the real @capacitor/core,
// @capacitor/app and @capacitor/browser, whose native halves are simulated
// (support/capacitor-native.js, support/device.mjs); the login happens in a
// separate "system browser" against the real local provider, and its redirect
// to com.example.app:/callback is delivered back to the app as appUrlOpen or
// as the launch URL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launchChromium } from "./support/device.mjs";
import { REDIRECT_URI, moduleRequests, startHybrid } from "./support/env.mjs";

const TX_PREFIX = "pkce-wasm.tx.";

let chromium;
before(async () => {
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
});

async function withEnv(options, fn) {
  const env = await startHybrid(chromium, { app: "capacitor", ...options });
  try {
    await fn(env);
  } finally {
    await env.close();
  }
}

async function appReady(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector("#status")?.dataset.state;
    return s && s !== "starting";
  });
  return page.evaluate(() => document.querySelector("#status").dataset.state);
}

async function waitForState(page, states, timeout = 15000) {
  await page.waitForFunction(
    (wanted) => wanted.includes(document.querySelector("#status")?.dataset.state),
    states,
    { timeout },
  );
  return page.evaluate(() => ({ ...document.querySelector("#status").dataset, text: document.querySelector("#status").textContent }));
}

function startLogin(page) {
  // Keeps the outcome in the page so the test can look at it later.
  return page.evaluate(() => {
    window.__login = window.exampleApp.login();
  });
}

async function listenersLeft(device) {
  return {
    appUrlOpen: await device.listenerCount("App", "appUrlOpen"),
    browserFinished: await device.listenerCount("Browser", "browserFinished"),
  };
}

function tokenSummary(page) {
  return page.evaluate(() => JSON.parse(document.querySelector("#tokens").textContent));
}

describe("Capacitor adapter (simulated device, real provider)", () => {
  test("full login through the system browser and appUrlOpen, then an API call", async () => {
    await withEnv({}, async ({ device, provider, api, origin, server }) => {
      const page = await device.launchApp();
      assert.equal(await appReady(page), "ready");
      assert.deepEqual(moduleRequests(server), { inline: true, wasm: [] }, "the app loads the inline entry");
      assert.equal(await page.evaluate(() => window.Capacitor.getPlatform()), "android");

      await page.click("#login");
      const link = await device.userSignsIn("alice");
      assert.ok(link.startsWith(`${REDIRECT_URI}?`), "the provider redirects to the custom scheme");
      assert.match(link, /[?&]code=/);

      // The authorize URL went to the system browser, never to the app's WebView.
      assert.equal(device.browserOpens.length, 1);
      const authorize = new URL(device.browserOpens[0]);
      assert.equal(authorize.searchParams.get("redirect_uri"), REDIRECT_URI);
      assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
      assert.equal(page.url().startsWith(origin), true);

      await device.openUrl(link); // iOS order: the link, then the app closes the browser
      const status = await waitForState(page, ["signed-in", "error"]);
      assert.equal(status.state, "signed-in", status.text);

      const tokens = await tokenSummary(page);
      assert.equal(tokens.accessToken, "(received)");
      assert.equal(tokens.refreshToken, "(received)");
      assert.equal(tokens.idToken, "(received)");
      assert.deepEqual(tokens.appState, { screen: "profile" });

      assert.equal(provider.tokenRequests.length, 1);
      assert.equal(provider.tokenRequests[0].status, 200);
      assert.equal(provider.tokenRequests[0].origin, origin, "the token request went through the WebView's fetch");

      // The adapter closed the browser and removed every listener it added.
      assert.equal(device.browserCloses, 1);
      assert.equal(device.browserPage, null);
      assert.deepEqual(await listenersLeft(device), { appUrlOpen: 0, browserFinished: 0 });

      const result = await page.evaluate(() => window.exampleApp.callApi());
      assert.equal(result.status, 200);
      assert.equal(result.body.sub, "alice");
      assert.equal(api.requests.at(-1).status, 200);
    });
  });

  test("Android order: browserFinished just before the deep link still signs in", async () => {
    await withEnv({}, async ({ device, provider }) => {
      const page = await device.launchApp();
      await appReady(page);
      await startLogin(page);
      const link = await device.userSignsIn("bob");
      // Custom Tabs report the tab hidden as the deep link brings the app back.
      await device.browserDismissed();
      await new Promise((r) => setTimeout(r, 300));
      await device.openUrl(link);
      const status = await waitForState(page, ["signed-in", "error", "cancelled"]);
      assert.equal(status.state, "signed-in", status.text);
      assert.equal(provider.tokenRequests.length, 1);
      assert.deepEqual(await listenersLeft(device), { appUrlOpen: 0, browserFinished: 0 });
    });
  });

  test("closing the browser rejects with `cancelled` and removes the listeners", async () => {
    await withEnv({}, async ({ device, provider }) => {
      const page = await device.launchApp();
      await appReady(page);
      await startLogin(page);
      const browserPage = await device.waitForBrowser();
      await browserPage.waitForSelector("input[name=login]");
      // Listeners are in place while the user is in the browser…
      assert.deepEqual(await listenersLeft(device), { appUrlOpen: 1, browserFinished: 1 });

      await device.userClosesBrowser();
      const status = await waitForState(page, ["cancelled", "signed-in", "error"]);
      assert.equal(status.state, "cancelled");
      const err = await page.evaluate(() => window.__login.then(() => null, (e) => ({ name: e.name, code: e.code, isPkceError: e instanceof Error })));
      assert.equal(err, null, "exampleApp.login() handles the rejection itself");
      const direct = await page.evaluate(async () => {
        const { loginWithCapacitor, PkceError } = await import("pkce-wasm/capacitor");
        const { App } = await import("@capacitor/app");
        const { Browser } = await import("@capacitor/browser");
        const pending = loginWithCapacitor(window.exampleApp.client, { Browser, App, cancelGraceMs: 50 });
        // The native side reports the browser closed right after opening.
        setTimeout(() => window.__capacitorNative.notifyListeners("Browser", "browserFinished", {}), 200);
        try {
          await pending;
          return { resolved: true };
        } catch (e) {
          return { name: e.name, code: e.code, instance: e instanceof PkceError };
        }
      });
      assert.deepEqual(direct, { name: "PkceError", code: "cancelled", instance: true });
      // …and gone after each cancel.
      assert.deepEqual(await listenersLeft(device), { appUrlOpen: 0, browserFinished: 0 });
      assert.equal(provider.tokenRequests.length, 0);
    });
  });

  test("cold start: killed while in the browser, completed from the launch URL and the durable store", async () => {
    await withEnv({}, async ({ device, provider }) => {
      let page = await device.launchApp();
      await appReady(page);
      await startLogin(page);
      await device.waitForBrowser();
      // The transaction is in the native key-value store (Preferences), not in the WebView.
      const stored = [...device.preferences.keys()].filter((k) => k.startsWith(TX_PREFIX));
      assert.equal(stored.length, 1, "one pending transaction in Preferences");
      const storedState = stored[0].slice(TX_PREFIX.length);

      await device.killApp();
      const link = await device.userSignsIn("carol");
      assert.equal(new URL(link).searchParams.get("state"), storedState);

      page = await device.launchApp({ launchUrl: link });
      const status = await waitForState(page, ["signed-in", "error"]);
      assert.equal(status.state, "signed-in", status.text);
      assert.equal(provider.tokenRequests.length, 1);
      assert.equal(provider.tokenRequests[0].status, 200);
      assert.deepEqual((await tokenSummary(page)).appState, { screen: "profile" });
      assert.equal([...device.preferences.keys()].filter((k) => k.startsWith(TX_PREFIX)).length, 0, "the transaction is consumed");
      const api = await page.evaluate(() => window.exampleApp.callApi());
      assert.equal(api.body.sub, "carol");

      // Android hands the same launch URL to every later start of the process:
      // it is refused (already used), and no second token request is made.
      await device.killApp();
      page = await device.launchApp({ launchUrl: link });
      const again = await waitForState(page, ["signed-in", "error", "ready"]);
      assert.equal(again.state, "error");
      assert.equal(again.code, "no_transaction");
      assert.equal(provider.tokenRequests.length, 1);
    });
  });

  test("cold start without a durable store fails cleanly with `no_transaction`", async () => {
    await withEnv({ appConfig: { storage: "sessionStorage" } }, async ({ device, provider }) => {
      let page = await device.launchApp();
      await appReady(page);
      await startLogin(page);
      await device.waitForBrowser();
      await device.killApp(); // the WebView session, and its sessionStorage, die with the process
      const link = await device.userSignsIn("dave");
      page = await device.launchApp({ launchUrl: link });
      const status = await waitForState(page, ["signed-in", "error"]);
      assert.equal(status.state, "error");
      assert.equal(status.code, "no_transaction");
      assert.equal(provider.tokenRequests.length, 0, "no token request without the transaction");
    });
  });

  test("a deep link delivered twice makes one token request", async () => {
    await withEnv({}, async ({ device, provider }) => {
      const page = await device.launchApp();
      await appReady(page);
      await startLogin(page);
      const link = await device.userSignsIn("erin");
      // Two deliveries back to back (as some Android versions do), a third later.
      await page.evaluate((u) => {
        window.__capacitorNative.notifyListeners("App", "appUrlOpen", { url: u }, true);
        window.__capacitorNative.notifyListeners("App", "appUrlOpen", { url: u }, true);
      }, link);
      const status = await waitForState(page, ["signed-in", "error"]);
      assert.equal(status.state, "signed-in", status.text);
      await device.openUrl(link);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(provider.tokenRequests.length, 1);
      assert.equal(provider.tokenRequests[0].status, 200);

      // The same callback handled twice concurrently: one exchange, the other
      // call gets `no_transaction` (here: a second login, and its link handed to
      // the adapter and to handleCallback at the same time).
      await startLogin(page);
      const link2 = await device.userSignsIn("erin");
      const results = await page.evaluate(async (u) => {
        window.__capacitorNative.notifyListeners("App", "appUrlOpen", { url: u }, true);
        const direct = await window.exampleApp.client.handleCallback(u).then(
          () => "tokens",
          (e) => e.code,
        );
        await window.__login;
        return { direct, status: document.querySelector("#status").dataset.state };
      }, link2);
      assert.deepEqual(results, { direct: "no_transaction", status: "signed-in" });
      assert.equal(provider.tokenRequests.length, 2);
      assert.ok(provider.tokenRequests.every((r) => r.status === 200));
    });
  });

  test("a callback for an unknown state is refused and leaves the pending login alone", async () => {
    await withEnv({}, async ({ device, provider }) => {
      const page = await device.launchApp();
      await appReady(page);
      await startLogin(page);
      await device.waitForBrowser();
      const forged = `${REDIRECT_URI}?code=forged-code&state=not-a-state-we-issued`;

      // Fired by another app while the user is in the browser: ignored by the login…
      await device.openUrl(forged);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await page.evaluate(() => document.querySelector("#status").dataset.state), "busy");
      // …and refused when handed to the client directly.
      const code = await page.evaluate((u) => window.exampleApp.client.handleCallback(u).then(() => "tokens", (e) => e.code), forged);
      assert.equal(code, "no_transaction");
      assert.equal(provider.tokenRequests.length, 0);

      // The real callback still completes: its transaction was not touched.
      const link = await device.userSignsIn("frank");
      await device.openUrl(link);
      const status = await waitForState(page, ["signed-in", "error"]);
      assert.equal(status.state, "signed-in", status.text);
      assert.equal(provider.tokenRequests.length, 1);
    });
  });

  test("token request through a CapacitorHttp transport, never the WebView's fetch", async () => {
    // The token endpoint does not admit the app's origin: a WebView fetch would fail (CORS).
    await withEnv({ corsForApp: false, appConfig: { nativeHttp: true } }, async ({ device, provider, config }) => {
      await device.appContext.addInitScript(() => {
        const original = window.fetch;
        window.__fetchLog = [];
        window.fetch = function (input, init) {
          window.__fetchLog.push(String(input instanceof Request ? input.url : input));
          return original.call(this, input, init);
        };
      });
      const page = await device.launchApp();
      await appReady(page);
      await startLogin(page);
      const link = await device.userSignsIn("grace");
      await device.openUrl(link);
      const status = await waitForState(page, ["signed-in", "error"]);
      assert.equal(status.state, "signed-in", status.text);

      const tokenCalls = device.httpRequests.filter((r) => r.url === config.tokenEndpoint);
      assert.equal(tokenCalls.length, 1);
      assert.deepEqual(tokenCalls[0], {
        url: config.tokenEndpoint,
        method: "POST",
        dataType: "string", // the encoded form, sent as is by both native implementations
        contentType: "application/x-www-form-urlencoded",
        disableRedirects: true,
      });
      assert.equal(provider.tokenRequests.length, 1);
      assert.equal(provider.tokenRequests[0].status, 200, "the provider parsed the form body");
      assert.equal(provider.tokenRequests[0].hasCodeVerifier, true);
      assert.equal(provider.tokenRequests[0].origin, undefined, "a native request carries no Origin");
      const fetched = await page.evaluate(() => window.__fetchLog);
      assert.ok(fetched.length > 0, "the fetch spy saw the app's other requests");
      assert.equal(fetched.filter((u) => u.startsWith(config.tokenEndpoint)).length, 0, "global fetch not used for the token request");
      // The ID token's keys came through the same transport.
      assert.equal(device.httpRequests.filter((r) => r.url === config.jwksUri && r.method === "GET").length, 1);
      assert.equal(fetched.filter((u) => u.startsWith(config.issuer)).length, 0, "nothing went to the provider through the WebView");
    });
  });
});
