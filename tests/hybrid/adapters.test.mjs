// The hybrid adapters' own logic, in Node with a stand-in client (no wasm, no
// browser): which links a login accepts, cancel and abort, listener clean-up,
// the opener guard, the deep-link sources, and the CapacitorHttp transport and
// storage adapters against the plugins' calling conventions.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  capacitorHttpFetch,
  loginWithCapacitor,
  preferencesStorage,
  resumeCapacitorLogin,
} from "../../js/capacitor.js";
import {
  browserTab,
  createDeepLinkSource,
  handleOpenURLSource,
  loginWithCordova,
  nativeStorage,
  resumeCordovaLogin,
  safariViewController,
  systemBrowser,
  universalLinksSource,
} from "../../js/cordova.js";
import { PkceError } from "../../js/error.js";

const REDIRECT = "com.example.app:/callback";
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

// Mimics the core's contract: authorizeUrl saves a transaction under a fresh
// state; handleCallback claims it synchronously and makes one "token request".
function fakeClient({ authorizeError } = {}) {
  let n = 0;
  const pending = new Map();
  const client = {
    tokenRequests: 0,
    pending,
    async authorizeUrl(options) {
      if (authorizeError) throw authorizeError;
      const state = `state-${++n}`;
      pending.set(state, options ?? {});
      return `https://as.example/authorize?client_id=app&state=${state}&code_challenge=x&code_challenge_method=S256`;
    },
    isCallback(href) {
      if (typeof href !== "string" || !href.startsWith(`${REDIRECT}?`)) return false;
      const q = new URL(href).searchParams;
      return q.has("code") || q.has("error");
    },
    handleCallback(href) {
      const state = new URL(href).searchParams.get("state");
      const tx = pending.get(state);
      pending.delete(state);
      if (!tx) return Promise.reject(new PkceError("no_transaction", "unknown state"));
      client.tokenRequests += 1;
      return tick(5).then(() => ({ accessToken: "at", tokenType: "bearer", appState: tx.appState }));
    },
  };
  return client;
}

function fakeBrowser() {
  const b = {
    opened: [],
    closes: 0,
    disposed: 0,
    closed: null,
    async open(url, { closed }) {
      b.opened.push(url);
      b.closed = closed;
      return () => {
        b.disposed += 1;
      };
    },
    close() {
      b.closes += 1;
    },
  };
  return b;
}

const stateOf = (url) => new URL(url).searchParams.get("state");
const callbackFor = (url, extra = "") => `${REDIRECT}?code=c0de&state=${stateOf(url)}${extra}`;

async function until(predicate, ms = 2000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await tick(2);
  }
}

describe("loginWithCordova (the shared flow)", () => {
  test("resolves with the tokens of the callback carrying its state; ignores everything else", async () => {
    const client = fakeClient();
    const browser = fakeBrowser();
    const links = createDeepLinkSource();
    const login = loginWithCordova(client, { browser, deepLinks: links, appState: { to: "/x" } });
    await until(() => browser.opened.length === 1);
    const url = browser.opened[0];

    links.deliver("com.example.app:/other-screen?id=1"); // another deep link of the app
    links.deliver(`${REDIRECT}?code=forged&state=someone-elses`); // another state
    links.deliver(`${REDIRECT}?state=${stateOf(url)}`); // neither code nor error
    await tick(20);
    assert.equal(client.tokenRequests, 0);
    assert.equal(client.pending.size, 1, "the pending transaction is untouched");

    links.deliver(callbackFor(url));
    links.deliver(callbackFor(url)); // delivered twice
    const tokens = await login;
    assert.deepEqual(tokens, { accessToken: "at", tokenType: "bearer", appState: { to: "/x" } });
    assert.equal(client.tokenRequests, 1);
    assert.equal(browser.closes, 1, "the browser is closed after the callback");
    assert.equal(browser.disposed, 1, "the opener's listener is removed");
    links.deliver(callbackFor(url)); // after the login: nobody listens any more
    await tick(10);
    assert.equal(client.tokenRequests, 1);
  });

  test("the callback's own error (authorization_error…) is the login's rejection", async () => {
    const client = fakeClient();
    client.handleCallback = (href) => Promise.reject(new PkceError("authorization_error", `denied ${href.length}`));
    const browser = fakeBrowser();
    const links = createDeepLinkSource();
    const login = loginWithCordova(client, { browser, deepLinks: links });
    await until(() => browser.opened.length === 1);
    links.deliver(`${REDIRECT}?error=access_denied&state=${stateOf(browser.opened[0])}`);
    await assert.rejects(login, { code: "authorization_error" });
    assert.equal(browser.disposed, 1);
  });

  test("browser closed and no callback within the grace period: `cancelled`", async () => {
    const client = fakeClient();
    const browser = fakeBrowser();
    const links = createDeepLinkSource();
    let subscribed = 0;
    const counting = {
      subscribe(listener) {
        subscribed += 1;
        const off = links.subscribe(listener);
        return () => {
          subscribed -= 1;
          off();
        };
      },
    };
    const started = Date.now();
    const login = loginWithCordova(client, { browser, deepLinks: counting, cancelGraceMs: 60 });
    await until(() => browser.closed);
    assert.equal(subscribed, 1);
    browser.closed();
    browser.closed(); // reported twice: one timer
    const err = await login.catch((e) => e);
    assert.ok(err instanceof PkceError);
    assert.equal(err.code, "cancelled");
    assert.ok(Date.now() - started >= 60, "waited for the grace period");
    assert.equal(subscribed, 0, "deep-link listener removed");
    assert.equal(browser.disposed, 1, "browser listener removed");
    assert.equal(browser.closes, 0, "the user already closed it");
    assert.equal(client.tokenRequests, 0);
  });

  test("a callback arriving just after the browser-closed signal still wins", async () => {
    const client = fakeClient();
    const browser = fakeBrowser();
    const links = createDeepLinkSource();
    const login = loginWithCordova(client, { browser, deepLinks: links, cancelGraceMs: 200 });
    await until(() => browser.closed);
    browser.closed();
    await tick(50);
    links.deliver(callbackFor(browser.opened[0]));
    assert.equal((await login).accessToken, "at");
  });

  test("aborting rejects with `cancelled`, closes the browser and removes the listeners", async () => {
    const client = fakeClient();
    const browser = fakeBrowser();
    const links = createDeepLinkSource();
    const controller = new AbortController();
    const login = loginWithCordova(client, { browser, deepLinks: links, signal: controller.signal });
    await until(() => browser.opened.length === 1);
    controller.abort(new Error("user navigated away"));
    await assert.rejects(login, (e) => e.code === "cancelled" && e.cause?.message === "user navigated away");
    assert.equal(browser.closes, 1);
    assert.equal(browser.disposed, 1);
    await assert.rejects(loginWithCordova(client, { browser, deepLinks: links, signal: controller.signal }), { code: "cancelled" });

    // Aborted while the transaction was being saved: the browser never opens.
    const late = new AbortController();
    const slow = fakeClient();
    const save = slow.authorizeUrl;
    slow.authorizeUrl = async (o) => {
      late.abort();
      return save(o);
    };
    const b2 = fakeBrowser();
    await assert.rejects(loginWithCordova(slow, { browser: b2, deepLinks: links, signal: late.signal }), { code: "cancelled" });
    assert.equal(b2.opened.length, 0);
  });

  test("an opener that fails rejects the login and leaves no listener", async () => {
    const client = fakeClient();
    const links = createDeepLinkSource();
    let listening = 0;
    const source = {
      subscribe(l) {
        listening += 1;
        const off = links.subscribe(l);
        return () => {
          listening -= 1;
          off();
        };
      },
    };
    const failure = new Error("Unable to display URL");
    await assert.rejects(
      loginWithCordova(client, { browser: { open: () => Promise.reject(failure) }, deepLinks: source }),
      (e) => e === failure,
    );
    assert.equal(listening, 0);
  });

  test("authorizeUrl failing (storage_unavailable) opens nothing", async () => {
    const client = fakeClient({ authorizeError: new PkceError("storage_unavailable", "quota") });
    const browser = fakeBrowser();
    await assert.rejects(loginWithCordova(client, { browser, deepLinks: createDeepLinkSource() }), { code: "storage_unavailable" });
    assert.equal(browser.opened.length, 0);
  });

  test("openers that load the page inside the app are refused (RFC 8252)", async () => {
    const client = fakeClient();
    const saved = { open: globalThis.open, cordova: globalThis.cordova };
    const embeddedOpen = () => {};
    const iabOpen = () => {};
    globalThis.open = embeddedOpen;
    globalThis.cordova = { InAppBrowser: { open: iabOpen } };
    try {
      for (const browser of [embeddedOpen, { open: iabOpen }, globalThis.cordova.InAppBrowser]) {
        await assert.rejects(loginWithCordova(client, { browser, deepLinks: createDeepLinkSource() }), { code: "invalid_config" });
      }
      assert.equal(client.pending.size, 0, "refused before any transaction is saved");
    } finally {
      globalThis.open = saved.open;
      globalThis.cordova = saved.cordova;
    }
    await assert.rejects(loginWithCordova(client, { browser: {}, deepLinks: createDeepLinkSource() }), TypeError);
    await assert.rejects(loginWithCordova(client, { browser: fakeBrowser(), deepLinks: {} }), TypeError);
    await assert.rejects(loginWithCordova({}, { browser: fakeBrowser(), deepLinks: createDeepLinkSource() }), TypeError);
  });

  test("a link retained from before the login (an older callback) is replayed but ignored", async () => {
    const client = fakeClient();
    const browser = fakeBrowser();
    const links = createDeepLinkSource();
    links.deliver(`${REDIRECT}?code=old&state=an-older-login`);
    const login = loginWithCordova(client, { browser, deepLinks: links });
    await until(() => browser.opened.length === 1);
    await tick(10);
    assert.equal(client.tokenRequests, 0);
    links.deliver(callbackFor(browser.opened[0]));
    assert.equal((await login).accessToken, "at");
    assert.equal(client.tokenRequests, 1);
  });
});

describe("Capacitor wrappers", () => {
  function fakeCapacitor() {
    const listeners = { appUrlOpen: new Set(), browserFinished: new Set() };
    const add = (name, fn) => {
      listeners[name].add(fn);
      return Promise.resolve({ remove: async () => listeners[name].delete(fn) });
    };
    const App = {
      launchUrl: undefined,
      addListener: (name, fn) => add(name, fn),
      getLaunchUrl: async () => App.launchUrl,
      emit: (url) => [...listeners.appUrlOpen].forEach((fn) => fn({ url })),
    };
    const Browser = {
      opened: [],
      closes: 0,
      addListener: (name, fn) => add(name, fn),
      async open(options) {
        Browser.opened.push(options);
      },
      async close() {
        Browser.closes += 1;
        throw new Error("No active window to close!"); // ignored by the adapter
      },
      finish: () => [...listeners.browserFinished].forEach((fn) => fn()),
    };
    return { App, Browser, listeners };
  }

  test("loginWithCapacitor: Browser.open with options, appUrlOpen, close, listeners removed", async () => {
    const client = fakeClient();
    const { App, Browser, listeners } = fakeCapacitor();
    const login = loginWithCapacitor(client, { App, Browser, browserOptions: { presentationStyle: "popover", url: "https://evil.example/" } });
    await until(() => Browser.opened.length === 1);
    assert.equal(Browser.opened[0].presentationStyle, "popover");
    assert.ok(Browser.opened[0].url.startsWith("https://as.example/authorize?"), "browserOptions cannot replace the URL");
    assert.equal(listeners.appUrlOpen.size, 1);
    assert.equal(listeners.browserFinished.size, 1);
    App.emit(callbackFor(Browser.opened[0].url));
    assert.equal((await login).accessToken, "at");
    await until(() => Browser.closes === 1);
    assert.equal(listeners.appUrlOpen.size, 0);
    assert.equal(listeners.browserFinished.size, 0);
  });

  test("loginWithCapacitor: browserFinished → `cancelled`", async () => {
    const client = fakeClient();
    const { App, Browser, listeners } = fakeCapacitor();
    const login = loginWithCapacitor(client, { App, Browser, cancelGraceMs: 20 });
    await until(() => Browser.opened.length === 1);
    Browser.finish();
    await assert.rejects(login, { name: "PkceError", code: "cancelled" });
    assert.equal(listeners.appUrlOpen.size + listeners.browserFinished.size, 0);
  });

  test("loginWithCapacitor: Browser.open failing removes browserFinished too", async () => {
    const client = fakeClient();
    const { App, Browser, listeners } = fakeCapacitor();
    Browser.open = async () => {
      throw new Error("Unable to display URL");
    };
    await assert.rejects(loginWithCapacitor(client, { App, Browser }), /Unable to display URL/);
    assert.equal(listeners.appUrlOpen.size + listeners.browserFinished.size, 0);
  });

  test("loginWithCapacitor: cancelled while Browser.open is still pending leaves no listener", async () => {
    const client = fakeClient();
    const { App, Browser, listeners } = fakeCapacitor();
    let finishOpen;
    Browser.open = () => new Promise((r) => (finishOpen = r));
    const login = loginWithCapacitor(client, { App, Browser, cancelGraceMs: 0 });
    await until(() => finishOpen);
    Browser.finish();
    await assert.rejects(login, { code: "cancelled" });
    assert.equal(listeners.appUrlOpen.size + listeners.browserFinished.size, 0);
    finishOpen();
  });

  test("resumeCapacitorLogin: null without a launch URL or for another link; the exchange otherwise", async () => {
    const client = fakeClient();
    const { App } = fakeCapacitor();
    assert.equal(await resumeCapacitorLogin(client, { App }), null); // native resolves with no data
    App.launchUrl = { url: "" };
    assert.equal(await resumeCapacitorLogin(client, { App }), null);
    App.launchUrl = { url: "com.example.app:/product/42" };
    assert.equal(await resumeCapacitorLogin(client, { App }), null);
    const url = await client.authorizeUrl({ appState: 7 });
    App.launchUrl = { url: callbackFor(url) };
    assert.deepEqual(await resumeCapacitorLogin(client, { App }), { accessToken: "at", tokenType: "bearer", appState: 7 });
    await assert.rejects(resumeCapacitorLogin(client, { App }), { code: "no_transaction" });
    assert.equal(client.tokenRequests, 1);
    await assert.rejects(resumeCapacitorLogin(client, {}), TypeError);
  });

  test("capacitorHttpFetch: CapacitorHttp's calling convention, body sent as the encoded string", async () => {
    const calls = [];
    const CapacitorHttp = {
      async request(options) {
        calls.push(options);
        return {
          status: 200,
          headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
          data: { access_token: "a+b/c", token_type: "Bearer" },
          url: options.url,
        };
      },
    };
    const f = capacitorHttpFetch(CapacitorHttp, { readTimeout: 5000 });
    const body = "grant_type=authorization_code&code=a%2Bb&redirect_uri=com.example.app%3A%2Fcallback";
    const res = await f("https://as.example/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      redirect: "manual",
      credentials: "omit",
      cache: "no-store",
    });
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, "https://as.example/token");
    assert.equal(calls[0].method, "POST");
    assert.equal(calls[0].data, body, "the form string, unchanged");
    assert.deepEqual(calls[0].headers, { "content-type": "application/x-www-form-urlencoded", accept: "application/json" });
    assert.equal(calls[0].disableRedirects, true);
    assert.equal(calls[0].readTimeout, 5000);
    assert.equal(res.status, 200);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(res.headers.get("CONTENT-TYPE"), "application/json; charset=utf-8");
    assert.equal(res.headers.get("www-authenticate"), null);
    assert.deepEqual(JSON.parse(await res.text()), { access_token: "a+b/c", token_type: "Bearer" });

    const params = new URLSearchParams({ a: "1 2" });
    await f(new URL("https://as.example/x"), { method: "post", body: params, headers: new Headers({ "X-A": "b" }) });
    assert.equal(calls[1].data, "a=1+2");
    assert.equal(calls[1].method, "POST");
    assert.deepEqual(calls[1].headers, { "x-a": "b" });
    await assert.rejects(f("https://as.example/x", { method: "POST", body: { a: 1 } }), TypeError);
  });

  test("capacitorHttpFetch: text bodies, errors as network failures", async () => {
    const f = capacitorHttpFetch({
      async request(o) {
        if (o.url.endsWith("/down")) throw new Error("The Internet connection appears to be offline.");
        return { status: 400, headers: { "content-type": "text/html" }, data: "<h1>bad</h1>", url: o.url };
      },
    });
    const res = await f("https://as.example/token", { method: "POST", body: "x=1" });
    assert.equal(res.status, 400);
    assert.equal(res.ok, false);
    assert.equal(await res.text(), "<h1>bad</h1>");
    await assert.rejects(f("https://as.example/down", {}), (e) => e instanceof TypeError && /offline/.test(e.cause.message));
    assert.throws(() => capacitorHttpFetch({}), TypeError);
  });

  test("preferencesStorage maps getItem/setItem/removeItem onto get/set/remove", async () => {
    const map = new Map();
    const Preferences = {
      get: async ({ key }) => ({ value: map.has(key) ? map.get(key) : null }),
      set: async ({ key, value }) => void map.set(key, value),
      remove: async ({ key }) => void map.delete(key),
    };
    const s = preferencesStorage(Preferences);
    assert.equal(await s.getItem("pkce-wasm.tx.a"), null);
    await s.setItem("pkce-wasm.tx.a", '{"v":1}');
    assert.equal(map.get("pkce-wasm.tx.a"), '{"v":1}');
    assert.equal(await s.getItem("pkce-wasm.tx.a"), '{"v":1}');
    await s.removeItem("pkce-wasm.tx.a");
    assert.equal(map.size, 0);
  });
});

describe("Cordova building blocks", () => {
  test("createDeepLinkSource keeps links until the first subscriber, then fans out", () => {
    const source = createDeepLinkSource({ retain: 2 });
    source.deliver("a:/1");
    source.deliver("a:/2");
    source.deliver("a:/3");
    source.deliver(42);
    const seen1 = [];
    const seen2 = [];
    const off1 = source.subscribe((u) => seen1.push(u));
    const off2 = source.subscribe((u) => seen2.push(u));
    source.deliver("a:/4");
    off1();
    source.deliver("a:/5");
    off2();
    assert.deepEqual(seen1, ["a:/2", "a:/3", "a:/4"]);
    assert.deepEqual(seen2, ["a:/4", "a:/5"]);
  });

  test("handleOpenURLSource installs handleOpenURL once and keeps calling an earlier one", () => {
    const previous = [];
    const win = { handleOpenURL: (u) => previous.push(u) };
    const source = handleOpenURLSource(win);
    assert.equal(handleOpenURLSource(win), source);
    win.handleOpenURL("com.example.app:/callback?code=1&state=2");
    const seen = [];
    source.subscribe((u) => seen.push(u));
    assert.deepEqual(seen, ["com.example.app:/callback?code=1&state=2"]);
    assert.deepEqual(previous, ["com.example.app:/callback?code=1&state=2"]);
  });

  test("universalLinksSource subscribes once per event name", () => {
    const subs = [];
    const universalLinks = { subscribe: (name, cb) => subs.push({ name, cb }) };
    const s1 = universalLinksSource(universalLinks, "login");
    assert.equal(universalLinksSource(universalLinks, "login"), s1);
    assert.equal(subs.length, 1);
    const seen = [];
    s1.subscribe((u) => seen.push(u));
    subs[0].cb({ url: "https://app.example.com/callback?code=1&state=2", path: "/callback" });
    assert.deepEqual(seen, ["https://app.example.com/callback?code=1&state=2"]);
  });

  test("resumeCordovaLogin hands a retained callback to handleCallback, or resolves null", async () => {
    const client = fakeClient();
    const links = createDeepLinkSource();
    assert.equal(await resumeCordovaLogin(client, { deepLinks: links }), null);
    const url = await client.authorizeUrl({ appState: "a" });
    links.deliver("com.example.app:/somewhere");
    links.deliver(callbackFor(url));
    assert.equal((await resumeCordovaLogin(client, { deepLinks: links })).appState, "a");
    const url2 = await client.authorizeUrl({});
    setTimeout(() => links.deliver(callbackFor(url2)), 30);
    assert.equal((await resumeCordovaLogin(client, { deepLinks: links, waitMs: 1000 })).accessToken, "at");
  });

  test("openers call the plugins as documented", async () => {
    const iab = [];
    await systemBrowser({ open: (...a) => iab.push(a) }).open("https://as.example/a", { closed() {} });
    assert.deepEqual(iab, [["https://as.example/a", "_system"]]);

    const svcCalls = [];
    let showSuccess;
    const SVC = {
      show(options, ok) {
        svcCalls.push(options);
        showSuccess = ok;
        setTimeout(() => ok({ event: "opened" }), 1);
      },
      hide(ok) {
        svcCalls.push("hide");
        ok();
      },
    };
    let closed = 0;
    const svc = safariViewController(SVC, { barColor: "#000000" });
    await svc.open("https://as.example/b", { closed: () => closed++ });
    assert.deepEqual(svcCalls[0], { barColor: "#000000", url: "https://as.example/b" });
    showSuccess({ event: "loaded" });
    assert.equal(closed, 0);
    showSuccess({ event: "closed" });
    assert.equal(closed, 1);
    await svc.close();
    assert.equal(svcCalls[1], "hide");
    await assert.rejects(
      safariViewController({ show: (_o, _ok, fail) => fail("no") }).open("https://as.example/c", { closed() {} }),
      /SafariViewController.show failed/,
    );

    const tab = [];
    const bt = browserTab({ openUrl: (u) => tab.push(u), close: () => tab.push("close") });
    await bt.open("https://as.example/d", { closed() {} });
    bt.close();
    assert.deepEqual(tab, ["https://as.example/d", "close"]);
  });

  test("nativeStorage: ITEM_NOT_FOUND is null, other failures reject", async () => {
    const store = new Map();
    const NativeStorage = {
      getItem: (k, ok, fail) => (store.has(k) ? ok(JSON.parse(store.get(k))) : fail({ code: 2 })),
      setItem: (k, v, ok, fail) => (k === "bad" ? fail({ code: 1 }) : (store.set(k, JSON.stringify(v)), ok(v))),
      remove: (k, ok) => (store.delete(k), ok()),
    };
    const s = nativeStorage(NativeStorage);
    assert.equal(await s.getItem("k"), null);
    await s.setItem("k", "v1");
    assert.equal(await s.getItem("k"), "v1");
    await s.removeItem("k");
    assert.equal(await s.getItem("k"), null);
    await assert.rejects(s.setItem("bad", "x"), /NativeStorage.setItem failed/);
  });
});
