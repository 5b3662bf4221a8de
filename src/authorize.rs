//! The authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3) and the pending
//! transaction it leaves behind.

use crate::config::Config;
use crate::error::Result;
use crate::form::append_pair;
use crate::pkce::{random_token, CodeVerifier};

/// What must be stored before the user is sent away, keyed by `state`.
#[derive(Debug)]
pub struct Transaction {
    pub state: String,
    pub verifier: CodeVerifier,
    pub nonce: Option<String>,
}

impl Transaction {
    /// Fresh, independent values for one login: verifier (256 bits), `state`
    /// (256 bits) and, when `openid` is requested, a `nonce` (256 bits).
    pub fn generate(cfg: &Config) -> Result<Transaction> {
        let verifier = CodeVerifier::generate()?;
        let state = random_token::<32>()?;
        let nonce = if wants_openid(cfg.scope()) {
            Some(random_token::<32>()?)
        } else {
            None
        };
        Ok(Transaction {
            state,
            verifier,
            nonce,
        })
    }
}

pub fn wants_openid(scope: Option<&str>) -> bool {
    scope.is_some_and(|s| crate::split_byte(s, b' ').any(|w| w == "openid"))
}

/// Appends the `/authorize` URL. The endpoint's own query is kept (`append_pair`
/// adds the `&` it may lack); every parameter appears once; the verifier
/// itself never goes in.
pub fn url(out: &mut String, cfg: &Config, tx: &Transaction, extra: &[(String, String)]) {
    let start = out.len();
    out.push_str(cfg.authorization_endpoint());
    if crate::find_byte(&out[start..], b'?').is_none() {
        out.push('?');
    }
    append_pair(out, "response_type", "code");
    append_pair(out, "client_id", cfg.client_id());
    append_pair(out, "redirect_uri", cfg.redirect_uri());
    if let Some(scope) = cfg.scope() {
        append_pair(out, "scope", scope);
    }
    append_pair(out, "state", &tx.state);
    // base64url needs no escaping: appended as is after the empty value.
    append_pair(out, "code_challenge", "");
    tx.verifier.push_challenge(out);
    append_pair(out, "code_challenge_method", "S256");
    if let Some(nonce) = &tx.nonce {
        append_pair(out, "nonce", nonce);
    }
    if let Some(aud) = cfg.audience() {
        append_pair(out, "audience", aud);
    }
    // A per-call value replaces the configured one of the same name.
    for (k, v) in cfg.extra_auth_params() {
        if !extra.iter().any(|(e, _)| e == k) {
            append_pair(out, k, v);
        }
    }
    for (k, v) in extra {
        append_pair(out, k, v);
    }
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::*;
    use crate::config::RawConfig;
    use crate::form;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn cfg(scope: Option<&str>, auth: &str) -> Config {
        Config::new(RawConfig {
            issuer: Some("https://as.example".into()),
            authorization_endpoint: Some(auth.into()),
            token_endpoint: Some("https://as.example/token".into()),
            client_id: Some("client 1".into()),
            redirect_uri: Some("https://app.example/cb?x=1".into()),
            scope: scope.map(Into::into),
            audience: Some("https://api.example".into()),
            extra_auth_params: vec![("prompt".into(), "login".into())],
            jwks_uri: Some("https://as.example/jwks".into()),
            ..RawConfig::default()
        })
        .unwrap()
    }

    fn authorize_url(c: &Config, tx: &Transaction, extra: &[(String, String)]) -> String {
        let mut out = String::new();
        url(&mut out, c, tx, extra);
        out
    }

    fn params(url: &str) -> Vec<(String, String)> {
        form::parse(&url[url.find('?').unwrap() + 1..]).unwrap()
    }

    fn one<'a>(p: &'a [(String, String)], name: &str) -> &'a str {
        let all: Vec<_> = p.iter().filter(|(k, _)| k == name).collect();
        assert_eq!(all.len(), 1, "{name} appears {} times", all.len());
        &all[0].1
    }

    #[test]
    fn st03_carries_every_parameter_once_and_never_the_verifier() {
        let c = cfg(Some("openid profile"), "https://as.example/authorize");
        let tx = Transaction::generate(&c).unwrap();
        let u = authorize_url(&c, &tx, &[]);
        assert!(u.starts_with("https://as.example/authorize?response_type=code&"));
        let p = params(&u);
        assert_eq!(one(&p, "response_type"), "code");
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
    fn st02_two_starts_differ() {
        let c = cfg(Some("openid"), "https://as.example/authorize");
        let a = Transaction::generate(&c).unwrap();
        let b = Transaction::generate(&c).unwrap();
        assert_ne!(a.state, b.state);
        assert_ne!(a.verifier.secret(), b.verifier.secret());
        assert_ne!(a.nonce, b.nonce);
        assert!(a.state.len() >= 43 && a.state.len() <= 128);
    }

    #[test]
    fn no_nonce_without_openid() {
        let c = cfg(Some("read openidish"), "https://as.example/authorize");
        assert!(Transaction::generate(&c).unwrap().nonce.is_none());
        let c = cfg(None, "https://as.example/authorize");
        let tx = Transaction::generate(&c).unwrap();
        assert!(params(&authorize_url(&c, &tx, &[]))
            .iter()
            .all(|(k, _)| k != "scope"));
    }

    #[test]
    fn st07_scope_smuggling_stays_one_parameter() {
        let c = cfg(
            Some("openid&redirect_uri=https://evil.example"),
            "https://as.example/authorize",
        );
        let tx = Transaction::generate(&c).unwrap();
        let u = authorize_url(&c, &tx, &[]);
        let p = params(&u);
        assert_eq!(one(&p, "redirect_uri"), "https://app.example/cb?x=1");
        assert_eq!(one(&p, "scope"), "openid&redirect_uri=https://evil.example");
        assert!(u.contains("scope=openid%26redirect_uri%3Dhttps%3A%2F%2Fevil.example"));
    }

    #[test]
    fn cf04_endpoint_query_kept_once() {
        let c = cfg(None, "https://as.example/auth?tenant=a");
        let tx = Transaction::generate(&c).unwrap();
        let u = authorize_url(&c, &tx, &[]);
        assert!(u.starts_with("https://as.example/auth?tenant=a&response_type=code&"));
        assert_eq!(one(&params(&u), "tenant"), "a");
        let c = cfg(None, "https://as.example/auth?");
        let u = authorize_url(&c, &tx, &[]);
        assert!(u.starts_with("https://as.example/auth?response_type=code&"));
    }

    #[test]
    fn the_endpoint_query_is_kept_and_joined_once() {
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
                "https://as.example/a?t=1",
                "https://as.example/a?t=1&response_type=",
            ),
            (
                "https://as.example/a?t=1&",
                "https://as.example/a?t=1&response_type=",
            ),
        ] {
            let c = cfg(None, endpoint);
            let tx = Transaction::generate(&c).unwrap();
            assert!(authorize_url(&c, &tx, &[]).starts_with(start), "{endpoint}");
            // Only the URL's own text decides: what the result held before
            // (another line with a `?`) does not.
            let mut out = String::from("+x?y\n");
            url(&mut out, &c, &tx, &[]);
            assert!(out["+x?y\n".len()..].starts_with(start), "{endpoint}");
        }
    }

    #[test]
    fn per_call_params_replace_configured_ones() {
        let c = cfg(None, "https://as.example/authorize");
        let tx = Transaction::generate(&c).unwrap();
        let u = authorize_url(
            &c,
            &tx,
            &[
                ("prompt".into(), "none".into()),
                ("login_hint".into(), "a@b".into()),
            ],
        );
        let p = params(&u);
        assert_eq!(one(&p, "prompt"), "none");
        assert_eq!(one(&p, "login_hint"), "a@b");
    }
}
