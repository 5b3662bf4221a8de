//! The pending login between the redirect and the callback: one record per
//! `state`, under `pkce-wasm.tx.<state>`, with its creation time, and bound to
//! the client configuration that made it (RFC 9700 §4.4.2: the issuer and the
//! token endpoint the code may go to; RFC 8252 §8.10: the redirect URI).

use crate::config::Config;
use crate::pkce::CodeVerifier;
use crate::value;
use serde::Serialize;
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

/// A stored transaction: written with serde-wasm-bindgen and
/// `JSON.stringify`, read back with `JSON.parse` member by member.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub v: u32,
    verifier: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub token_endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Kept for ID token validation (OIDC Core §3.1.3.7 step 11).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The app's state as JSON text, opaque to this library.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_state: Option<String>,
    /// The token endpoint's last DPoP nonce (RFC 9449 §8), when the PAR
    /// answer gave one: the callback page starts with it instead of paying
    /// a `use_dpop_nonce` round trip. Public, not a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
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
