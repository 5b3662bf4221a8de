//! The authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3): the fresh
//! values of one login and the URL that carries their public halves.

use crate::config::{parse_url, Config, Params};
use crate::error::{Code, Error, Result};
use crate::pkce::{random_token, CodeVerifier};

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
    let u = parse_url(cfg.authorization_endpoint())
        .ok_or_else(|| Error::new(Code::InvalidConfig, "authorizationEndpoint is not a URL"))?;
    let q = u.search_params();
    let challenge = tx.verifier.challenge();
    let add = |k: &str, v: &str| q.append(k, v);
    add("response_type", "code");
    add("client_id", cfg.client_id());
    add("redirect_uri", cfg.redirect_uri());
    if let Some(scope) = cfg.scope() {
        add("scope", scope);
    }
    add("state", &tx.state);
    add("code_challenge", &challenge);
    add("code_challenge_method", "S256");
    if let Some(nonce) = &tx.nonce {
        add("nonce", nonce);
    }
    if let Some(aud) = cfg.audience() {
        add("audience", aud);
    }
    for (k, v) in cfg.extra_auth_params() {
        if !extra.0.iter().any(|(e, _)| e == k) {
            add(k, v);
        }
    }
    for (k, v) in &extra.0 {
        add(k, v);
    }
    Ok(u.href())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

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
