//! ID token validation (OIDC Core §2, §3.1.3.7, §12.2), in three steps: the
//! compact JWS is split and its header read (`alg` must be asymmetric, no
//! `crit`); the signature is verified with the issuer's JWKS through
//! WebCrypto (`crypto`); then the claims are checked. Keys named in the token
//! itself (`jku`, `x5u`, `jwk`, `x5c`) are never used: only the issuer's JWKS.

use crate::error::{Code, Error, Result};
use crate::pkce::b64_decode;
use crate::value::{self, members, Value};
use wasm_bindgen::JsValue;

/// Tolerated clock difference for `exp` and `iat`, seconds.
pub const LEEWAY_S: f64 = 60.0;
/// An ID token issued longer ago than this is refused (replay of an old token).
pub const MAX_AGE_S: f64 = 24.0 * 3600.0;

fn bad(field: &'static str, message: &'static str) -> Error {
    Error::new(Code::InvalidIdToken, message).field(field)
}

/// The signature algorithms accepted: asymmetric only. `none` and the HMAC
/// family are refused: a public client has no secret to key a MAC with, and
/// accepting HS256 would let anyone sign with the public key (ID-03, ID-04).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
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

    /// The JWK key type that can carry this algorithm.
    pub fn kty(self) -> &'static str {
        match self {
            Alg::Es256 => "EC",
            _ => "RSA",
        }
    }
}

/// A compact JWS split into its parts; nothing is checked but the shape.
pub struct Compact<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
}

/// Three parts (a JWE has five).
pub fn split(token: &str) -> Result<Compact<'_>> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("id_token", "ID token is not a JWS"));
    };
    Ok(Compact {
        header: h,
        payload: p,
        signature: s,
        signing_input: &token[..h.len() + 1 + p.len()],
    })
}

impl Compact<'_> {
    /// The signature bytes: base64url, not empty (an unsecured JWS has none).
    pub fn signature(&self) -> Result<Vec<u8>> {
        b64_decode(self.signature)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("signature", "ID token signature malformed"))
    }
}

/// A base64url part as UTF-8 text.
fn text(part: &str) -> Option<String> {
    String::from_utf8(b64_decode(part)?).ok()
}

members! {
    /// The header members that decide how the token is checked.
    pub struct Header { alg: "alg", kid: "kid", crit: "crit" }
}

/// Reads the header with `JSON.parse` and checks it.
pub fn read_header(c: &Compact<'_>) -> Result<(Alg, Option<String>)> {
    let h: Header = text(c.header)
        .and_then(|t| value::parse(&t))
        .filter(value::is_object)
        .map(|v| Header::read(&v))
        .ok_or_else(|| bad("header", "ID token header malformed"))?;
    check_header(h)
}

pub fn check_header(h: Header) -> Result<(Alg, Option<String>)> {
    if h.crit.is_some() {
        return Err(bad("crit", "ID token has crit parameters"));
    }
    let alg = match h.alg.as_ref().and_then(Value::as_str) {
        Some("RS256") => Alg::Rs256,
        Some("PS256") => Alg::Ps256,
        Some("ES256") => Alg::Es256,
        _ => return Err(bad("alg", "ID token alg must be RS256, PS256 or ES256")),
    };
    let kid = match h.kid {
        None => None,
        Some(Value::String(k)) => Some(k),
        Some(_) => return Err(bad("kid", "ID token kid malformed")),
    };
    Ok((alg, kid))
}

members! {
    /// The claims this client checks; the token's whole claim set is kept as
    /// the JS object `JSON.parse` made, for the app.
    pub struct Claims {
        iss: "iss",
        sub: "sub",
        aud: "aud",
        azp: "azp",
        exp: "exp",
        iat: "iat",
        nonce: "nonce",
    }
}

impl Claims {
    /// The claims of a JS object (a session's stored claims).
    pub fn of(v: &JsValue) -> Option<Claims> {
        value::is_object(v).then(|| Claims::read(v))
    }
}

/// Reads the payload with `JSON.parse`: the checked claims and the object.
pub fn read_claims(c: &Compact<'_>) -> Result<(Claims, JsValue)> {
    let object = text(c.payload)
        .and_then(|t| value::parse(&t))
        .filter(value::is_object)
        .ok_or_else(|| bad("payload", "ID token payload malformed"))?;
    Ok((Claims::read(&object), object))
}

/// What the claims must say.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// The nonce sent with the login; `None` for a refresh.
    pub nonce: Option<&'a str>,
    pub now_ms: f64,
    /// The claims of the ID token this session started with, for a
    /// refreshed ID token: `iss` and `sub` must not change (§12.2).
    pub previous: Option<&'a Claims>,
}

/// A NumericDate (seconds), any finite number `>= 0`.
fn seconds(v: &Option<Value>) -> Option<f64> {
    v.as_ref()
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite() && *n >= 0.0)
}

fn string(v: &Option<Value>) -> Option<&str> {
    v.as_ref().and_then(Value::as_str)
}

/// Validates the claims of a signature-checked token, in the order of OIDC
/// Core §3.1.3.7.
pub fn check_claims(c: &Claims, want: &Expected<'_>) -> Result<()> {
    if string(&c.iss) != Some(want.issuer) {
        return Err(bad("iss", "ID token iss mismatch"));
    }
    let Some(sub) = string(&c.sub).filter(|s| !s.is_empty()) else {
        return Err(bad("sub", "ID token has no sub"));
    };
    match &c.aud {
        Some(Value::String(a)) if a == want.client_id => {}
        Some(Value::Array(list))
            if !list.is_empty() && list.iter().all(|a| a.as_str() == Some(want.client_id)) => {}
        Some(Value::Array(list)) if list.iter().any(|a| a.as_str() == Some(want.client_id)) => {
            return Err(bad("aud", "ID token aud has other audiences"))
        }
        _ => return Err(bad("aud", "ID token aud lacks this client")),
    }
    match &c.azp {
        None => {}
        Some(a) if a.as_str() == Some(want.client_id) => {}
        Some(_) => return Err(bad("azp", "ID token azp mismatch")),
    }
    let now = want.now_ms / 1000.0;
    let exp = seconds(&c.exp).ok_or_else(|| bad("exp", "ID token exp missing"))?;
    if exp + LEEWAY_S <= now {
        return Err(bad("exp", "ID token has expired"));
    }
    let iat = seconds(&c.iat).ok_or_else(|| bad("iat", "ID token iat missing"))?;
    if iat > now + LEEWAY_S || iat + MAX_AGE_S < now {
        return Err(bad("iat", "ID token iat out of range"));
    }
    match (want.nonce, &c.nonce) {
        (Some(sent), Some(Value::String(got))) if got == sent => {}
        (Some(_), _) => return Err(bad("nonce", "ID token nonce mismatch")),
        (None, None) => {}
        (None, Some(_)) if want.previous.is_some() => {}
        (None, Some(_)) => return Err(bad("nonce", "unexpected ID token nonce")),
    }
    if let Some(p) = want.previous {
        if string(&p.sub) != Some(sub) || string(&p.iss) != Some(want.issuer) {
            return Err(bad("sub", "refreshed ID token changed sub"));
        }
        if c.nonce.is_some() && string(&c.nonce) != string(&p.nonce) {
            return Err(bad("nonce", "refreshed ID token nonce changed"));
        }
    }
    Ok(())
}

members! {
    /// The members of a JWK that decide whether it may verify a token.
    pub struct JwkInfo { kty: "kty", crv: "crv", use_: "use", alg: "alg", kid: "kid" }
}

impl JwkInfo {
    /// A signing key of the algorithm's type (P-256 for ES256), for this
    /// algorithm when it names one, with the token's `kid` when it has one.
    pub fn fits(&self, alg: Alg, kid: Option<&str>) -> bool {
        string(&self.kty) == Some(alg.kty())
            && (alg != Alg::Es256 || string(&self.crv) == Some("P-256"))
            && self.use_.as_ref().is_none_or(|u| u.as_str() == Some("sig"))
            && self
                .alg
                .as_ref()
                .is_none_or(|a| a.as_str() == Some(alg.as_str()))
            && kid.is_none_or(|k| string(&self.kid) == Some(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW_S: f64 = 1_800_000_000.0;

    fn s(v: &str) -> Option<Value> {
        Some(Value::String(v.into()))
    }

    fn n(v: f64) -> Option<Value> {
        Some(Value::Number(v))
    }

    fn claims() -> Claims {
        Claims {
            iss: s("https://as.example"),
            sub: s("u1"),
            aud: s("c1"),
            azp: None,
            exp: n(NOW_S + 300.0),
            iat: n(NOW_S - 10.0),
            nonce: s("n1"),
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

    fn field(c: Claims) -> String {
        let e = check_claims(&c, &want(Some("n1"))).unwrap_err();
        assert_eq!(e.code, Code::InvalidIdToken);
        e.field.clone().unwrap().into_owned()
    }

    #[test]
    fn accepts_good_claims() {
        check_claims(&claims(), &want(Some("n1"))).unwrap();
        let c = Claims {
            aud: Some(Value::Array(vec![Value::String("c1".into())])),
            azp: s("c1"),
            ..claims()
        };
        check_claims(&c, &want(Some("n1"))).unwrap();
    }

    #[test]
    fn id03_id04_id05_algorithms() {
        for alg in [s("none"), s("HS256"), s("RS512"), None, n(1.0)] {
            let h = Header {
                alg: alg.clone(),
                ..Header::default()
            };
            assert_eq!(
                check_header(h).unwrap_err().field.as_deref(),
                Some("alg"),
                "{alg:?}"
            );
        }
        for (a, want) in [
            ("RS256", Alg::Rs256),
            ("PS256", Alg::Ps256),
            ("ES256", Alg::Es256),
        ] {
            let h = Header {
                alg: s(a),
                kid: s("k1"),
                ..Header::default()
            };
            assert_eq!(check_header(h).unwrap(), (want, Some("k1".into())));
        }
        let h = Header {
            alg: s("RS256"),
            kid: n(1.0),
            ..Header::default()
        };
        assert_eq!(check_header(h).unwrap_err().field.as_deref(), Some("kid"));
    }

    #[test]
    fn id18_crit_is_refused() {
        let h = Header {
            alg: s("RS256"),
            crit: Some(Value::Array(vec![Value::String("exp".into())])),
            ..Header::default()
        };
        assert_eq!(check_header(h).unwrap_err().field.as_deref(), Some("crit"));
    }

    #[test]
    fn id19_shape() {
        for t in ["a.b", "a.b.c.d", "a.b.c.d.e", "", "."] {
            assert_eq!(
                split(t).err().unwrap().field.as_deref(),
                Some("id_token"),
                "{t}"
            );
        }
    }

    #[test]
    fn id06_to_id13_claims() {
        assert_eq!(
            field(Claims {
                iss: s("https://evil.example"),
                ..claims()
            }),
            "iss"
        );
        assert_eq!(
            field(Claims {
                iss: s("https://as.example/"),
                ..claims()
            }),
            "iss"
        );
        assert_eq!(
            field(Claims {
                iss: None,
                ..claims()
            }),
            "iss"
        );
        assert_eq!(
            field(Claims {
                aud: s("c2"),
                ..claims()
            }),
            "aud"
        );
        assert_eq!(
            field(Claims {
                aud: None,
                ..claims()
            }),
            "aud"
        );
        let two = Some(Value::Array(vec![
            Value::String("c1".into()),
            Value::String("other".into()),
        ]));
        assert_eq!(
            field(Claims {
                aud: two,
                ..claims()
            }),
            "aud"
        );
        assert_eq!(
            field(Claims {
                aud: Some(Value::Array(vec![])),
                ..claims()
            }),
            "aud"
        );
        assert_eq!(
            field(Claims {
                azp: s("other"),
                ..claims()
            }),
            "azp"
        );
        assert_eq!(
            field(Claims {
                exp: n(NOW_S - 301.0),
                ..claims()
            }),
            "exp"
        );
        assert_eq!(
            field(Claims {
                exp: None,
                ..claims()
            }),
            "exp"
        );
        assert_eq!(
            field(Claims {
                exp: s("123"),
                ..claims()
            }),
            "exp"
        );
        assert_eq!(
            field(Claims {
                exp: n(f64::NAN),
                ..claims()
            }),
            "exp"
        );
        assert_eq!(
            field(Claims {
                iat: None,
                ..claims()
            }),
            "iat"
        );
        assert_eq!(
            field(Claims {
                iat: n(NOW_S - 7.0 * 86400.0),
                ..claims()
            }),
            "iat"
        );
        assert_eq!(
            field(Claims {
                iat: n(NOW_S + 3600.0),
                ..claims()
            }),
            "iat"
        );
        assert_eq!(
            field(Claims {
                nonce: s("n2"),
                ..claims()
            }),
            "nonce"
        );
        assert_eq!(
            field(Claims {
                nonce: None,
                ..claims()
            }),
            "nonce"
        );
        let e = check_claims(&claims(), &want(None)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nonce"));
        assert_eq!(
            field(Claims {
                sub: None,
                ..claims()
            }),
            "sub"
        );
        assert_eq!(
            field(Claims {
                sub: s(""),
                ..claims()
            }),
            "sub"
        );
        // Within the leeway.
        check_claims(
            &Claims {
                exp: n(NOW_S - 59.0),
                ..claims()
            },
            &want(Some("n1")),
        )
        .unwrap();
    }

    #[test]
    fn id22_refresh_keeps_iss_sub() {
        let first = claims();
        let mut w = want(None);
        w.previous = Some(&first);
        check_claims(
            &Claims {
                nonce: None,
                ..claims()
            },
            &w,
        )
        .unwrap();
        check_claims(&claims(), &w).unwrap();
        let e = check_claims(
            &Claims {
                nonce: None,
                sub: s("u2"),
                ..claims()
            },
            &w,
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("sub"));
        let e = check_claims(
            &Claims {
                nonce: s("zz"),
                ..claims()
            },
            &w,
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nonce"));
    }

    #[test]
    fn jwks_key_selection() {
        let rsa = JwkInfo {
            kty: s("RSA"),
            kid: s("k1"),
            ..JwkInfo::default()
        };
        assert!(rsa.fits(Alg::Rs256, Some("k1")));
        assert!(rsa.fits(Alg::Ps256, None));
        assert!(!rsa.fits(Alg::Rs256, Some("k2")));
        assert!(!rsa.fits(Alg::Es256, Some("k1")));
        let enc = JwkInfo {
            use_: s("enc"),
            ..JwkInfo {
                kty: s("RSA"),
                ..JwkInfo::default()
            }
        };
        assert!(!enc.fits(Alg::Rs256, None));
        let ps = JwkInfo {
            kty: s("RSA"),
            alg: s("PS256"),
            ..JwkInfo::default()
        };
        assert!(!ps.fits(Alg::Rs256, None));
        let ec = JwkInfo {
            kty: s("EC"),
            crv: s("P-384"),
            ..JwkInfo::default()
        };
        assert!(!ec.fits(Alg::Es256, None));
        let ec = JwkInfo {
            kty: s("EC"),
            crv: s("P-256"),
            ..JwkInfo::default()
        };
        assert!(ec.fits(Alg::Es256, None));
    }
}

/// Headers and payloads through `JSON.parse`, in the browser.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use crate::pkce::b64;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.{}",
            b64(header.as_bytes()),
            b64(payload.as_bytes()),
            b64(b"sig")
        )
    }

    #[test]
    fn a_token_is_split_and_read() {
        let t = token(
            r#"{"alg":"RS256","kid":"k1"}"#,
            r#"{"sub":"u1","custom":{"a":[1]}}"#,
        );
        let c = split(&t).unwrap();
        assert_eq!(read_header(&c).unwrap(), (Alg::Rs256, Some("k1".into())));
        assert!(t.starts_with(c.signing_input) && t.len() > c.signing_input.len());
        assert_eq!(c.signature().unwrap(), b"sig");
        let (claims, object) = read_claims(&c).unwrap();
        assert_eq!(claims.sub, Some(Value::String("u1".into())));
        assert!(value::get(&object, "custom").is_object());
    }

    #[test]
    fn id03_the_unsecured_rfc7515_example_is_refused() {
        let none = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
        let e = split(none)
            .and_then(|c| read_header(&c).map(|_| ()))
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("alg"));
    }

    #[test]
    fn id19_malformed_parts() {
        for (t, field) in [
            ("!!.e30.c2ln", "header"),
            ("W10.e30.c2ln", "header"),
            ("..", "header"),
            ("eyJhbGciOiJSUzI1NiJ9.e30.", "signature"),
            ("eyJhbGciOiJSUzI1NiJ9.e30.!!", "signature"),
        ] {
            let c = split(t).unwrap();
            let e = read_header(&c).and_then(|_| c.signature()).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{t}");
        }
        for payload in ["!!", "W10", "bnVsbA"] {
            let t = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln");
            let e = read_claims(&split(&t).unwrap()).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("payload"), "{payload}");
        }
    }
}
