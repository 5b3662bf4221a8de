//! The client configuration, validated once when the client is built, so every
//! later step can trust it (security-reference R1–R5, R9, R16).

use crate::error::{Error, Result};
use crate::url::Url;

/// Parameters the library sets itself; `extraAuthParams` may not name them.
pub const PROTOCOL_PARAMS: &[&str] = &[
    "response_type",
    "response_mode",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "code_verifier",
    "audience",
    "request",
    "request_uri",
];

pub const DEFAULT_TTL_SECONDS: u32 = 600;

/// What JS passes in, as plain strings (the façade does the JS type checks).
#[derive(Default, Debug)]
pub struct RawConfig {
    pub issuer: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub audience: Option<String>,
    pub extra_auth_params: Vec<(String, String)>,
    pub transaction_ttl_seconds: Option<f64>,
    pub jwks_uri: Option<String>,
    pub revocation_endpoint: Option<String>,
    pub end_session_endpoint: Option<String>,
    pub require_iss: bool,
}

impl RawConfig {
    /// Reads the form-encoded configuration the JS layer sends (one string
    /// crosses the wasm boundary instead of a dozen arguments). Extra
    /// authorization parameters come as `extra.<name>`.
    pub fn from_form(form: &str) -> Result<RawConfig> {
        let pairs = crate::form::parse(form).ok_or_else(|| {
            Error::new(crate::error::Code::InvalidConfig, "malformed configuration")
        })?;
        let mut raw = RawConfig::default();
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "issuer" => &mut raw.issuer,
                "authorizationEndpoint" => &mut raw.authorization_endpoint,
                "tokenEndpoint" => &mut raw.token_endpoint,
                "clientId" => &mut raw.client_id,
                "redirectUri" => &mut raw.redirect_uri,
                "scope" => &mut raw.scope,
                "audience" => &mut raw.audience,
                "jwksUri" => &mut raw.jwks_uri,
                "revocationEndpoint" => &mut raw.revocation_endpoint,
                "endSessionEndpoint" => &mut raw.end_session_endpoint,
                "requireIss" => {
                    raw.require_iss = v == "true";
                    continue;
                }
                "transactionTtlSeconds" => {
                    let secs = crate::json::Value::Number(&v).as_uint().ok_or_else(|| {
                        Error::config("transactionTtlSeconds", "must be 1 to 86400")
                    })?;
                    raw.transaction_ttl_seconds = Some(secs);
                    continue;
                }
                _ => match k.strip_prefix("extra.") {
                    Some(name) => {
                        raw.extra_auth_params.push((name.into(), v));
                        continue;
                    }
                    None => {
                        return Err(Error::new(
                            crate::error::Code::InvalidConfig,
                            "unknown configuration option",
                        ))
                    }
                },
            };
            *slot = Some(v);
        }
        Ok(raw)
    }
}

/// A checked configuration: the `RawConfig` itself (its strings are not
/// copied or moved apart), read through accessors that apply the checks'
/// defaults, with what the checks derived.
#[derive(Debug)]
pub struct Config {
    raw: RawConfig,
    /// `redirect_uri` without its query, normalised: what a callback must match.
    pub redirect_base: String,
    pub ttl_ms: f64,
}

/// An optional value, with an empty one treated as absent.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

impl Config {
    /// Every check runs on `raw` first; a refusal drops it whole, in one place.
    pub fn new(raw: RawConfig) -> Result<Config> {
        let (redirect_base, ttl) = raw.check()?;
        Ok(Config {
            raw,
            redirect_base,
            ttl_ms: ttl * 1000.0,
        })
    }

    pub fn issuer(&self) -> Option<&str> {
        self.raw.issuer.as_deref()
    }

    // The four below are required: `check` refused the config without them.
    pub fn authorization_endpoint(&self) -> &str {
        self.raw
            .authorization_endpoint
            .as_deref()
            .unwrap_or_default()
    }

    pub fn token_endpoint(&self) -> &str {
        self.raw.token_endpoint.as_deref().unwrap_or_default()
    }

    pub fn client_id(&self) -> &str {
        self.raw.client_id.as_deref().unwrap_or_default()
    }

    pub fn redirect_uri(&self) -> &str {
        self.raw.redirect_uri.as_deref().unwrap_or_default()
    }

    pub fn scope(&self) -> Option<&str> {
        given(&self.raw.scope)
    }

    pub fn audience(&self) -> Option<&str> {
        given(&self.raw.audience)
    }

    pub fn extra_auth_params(&self) -> &[(String, String)] {
        &self.raw.extra_auth_params
    }

    /// RFC 9207: the server promised `iss` on every response, so its absence
    /// is a mismatch too (set from discovery metadata).
    pub fn require_iss(&self) -> bool {
        self.raw.require_iss
    }
}

impl RawConfig {
    /// The checks of `Config::new`, in order; returns the redirect base and
    /// the transaction lifetime in seconds.
    fn check(&self) -> Result<(String, f64)> {
        endpoint(given(&self.authorization_endpoint), "authorizationEndpoint")?;
        endpoint(given(&self.token_endpoint), "tokenEndpoint")?;
        if let Some(iss) = &self.issuer {
            check_issuer(iss)?;
        }
        given(&self.client_id).ok_or_else(|| Error::config("clientId", "clientId is required"))?;
        let redirect_uri = given(&self.redirect_uri)
            .ok_or_else(|| Error::config("redirectUri", "redirectUri is required"))?;
        let redirect_base = redirect_base(redirect_uri)?;
        let optional = |v, field| given(v).map_or(Ok(()), |s| check_endpoint(s, field));
        optional(&self.jwks_uri, "jwksUri")?;
        optional(&self.revocation_endpoint, "revocationEndpoint")?;
        optional(&self.end_session_endpoint, "endSessionEndpoint")?;
        // With `openid` the ID token is validated before anything is used,
        // which needs the issuer and its keys (OIDC Core §3.1.3.7).
        if crate::authorize::wants_openid(given(&self.scope)) {
            if self.issuer.is_none() {
                return Err(Error::config("issuer", "openid needs issuer"));
            }
            if given(&self.jwks_uri).is_none() {
                return Err(Error::config(
                    "jwksUri",
                    "openid needs jwksUri (or discover())",
                ));
            }
        }
        check_extra_params(&self.extra_auth_params)?;
        let ttl = self
            .transaction_ttl_seconds
            .unwrap_or(f64::from(DEFAULT_TTL_SECONDS));
        if !(1.0..=86_400.0).contains(&ttl) {
            return Err(Error::config("transactionTtlSeconds", "must be 1 to 86400"));
        }
        Ok((redirect_base, ttl))
    }
}

/// `extraAuthParams` may add parameters, never replace the protocol's (R16).
pub fn check_extra_params(pairs: &[(String, String)]) -> Result<()> {
    if pairs
        .iter()
        .any(|(k, _)| k.is_empty() || PROTOCOL_PARAMS.contains(&k.as_str()))
    {
        return Err(Error::config(
            "extraAuthParams",
            "extraAuthParams may not set protocol parameters",
        ));
    }
    Ok(())
}

/// https, or http on a loopback host (as browsers allow for secure contexts);
/// no credentials in the URL.
fn secure_url<'a>(s: &'a str, field: &'static str) -> Result<Url<'a>> {
    let u = Url::parse(s)
        .filter(|u| u.host.as_deref().is_some_and(|h| !h.is_empty()))
        .ok_or_else(|| Error::config(field, "not an absolute URL"))?;
    if u.has_userinfo {
        return Err(Error::config(field, "URL has user:password@"));
    }
    match u.scheme.as_str() {
        "https" => Ok(u),
        "http" if u.is_loopback() => Ok(u),
        _ => Err(Error::config(field, "must be https (http: loopback only)")),
    }
}

/// An issuer identifier: a secure URL without query or fragment (RFC 8414 §2).
pub fn check_issuer(iss: &str) -> Result<()> {
    let u = secure_url(iss, "issuer")?;
    if u.query.is_some() || u.fragment.is_some() {
        return Err(Error::config("issuer", "issuer has a query or fragment"));
    }
    Ok(())
}

fn endpoint(v: Option<&str>, field: &'static str) -> Result<()> {
    check_endpoint(
        v.ok_or_else(|| Error::config(field, "endpoint is required"))?,
        field,
    )
}

/// The rules every endpoint follows: secure URL, no fragment, no protocol
/// parameters in its own query.
pub fn check_endpoint(s: &str, field: &'static str) -> Result<()> {
    let u = secure_url(s, field)?;
    if u.fragment.is_some() {
        return Err(Error::config(field, "endpoint has a fragment"));
    }
    if let Some(q) = u.query {
        let clash = crate::form::parse(q).is_none_or(|pairs| {
            pairs
                .iter()
                .any(|(n, _)| PROTOCOL_PARAMS.contains(&n.as_str()))
        });
        if clash {
            return Err(Error::config(
                field,
                "endpoint query sets a protocol parameter",
            ));
        }
    }
    Ok(())
}

/// Checks a redirect URI (RFC 6749 §3.1.2, RFC 8252 §7) and returns its base.
fn redirect_base(s: &str) -> Result<String> {
    const F: &str = "redirectUri";
    let u = Url::parse(s).ok_or_else(|| Error::config(F, "not an absolute URL"))?;
    if u.fragment.is_some() {
        return Err(Error::config(F, "redirectUri has a fragment"));
    }
    if u.has_userinfo {
        return Err(Error::config(F, "URL has user:password@"));
    }
    if u.query.is_some_and(|q| {
        crate::form::parse(q).is_none_or(|pairs| {
            pairs
                .iter()
                .any(|(n, _)| matches!(n.as_str(), "code" | "state" | "error" | "iss"))
        })
    }) {
        return Err(Error::config(
            F,
            "redirectUri query uses a response parameter",
        ));
    }
    match u.scheme.as_str() {
        "https" if u.host.as_deref().is_some_and(|h| !h.is_empty()) => {}
        "http" if u.is_loopback() => {}
        "http" | "https" => return Err(Error::config(F, "must be https (http: loopback only)")),
        "javascript" | "data" | "file" | "blob" | "about" | "vbscript" | "ws" | "wss" | "ftp"
        | "capacitor" | "filesystem" => return Err(Error::config(F, "scheme not allowed")),
        scheme if !scheme.bytes().any(|b| b == b'.') => {
            return Err(Error::config(
                F,
                "custom scheme must be reverse-DNS (com.example.app:/cb)",
            ))
        }
        _ => {}
    }
    Ok(u.base())
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::*;
    use crate::error::Code;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    pub fn raw() -> RawConfig {
        RawConfig {
            issuer: Some("https://as.example".into()),
            authorization_endpoint: Some("https://as.example/authorize".into()),
            token_endpoint: Some("https://as.example/token".into()),
            client_id: Some("client-1".into()),
            redirect_uri: Some("https://app.example/cb".into()),
            ..RawConfig::default()
        }
    }

    fn field_of(r: RawConfig) -> &'static str {
        let e = Config::new(r).unwrap_err();
        assert_eq!(e.code, Code::InvalidConfig);
        e.field.unwrap()
    }

    #[test]
    fn accepts_a_good_config_with_defaults() {
        let c = Config::new(raw()).unwrap();
        assert_eq!(c.redirect_base, "https://app.example/cb");
        assert_eq!(c.ttl_ms, 600_000.0);
        assert!(!c.require_iss());
    }

    #[test]
    fn cf01_http_issuer_and_endpoints_rejected_unless_loopback() {
        let mut r = raw();
        r.issuer = Some("http://as.example".into());
        assert_eq!(field_of(r), "issuer");
        let mut r = raw();
        r.token_endpoint = Some("http://as.example/token".into());
        assert_eq!(field_of(r), "tokenEndpoint");
        let mut r = raw();
        r.authorization_endpoint = Some("http://127.0.0.1:4000/auth".into());
        r.token_endpoint = Some("http://localhost:4000/token".into());
        r.issuer = Some("http://[::1]:4000".into());
        assert!(Config::new(r).is_ok());
    }

    #[test]
    fn cf03_issuer_with_query_or_fragment() {
        for iss in ["https://as.example?x=1", "https://as.example#f"] {
            let mut r = raw();
            r.issuer = Some(iss.into());
            assert_eq!(field_of(r), "issuer");
        }
    }

    #[test]
    fn cf04_endpoint_fragment_rejected_query_kept() {
        let mut r = raw();
        r.authorization_endpoint = Some("https://as.example/auth#x".into());
        assert_eq!(field_of(r), "authorizationEndpoint");
        let mut r = raw();
        r.authorization_endpoint = Some("https://as.example/auth?tenant=a".into());
        assert!(Config::new(r).is_ok());
        let mut r = raw();
        r.authorization_endpoint = Some("https://as.example/auth?client_id=evil".into());
        assert_eq!(field_of(r), "authorizationEndpoint");
    }

    #[test]
    fn cf05_relative_or_fragment_redirect_uri() {
        for bad in [
            "/cb",
            "cb",
            "https://app.example/cb#x",
            "https://app.example/cb#",
        ] {
            let mut r = raw();
            r.redirect_uri = Some(bad.into());
            assert_eq!(field_of(r), "redirectUri", "{bad}");
        }
    }

    #[test]
    fn cf06_http_redirect_only_on_loopback() {
        let mut r = raw();
        r.redirect_uri = Some("http://app.example/cb".into());
        assert_eq!(field_of(r), "redirectUri");
        for ok in [
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:3000/",
        ] {
            let mut r = raw();
            r.redirect_uri = Some(ok.into());
            assert!(Config::new(r).is_ok(), "{ok}");
        }
    }

    #[test]
    fn cf07_custom_scheme_needs_a_dot() {
        let mut r = raw();
        r.redirect_uri = Some("myapp:/cb".into());
        assert_eq!(field_of(r), "redirectUri");
        let mut r = raw();
        r.redirect_uri = Some("com.example.app:/callback".into());
        assert_eq!(
            Config::new(r).unwrap().redirect_base,
            "com.example.app:/callback"
        );
    }

    #[test]
    fn cf08_malformed_urls_are_typed_errors() {
        for bad in [
            "",
            "https://",
            "https://exa mple.com",
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///x",
            "https://u:p@as.example",
        ] {
            let mut r = raw();
            r.token_endpoint = Some(bad.into());
            assert_eq!(field_of(r), "tokenEndpoint", "{bad}");
            let mut r = raw();
            r.redirect_uri = Some(bad.into());
            assert_eq!(field_of(r), "redirectUri", "{bad}");
        }
    }

    #[test]
    fn st06_extra_params_cannot_override_protocol_params() {
        for name in [
            "state",
            "redirect_uri",
            "client_id",
            "code_challenge",
            "response_type",
            "scope",
            "code_challenge_method",
            "nonce",
        ] {
            let mut r = raw();
            r.extra_auth_params = vec![(name.into(), "x".into())];
            assert_eq!(field_of(r), "extraAuthParams", "{name}");
        }
        let mut r = raw();
        r.extra_auth_params = vec![("prompt".into(), "login".into())];
        assert!(Config::new(r).is_ok());
    }

    #[test]
    fn ttl_bounds() {
        for bad in [0.0, -5.0, f64::NAN, f64::INFINITY, 100_000.0] {
            let mut r = raw();
            r.transaction_ttl_seconds = Some(bad);
            assert_eq!(field_of(r), "transactionTtlSeconds");
        }
    }

    #[test]
    fn openid_needs_issuer_and_jwks() {
        let mut r = raw();
        r.scope = Some("openid".into());
        assert_eq!(field_of(r), "jwksUri");
        let mut r = raw();
        r.scope = Some("openid".into());
        r.jwks_uri = Some("https://as.example/jwks".into());
        r.issuer = None;
        assert_eq!(field_of(r), "issuer");
        let mut r = raw();
        r.scope = Some("openid profile".into());
        r.jwks_uri = Some("https://as.example/jwks".into());
        assert!(Config::new(r).is_ok());
        let mut r = raw();
        r.jwks_uri = Some("http://as.example/jwks".into());
        assert_eq!(field_of(r), "jwksUri");
    }

    #[test]
    fn from_form_reads_every_option() {
        let r = RawConfig::from_form("issuer=https%3A%2F%2Fas.example&clientId=c&transactionTtlSeconds=60&requireIss=true&extra.prompt=login&jwksUri=x").unwrap();
        assert_eq!(r.issuer.as_deref(), Some("https://as.example"));
        assert_eq!(r.transaction_ttl_seconds, Some(60.0));
        assert!(r.require_iss);
        assert_eq!(r.extra_auth_params, vec![("prompt".into(), "login".into())]);
        assert_eq!(r.jwks_uri.as_deref(), Some("x"));
        for bad in [
            "nope=1",
            "transactionTtlSeconds=1.5",
            "transactionTtlSeconds=",
            "issuer=%ZZ",
        ] {
            assert_eq!(
                RawConfig::from_form(bad).unwrap_err().code,
                Code::InvalidConfig,
                "{bad}"
            );
        }
    }

    #[test]
    fn required_fields() {
        let mut r = raw();
        r.client_id = None;
        assert_eq!(field_of(r), "clientId");
        let mut r = raw();
        r.client_id = Some(String::new());
        assert_eq!(field_of(r), "clientId");
        let mut r = raw();
        r.authorization_endpoint = None;
        assert_eq!(field_of(r), "authorizationEndpoint");
    }
}
