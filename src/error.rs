//! The one error type of the library. Every failure maps to a stable string code
//! that JS callers branch on (`err.code`); messages are static text and never
//! carry a verifier, code or token.

/// Stable codes, shared with `js/index.d.ts` and README "Errors".
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Code {
    InvalidConfig,
    StorageUnavailable,
    NoTransaction,
    InvalidCallback,
    IssuerMismatch,
    AuthorizationError,
    TokenError,
    InvalidTokenResponse,
    NetworkError,
    /// An ID token failed validation (OIDC Core §3.1.3.7); `field` names the
    /// header parameter or claim.
    InvalidIdToken,
    /// Provider metadata could not be used (RFC 8414, OIDC Discovery).
    DiscoveryError,
    /// `crypto.getRandomValues` is missing or failed: fail closed, never fall
    /// back to a weak source (RFC 7636 §7.1).
    CryptoUnavailable,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidConfig => "invalid_config",
            Code::StorageUnavailable => "storage_unavailable",
            Code::NoTransaction => "no_transaction",
            Code::InvalidCallback => "invalid_callback",
            Code::IssuerMismatch => "issuer_mismatch",
            Code::AuthorizationError => "authorization_error",
            Code::TokenError => "token_error",
            Code::InvalidTokenResponse => "invalid_token_response",
            Code::NetworkError => "network_error",
            Code::CryptoUnavailable => "crypto_unavailable",
            Code::InvalidIdToken => "invalid_id_token",
            Code::DiscoveryError => "discovery_error",
        }
    }
}

/// A failure with its code and the OAuth fields that explain it.
///
/// `error`, `error_description` and `error_uri` come from the server and are
/// untrusted text: callers must render them as text, never as HTML.
///
/// Boxed, with out-of-line constructors: failures are rare, and an inline
/// 80-byte struct at each of the many error sites costs the module kilobytes.
#[derive(Debug, PartialEq)]
pub struct Error(Box<Details>);

#[derive(Debug, PartialEq)]
pub struct Details {
    pub code: Code,
    pub message: &'static str,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub error_uri: Option<String>,
    pub status: Option<u16>,
    /// The input that failed, e.g. `"redirectUri"` or `"expires_in"`.
    pub field: Option<&'static str>,
}

impl core::ops::Deref for Error {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl core::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

impl Error {
    #[cold]
    #[inline(never)]
    pub fn new(code: Code, message: &'static str) -> Self {
        Error(Box::new(Details {
            code,
            message,
            error: None,
            error_description: None,
            error_uri: None,
            status: None,
            field: None,
        }))
    }

    #[inline(never)]
    pub fn field(mut self, field: &'static str) -> Self {
        self.0.field = Some(field);
        self
    }

    #[inline(never)]
    pub fn status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    #[cold]
    #[inline(never)]
    pub fn config(field: &'static str, message: &'static str) -> Self {
        Error::new(Code::InvalidConfig, message).field(field)
    }

    /// Server-supplied text (`error`, `error_description`, `error_uri`) with
    /// control characters replaced by spaces: it is untrusted (RFC 6749
    /// §10.14) and must stay one line wherever it is shown or logged.
    /// Byte-wise: C0 and DEL are single bytes, C1 (U+0080–U+009F) is `C2 80`
    /// to `C2 9F`, so every replaced run starts and ends on a char boundary.
    pub fn server_text(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::new();
        let (mut start, mut i) = (0, 0);
        while i < b.len() {
            let len = match b[i] {
                0..=0x1f | 0x7f => 1,
                0xc2 if matches!(b.get(i + 1), Some(0x80..=0x9f)) => 2,
                _ => 0,
            };
            if len == 0 {
                i += 1;
            } else {
                out.push_str(&s[start..i]);
                out.push(' ');
                i += len;
                start = i;
            }
        }
        out.push_str(&s[start..]);
        out
    }

    pub fn into_details(self) -> Details {
        *self.0
    }
}

pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn server_text_replaces_exactly_the_control_characters() {
        for s in [
            "",
            "plain",
            "a\nb\r\u{0}c\u{7f}",
            "\u{80}x\u{9f}\u{a0}\u{85}é\u{1f600}\u{2028}",
            "\u{c2}\u{80}",
            "end\t",
        ] {
            let want: String = s
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            assert_eq!(super::Error::server_text(s), want, "{s:?}");
        }
    }
}
