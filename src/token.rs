//! The token request (RFC 6749 §4.1.3 + RFC 7636 §4.5) and the step-by-step
//! check of its response (RFC 6749 §5.1, §5.2): status → OAuth error body →
//! JSON → each field's type. Nothing from a response is used unless every
//! check passes.

use crate::callback::AuthorizationCode;
use crate::error::{Code, Error, Result};
use crate::form::append_pair;
use crate::json::{self, JsonError, Value};
use crate::pkce::CodeVerifier;

/// Longest lifetime taken from `expires_in` (~317 years): bigger values are
/// clamped so `now + expires_in` stays an exact JS number.
pub const MAX_EXPIRES_IN: u64 = 10_000_000_000;

/// Appends the form body of the code exchange. Takes the code and the
/// verifier by value: each is spent by exactly one request.
pub fn request_body(
    out: &mut String,
    code: AuthorizationCode,
    verifier: CodeVerifier,
    redirect_uri: &str,
    client_id: &str,
) {
    out.push_str("grant_type=authorization_code");
    append_pair(out, "code", code.secret());
    append_pair(out, "redirect_uri", redirect_uri);
    append_pair(out, "client_id", client_id);
    append_pair(out, "code_verifier", verifier.secret());
}

/// Appends the form body of a refresh (RFC 6749 §6) for a public client.
pub fn refresh_body(out: &mut String, refresh_token: &str, client_id: &str) {
    out.push_str("grant_type=refresh_token");
    append_pair(out, "refresh_token", refresh_token);
    append_pair(out, "client_id", client_id);
}

fn bad(field: &'static str, message: &'static str) -> Error {
    Error::new(Code::InvalidTokenResponse, message).field(field)
}

/// Checks a token endpoint response given its status, `Content-Type` and body
/// and appends the `TokenSet`'s JSON text to `out`: `accessToken`,
/// `tokenType` (always `"Bearer"`, the only type this client can use, RFC 6749
/// §7.1), `expiresAt` (ms, from `now_ms`), `refreshToken`, `idToken`,
/// `scope`, in that order. `need_id_token`: a code exchange with `openid`
/// must return an ID token. Nothing is written unless every check passed.
pub fn parse_response(
    out: &mut String,
    status: u16,
    content_type: Option<&str>,
    body: &str,
    now_ms: f64,
    need_id_token: bool,
) -> Result<()> {
    if status == 0 || (300..400).contains(&status) {
        // fetch runs with `redirect: "manual"`: a redirect would re-send the
        // code and verifier to another location (security-reference R37).
        return Err(Error::new(Code::InvalidTokenResponse, "redirect not followed").status(status));
    }
    let parsed = json::parse(body);
    if status != 200 {
        if let Ok(v) = &parsed {
            if let Some(Value::String(error)) = v.get("error") {
                let mut e = Error::new(Code::TokenError, "token endpoint error").status(status);
                e.error = Some(Error::server_text(error));
                e.error_description = v
                    .get("error_description")
                    .and_then(Value::as_str)
                    .map(Error::server_text);
                e.error_uri = v
                    .get("error_uri")
                    .and_then(Value::as_str)
                    .map(Error::server_text);
                return Err(e);
            }
        }
        return Err(
            Error::new(Code::InvalidTokenResponse, "unexpected HTTP status").status(status),
        );
    }
    let v = match parsed {
        Ok(v) => v,
        Err(e) => {
            let msg = match e {
                JsonError::TooLarge => "response too large",
                JsonError::TooDeep => "response nests too deeply",
                JsonError::DuplicateKey => "token response repeats a member",
                JsonError::Syntax => {
                    if content_type.is_some_and(|c| {
                        !c.as_bytes()
                            .windows(4)
                            .any(|w| w.eq_ignore_ascii_case(b"json"))
                    }) {
                        "token response is not JSON (Content-Type)"
                    } else {
                        "token response is not JSON"
                    }
                }
            };
            return Err(bad("body", msg).status(status));
        }
    };
    if !matches!(v, Value::Object(_)) {
        return Err(bad("body", "token response is not an object").status(status));
    }
    // Fields are read borrowed and written only once every check passed.
    let access_token = match v.get("access_token") {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => {
            return Err(bad(
                "access_token",
                "access_token must be a non-empty string",
            ))
        }
    };
    match v.get("token_type") {
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(Value::String(_)) => return Err(bad("token_type", "token_type must be Bearer")),
        _ => return Err(bad("token_type", "token_type must be a string")),
    }
    let expires_in = match v.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(x) => Some(
            match x {
                Value::Number(n) => expires_in(n),
                // Some servers send the number as a string; a plain digit
                // string is unambiguous, anything else is refused.
                Value::String(s) if s.len() <= 20 => json::digits(s),
                _ => None,
            }
            .ok_or_else(|| bad("expires_in", "expires_in must be a non-negative number"))?
            .min(MAX_EXPIRES_IN),
        ),
    };
    let refresh_token = optional_string(&v, "refresh_token")?;
    let id_token = optional_string(&v, "id_token")?;
    let scope = optional_string(&v, "scope")?;
    if need_id_token && id_token.is_none() {
        return Err(bad("id_token", "no id_token for openid"));
    }
    out.push_str("{\"accessToken\":");
    json::write_string(out, access_token);
    out.push_str(",\"tokenType\":\"Bearer\"");
    if let Some(secs) = expires_in {
        out.push_str(",\"expiresAt\":");
        json::write_u64(out, (now_ms.max(0.0) as u64).saturating_add(secs * 1000));
    }
    json::write_member(out, "refreshToken", refresh_token);
    json::write_member(out, "idToken", id_token);
    json::write_member(out, "scope", scope);
    out.push('}');
    Ok(())
}

fn optional_string<'v>(v: &'v Value<'_>, field: &'static str) -> Result<Option<&'v str>> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(field, "must be a string")),
    }
}

/// A JSON number (already grammar-checked) as whole seconds. The rule:
/// `1*DIGIT` (RFC 6749 §5.1), a fraction is dropped (the caller clamps to
/// `MAX_EXPIRES_IN`); negatives and exponent notation are refused. Integer
/// arithmetic only: no float parsing code in the module.
fn expires_in(num: &str) -> Option<u64> {
    let (int, fraction) = crate::split_once_byte(num, b'.').unwrap_or((num, "0"));
    json::digits(fraction)?;
    json::digits(int)
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    /// The written `TokenSet` read back (with `now_ms` 0, `expiresAt` is
    /// `expires_in` in ms).
    #[derive(Debug)]
    struct TokenSet {
        access_token: String,
        token_type: String,
        expires_in: Option<u64>,
        refresh_token: Option<String>,
        id_token: Option<String>,
        scope: Option<String>,
        members: Vec<String>,
    }

    fn written(body: &str, need_id_token: bool) -> Result<TokenSet> {
        let mut out = String::new();
        parse_response(&mut out, 200, JSON, body, 0.0, need_id_token)?;
        let v = json::parse(&out).unwrap();
        let s = |k: &str| v.get(k).map(|x| x.as_str().unwrap().to_string());
        let Value::Object(members) = &v else {
            panic!("{out}")
        };
        Ok(TokenSet {
            access_token: s("accessToken").unwrap(),
            token_type: s("tokenType").unwrap(),
            expires_in: v.get("expiresAt").map(|x| match x {
                Value::Number(n) => n.parse::<u64>().unwrap() / 1000,
                _ => panic!("{out}"),
            }),
            refresh_token: s("refreshToken"),
            id_token: s("idToken"),
            scope: s("scope"),
            members: members.iter().map(|(k, _)| k.clone()).collect(),
        })
    }

    fn ok(body: &str) -> TokenSet {
        written(body, false).unwrap()
    }

    fn err(status: u16, ct: Option<&str>, body: &str) -> Error {
        let mut out = String::new();
        let e = parse_response(&mut out, status, ct, body, 0.0, false).unwrap_err();
        assert_eq!(out, "", "nothing written on failure");
        e
    }

    #[test]
    fn tk01_request_body() {
        let cb = crate::callback::RawCallback::parse(
            "https://a.example/cb?code=c+1%26&state=s",
            "https://a.example/cb",
        )
        .unwrap();
        let v = CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()).unwrap();
        let mut body = String::from("+endpoint\n");
        request_body(
            &mut body,
            cb.into_code().unwrap(),
            v,
            "https://a.example/cb",
            "my client",
        );
        assert_eq!(
            body,
            "+endpoint\ngrant_type=authorization_code&code=c+1%26&redirect_uri=https%3A%2F%2Fa.example%2Fcb&client_id=my+client&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
    }

    #[test]
    fn success_and_optional_fields() {
        let t = ok(
            r#"{"access_token":"at","token_type":"Bearer","expires_in":3600,"refresh_token":"rt","id_token":"a.b.c","scope":"openid api","example_parameter":"x"}"#,
        );
        assert_eq!(t.access_token, "at");
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.expires_in, Some(3600));
        assert_eq!(t.refresh_token.as_deref(), Some("rt"));
        assert_eq!(t.id_token.as_deref(), Some("a.b.c"));
        assert_eq!(t.scope.as_deref(), Some("openid api"));
        assert_eq!(
            t.members,
            [
                "accessToken",
                "tokenType",
                "expiresAt",
                "refreshToken",
                "idToken",
                "scope"
            ]
        );
        let mut out = String::new();
        parse_response(
            &mut out,
            200,
            JSON,
            r#"{"access_token":"a\"b","token_type":"bearer","expires_in":60}"#,
            1000.0,
            false,
        )
        .unwrap();
        assert_eq!(
            out,
            r#"{"accessToken":"a\"b","tokenType":"Bearer","expiresAt":61000}"#
        );
    }

    #[test]
    fn openid_code_exchange_needs_an_id_token() {
        let body = r#"{"access_token":"a","token_type":"Bearer"}"#;
        let e = written(body, true).unwrap_err();
        assert_eq!(
            (e.code, e.field),
            (Code::InvalidTokenResponse, Some("id_token"))
        );
        assert!(written(body, false).is_ok());
        let body = r#"{"access_token":"a","token_type":"Bearer","id_token":"x.y.z"}"#;
        assert_eq!(
            written(body, true).unwrap().id_token.as_deref(),
            Some("x.y.z")
        );
    }

    #[test]
    fn tk02_tk03_oauth_errors() {
        let e = err(400, JSON, r#"{"error":"invalid_grant"}"#);
        assert_eq!(e.code, Code::TokenError);
        assert_eq!(e.error.as_deref(), Some("invalid_grant"));
        assert_eq!(e.status, Some(400));
        let e = err(
            401,
            JSON,
            r#"{"error":"invalid_client","error_description":"x","error_uri":"https://as/e"}"#,
        );
        assert_eq!(
            (
                e.error.as_deref(),
                e.error_description.as_deref(),
                e.error_uri.as_deref()
            ),
            (Some("invalid_client"), Some("x"), Some("https://as/e"))
        );
        assert_eq!(e.status, Some(401));
    }

    #[test]
    fn tk04_server_errors_with_html() {
        for status in [500, 502, 503, 404] {
            let e = err(status, Some("text/html"), "<html>oops</html>");
            assert_eq!(e.code, Code::InvalidTokenResponse);
            assert_eq!(e.status, Some(status));
        }
    }

    #[test]
    fn tk05_tk06_tk07_not_a_token_object() {
        assert_eq!(
            err(200, Some("text/html"), "<html>portal</html>").code,
            Code::InvalidTokenResponse
        );
        assert_eq!(
            err(200, JSON, "{\"access_token\":").code,
            Code::InvalidTokenResponse
        );
        for body in ["[]", "\"str\"", "null", "1"] {
            assert_eq!(err(200, JSON, body).field, Some("body"), "{body}");
        }
        let e = err(200, JSON, r#"{"error":"invalid_grant"}"#);
        assert_eq!(
            (e.code, e.field),
            (Code::InvalidTokenResponse, Some("access_token"))
        );
    }

    #[test]
    fn tk08_access_token_types() {
        for at in ["", "\"\"", "123", "null", "{}", "[\"a\"]", "true"] {
            let body = if at.is_empty() {
                r#"{"token_type":"Bearer"}"#.to_string()
            } else {
                format!(r#"{{"access_token":{at},"token_type":"Bearer"}}"#)
            };
            let e = err(200, JSON, &body);
            assert_eq!(
                (e.code, e.field),
                (Code::InvalidTokenResponse, Some("access_token")),
                "{at}"
            );
        }
    }

    #[test]
    fn tk09_tk10_tk11_token_type() {
        let e = err(200, JSON, r#"{"access_token":"a"}"#);
        assert_eq!(e.field, Some("token_type"));
        for tt in ["mac", "N_A", "", "DPoP"] {
            let e = err(
                200,
                JSON,
                &format!(r#"{{"access_token":"a","token_type":"{tt}"}}"#),
            );
            assert_eq!(
                (e.code, e.field),
                (Code::InvalidTokenResponse, Some("token_type")),
                "{tt}"
            );
        }
        for tt in ["BEARER", "bEARER", "bearer"] {
            assert_eq!(
                ok(&format!(r#"{{"access_token":"a","token_type":"{tt}"}}"#)).token_type,
                "Bearer"
            );
        }
    }

    #[test]
    fn tk13_tk14_expires_in() {
        let exp = |v: &str| {
            written(
                &format!(r#"{{"access_token":"a","token_type":"Bearer","expires_in":{v}}}"#),
                false,
            )
            .map(|t| t.expires_in)
        };
        assert_eq!(
            ok(r#"{"access_token":"a","token_type":"Bearer"}"#).expires_in,
            None
        );
        assert_eq!(exp("null").unwrap(), None);
        assert_eq!(exp("3600").unwrap(), Some(3600));
        assert_eq!(exp("\"3600\"").unwrap(), Some(3600));
        assert_eq!(exp("3600.5").unwrap(), Some(3600));
        assert_eq!(exp("0").unwrap(), Some(0));
        assert_eq!(exp("18446744073709551616").unwrap(), Some(MAX_EXPIRES_IN));
        for bad in [
            "-1", "-0.5", "\"abc\"", "\"-1\"", "\"1.5\"", "true", "[]", "{}", "3.6e3", "1e309",
            "36E+2",
        ] {
            let e = exp(bad).unwrap_err();
            assert_eq!(
                (e.code, e.field),
                (Code::InvalidTokenResponse, Some("expires_in")),
                "{bad}"
            );
        }
    }

    #[test]
    fn tk15_optional_field_types() {
        for (f, v) in [
            ("refresh_token", "5"),
            ("scope", "[\"a\"]"),
            ("id_token", "{}"),
        ] {
            let e = err(
                200,
                JSON,
                &format!(r#"{{"access_token":"a","token_type":"Bearer","{f}":{v}}}"#),
            );
            assert_eq!((e.code, e.field), (Code::InvalidTokenResponse, Some(f)));
        }
    }

    #[test]
    fn tk16_tk17_duplicates_and_limits() {
        let e = err(
            200,
            JSON,
            r#"{"access_token":"a","access_token":"b","token_type":"Bearer"}"#,
        );
        assert_eq!(e.code, Code::InvalidTokenResponse);
        let deep = "[".repeat(100_000);
        assert_eq!(err(200, JSON, &deep).code, Code::InvalidTokenResponse);
        let big = format!(
            r#"{{"access_token":"{}","token_type":"Bearer"}}"#,
            "a".repeat(10 * 1024 * 1024)
        );
        assert_eq!(err(200, JSON, &big).code, Code::InvalidTokenResponse);
    }

    #[test]
    fn tk21_redirects_not_followed() {
        for s in [0, 302, 307, 308] {
            let e = err(s, None, "");
            assert_eq!((e.code, e.status), (Code::InvalidTokenResponse, Some(s)));
        }
    }

    #[test]
    fn secrets_do_not_leak_through_errors() {
        let e = err(
            200,
            JSON,
            r#"{"access_token":"SECRET-AT","token_type":"mac"}"#,
        );
        assert!(!format!("{e:?}").contains("SECRET"));
    }
}
