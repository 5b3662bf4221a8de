// Serves the demo until Ctrl-C: the page (www/ and the built package), a local
// OpenID provider and a protected API, all on 127.0.0.1. Fixed default ports
// keep the callback URL stable (a real provider needs it registered); override
// them with DEMO_PORT, DEMO_PROVIDER_PORT and DEMO_API_PORT.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startServers } from "../dev/servers.mjs";

const port = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name}=${raw} is not a port number`);
    process.exit(2);
  }
  return n;
};

const wasm = fileURLToPath(new URL("../pkg/pkce_wasm_bg.wasm", import.meta.url));
if (!existsSync(wasm)) {
  console.error("pkg/ is missing: build the package first (bash scripts/build.sh), or run `npm run demo`.");
  process.exit(1);
}

let servers;
try {
  servers = await startServers({
    pagePort: port("DEMO_PORT", 8400),
    providerPort: port("DEMO_PROVIDER_PORT", 8401),
    apiPort: port("DEMO_API_PORT", 8402),
    // With DPoP on, the token endpoint and the API each ask for a nonce once,
    // so the page shows the use_dpop_nonce round trip as a real server makes it.
    dpopNonce: { provider: ["token"], api: true },
  });
} catch (err) {
  if (err.code === "EADDRINUSE") {
    console.error(`Port ${err.port} is in use. Choose others, e.g. DEMO_PORT=9400 DEMO_PROVIDER_PORT=9401 DEMO_API_PORT=9402 npm run demo`);
  } else {
    console.error(err);
  }
  process.exit(1);
}

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
console.log(`
pkce-wasm demo

  Open           ${bold(servers.pageUrl)}
                 (use 127.0.0.1, not localhost: storage and CORS are per origin)
  Provider       ${servers.issuer}   node-oidc-provider, any user name logs in
  Protected API  ${servers.apiUrl}
  Client ids     ${servers.clientId} (this page), ${servers.nativeClientId} (${servers.nativeRedirectUri})
  DPoP and PAR   tick them on the page, or open ${servers.pageUrl}?dpop=1&par=1

  To try a real provider, register ${servers.callbackUrl} as an allowed
  callback URL and ${servers.pageOrigin} as an allowed web origin, then use
  "Use another provider" on the page.

Ctrl-C stops everything.
`);

let stopping = false;
async function stop(signal) {
  if (stopping) process.exit(1); // a second Ctrl-C does not wait
  stopping = true;
  console.log(`\n${signal}: stopping the demo servers…`);
  await servers.close();
  process.exit(0);
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
