// Injected at document start into the app's page, as Capacitor's native
// runtime injects its bridge into the WebView. It plays the native side of
// the plugins the example uses, so the real @capacitor/core, @capacitor/app
// and @capacitor/browser route every call here exactly as on a device:
//
//   - window.androidBridge makes @capacitor/core report the "android" platform,
//     so no web implementation is loaded;
//   - Capacitor.PluginHeaders lists each plugin's native methods, in the form
//     the native runtime exports them (addListener/removeListener are
//     callback-style, the rest promise-style);
//   - Capacitor.nativePromise / nativeCallback are the bridge entry points.
//
// What lives outside the WebView — the system browser, the HTTP stack,
// UserDefaults/SharedPreferences, the launch intent — is delegated to the test
// harness through the `__nativeHost` binding. Values cross it as JSON, as they
// cross the real bridge.
(() => {
  const host = (command, payload) =>
    window.__nativeHost(command, payload === undefined ? null : JSON.parse(JSON.stringify(payload)));

  window.androidBridge = { postMessage() {} };

  const listeners = new Map(); // "Plugin/event" -> Map(callbackId -> callback)
  const retained = new Map(); // "Plugin/event" -> [data]: events sent with retainUntilConsumed
  let lastCallbackId = Math.floor(Math.random() * 1e6);

  function notifyListeners(plugin, eventName, data, retainUntilConsumed = false) {
    const key = `${plugin}/${eventName}`;
    const registered = listeners.get(key);
    if (!registered || registered.size === 0) {
      if (retainUntilConsumed) retained.set(key, [...(retained.get(key) ?? []), data]);
      return 0;
    }
    for (const callback of [...registered.values()]) callback(JSON.parse(JSON.stringify(data ?? {})));
    return registered.size;
  }

  function listenerCount(plugin, eventName) {
    return listeners.get(`${plugin}/${eventName}`)?.size ?? 0;
  }

  const natives = {
    App: {
      async getLaunchUrl() {
        const url = await host("app.launchUrl");
        // The native plugin resolves with no data when there is no launch URL.
        return url ? { url } : undefined;
      },
      async getState() {
        return { isActive: true };
      },
    },
    Browser: {
      async open(options) {
        if (!options || typeof options.url !== "string" || !options.url) throw nativeError("Must provide a URL to open");
        await host("browser.open", { url: options.url });
      },
      async close() {
        const closed = await host("browser.close");
        if (!closed) throw nativeError("No active window to close!");
      },
    },
    CapacitorHttp: {
      request: (options) => host("http", options),
    },
    Preferences: {
      configure: async () => {},
      get: (options) => host("prefs.get", options),
      set: (options) => host("prefs.set", options),
      remove: (options) => host("prefs.remove", options),
      keys: () => host("prefs.keys"),
      clear: () => host("prefs.clear"),
    },
  };

  function nativeError(message) {
    const err = new Error(message);
    err.code = undefined;
    return err;
  }

  const callbackMethod = (name) => ({ name, rtype: null });
  const promiseMethod = (name) => ({ name, rtype: "promise" });
  const PluginHeaders = Object.entries(natives).map(([name, methods]) => ({
    name,
    methods: [
      callbackMethod("addListener"),
      callbackMethod("removeListener"),
      promiseMethod("removeAllListeners"),
      ...Object.keys(methods).map(promiseMethod),
    ],
  }));

  window.Capacitor = {
    DEBUG: false,
    isLoggingEnabled: false,
    Plugins: {},
    PluginHeaders,
    nativePromise(plugin, method, options) {
      if (method === "removeAllListeners") {
        for (const key of [...listeners.keys()]) if (key.startsWith(`${plugin}/`)) listeners.delete(key);
        return Promise.resolve();
      }
      const impl = natives[plugin]?.[method];
      if (!impl) return Promise.reject(nativeError(`${plugin}.${method} is not implemented`));
      return (async () => impl(JSON.parse(JSON.stringify(options ?? {}))))().then(
        (result) => (result === undefined ? undefined : JSON.parse(JSON.stringify(result))),
        (err) => {
          const e = new Error(err && err.message ? err.message : String(err));
          if (err && err.code) e.code = err.code;
          throw e;
        },
      );
    },
    nativeCallback(plugin, method, options, callback) {
      if (method === "addListener") {
        const key = `${plugin}/${options.eventName}`;
        const id = String(++lastCallbackId);
        if (!listeners.has(key)) listeners.set(key, new Map());
        listeners.get(key).set(id, callback);
        // Retained events go to the first listener, after the call returns (as native does).
        const pending = retained.get(key);
        if (pending) {
          retained.delete(key);
          setTimeout(() => pending.forEach((data) => callback(data)), 0);
        }
        return id;
      }
      if (method === "removeListener") {
        listeners.get(`${plugin}/${options.eventName}`)?.delete(String(options.callbackId));
        return "-1";
      }
      window.console.warn(`native callback ${plugin}.${method} is not implemented`);
      return null;
    },
  };

  // For the harness: events from the native side and a view of the listeners.
  window.__capacitorNative = { notifyListeners, listenerCount };
})();
