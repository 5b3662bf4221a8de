//! Just enough of RFC 3986 to check configured URLs and to match a callback
//! against the registered `redirect_uri`. The `url` crate would bring its IDNA
//! tables into the module (tens of KB); the browser's `URL` is not available to
//! the native tests. Anything this parser does not understand is rejected.

/// The parts of an absolute URL. Scheme and host are lower-cased.
#[derive(Debug, PartialEq)]
pub struct Url<'a> {
    pub scheme: String,
    /// `Some` when the URL has an authority (`scheme://…`).
    pub host: Option<String>,
    pub port: Option<&'a str>,
    pub has_userinfo: bool,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

impl<'a> Url<'a> {
    /// Parses an absolute URL; `None` for relative references, whitespace,
    /// control characters, a bad scheme, an empty or malformed host or port.
    pub fn parse(s: &'a str) -> Option<Url<'a>> {
        if s.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return None;
        }
        let colon = crate::find_byte(s, b':')?;
        let scheme = &s[..colon];
        let mut chars = scheme.bytes();
        if !chars.next()?.is_ascii_alphabetic()
            || !chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            return None;
        }
        let rest = &s[colon + 1..];
        let (rest, fragment) = match crate::find_byte(rest, b'#') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (rest, query) = match crate::find_byte(rest, b'?') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let mut url = Url {
            scheme: scheme.to_ascii_lowercase(),
            host: None,
            port: None,
            has_userinfo: false,
            path: rest,
            query,
            fragment,
        };
        if let Some(after) = rest.strip_prefix("//") {
            let end = crate::find_byte(after, b'/').unwrap_or(after.len());
            let mut authority = &after[..end];
            url.path = &after[end..];
            if let Some(at) = crate::rfind_byte(authority, b'@') {
                url.has_userinfo = true;
                authority = &authority[at + 1..];
            }
            let (host, port) = if authority.as_bytes().first() == Some(&b'[') {
                let close = crate::find_byte(authority, b']')?;
                let tail = &authority[close + 1..];
                let port = match tail.strip_prefix(":") {
                    Some(p) => Some(p),
                    None if tail.is_empty() => None,
                    None => return None,
                };
                (&authority[..=close], port)
            } else {
                match crate::rfind_byte(authority, b':') {
                    Some(i) => (&authority[..i], Some(&authority[i + 1..])),
                    None => (authority, None),
                }
            };
            if let Some(p) = port {
                if p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
            }
            if host.is_empty() && url.scheme != "file" {
                return None;
            }
            if host.as_bytes().first() != Some(&b'[')
                && !host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'%'))
            {
                return None;
            }
            url.host = Some(host.to_ascii_lowercase());
            url.port = port.filter(|p| !p.is_empty());
        }
        Some(url)
    }

    /// Hosts a browser treats as a secure context over plain http.
    pub fn is_loopback(&self) -> bool {
        match self.host.as_deref() {
            Some("localhost") | Some("[::1]") => true,
            Some(h) => is_ipv4_127(h),
            None => false,
        }
    }

    /// Scheme, authority and path in a normal form (lower-case scheme and host,
    /// default port dropped, empty http(s) path as `/`), used to decide whether
    /// a URL is the registered redirect URI whatever its query.
    pub fn base(&self) -> String {
        let mut out = self.scheme.clone();
        out.push(':');
        if let Some(host) = &self.host {
            out.push_str("//");
            out.push_str(host);
            let default = match self.scheme.as_str() {
                "https" => Some("443"),
                "http" => Some("80"),
                _ => None,
            };
            if let Some(p) = self.port {
                if Some(p) != default {
                    out.push(':');
                    out.push_str(p);
                }
            }
            if self.path.is_empty() && matches!(self.scheme.as_str(), "http" | "https") {
                out.push('/');
            }
        }
        out.push_str(self.path);
        out
    }
}

fn is_ipv4_127(h: &str) -> bool {
    let mut n = 0;
    for (i, part) in crate::split_byte(h, b'.').enumerate() {
        n += 1;
        let ok = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && part.bytes().fold(0u16, |v, d| v * 10 + u16::from(d - b'0')) <= 255;
        if !ok || (i == 0 && part != "127") {
            return false;
        }
    }
    n == 4
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::Url;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_parts() {
        let u = Url::parse("HTTPS://As.Example:8443/a/b?x=1&y=2#frag").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host.as_deref(), Some("as.example"));
        assert_eq!(u.port, Some("8443"));
        assert_eq!(u.path, "/a/b");
        assert_eq!(u.query, Some("x=1&y=2"));
        assert_eq!(u.fragment, Some("frag"));
        assert_eq!(u.base(), "https://as.example:8443/a/b");
    }

    #[test]
    fn custom_scheme_without_authority() {
        let u = Url::parse("com.example.app:/callback?code=1").unwrap();
        assert_eq!(u.scheme, "com.example.app");
        assert_eq!(u.host, None);
        assert_eq!(u.path, "/callback");
        assert_eq!(u.base(), "com.example.app:/callback");
    }

    #[test]
    fn normalises_default_port_and_empty_path() {
        let a = Url::parse("http://127.0.0.1:80").unwrap().base();
        let b = Url::parse("http://127.0.0.1/?code=x").unwrap().base();
        assert_eq!(a, b);
        assert_eq!(
            Url::parse("https://app.example:443/cb").unwrap().base(),
            "https://app.example/cb"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "/cb",
            "cb",
            "https://",
            "https://exa mple.com",
            "https://as.example:99999999/",
            "https://as.example:12a/",
            "1http://x",
            "https://[::1/",
            "https://a\u{0}b/",
            "https://<script>/",
        ] {
            assert!(Url::parse(bad).is_none(), "accepted {bad:?}");
        }
    }

    #[test]
    fn userinfo_is_flagged() {
        let u = Url::parse("https://u:p@as.example/").unwrap();
        assert!(u.has_userinfo);
        assert_eq!(u.host.as_deref(), Some("as.example"));
    }

    #[test]
    fn loopback_hosts() {
        for ok in [
            "http://127.0.0.1:8080/",
            "http://127.1.2.3/",
            "http://[::1]:3000/",
            "http://localhost/",
        ] {
            assert!(Url::parse(ok).unwrap().is_loopback(), "{ok}");
        }
        for no in [
            "http://127.0.0.1.evil.example/",
            "http://128.0.0.1/",
            "http://localhost.evil.example/",
            "http://127.0.0.256/",
            "http://example.com/",
        ] {
            assert!(!Url::parse(no).unwrap().is_loopback(), "{no}");
        }
    }
}
