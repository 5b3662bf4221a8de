//! The one error type of the library. Every failure has a stable string code
//! that JS callers branch on (`err.code`); messages are static text and never
//! carry a verifier, code or token. At the boundary an `Error` becomes an
//! instance of the `PkceError` class of `js/error.js`, the same class the
//! package exports, so `err instanceof PkceError` holds for errors raised here
//! and in the JS wrapper alike.

use std::borrow::Cow;
use std::fmt;
use wasm_bindgen::prelude::*;

/// The stable codes: this list, `js/error.d.ts` (`PkceErrorCode`) and README
/// "Errors" say the same (a unit test compares the first two).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Code {
    /// The configuration or a call's options were refused; `field` names it.
    InvalidConfig,
    /// A client was made before `init()` (raised by the JS wrapper).
    NotInitialized,
    /// The transaction or session storage refused to read or write.
    StorageUnavailable,
    /// `crypto.getRandomValues` or `crypto.subtle` is missing or failed: fail
    /// closed, never fall back to a weak source (RFC 7636 §7.1).
    CryptoUnavailable,
    /// The callback names no pending transaction of this client (missing,
    /// unknown, used, expired, unreadable or made by another configuration).
    NoTransaction,
    InvalidCallback,
    /// RFC 9207: the callback's `iss` is not the configured issuer.
    IssuerMismatch,
    /// The authorization server answered `error=…` (RFC 6749 §4.1.2.1).
    AuthorizationError,
    /// The token endpoint answered an OAuth error (RFC 6749 §5.2).
    TokenError,
    InvalidTokenResponse,
    NetworkError,
    /// Provider metadata could not be used (RFC 8414, OIDC Discovery).
    DiscoveryError,
    /// An ID token failed validation (OIDC Core §3.1.3.7); `field` names the
    /// header parameter or claim.
    InvalidIdToken,
    /// No session, or the refresh token was refused: the user must log in.
    LoginRequired,
    /// The user left the login: closed the popup, or the hybrid app's
    /// browser.
    Cancelled,
    /// A DPoP proof could not be made, or the server's DPoP nonce could not
    /// be used (RFC 9449).
    DpopError,
    /// The pushed authorization request (RFC 9126) was refused or answered
    /// something unusable; nothing was stored that points at it.
    ParError,
    /// The browser refused to open the login popup.
    PopupBlocked,
    /// The login popup did not answer within the app's timeout.
    PopupTimeout,
}

impl Code {
    pub const ALL: [Code; 19] = [
        Code::InvalidConfig,
        Code::NotInitialized,
        Code::StorageUnavailable,
        Code::CryptoUnavailable,
        Code::NoTransaction,
        Code::InvalidCallback,
        Code::IssuerMismatch,
        Code::AuthorizationError,
        Code::TokenError,
        Code::InvalidTokenResponse,
        Code::NetworkError,
        Code::DiscoveryError,
        Code::InvalidIdToken,
        Code::LoginRequired,
        Code::Cancelled,
        Code::DpopError,
        Code::ParError,
        Code::PopupBlocked,
        Code::PopupTimeout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidConfig => "invalid_config",
            Code::NotInitialized => "not_initialized",
            Code::StorageUnavailable => "storage_unavailable",
            Code::CryptoUnavailable => "crypto_unavailable",
            Code::NoTransaction => "no_transaction",
            Code::InvalidCallback => "invalid_callback",
            Code::IssuerMismatch => "issuer_mismatch",
            Code::AuthorizationError => "authorization_error",
            Code::TokenError => "token_error",
            Code::InvalidTokenResponse => "invalid_token_response",
            Code::NetworkError => "network_error",
            Code::DiscoveryError => "discovery_error",
            Code::InvalidIdToken => "invalid_id_token",
            Code::LoginRequired => "login_required",
            Code::Cancelled => "cancelled",
            Code::DpopError => "dpop_error",
            Code::ParError => "par_error",
            Code::PopupBlocked => "popup_blocked",
            Code::PopupTimeout => "popup_timeout",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure with its code and the OAuth fields that explain it.
///
/// `error`, `error_description` and `error_uri` come from the server and are
/// untrusted text: callers must render them as text, never as HTML.
///
/// Boxed, with out-of-line constructors: failures are rare, and an inline
/// struct at each of the many error sites would cost the module kilobytes.
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
    pub field: Option<Cow<'static, str>>,
    /// What the platform threw (a storage `QuotaExceededError`, say); never
    /// anything that could quote a request.
    pub cause: Option<JsValue>,
}

impl std::ops::Deref for Error {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
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
            cause: None,
        }))
    }

    #[inline(never)]
    pub fn field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.0.field = Some(field.into());
        self
    }

    #[inline(never)]
    pub fn status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    pub fn cause(mut self, cause: JsValue) -> Self {
        self.0.cause = Some(cause);
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
    pub fn server_text(s: &str) -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

// `../js/error.js` is taken as written, relative to the generated glue in
// pkg/: the glue then imports the very module js/index.js re-exports, so
// there is one `PkceError` class and `instanceof` works. (A copied module
// snippet would be a second class.) Under `wasm-pack test` the specifier
// resolves to /js/error.js, which the test runner serves from the crate root.
#[wasm_bindgen(raw_module = "../js/error.js")]
extern "C" {
    #[wasm_bindgen(js_name = PkceError)]
    type JsPkceError;

    #[wasm_bindgen(constructor, js_class = "PkceError")]
    fn new(code: &str, message: &str, details: &JsValue) -> JsPkceError;
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let d = e.0;
        let details = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&details, &JsValue::from_str(k), &v);
        };
        let text = |v: Option<String>| v.map(JsValue::from);
        for (k, v) in [
            ("error", text(d.error)),
            ("errorDescription", text(d.error_description)),
            ("errorUri", text(d.error_uri)),
            ("status", d.status.map(JsValue::from)),
            ("field", d.field.map(|f| JsValue::from_str(&f))),
            ("cause", d.cause),
        ] {
            if let Some(v) = v {
                set(k, v);
            }
        }
        JsPkceError::new(d.code.as_str(), d.message, &details).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_replaces_the_control_characters() {
        assert_eq!(
            Error::server_text("a\nb\r\u{0}c\u{7f}\u{85}é\u{2028}"),
            "a b  c  é\u{2028}"
        );
    }

    #[test]
    fn display_is_code_and_message() {
        let e = Error::config("redirectUri", "redirectUri has a fragment");
        assert_eq!(e.to_string(), "invalid_config: redirectUri has a fragment");
    }

    /// `js/error.d.ts` lists the codes for TypeScript; it must list exactly
    /// these, in any order.
    #[test]
    fn the_typescript_union_lists_exactly_the_codes() {
        let dts = include_str!("../js/error.d.ts");
        let start = dts
            .find("export type PkceErrorCode =")
            .expect("js/error.d.ts declares PkceErrorCode");
        let union = &dts[start..start + dts[start..].find(';').expect("union ends with ;")];
        let mut listed: Vec<&str> = union.split('"').skip(1).step_by(2).collect();
        let mut codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        listed.sort_unstable();
        codes.sort_unstable();
        assert_eq!(listed, codes);
    }
}
