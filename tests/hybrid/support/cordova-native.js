// Injected at document start into the app's page: a stand-in for cordova.js,
// its `deviceready` event and the plugins the Cordova example uses. The plugin
// objects have the JS API of the real plugins (their www/*.js call
// cordova.exec; so do these); the native half is played here and, for what
// lives outside the WebView, by the test harness through `__nativeHost`:
//
//   cordova-plugin-safariviewcontroller  window.SafariViewController (Android flavour:
//                                        a "loaded" event on show, "closed" when dismissed)
//   cordova-plugin-inappbrowser          cordova.InAppBrowser.open(url, "_system")
//   cordova-plugin-browsertab            cordova.plugins.browsertab
//   cordova-plugin-nativestorage         window.NativeStorage (values stored as JSON)
//   cordova-plugin-customurlscheme       calls window.handleOpenURL(url), retrying
//                                        every 500 ms (10 times) until it exists,
//                                        and checks the launch intent at deviceready
(() => {
  const host = (command, payload) =>
    window.__nativeHost(command, payload === undefined ? null : JSON.parse(JSON.stringify(payload)));

  let showCallback = null; // SafariViewController.show's success callback, kept (keepCallback)
  const embeddedOpens = [];

  const services = {
    SafariViewController: {
      isAvailable: (ok) => ok(true),
      async show(ok, fail, [options]) {
        try {
          await host("browser.open", { url: options.url });
        } catch (e) {
          return fail({ error: String(e && e.message) });
        }
        showCallback = ok;
        ok({ event: "loaded" });
      },
      async hide(ok) {
        showCallback = null;
        await host("browser.close");
        ok();
      },
    },
    BrowserTab: {
      isAvailable: (ok) => ok(true),
      async openUrl(ok, fail, [url]) {
        try {
          await host("browser.open", { url });
          ok();
        } catch (e) {
          fail(String(e && e.message));
        }
      },
      async close(ok) {
        await host("browser.close");
        ok();
      },
    },
    NativeStorage: {
      async getItem(ok, fail, [key]) {
        const { value } = await host("prefs.get", { key });
        if (value === null) fail(2); // ITEM_NOT_FOUND
        else ok(value);
      },
      async setItem(ok, _fail, [key, value]) {
        await host("prefs.set", { key, value });
        ok(value);
      },
      async remove(ok, _fail, [key]) {
        await host("prefs.remove", { key });
        ok();
      },
    },
    LaunchMyApp: {
      async checkIntent(ok) {
        const url = await host("app.launchUrl");
        if (url) ok(url);
      },
      clearIntent(ok) {
        ok && ok();
      },
    },
  };

  function exec(success, fail, service, action, args) {
    const fn = services[service]?.[action];
    if (!fn) {
      fail && fail(`${service}.${action} is not available`);
      return;
    }
    // The bridge is asynchronous: results never arrive within exec().
    setTimeout(() => fn(success || (() => {}), fail || (() => {}), JSON.parse(JSON.stringify(args ?? []))), 0);
  }

  const cordova = {
    platformId: "android",
    version: "12.0.0",
    exec,
    InAppBrowser: {
      open(url, target) {
        if (target === "_system") {
          host("browser.open", { url });
          return {};
        }
        // A WebView window inside the app: recorded so a test can prove it is never used.
        embeddedOpens.push({ url, target });
        return {};
      },
    },
    plugins: {
      browsertab: {
        isAvailable: (ok, fail) => exec(ok, fail, "BrowserTab", "isAvailable", []),
        openUrl: (url, onError) => exec(() => {}, onError || (() => {}), "BrowserTab", "openUrl", [url]),
        close: (onError) => exec(() => {}, onError || (() => {}), "BrowserTab", "close", []),
      },
    },
  };
  window.cordova = cordova;

  window.SafariViewController = {
    isAvailable(callback) {
      exec(callback, () => callback(false), "SafariViewController", "isAvailable", []);
    },
    show(options, onSuccess, onError) {
      options = options || {};
      if (!Object.prototype.hasOwnProperty.call(options, "animated")) options.animated = true;
      exec(onSuccess, onError, "SafariViewController", "show", [options]);
    },
    hide(onSuccess, onError) {
      exec(onSuccess, onError, "SafariViewController", "hide", []);
    },
  };

  function storageError(code) {
    const e = new Error(`NativeStorage error ${code}`);
    e.code = code;
    e.source = "Native";
    return e;
  }
  window.NativeStorage = {
    getItem(key, ok, fail) {
      exec((data) => ok(JSON.parse(data)), (code) => fail(storageError(code)), "NativeStorage", "getItem", [key]);
    },
    setItem(key, value, ok, fail) {
      exec((data) => ok(JSON.parse(data)), (code) => fail(storageError(code)), "NativeStorage", "setItem", [key, JSON.stringify(value)]);
    },
    remove(key, ok, fail) {
      exec(ok, (code) => fail(storageError(code)), "NativeStorage", "remove", [key]);
    },
  };

  // cordova-plugin-customurlscheme (Android): hands the URL to handleOpenURL
  // once that function exists.
  function deliverUrl(url) {
    let remaining = 10;
    const attempt = () => {
      if (typeof window.handleOpenURL === "function") {
        exec(null, null, "LaunchMyApp", "clearIntent", []);
        window.handleOpenURL(url);
      } else if (remaining-- > 0) {
        setTimeout(attempt, 500);
      }
    };
    attempt();
  }

  // deviceready is sticky: a listener added after it fired runs at once.
  let deviceReady = false;
  const addEventListener = document.addEventListener.bind(document);
  document.addEventListener = (type, listener, options) => {
    if (type === "deviceready" && deviceReady) {
      setTimeout(() => (typeof listener === "function" ? listener(new Event("deviceready")) : listener.handleEvent(new Event("deviceready"))), 0);
      return;
    }
    addEventListener(type, listener, options);
  };
  addEventListener("DOMContentLoaded", () => {
    setTimeout(() => {
      deviceReady = true;
      document.dispatchEvent(new Event("deviceready"));
      // LaunchMyApp.js: on deviceready, a launch intent's URL goes to handleOpenURL.
      exec(deliverUrl, null, "LaunchMyApp", "checkIntent", []);
    }, 0);
  });

  window.__cordovaNative = {
    openUrl: deliverUrl,
    browserClosed() {
      const callback = showCallback;
      showCallback = null;
      if (callback) callback({ event: "closed" });
    },
    embeddedOpens,
  };
})();
