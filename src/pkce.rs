//! PKCE (RFC 7636): the code verifier and its S256 challenge, and the other
//! random values of a login. `plain` does not exist here, so it can never be
//! offered or downgraded to (RFC 7636 §7.2).

use crate::error::{Code, Error, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// base64url without padding (RFC 7636 Appendix A, RFC 7515 §2).
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The bytes of a base64url text without padding; `None` for anything else.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// `BASE64URL(SHA256(bytes))`: the S256 challenge, and DPoP's `ath`.
pub fn s256(bytes: &[u8]) -> String {
    b64(&Sha256::digest(bytes))
}

/// A secret: redacted `Debug`, no `Clone`, no `PartialEq`. It is consumed by
/// value when the code is exchanged, so one verifier serves one token request.
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// A fresh verifier: 32 bytes from `crypto.getRandomValues` (the OS
    /// generator in native tests), 43 base64url characters, 256 bits
    /// (RFC 7636 §7.1).
    pub fn generate() -> Result<Self> {
        Ok(Self::from_bytes(&random_bytes()?))
    }

    pub fn from_bytes(bytes: &[u8]) -> Self {
        CodeVerifier(b64(bytes))
    }

    /// Accepts a stored verifier only if it is one RFC 7636 §4.1 allows:
    /// 43–128 characters of `[A-Z a-z 0-9 - . _ ~]`.
    pub fn parse(s: String) -> Option<Self> {
        let valid = (43..=128).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        valid.then_some(CodeVerifier(s))
    }

    /// `BASE64URL(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2).
    pub fn challenge(&self) -> String {
        s256(self.0.as_bytes())
    }

    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Gives the text up, for the record that carries it to the callback.
    pub fn into_secret(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

/// An opaque random value for `state` or `nonce`: 256 bits, base64url
/// (URL-safe, so it needs no escaping anywhere).
pub fn random_token() -> Result<String> {
    Ok(b64(&random_bytes()?))
}

fn random_bytes() -> Result<[u8; 32]> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|_| {
        Error::new(
            Code::CryptoUnavailable,
            "crypto.getRandomValues is unavailable; there is no weak fallback",
        )
    })?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test --lib`, where
    // the random values come from crypto.getRandomValues.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const APPENDIX_B_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    #[test]
    fn rfc7636_appendix_b_vector() {
        let v = CodeVerifier::from_bytes(&APPENDIX_B_OCTETS);
        assert_eq!(v.secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn rfc7636_appendix_a_base64url() {
        assert_eq!(b64(&[3, 236, 255, 224, 193]), "A-z_4ME");
        assert_eq!(b64_decode("A-z_4ME").unwrap(), [3, 236, 255, 224, 193]);
        for bad in ["A-z_4ME=", "A+z/4ME", "A-z_4M E", "A"] {
            assert!(b64_decode(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn rfc9449_ath_vector() {
        assert_eq!(
            s256(b"Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn st02_st03_generated_verifier_is_43_unreserved_chars_and_fresh() {
        let a = CodeVerifier::generate().unwrap();
        let b = CodeVerifier::generate().unwrap();
        assert_eq!(a.secret().len(), 43);
        assert!(a
            .secret()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a.secret(), b.secret());
        let ch = a.challenge();
        assert_eq!(ch.len(), 43);
        assert!(!ch.contains('=') && !ch.contains('+') && !ch.contains('/'));
    }

    #[test]
    fn st04_parse_enforces_length_and_charset() {
        assert!(CodeVerifier::parse("a".repeat(42)).is_none());
        assert!(CodeVerifier::parse("a".repeat(43)).is_some());
        assert!(CodeVerifier::parse("a".repeat(128)).is_some());
        assert!(CodeVerifier::parse("a".repeat(129)).is_none());
        for bad in ["+", "/", "=", " ", "%", "é"] {
            let s = "a".repeat(42) + bad;
            assert!(CodeVerifier::parse(s).is_none(), "accepted {bad:?}");
        }
        assert!(CodeVerifier::parse("a".repeat(40) + "-._~").is_some());
    }

    #[test]
    fn debug_is_redacted() {
        let v = CodeVerifier::from_bytes(&APPENDIX_B_OCTETS);
        let shown = format!("{v:?}");
        assert!(!shown.contains("dBjftJeZ"));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn random_tokens_differ() {
        let a = random_token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token().unwrap());
    }
}
