//! The authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3): the fresh
//! values of one login and the URL that carries their public halves.

use crate::config::{parse_url, Config, Params};
use crate::error::{Code, Error, Result};
use crate::pkce::{random_token, CodeVerifier};
use crate::token::{oauth_error, Body};
use crate::value::Value;

/// The secrets of one login, made together and stored before the user is
/// sent away. `state` keys the transaction.
pub struct Transaction {
    pub state: String,
    pub verifier: CodeVerifier,
    pub nonce: Option<String>,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transaction([redacted])")
    }
}

impl Transaction {
    /// Fresh, independent values: verifier (256 bits), `state` (256 bits)
    /// and, for OpenID Connect, a `nonce` (256 bits). Nothing is made when
    /// the random source fails.
    pub fn generate(openid: bool) -> Result<Transaction> {
        let verifier = CodeVerifier::generate()?;
        let state = random_token()?;
        let nonce = if openid { Some(random_token()?) } else { None };
        Ok(Transaction {
            state,
            verifier,
            nonce,
        })
    }
}

/// The `/authorize` URL, built by the platform's `URL` and `URLSearchParams`:
/// the endpoint's own query is kept, every parameter appears once and is
/// form-encoded, and the verifier itself never goes in. Per-call extra
/// parameters replace configured ones of the same name.
pub fn url(cfg: &Config, tx: &Transaction, extra: &Params) -> Result<String> {
    at_endpoint(cfg, &params(cfg, tx, extra, None))
}

/// The authorization request's parameters, in order. `dpop_jkt` binds the
/// code to the client's DPoP key (RFC 9449 §10).
pub fn params(
    cfg: &Config,
    tx: &Transaction,
    extra: &Params,
    dpop_jkt: Option<&str>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: &str| out.push((k.into(), v.into()));
    add("response_type", "code");
    add("client_id", cfg.client_id());
    add("redirect_uri", cfg.redirect_uri());
    if let Some(scope) = cfg.scope() {
        add("scope", scope);
    }
    add("state", &tx.state);
    add("code_challenge", &tx.verifier.challenge());
    add("code_challenge_method", "S256");
    if let Some(nonce) = &tx.nonce {
        add("nonce", nonce);
    }
    if let Some(aud) = cfg.audience() {
        add("audience", aud);
    }
    if let Some(jkt) = dpop_jkt {
        add("dpop_jkt", jkt);
    }
    for (k, v) in cfg.extra_auth_params() {
        if !extra.0.iter().any(|(e, _)| e == k) {
            add(k, v);
        }
    }
    for (k, v) in &extra.0 {
        add(k, v);
    }
    out
}

/// The authorization endpoint with `params` added to its own query.
pub fn at_endpoint(cfg: &Config, params: &[(String, String)]) -> Result<String> {
    let u = parse_url(cfg.authorization_endpoint())
        .ok_or_else(|| Error::new(Code::InvalidConfig, "authorizationEndpoint is not a URL"))?;
    let q = u.search_params();
    for (k, v) in params {
        q.append(k, v);
    }
    Ok(u.href())
}

/// The pushed authorization response (RFC 9126 §2.2): `201` with a JSON
/// object holding a `request_uri` string and an `expires_in` number. Anything
/// else is `par_error`, with the OAuth error's members when there is one.
pub fn check_pushed(status: u16, body: Body) -> Result<String> {
    let bad = |field, message| {
        Error::new(Code::ParError, message)
            .field(field)
            .status(status)
    };
    if status != 201 {
        return Err(oauth_error(
            status,
            body,
            (
                Code::ParError,
                "the pushed authorization request was refused",
            ),
            (
                Code::ParError,
                "the pushed authorization request endpoint answered an unexpected HTTP status",
            ),
        ));
    }
    let Body::Object(r) = body else {
        return Err(bad(
            "body",
            "the pushed authorization response is not a JSON object",
        ));
    };
    let request_uri = match r.request_uri {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => {
            return Err(bad(
                "request_uri",
                "the pushed authorization response has no request_uri",
            ))
        }
    };
    match r.expires_in {
        Some(Value::Number(n)) if n.is_finite() && n > 0.0 => Ok(request_uri),
        _ => Err(bad(
            "expires_in",
            "the pushed authorization response's expires_in is not a positive number",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pushed(
        status: u16,
        request_uri: Option<Value>,
        expires_in: Option<Value>,
    ) -> Result<String> {
        check_pushed(
            status,
            Body::Object(crate::token::RawResponse {
                request_uri,
                expires_in,
                ..Default::default()
            }),
        )
    }

    #[test]
    fn st14_pushed_authorization_response() {
        let uri = || {
            Some(Value::String(
                "urn:ietf:params:oauth:request_uri:abc".into(),
            ))
        };
        let secs = || Some(Value::Number(60.0));
        assert_eq!(
            pushed(201, uri(), secs()).as_deref(),
            Ok("urn:ietf:params:oauth:request_uri:abc")
        );
        let field = |r: Result<String>| {
            let e = r.unwrap_err();
            assert_eq!(e.code, Code::ParError);
            e.field.as_deref().map(String::from)
        };
        // 200 instead of 201, even with a usable body.
        assert_eq!(field(pushed(200, uri(), secs())), None);
        assert_eq!(
            field(pushed(201, None, secs())).as_deref(),
            Some("request_uri")
        );
        assert_eq!(
            field(pushed(201, Some(Value::String(String::new())), secs())).as_deref(),
            Some("request_uri")
        );
        assert_eq!(
            field(pushed(201, Some(Value::Number(1.0)), secs())).as_deref(),
            Some("request_uri")
        );
        assert_eq!(
            field(pushed(201, uri(), Some(Value::String("x".into())))).as_deref(),
            Some("expires_in")
        );
        assert_eq!(
            field(pushed(201, uri(), None)).as_deref(),
            Some("expires_in")
        );
        assert_eq!(
            field(pushed(201, uri(), Some(Value::Number(0.0)))).as_deref(),
            Some("expires_in")
        );
        assert_eq!(
            field(check_pushed(201, Body::NotJson)).as_deref(),
            Some("body")
        );
        // An OAuth error body keeps its members.
        let e = check_pushed(
            400,
            Body::Object(crate::token::RawResponse {
                error: Some(Value::String("invalid_request".into())),
                error_description: Some(Value::String("bad scope".into())),
                ..Default::default()
            }),
        )
        .unwrap_err();
        assert_eq!(
            (
                e.code,
                e.error.as_deref(),
                e.error_description.as_deref(),
                e.status
            ),
            (
                Code::ParError,
                Some("invalid_request"),
                Some("bad scope"),
                Some(400)
            )
        );
    }

    #[test]
    fn debug_is_redacted() {
        let tx = Transaction::generate(true).unwrap();
        let shown = format!("{tx:?}");
        for secret in [
            tx.state.as_str(),
            tx.verifier.secret(),
            tx.nonce.as_deref().unwrap(),
        ] {
            assert!(!shown.contains(secret));
        }
    }

    #[test]
    fn st02_st11_two_starts_differ_and_nonce_only_for_openid() {
        let a = Transaction::generate(true).unwrap();
        let b = Transaction::generate(true).unwrap();
        assert_ne!(a.state, b.state);
        assert_ne!(a.verifier.secret(), b.verifier.secret());
        assert_ne!(a.nonce, b.nonce);
        assert_eq!(a.state.len(), 43);
        assert_eq!(a.nonce.as_deref().map(str::len), Some(43));
        assert!(Transaction::generate(false).unwrap().nonce.is_none());
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use crate::config::Options;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn cfg(scope: Option<&str>, auth: &str) -> Config {
        Config::new(Options {
            issuer: Some("https://as.example".into()),
            authorization_endpoint: Some(auth.into()),
            token_endpoint: Some("https://as.example/token".into()),
            client_id: Some("client 1".into()),
            redirect_uri: Some("https://app.example/cb?x=1".into()),
            scope: scope.map(Into::into),
            audience: Some("https://api.example".into()),
            extra_auth_params: Some(Params(vec![("prompt".into(), "login".into())])),
            ..Options::default()
        })
        .unwrap()
    }

    fn params(url: &str) -> Vec<(String, String)> {
        let u = web_sys::Url::new(url).unwrap();
        js_sys::try_iter(&u.search_params())
            .unwrap()
            .unwrap()
            .map(|e| {
                let e: js_sys::Array = e.unwrap().into();
                (e.get(0).as_string().unwrap(), e.get(1).as_string().unwrap())
            })
            .collect()
    }

    fn one<'a>(p: &'a [(String, String)], name: &str) -> &'a str {
        let all: Vec<_> = p.iter().filter(|(k, _)| k == name).collect();
        assert_eq!(all.len(), 1, "{name} appears {} times", all.len());
        &all[0].1
    }

    #[test]
    fn st03_carries_every_parameter_once_and_never_the_verifier() {
        let c = cfg(Some("openid profile"), "https://as.example/authorize");
        let tx = Transaction::generate(true).unwrap();
        let u = url(&c, &tx, &Params::default()).unwrap();
        assert!(u.starts_with("https://as.example/authorize?response_type=code&"));
        let p = params(&u);
        assert_eq!(one(&p, "client_id"), "client 1");
        assert_eq!(one(&p, "redirect_uri"), "https://app.example/cb?x=1");
        assert_eq!(one(&p, "scope"), "openid profile");
        assert_eq!(one(&p, "state"), tx.state);
        assert_eq!(one(&p, "code_challenge"), tx.verifier.challenge());
        assert_eq!(one(&p, "code_challenge_method"), "S256");
        assert_eq!(one(&p, "nonce"), tx.nonce.as_deref().unwrap());
        assert_eq!(one(&p, "audience"), "https://api.example");
        assert_eq!(one(&p, "prompt"), "login");
        assert!(!u.contains(tx.verifier.secret()));
        assert_eq!(p.len(), 10);
    }

    #[test]
    fn st07_scope_smuggling_stays_one_parameter() {
        let c = cfg(
            Some("openid&redirect_uri=https://evil.example"),
            "https://as.example/authorize",
        );
        let tx = Transaction::generate(true).unwrap();
        let u = url(&c, &tx, &Params::default()).unwrap();
        let p = params(&u);
        assert_eq!(one(&p, "redirect_uri"), "https://app.example/cb?x=1");
        assert_eq!(one(&p, "scope"), "openid&redirect_uri=https://evil.example");
        assert!(u.contains("scope=openid%26redirect_uri%3Dhttps%3A%2F%2Fevil.example"));
    }

    #[test]
    fn cf04_the_endpoint_query_is_kept_once() {
        for (endpoint, start) in [
            (
                "https://as.example/authorize",
                "https://as.example/authorize?response_type=",
            ),
            (
                "https://as.example/authorize?",
                "https://as.example/authorize?response_type=",
            ),
            (
                "https://as.example/a?tenant=a",
                "https://as.example/a?tenant=a&response_type=",
            ),
            (
                "https://as.example/a?tenant=a&",
                "https://as.example/a?tenant=a&response_type=",
            ),
        ] {
            let c = cfg(None, endpoint);
            let tx = Transaction::generate(false).unwrap();
            let u = url(&c, &tx, &Params::default()).unwrap();
            assert!(u.starts_with(start), "{endpoint}: {u}");
        }
    }

    #[test]
    fn per_call_params_replace_configured_ones() {
        let c = cfg(None, "https://as.example/authorize");
        let tx = Transaction::generate(false).unwrap();
        let extra = Params(vec![
            ("prompt".into(), "none".into()),
            ("login_hint".into(), "a@b".into()),
        ]);
        let p = params(&url(&c, &tx, &extra).unwrap());
        assert_eq!(one(&p, "prompt"), "none");
        assert_eq!(one(&p, "login_hint"), "a@b");
        assert!(p.iter().all(|(k, _)| k != "scope"));
    }
}
