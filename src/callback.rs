//! The authorization response (RFC 6749 §4.1.2, RFC 9207). Checked in a fixed
//! order — duplicate parameters → `iss` → `state` → `error` → `code` — so a
//! forged or replayed callback is refused before anything is spent on it. The
//! only way to get an `AuthorizationCode` is `RawCallback::into_code`, after
//! the transaction for its `state` has been taken.

use crate::config::{base, parse_url};
use crate::error::{Code, Error, Result};

/// Bounds on what a callback may carry (security-reference R33, CB-27).
pub const MAX_HREF_LEN: usize = 16 * 1024;
pub const MAX_PARAMS: usize = 64;

/// The one-time code: redacted `Debug`, consumed by the token request.
pub struct AuthorizationCode(String);

impl AuthorizationCode {
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AuthorizationCode([redacted])")
    }
}

/// A callback URL for this client's redirect URI, parsed but not yet trusted.
pub struct RawCallback {
    params: Vec<(String, String)>,
    duplicate: bool,
}

impl core::fmt::Debug for RawCallback {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RawCallback([redacted])")
    }
}

fn invalid(message: &'static str) -> Error {
    Error::new(Code::InvalidCallback, message)
}

impl RawCallback {
    /// Reads the query of `href` if `href` is the redirect URI
    /// (`redirect_base` as made by `config::base`), through the platform's
    /// URL parser. Parameters in the fragment are never read: this client
    /// asks for the query response mode only. A query the platform would
    /// decode leniently (`%ZZ`, a truncated or invalid UTF-8 sequence) is
    /// refused: `decodeURIComponent` throws on exactly those.
    pub fn parse(href: &str, redirect_base: &str) -> Result<RawCallback> {
        if href.len() > MAX_HREF_LEN {
            return Err(invalid("callback too large"));
        }
        let url = parse_url(href).ok_or_else(|| invalid("callback is not a URL"))?;
        let search = url.search();
        // Read before `base` clears the query: `searchParams` is live.
        let pairs = if search
            .split('&')
            .filter(|s| !s.is_empty() && *s != "?")
            .count()
            > MAX_PARAMS
        {
            None
        } else {
            let mut pairs = Vec::new();
            let iter = js_sys::try_iter(&url.search_params())
                .ok()
                .flatten()
                .ok_or_else(|| invalid("callback is not a URL"))?;
            for entry in iter {
                let entry: js_sys::Array =
                    entry.map_err(|_| invalid("callback is not a URL"))?.into();
                let text = |i| entry.get(i).as_string().unwrap_or_default();
                pairs.push((text(0), text(1)));
            }
            Some(pairs)
        };
        if base(&url) != redirect_base {
            return Err(invalid("callback is not for redirectUri"));
        }
        let pairs = pairs.ok_or_else(|| invalid("callback too large"))?;
        if js_sys::decode_uri_component(&search).is_err() {
            return Err(invalid("callback encoding is malformed"));
        }
        Ok(RawCallback::from_params(pairs))
    }

    /// A callback from its decoded query parameters, in order.
    pub fn from_params(params: Vec<(String, String)>) -> RawCallback {
        let duplicate = params
            .iter()
            .enumerate()
            .any(|(i, (k, _))| params[..i].iter().any(|(p, _)| p == k));
        RawCallback { params, duplicate }
    }

    /// The value of a parameter, with an empty value treated as absent (R22).
    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Whether this looks like an authorization response at all.
    pub fn has_response(&self) -> bool {
        self.get("code").is_some() || self.get("error").is_some()
    }

    /// The `state` whose transaction must be discarded when this callback is
    /// refused: only when it appears exactly once, so a forged callback cannot
    /// name two transactions.
    pub fn state_to_discard(&self) -> Option<&str> {
        let mut found = None;
        for (k, v) in &self.params {
            if k == "state" {
                if found.is_some() {
                    return None;
                }
                found = Some(v.as_str());
            }
        }
        found.filter(|v| !v.is_empty())
    }

    /// Steps 1–2: duplicate parameters, then `iss` (RFC 9207 §2.4: exact string
    /// comparison after one decode; required when the server promised it).
    pub fn check_before_state(&self, issuer: Option<&str>, require_iss: bool) -> Result<()> {
        if self.duplicate {
            return Err(invalid("callback repeats a parameter"));
        }
        let Some(expected) = issuer else {
            return Ok(());
        };
        match self.get("iss") {
            Some(iss) if iss == expected => Ok(()),
            Some(_) => Err(Error::new(
                Code::IssuerMismatch,
                "callback iss differs (RFC 9207)",
            )),
            None if require_iss => Err(Error::new(
                Code::IssuerMismatch,
                "callback lacks iss (RFC 9207)",
            )),
            None => Ok(()),
        }
    }

    /// Step 3: the `state` that names the transaction.
    pub fn state(&self) -> Result<&str> {
        self.get("state")
            .ok_or_else(|| Error::new(Code::NoTransaction, "callback has no state"))
    }

    /// Steps 4–5, once the transaction is taken: an error response, injected
    /// tokens (RFC 9700 §4.6), then the code.
    pub fn into_code(self) -> Result<AuthorizationCode> {
        if let Some(error) = self.get("error") {
            let mut e = Error::new(Code::AuthorizationError, "authorization server error");
            e.error = Some(Error::server_text(error));
            e.error_description = self.get("error_description").map(Error::server_text);
            // Only an https error_uri is passed on: any other scheme
            // (javascript:, data:) is a trap for whoever renders it.
            e.error_uri = self
                .get("error_uri")
                .filter(|u| parse_url(u).is_some_and(|u| u.protocol() == "https:"))
                .map(Into::into);
            return Err(e);
        }
        if ["access_token", "id_token", "token", "response"]
            .iter()
            .any(|n| self.get(n).is_some())
        {
            return Err(invalid("callback carries tokens"));
        }
        let mut params = self.params;
        let i = params
            .iter()
            .position(|(k, v)| k == "code" && !v.is_empty())
            .ok_or_else(|| invalid("callback has no code"))?;
        Ok(AuthorizationCode(params.swap_remove(i).1))
    }
}

/// The order of the checks, on decoded parameters (no URL parser needed).
#[cfg(test)]
mod order_tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn cb(pairs: &[(&str, &str)]) -> RawCallback {
        RawCallback::from_params(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        )
    }

    #[test]
    fn duplicates_then_iss_then_state_then_error_then_code() {
        let iss = Some("https://as.example");
        // A repeated parameter is refused before a wrong iss is looked at.
        let c = cb(&[
            ("iss", "https://evil.example"),
            ("state", "s"),
            ("state", "s"),
        ]);
        assert_eq!(
            c.check_before_state(iss, false).unwrap_err().code,
            Code::InvalidCallback
        );
        // A wrong iss is refused before the state is read.
        let c = cb(&[("iss", "https://evil.example"), ("code", "c")]);
        assert_eq!(
            c.check_before_state(iss, false).unwrap_err().code,
            Code::IssuerMismatch
        );
        assert_eq!(c.state().unwrap_err().code, Code::NoTransaction);
        // An error response wins over a code.
        let c = cb(&[("state", "s"), ("code", "c"), ("error", "access_denied")]);
        c.check_before_state(iss, false).unwrap();
        assert_eq!(c.state().unwrap(), "s");
        let e = c.into_code().unwrap_err();
        assert_eq!(
            (e.code, e.error.as_deref()),
            (Code::AuthorizationError, Some("access_denied"))
        );
        let c = cb(&[("state", "s"), ("code", "c"), ("iss", "https://as.example")]);
        c.check_before_state(iss, true).unwrap();
        assert_eq!(c.into_code().unwrap().secret(), "c");
    }

    #[test]
    fn empty_values_count_as_absent() {
        assert!(!cb(&[("code", ""), ("state", "s")]).has_response());
        assert_eq!(
            cb(&[("code", "c"), ("state", "")])
                .state()
                .unwrap_err()
                .code,
            Code::NoTransaction
        );
        assert_eq!(cb(&[("state", ""), ("code", "c")]).state_to_discard(), None);
    }
}

/// Callback URLs through the platform's parser, in the browser
/// (`wasm-pack test --lib`).
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const BASE: &str = "https://client.example/cb";
    const ISS: &str = "https://honest.as.example";

    fn parse(q: &str) -> Result<RawCallback> {
        RawCallback::parse(&format!("{BASE}?{q}"), BASE)
    }

    fn code_of(q: &str) -> Result<String> {
        let cb = parse(q)?;
        cb.check_before_state(Some(ISS), false)?;
        cb.state()?;
        cb.into_code().map(|c| c.secret().to_string())
    }

    #[test]
    fn rfc6749_and_rfc9207_examples() {
        assert_eq!(
            code_of("code=SplxlOBeZQQYbYS6WxSbIA&state=xyz").unwrap(),
            "SplxlOBeZQQYbYS6WxSbIA"
        );
        let cb = RawCallback::parse(
            "https://client.example/cb?code=x1848ZT64p4IirMPT0R-X3141MFPTuBX-VFL_cvaplMH58&state=ZWVlNDBlYzA1NjdkMDNhYjg3ZjUxZjAyNGQzMTM2NzI&iss=https%3A%2F%2Fhonest.as.example",
            BASE,
        )
        .unwrap();
        cb.check_before_state(Some(ISS), true).unwrap();
        assert_eq!(
            cb.state().unwrap(),
            "ZWVlNDBlYzA1NjdkMDNhYjg3ZjUxZjAyNGQzMTM2NzI"
        );
    }

    #[test]
    fn cb01_cb05_error_responses() {
        let e = code_of("error=access_denied&state=xyz&error_description=The+user+said+no")
            .unwrap_err();
        assert_eq!(e.code, Code::AuthorizationError);
        assert_eq!(e.error.as_deref(), Some("access_denied"));
        assert_eq!(e.error_description.as_deref(), Some("The user said no"));
        let e = code_of("error=some_extension_code&state=xyz").unwrap_err();
        assert_eq!(e.error.as_deref(), Some("some_extension_code"));
    }

    #[test]
    fn cb04_error_fields_are_inert() {
        let e = code_of("error=x&state=s&error_description=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&error_uri=javascript%3Aalert(1)").unwrap_err();
        assert_eq!(
            e.error_description.as_deref(),
            Some("<img src=x onerror=alert(1)>")
        );
        assert_eq!(e.error_uri, None);
        let e = code_of("error=x&state=s&error_description=a%0Ab%00c").unwrap_err();
        assert_eq!(e.error_description.as_deref(), Some("a b c"));
        assert!(!e.message.contains('<'));
        let e = code_of("error=x&state=s&error_uri=https%3A%2F%2Fas.example%2Fe").unwrap_err();
        assert_eq!(e.error_uri.as_deref(), Some("https://as.example/e"));
    }

    #[test]
    fn cb06_cb07_no_code() {
        for q in ["state=xyz", "state=xyz&code=", "state=xyz&foo=bar"] {
            assert_eq!(code_of(q).unwrap_err().code, Code::InvalidCallback, "{q}");
        }
    }

    #[test]
    fn cb08_missing_state_is_no_transaction() {
        assert_eq!(code_of("code=abc").unwrap_err().code, Code::NoTransaction);
        assert_eq!(
            code_of("code=abc&state=").unwrap_err().code,
            Code::NoTransaction
        );
    }

    #[test]
    fn cb10_state_is_decoded_once_and_not_trimmed() {
        for (q, state) in [
            ("code=a&state=xyz%20", "xyz "),
            ("code=a&state=XYZ", "XYZ"),
            ("code=a&state=xyz%2520", "xyz%20"),
        ] {
            assert_eq!(parse(q).unwrap().state().unwrap(), state);
        }
    }

    #[test]
    fn cb12_duplicates_are_refused_first() {
        for q in ["state=a&state=a&code=x", "code=x&code=y&state=a", "code=x&state=a&iss=https%3A%2F%2Fhonest.as.example&iss=https%3A%2F%2Fhonest.as.example"] {
            let cb = parse(q).unwrap();
            let e = cb.check_before_state(Some(ISS), false).unwrap_err();
            assert_eq!(e.code, Code::InvalidCallback, "{q}");
        }
        assert_eq!(
            parse("state=a&state=a&code=x").unwrap().state_to_discard(),
            None
        );
        assert_eq!(
            parse("state=a&code=x&code=y").unwrap().state_to_discard(),
            Some("a")
        );
    }

    #[test]
    fn cb15_cb17_iss_is_compared_exactly() {
        for iss in [
            "https%3A%2F%2Fevil.example",
            "https%3A%2F%2Fhonest.as.example%2F",
            "HTTPS%3A%2F%2Fhonest.as.example",
            "https%3A%2F%2FHONEST.as.example",
            "https%253A%252F%252Fhonest.as.example",
        ] {
            let cb = parse(&format!("code=a&state=s&iss={iss}")).unwrap();
            let e = cb.check_before_state(Some(ISS), false).unwrap_err();
            assert_eq!(e.code, Code::IssuerMismatch, "{iss}");
        }
        // CB-03: an error response with a foreign iss is not attributed to the AS.
        let cb = parse("error=access_denied&state=s&iss=https%3A%2F%2Fevil.example").unwrap();
        assert_eq!(
            cb.check_before_state(Some(ISS), false).unwrap_err().code,
            Code::IssuerMismatch
        );
    }

    #[test]
    fn cb16_missing_iss_when_required() {
        let cb = parse("code=a&state=s").unwrap();
        assert!(cb.check_before_state(Some(ISS), false).is_ok());
        assert_eq!(
            cb.check_before_state(Some(ISS), true).unwrap_err().code,
            Code::IssuerMismatch
        );
        assert!(cb.check_before_state(None, false).is_ok());
    }

    #[test]
    fn cb19_cb20_fragment_is_not_read() {
        let cb = RawCallback::parse(&format!("{BASE}#code=a&state=s"), BASE).unwrap();
        assert!(!cb.has_response());
        assert_eq!(cb.state().unwrap_err().code, Code::NoTransaction);
        let cb = RawCallback::parse(&format!("{BASE}?state=s#code=a"), BASE).unwrap();
        assert_eq!(cb.into_code().unwrap_err().code, Code::InvalidCallback);
    }

    #[test]
    fn cb21_other_redirect_uri_refused() {
        for href in [
            "https://client.example/cb2?code=a&state=s",
            "https://client.example:8443/cb?code=a&state=s",
            "http://client.example/cb?code=a&state=s",
            "com.other.app:/cb?code=a&state=s",
            "https://evil.example/cb?code=a&state=s",
        ] {
            assert_eq!(
                RawCallback::parse(href, BASE).unwrap_err().code,
                Code::InvalidCallback,
                "{href}"
            );
        }
        assert!(RawCallback::parse("https://CLIENT.example:443/cb?code=a&state=s", BASE).is_ok());
    }

    #[test]
    fn cb22_cb23_injected_tokens_refused() {
        for q in [
            "code=a&state=s&access_token=t",
            "code=a&state=s&id_token=t",
            "state=s&response=eyJ",
        ] {
            assert_eq!(code_of(q).unwrap_err().code, Code::InvalidCallback, "{q}");
        }
    }

    #[test]
    fn cb24_unknown_params_ignored() {
        assert_eq!(
            code_of("code=a&state=s&session_state=x&foo=bar").unwrap(),
            "a"
        );
    }

    #[test]
    fn cb27_cb28_oversized_and_malformed() {
        let big = format!("code={}&state=s", "a".repeat(100_000));
        assert_eq!(parse(&big).unwrap_err().code, Code::InvalidCallback);
        let many = "a=1&".repeat(10_000);
        assert_eq!(parse(&many).unwrap_err().code, Code::InvalidCallback);
        for q in [
            "code=%ZZ&state=s",
            "code=%E0%A4%A&state=s",
            "code=a&state=%FF",
        ] {
            assert_eq!(parse(q).unwrap_err().code, Code::InvalidCallback, "{q}");
        }
    }

    #[test]
    fn custom_scheme_callback() {
        let base = "com.example.app:/callback";
        let cb = RawCallback::parse("com.example.app:/callback?code=c&state=s", base).unwrap();
        assert!(cb.has_response());
        assert_eq!(cb.into_code().unwrap().secret(), "c");
    }

    #[test]
    fn debug_of_code_is_redacted() {
        let c = parse("code=SECRETCODE&state=s")
            .unwrap()
            .into_code()
            .unwrap();
        assert!(!format!("{c:?}").contains("SECRETCODE"));
    }
}
