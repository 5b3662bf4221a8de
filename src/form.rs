//! `application/x-www-form-urlencoded` (RFC 6749 Appendix B): used for the
//! authorization request's query, the callback's query and the token request
//! body. Decoding is strict: bad escapes and invalid UTF-8 are errors, never
//! replacement characters, so what is compared is exactly what was sent.

/// Appends `name=value` to `out`, `&`-separated, both encoded.
pub fn append_pair(out: &mut String, name: &str, value: &str) {
    if !matches!(out.as_bytes().last(), None | Some(b'&' | b'?')) {
        out.push('&');
    }
    encode_into(out, name);
    out.push('=');
    encode_into(out, value);
}

fn encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                crate::push_ascii(out, b)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                crate::push_ascii(out, HEX[usize::from(b >> 4)]);
                crate::push_ascii(out, HEX[usize::from(b & 15)]);
            }
        }
    }
}

/// Decodes one name or value; `None` on a malformed escape or invalid UTF-8.
pub fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = hex(*bytes.get(i + 1)?)?;
                let lo = hex(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

pub(crate) fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits and decodes a query string. Empty segments (`a=1&&b=2`) are skipped.
pub fn parse(query: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for seg in crate::split_byte(query, b'&').filter(|s| !s.is_empty()) {
        let (name, value) = match crate::find_byte(seg, b'=') {
            Some(i) => (&seg[..i], &seg[i + 1..]),
            None => (seg, ""),
        };
        pairs.push((decode(name)?, decode(value)?));
    }
    Some(pairs)
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn rfc6749_appendix_b() {
        let mut out = String::new();
        append_pair(&mut out, "v", " %&+\u{a3}\u{20ac}");
        assert_eq!(out, "v=+%25%26%2B%C2%A3%E2%82%AC");
        assert_eq!(
            decode("+%25%26%2B%C2%A3%E2%82%AC").unwrap(),
            " %&+\u{a3}\u{20ac}"
        );
    }

    #[test]
    fn pairs_are_joined_once() {
        let mut out = String::from("https://as.example/auth?tenant=a");
        out.push('&');
        append_pair(&mut out, "a", "1");
        append_pair(&mut out, "b", "x=y&z");
        assert_eq!(out, "https://as.example/auth?tenant=a&a=1&b=x%3Dy%26z");
    }

    #[test]
    fn strict_decoding() {
        for bad in ["%ZZ", "%E0%A4%A", "%", "%4", "%FF", "%C3%28"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        assert_eq!(decode("a%20b+c").as_deref(), Some("a b c"));
        assert_eq!(decode("%253A").as_deref(), Some("%3A"));
    }

    #[test]
    fn parse_keeps_order_and_duplicates() {
        let p = parse("a=1&&b=&c&a=2").unwrap();
        assert_eq!(
            p,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "".into()),
                ("c".into(), "".into()),
                ("a".into(), "2".into())
            ]
        );
        assert!(parse("a=%ZZ").is_none());
    }
}
