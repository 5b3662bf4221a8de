//! PKCE (RFC 7636): the code verifier and its S256 challenge. `plain` does not
//! exist here, so it can never be offered or downgraded to (RFC 7636 §7.2).

use crate::b64;
use crate::error::Result;

/// A secret: redacted `Debug`, no `Clone`, no `PartialEq`. It is consumed by
/// value when the code is exchanged, so one verifier serves one token request.
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// A fresh verifier: 32 bytes from the platform CSPRNG (WebCrypto in the
    /// browser), 43 base64url characters, ~256 bits (RFC 7636 §7.1).
    pub fn generate() -> Result<Self> {
        Ok(Self::from_bytes(&random_bytes::<32>()?))
    }

    pub fn from_bytes(bytes: &[u8]) -> Self {
        CodeVerifier(b64::encode(bytes))
    }

    /// Accepts a stored verifier only if it is one RFC 7636 §4.1 allows:
    /// 43–128 characters of `[A-Z a-z 0-9 - . _ ~]`.
    pub fn parse(s: String) -> Option<Self> {
        valid(&s).then_some(CodeVerifier(s))
    }

    /// `parse` of a borrowed value, copied only when it is valid.
    pub(crate) fn parse_str(s: &str) -> Option<Self> {
        valid(s).then(|| CodeVerifier(s.into()))
    }

    /// `BASE64URL(SHA256(ASCII(code_verifier)))`.
    pub fn challenge(&self) -> String {
        let mut out = String::new();
        self.push_challenge(&mut out);
        out
    }

    /// `challenge`, appended to `out` (43 base64url characters).
    pub fn push_challenge(&self, out: &mut String) {
        b64::encode_into(out, &sha256(self.0.as_bytes()));
    }

    pub fn secret(&self) -> &str {
        &self.0
    }
}

fn valid(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// SHA-256 (FIPS 180-4) of a short message: the padding (0x80, zeros, the bit
/// length) is written here and the blocks go to sha2's compression function,
/// which is all of the `Digest` API one hash of a verifier needs.
fn sha256(msg: &[u8]) -> [u8; 32] {
    use sha2::digest::generic_array::GenericArray;
    let mut state: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    // The whole blocks straight from `msg`; the rest, padded, from the stack
    // (one block, or two when the bit length no longer fits after the tail).
    let (whole, tail) = msg.split_at(msg.len() & !63);
    let mut last = [0u8; 128];
    last[..tail.len()].copy_from_slice(tail);
    last[tail.len()] = 0x80;
    let end = if tail.len() < 56 { 64 } else { 128 };
    last[end - 8..end].copy_from_slice(&(msg.len() as u64 * 8).to_be_bytes());
    for block in whole.chunks_exact(64).chain(last[..end].chunks_exact(64)) {
        sha2::compress256(&mut state, &[*GenericArray::from_slice(block)]);
    }
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

impl core::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

/// An opaque random value for `state` or `nonce`: `bytes` of entropy,
/// base64url (URL-safe, no escaping needed anywhere).
pub fn random_token<const N: usize>() -> Result<String> {
    Ok(b64::encode(&random_bytes::<N>()?))
}

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    fill_random(&mut buf)?;
    Ok(buf)
}

// In the browser the module asks `crypto.getRandomValues` directly, writing
// into its own memory: one boundary crossing per value, no copies, no JS
// objects held. A missing or failing `getRandomValues` throws through the
// call; js/index.js reports that as `crypto_unavailable` (fail closed, no weak
// fallback, RFC 7636 §7.1).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

#[cfg(target_arch = "wasm32")]
fn fill_random(buf: &mut [u8]) -> Result<()> {
    get_random_values(buf);
    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| {
        crate::error::Error::new(
            crate::error::Code::CryptoUnavailable,
            "no operating-system random number generator",
        )
    })
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const APPENDIX_B_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    #[test]
    fn sha256_matches_the_digest_api_across_block_boundaries() {
        use sha2::{Digest, Sha256};
        let msg: Vec<u8> = (0..300u32).map(|i| (i * 31 + 7) as u8).collect();
        for n in 0..=msg.len() {
            assert_eq!(sha256(&msg[..n]), Sha256::digest(&msg[..n])[..], "{n}");
        }
        // FIPS 180-2 Appendix B.1.
        assert_eq!(
            b64::encode(&sha256(b"abc")),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    #[test]
    fn rfc7636_appendix_b_vector() {
        let v = CodeVerifier::from_bytes(&APPENDIX_B_OCTETS);
        assert_eq!(v.secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn generated_verifier_is_43_unreserved_chars_and_fresh() {
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
    fn parse_enforces_length_and_charset() {
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
        let a = random_token::<32>().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token::<32>().unwrap());
    }
}
