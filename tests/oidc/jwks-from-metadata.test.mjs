// A client configured with `openid` and an `issuer` but no `jwksUri`: the keys
// are found through the issuer's metadata (OIDC Discovery, then RFC 8414) the
// first time an ID token is verified, and the address is kept for later
// logins. When the metadata cannot be used, the ID token is refused with
// `discovery_error` and nothing from the response is kept.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  leftovers,
  startTestOpPage,
  testOpClientOptions,
} from "./helpers.mjs";

const OIDC_PATH = "/.well-known/openid-configuration";
const OAUTH_PATH = "/.well-known/oauth-authorization-server";

describe("the JWKS found through the issuer's metadata", { timeout: 120_000 }, () => {
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
    await page.evaluate(() => sessionStorage.clear());
    const options = testOpClientOptions(op, pages);
    delete options.jwksUri;
    await page.evaluate((o) => window.t.make(o), options);
  });

  function serve(body, { status = 200, path = OIDC_PATH } = {}) {
    op.metadata = (p) => (p === path ? { status, body } : undefined);
  }

  /** One login whose token response carries a good ID token. */
  async function login() {
    const { state, nonce } = await page.evaluate(() => window.t.begin());
    const idToken = await op.sign(op.claims(nonce));
    op.token = () => op.tokenResponse(idToken);
    const result = await page.evaluate(
      (href) => window.t.capture(() => window.t.client.handleCallback(href)),
      `${pages.callbackUrl}?code=test-code&state=${encodeURIComponent(state)}`,
    );
    return { result, left: await leftovers(page) };
  }

  function assertRefused({ result, left }, field, status) {
    assert.equal(result.ok, false, "the ID token was accepted without the provider's keys");
    assert.equal(result.error.code, "discovery_error", JSON.stringify(result.error));
    assert.equal(result.error.field, field, JSON.stringify(result.error));
    if (status) assert.equal(result.error.status, status);
    assert.deepEqual(left.transactions, [], "the transaction is spent");
    assert.deepEqual(left.sessions, [], "nothing of the response is kept");
    assert.equal(left.getAccessToken.error?.code, "login_required");
    assert.equal(op.hits.jwks, 0, "keys were fetched from somewhere");
  }

  test("the metadata's jwks_uri verifies the ID token; a second login reads no metadata again", async () => {
    serve(op.goodMetadata());
    const first = await login();
    assert.equal(first.result.ok, true, JSON.stringify(first.result.error));
    assert.equal(first.result.value.claims.sub, "alice");
    assert.deepEqual(op.hits.metadata, [OIDC_PATH]);
    assert.equal(op.hits.jwks, 1);
    const second = await login();
    assert.equal(second.result.ok, true, JSON.stringify(second.result.error));
    assert.deepEqual(op.hits.metadata, [OIDC_PATH], "the jwks_uri found is kept");
  });

  test("RFC 8414 metadata when there is no OpenID configuration", async () => {
    serve(op.goodMetadata(), { path: OAUTH_PATH });
    const { result } = await login();
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.deepEqual(op.hits.metadata, [OIDC_PATH, OAUTH_PATH]);
  });

  test("no metadata at either address → discovery_error (status 404)", async () => {
    assertRefused(await login(), "body", 404);
  });

  test("metadata of another issuer → discovery_error (issuer)", async () => {
    serve(op.goodMetadata({ issuer: `${op.issuer}/` }));
    assertRefused(await login(), "issuer");
  });

  test("metadata without jwks_uri → discovery_error (jwks_uri)", async () => {
    serve(op.goodMetadata({ jwks_uri: undefined }));
    assertRefused(await login(), "jwks_uri");
  });

  test("metadata with an insecure jwks_uri → discovery_error (jwks_uri)", async () => {
    serve(op.goodMetadata({ jwks_uri: "http://keys.example/jwks" }));
    assertRefused(await login(), "jwks_uri");
  });
});
