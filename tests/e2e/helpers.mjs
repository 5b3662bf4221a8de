// Shared pieces of the end-to-end tests: the servers (started on free ports by
// each test file, stopped by it), Chromium, and the user's side of a login at
// node-oidc-provider's development login and consent pages.
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServers } from "../../dev/servers.mjs";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL("../../artifacts/", import.meta.url));
export const TX_PREFIX = "pkce-wasm.tx.";

import { CHROMIUM, CHROMIUM_ARGS } from "../../dev/chromium.mjs";

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Servers plus a browser, for one test file. */
export async function startEnvironment(options = {}) {
  const servers = await startServers({ packageRoot: process.env.E2E_PACKAGE_ROOT || undefined, ...options });
  let browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await servers.close();
    throw err;
  }
  return {
    servers,
    browser,
    async close() {
      await browser.close().catch(() => {});
      await servers.close();
    },
  };
}

/**
 * A fresh browser context and page, with everything the tests assert on
 * recorded by observing (never intercepting) its traffic.
 */
export async function openPage(env) {
  const { servers, browser } = env;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const seen = {
    requests: [], // every request: { url, method, postData, navigation }
    authorizeRequests: [], // URL objects of GET ${issuer}/auth?…
    tokenRequests: [], // { postData }
    tokenResponses: [], // parsed JSON bodies
    callbackNavigations: [], // URLs of the redirect_uri with a query
    pageErrors: [],
  };
  const tokenUrl = `${servers.issuer}/token`;
  page.on("request", (req) => {
    const url = req.url();
    seen.requests.push({ url, method: req.method(), postData: req.postData(), navigation: req.isNavigationRequest() });
    if (req.method() === "GET" && url.startsWith(`${servers.issuer}/auth?`)) seen.authorizeRequests.push(new URL(url));
    if (req.method() === "POST" && url === tokenUrl) seen.tokenRequests.push({ postData: req.postData() ?? "" });
    if (req.isNavigationRequest() && url.startsWith(`${servers.callbackUrl}?`)) seen.callbackNavigations.push(url);
  });
  page.on("response", async (res) => {
    if (res.request().method() === "POST" && res.url() === tokenUrl) {
      try {
        seen.tokenResponses.push(await res.json());
      } catch {
        seen.tokenResponses.push(null);
      }
    }
  });
  page.on("pageerror", (err) => seen.pageErrors.push(err));
  return { context, page, seen };
}

/** Token requests the provider received since `mark` (a previous length). */
export function tokenRequestsSince(servers, mark) {
  return servers.provider.tokenRequests.slice(mark);
}

/** Opens the demo and waits until the package is loaded and the page ready. */
export async function openDemo(page, servers) {
  await page.goto(servers.pageUrl);
  await page.waitForFunction(() => document.body && document.body.dataset.state !== "loading");
  const state = await page.evaluate(() => document.body?.dataset.state);
  if (state !== "ready") {
    const status = await page.textContent("#status");
    const error = (await page.textContent("#error")).replace(/\s+/g, " ").trim();
    throw new Error(`demo page not ready (${state}): ${status} ${error}`);
  }
}

/** Clicks "Log in" and signs in at the provider's login page as `user`. */
export async function startLoginAs(page, servers, user) {
  await Promise.all([page.waitForURL(`${servers.issuer}/interaction/**`), page.click("#login")]);
  await page.fill("input[name=login]", user);
  await page.fill("input[name=password]", "any password");
  const loginPage = page.url();
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${servers.issuer}/interaction/`) && u.href !== loginPage),
    page.click("button[type=submit]"),
  ]);
  // The consent page.
  await page.waitForSelector("button[type=submit]");
}

/** Grants consent in the page: the provider redirects back and the demo completes. */
export async function consent(page) {
  await page.click("button[type=submit]");
}

/**
 * Grants consent but stops the browser short of the callback: the consent
 * form is submitted with the browser's own cookies from the test, and the
 * redirects are followed by hand until the one to redirect_uri, whose URL is
 * returned unvisited. (Request interception cannot stop a redirect hop.)
 */
export async function consentAndHoldCallback(page, servers) {
  const form = page.locator("form").first();
  const action = new URL(await form.getAttribute("action"), page.url());
  const fields = await form.evaluate((f) => Object.fromEntries(new FormData(f)));
  let res = await page.request.post(action.href, { form: fields, maxRedirects: 0 });
  for (let hop = 0; hop < 10; hop++) {
    const location = res.headers().location;
    if (!location) throw new Error(`expected a redirect, got ${res.status()} from ${res.url()}`);
    const next = new URL(location, res.url());
    if (next.href.startsWith(`${servers.callbackUrl}?`)) return next.href;
    res = await page.request.get(next.href, { maxRedirects: 0 });
  }
  throw new Error("too many redirects before the callback");
}

/** Waits for the demo to finish the callback, successfully or not. */
export async function waitForOutcome(page) {
  await page.waitForFunction(() => ["done", "error"].includes(document.body?.dataset.state), null, { timeout: 20_000 });
  return page.evaluate(() => ({
    state: document.body?.dataset.state,
    status: document.getElementById("status").textContent,
    errorCode: document.getElementById("error").dataset.code ?? null,
    errorText: document.getElementById("error").classList.contains("hidden")
      ? null
      : document.getElementById("error").textContent.replace(/\s+/g, " ").trim(),
  }));
}

/** Keys the package left in sessionStorage for pending logins. */
export async function pendingTransactions(page) {
  return page.evaluate((prefix) => {
    const keys = [];
    for (let i = 0; i < sessionStorage.length; i++) {
      const k = sessionStorage.key(i);
      if (k.startsWith(prefix)) keys.push(k);
    }
    return keys;
  }, TX_PREFIX);
}

export function s256(verifier) {
  return createHash("sha256").update(verifier).digest("base64url");
}

export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}${name}`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
