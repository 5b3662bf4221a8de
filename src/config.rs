//! The client configuration: the JS object read once by the constructor, its
//! shape checked option by option and its values read with serde, then every
//! rule applied, so each later step can trust it (security-reference R1–R5,
//! R9, R16). URLs are read by the platform's parser (`web_sys::Url`).

use crate::error::{Code, Error, Result};
use crate::value;
use wasm_bindgen::{JsCast, JsValue};

/// Parameters the library sets itself; `extraAuthParams` may not name them,
/// nor may an endpoint's own query.
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
    "dpop_jkt",
];

pub const DEFAULT_TTL_SECONDS: f64 = 600.0;

/// Every option the constructor knows; any other key is refused.
const OPTIONS: &[&str] = &[
    "issuer",
    "authorizationEndpoint",
    "tokenEndpoint",
    "clientId",
    "redirectUri",
    "scope",
    "audience",
    "extraAuthParams",
    "storage",
    "fetch",
    "transactionTtlSeconds",
    "jwksUri",
    "revocationEndpoint",
    "endSessionEndpoint",
    "requireIss",
    "persistTokens",
    "dpop",
    "par",
    "pushedAuthorizationRequestEndpoint",
];

/// The constructor's argument, read option by option with
/// `Reflect` and the platform's type tests (`value`), so a wrong type is
/// refused with the option's name.
/// The storage and transport options stay JS values: they are objects and
/// functions the client calls.
#[derive(Default)]
pub struct Options {
    pub issuer: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub audience: Option<String>,
    pub extra_auth_params: Option<Params>,
    pub storage: JsValue,
    pub fetch: JsValue,
    pub transaction_ttl_seconds: Option<f64>,
    pub jwks_uri: Option<String>,
    pub revocation_endpoint: Option<String>,
    pub end_session_endpoint: Option<String>,
    pub require_iss: Option<bool>,
    pub persist_tokens: JsValue,
    /// `true`, or `{ keyStore, allowBearer }`.
    pub dpop: JsValue,
    pub par: Option<bool>,
    pub par_endpoint: Option<String>,
}

impl Options {
    /// Reads the JS configuration object: every own key must be a known
    /// option (a misspelt `redirectURI` fails loudly), no client secret, each
    /// option of its type.
    pub fn read(config: &JsValue) -> Result<Options> {
        if !value::is_object(config) {
            return Err(Error::new(
                Code::InvalidConfig,
                "the configuration must be an object",
            ));
        }
        let keys = js_sys::Object::keys(config.unchecked_ref::<js_sys::Object>());
        for key in keys.iter() {
            let key = key.as_string().unwrap_or_default();
            if key == "clientSecret" || key == "client_secret" {
                return Err(Error::new(
                    Code::InvalidConfig,
                    "a browser or app client is public and must not hold a client secret",
                )
                .field(key));
            }
            if !OPTIONS.contains(&key.as_str()) {
                return Err(
                    Error::new(Code::InvalidConfig, "unknown configuration option").field(key),
                );
            }
        }
        let wrong = |field| Error::config(field, "option has the wrong type");
        let text = |k| value::text(config, k).ok_or_else(|| wrong(k));
        let extra = value::get(config, "extraAuthParams");
        Ok(Options {
            issuer: text("issuer")?,
            authorization_endpoint: text("authorizationEndpoint")?,
            token_endpoint: text("tokenEndpoint")?,
            client_id: text("clientId")?,
            redirect_uri: text("redirectUri")?,
            scope: text("scope")?,
            audience: text("audience")?,
            extra_auth_params: if extra.is_undefined() || extra.is_null() {
                None
            } else {
                Some(Params::of(&extra).ok_or_else(|| wrong("extraAuthParams"))?)
            },
            storage: value::get(config, "storage"),
            fetch: value::get(config, "fetch"),
            transaction_ttl_seconds: value::number(config, "transactionTtlSeconds")
                .ok_or_else(|| wrong("transactionTtlSeconds"))?,
            jwks_uri: text("jwksUri")?,
            revocation_endpoint: text("revocationEndpoint")?,
            end_session_endpoint: text("endSessionEndpoint")?,
            require_iss: flag(config, "requireIss")?,
            persist_tokens: value::get(config, "persistTokens"),
            dpop: value::get(config, "dpop"),
            par: flag(config, "par")?,
            par_endpoint: text("pushedAuthorizationRequestEndpoint")?,
        })
    }
}

/// A boolean option, `None` when absent.
fn flag(o: &JsValue, k: &'static str) -> Result<Option<bool>> {
    match value::member(o, k) {
        None => Ok(None),
        Some(crate::value::Value::Bool(b)) => Ok(Some(b)),
        Some(_) => Err(Error::config(k, "option has the wrong type")),
    }
}

/// The `dpop` option read: on or off, and where its keys are kept.
pub struct Dpop {
    /// The app's key store (`get`, `set`, `remove`), or `None` for the
    /// default (memory, IndexedDB for what must outlive the page).
    pub key_store: Option<JsValue>,
    /// Accept a `Bearer` token from a server that ignored the proof.
    pub allow_bearer: bool,
}

impl Dpop {
    fn read(v: &JsValue) -> Result<Option<Dpop>> {
        if v.is_undefined() || v.is_null() || v.as_bool() == Some(false) {
            return Ok(None);
        }
        if v.as_bool() == Some(true) {
            return Ok(Some(Dpop {
                key_store: None,
                allow_bearer: false,
            }));
        }
        if !value::is_object(v) {
            return Err(Error::config("dpop", "dpop must be a boolean or an object"));
        }
        for key in js_sys::Object::keys(v.unchecked_ref::<js_sys::Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if key != "keyStore" && key != "allowBearer" {
                return Err(Error::config("dpop", "unknown dpop option"));
            }
        }
        let store = value::get(v, "keyStore");
        let key_store = if store.is_undefined() || store.is_null() {
            None
        } else if value::is_object(&store)
            && ["get", "set", "remove"]
                .iter()
                .all(|m| value::get(&store, m).is_function())
        {
            Some(store)
        } else {
            return Err(Error::config(
                "dpop.keyStore",
                "keyStore must have get, set and remove methods",
            ));
        };
        Ok(Some(Dpop {
            key_store,
            allow_bearer: flag(v, "allowBearer")
                .map_err(|_| Error::config("dpop.allowBearer", "allowBearer must be a boolean"))?
                .unwrap_or(false),
        }))
    }
}

/// Extra authorization parameters, in the order the app gave them.
#[derive(Default, Debug, Clone)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Per-call parameters (`authorizeUrl({ extraAuthParams })`), checked as
    /// the configured ones are.
    pub fn read(v: &JsValue) -> Result<Params> {
        if v.is_undefined() || v.is_null() {
            return Ok(Params::default());
        }
        let bad = || {
            Error::config(
                "extraAuthParams",
                "extraAuthParams must be an object of strings",
            )
        };
        let p = Params::of(v).ok_or_else(bad)?;
        p.check()?;
        Ok(p)
    }

    /// An object's own members, each a string;
    /// `None` for anything else.
    fn of(v: &JsValue) -> Option<Params> {
        if !value::is_object(v) {
            return None;
        }
        let mut out = Vec::new();
        for key in js_sys::Object::keys(v.unchecked_ref::<js_sys::Object>()).iter() {
            let key = key.as_string()?;
            let text = value::text(v, &key)??;
            out.push((key, text));
        }
        Some(Params(out))
    }

    /// Extra parameters may add to the request, never replace the protocol's (R16).
    pub fn check(&self) -> Result<()> {
        if self
            .0
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
}

/// A checked configuration: the options as read (nothing is moved apart),
/// through accessors that treat an empty text as absent, and what the
/// checks derived.
pub struct Config {
    o: Options,
    pub dpop: Option<Dpop>,
    /// `redirect_uri` without its query, as the platform serialises it: what
    /// a callback must match.
    pub redirect_base: String,
    pub ttl_ms: f64,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Config")
    }
}

/// An optional text, with an empty one treated as absent.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

impl Config {
    /// Every rule, in order; the first refusal names its option.
    pub fn new(o: Options) -> Result<Config> {
        let endpoint = |v: &Option<String>, field| match given(v) {
            Some(s) => check_endpoint(s, field),
            None => Err(Error::config(field, "endpoint is required")),
        };
        endpoint(&o.authorization_endpoint, "authorizationEndpoint")?;
        endpoint(&o.token_endpoint, "tokenEndpoint")?;
        if let Some(iss) = &o.issuer {
            check_issuer(iss)?;
        }
        if given(&o.client_id).is_none() {
            return Err(Error::config("clientId", "clientId is required"));
        }
        let redirect_base = redirect_base(
            given(&o.redirect_uri)
                .ok_or_else(|| Error::config("redirectUri", "redirectUri is required"))?,
        )?;
        for (v, field) in [
            (&o.jwks_uri, "jwksUri"),
            (&o.revocation_endpoint, "revocationEndpoint"),
            (&o.end_session_endpoint, "endSessionEndpoint"),
            (&o.par_endpoint, "pushedAuthorizationRequestEndpoint"),
        ] {
            if let Some(s) = given(v) {
                check_endpoint(s, field)?;
            }
        }
        // With `openid` the ID token is validated before anything is used,
        // which needs the issuer (its keys are found through its metadata
        // when no jwksUri is given).
        if wants_openid(given(&o.scope)) && o.issuer.is_none() {
            return Err(Error::config("issuer", "openid needs issuer"));
        }
        if let Some(p) = &o.extra_auth_params {
            p.check()?;
        }
        if o.par == Some(true) && given(&o.par_endpoint).is_none() {
            return Err(Error::config(
                "pushedAuthorizationRequestEndpoint",
                "par needs pushedAuthorizationRequestEndpoint",
            ));
        }
        let dpop = Dpop::read(&o.dpop)?;
        let ttl = o.transaction_ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
        if !(1.0..=86_400.0).contains(&ttl) || ttl.fract() != 0.0 {
            return Err(Error::config("transactionTtlSeconds", "must be 1 to 86400"));
        }
        Ok(Config {
            o,
            dpop,
            redirect_base,
            ttl_ms: ttl * 1000.0,
        })
    }

    pub fn issuer(&self) -> Option<&str> {
        self.o.issuer.as_deref()
    }

    // The four below are required: `new` refused the options without them.
    pub fn authorization_endpoint(&self) -> &str {
        given(&self.o.authorization_endpoint).unwrap_or_default()
    }

    pub fn token_endpoint(&self) -> &str {
        given(&self.o.token_endpoint).unwrap_or_default()
    }

    pub fn client_id(&self) -> &str {
        given(&self.o.client_id).unwrap_or_default()
    }

    pub fn redirect_uri(&self) -> &str {
        given(&self.o.redirect_uri).unwrap_or_default()
    }

    pub fn scope(&self) -> Option<&str> {
        given(&self.o.scope)
    }

    pub fn audience(&self) -> Option<&str> {
        given(&self.o.audience)
    }

    pub fn extra_auth_params(&self) -> &[(String, String)] {
        self.o.extra_auth_params.as_ref().map_or(&[], |p| &p.0)
    }

    pub fn jwks_uri(&self) -> Option<&str> {
        given(&self.o.jwks_uri)
    }

    pub fn revocation_endpoint(&self) -> Option<&str> {
        given(&self.o.revocation_endpoint)
    }

    pub fn end_session_endpoint(&self) -> Option<&str> {
        given(&self.o.end_session_endpoint)
    }

    /// The pushed authorization request endpoint, when requests are pushed
    /// (RFC 9126).
    pub fn par_endpoint(&self) -> Option<&str> {
        given(&self.o.par_endpoint).filter(|_| self.o.par == Some(true))
    }

    /// Whether the session's token will be written to storage.
    pub fn persists_tokens(&self) -> bool {
        let v = &self.o.persist_tokens;
        !(v.is_undefined() || v.is_null() || v.as_bool() == Some(false))
    }

    /// RFC 9207: the server promised `iss` on every response, so its absence
    /// is a mismatch too (set from discovery metadata).
    pub fn require_iss(&self) -> bool {
        self.o.require_iss == Some(true)
    }
}

/// Whether `scope` asks for OpenID Connect.
pub fn wants_openid(scope: Option<&str>) -> bool {
    scope.is_some_and(|s| s.split(' ').any(|w| w == "openid"))
}

/// A URL as the platform parses it; `None` for anything `new URL()` refuses.
pub fn parse_url(s: &str) -> Option<web_sys::Url> {
    web_sys::Url::new(s).ok()
}

/// The URL without query and fragment, as the platform serialises it.
pub fn base(url: &web_sys::Url) -> String {
    url.set_search("");
    url.set_hash("");
    url.href()
}

/// Loopback hosts as the platform writes them: IPv4 addresses are always
/// four decimal parts there, IPv6 ones bracketed.
pub fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts[0] == "127"
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A host name as a resolver takes it: letters, digits, `-`, `.`, `_`, or a
/// bracketed IPv6 address. Internationalised names arrive here in punycode;
/// what is left out is what some parsers let through percent-encoded
/// (Chromium keeps `exa mple.com` as `exa%20mple.com`).
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'[' | b']' | b':')
        })
}

/// https, or http on a loopback host (as browsers allow for secure contexts);
/// no credentials in the URL.
fn secure_url(s: &str, field: &'static str) -> Result<web_sys::Url> {
    let u = parse_url(s)
        .filter(|u| plain_host(&u.hostname()))
        .ok_or_else(|| Error::config(field, "not an absolute URL"))?;
    if !u.username().is_empty() || !u.password().is_empty() {
        return Err(Error::config(field, "URL has user:password@"));
    }
    match u.protocol().as_str() {
        "https:" => Ok(u),
        "http:" if is_loopback(&u.hostname()) => Ok(u),
        _ => Err(Error::config(field, "must be https (http: loopback only)")),
    }
}

/// An issuer identifier: a secure URL without query or fragment (RFC 8414 §2).
/// The href is read for `?` and `#` because an empty query or fragment
/// (`https://as.example?`) is still one.
pub fn check_issuer(iss: &str) -> Result<()> {
    let u = secure_url(iss, "issuer")?;
    let href = u.href();
    if href.contains('?') || href.contains('#') {
        return Err(Error::config("issuer", "issuer has a query or fragment"));
    }
    Ok(())
}

/// The rules every endpoint follows: secure URL, no fragment, no protocol
/// parameter in its own query (R2).
pub fn check_endpoint(s: &str, field: &'static str) -> Result<()> {
    let u = secure_url(s, field)?;
    if u.href().contains('#') {
        return Err(Error::config(field, "endpoint has a fragment"));
    }
    let q = u.search_params();
    if PROTOCOL_PARAMS.iter().any(|p| q.has(p)) {
        return Err(Error::config(
            field,
            "endpoint query sets a protocol parameter",
        ));
    }
    Ok(())
}

/// Checks a redirect URI (RFC 6749 §3.1.2, RFC 8252 §7) and returns its base.
fn redirect_base(s: &str) -> Result<String> {
    const F: &str = "redirectUri";
    let u = parse_url(s).ok_or_else(|| Error::config(F, "not an absolute URL"))?;
    if u.href().contains('#') {
        return Err(Error::config(F, "redirectUri has a fragment"));
    }
    if !u.username().is_empty() || !u.password().is_empty() {
        return Err(Error::config(F, "URL has user:password@"));
    }
    let q = u.search_params();
    if ["code", "state", "error", "iss"].iter().any(|p| q.has(p)) {
        return Err(Error::config(
            F,
            "redirectUri query uses a response parameter",
        ));
    }
    let protocol = u.protocol();
    match protocol.trim_end_matches(':') {
        "https" if plain_host(&u.hostname()) => {}
        "http" if is_loopback(&u.hostname()) => {}
        "http" | "https" => return Err(Error::config(F, "must be https (http: loopback only)")),
        "javascript" | "data" | "file" | "blob" | "about" | "vbscript" | "ws" | "wss" | "ftp"
        | "capacitor" | "filesystem" => return Err(Error::config(F, "scheme not allowed")),
        scheme if !scheme.contains('.') => {
            return Err(Error::config(
                F,
                "custom scheme must be reverse-DNS (com.example.app:/cb)",
            ))
        }
        _ => {}
    }
    Ok(base(&u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_as_the_url_parser_writes_them() {
        for h in ["localhost", "127.0.0.1", "127.1.2.3", "[::1]"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "127.evil.example",
            "127.0.0.1.evil.example",
            "128.0.0.1",
            "localhost.evil.example",
            "[::2]",
            "",
            "127..0.1",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn openid_is_a_whole_scope_word() {
        assert!(wants_openid(Some("openid profile")));
        assert!(wants_openid(Some("profile openid")));
        assert!(!wants_openid(Some("openidish read")));
        assert!(!wants_openid(None));
    }

    #[test]
    fn st06_extra_params_cannot_set_protocol_parameters() {
        for name in PROTOCOL_PARAMS.iter().chain(&[""]) {
            let p = Params(vec![((*name).into(), "x".into())]);
            assert_eq!(
                p.check().unwrap_err().field.as_deref(),
                Some("extraAuthParams")
            );
        }
        assert!(Params(vec![("prompt".into(), "login".into())])
            .check()
            .is_ok());
    }
}

/// Rules that need the platform's URL parser run in the browser
/// (`wasm-pack test --lib`).
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    pub fn options() -> Options {
        Options {
            issuer: Some("https://as.example".into()),
            authorization_endpoint: Some("https://as.example/authorize".into()),
            token_endpoint: Some("https://as.example/token".into()),
            client_id: Some("client-1".into()),
            redirect_uri: Some("https://app.example/cb".into()),
            ..Options::default()
        }
    }

    fn field_of(o: Options) -> String {
        let e = Config::new(o).unwrap_err();
        assert_eq!(e.code, Code::InvalidConfig);
        e.field.clone().unwrap().into_owned()
    }

    #[test]
    fn accepts_a_good_config_with_defaults() {
        let c = Config::new(options()).unwrap();
        assert_eq!(c.redirect_base, "https://app.example/cb");
        assert_eq!(c.ttl_ms, 600_000.0);
        assert!(!c.require_iss());
    }

    #[test]
    fn cf01_http_issuer_and_endpoints_rejected_unless_loopback() {
        let mut o = options();
        o.issuer = Some("http://as.example".into());
        assert_eq!(field_of(o), "issuer");
        let mut o = options();
        o.token_endpoint = Some("http://as.example/token".into());
        assert_eq!(field_of(o), "tokenEndpoint");
        let mut o = options();
        o.authorization_endpoint = Some("http://127.0.0.1:4000/auth".into());
        o.token_endpoint = Some("http://localhost:4000/token".into());
        o.issuer = Some("http://[::1]:4000".into());
        assert!(Config::new(o).is_ok());
        let mut o = options();
        o.token_endpoint = Some("http://127.evil.example/token".into());
        assert_eq!(field_of(o), "tokenEndpoint");
    }

    #[test]
    fn cf03_issuer_with_query_or_fragment() {
        for iss in [
            "https://as.example?x=1",
            "https://as.example#f",
            "https://as.example?",
            "https://as.example#",
        ] {
            let mut o = options();
            o.issuer = Some(iss.into());
            assert_eq!(field_of(o), "issuer", "{iss}");
        }
    }

    #[test]
    fn cf04_endpoint_fragment_rejected_query_kept() {
        for (auth, ok) in [
            ("https://as.example/auth#x", false),
            ("https://as.example/auth#", false),
            ("https://as.example/auth?tenant=a", true),
            ("https://as.example/auth?client_id=evil", false),
        ] {
            let mut o = options();
            o.authorization_endpoint = Some(auth.into());
            assert_eq!(Config::new(o).is_ok(), ok, "{auth}");
        }
    }

    #[test]
    fn cf05_relative_or_fragment_redirect_uri() {
        for bad in [
            "/cb",
            "cb",
            "https://app.example/cb#x",
            "https://app.example/cb#",
            "https://app.example/cb?state=x",
        ] {
            let mut o = options();
            o.redirect_uri = Some(bad.into());
            assert_eq!(field_of(o), "redirectUri", "{bad}");
        }
    }

    #[test]
    fn cf06_http_redirect_only_on_loopback() {
        let mut o = options();
        o.redirect_uri = Some("http://app.example/cb".into());
        assert_eq!(field_of(o), "redirectUri");
        for ok in [
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:3000/",
        ] {
            let mut o = options();
            o.redirect_uri = Some(ok.into());
            assert!(Config::new(o).is_ok(), "{ok}");
        }
    }

    #[test]
    fn cf07_custom_scheme_needs_a_dot() {
        let mut o = options();
        o.redirect_uri = Some("myapp:/cb".into());
        assert_eq!(field_of(o), "redirectUri");
        let mut o = options();
        o.redirect_uri = Some("com.example.app:/callback".into());
        assert_eq!(
            Config::new(o).unwrap().redirect_base,
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
            "https://u@as.example",
        ] {
            let mut o = options();
            o.token_endpoint = Some(bad.into());
            assert_eq!(field_of(o), "tokenEndpoint", "{bad:?}");
            let mut o = options();
            o.redirect_uri = Some(bad.into());
            assert_eq!(field_of(o), "redirectUri", "{bad:?}");
        }
    }

    #[test]
    fn openid_needs_an_issuer_but_not_a_jwks_uri() {
        let mut o = options();
        o.scope = Some("openid profile".into());
        let c = Config::new(o).unwrap();
        assert_eq!(c.jwks_uri(), None);
        let mut o = options();
        o.scope = Some("openid".into());
        o.issuer = None;
        assert_eq!(field_of(o), "issuer");
    }

    #[test]
    fn transaction_ttl_bounds() {
        for (ttl, ok) in [
            (1.0, true),
            (86_400.0, true),
            (0.0, false),
            (86_401.0, false),
            (1.5, false),
            (f64::NAN, false),
        ] {
            let mut o = options();
            o.transaction_ttl_seconds = Some(ttl);
            assert_eq!(Config::new(o).is_ok(), ok, "{ttl}");
        }
    }

    #[test]
    fn options_are_read_from_a_js_object() {
        let obj = js_sys::JSON::parse(
            r#"{"issuer":"https://as.example","authorizationEndpoint":"https://as.example/a",
            "tokenEndpoint":"https://as.example/t","clientId":"c","redirectUri":"https://app.example/cb",
            "extraAuthParams":{"prompt":"login","ui_locales":"fr"},"storage":"localStorage","requireIss":true}"#,
        )
        .unwrap();
        let o = Options::read(&obj).unwrap();
        assert_eq!(o.storage.as_string().as_deref(), Some("localStorage"));
        let c = Config::new(o).unwrap();
        assert_eq!(
            c.extra_auth_params(),
            [
                ("prompt".into(), "login".into()),
                ("ui_locales".into(), "fr".into())
            ]
        );
        assert!(c.require_iss());
        for (json, field) in [
            (r#"{"redirectURI":"x"}"#, "redirectURI"),
            (r#"{"clientSecret":"s"}"#, "clientSecret"),
            (r#"{"clientId":5}"#, "clientId"),
            (
                r#"{"transactionTtlSeconds":"600"}"#,
                "transactionTtlSeconds",
            ),
            (r#"{"extraAuthParams":{"a":1}}"#, "extraAuthParams"),
            (r#"{"extraAuthParams":["a"]}"#, "extraAuthParams"),
            (r#"{"requireIss":"yes"}"#, "requireIss"),
        ] {
            let e = Options::read(&js_sys::JSON::parse(json).unwrap())
                .err()
                .unwrap();
            assert_eq!(e.field.as_deref(), Some(field), "{json}");
        }
        assert_eq!(
            Options::read(&JsValue::from_str("x")).err().unwrap().code,
            Code::InvalidConfig
        );
    }
}
