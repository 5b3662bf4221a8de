//! The token request (RFC 6749 §4.1.3 + RFC 7636 §4.5, refresh §6) and the
//! step-by-step check of its response (RFC 6749 §5.1, §5.2): status → OAuth
//! error body → JSON → each member's type. Nothing from a response is used
//! unless every check passes.

use crate::callback::AuthorizationCode;
use crate::error::{Code, Error, Result};
use crate::pkce::CodeVerifier;
use crate::value::{self, members, Value};
use serde::Serialize;
use wasm_bindgen::JsValue;

/// Longest lifetime taken from `expires_in` (~317 years): bigger values are
/// clamped so `now + expires_in` stays an exact JS number.
pub const MAX_EXPIRES_IN: f64 = 10_000_000_000.0;

/// A form body (`application/x-www-form-urlencoded`, UTF-8) written by the
/// platform's `URLSearchParams`.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let p = web_sys::UrlSearchParams::new()
        .unwrap_or_else(|_| wasm_bindgen::throw_str("URLSearchParams"));
    for (k, v) in pairs {
        p.append(k, v);
    }
    p.to_string().into()
}

/// The form body of the code exchange. Takes the code and the verifier by
/// value: each is spent by exactly one request.
pub fn code_body(
    code: AuthorizationCode,
    verifier: CodeVerifier,
    redirect_uri: &str,
    client_id: &str,
) -> String {
    form(&[
        ("grant_type", "authorization_code"),
        ("code", code.secret()),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
        ("code_verifier", verifier.secret()),
    ])
}

/// The form body of a refresh (RFC 6749 §6) for a public client.
pub fn refresh_body(refresh_token: &str, client_id: &str) -> String {
    form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ])
}

members! {
    /// The members of a token endpoint response this client reads
    /// (RFC 6749 §5.1, §5.2).
    pub struct RawResponse {
        access_token: "access_token",
        token_type: "token_type",
        expires_in: "expires_in",
        refresh_token: "refresh_token",
        id_token: "id_token",
        scope: "scope",
        request_uri: "request_uri",
        error: "error",
        error_description: "error_description",
        error_uri: "error_uri",
    }
}

/// A response body as `JSON.parse` left it. Built and consumed once per
/// response, so the unboxed object costs nothing.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Body {
    NotJson,
    NotObject,
    Object(RawResponse),
}

impl Body {
    pub fn read(text: &str) -> Body {
        match value::parse(text) {
            None => Body::NotJson,
            Some(v) if value::is_object(&v) => Body::Object(RawResponse::read(&v)),
            Some(_) => Body::NotObject,
        }
    }

    /// The OAuth `error` of the body, if it is an error body.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Body::Object(r) => r.error.as_ref().and_then(Value::as_str),
            _ => None,
        }
    }
}

/// The token types a request may get back.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Expect {
    Bearer,
    /// The request carried a DPoP proof: `DPoP`, or `Bearer` only when the
    /// app accepts a server that ignores the proof (RFC 9449 §5).
    Dpop {
        allow_bearer: bool,
    },
}

/// What a login or refresh yields: the app's view (returned by
/// `handleCallback` and `refresh`, written by serde-wasm-bindgen) and the
/// session the client keeps.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct TokenSet {
    pub access_token: String,
    /// "Bearer", or "DPoP" for a sender-constrained token (RFC 9449): the
    /// only types this client can use (RFC 6749 §7.1).
    pub token_type: String,
    /// Milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The verified ID token's claims, as the token carried them.
    #[serde(
        with = "serde_wasm_bindgen::preserve",
        skip_serializing_if = "JsValue::is_undefined"
    )]
    pub claims: JsValue,
    /// What the app passed to `authorizeUrl`, parsed again.
    #[serde(
        with = "serde_wasm_bindgen::preserve",
        skip_serializing_if = "JsValue::is_undefined"
    )]
    pub app_state: JsValue,
    /// When the session was saved (ms); only in `getSession()`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<f64>,
}

impl TokenSet {
    /// A session read back from JSON (a persisted session, or the result of
    /// the refresh another call ran); `None` when a member is missing or of
    /// the wrong type.
    pub fn read(obj: &JsValue) -> Option<TokenSet> {
        if !value::is_object(obj) {
            return None;
        }
        let text = |k| value::text(obj, k);
        let claims = value::get(obj, "claims");
        Some(TokenSet {
            access_token: text("accessToken")??,
            token_type: text("tokenType")??,
            expires_at: value::number(obj, "expiresAt")?,
            refresh_token: text("refreshToken")?,
            id_token: text("idToken")?,
            scope: text("scope")?,
            claims: if value::is_object(&claims) {
                claims
            } else {
                JsValue::UNDEFINED
            },
            app_state: JsValue::UNDEFINED,
            received_at: value::number(obj, "receivedAt")?,
        })
    }
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSet([redacted])")
    }
}

fn bad(field: &'static str, message: &'static str) -> Error {
    Error::new(Code::InvalidTokenResponse, message).field(field)
}

/// Checks a token endpoint response given its status, `Content-Type` and
/// body. `need_id_token`: a code exchange with `openid` must return one.
pub fn check_response(
    status: u16,
    content_type: Option<&str>,
    body: Body,
    now_ms: f64,
    need_id_token: bool,
    expect: Expect,
) -> Result<TokenSet> {
    if status == 0 || (300..400).contains(&status) {
        // Requests go out with `redirect: "manual"`: a redirect would re-send
        // the code and verifier to another location (security-reference R37).
        return Err(Error::new(Code::InvalidTokenResponse, "redirect not followed").status(status));
    }
    if status != 200 {
        return Err(error_response(status, body, "unexpected HTTP status"));
    }
    let r = match body {
        Body::Object(r) => r,
        Body::NotObject => {
            return Err(bad("body", "token response is not an object").status(status))
        }
        Body::NotJson => {
            let not_json_type = content_type.is_some_and(|c| {
                !c.as_bytes()
                    .windows(4)
                    .any(|w| w.eq_ignore_ascii_case(b"json"))
            });
            return Err(bad(
                "body",
                if not_json_type {
                    "token response is not JSON (Content-Type)"
                } else {
                    "token response is not JSON"
                },
            )
            .status(status));
        }
    };
    let access_token = match r.access_token {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => {
            return Err(bad(
                "access_token",
                "access_token must be a non-empty string",
            ))
        }
    };
    let token_type = match (&r.token_type, expect) {
        (Some(Value::String(t)), Expect::Dpop { .. }) if t.eq_ignore_ascii_case("dpop") => "DPoP",
        (Some(Value::String(t)), Expect::Bearer | Expect::Dpop { allow_bearer: true })
            if t.eq_ignore_ascii_case("bearer") =>
        {
            "Bearer"
        }
        (Some(Value::String(_)), Expect::Bearer) => {
            return Err(bad("token_type", "token_type must be Bearer"))
        }
        (Some(Value::String(_)), _) => {
            return Err(bad(
                "token_type",
                "token_type must be DPoP: the server did not bind the token",
            ))
        }
        _ => return Err(bad("token_type", "token_type must be a string")),
    };
    let expires_at = match r.expires_in {
        None => None,
        Some(v) => {
            let secs = expires_in(&v)
                .ok_or_else(|| bad("expires_in", "expires_in must be a non-negative number"))?;
            Some(now_ms.max(0.0).floor() + secs * 1000.0)
        }
    };
    let refresh_token = optional_string(r.refresh_token, "refresh_token")?;
    let id_token = optional_string(r.id_token, "id_token")?;
    let scope = optional_string(r.scope, "scope")?;
    if need_id_token && id_token.is_none() {
        return Err(bad("id_token", "no id_token for openid"));
    }
    Ok(TokenSet {
        access_token,
        token_type: token_type.into(),
        expires_at,
        refresh_token,
        id_token,
        scope,
        claims: JsValue::UNDEFINED,
        app_state: JsValue::UNDEFINED,
        received_at: None,
    })
}

/// The error of a non-200 answer: an OAuth error body (RFC 6749 §5.2, RFC
/// 7009 §2.2.1) becomes `token_error` with its members, anything else
/// `invalid_token_response` with `otherwise` as the message.
pub fn error_response(status: u16, body: Body, otherwise: &'static str) -> Error {
    oauth_error(
        status,
        body,
        (
            Code::TokenError,
            "the token endpoint returned an OAuth error",
        ),
        (Code::InvalidTokenResponse, otherwise),
    )
}

/// The error of a non-success answer: `error` (with the OAuth error body's
/// members) when the body is one, `otherwise` when it is not.
pub fn oauth_error(
    status: u16,
    body: Body,
    error: (Code, &'static str),
    otherwise: (Code, &'static str),
) -> Error {
    if let Body::Object(r) = body {
        if let Some(Value::String(text)) = r.error {
            let mut e = Error::new(error.0, error.1).status(status);
            e.error = Some(Error::server_text(&text));
            e.error_description = r
                .error_description
                .as_ref()
                .and_then(Value::as_str)
                .map(Error::server_text);
            e.error_uri = r
                .error_uri
                .as_ref()
                .and_then(Value::as_str)
                .map(Error::server_text);
            return e;
        }
    }
    Error::new(otherwise.0, otherwise.1).status(status)
}

fn optional_string(v: Option<Value>, field: &'static str) -> Result<Option<String>> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(field, "must be a string")),
    }
}

/// `expires_in` as whole seconds. The rule: a JSON number `>= 0` (a fraction
/// is dropped), or a string of 1 to 20 digits (some servers quote it);
/// clamped to `MAX_EXPIRES_IN`. Negative, non-finite and anything else is
/// refused.
fn expires_in(v: &Value) -> Option<f64> {
    let secs = match v {
        Value::Number(n) if n.is_finite() && *n >= 0.0 => n.floor(),
        // Digit by digit: the decimal-to-float parser and its tables are
        // kilobytes, and twenty digits are exact enough in an f64 before the
        // clamp below.
        Value::String(s)
            if (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.bytes().fold(0.0, |n, b| n * 10.0 + f64::from(b - b'0'))
        }
        _ => return None,
    };
    Some(secs.min(MAX_EXPIRES_IN))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    fn s(v: &str) -> Option<Value> {
        Some(Value::String(v.into()))
    }

    fn bearer(access_token: &str) -> RawResponse {
        RawResponse {
            access_token: s(access_token),
            token_type: s("Bearer"),
            ..RawResponse::default()
        }
    }

    fn ok(r: RawResponse) -> TokenSet {
        check_response(200, JSON, Body::Object(r), 0.0, false, Expect::Bearer).unwrap()
    }

    fn err(status: u16, ct: Option<&str>, body: Body) -> Error {
        check_response(status, ct, body, 0.0, false, Expect::Bearer).unwrap_err()
    }

    #[test]
    fn success_and_optional_fields() {
        let t = check_response(
            200,
            JSON,
            Body::Object(RawResponse {
                expires_in: Some(Value::Number(3600.0)),
                refresh_token: s("rt"),
                id_token: s("a.b.c"),
                scope: s("openid api"),
                ..bearer("at")
            }),
            1000.0,
            false,
            Expect::Bearer,
        )
        .unwrap();
        assert_eq!(t.access_token, "at");
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.expires_at, Some(3_601_000.0));
        assert_eq!(t.refresh_token.as_deref(), Some("rt"));
        assert_eq!(t.id_token.as_deref(), Some("a.b.c"));
        assert_eq!(t.scope.as_deref(), Some("openid api"));
    }

    #[test]
    fn tk12_token_type_follows_dpop() {
        let typed = |t: &str, expect| {
            let r = RawResponse {
                token_type: s(t),
                ..bearer("a")
            };
            check_response(200, JSON, Body::Object(r), 0.0, false, expect)
                .map(|t| t.token_type)
                .map_err(|e| (e.code, e.field.as_deref().map(String::from)))
        };
        let refused = Err((Code::InvalidTokenResponse, Some("token_type".to_string())));
        let strict = Expect::Dpop {
            allow_bearer: false,
        };
        let lenient = Expect::Dpop { allow_bearer: true };
        assert_eq!(typed("DPoP", strict), Ok("DPoP".to_string()));
        assert_eq!(typed("dpop", strict), Ok("DPoP".to_string()));
        assert_eq!(typed("Bearer", strict), refused);
        assert_eq!(typed("Bearer", lenient), Ok("Bearer".to_string()));
        assert_eq!(typed("DPoP", lenient), Ok("DPoP".to_string()));
        // Without a proof, a DPoP token is one this client cannot use.
        assert_eq!(typed("DPoP", Expect::Bearer), refused);
        assert_eq!(typed("mac", lenient), refused);
    }

    #[test]
    fn openid_code_exchange_needs_an_id_token() {
        let e = check_response(
            200,
            JSON,
            Body::Object(bearer("a")),
            0.0,
            true,
            Expect::Bearer,
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (Code::InvalidTokenResponse, Some("id_token"))
        );
        let r = RawResponse {
            id_token: s("x.y.z"),
            ..bearer("a")
        };
        let t = check_response(200, JSON, Body::Object(r), 0.0, true, Expect::Bearer).unwrap();
        assert_eq!(t.id_token.as_deref(), Some("x.y.z"));
    }

    #[test]
    fn tk02_tk03_oauth_errors() {
        let body = |e: &str, d: Option<&str>, u: Option<&str>| {
            Body::Object(RawResponse {
                error: s(e),
                error_description: d.and_then(s),
                error_uri: u.and_then(s),
                ..RawResponse::default()
            })
        };
        let e = err(400, JSON, body("invalid_grant", None, None));
        assert_eq!(e.code, Code::TokenError);
        assert_eq!(e.error.as_deref(), Some("invalid_grant"));
        assert_eq!(e.status, Some(400));
        let e = err(
            401,
            JSON,
            body("invalid_client", Some("x\ny"), Some("https://as/e")),
        );
        assert_eq!(
            (
                e.error.as_deref(),
                e.error_description.as_deref(),
                e.error_uri.as_deref(),
                e.status
            ),
            (
                Some("invalid_client"),
                Some("x y"),
                Some("https://as/e"),
                Some(401)
            )
        );
    }

    #[test]
    fn tk04_server_errors_with_html() {
        for status in [500, 502, 503, 404] {
            let e = err(status, Some("text/html"), Body::NotJson);
            assert_eq!(
                (e.code, e.status),
                (Code::InvalidTokenResponse, Some(status))
            );
            assert_eq!(e.error, None);
        }
        // A non-string `error` is not an OAuth error.
        let e = err(
            400,
            JSON,
            Body::Object(RawResponse {
                error: Some(Value::Number(1.0)),
                ..RawResponse::default()
            }),
        );
        assert_eq!(e.code, Code::InvalidTokenResponse);
    }

    #[test]
    fn tk05_tk06_tk07_not_a_token_object() {
        let e = err(200, Some("text/html"), Body::NotJson);
        assert_eq!(
            (e.code, e.message),
            (
                Code::InvalidTokenResponse,
                "token response is not JSON (Content-Type)"
            )
        );
        let e = err(200, JSON, Body::NotJson);
        assert_eq!(e.message, "token response is not JSON");
        assert_eq!(
            err(200, JSON, Body::NotObject).field.as_deref(),
            Some("body")
        );
        let e = err(
            200,
            JSON,
            Body::Object(RawResponse {
                error: s("invalid_grant"),
                ..RawResponse::default()
            }),
        );
        assert_eq!(
            (e.code, e.field.as_deref()),
            (Code::InvalidTokenResponse, Some("access_token"))
        );
    }

    #[test]
    fn tk08_access_token_types() {
        for at in [
            None,
            s(""),
            Some(Value::Number(123.0)),
            Some(Value::Object),
            Some(Value::Array(vec![Value::String("a".into())])),
            Some(Value::Bool(true)),
        ] {
            let r = RawResponse {
                access_token: at.clone(),
                token_type: s("Bearer"),
                ..RawResponse::default()
            };
            let e = err(200, JSON, Body::Object(r));
            assert_eq!(
                (e.code, e.field.as_deref()),
                (Code::InvalidTokenResponse, Some("access_token")),
                "{at:?}"
            );
        }
    }

    #[test]
    fn tk09_tk10_tk11_token_type() {
        let e = err(
            200,
            JSON,
            Body::Object(RawResponse {
                access_token: s("a"),
                ..RawResponse::default()
            }),
        );
        assert_eq!(e.field.as_deref(), Some("token_type"));
        for tt in ["mac", "N_A", "", "DPoP"] {
            let r = RawResponse {
                token_type: s(tt),
                ..bearer("a")
            };
            let e = err(200, JSON, Body::Object(r));
            assert_eq!(
                (e.code, e.field.as_deref()),
                (Code::InvalidTokenResponse, Some("token_type")),
                "{tt}"
            );
        }
        for tt in ["BEARER", "bEARER", "bearer"] {
            let r = RawResponse {
                token_type: s(tt),
                ..bearer("a")
            };
            assert_eq!(ok(r).token_type, "Bearer");
        }
    }

    #[test]
    fn tk13_tk14_expires_in() {
        let exp = |v: Option<Value>| {
            check_response(
                200,
                JSON,
                Body::Object(RawResponse {
                    expires_in: v,
                    ..bearer("a")
                }),
                0.0,
                false,
                Expect::Bearer,
            )
            .map(|t| t.expires_at.map(|ms| ms / 1000.0))
        };
        let n = |x: f64| Some(Value::Number(x));
        assert_eq!(exp(None).unwrap(), None);
        assert_eq!(exp(n(3600.0)).unwrap(), Some(3600.0));
        assert_eq!(exp(s("3600")).unwrap(), Some(3600.0));
        assert_eq!(exp(n(3600.5)).unwrap(), Some(3600.0));
        assert_eq!(exp(n(0.0)).unwrap(), Some(0.0));
        assert_eq!(exp(n(1.8446744073709552e19)).unwrap(), Some(MAX_EXPIRES_IN));
        assert_eq!(
            exp(s("18446744073709551616")).unwrap(),
            Some(MAX_EXPIRES_IN)
        );
        for bad in [
            n(-1.0),
            n(-0.5),
            n(f64::INFINITY),
            n(f64::NAN),
            s("abc"),
            s("-1"),
            s("1.5"),
            s(""),
            s("123456789012345678901"),
            Some(Value::Bool(true)),
            Some(Value::Array(vec![])),
            Some(Value::Object),
        ] {
            let e = exp(bad.clone()).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_deref()),
                (Code::InvalidTokenResponse, Some("expires_in")),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tk15_optional_field_types() {
        let r = RawResponse {
            refresh_token: Some(Value::Number(5.0)),
            ..bearer("a")
        };
        assert_eq!(
            err(200, JSON, Body::Object(r)).field.as_deref(),
            Some("refresh_token")
        );
        let r = RawResponse {
            scope: Some(Value::Array(vec![s("a").unwrap()])),
            ..bearer("a")
        };
        assert_eq!(
            err(200, JSON, Body::Object(r)).field.as_deref(),
            Some("scope")
        );
        let r = RawResponse {
            id_token: Some(Value::Object),
            ..bearer("a")
        };
        assert_eq!(
            err(200, JSON, Body::Object(r)).field.as_deref(),
            Some("id_token")
        );
    }

    #[test]
    fn tk21_redirects_are_not_followed() {
        for status in [0, 301, 302, 307, 308] {
            let e = err(status, JSON, Body::Object(bearer("a")));
            assert_eq!(
                (e.code, e.status),
                (Code::InvalidTokenResponse, Some(status))
            );
        }
    }
}

/// Bodies through the platform: `URLSearchParams` and `JSON.parse`.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn tk01_code_exchange_body() {
        let cb = crate::callback::RawCallback::parse(
            "https://a.example/cb?code=c+1%26&state=s",
            "https://a.example/cb",
        )
        .unwrap();
        let v = CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()).unwrap();
        assert_eq!(
            code_body(cb.into_code().unwrap(), v, "https://a.example/cb", "my client"),
            "grant_type=authorization_code&code=c+1%26&redirect_uri=https%3A%2F%2Fa.example%2Fcb&client_id=my+client&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            refresh_body("r t&", "spa"),
            "grant_type=refresh_token&refresh_token=r+t%26&client_id=spa"
        );
    }

    #[test]
    fn rfc6749_appendix_b_form_encoding() {
        assert_eq!(form(&[("v", " %&+£€")]), "v=+%25%26%2B%C2%A3%E2%82%AC");
    }

    #[test]
    fn bodies_are_read_by_json_parse() {
        let Body::Object(r) = Body::read(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":60,"x":{"y":[1]}}"#,
        ) else {
            panic!("not read")
        };
        assert_eq!(r.expires_in, Some(Value::Number(60.0)));
        assert!(matches!(Body::read("<html>"), Body::NotJson));
        assert!(matches!(Body::read("{\"access_token\":"), Body::NotJson));
        for body in ["[]", "\"str\"", "null", "1", r#"[{"access_token":"a"}]"#] {
            assert!(matches!(Body::read(body), Body::NotObject), "{body}");
        }
        // Deep nesting is the platform parser's business: an error or a value, never a trap.
        let deep = "[".repeat(100_000);
        assert!(matches!(Body::read(&deep), Body::NotJson));
        // A null member counts as absent.
        let Body::Object(r) =
            Body::read(r#"{"access_token":"a","token_type":"Bearer","expires_in":null}"#)
        else {
            panic!("not read")
        };
        assert_eq!(r.expires_in, None);
    }
}
