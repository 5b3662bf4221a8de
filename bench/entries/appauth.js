// @openid/appauth: login with redirect, callback, code exchange.
import {
  AuthorizationNotifier,
  AuthorizationRequest,
  AuthorizationServiceConfiguration,
  BaseTokenRequestHandler,
  FetchRequestor,
  GRANT_TYPE_AUTHORIZATION_CODE,
  RedirectRequestHandler,
  TokenRequest,
} from "@openid/appauth";

// Ready: the configuration and the two handlers built. FetchRequestor, as the
// default requestor needs jQuery on the page.
export const ready = (cfg) => ({
  config: new AuthorizationServiceConfiguration({
    authorization_endpoint: `${cfg.base}/authorize`,
    token_endpoint: `${cfg.base}/token`,
    revocation_endpoint: `${cfg.base}/revoke`,
  }),
  redirects: new RedirectRequestHandler(),
  tokens: new BaseTokenRequestHandler(new FetchRequestor()),
});

export function login({ config, redirects }, cfg) {
  const request = new AuthorizationRequest({
    client_id: cfg.clientId,
    redirect_uri: cfg.redirectUri,
    scope: cfg.scope,
    response_type: AuthorizationRequest.RESPONSE_TYPE_CODE,
    // RedirectRequestHandler reads the response from the fragment.
    extras: { response_mode: "fragment" },
  });
  return redirects.performAuthorizationRequest(config, request);
}

export async function callback({ config, redirects, tokens }, cfg) {
  let done;
  const notifier = new AuthorizationNotifier();
  notifier.setAuthorizationListener((request, response, error) => {
    done = { request, response, error };
  });
  redirects.setAuthorizationNotifier(notifier);
  await redirects.completeAuthorizationRequestIfPossible();
  if (!done?.response) throw new Error(`appauth: ${done?.error?.error ?? "no authorization response"}`);
  const response = await tokens.performTokenRequest(
    config,
    new TokenRequest({
      client_id: cfg.clientId,
      redirect_uri: cfg.redirectUri,
      grant_type: GRANT_TYPE_AUTHORIZATION_CODE,
      code: done.response.code,
      extras: { code_verifier: done.request.internal.code_verifier },
    }),
  );
  return { accessToken: response.accessToken };
}
