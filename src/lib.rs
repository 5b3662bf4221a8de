//! pkce-wasm: OAuth 2.0 Authorization Code + PKCE (RFC 7636) for browser
//! single-page apps and Capacitor/Cordova hybrid apps, compiled to
//! WebAssembly. [`PkceClient`] is the package's public class: it starts the
//! redirect, keeps the verifier in session storage, exchanges the returned
//! code with `fetch`, and keeps the session the app calls its API with.
//!
//! The protocol modules take typed values and return typed values
//! (`config`, `pkce`, `authorize`, `callback`, `transaction`, `token`, `jwt`,
//! `discovery`, `bearer`); the I/O modules reach the browser through
//! web-sys, js-sys and gloo-net (`storage`, `http`, `crypto`, `locks`);
//! `client` joins them into the class.

pub mod authorize;
pub mod bearer;
pub mod callback;
pub mod client;
pub mod config;
pub mod crypto;
pub mod discovery;
pub mod dpop;
pub mod error;
pub mod http;
pub mod jwt;
pub mod locks;
pub mod pkce;
pub mod popup;
pub mod storage;
pub mod token;
pub mod transaction;
pub mod value;

pub use client::PkceClient;
pub use error::{Code, Error};

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// std's dlmalloc is several KB of a module that allocates a few short
// strings per call; a free-list allocator is enough.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// Every parser and check meets hostile input: whatever it is given, it must
/// answer with a value or an error, never a panic (a panic traps the module).
#[cfg(test)]
pub(crate) mod robustness {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use crate::value::Value;

    /// A small deterministic generator (xorshift), so a failure reproduces.
    pub struct Rng(pub u64);

    impl Rng {
        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }

        /// Up to 24 pieces of URLs, JSON, JWTs and challenges, in any order.
        pub fn text(&mut self) -> String {
            const PIECES: &[&str] = &[
                "https://",
                "http://",
                "com.example.app:",
                "//",
                "/",
                "?",
                "#",
                "&",
                "=",
                "%",
                "%2",
                "%ZZ",
                "%E0%A4%A",
                "%FF",
                "+",
                "@",
                ":",
                "[",
                "]",
                "::1",
                "127.0.0.1",
                "localhost",
                "code",
                "state",
                "iss",
                "error",
                "a",
                "é",
                "\u{0}",
                " ",
                "\t",
                "\n",
                ".",
                "{",
                "}",
                "\"",
                "\\",
                "1",
                "-",
                "e",
                "0",
                "true",
                "null",
                ",",
                "eyJ",
                "_",
                "~",
                "*",
                "\u{1f600}",
                "Bearer",
                "bearer",
                "error=",
                "\"invalid_token\"",
            ];
            let n = self.next() % 24;
            (0..n).map(|_| self.pick(PIECES)).collect()
        }

        pub fn value(&mut self) -> Option<Value> {
            match self.next() % 8 {
                0 => None,
                1 => Some(Value::Bool(self.next().is_multiple_of(2))),
                2 => Some(Value::Number(
                    [0.0, -1.0, 1.5, 1e300, f64::NAN, f64::INFINITY, 3600.0]
                        [(self.next() % 7) as usize],
                )),
                3 => Some(Value::Array(vec![
                    Value::String(self.text()),
                    Value::Object,
                ])),
                4 => Some(Value::Object),
                _ => Some(Value::String(self.text())),
            }
        }
    }

    #[test]
    fn checks_answer_hostile_input_with_a_value_or_an_error() {
        use crate::jwt::{check_claims, check_header, split, Claims, Expected, Header, JwkInfo};
        use crate::token::{check_response, Body, Expect, RawResponse};
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut accepted, mut refused) = (0, 0);
        for i in 0..20_000u32 {
            let s = rng.text();
            let _ = crate::bearer::bearer_error(&s);
            let _ = crate::discovery::well_known(&s);
            let _ = crate::pkce::CodeVerifier::parse(s.clone()).map(|v| v.challenge());
            let _ = split(&s).map(|c| c.signing_input.len());
            let body = match i % 3 {
                0 => Body::NotJson,
                1 => Body::NotObject,
                _ => Body::Object(RawResponse {
                    // Often well-formed, so that acceptance is exercised too.
                    access_token: if rng.next().is_multiple_of(2) {
                        Some(Value::String("at".into()))
                    } else {
                        rng.value()
                    },
                    token_type: if rng.next().is_multiple_of(2) {
                        Some(Value::String("Bearer".into()))
                    } else {
                        rng.value()
                    },
                    expires_in: rng.value(),
                    refresh_token: rng.value(),
                    id_token: rng.value(),
                    scope: rng.value(),
                    error: rng.value(),
                    error_description: rng.value(),
                    request_uri: rng.value(),
                    error_uri: rng.value(),
                }),
            };
            let status = [0, 200, 200, 200, 302, 400, 401, 500][(rng.next() % 8) as usize];
            if let Err(e) = crate::authorize::check_pushed(status + 1, body.clone()) {
                assert_eq!(e.code, crate::Code::ParError);
            }
            let expect = [
                Expect::Bearer,
                Expect::Dpop {
                    allow_bearer: false,
                },
                Expect::Dpop { allow_bearer: true },
            ][(rng.next() % 3) as usize];
            match check_response(status, Some(&s), body, 1.0e12, i % 4 == 0, expect) {
                Ok(t) => {
                    assert!(!t.access_token.is_empty());
                    accepted += 1;
                }
                Err(e) => {
                    assert!(!e.message.is_empty());
                    refused += 1;
                }
            }
            let _ = check_header(Header {
                alg: rng.value(),
                kid: rng.value(),
                crit: rng.value(),
            });
            let claims = Claims {
                iss: rng.value(),
                sub: rng.value(),
                aud: rng.value(),
                azp: rng.value(),
                exp: rng.value(),
                iat: rng.value(),
                nonce: rng.value(),
            };
            let _ = check_claims(
                &claims,
                &Expected {
                    issuer: "https://as.example",
                    client_id: "c",
                    nonce: if i % 2 == 0 { Some("n") } else { None },
                    now_ms: 1.0e12,
                    previous: Some(&claims),
                },
            );
            let jwk = JwkInfo {
                kty: rng.value(),
                crv: rng.value(),
                use_: rng.value(),
                alg: rng.value(),
                kid: rng.value(),
            };
            let _ = jwk.fits(crate::jwt::Alg::Es256, Some(&s));
        }
        // Both kinds of answer were exercised.
        assert!(
            accepted > 10 && refused > 1_000,
            "{accepted} accepted, {refused} refused"
        );
    }
}

/// The same for the readers that go through the platform (URLs, JSON, JS
/// objects), in the browser.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_robustness {
    use super::robustness::Rng;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn readers_answer_hostile_input_with_a_value_or_an_error() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let base = "https://app.example/cb";
        let (mut parsed, mut refused) = (0, 0);
        for i in 0..3_000u32 {
            let s = rng.text();
            let href = if i % 2 == 0 {
                [base, "?", &s].concat()
            } else {
                s.clone()
            };
            match crate::callback::RawCallback::parse(&href, base) {
                Ok(cb) => {
                    parsed += 1;
                    let _ = cb.check_before_state(Some("https://as.example"), i % 3 == 0);
                    let _ = cb.state().map(str::len);
                    let _ = cb.state_to_discard().map(str::len);
                    let _ = cb.into_code().map(|c| c.secret().len());
                }
                Err(e) => {
                    assert_eq!(e.code, crate::Code::InvalidCallback, "{href:?}");
                    refused += 1;
                }
            }
            let _ = crate::token::Body::read(&s);
            let json = ["{\"", &s, "\":", &rng.text(), "}"].concat();
            if let Some(v) = crate::value::parse(&json) {
                let _ = crate::config::Options::read(&v).and_then(crate::config::Config::new);
                let _ = crate::transaction::Record::read(&v).and_then(|r| r.into_checked());
                let _ = crate::token::TokenSet::read(&v);
                let _ = crate::config::Params::read(&v);
            }
            let _ = crate::discovery::urls(&s);
            let _ = crate::jwt::split(&s).map(|c| {
                let _ = crate::jwt::read_header(&c);
                let _ = crate::jwt::read_claims(&c);
                c.signature().map(|sig| sig.len())
            });
        }
        assert!(
            parsed > 100 && refused > 100,
            "{parsed} parsed, {refused} refused"
        );
    }
}
