// The servers of the popup login tests: the app (tests/e2e/popup/pages plus
// the package's shipped files, on the redirect URI's origin), a page of
// another origin to post from, and the real local provider wired to the app
// as dev/servers.mjs wires the demo.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeServer, listen, startProvider } from "../../../dev/provider.mjs";
import { API_AUDIENCE, DEMO_SCOPE, HOST } from "../../../dev/servers.mjs";
import { packageFileMatcher } from "../../../dev/static.mjs";
import { send, sendFile } from "../../oidc/helpers.mjs";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url)).replace(/[\\/]+$/, "");
const PAGES = fileURLToPath(new URL("./pages", import.meta.url)).replace(/[\\/]+$/, "");
const PACKAGE_PREFIX = "/node_modules/pkce-wasm/";

async function startPages() {
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  const shipped = packageFileMatcher(pkg.files ?? []);
  const server = createServer(async (req, res) => {
    try {
      res.setHeader("Cache-Control", "no-store");
      res.setHeader("Referrer-Policy", "no-referrer");
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (path === "/" || path === "/callback") return sendFile(res, PAGES, "index.html");
      if (path.startsWith(PACKAGE_PREFIX)) {
        const rel = path.slice(PACKAGE_PREFIX.length);
        return shipped(rel) ? sendFile(res, ROOT, rel) : send(res, 404, "text/plain", "not found");
      }
      return sendFile(res, PAGES, path.slice(1));
    } catch (err) {
      if (!res.headersSent) send(res, 500, "text/plain", `internal error: ${err.message}`);
    }
  });
  await listen(server, 0, HOST);
  const origin = `http://${HOST}:${server.address().port}`;
  return { origin, url: `${origin}/`, callbackUrl: `${origin}/callback`, close: () => closeServer(server) };
}

/** A page of another origin (another port): the sender of foreign messages. */
async function startForeign() {
  const server = createServer((req, res) => sendFile(res, PAGES, "blank.html"));
  await listen(server, 0, HOST);
  const origin = `http://${HOST}:${server.address().port}`;
  return { origin, url: `${origin}/foreign.html`, close: () => closeServer(server) };
}

export async function startPopupEnvironment() {
  const started = [];
  try {
    const pages = await startPages();
    started.push(pages);
    const foreign = await startForeign();
    started.push(foreign);
    const provider = await startProvider({
      host: HOST,
      spaOrigins: [pages.origin],
      redirectUris: [pages.callbackUrl],
      apiAudience: API_AUDIENCE,
    });
    started.push(provider);
    const clientOptions = {
      issuer: provider.issuer,
      authorizationEndpoint: `${provider.issuer}/auth`,
      tokenEndpoint: `${provider.issuer}/token`,
      jwksUri: `${provider.issuer}/jwks`,
      clientId: provider.clients.spa,
      redirectUri: pages.callbackUrl,
      scope: DEMO_SCOPE,
      extraAuthParams: { resource: API_AUDIENCE },
    };
    return {
      pages,
      foreign,
      provider,
      issuer: provider.issuer,
      clientOptions,
      close: () => Promise.allSettled(started.reverse().map((s) => s.close())),
    };
  } catch (err) {
    await Promise.allSettled(started.reverse().map((s) => s.close()));
    throw err;
  }
}

