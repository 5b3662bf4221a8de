// ID token validation (security reference §1 F, §2.5 ID-01…ID-24, NW-05):
// a test OP answers the token request with the ID token each case needs; the
// page runs handleCallback() as an app does. Every refusal must say
// `invalid_id_token` with the field at fault and leave nothing behind: no
// pending transaction, no session, getAccessToken() → login_required —
// although the same response carried a valid access and refresh token (ID-24).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  expireSession,
  leftovers,
  SESSION_PREFIX,
  sleep,
  startTestOpPage,
  testOpClientOptions,
} from "./helpers.mjs";

describe("ID token validation against a test OP", { timeout: 180_000 }, () => {
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
      localStorage.clear();
    });
  });

  /** A fresh client, a transaction, and a callback whose token response carries `makeIdToken(nonce)`. */
  async function login(makeIdToken, { clientExtra, tokenExtra, fresh = true, probe = true } = {}) {
    if (fresh) await page.evaluate((o) => window.t.make(o), testOpClientOptions(op, pages, clientExtra));
    const { state, nonce } = await page.evaluate(() => window.t.begin());
    assert.match(nonce ?? "", /^[A-Za-z0-9_-]{20,}$/, "an openid login sends a nonce");
    const idToken = await makeIdToken(nonce);
    const marks = { token: op.hits.token.length };
    op.token = () => op.tokenResponse(idToken, tokenExtra);
    const result = await page.evaluate(
      (href) => window.t.capture(() => window.t.client.handleCallback(href)),
      `${pages.callbackUrl}?code=test-code&state=${encodeURIComponent(state)}`,
    );
    // `probe: false` skips getAccessToken(), which would already refresh a short-lived token.
    const left = probe ? await leftovers(page) : null;
    return { result, nonce, idToken, tokenRequests: op.hits.token.length - marks.token, left };
  }

  function assertAccepted({ result, left, idToken }, sub = "alice") {
    assert.equal(result.ok, true, `refused: ${JSON.stringify(result.error)}`);
    assert.equal(result.value.idToken, idToken);
    assert.equal(result.value.claims.sub, sub);
    assert.deepEqual(left.transactions, []);
    assert.deepEqual(left.sessions, [`${SESSION_PREFIX}${op.clientId}`]);
    assert.equal(left.getAccessToken.ok, true);
    assert.equal(left.getAccessToken.value, result.value.accessToken);
  }

  function assertRefused({ result, left, tokenRequests }, field) {
    assert.equal(result.ok, false, `accepted an ID token that must be refused (${field})`);
    assert.equal(result.error.isPkceError, true, JSON.stringify(result.error));
    assert.equal(result.error.code, "invalid_id_token", JSON.stringify(result.error));
    assert.equal(result.error.field, field, JSON.stringify(result.error));
    assert.equal(tokenRequests, 1, "the code was exchanged once");
    assert.deepEqual(left.transactions, [], "the transaction is gone");
    assert.deepEqual(left.sessions, [], "no session stored in sessionStorage");
    assert.deepEqual(left.localSessions, [], "no session stored in localStorage");
    assert.equal(left.getAccessToken.ok, false, "getAccessToken() must not find a token");
    assert.equal(left.getAccessToken.error.code, "login_required");
  }

  describe("positive controls", () => {
    for (const key of ["rs", "ps", "es"]) {
      test(`a good ${{ rs: "RS256", ps: "PS256", es: "ES256" }[key]} ID token is accepted, its claims returned and the session stored`, async () => {
        const r = await login((nonce) => op.sign(op.claims(nonce), { key }));
        assertAccepted(r);
        assert.equal(r.result.value.claims.iss, op.issuer);
        assert.equal(r.result.value.claims.aud, op.clientId);
        assert.equal(r.result.value.claims.nonce, r.nonce);
        assert.equal(op.hits.jwks, 1);
      });
    }

    test("ID-09: aud as an array holding only this client; azp equal to client_id", async () => {
      assertAccepted(await login((nonce) => op.sign(op.claims(nonce, { aud: [op.clientId] }))));
      assertAccepted(await login((nonce) => op.sign(op.claims(nonce, { azp: op.clientId }))));
    });

    test("ID-14: no kid and a single key in the JWKS", async () => {
      op.jwks = [await op.jwksOf("rs")];
      assertAccepted(await login((nonce) => op.sign(op.claims(nonce), { kid: null })));
    });
  });

  describe("signature and algorithm", () => {
    test("ID-01: RS256 with a claim changed after signing (payload byte flipped)", async () => {
      const r = await login(async (nonce) => {
        const [h, , s] = (await op.sign(op.claims(nonce))).split(".");
        const forged = Buffer.from(JSON.stringify(op.claims(nonce, { sub: "alicf" }))).toString("base64url");
        return `${h}.${forged}.${s}`;
      });
      assertRefused(r, "signature");
    });

    for (const key of ["rs", "ps", "es"]) {
      test(`ID-01/ID-02: ${{ rs: "RS256", ps: "PS256", es: "ES256" }[key]} with a byte of the signature flipped`, async () => {
        const r = await login(async (nonce) => {
          const [h, p, s] = (await op.sign(op.claims(nonce), { key })).split(".");
          const sig = Buffer.from(s, "base64url");
          sig[10] ^= 0x01;
          return `${h}.${p}.${sig.toString("base64url")}`;
        });
        assertRefused(r, "signature");
      });
    }

    test("signed by a key the provider does not publish, claiming the provider's kid", async () => {
      assertRefused(await login((nonce) => op.sign(op.claims(nonce), { key: "other", kid: "rs-key" })), "signature");
    });

    test('ID-03: alg "none" with an empty signature', async () => {
      const r = await login((nonce) => op.signRaw({ alg: "none", typ: "JWT" }, op.claims(nonce), "none"));
      assert.match(r.idToken, /\.$/, "the token ends with an empty signature");
      assertRefused(r, "alg");
    });

    test("ID-04: HS256 keyed with the provider's RSA public key", async () => {
      const r = await login((nonce) => op.signRaw({ alg: "HS256", typ: "JWT", kid: "rs-key" }, op.claims(nonce), "hs256-with-public-key"));
      assertRefused(r, "alg");
    });

    test("ID-17: keys named in the header (jku, jwk) are never fetched nor used", async () => {
      const evil = (await op.jwksOf("other")).keys[0];
      const viaJku = await login((nonce) =>
        op.sign(op.claims(nonce), { key: "other", kid: "other-key", header: { jku: `${op.issuer}/evil-jwks` } }),
      );
      assertRefused(viaJku, "kid");
      const viaJwk = await login((nonce) => op.sign(op.claims(nonce), { key: "other", kid: "other-key", header: { jwk: evil } }));
      assertRefused(viaJwk, "kid");
      assert.equal(op.hits.evilJwks, 0, "the jku URL was fetched");
    });

    test("ID-18: a crit header parameter", async () => {
      const r = await login((nonce) => op.signRaw({ alg: "RS256", kid: "rs-key", crit: ["exp"] }, op.claims(nonce), "rs"));
      assertRefused(r, "crit");
    });

    test("ID-19: not a JWS (two segments, five segments)", async () => {
      assertRefused(await login(async (nonce) => (await op.sign(op.claims(nonce))).split(".").slice(0, 2).join(".")), "id_token");
      assertRefused(await login(async (nonce) => `${await op.sign(op.claims(nonce))}.a.b`), "id_token");
    });
  });

  describe("claims", () => {
    const cases = [
      ["ID-06: wrong iss", "iss", (op) => ({ iss: "http://127.0.0.1:1" })],
      ["ID-06: iss with a trailing slash", "iss", (op) => ({ iss: `${op.issuer}/` })],
      ["ID-06: no iss", "iss", () => ({ iss: undefined })],
      ["ID-07: wrong aud", "aud", () => ({ aud: "another-client" })],
      ["ID-07: no aud", "aud", () => ({ aud: undefined })],
      ["ID-08: aud array with an extra audience", "aud", (op) => ({ aud: [op.clientId, "https://other.example"] })],
      ["ID-08: azp is another client", "azp", () => ({ azp: "another-client" })],
      ["ID-10: expired five minutes ago", "exp", () => ({ exp: Math.floor(Date.now() / 1000) - 300 })],
      ["ID-10: no exp", "exp", () => ({ exp: undefined })],
      ['ID-10: exp "123" (a string)', "exp", () => ({ exp: "123" })],
      ["ID-11: iat a week old", "iat", () => ({ iat: Math.floor(Date.now() / 1000) - 7 * 86400 })],
      ["ID-11: no iat", "iat", () => ({ iat: undefined })],
      ["ID-11: iat an hour in the future", "iat", () => ({ iat: Math.floor(Date.now() / 1000) + 3600 })],
      ["ID-12: wrong nonce", "nonce", () => ({ nonce: "not-the-nonce-that-was-sent" })],
      ["ID-12: no nonce although one was sent", "nonce", () => ({ nonce: undefined })],
      ["ID-13: no sub", "sub", () => ({ sub: undefined })],
      ["ID-13: empty sub", "sub", () => ({ sub: "" })],
    ];
    for (const [name, field, change] of cases) {
      test(`${name} → invalid_id_token (${field})`, async () => {
        assertRefused(await login((nonce) => op.sign(op.claims(nonce, change(op)))), field);
      });
    }
  });

  describe("keys: the JWKS and key rotation (ID-16, NW-05)", () => {
    test("unknown kid with a freshly fetched JWKS: refused (kid) without fetching the same JWKS twice", async () => {
      assertRefused(await login((nonce) => op.sign(op.claims(nonce), { key: "other", kid: "other-key" })), "kid");
      assert.equal(op.hits.jwks, 1);
    });

    test("unknown kid after the keys were cached: the JWKS is fetched again once and the rotated key verifies", async () => {
      op.jwks = [op.standardJwks, await op.jwksOf("rs", "rotated")];
      assertAccepted(await login((nonce) => op.sign(op.claims(nonce))));
      assert.equal(op.hits.jwks, 1);
      // The same client (same page, keys cached), a second login signed with the new key.
      const second = await login((nonce) => op.sign(op.claims(nonce, { sub: "bob" }), { key: "rotated" }), { fresh: false });
      assertAccepted(second, "bob");
      assert.equal(op.hits.jwks, 2, "exactly one more JWKS request");
    });

    test("a kid unknown in the cached and in the refetched JWKS: refused (kid) after exactly 2 JWKS requests, the earlier session kept", async () => {
      const first = await login((nonce) => op.sign(op.claims(nonce)));
      assertAccepted(first);
      const second = await login((nonce) => op.sign(op.claims(nonce, { sub: "mallory" }), { key: "other", kid: "other-key" }), {
        fresh: false,
      });
      assert.equal(second.result.ok, false);
      assert.equal(second.result.error.code, "invalid_id_token");
      assert.equal(second.result.error.field, "kid");
      assert.equal(op.hits.jwks, 2);
      assert.deepEqual(second.left.transactions, []);
      // Nothing from the refused response was stored: the first login's token is still the one.
      assert.equal(second.left.getAccessToken.value, first.result.value.accessToken);
      const third = await login((nonce) => op.sign(op.claims(nonce), { key: "other", kid: "other-key" }), { fresh: false });
      assert.equal(third.result.error?.field, "kid");
      assert.equal(op.hits.jwks, 3, "each unknown kid costs at most one more request");
    });

    test("NW-05: the JWKS answers 500, or HTML: refused, never accepted unverified", async () => {
      op.jwks = [{ status: 500, body: "oops" }];
      const failed = await login((nonce) => op.sign(op.claims(nonce)));
      assertRefused(failed, "jwks");
      assert.equal(failed.result.error.status, 500);
      op.jwks = [{ status: 200, type: "text/html", body: "<!doctype html><p>keys</p>" }];
      assertRefused(await login((nonce) => op.sign(op.claims(nonce))), "jwks");
    });
  });

  describe("refresh (ID-22)", () => {
    // A first login whose access token then looks expired, so the next
    // getAccessToken() refreshes.
    async function loggedIn(clientExtra) {
      const first = await login((nonce) => op.sign(op.claims(nonce)), { clientExtra, probe: false });
      assert.equal(first.result.ok, true, JSON.stringify(first.result.error));
      assert.equal((await session()).accessToken, first.result.value.accessToken);
      await expireSession(page, "sessionStorage", op.clientId);
      return first.result.value;
    }

    const refresh = () => page.evaluate(() => window.t.capture(() => window.t.client.getAccessToken()));
    const session = () => page.evaluate((id) => window.t.session("sessionStorage", id), op.clientId);

    test("a refreshed ID token with another sub is refused (sub) and the old session is kept", async () => {
      const before = await loggedIn();
      const mallory = await op.sign(op.claims(undefined, { sub: "mallory" }));
      op.token = (params) => (params.grant_type === "refresh_token" ? op.tokenResponse(mallory) : op.tokenResponse());
      const r = await refresh();
      assert.equal(r.ok, false, "a refresh that changed the user was accepted");
      assert.equal(r.error.code, "invalid_id_token");
      assert.equal(r.error.field, "sub");
      assert.equal(op.hits.token.at(-1).grant_type, "refresh_token");
      assert.equal(op.hits.token.at(-1).refresh_token, before.refreshToken);
      const kept = await session();
      assert.equal(kept.accessToken, before.accessToken);
      assert.equal(kept.refreshToken, before.refreshToken);
      assert.equal(kept.claims.sub, "alice");
    });

    test("a refreshed ID token with another iss is refused and the old session is kept", async () => {
      const before = await loggedIn();
      const other = await op.sign(op.claims(undefined, { iss: "http://127.0.0.1:1" }));
      op.token = () => op.tokenResponse(other);
      const r = await refresh();
      assert.equal(r.ok, false);
      assert.equal(r.error.code, "invalid_id_token");
      assert.equal(r.error.field, "iss");
      assert.equal((await session()).accessToken, before.accessToken);
    });

    test("control: a refreshed ID token for the same user is accepted and replaces the session", async () => {
      const before = await loggedIn();
      const same = await op.sign(op.claims(undefined));
      op.token = () => op.tokenResponse(same);
      const r = await refresh();
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.notEqual(r.value, before.accessToken);
      const now = await session();
      assert.equal(now.accessToken, r.value);
      assert.equal(now.idToken, same);
      assert.equal(now.claims.sub, "alice");
    });

    test("a refresh answered with an ID token signed by a rotated key: one more JWKS request, accepted", async () => {
      op.jwks = [op.standardJwks, await op.jwksOf("rs", "rotated")];
      await loggedIn();
      op.token = async () => op.tokenResponse(await op.sign(op.claims(undefined), { key: "rotated" }));
      const r = await refresh();
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(op.hits.jwks, 2);
    });

    test(
      "key rotation when the JWKS response is HTTP-cacheable: the refetch is not answered from the browser cache",
      async () => {
        // Providers commonly serve their JWKS with max-age (Google, Entra ID, Auth0 for seconds).
        op.jwksHeaders = { "Cache-Control": "public, max-age=600" };
        op.jwks = [op.standardJwks, await op.jwksOf("rs", "rotated")];
        // A URL of its own, so the cached copy cannot leak into other tests.
        await loggedIn({ jwksUri: `${op.issuer}/jwks?cacheable` });
        // As in an app, where the refresh comes minutes later: the browser has
        // finished writing the first JWKS response to its cache by then.
        await sleep(1000);
        op.token = async () => op.tokenResponse(await op.sign(op.claims(undefined), { key: "rotated" }));
        const r = await refresh();
        assert.equal(op.hits.jwks, 2, "the refetch never reached the provider");
        assert.equal(r.ok, true, JSON.stringify(r.error));
      },
    );
  });

  test("an openid login whose token response has no ID token is refused (invalid_token_response, id_token)", async () => {
    const r = await login(async () => undefined);
    assert.equal(r.result.ok, false, "a login without the ID token it asked for was accepted");
    assert.equal(r.result.error.code, "invalid_token_response");
    assert.equal(r.result.error.field, "id_token");
    assert.deepEqual(r.left.transactions, []);
    assert.deepEqual(r.left.sessions, []);
    assert.equal(r.left.getAccessToken.error?.code, "login_required");
  });
});
