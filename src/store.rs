//! The stored transaction: what the callback needs (verifier, redirect URI,
//! issuer, nonce, creation time, app state), one record per `state` under
//! `pkce-wasm.tx.<state>`. This module owns the record's format and expiry;
//! the JS layer only moves the text to and from the configured storage.

use crate::json::{self, Value};
use crate::pkce::CodeVerifier;

pub const PREFIX: &str = "pkce-wasm.tx.";
const VERSION: &str = "1";
/// A record dated this far in the future was not written by this clock.
const MAX_CLOCK_SKEW_MS: f64 = 5.0 * 60.0 * 1000.0;

/// Appends the storage key of the transaction `state` names.
pub fn push_key(out: &mut String, state: &str) {
    out.push_str(PREFIX);
    out.push_str(state);
}

/// A stored transaction, as read back.
pub struct Record {
    pub verifier: CodeVerifier,
    pub redirect_uri: String,
    pub issuer: Option<String>,
    /// Kept for ID token validation (OIDC Core §3.1.3.7 step 11).
    pub nonce: Option<String>,
    pub created_at: f64,
    /// The app's state as JSON text, opaque to this library.
    pub app_state: Option<String>,
}

impl core::fmt::Debug for Record {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Record([redacted])")
    }
}

/// Appends a record's text from borrowed parts (what `Record::serialize`
/// writes), so a new login need not gather them into a `Record` first.
pub fn serialize(
    o: &mut String,
    verifier: &str,
    redirect_uri: &str,
    issuer: Option<&str>,
    nonce: Option<&str>,
    app_state: Option<&str>,
    created_at: f64,
) {
    o.push_str("{\"v\":");
    o.push_str(VERSION);
    let mut field = |name: &str, v: Option<&str>| json::write_member(o, name, v);
    field("verifier", Some(verifier));
    field("redirectUri", Some(redirect_uri));
    field("issuer", issuer);
    field("nonce", nonce);
    field("appState", app_state);
    o.push_str(",\"createdAt\":");
    json::write_u64(o, created_at.max(0.0) as u64);
    o.push('}');
}

impl Record {
    pub fn serialize(&self) -> String {
        let mut o = String::new();
        serialize(
            &mut o,
            self.verifier.secret(),
            &self.redirect_uri,
            self.issuer.as_deref(),
            self.nonce.as_deref(),
            self.app_state.as_deref(),
            self.created_at,
        );
        o
    }

    /// `None` for anything that is not a record this version wrote
    /// (tampered, truncated, older schema): such an entry counts as absent.
    pub fn parse(text: &str) -> Option<Record> {
        let v = json::parse(text).ok()?;
        if !matches!(v.get("v"), Some(Value::Number(n)) if *n == VERSION) {
            return None;
        }
        // Everything is read borrowed first, and copied only once it all fits.
        let string = |k: &str| match v.get(k) {
            None => Some(None),
            Some(Value::String(s)) => Some(Some(s.as_str())),
            Some(_) => None,
        };
        let created_at = v.get("createdAt")?.as_uint()?;
        let verifier = string("verifier")??;
        let redirect_uri = string("redirectUri")??;
        let (issuer, nonce, app_state) = (string("issuer")?, string("nonce")?, string("appState")?);
        Some(Record {
            verifier: CodeVerifier::parse_str(verifier)?,
            redirect_uri: redirect_uri.into(),
            issuer: issuer.map(Into::into),
            nonce: nonce.map(Into::into),
            app_state: app_state.map(Into::into),
            created_at,
        })
    }

    pub fn expired(&self, now: f64, ttl_ms: f64) -> bool {
        now - self.created_at > ttl_ms || self.created_at - now > MAX_CLOCK_SKEW_MS
    }
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn record() -> Record {
        Record {
            verifier: CodeVerifier::from_bytes(&[7; 32]),
            redirect_uri: "https://app.example/cb".into(),
            issuer: Some("https://as.example".into()),
            nonce: None,
            created_at: 1_700_000_000_123.0,
            app_state: Some("{\"returnTo\":\"/x\\\"y\"}".into()),
        }
    }

    #[test]
    fn round_trip() {
        let text = record().serialize();
        let back = Record::parse(&text).unwrap();
        assert_eq!(back.verifier.secret(), record().verifier.secret());
        assert_eq!(back.redirect_uri, "https://app.example/cb");
        assert_eq!(back.issuer.as_deref(), Some("https://as.example"));
        assert_eq!(back.nonce, None);
        assert_eq!(back.created_at, 1_700_000_000_123.0);
        assert_eq!(
            back.app_state.as_deref(),
            Some("{\"returnTo\":\"/x\\\"y\"}")
        );
    }

    #[test]
    fn sg05_tampered_or_foreign_records_are_absent() {
        let good = record().serialize();
        for bad in [
            String::new(),
            "null".into(),
            "[]".into(),
            good.replace("\"v\":1", "\"v\":2"),
            good.replace(record().verifier.secret(), "short"),
            good.replace(record().verifier.secret(), &"a+".repeat(30)),
            good.replace("\"createdAt\":1700000000123", "\"createdAt\":\"x\""),
            good.replace("\"createdAt\":1700000000123", "\"createdAt\":-5"),
            good.replace("\"redirectUri\"", "\"redirectURI\""),
            good[..good.len() - 1].to_string(),
            good.replace("{\"v\":1", "{\"v\":1,\"v\":1"),
        ] {
            assert!(Record::parse(&bad).is_none(), "accepted {bad}");
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
    fn debug_is_redacted() {
        assert!(!format!("{:?}", record()).contains(record().verifier.secret()));
    }
}
