//! The `#[wasm_bindgen]` façade: one function, `run`, the protocol engine
//! behind the JS `PkceClient` (js/index.js). Every decision — what goes in the
//! authorize URL, whether a callback is acceptable, what a token request
//! carries, whether a response, an ID token or provider metadata can be used —
//! is made here, synchronously. The JS layer only performs the I/O those
//! decisions call for (storage, fetch, WebCrypto signature checks, navigation),
//! so the module carries no async runtime and no DOM bindings.
//!
//! One export instead of one per step: every export costs the module a
//! boundary shim and the glue a wrapper, and a class costs both a finaliser and
//! borrow tracking. Only strings and one number cross: the configuration comes
//! form-encoded (validated again on each call, a few microseconds, so no
//! object lives in the module), results with several parts come back
//! `\n`-joined (none of the parts can contain a newline: URLs, storage keys,
//! form bodies, JSON text, base64url). The result starts with `+` (success) or
//! `!` (failure, see `failure`); nothing is thrown, so no JS value is ever held.

use crate::authorize::{self, Transaction};
use crate::callback::RawCallback;
use crate::config::{Config, RawConfig};
use crate::error::{Code, Error, Result};
use crate::store::{self, Record};
use crate::{discovery, json, jwt, token};
use wasm_bindgen::prelude::*;

/// Operation numbers; js/index.js (`OP`) uses the same.
mod op {
    pub const CHECK: u32 = 0;
    pub const BEGIN: u32 = 1;
    pub const PAIR: u32 = 2;
    pub const IS_CALLBACK: u32 = 3;
    pub const CALLBACK_KEY: u32 = 4;
    pub const DISCARD_KEY: u32 = 5;
    pub const TOKEN_REQUEST: u32 = 6;
    pub const REFRESH_REQUEST: u32 = 7;
    pub const TOKEN_SET: u32 = 8;
    pub const REFRESH_SET: u32 = 9;
    pub const ID_TOKEN: u32 = 10;
    pub const ID_TOKEN_CLAIMS: u32 = 11;
    pub const METADATA_URLS: u32 = 12;
    pub const METADATA: u32 = 13;
    pub const IS_STALE: u32 = 14;
    pub const KEY_PREFIX: u32 = 15;
}

/// Runs operation `op`. `config` is the client's form-encoded configuration
/// (empty for the operations that need none); `a`, `b` and `n` are the
/// operation's arguments (see `dispatch`). Returns `+result` or `!failure`.
#[wasm_bindgen]
pub fn run(op: u32, config: &str, a: &str, b: &str, n: f64) -> String {
    let mut out = String::from("+");
    match dispatch(&mut out, op, config, a, b, n) {
        Ok(()) => out,
        Err(e) => failure(e),
    }
}

/// `!code \n message \n error \n errorDescription \n errorUri \n field \n
/// status`, which js/index.js turns into a `PkceError`. The server-supplied
/// fields have had their control characters replaced, so they hold no newline.
fn failure(e: Error) -> String {
    let mut s = String::from("!");
    s.push_str(e.code.as_str());
    for part in [
        Some(e.message),
        e.error.as_deref(),
        e.error_description.as_deref(),
        e.error_uri.as_deref(),
        e.field,
    ] {
        s.push('\n');
        s.push_str(part.unwrap_or(""));
    }
    s.push('\n');
    if let Some(status) = e.status {
        json::write_u64(&mut s, status.into());
    }
    s
}

/// Appends `parts`, `\n`-joined, to the result being built.
fn join(out: &mut String, parts: &[&str]) {
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(p);
    }
}

fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        ""
    }
}

/// Empty means absent: none of the optional arguments can be empty when given.
fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Appends the result of operation `op` to `out` (which holds the `+`).
fn dispatch(out: &mut String, op: u32, config: &str, a: &str, b: &str, n: f64) -> Result<()> {
    // Operations that need no configuration.
    match op {
        op::PAIR => {
            // A `verifier \n challenge` pair on its own: the synchronous path
            // the benchmark compares with WebCrypto. The client uses BEGIN.
            let v = crate::pkce::CodeVerifier::generate()?;
            out.push_str(v.secret());
            out.push('\n');
            v.push_challenge(out);
            return Ok(());
        }
        // The parts of an ID token WebCrypto needs:
        // `signingInput \n signature \n alg \n kid`; `a` is the token.
        op::ID_TOKEN => {
            let j = jwt::parse(a)?;
            join(
                out,
                &[
                    j.signing_input,
                    j.signature,
                    j.alg.as_str(),
                    j.kid.as_deref().unwrap_or(""),
                ],
            );
            return Ok(());
        }
        // `openidConfigurationUrl \n oauthAuthorizationServerUrl` for issuer `a`.
        op::METADATA_URLS => {
            discovery::urls(out, a)?;
            return Ok(());
        }
        // Issuer `a`'s metadata text `b`, checked: `authorization \n token \n
        // jwks \n revocation \n endSession \n requireIss` (`1` or empty).
        op::METADATA => {
            discovery::parse(out, a, b)?;
            return Ok(());
        }
        op::KEY_PREFIX => {
            out.push_str(store::PREFIX);
            return Ok(());
        }
        _ => {}
    }
    let cfg = Config::new(RawConfig::from_form(config)?)?;
    match op {
        op::CHECK => {}
        // A new login, with extra parameters `a` (form) and app state `b`
        // (JSON) at time `n`: `authorizeUrl \n storageKey \n record`. The
        // record holds the verifier and must be stored before the URL is used.
        op::BEGIN => {
            let extra = crate::form::parse(a)
                .ok_or_else(|| Error::config("extraAuthParams", "malformed"))?;
            crate::config::check_extra_params(&extra)?;
            let tx = Transaction::generate(&cfg)?;
            authorize::url(out, &cfg, &tx, &extra);
            out.push('\n');
            store::push_key(out, &tx.state);
            out.push('\n');
            store::serialize(
                out,
                tx.verifier.secret(),
                cfg.redirect_uri(),
                cfg.issuer(),
                tx.nonce.as_deref(),
                opt(b),
                n,
            );
        }
        // Whether `a` is this client's redirect URI carrying `code` or `error`.
        op::IS_CALLBACK => out.push_str(flag(
            RawCallback::parse(a, &cfg.redirect_base).is_ok_and(|cb| cb.has_response()),
        )),
        // Steps 1–3 of callback validation (duplicates → `iss` → `state`): the
        // storage key of the transaction callback `a` claims. Fails before
        // anything is read from storage.
        op::CALLBACK_KEY => {
            let raw = RawCallback::parse(a, &cfg.redirect_base)?;
            raw.check_before_state(cfg.issuer(), cfg.require_iss())?;
            store::push_key(out, raw.state()?);
        }
        // After CALLBACK_KEY failed: the key of the transaction to delete, when
        // callback `a` names exactly one `state`; else empty.
        op::DISCARD_KEY => {
            if let Ok(raw) = RawCallback::parse(a, &cfg.redirect_base) {
                if let Some(state) = raw.state_to_discard() {
                    store::push_key(out, state);
                }
            }
        }
        op::TOKEN_REQUEST => token_request(out, &cfg, a, opt(b), n)?,
        // `tokenEndpoint \n formBody` of a refresh with refresh token `a`.
        op::REFRESH_REQUEST => {
            out.push_str(cfg.token_endpoint());
            out.push('\n');
            token::refresh_body(out, a, cfg.client_id());
        }
        // The token endpoint's answer — `a` is `status \n contentType`, `b` the
        // body — checked, as the `TokenSet`'s JSON text. With `openid`, a code
        // exchange must return an ID token (to be validated next).
        op::TOKEN_SET | op::REFRESH_SET => {
            let (status, content_type) = crate::split_once_byte(a, b'\n').unwrap_or((a, ""));
            let status = json::Value::Number(status).as_uint().unwrap_or(0.0) as u16;
            let need_id_token = op == op::TOKEN_SET && authorize::wants_openid(cfg.scope());
            token::parse_response(out, status, opt(content_type), b, n, need_id_token)?;
        }
        // After the signature of ID token `a` verified: its claims checked
        // (OIDC Core §3.1.3.7; §12.2 with the claims of the session's first ID
        // token) as JSON text. `b` is `nonce \n previousClaimsJson`, each
        // possibly empty.
        op::ID_TOKEN_CLAIMS => {
            let (nonce, previous) = crate::split_once_byte(b, b'\n').unwrap_or((b, ""));
            let j = jwt::parse(a)?;
            jwt::check_claims(
                out,
                j.payload,
                &jwt::Expected {
                    issuer: cfg.issuer().unwrap_or(""),
                    client_id: cfg.client_id(),
                    nonce: opt(nonce),
                    now_ms: n,
                    previous: opt(previous),
                },
            )?;
        }
        // Whether stored record `b` is expired or unreadable (for sweeping).
        op::IS_STALE => out.push_str(flag(
            Record::parse(b).is_none_or(|r| r.expired(n, cfg.ttl_ms)),
        )),
        _ => return Err(Error::new(Code::InvalidConfig, "unknown operation")),
    }
    Ok(())
}

/// Steps 4–5 of callback `href` with the transaction taken from storage
/// (`None` when there was none): `tokenEndpoint \n formBody \n appStateJson \n
/// nonce`. The body carries the code and the verifier and goes nowhere but
/// the token endpoint.
fn token_request(
    out: &mut String,
    cfg: &Config,
    href: &str,
    record: Option<&str>,
    now: f64,
) -> Result<()> {
    let raw = RawCallback::parse(href, &cfg.redirect_base)?;
    let record =
        record.ok_or_else(|| Error::new(Code::NoTransaction, "no pending login for this state"))?;
    let record = Record::parse(record)
        .ok_or_else(|| Error::new(Code::NoTransaction, "login transaction unreadable"))?;
    if record.expired(now, cfg.ttl_ms) {
        return Err(Error::new(Code::NoTransaction, "login transaction expired"));
    }
    if record.redirect_uri != cfg.redirect_uri() {
        return Err(Error::new(
            Code::NoTransaction,
            "login started with another redirectUri",
        ));
    }
    if record.issuer.as_deref() != cfg.issuer() {
        return Err(Error::new(
            Code::IssuerMismatch,
            "login started with another issuer",
        ));
    }
    let code = raw.into_code()?;
    out.push_str(cfg.token_endpoint());
    out.push('\n');
    token::request_body(
        out,
        code,
        record.verifier,
        cfg.redirect_uri(),
        cfg.client_id(),
    );
    out.push('\n');
    join(
        out,
        &[
            record.app_state.as_deref().unwrap_or(""),
            record.nonce.as_deref().unwrap_or(""),
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`, where PAIR and
    // BEGIN draw from crypto.getRandomValues.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const CFG: &str = "issuer=https%3A%2F%2Fop.example&authorizationEndpoint=https%3A%2F%2Fop.example%2Fauthorize\
        &tokenEndpoint=https%3A%2F%2Fop.example%2Ftoken&clientId=spa&redirectUri=https%3A%2F%2Fapp.example%2Fcb";

    fn ok(r: String) -> String {
        assert!(r.starts_with('+'), "expected success, got {r:?}");
        r[1..].into()
    }

    fn lines(r: &str) -> Vec<&str> {
        crate::split_byte(r, b'\n').collect()
    }

    fn param<'a>(url: &'a str, name: &str) -> &'a str {
        let q = &url[crate::find_byte(url, b'?').unwrap() + 1..];
        crate::split_byte(q, b'&')
            .find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .unwrap()
    }

    #[test]
    fn failure_is_code_message_and_fields_on_seven_lines() {
        let r = run(op::CHECK, "clientId=spa", "", "", 0.0);
        let f = lines(&r);
        assert_eq!(f.len(), 7, "{r:?}");
        assert_eq!(f[0], "!invalid_config");
        assert!(!f[1].is_empty());
        let r = run(
            op::TOKEN_SET,
            CFG,
            "400\napplication/json",
            r#"{"error":"invalid_grant"}"#,
            0.0,
        );
        let f = lines(&r);
        assert_eq!((f[0], f[2], f[6]), ("!token_error", "invalid_grant", "400"));
        assert!(run(99, CFG, "", "", 0.0).starts_with("!invalid_config\n"));
    }

    #[test]
    fn check_accepts_a_valid_configuration() {
        assert_eq!(ok(run(op::CHECK, CFG, "", "", 0.0)), "");
    }

    #[test]
    fn pair_challenge_is_the_s256_of_the_verifier() {
        let r = ok(run(op::PAIR, "", "", "", 0.0));
        let [v, c] = lines(&r)[..] else {
            panic!("{r:?}")
        };
        let verifier = crate::pkce::CodeVerifier::parse(v.into()).expect("RFC 7636 verifier");
        assert_eq!(c, verifier.challenge());
        assert_ne!(lines(&ok(run(op::PAIR, "", "", "", 0.0)))[0], v);
    }

    #[test]
    fn begin_then_token_request_carries_the_verifier_and_app_state() {
        let r = ok(run(
            op::BEGIN,
            CFG,
            "prompt=login",
            r#"{"to":"/x"}"#,
            1000.0,
        ));
        let [url, key, record] = lines(&r)[..] else {
            panic!("{r:?}")
        };
        let state = param(url, "state");
        assert_eq!(param(url, "prompt"), "login");
        assert_eq!(key, format!("{}{state}", store::PREFIX));
        let href =
            format!("https://app.example/cb?code=c0de&state={state}&iss=https%3A%2F%2Fop.example");
        assert_eq!(ok(run(op::IS_CALLBACK, CFG, &href, "", 0.0)), "1");
        assert_eq!(ok(run(op::CALLBACK_KEY, CFG, &href, "", 0.0)), key);
        let r = ok(run(op::TOKEN_REQUEST, CFG, &href, record, 2000.0));
        let [endpoint, body, app_state, _nonce] = lines(&r)[..] else {
            panic!("{r:?}")
        };
        assert_eq!(endpoint, "https://op.example/token");
        let verifier = Record::parse(record).unwrap().verifier;
        assert_eq!(
            param(&format!("?{body}"), "code_verifier"),
            verifier.secret()
        );
        assert_eq!(param(url, "code_challenge"), verifier.challenge());
        assert_eq!(app_state, r#"{"to":"/x"}"#);
        // No record: no token request.
        let r = run(op::TOKEN_REQUEST, CFG, &href, "", 2000.0);
        assert!(r.starts_with("!no_transaction\n"), "{r:?}");
    }

    #[test]
    fn token_set_reads_status_and_content_type_from_the_first_argument() {
        let body = r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#;
        let r = ok(run(
            op::TOKEN_SET,
            CFG,
            "200\napplication/json",
            body,
            1000.0,
        ));
        assert_eq!(
            r,
            r#"{"accessToken":"at","tokenType":"Bearer","expiresAt":61000}"#
        );
        // The content type is what names the failure of a body that is not JSON.
        let r = run(op::TOKEN_SET, CFG, "200\ntext/html", "<html>", 1000.0);
        assert!(
            r.starts_with("!invalid_token_response\ntoken response is not JSON (Content-Type)"),
            "{r:?}"
        );
        let r = run(
            op::TOKEN_SET,
            CFG,
            "200\napplication/json",
            "<html>",
            1000.0,
        );
        assert!(
            r.starts_with("!invalid_token_response\ntoken response is not JSON\n"),
            "{r:?}"
        );
        let r = run(op::TOKEN_SET, CFG, "302\napplication/json", body, 1000.0);
        assert!(r.starts_with("!invalid_token_response\n"), "{r:?}");
    }

    #[test]
    fn refresh_request_is_endpoint_then_form_body() {
        assert_eq!(
            ok(run(op::REFRESH_REQUEST, CFG, "r t&", "", 0.0)),
            "https://op.example/token\ngrant_type=refresh_token&refresh_token=r+t%26&client_id=spa"
        );
    }

    #[test]
    fn is_stale_and_key_prefix() {
        let r = ok(run(op::BEGIN, CFG, "", "", 1000.0));
        let record = lines(&r)[2];
        assert_eq!(ok(run(op::IS_STALE, CFG, "", record, 2000.0)), "");
        assert_eq!(
            ok(run(
                op::IS_STALE,
                CFG,
                "",
                record,
                1000.0 + 86_400_000.0 * 2.0
            )),
            "1"
        );
        assert_eq!(ok(run(op::IS_STALE, CFG, "", "{}", 2000.0)), "1");
        assert!(lines(&r)[1].starts_with(&ok(run(op::KEY_PREFIX, "", "", "", 0.0))));
    }
}
