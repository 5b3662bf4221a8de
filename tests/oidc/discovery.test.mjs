// PkceClient.discover() against a test OP whose metadata each case sets
// (security reference §2.1 CF-09…CF-12, R6, R12; RFC 9207 for
// authorization_response_iss_parameter_supported). A refused document gives
// `discovery_error` and no client: nothing is stored and nothing navigates.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  leftovers,
  SESSION_PREFIX,
  startTestOpPage,
  TX_PREFIX,
} from "./helpers.mjs";

describe("discovery against a test OP", { timeout: 120_000 }, () => {
  let env;
  let pages;
  let op;
  let page;

  before(async () => {
    env = await startTestOpPage();
    ({ pages, op, page } = env);
  });
  after(() => env?.close());
  beforeEach(async () => {
    op.reset();
    await page.evaluate(() => {
      sessionStorage.clear();
      window.t.client = null;
    });
  });

  const OIDC_PATH = "/.well-known/openid-configuration";
  const OAUTH_PATH = "/.well-known/oauth-authorization-server";

  function discover(extra = {}) {
    const options = {
      issuer: op.issuer,
      clientId: op.clientId,
      redirectUri: pages.callbackUrl,
      scope: "openid",
      persistTokens: "sessionStorage",
      ...extra,
    };
    return page.evaluate((o) => window.t.capture(() => window.t.discover(o)), options);
  }

  /** Serves `body` (object → JSON) at the OpenID well-known URL; 404 elsewhere. */
  function serve(body, { status = 200, type, path = OIDC_PATH } = {}) {
    op.metadata = (p) => (p === path ? { status, type, body } : undefined);
  }

  /** A login through the discovered client: the callback carries `iss` when given. */
  async function loginWith({ iss } = {}) {
    const { url, state } = await page.evaluate(() => window.t.begin());
    const idToken = await op.sign(op.claims(new URL(url).searchParams.get("nonce")));
    op.token = () => op.tokenResponse(idToken);
    const query = new URLSearchParams({ code: "test-code", state });
    if (iss !== undefined) query.set("iss", iss);
    const result = await page.evaluate(
      (href) => window.t.capture(() => window.t.client.handleCallback(href)),
      `${pages.callbackUrl}?${query}`,
    );
    return { url: new URL(url), result, left: await leftovers(page) };
  }

  async function assertDiscoveryError(result, field) {
    assert.equal(result.ok, false, "the metadata was accepted");
    assert.equal(result.error.isPkceError, true);
    assert.equal(result.error.code, "discovery_error", JSON.stringify(result.error));
    if (field) assert.equal(result.error.field, field, JSON.stringify(result.error));
    const state = await page.evaluate(
      ([tx, session]) => ({
        client: window.t.client,
        stored: Object.keys({ ...window.t.entries("sessionStorage", tx), ...window.t.entries("sessionStorage", session) }),
      }),
      [TX_PREFIX, SESSION_PREFIX],
    );
    assert.equal(state.client, null, "a client was made from refused metadata");
    assert.deepEqual(state.stored, []);
    assert.equal(op.hits.token.length, 0);
  }

  test("good metadata: the client uses the discovered endpoints and a login completes with a verified ID token", async () => {
    serve(op.goodMetadata());
    const r = await discover();
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(op.hits.metadata, [OIDC_PATH]);
    const { url, result, left } = await loginWith();
    assert.equal(`${url.origin}${url.pathname}`, `${op.issuer}/auth`);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.value.claims.sub, "alice");
    assert.equal(op.hits.token.length, 1);
    assert.equal(op.hits.jwks, 1, "the ID token was checked with the discovered jwks_uri");
    assert.equal(left.getAccessToken.value, result.value.accessToken);
  });

  test("RFC 8414 fallback: 404 at the OpenID URL, metadata at oauth-authorization-server", async () => {
    serve(op.goodMetadata(), { path: OAUTH_PATH });
    const r = await discover();
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(op.hits.metadata, [OIDC_PATH, OAUTH_PATH]);
  });

  test("CF-12: no code_challenge_methods_supported: the flow proceeds with S256 and state", async () => {
    const m = op.goodMetadata();
    delete m.code_challenge_methods_supported;
    serve(m);
    assert.equal((await discover()).ok, true);
    const { url, result } = await loginWith();
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.ok(url.searchParams.get("state"));
    assert.equal(result.ok, true, JSON.stringify(result.error));
  });

  describe("CF-09: the issuer in the metadata must be identical to the one asked for", () => {
    test("trailing slash", async () => {
      serve(op.goodMetadata({ issuer: `${op.issuer}/` }));
      await assertDiscoveryError(await discover(), "issuer");
    });
    test("another host (localhost for 127.0.0.1)", async () => {
      serve(op.goodMetadata({ issuer: op.issuer.replace("127.0.0.1", "localhost") }));
      await assertDiscoveryError(await discover(), "issuer");
    });
    test("another issuer altogether", async () => {
      serve(op.goodMetadata({ issuer: "https://evil.example" }));
      await assertDiscoveryError(await discover(), "issuer");
    });
  });

  describe("CF-10: unusable documents", () => {
    test("404 at both well-known URLs", async () => {
      const r = await discover();
      await assertDiscoveryError(r);
      assert.equal(r.error.status, 404);
      assert.deepEqual(op.hits.metadata, [OIDC_PATH, OAUTH_PATH]);
    });
    test("200 with an HTML page", async () => {
      serve("<!doctype html><title>Welcome</title><p>Sign in</p>", { type: "text/html; charset=utf-8" });
      await assertDiscoveryError(await discover(), "body");
    });
    test("200 with a JSON array", async () => {
      serve([op.goodMetadata()]);
      await assertDiscoveryError(await discover(), "body");
    });
    test("no issuer", async () => {
      serve(op.goodMetadata({ issuer: undefined }));
      await assertDiscoveryError(await discover(), "issuer");
    });
    test("issuer: 123", async () => {
      serve(op.goodMetadata({ issuer: 123 }));
      await assertDiscoveryError(await discover(), "issuer");
    });
    test("no token_endpoint", async () => {
      serve(op.goodMetadata({ token_endpoint: undefined }));
      await assertDiscoveryError(await discover(), "token_endpoint");
    });
    test("500: no fallback to the other URL", async () => {
      serve({ error: "server_error" }, { status: 500 });
      const r = await discover();
      await assertDiscoveryError(r);
      assert.equal(r.error.status, 500);
      assert.deepEqual(op.hits.metadata, [OIDC_PATH]);
    });
    test("the provider cannot be reached: network_error", async () => {
      const r = await discover({ issuer: "http://127.0.0.1:9" });
      assert.equal(r.ok, false);
      assert.equal(r.error.code, "network_error");
    });
  });

  test('CF-11: code_challenge_methods_supported: ["plain"] is refused (no downgrade)', async () => {
    serve(op.goodMetadata({ code_challenge_methods_supported: ["plain"] }));
    await assertDiscoveryError(await discover(), "code_challenge_methods_supported");
  });

  describe("RFC 9207: authorization_response_iss_parameter_supported: true", () => {
    beforeEach(() => serve(op.goodMetadata({ authorization_response_iss_parameter_supported: true })));

    test("a callback without iss is refused (issuer_mismatch) before any token request; the transaction is gone", async () => {
      assert.equal((await discover()).ok, true);
      const { result, left } = await loginWith();
      assert.equal(result.ok, false, "a callback without iss was accepted");
      assert.equal(result.error.code, "issuer_mismatch", JSON.stringify(result.error));
      assert.equal(op.hits.token.length, 0, "a token request was sent");
      assert.deepEqual(left.transactions, []);
      assert.deepEqual(left.sessions, []);
      assert.equal(left.getAccessToken.error?.code, "login_required");
    });

    test("a callback with another iss is refused (issuer_mismatch)", async () => {
      assert.equal((await discover()).ok, true);
      const { result } = await loginWith({ iss: "https://evil.example" });
      assert.equal(result.error?.code, "issuer_mismatch");
      assert.equal(op.hits.token.length, 0);
    });

    test("control: a callback with the right iss completes", async () => {
      assert.equal((await discover()).ok, true);
      const { result } = await loginWith({ iss: op.issuer });
      assert.equal(result.ok, true, JSON.stringify(result.error));
    });
  });
});
