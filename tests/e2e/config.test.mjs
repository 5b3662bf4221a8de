// Pointing the demo at another provider, the two documented ways: query
// parameters (Auth0 shortcut) and the form (any issuer, with discovery).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { consent, openDemo, openPage, startEnvironment, startLoginAs, waitForOutcome } from "./helpers.mjs";

describe("pointing the demo at another provider", { timeout: 90_000 }, () => {
  let env;
  let servers;
  before(async () => {
    env = await startEnvironment();
    servers = env.servers;
  });
  after(() => env?.close());

  test("query parameters configure an Auth0 tenant: the authorize request goes there with audience", async () => {
    const { page, context } = await openPage(env);
    const query = new URLSearchParams({
      auth0_domain: "tenant.eu.auth0.com",
      client_id: "abc123",
      audience: "https://api.example.com",
    });
    await page.goto(`${servers.pageUrl}?${query}`);
    await page.waitForFunction(() => document.body?.dataset.state === "ready");
    assert.equal(await page.textContent("#provider-name"), "Auth0 (configured in this tab)");
    assert.equal(new URL(page.url()).search, "", "the settings left the address bar");

    // The host does not resolve here (and must not): only the request is of interest.
    const request = page.waitForRequest((r) => r.url().startsWith("https://tenant.eu.auth0.com/authorize?"));
    await page.click("#login");
    const p = new URL((await request).url()).searchParams;
    assert.equal(p.get("client_id"), "abc123");
    assert.equal(p.get("audience"), "https://api.example.com");
    assert.equal(p.get("redirect_uri"), servers.callbackUrl);
    assert.equal(p.get("code_challenge_method"), "S256");
    assert.equal(p.get("scope"), "openid profile email offline_access");
    await context.close();
  });

  test("the form configures any issuer: discovery fills the endpoints and a login works", async () => {
    const { page, context } = await openPage(env);
    await openDemo(page, servers);
    await page.click("#edit-provider");
    await page.fill("input[name=issuer]", servers.issuer);
    await page.click("#discover");
    await page.waitForFunction(
      (v) => document.querySelector("input[name=tokenEndpoint]").value === v,
      `${servers.issuer}/token`,
    );
    assert.equal(await page.inputValue("input[name=authorizationEndpoint]"), `${servers.issuer}/auth`);
    await page.fill("input[name=clientId]", servers.clientId);
    await page.fill("input[name=scope]", "openid api:read");
    await page.fill("input[name=resource]", servers.apiAudience);
    await page.fill("input[name=apiUrl]", servers.apiUrl);
    await Promise.all([page.waitForEvent("load"), page.click("#provider-form button[type=submit]")]);
    await page.waitForFunction(() => document.body?.dataset.state === "ready");
    assert.match(await page.textContent("#provider-name"), /configured in this tab/);

    await startLoginAs(page, servers, "frank");
    await consent(page);
    const outcome = await waitForOutcome(page);
    assert.equal(outcome.state, "done", outcome.errorText ?? outcome.status);
    assert.equal(await page.textContent("#api-user"), "frank");

    await Promise.all([page.waitForEvent("load"), page.click("#use-local")]);
    await page.waitForFunction(() => document.body?.dataset.state === "ready");
    assert.equal(await page.textContent("#provider-name"), "Local provider (node-oidc-provider)");
    await context.close();
  });

  test("an invalid configuration is refused by the package with invalid_config", async () => {
    const { page, context } = await openPage(env);
    await openDemo(page, servers);
    await page.click("#edit-provider");
    await page.fill("input[name=authorizationEndpoint]", "http://provider.example/authorize");
    await page.fill("input[name=tokenEndpoint]", "http://provider.example/token");
    await page.fill("input[name=clientId]", "x");
    await page.click("#provider-form button[type=submit]");
    await page.waitForSelector("#form-error:not(.hidden)");
    assert.match(await page.textContent("#form-error"), /^invalid_config: /);
    await context.close();
  });
});
