//! Provider metadata (OIDC Discovery 1.0, RFC 8414): where to find it, and
//! whether it may be used. Metadata is used only if its `issuer` is exactly the
//! configured one (a different or merely normalised value is refused), every
//! endpoint passes the configuration's URL rules, and the provider supports S256.

use crate::config::check_endpoint;
use crate::error::{Code, Error, Result};
use crate::json::{self, Value};

fn bad(field: &'static str, message: &'static str) -> Error {
    Error::new(Code::DiscoveryError, message).field(field)
}

/// The two metadata locations for `issuer`, in the order to try them:
/// `{issuer}/.well-known/openid-configuration` (OIDC Discovery §4), then
/// `{origin}/.well-known/oauth-authorization-server{path}` (RFC 8414 §3.1),
/// appended to `out`, `\n`-separated.
pub fn urls(out: &mut String, issuer: &str) -> Result<()> {
    crate::config::check_issuer(issuer).map_err(|e| bad("issuer", e.message))?;
    let trimmed = issuer.strip_suffix("/").unwrap_or(issuer);
    out.push_str(trimmed);
    out.push_str("/.well-known/openid-configuration\n");
    // scheme://authority ends at the first '/' after "//".
    let after = crate::find_byte(trimmed, b':').map_or(0, |i| i + 3);
    let split = crate::find_byte(&trimmed[after..], b'/').map_or(trimmed.len(), |i| after + i);
    out.push_str(&trimmed[..split]);
    out.push_str("/.well-known/oauth-authorization-server");
    out.push_str(&trimmed[split..]);
    Ok(())
}

/// Checks issuer `issuer`'s metadata `text` and appends what a client needs
/// from it: `authorization \n token \n jwks \n revocation \n endSession \n
/// requireIss`, the optional endpoints empty when absent. `requireIss` is `1`
/// when the server puts `iss` in every authorization response (RFC 9207), so a
/// response without it is refused; else empty.
pub fn parse(out: &mut String, issuer: &str, text: &str) -> Result<()> {
    let v = json::parse(text).map_err(|_| bad("body", "metadata is not JSON"))?;
    if !matches!(v, Value::Object(_)) {
        return Err(bad("body", "metadata is not an object"));
    }
    match v.get("issuer") {
        Some(Value::String(s)) if s == issuer => {}
        Some(Value::String(_)) => {
            return Err(bad("issuer", "metadata issuer differs from the issuer"))
        }
        _ => return Err(bad("issuer", "metadata has no issuer")),
    }
    // Absent means unknown: S256 is used anyway and `state` protects the flow;
    // a list without S256 means the server would downgrade or refuse PKCE.
    match v.get("code_challenge_methods_supported") {
        None => {}
        Some(Value::Array(m)) if m.iter().any(|x| x.as_str() == Some("S256")) => {}
        Some(_) => {
            return Err(bad(
                "code_challenge_methods_supported",
                "provider lacks PKCE S256",
            ))
        }
    }
    // Read borrowed, copied once every endpoint passed.
    let endpoint = |name: &'static str, required: bool| -> Result<Option<&str>> {
        match v.get(name) {
            None | Some(Value::Null) if !required => Ok(None),
            Some(Value::String(s)) => check_endpoint(s, name)
                .map(|_| Some(s.as_str()))
                .map_err(|e| bad(name, e.message)),
            _ => Err(bad(name, "endpoint missing")),
        }
    };
    let endpoints = [
        endpoint("authorization_endpoint", true)?,
        endpoint("token_endpoint", true)?,
        endpoint("jwks_uri", false)?,
        endpoint("revocation_endpoint", false)?,
        endpoint("end_session_endpoint", false)?,
    ];
    for e in endpoints {
        out.push_str(e.unwrap_or(""));
        out.push('\n');
    }
    if matches!(
        v.get("authorization_response_iss_parameter_supported"),
        Some(Value::Bool(true))
    ) {
        out.push('1');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ISS: &str = "https://as.example";

    fn meta(extra: &str) -> String {
        format!(
            r#"{{"issuer":"{ISS}","authorization_endpoint":"{ISS}/auth","token_endpoint":"{ISS}/token","jwks_uri":"{ISS}/jwks"{extra}}}"#
        )
    }

    /// The lines `parse` appends.
    fn parse(issuer: &str, text: &str) -> Result<Vec<String>> {
        let mut out = String::new();
        super::parse(&mut out, issuer, text)?;
        Ok(out.split('\n').map(String::from).collect())
    }

    fn field(r: Result<Vec<String>>) -> &'static str {
        let e = r.unwrap_err();
        assert_eq!(e.code, Code::DiscoveryError);
        e.field.unwrap()
    }

    /// The two URLs `urls` appends.
    fn urls(issuer: &str) -> Result<(String, String)> {
        let mut out = String::new();
        super::urls(&mut out, issuer)?;
        let (a, b) = out.split_once('\n').unwrap();
        Ok((a.into(), b.into()))
    }

    #[test]
    fn cf16_well_known_urls() {
        assert_eq!(
            urls("https://as.example/tenant1").unwrap(),
            (
                "https://as.example/tenant1/.well-known/openid-configuration".into(),
                "https://as.example/.well-known/oauth-authorization-server/tenant1".into()
            )
        );
        assert_eq!(
            urls("https://as.example/").unwrap(),
            (
                "https://as.example/.well-known/openid-configuration".into(),
                "https://as.example/.well-known/oauth-authorization-server".into()
            )
        );
        assert_eq!(
            urls("http://as.example").unwrap_err().code,
            Code::DiscoveryError
        );
        assert_eq!(
            urls("https://as.example?x").unwrap_err().code,
            Code::DiscoveryError
        );
    }

    #[test]
    fn accepts_good_metadata() {
        let m = parse(ISS, &meta(r#","code_challenge_methods_supported":["plain","S256"],"authorization_response_iss_parameter_supported":true,"revocation_endpoint":"https://as.example/revoke""#)).unwrap();
        assert_eq!(
            m,
            [
                "https://as.example/auth",
                "https://as.example/token",
                "https://as.example/jwks",
                "https://as.example/revoke",
                "",
                "1"
            ]
        );
        assert_eq!(parse(ISS, &meta("")).unwrap()[5], "");
    }

    #[test]
    fn cf09_issuer_must_be_identical() {
        for other in [
            "https://as.example/",
            "https://AS.example",
            "https://evil.example",
        ] {
            let text = meta("").replacen(
                &format!("\"issuer\":\"{ISS}\""),
                &format!("\"issuer\":\"{other}\""),
                1,
            );
            assert_eq!(field(parse(ISS, &text)), "issuer", "{other}");
        }
    }

    #[test]
    fn cf10_unusable_documents() {
        for body in ["<html>", "[]", "\"x\"", "{}", r#"{"issuer":123}"#] {
            let f = field(parse(ISS, body));
            assert!(f == "body" || f == "issuer", "{body}");
        }
        let no_token = meta("").replace(r#","token_endpoint":"https://as.example/token""#, "");
        assert_eq!(field(parse(ISS, &no_token)), "token_endpoint");
    }

    #[test]
    fn cf11_plain_only_is_refused_cf12_absent_is_fine() {
        assert_eq!(
            field(parse(
                ISS,
                &meta(r#","code_challenge_methods_supported":["plain"]"#)
            )),
            "code_challenge_methods_supported"
        );
        assert!(parse(ISS, &meta("")).is_ok());
    }

    #[test]
    fn cf02_insecure_endpoints_refused() {
        let http = meta("").replace(
            "\"https://as.example/token\"",
            "\"http://as.example/token\"",
        );
        assert_eq!(field(parse(ISS, &http)), "token_endpoint");
        let http_jwks =
            meta("").replace("\"https://as.example/jwks\"", "\"http://as.example/jwks\"");
        assert_eq!(field(parse(ISS, &http_jwks)), "jwks_uri");
    }
}
