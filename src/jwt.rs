//! ID token validation (OIDC Core §2, §3.1.3.7, §12.2). Split in two around
//! the signature check, which WebCrypto does: `parse` reads the header and
//! refuses algorithms a public client must not accept; the JS layer verifies
//! the signature with the provider's JWKS keys of that type and `kid`;
//! `check_claims` runs after a verified signature. Keys named in the token
//! itself (`jku`, `x5u`, `jwk`, `x5c`) are never used: only the issuer's JWKS.

use crate::b64;
use crate::error::{Code, Error, Result};
use crate::json::{self, Value};

/// Tolerated clock difference for `exp` and `iat`, seconds.
pub const LEEWAY_S: f64 = 60.0;
/// An ID token issued longer ago than this is refused (replay of an old token).
pub const MAX_AGE_S: f64 = 24.0 * 3600.0;

fn bad(field: &'static str, message: &'static str) -> Error {
    Error::new(Code::InvalidIdToken, message).field(field)
}

/// The signature algorithms accepted: asymmetric only. `none` and the HMAC
/// family are refused — a public client has no secret to key a MAC with, and
/// accepting HS256 would let anyone sign with the public key (ID-03, ID-04).
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Alg {
    Rs256,
    Ps256,
    Es256,
}

impl Alg {
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Ps256 => "PS256",
            Alg::Es256 => "ES256",
        }
    }
}

/// A compact JWS split into its parts; the signature is not yet checked.
#[derive(Debug)]
pub struct Jws<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    pub payload: &'a str,
    pub signature: &'a str,
    pub alg: Alg,
    pub kid: Option<String>,
}

pub fn parse(token: &str) -> Result<Jws<'_>> {
    let mut parts = crate::split_byte(token, b'.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("id_token", "ID token is not a JWS"));
    };
    let header = b64_text(h).ok_or_else(|| bad("header", "ID token header malformed"))?;
    let header = object(&header).ok_or_else(|| bad("header", "ID token header malformed"))?;
    if header.get("crit").is_some() {
        return Err(bad("crit", "ID token has crit parameters"));
    }
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => Alg::Rs256,
        Some("PS256") => Alg::Ps256,
        Some("ES256") => Alg::Es256,
        _ => return Err(bad("alg", "ID token alg must be RS256, PS256 or ES256")),
    };
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(k)) => Some(k.as_str()),
        Some(_) => return Err(bad("kid", "ID token kid malformed")),
    };
    if s.is_empty() || b64::decode(s).is_none() {
        return Err(bad("signature", "ID token signature malformed"));
    }
    Ok(Jws {
        signing_input: &token[..h.len() + 1 + p.len()],
        payload: p,
        signature: s,
        alg,
        kid: kid.map(Into::into),
    })
}

/// A base64url JWS part as UTF-8 text.
fn b64_text(part: &str) -> Option<String> {
    String::from_utf8(b64::decode(part)?).ok()
}

/// `text` as a JSON object.
fn object(text: &str) -> Option<Value<'_>> {
    json::parse(text)
        .ok()
        .filter(|v| matches!(v, Value::Object(_)))
}

/// What the claims must say.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// The nonce sent with the login; `None` for a refresh.
    pub nonce: Option<&'a str>,
    pub now_ms: f64,
    /// The claims of the ID token this session started with (JSON text), for
    /// a refreshed ID token: `iss`, `sub`, `aud` must not change (§12.2).
    pub previous: Option<&'a str>,
}

/// Validates a signature-checked payload; appends the claims' JSON text to
/// `out` once every check passed.
pub fn check_claims(out: &mut String, payload_b64: &str, want: &Expected<'_>) -> Result<()> {
    let text = b64_text(payload_b64).ok_or_else(|| bad("payload", "ID token payload malformed"))?;
    let c = object(&text).ok_or_else(|| bad("payload", "ID token payload malformed"))?;
    let string = |name: &'static str| c.get(name).and_then(Value::as_str);
    if string("iss") != Some(want.issuer) {
        return Err(bad("iss", "ID token iss mismatch"));
    }
    let Some(sub) = string("sub").filter(|s| !s.is_empty()) else {
        return Err(bad("sub", "ID token has no sub"));
    };
    match c.get("aud") {
        Some(Value::String(a)) if a == want.client_id => {}
        Some(Value::Array(list))
            if !list.is_empty() && list.iter().all(|a| a.as_str() == Some(want.client_id)) => {}
        Some(Value::Array(list)) if list.iter().any(|a| a.as_str() == Some(want.client_id)) => {
            return Err(bad("aud", "ID token aud has other audiences"))
        }
        _ => return Err(bad("aud", "ID token aud lacks this client")),
    }
    match c.get("azp") {
        None => {}
        Some(a) if a.as_str() == Some(want.client_id) => {}
        Some(_) => return Err(bad("azp", "ID token azp mismatch")),
    }
    let now = want.now_ms / 1000.0;
    let exp = c
        .get("exp")
        .and_then(Value::as_uint)
        .ok_or_else(|| bad("exp", "ID token exp missing"))?;
    if exp + LEEWAY_S <= now {
        return Err(bad("exp", "ID token has expired"));
    }
    let iat = c
        .get("iat")
        .and_then(Value::as_uint)
        .ok_or_else(|| bad("iat", "ID token iat missing"))?;
    if iat > now + LEEWAY_S || iat + MAX_AGE_S < now {
        return Err(bad("iat", "ID token iat out of range"));
    }
    let nonce = c.get("nonce");
    match (want.nonce, nonce) {
        (Some(sent), Some(Value::String(got))) if got == sent => {}
        (Some(_), _) => return Err(bad("nonce", "ID token nonce mismatch")),
        (None, None) => {}
        (None, Some(_)) if want.previous.is_some() => {}
        (None, Some(_)) => return Err(bad("nonce", "unexpected ID token nonce")),
    }
    if let Some(prev) = want.previous {
        let p = json::parse(prev).map_err(|_| bad("sub", "previous claims unreadable"))?;
        if p.get("sub").and_then(Value::as_str) != Some(sub)
            || p.get("iss").and_then(Value::as_str) != Some(want.issuer)
        {
            return Err(bad("sub", "refreshed ID token changed sub"));
        }
        let old_nonce = p.get("nonce").and_then(Value::as_str);
        if nonce.is_some() && nonce.and_then(Value::as_str) != old_nonce {
            return Err(bad("nonce", "refreshed ID token nonce changed"));
        }
    }
    out.push_str(&text);
    Ok(())
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// `check_claims` with the appended text as its result.
    fn claims_of(payload_b64: &str, want: &Expected<'_>) -> Result<String> {
        let mut out = String::new();
        check_claims(&mut out, payload_b64, want)?;
        Ok(out)
    }

    const NOW_S: f64 = 1_800_000_000.0;

    fn b64(s: &str) -> String {
        b64::encode(s.as_bytes())
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), b64("sig"))
    }

    fn claims(extra: &str) -> String {
        let base = format!(
            r#""iss":"https://as.example","sub":"u1","aud":"c1","exp":{},"iat":{},"nonce":"n1""#,
            NOW_S + 300.0,
            NOW_S - 10.0
        );
        if extra.is_empty() {
            format!("{{{base}}}")
        } else {
            format!("{{{base},{extra}}}")
        }
    }

    fn want(nonce: Option<&'static str>) -> Expected<'static> {
        Expected {
            issuer: "https://as.example",
            client_id: "c1",
            nonce,
            now_ms: NOW_S * 1000.0,
            previous: None,
        }
    }

    fn check(payload: &str) -> Result<String> {
        claims_of(&b64(payload), &want(Some("n1")))
    }

    fn field(r: Result<String>) -> &'static str {
        let e = r.unwrap_err();
        assert_eq!(e.code, Code::InvalidIdToken);
        e.field.unwrap()
    }

    #[test]
    fn accepts_a_good_token() {
        let t = token(r#"{"alg":"RS256","kid":"k1"}"#, &claims(""));
        let j = parse(&t).unwrap();
        assert_eq!(j.alg, Alg::Rs256);
        assert_eq!(j.kid.as_deref(), Some("k1"));
        assert!(t.starts_with(j.signing_input) && t.len() > j.signing_input.len());
        let c = claims_of(j.payload, &want(Some("n1"))).unwrap();
        assert!(c.contains("\"sub\":\"u1\""));
    }

    #[test]
    fn id03_id04_id05_algorithms() {
        for h in [
            r#"{"alg":"none"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"RS512"}"#,
            r#"{}"#,
            r#"{"alg":1}"#,
        ] {
            assert_eq!(
                field(parse(&token(h, "{}")).map(|_| String::new())),
                "alg",
                "{h}"
            );
        }
        let none = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
        assert!(parse(none).is_err());
        for a in ["PS256", "ES256"] {
            assert!(parse(&token(&format!(r#"{{"alg":"{a}"}}"#), "{}")).is_ok());
        }
    }

    #[test]
    fn id18_id19_malformed() {
        assert_eq!(
            field(parse(&token(r#"{"alg":"RS256","crit":["exp"]}"#, "{}")).map(|_| String::new())),
            "crit"
        );
        for t in [
            "a.b",
            "a.b.c.d",
            "a.b.c.d.e",
            "!!.e30.c2ln",
            "W10.e30.c2ln",
            "",
            "..",
            "eyJhbGciOiJSUzI1NiJ9.e30.",
        ] {
            assert!(parse(t).is_err(), "{t}");
        }
    }

    #[test]
    fn id06_to_id13_claims() {
        assert_eq!(
            field(check(
                &claims("").replace("https://as.example", "https://evil.example")
            )),
            "iss"
        );
        assert_eq!(
            field(check(
                &claims("").replace(r#""iss":"https://as.example","#, "")
            )),
            "iss"
        );
        assert_eq!(
            field(check(&claims("").replace(r#""aud":"c1""#, r#""aud":"c2""#))),
            "aud"
        );
        assert_eq!(
            field(check(&claims("").replace(r#""aud":"c1","#, ""))),
            "aud"
        );
        assert_eq!(
            field(check(
                &claims("").replace(r#""aud":"c1""#, r#""aud":["c1","other"]"#)
            )),
            "aud"
        );
        assert!(check(&claims("").replace(r#""aud":"c1""#, r#""aud":["c1"]"#)).is_ok());
        assert_eq!(field(check(&claims(r#""azp":"other""#))), "azp");
        assert!(check(&claims(r#""azp":"c1""#)).is_ok());
        let expired = claims("").replace(
            &format!("\"exp\":{}", NOW_S + 300.0),
            &format!("\"exp\":{}", NOW_S - 301.0),
        );
        assert_eq!(field(check(&expired)), "exp");
        assert_eq!(
            field(check(
                &claims("").replace(&format!("\"exp\":{},", NOW_S + 300.0), "")
            )),
            "exp"
        );
        assert_eq!(
            field(check(&claims("").replace(
                &format!("\"exp\":{}", NOW_S + 300.0),
                "\"exp\":\"123\""
            ))),
            "exp"
        );
        assert_eq!(
            field(check(
                &claims("").replace(&format!("\"iat\":{},", NOW_S - 10.0), "")
            )),
            "iat"
        );
        let week_old = claims("").replace(
            &format!("\"iat\":{}", NOW_S - 10.0),
            &format!("\"iat\":{}", NOW_S - 7.0 * 86400.0),
        );
        assert_eq!(field(check(&week_old)), "iat");
        let future = claims("").replace(
            &format!("\"iat\":{}", NOW_S - 10.0),
            &format!("\"iat\":{}", NOW_S + 3600.0),
        );
        assert_eq!(field(check(&future)), "iat");
        assert_eq!(
            field(check(&claims("").replace("\"n1\"", "\"n2\""))),
            "nonce"
        );
        assert_eq!(
            field(check(&claims("").replace(r#","nonce":"n1""#, ""))),
            "nonce"
        );
        assert_eq!(field(claims_of(&b64(&claims("")), &want(None))), "nonce");
        assert_eq!(
            field(check(&claims("").replace(r#""sub":"u1","#, ""))),
            "sub"
        );
        assert_eq!(
            field(check(&claims("").replace(r#""sub":"u1""#, r#""sub":"""#))),
            "sub"
        );
        assert_eq!(field(claims_of("!!", &want(Some("n1")))), "payload");
        assert_eq!(field(check("[]")), "payload");
        assert_eq!(
            field(check(&format!(
                "{},\"sub\":\"x\"}}",
                &claims("")[..claims("").len() - 1]
            ))),
            "payload"
        );
    }

    #[test]
    fn id22_refresh_keeps_iss_sub() {
        let first = claims("");
        let mut w = want(None);
        w.previous = Some(&first);
        let refreshed = claims("").replace(r#","nonce":"n1""#, "");
        assert!(claims_of(&b64(&refreshed), &w).is_ok());
        assert!(claims_of(&b64(&first), &w).is_ok());
        let other = refreshed.replace(r#""sub":"u1""#, r#""sub":"u2""#);
        assert_eq!(field(claims_of(&b64(&other), &w)), "sub");
        let other_nonce = claims("").replace("\"n1\"", "\"zz\"");
        assert_eq!(field(claims_of(&b64(&other_nonce), &w)), "nonce");
    }
}
