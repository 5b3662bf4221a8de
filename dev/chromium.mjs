// How the tests, the demo checks and the benchmark start Debian's Chromium:
// the browser cannot be downloaded here, so playwright-core drives
// /usr/bin/chromium (override with CHROMIUM_PATH).
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox", // the suites run as root in CI
  "--disable-gpu",
  "--disable-dev-shm-usage",
  // Background services would try the network, which is closed; they only add noise.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  // Nothing may leave the machine (the provider's pages reference a web font).
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];
