// What an app written in TypeScript does with the package, type-checked
// against the published declarations (js/*.d.ts and the generated
// pkg/pkce_wasm.d.ts): it compiles, and the marked line must not.
import init, { PkceClient, PkceError, type TokenSet, type PkceErrorCode } from "../../js/index.js";
import { loginWithCapacitor } from "../../js/capacitor.js";
async function main() {
  await init();
  const client = new PkceClient({ authorizationEndpoint: "https://a/x", tokenEndpoint: "https://a/t", clientId: "c", redirectUri: "https://app/cb", scope: "openid", issuer: "https://a" });
  const d: PkceClient = await PkceClient.discover({ issuer: "https://a", clientId: "c", redirectUri: "https://app/cb" });
  if (client.isCallback()) {
    const t: TokenSet = await client.handleCallback();
    const at: string = t.accessToken;
  }
  await client.login();
  await client.login({ appState: { to: "/" } });
  const u: string = await client.authorizeUrl();
  const r: Response = await client.fetch("https://api/me");
  const l: string | undefined = await client.logout();
  const s = await client.getSession();
  if (s) { const n: number = s.receivedAt; }
  try { await client.refresh(); } catch (e) { if (e instanceof PkceError) { const c: PkceErrorCode = e.code; } }
  // @ts-expect-error: a wrong option type is caught
  new PkceClient({ authorizationEndpoint: 1, tokenEndpoint: "x", clientId: "c", redirectUri: "r" });
  void d; void u; void r; void l; void loginWithCapacitor;
}
void main;
