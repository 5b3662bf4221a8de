//! The crate's own Rust code, run inside the browser: the verifier must come
//! from WebCrypto (getrandom's `wasm_js` backend) and SHA-256 must give the
//! same answer in wasm as natively.
#![cfg(target_arch = "wasm32")]

use pkce_wasm::pkce::CodeVerifier;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// RFC 7636 Appendix B.
const APPENDIX_B_OCTETS: [u8; 32] = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
    105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
];

#[wasm_bindgen_test]
fn generated_verifiers_are_43_unreserved_chars_and_differ() {
    let a = CodeVerifier::generate().expect("CodeVerifier::generate failed in the browser");
    let b = CodeVerifier::generate().expect("CodeVerifier::generate failed in the browser");
    for v in [&a, &b] {
        assert_eq!(v.secret().len(), 43, "verifier length");
        assert!(
            v.secret()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "verifier is not base64url"
        );
    }
    assert_ne!(a.secret(), b.secret(), "two verifiers are equal");
    assert_ne!(a.challenge(), b.challenge(), "two challenges are equal");
}

#[wasm_bindgen_test]
fn rfc7636_appendix_b_vector() {
    let v = CodeVerifier::from_bytes(&APPENDIX_B_OCTETS);
    assert_eq!(v.secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

#[wasm_bindgen_test]
fn generated_verifier_round_trips_through_parse() {
    let v = CodeVerifier::generate().expect("CodeVerifier::generate failed in the browser");
    let challenge = v.challenge();
    let back =
        CodeVerifier::parse(v.secret().to_string()).expect("parse refused a generated verifier");
    assert_eq!(back.challenge(), challenge);
}
