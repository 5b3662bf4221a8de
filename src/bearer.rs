//! What a resource server's `401` says (RFC 6750 §3): the `error` of its
//! `Bearer` challenge, which decides whether `client.fetch` refreshes and
//! retries once (`invalid_token`) or hands the answer back as it is.

/// The `error` auth-param of a `WWW-Authenticate` value whose first
/// challenge is `Bearer` (scheme compared case-insensitively, RFC 7235
/// §2.1); `None` for another scheme or a value that does not parse.
pub fn bearer_error(header: &str) -> Option<String> {
    challenge_error(header, "bearer")
}

/// The same for the first challenge of scheme `scheme` (`DPoP` for a
/// sender-constrained token, RFC 9449 §7.1).
pub fn challenge_error(header: &str, scheme: &str) -> Option<String> {
    let s = header.trim_start();
    let scheme_end = s.find([' ', '\t']).unwrap_or(s.len());
    if !s[..scheme_end].eq_ignore_ascii_case(scheme) {
        return None;
    }
    let mut rest = &s[scheme_end..];
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return None;
        }
        let eq = rest.find('=')?;
        let name = rest[..eq].trim_end();
        if name.is_empty() || name.contains([' ', '\t', ',', '"']) {
            // A token without `=`: the next challenge began.
            return None;
        }
        rest = rest[eq + 1..].trim_start();
        let value = if let Some(q) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = q.char_indices();
            loop {
                match chars.next()? {
                    (i, '"') => {
                        rest = &q[i + 1..];
                        break;
                    }
                    (_, '\\') => out.push(chars.next()?.1),
                    (_, c) => out.push(c),
                }
            }
            out
        } else {
            let end = rest.find([',', ' ', '\t']).unwrap_or(rest.len());
            let v = rest[..end].to_string();
            rest = &rest[end..];
            v
        };
        if name.eq_ignore_ascii_case("error") {
            return Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn nw06_nw07_nw08_challenges() {
        for (h, want) in [
            (r#"Bearer error="invalid_token""#, Some("invalid_token")),
            (
                r#"Bearer realm="api", error="invalid_token", error_description="expired""#,
                Some("invalid_token"),
            ),
            ("bearer error=invalid_token", Some("invalid_token")),
            (
                r#"Bearer error="insufficient_scope", scope="x""#,
                Some("insufficient_scope"),
            ),
            (
                r#"  BEARER realm="a\"b", error="invalid_token""#,
                Some("invalid_token"),
            ),
            (r#"Bearer realm="api""#, None),
            ("Bearer", None),
            (r#"Basic realm="x", error="invalid_token""#, None),
            (r#"Bearerx error="invalid_token""#, None),
            (r#"Bearer error="unterminated"#, None),
            ("", None),
            ("Bearer ===", None),
        ] {
            assert_eq!(bearer_error(h).as_deref(), want, "{h}");
        }
    }
}
