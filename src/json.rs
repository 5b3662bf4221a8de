//! A small strict JSON reader for token endpoint responses. It exists instead of
//! `serde_json` (size) and instead of the browser's `JSON.parse` because the
//! latter silently keeps the last of duplicate keys (security-reference TK-16)
//! and cannot be run by the native tests. Limits: nesting depth and input size.

pub const MAX_DEPTH: usize = 32;
pub const MAX_LEN: usize = 256 * 1024;

#[cfg_attr(test, derive(Debug, PartialEq))]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// The number's text, grammar-checked, not converted: callers that need a
    /// number interpret it themselves (see `token::expires_in`).
    Number(&'a str),
    String(String),
    Array(Vec<Value<'a>>),
    Object(Vec<(String, Value<'a>)>),
}

impl<'a> Value<'a> {
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A JSON integer ≥ 0 written without fraction or exponent, as f64
    /// (exact below 2^53): the form of NumericDate claims and `createdAt`.
    pub fn as_uint(&self) -> Option<f64> {
        match self {
            Value::Number(n) if n.len() <= 15 => digits(n).map(|v| v as f64),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// `s` as a number when it is one or more ASCII digits and nothing else
/// (saturating at `u64::MAX`): the one digit reader of the crate (claims,
/// `expires_in`, the configured TTL, the HTTP status).
pub fn digits(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for b in s.bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value.saturating_mul(10).saturating_add(u64::from(d));
    }
    Some(value)
}

/// Why a body was refused; never includes the body itself.
#[derive(Debug, PartialEq, Clone, Copy)]
pub enum JsonError {
    TooLarge,
    TooDeep,
    DuplicateKey,
    Syntax,
}

/// Appends `s` as a JSON string literal. Byte-wise: every byte that needs
/// escaping is ASCII, so the runs between them are whole UTF-8 sequences.
pub fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            out.push_str(&s[start..i]);
            start = i + 1;
            if b < 0x20 {
                out.push_str("\\u00");
                crate::push_ascii(out, HEX[usize::from(b >> 4)]);
                crate::push_ascii(out, HEX[usize::from(b & 15)]);
            } else {
                out.push('\\');
                crate::push_ascii(out, b);
            }
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends `,"name":"value"` to an object being written, when there is a value.
pub fn write_member(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push_str(",\"");
        out.push_str(name);
        out.push_str("\":");
        write_string(out, v);
    }
}

/// Appends a non-negative integer in decimal, without `core::fmt`.
pub fn write_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        crate::push_ascii(out, b);
    }
}

pub fn parse(text: &str) -> Result<Value<'_>, JsonError> {
    if text.len() > MAX_LEN {
        return Err(JsonError::TooLarge);
    }
    let mut p = Parser { s: text, i: 0 };
    let v = p.value(0)?;
    p.ws();
    if p.i != text.len() {
        return Err(JsonError::Syntax);
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> Result<(), JsonError> {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.ws();
        match self.peek().ok_or(JsonError::Syntax)? {
            b'{' => {
                self.i += 1;
                let mut members: Vec<(String, Value<'a>)> = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Value::Object(members));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    if members.iter().any(|(k, _)| *k == key) {
                        return Err(JsonError::DuplicateKey);
                    }
                    self.ws();
                    self.eat(":")?;
                    let v = self.value(depth + 1)?;
                    members.push((key, v));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::Object(members));
                        }
                        _ => return Err(JsonError::Syntax),
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::Array(items));
                        }
                        _ => return Err(JsonError::Syntax),
                    }
                }
            }
            b'"' => Ok(Value::String(self.string()?)),
            b't' => self.eat("true").map(|_| Value::Bool(true)),
            b'f' => self.eat("false").map(|_| Value::Bool(false)),
            b'n' => self.eat("null").map(|_| Value::Null),
            _ => self.number(),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value<'a>, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let first = self.peek();
        let n = self.digits();
        if n == 0 || (first == Some(b'0') && n > 1) {
            return Err(JsonError::Syntax);
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        Ok(Value::Number(&self.s[start..self.i]))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self
            .s
            .as_bytes()
            .get(self.i..self.i + 4)
            .ok_or(JsonError::Syntax)?;
        let mut v = 0;
        for &b in h {
            v = v << 4 | u32::from(crate::form::hex(b).ok_or(JsonError::Syntax)?);
        }
        self.i += 4;
        Ok(v)
    }

    /// The unescaped runs are copied from the input (already UTF-8, split at
    /// ASCII delimiters); a `\u` escape becomes its char, and one that names
    /// no char (a lone surrogate) is refused by `char::from_u32`.
    fn string(&mut self) -> Result<String, JsonError> {
        self.eat("\"")?;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(&self.s[start..self.i]);
            match self.peek().ok_or(JsonError::Syntax)? {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let esc = self.peek().ok_or(JsonError::Syntax)?;
                    self.i += 1;
                    let c = match esc {
                        b'"' | b'\\' | b'/' => esc,
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                self.eat("\\u")?;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(JsonError::Syntax);
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).ok_or(JsonError::Syntax)?);
                            continue;
                        }
                        _ => return Err(JsonError::Syntax),
                    };
                    crate::push_ascii(&mut out, c);
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_a_token_response() {
        let v = parse(
            r#" {"access_token":"a\u00e9\ud83d\ude00","n":-1.5e3,"o":{"x":[true,false,null]}} "#,
        )
        .unwrap();
        assert_eq!(
            v.get("access_token").unwrap().as_str(),
            Some("a\u{e9}\u{1f600}")
        );
        assert_eq!(v.get("n"), Some(&Value::Number("-1.5e3")));
        assert_eq!(
            v.get("o").unwrap().get("x"),
            Some(&Value::Array(vec![
                Value::Bool(true),
                Value::Bool(false),
                Value::Null
            ]))
        );
    }

    #[test]
    fn writes_what_it_reads() {
        let mut out = String::new();
        write_string(&mut out, "a\"b\\c\n\u{1}\u{e9}");
        assert_eq!(out, "\"a\\\"b\\\\c\\u000a\\u0001\u{e9}\"");
        assert_eq!(parse(&out).unwrap().as_str(), Some("a\"b\\c\n\u{1}\u{e9}"));
        for n in [0u64, 7, 10, 1_700_000_000_123, u64::MAX] {
            let mut o = String::new();
            write_u64(&mut o, n);
            assert_eq!(o, n.to_string());
        }
    }

    #[test]
    fn decodes_escapes_of_every_utf8_length() {
        for c in [
            '\0',
            'A',
            '\u{7f}',
            '\u{80}',
            '\u{7ff}',
            '\u{800}',
            '\u{d7ff}',
            '\u{e000}',
            '\u{ffff}',
            '\u{10000}',
            '\u{10ffff}',
        ] {
            let mut units = [0u16; 2];
            let escaped: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("\\u{u:04x}"))
                .collect();
            assert_eq!(
                parse(&format!("\"{escaped}\"")),
                Ok(Value::String(c.to_string())),
                "{escaped}"
            );
        }
        for (e, c) in [
            ("\\\"", "\""),
            ("\\\\", "\\"),
            ("\\/", "/"),
            ("\\b", "\u{8}"),
            ("\\f", "\u{c}"),
            ("\\n", "\n"),
            ("\\r", "\r"),
            ("\\t", "\t"),
        ] {
            assert_eq!(
                parse(&format!("\"{e}\"")),
                Ok(Value::String(c.into())),
                "{e}"
            );
        }
    }

    #[test]
    fn rejects_duplicate_keys() {
        assert_eq!(
            parse(r#"{"access_token":"a","access_token":"b"}"#),
            Err(JsonError::DuplicateKey)
        );
    }

    #[test]
    fn limits_depth_and_size() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep), Err(JsonError::TooDeep));
        let big = format!("\"{}\"", "a".repeat(MAX_LEN));
        assert_eq!(parse(&big), Err(JsonError::TooLarge));
    }

    #[test]
    fn rejects_bad_syntax_without_panicking() {
        for bad in [
            "",
            "{",
            "}",
            "{\"a\"}",
            "{\"a\":}",
            "[1,]",
            "01",
            "1.",
            "-",
            "1e",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\u12\"",
            "\"a\nb\"",
            "nul",
            "{\"a\":1,}",
            "{} x",
            "<html>",
            "\"\\ud800\\u0041\"",
            "\u{feff}{}",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }
}
