// The servers of the popup login tests: the app (tests/e2e/popup/pages plus
// the package's shipped files, on the redirect URI's origin), a page of
// another origin to post from, and the real local provider wired to the app
// as dev/servers.mjs wires the demo.
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { closeServer, listen, startProvider } from "../../../dev/provider.mjs";
import { API_AUDIENCE, DEMO_SCOPE, HOST } from "../../../dev/servers.mjs";
import { sendFile, servePages } from "../../oidc/helpers.mjs";

const PAGES = fileURLToPath(new URL("./pages", import.meta.url)).replace(/[\\/]+$/, "");

const startPages = () => servePages({ pages: PAGES });

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

