//! Provider metadata (OIDC Discovery 1.0, RFC 8414): where to find it, and
//! whether it may be used. Metadata is used only if its `issuer` is exactly
//! the configured one (a different or merely normalised value is refused),
//! every endpoint passes the configuration's URL rules, and the provider
//! supports S256.

use crate::config::{check_endpoint, check_issuer};
use crate::error::{Code, Error, Result};
use crate::value::{members, Value};

fn bad(field: &'static str, message: &'static str) -> Error {
    Error::new(Code::DiscoveryError, message).field(field)
}

/// The two metadata locations for a checked issuer, in the order to try
/// them: `{issuer}/.well-known/openid-configuration` (OIDC Discovery §4),
/// then `{origin}/.well-known/oauth-authorization-server{path}` (RFC 8414
/// §3.1).
pub fn well_known(issuer: &str) -> [String; 2] {
    let trimmed = issuer.strip_suffix('/').unwrap_or(issuer);
    // scheme://authority ends at the first '/' after "//" (a checked issuer
    // is an https or http URL, so the first ':' is the scheme's).
    let after = trimmed.find(':').map_or(0, |i| i + 3).min(trimmed.len());
    let split = trimmed
        .get(after..)
        .and_then(|rest| rest.find('/'))
        .map_or(trimmed.len(), |i| after + i);
    [
        [trimmed, "/.well-known/openid-configuration"].concat(),
        [
            &trimmed[..split],
            "/.well-known/oauth-authorization-server",
            &trimmed[split..],
        ]
        .concat(),
    ]
}

/// `well_known` of an issuer that first passes the configuration's rules.
pub fn urls(issuer: &str) -> Result<[String; 2]> {
    check_issuer(issuer).map_err(|e| bad("issuer", e.message))?;
    Ok(well_known(issuer))
}

members! {
    /// The metadata members this client reads (RFC 8414 §2, OIDC Discovery §3).
    pub struct Metadata {
        issuer: "issuer",
        authorization_endpoint: "authorization_endpoint",
        token_endpoint: "token_endpoint",
        jwks_uri: "jwks_uri",
        revocation_endpoint: "revocation_endpoint",
        end_session_endpoint: "end_session_endpoint",
        code_challenge_methods_supported: "code_challenge_methods_supported",
        authorization_response_iss_parameter_supported: "authorization_response_iss_parameter_supported",
        pushed_authorization_request_endpoint: "pushed_authorization_request_endpoint",
        require_pushed_authorization_requests: "require_pushed_authorization_requests",
    }
}

/// What a client takes from checked metadata.
#[derive(Debug, PartialEq)]
pub struct Found {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: Option<String>,
    pub revocation_endpoint: Option<String>,
    pub end_session_endpoint: Option<String>,
    /// The server puts `iss` in every authorization response (RFC 9207), so
    /// a response without it is refused.
    pub require_iss: bool,
    pub par_endpoint: Option<String>,
    /// The server takes authorization requests only pushed (RFC 9126 §5).
    pub require_par: bool,
}

/// The first checks, which need no URL parser: the issuer is identical, and
/// the provider does not refuse S256.
pub fn check_issuer_and_pkce(issuer: &str, m: &Metadata) -> Result<()> {
    match &m.issuer {
        Some(Value::String(s)) if s == issuer => {}
        Some(Value::String(_)) => {
            return Err(bad("issuer", "metadata issuer differs from the issuer"))
        }
        _ => return Err(bad("issuer", "metadata has no issuer")),
    }
    // Absent means unknown: S256 is used anyway and `state` protects the flow;
    // a list without S256 means the server would downgrade or refuse PKCE.
    match &m.code_challenge_methods_supported {
        None => Ok(()),
        Some(Value::Array(list)) if list.iter().any(|x| x.as_str() == Some("S256")) => Ok(()),
        Some(_) => Err(bad(
            "code_challenge_methods_supported",
            "provider lacks PKCE S256",
        )),
    }
}

/// Checks issuer `issuer`'s metadata.
pub fn check(issuer: &str, m: Metadata) -> Result<Found> {
    check_issuer_and_pkce(issuer, &m)?;
    let endpoint =
        |v: Option<Value>, name: &'static str, required: bool| -> Result<Option<String>> {
            match v {
                None if !required => Ok(None),
                Some(Value::String(s)) => {
                    check_endpoint(&s, name).map_err(|e| bad(name, e.message))?;
                    Ok(Some(s))
                }
                _ => Err(bad(name, "endpoint missing")),
            }
        };
    let authorization_endpoint =
        endpoint(m.authorization_endpoint, "authorization_endpoint", true)?;
    let token_endpoint = endpoint(m.token_endpoint, "token_endpoint", true)?;
    Ok(Found {
        authorization_endpoint: authorization_endpoint.unwrap_or_default(),
        token_endpoint: token_endpoint.unwrap_or_default(),
        jwks_uri: endpoint(m.jwks_uri, "jwks_uri", false)?,
        revocation_endpoint: endpoint(m.revocation_endpoint, "revocation_endpoint", false)?,
        end_session_endpoint: endpoint(m.end_session_endpoint, "end_session_endpoint", false)?,
        require_iss: m.authorization_response_iss_parameter_supported == Some(Value::Bool(true)),
        par_endpoint: endpoint(
            m.pushed_authorization_request_endpoint,
            "pushed_authorization_request_endpoint",
            false,
        )?,
        require_par: m.require_pushed_authorization_requests == Some(Value::Bool(true)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ISS: &str = "https://as.example";

    fn s(v: &str) -> Option<Value> {
        Some(Value::String(v.into()))
    }

    pub fn good() -> Metadata {
        Metadata {
            issuer: s(ISS),
            authorization_endpoint: s("https://as.example/auth"),
            token_endpoint: s("https://as.example/token"),
            jwks_uri: s("https://as.example/jwks"),
            ..Metadata::default()
        }
    }

    #[test]
    fn well_known_urls_of_any_text_do_not_panic() {
        for issuer in [
            "",
            ":",
            "x:",
            "https:",
            "https:/",
            "é:é",
            "https://",
            "https://h/",
        ] {
            let _ = well_known(issuer);
        }
    }

    #[test]
    fn cf16_well_known_urls() {
        assert_eq!(
            well_known("https://as.example/tenant1"),
            [
                "https://as.example/tenant1/.well-known/openid-configuration",
                "https://as.example/.well-known/oauth-authorization-server/tenant1"
            ]
        );
        assert_eq!(
            well_known("https://as.example/"),
            [
                "https://as.example/.well-known/openid-configuration",
                "https://as.example/.well-known/oauth-authorization-server"
            ]
        );
    }

    #[test]
    fn cf09_issuer_must_be_identical() {
        for other in [
            "https://as.example/",
            "https://AS.example",
            "https://evil.example",
        ] {
            let m = Metadata {
                issuer: s(other),
                ..good()
            };
            assert_eq!(
                check_issuer_and_pkce(ISS, &m).unwrap_err().field.as_deref(),
                Some("issuer")
            );
        }
        for missing in [None, Some(Value::Number(123.0))] {
            let m = Metadata {
                issuer: missing,
                ..good()
            };
            assert_eq!(
                check_issuer_and_pkce(ISS, &m).unwrap_err().field.as_deref(),
                Some("issuer")
            );
        }
    }

    #[test]
    fn cf11_plain_only_is_refused_cf12_absent_is_fine() {
        let plain = Metadata {
            code_challenge_methods_supported: Some(Value::Array(vec![Value::String(
                "plain".into(),
            )])),
            ..good()
        };
        let e = check_issuer_and_pkce(ISS, &plain).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (
                Code::DiscoveryError,
                Some("code_challenge_methods_supported")
            )
        );
        assert!(check_issuer_and_pkce(ISS, &good()).is_ok());
        let both = Metadata {
            code_challenge_methods_supported: Some(Value::Array(vec![
                Value::String("plain".into()),
                Value::String("S256".into()),
            ])),
            ..good()
        };
        assert!(check_issuer_and_pkce(ISS, &both).is_ok());
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::tests::good;
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ISS: &str = "https://as.example";

    fn s(v: &str) -> Option<Value> {
        Some(Value::String(v.into()))
    }

    #[test]
    fn accepts_good_metadata() {
        let m = Metadata {
            authorization_response_iss_parameter_supported: Some(Value::Bool(true)),
            revocation_endpoint: s("https://as.example/revoke"),
            ..good()
        };
        let f = check(ISS, m).unwrap();
        assert_eq!(f.token_endpoint, "https://as.example/token");
        assert_eq!(f.jwks_uri.as_deref(), Some("https://as.example/jwks"));
        assert_eq!(
            f.revocation_endpoint.as_deref(),
            Some("https://as.example/revoke")
        );
        assert!(f.require_iss);
        assert!(!check(ISS, good()).unwrap().require_iss);
    }

    #[test]
    fn cf02_cf10_unusable_endpoints() {
        let m = Metadata {
            token_endpoint: s("http://as.example/token"),
            ..good()
        };
        assert_eq!(
            check(ISS, m).unwrap_err().field.as_deref(),
            Some("token_endpoint")
        );
        let m = Metadata {
            jwks_uri: s("http://as.example/jwks"),
            ..good()
        };
        assert_eq!(
            check(ISS, m).unwrap_err().field.as_deref(),
            Some("jwks_uri")
        );
        let m = Metadata {
            token_endpoint: None,
            ..good()
        };
        assert_eq!(
            check(ISS, m).unwrap_err().field.as_deref(),
            Some("token_endpoint")
        );
        let m = Metadata {
            authorization_endpoint: Some(Value::Number(1.0)),
            ..good()
        };
        assert_eq!(
            check(ISS, m).unwrap_err().field.as_deref(),
            Some("authorization_endpoint")
        );
    }

    #[test]
    fn urls_need_a_valid_issuer() {
        assert_eq!(
            urls("http://as.example").unwrap_err().code,
            Code::DiscoveryError
        );
        assert_eq!(
            urls("https://as.example?x").unwrap_err().code,
            Code::DiscoveryError
        );
        assert!(urls(ISS).is_ok());
    }
}
