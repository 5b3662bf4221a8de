//! pkce-wasm: OAuth 2.0 Authorization Code + PKCE (RFC 7636) for browser
//! single-page apps and Capacitor/Cordova hybrid apps.
//!
//! Every module is pure (no I/O) and tested natively; `api` is the
//! `#[wasm_bindgen]` façade that js/index.js drives.

pub mod authorize;
mod b64;
pub mod callback;
pub mod config;
pub mod discovery;
pub mod error;
pub mod form;
pub mod json;
pub mod jwt;
pub mod pkce;
pub mod store;
pub mod token;
pub mod url;

/// Byte search and split on ASCII separators. `str::find`/`split` with char
/// patterns pull the generic pattern searchers into the module; these do not.
// Plain index loops: the iterator forms (`position`, `rposition`) come out
// several times larger in wasm.
pub(crate) fn find_byte(s: &str, b: u8) -> Option<usize> {
    let s = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b {
            return Some(i);
        }
        i += 1;
    }
    None
}

pub(crate) fn rfind_byte(s: &str, b: u8) -> Option<usize> {
    let s = s.as_bytes();
    let mut i = s.len();
    while i > 0 {
        i -= 1;
        if s[i] == b {
            return Some(i);
        }
    }
    None
}

/// `s` split at the first `sep`, when there is one.
pub(crate) fn split_once_byte(s: &str, sep: u8) -> Option<(&str, &str)> {
    find_byte(s, sep).map(|i| (&s[..i], &s[i + 1..]))
}

pub(crate) fn split_byte(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let r = rest?;
        match find_byte(r, sep) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// Appends an ASCII byte. The mask is a no-op for the ASCII tables and
/// literals this is given, and lets the compiler drop `String::push`'s
/// multi-byte UTF-8 encoder.
pub(crate) fn push_ascii(out: &mut String, b: u8) {
    out.push(char::from(b & 0x7f));
}

mod api;
pub use api::run;

// dlmalloc is ~7 KB of a module this size; a free-list allocator is enough for
// a handful of short strings per login. The module is single-threaded.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(test)]
mod robustness {
    // The same tests run in the browser under `wasm-pack test`.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    // Every parser meets hostile input: whatever it is given, it must answer
    // with a value or an error, never a panic (a panic traps the wasm module).

    /// A small deterministic generator (xorshift), so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

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
        "\n",
        ".",
        "{",
        "}",
        "[",
        "]",
        "\"",
        "\\",
        "\\u",
        "\\ud800",
        "1",
        "-",
        "e",
        "E",
        "0",
        "true",
        "null",
        ",",
        "eyJ",
        "_",
        "~",
        "*",
        "\u{1f600}",
    ];

    fn random_input(rng: &mut Rng) -> String {
        let n = rng.next() % 24;
        (0..n).map(|_| rng.pick(PIECES)).collect()
    }

    #[test]
    fn parsers_never_panic() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let base = "https://app.example/cb";
        for _ in 0..40_000 {
            let s = random_input(&mut rng);
            let _ = crate::url::Url::parse(&s).map(|u| (u.base(), u.is_loopback()));
            let _ = crate::form::parse(&s);
            let _ = crate::json::parse(&s);
            let _ = crate::b64::decode(&s);
            let _ = crate::store::Record::parse(&s);
            let _ = crate::token::parse_response(
                &mut String::new(),
                200,
                Some("application/json"),
                &s,
                0.0,
                true,
            );
            let _ = crate::discovery::parse(&mut String::new(), "https://as.example", &s);
            let _ = crate::discovery::urls(&mut String::new(), &s);
            let _ = crate::config::RawConfig::from_form(&s).and_then(crate::config::Config::new);
            if let Ok(cb) = crate::callback::RawCallback::parse(&(base.to_string() + &s), base) {
                let _ = cb.check_before_state(Some("https://as.example"), true);
                let _ = cb.state().map(str::len);
                let _ = cb.into_code();
            }
            let _ = crate::jwt::parse(&s).map(|j| j.kid);
            let want = crate::jwt::Expected {
                issuer: "https://as.example",
                client_id: "c",
                nonce: Some("n"),
                now_ms: 1.0e12,
                previous: Some(&s),
            };
            let _ = crate::jwt::check_claims(
                &mut String::new(),
                &crate::b64::encode(s.as_bytes()),
                &want,
            );
        }
    }

    /// What js/index.js relies on: every call of `run`, whatever the operation
    /// and arguments, answers `+result` or a seven-line `!failure` whose first
    /// line is one of the stable codes.
    #[test]
    fn run_answers_every_operation_with_a_result_or_a_failure() {
        const CFG: &str = "issuer=https%3A%2F%2Fas.example&authorizationEndpoint=https%3A%2F%2Fas.example%2Fa\
            &tokenEndpoint=https%3A%2F%2Fas.example%2Ft&clientId=c&redirectUri=https%3A%2F%2Fapp.example%2Fcb\
            &scope=openid&jwksUri=https%3A%2F%2Fas.example%2Fk";
        const CODES: &[&str] = &[
            "invalid_config",
            "storage_unavailable",
            "no_transaction",
            "invalid_callback",
            "issuer_mismatch",
            "authorization_error",
            "token_error",
            "invalid_token_response",
            "network_error",
            "invalid_id_token",
            "discovery_error",
            "crypto_unavailable",
        ];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut ok, mut failed) = (0, 0);
        for i in 0..8_000u32 {
            let op = i % 17; // every operation, and one that does not exist
            let config = if i % 5 == 0 {
                random_input(&mut rng)
            } else {
                CFG.into()
            };
            let a = match rng.next() % 3 {
                0 => "https://app.example/cb?".to_string() + &random_input(&mut rng),
                1 => "200\napplication/json".into(),
                _ => random_input(&mut rng),
            };
            let b = random_input(&mut rng);
            let r = crate::run(op, &config, &a, &b, 1.0e12);
            if let Some(failure) = r.strip_prefix('!') {
                let lines: Vec<&str> = crate::split_byte(failure, b'\n').collect();
                assert_eq!(lines.len(), 7, "op {op}: {r:?}");
                assert!(CODES.contains(&lines[0]), "op {op}: {r:?}");
                failed += 1;
            } else {
                assert!(r.starts_with('+'), "op {op}: {r:?}");
                ok += 1;
            }
        }
        // Both kinds of answer were exercised.
        assert!(
            ok > 1_000 && failed > 1_000,
            "{ok} results, {failed} failures"
        );
    }
}
