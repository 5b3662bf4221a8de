//! The pending login between the redirect and the callback: one record per
//! `state`, under `pkce-wasm.tx.<state>`, with its creation time, and bound to
//! the client configuration that made it (RFC 9700 §4.4.2: the issuer and the
//! token endpoint the code may go to; RFC 8252 §8.10: the redirect URI).

use crate::config::Config;
use crate::pkce::CodeVerifier;
use crate::value;
use wasm_bindgen::JsValue;

pub const PREFIX: &str = "pkce-wasm.tx.";
/// Version 2 added the binding (client id, token endpoint); a version-1
/// record from before counts as absent.
const VERSION: u32 = 2;
/// A record dated this far in the future was not written by this clock.
const MAX_CLOCK_SKEW_MS: f64 = 5.0 * 60.0 * 1000.0;

/// The storage key of the transaction `state` names.
pub fn key(state: &str) -> String {
    let mut k = String::with_capacity(PREFIX.len() + state.len());
    k.push_str(PREFIX);
    k.push_str(state);
    k
}

/// A stored transaction: written member by member and `JSON.stringify`, read
/// back with `JSON.parse` member by member.
pub struct Record {
    pub v: u32,
    verifier: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub token_endpoint: String,
    pub issuer: Option<String>,
    /// Kept for ID token validation (OIDC Core §3.1.3.7 step 11).
    pub nonce: Option<String>,
    /// The app's state as JSON text, opaque to this library.
    pub app_state: Option<String>,
    /// The token endpoint's last DPoP nonce (RFC 9449 §8), when the PAR
    /// answer gave one: the callback page starts with it instead of paying
    /// a `use_dpop_nonce` round trip. Public, not a secret.
    pub dpop_nonce: Option<String>,
    pub created_at: f64,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Record([redacted])")
    }
}

impl Record {
    /// The record of a new login by `cfg`; the verifier is moved in.
    pub fn new(
        cfg: &Config,
        verifier: CodeVerifier,
        nonce: Option<String>,
        app_state: Option<String>,
        now_ms: f64,
    ) -> Record {
        Record {
            v: VERSION,
            verifier: verifier.into_secret(),
            client_id: cfg.client_id().into(),
            redirect_uri: cfg.redirect_uri().into(),
            token_endpoint: cfg.token_endpoint().into(),
            issuer: cfg.issuer().map(Into::into),
            nonce,
            app_state,
            dpop_nonce: None,
            created_at: now_ms.max(0.0).floor(),
        }
    }

    /// The record as JSON text. Written by hand, as it is read: the first
    /// login of a page runs this, and serde's serializer (with its string
    /// cache) would be compiled for it on the spot.
    pub fn to_json(&self) -> String {
        let o = js_sys::Object::new();
        let text = |k: &str, v: &str| value::set(&o, k, &v.into());
        value::set(&o, "v", &self.v.into());
        text("verifier", &self.verifier);
        text("clientId", &self.client_id);
        text("redirectUri", &self.redirect_uri);
        text("tokenEndpoint", &self.token_endpoint);
        for (k, v) in [
            ("issuer", &self.issuer),
            ("nonce", &self.nonce),
            ("appState", &self.app_state),
            ("dpopNonce", &self.dpop_nonce),
        ] {
            if let Some(v) = v {
                text(k, v);
            }
        }
        value::set(&o, "createdAt", &self.created_at.into());
        js_sys::JSON::stringify(&o)
            .map(String::from)
            .unwrap_or_default()
    }

    /// The record in a parsed JSON object; `None` when a member is missing
    /// or of the wrong type.
    pub fn read(obj: &JsValue) -> Option<Record> {
        let text = |k| value::text(obj, k);
        Some(Record {
            v: value::number(obj, "v")??.clamp(0.0, 1e9) as u32,
            verifier: text("verifier")??,
            client_id: text("clientId")??,
            redirect_uri: text("redirectUri")??,
            token_endpoint: text("tokenEndpoint")??,
            issuer: text("issuer")?,
            nonce: text("nonce")?,
            app_state: text("appState")?,
            dpop_nonce: text("dpopNonce")?,
            created_at: value::number(obj, "createdAt")??,
        })
    }

    /// A record read back is used only if this version wrote it and its
    /// verifier is one RFC 7636 allows; anything else (tampered, truncated,
    /// older schema) counts as absent. Gives the verifier out by value.
    pub fn into_checked(self) -> Option<(CodeVerifier, Record)> {
        if self.v != VERSION || !self.created_at.is_finite() || self.created_at < 0.0 {
            return None;
        }
        let mut rest = self;
        let verifier = CodeVerifier::parse(std::mem::take(&mut rest.verifier))?;
        Some((verifier, rest))
    }

    pub fn expired(&self, now: f64, ttl_ms: f64) -> bool {
        now - self.created_at > ttl_ms || self.created_at - now > MAX_CLOCK_SKEW_MS
    }

    /// Whether this client configuration made the record. Another client or
    /// provider sharing the redirect URI must not redeem it: its code would
    /// go to the wrong token endpoint with this verifier (RFC 9700 §4.4).
    pub fn made_by(&self, cfg: &Config) -> bool {
        self.client_id == cfg.client_id()
            && self.redirect_uri == cfg.redirect_uri()
            && self.token_endpoint == cfg.token_endpoint()
            && self.issuer.as_deref() == cfg.issuer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn record() -> Record {
        Record {
            v: VERSION,
            verifier: CodeVerifier::from_bytes(&[7; 32]).into_secret(),
            client_id: "spa".into(),
            redirect_uri: "https://app.example/cb".into(),
            token_endpoint: "https://as.example/token".into(),
            issuer: Some("https://as.example".into()),
            nonce: None,
            app_state: None,
            dpop_nonce: None,
            created_at: 1_700_000_000_123.0,
        }
    }

    #[test]
    fn ttl_and_clock_skew() {
        let r = record();
        let t = r.created_at;
        assert!(!r.expired(t, 600_000.0));
        assert!(!r.expired(t + 600_000.0, 600_000.0));
        assert!(r.expired(t + 600_001.0, 600_000.0));
        assert!(r.expired(t - 10.0 * 60_000.0, 600_000.0));
    }

    #[test]
    fn sg05_only_a_current_record_with_a_valid_verifier_is_used() {
        assert!(record().into_checked().is_some());
        for bad in [
            Record { v: 1, ..record() },
            Record {
                verifier: "short".into(),
                ..record()
            },
            Record {
                verifier: "a+".repeat(30),
                ..record()
            },
            Record {
                created_at: -5.0,
                ..record()
            },
            Record {
                created_at: f64::NAN,
                ..record()
            },
            Record {
                created_at: f64::INFINITY,
                ..record()
            },
        ] {
            assert!(bad.into_checked().is_none());
        }
    }

    /// What is written is read back whole (browser only: JSON is the platform's).
    #[cfg(target_arch = "wasm32")]
    #[test]
    fn written_and_read_back() {
        let mut r = record();
        r.nonce = Some("n".into());
        r.app_state = Some(r#"{"a":"\"q\""}"#.into());
        r.dpop_nonce = Some("dn".into());
        let v = value::parse(&r.to_json()).unwrap();
        let back = Record::read(&v).unwrap();
        assert_eq!(
            (&back.client_id, &back.redirect_uri, &back.token_endpoint),
            (&r.client_id, &r.redirect_uri, &r.token_endpoint)
        );
        assert_eq!((back.v, back.created_at), (r.v, r.created_at));
        assert_eq!(
            (&back.issuer, &back.nonce, &back.app_state, &back.dpop_nonce),
            (&r.issuer, &r.nonce, &r.app_state, &r.dpop_nonce)
        );
        assert_eq!(back.verifier, r.verifier);
        // Absent members stay absent.
        let bare = Record {
            issuer: None,
            ..record()
        };
        let v = value::parse(&bare.to_json()).unwrap();
        assert!(value::get(&v, "issuer").is_undefined());
        assert!(value::get(&v, "nonce").is_undefined());
    }

    #[test]
    fn keys_are_prefixed_states() {
        assert_eq!(key("abc"), "pkce-wasm.tx.abc");
    }

    #[test]
    fn debug_is_redacted() {
        let r = record();
        assert!(!format!("{r:?}").contains(&r.verifier));
    }
}
