//! The `#[wasm_bindgen]` façade: `Core`, the protocol engine behind the JS
//! `PkceClient` (js/index.js). Every decision — what goes in the authorize URL,
//! whether a callback is acceptable, what the token request says, whether a
//! response is a usable token — is made here, synchronously. The JS layer only
//! performs the I/O those decisions call for (storage, fetch, navigation), so
//! the module carries no async runtime and no DOM bindings.

use crate::authorize::{self, Transaction};
use crate::callback::RawCallback;
use crate::config::{Config, RawConfig};
use crate::error::{Code, Error, Result};
use crate::json;
use crate::store::{self, Record};
use crate::token;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/error.js")]
extern "C" {
    #[wasm_bindgen(js_name = makePkceError)]
    fn make_pkce_error(
        code: &str,
        message: &str,
        error: Option<String>,
        error_description: Option<String>,
        error_uri: Option<String>,
        status: Option<u16>,
        field: Option<String>,
    ) -> JsValue;
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let e = e.into_details();
        make_pkce_error(
            e.code.as_str(),
            e.message,
            e.error,
            e.error_description,
            e.error_uri,
            e.status,
            e.field.map(Into::into),
        )
    }
}

type JsResult<T> = core::result::Result<T, JsValue>;

/// Extra authorization parameters arrive form-encoded (`URLSearchParams`), so
/// only strings cross the boundary; results go back as `\n`-joined fields
/// (none of them can contain a newline: URLs, keys and JSON text). Arrays of
/// strings would cost the module their conversion code.
fn pairs(query: Option<String>) -> Result<Vec<(String, String)>> {
    let pairs = crate::form::parse(query.as_deref().unwrap_or(""))
        .ok_or_else(|| Error::config("extraAuthParams", "must be valid form encoding"))?;
    crate::config::check_extra_params(&pairs)?;
    Ok(pairs)
}

fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(p);
    }
    out
}

/// The validated configuration and the steps of one client.
#[wasm_bindgen]
pub struct Core {
    cfg: Config,
}

#[wasm_bindgen]
impl Core {
    /// Validates the configuration; throws `PkceError` `invalid_config`.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(constructor)]
    pub fn new(
        issuer: Option<String>,
        authorization_endpoint: Option<String>,
        token_endpoint: Option<String>,
        client_id: Option<String>,
        redirect_uri: Option<String>,
        scope: Option<String>,
        audience: Option<String>,
        extra_auth_params: Option<String>,
        transaction_ttl_seconds: Option<f64>,
    ) -> JsResult<Core> {
        let cfg = Config::new(RawConfig {
            issuer,
            authorization_endpoint,
            token_endpoint,
            client_id,
            redirect_uri,
            scope,
            audience,
            extra_auth_params: pairs(extra_auth_params)?,
            transaction_ttl_seconds,
        })?;
        Ok(Core { cfg })
    }

    /// The storage key prefix of transaction records.
    #[wasm_bindgen(js_name = keyPrefix)]
    pub fn key_prefix() -> String {
        store::PREFIX.into()
    }

    /// A new login: `authorizeUrl \n storageKey \n record`. The record holds
    /// the verifier and must be stored under the key before the URL is used.
    pub fn begin(
        &self,
        app_state: Option<String>,
        extra_auth_params: Option<String>,
        now: f64,
    ) -> JsResult<String> {
        let extra = pairs(extra_auth_params)?;
        let tx = Transaction::generate(&self.cfg)?;
        let url = authorize::url(&self.cfg, &tx, &extra);
        let key = store::key(&tx.state);
        let record = Record {
            verifier: tx.verifier,
            redirect_uri: self.cfg.redirect_uri.clone(),
            issuer: self.cfg.issuer.clone(),
            nonce: tx.nonce,
            created_at: now,
            app_state,
        };
        Ok(join(&[&url, &key, &record.serialize()]))
    }

    /// Whether `href` is this client's redirect URI carrying `code` or `error`.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(&self, href: &str) -> bool {
        RawCallback::parse(href, &self.cfg.redirect_base).is_ok_and(|cb| cb.has_response())
    }

    /// Steps 1–3 of callback validation (duplicates → `iss` → `state`): the
    /// storage key of the transaction this callback claims. Throws before
    /// anything is read from storage.
    #[wasm_bindgen(js_name = callbackKey)]
    pub fn callback_key(&self, href: &str) -> JsResult<String> {
        let raw = RawCallback::parse(href, &self.cfg.redirect_base)?;
        raw.check_before_state(self.cfg.issuer.as_deref(), self.cfg.require_iss)?;
        Ok(store::key(raw.state()?))
    }

    /// After `callbackKey` threw: the key of the transaction to delete, when
    /// the callback names exactly one `state`.
    #[wasm_bindgen(js_name = discardKey)]
    pub fn discard_key(&self, href: &str) -> Option<String> {
        let raw = RawCallback::parse(href, &self.cfg.redirect_base).ok()?;
        raw.state_to_discard().map(store::key)
    }

    /// Steps 4–5 with the transaction taken from storage (`None` when there was
    /// none): `tokenEndpoint \n formBody \n appStateJson`. The body carries
    /// the code and the verifier and goes nowhere but the token endpoint.
    #[wasm_bindgen(js_name = tokenRequest)]
    pub fn token_request(&self, href: &str, record: Option<String>, now: f64) -> JsResult<String> {
        Ok(self.token_request_inner(href, record, now)?)
    }

    /// Checks the token endpoint's answer; the `TokenSet` as JSON text.
    #[wasm_bindgen(js_name = tokenSet)]
    pub fn token_set(
        &self,
        status: u16,
        content_type: Option<String>,
        body: &str,
        now: f64,
    ) -> JsResult<String> {
        let t = token::parse_response(status, content_type.as_deref(), body)?;
        Ok(token_set_json(&t, now))
    }

    /// Whether a stored record is expired or unreadable (for sweeping).
    #[wasm_bindgen(js_name = isStale)]
    pub fn is_stale(&self, record: &str, now: f64) -> bool {
        Record::parse(record).is_none_or(|r| r.expired(now, self.cfg.ttl_ms))
    }
}

impl Core {
    fn token_request_inner(&self, href: &str, record: Option<String>, now: f64) -> Result<String> {
        let raw = RawCallback::parse(href, &self.cfg.redirect_base)?;
        let record = record.ok_or_else(|| {
            Error::new(
                Code::NoTransaction,
                "no pending login for this state (unknown, already used, or storage was cleared)",
            )
        })?;
        let record = Record::parse(&record).ok_or_else(|| {
            Error::new(
                Code::NoTransaction,
                "the stored login transaction is unreadable",
            )
        })?;
        if record.expired(now, self.cfg.ttl_ms) {
            return Err(Error::new(
                Code::NoTransaction,
                "the login transaction expired (transactionTtlSeconds)",
            ));
        }
        if record.redirect_uri != self.cfg.redirect_uri {
            return Err(Error::new(
                Code::NoTransaction,
                "the login was started with another redirectUri",
            ));
        }
        if record.issuer != self.cfg.issuer {
            return Err(Error::new(
                Code::IssuerMismatch,
                "the login was started with another issuer",
            ));
        }
        let code = raw.into_code()?;
        let body = token::request_body(
            code,
            record.verifier,
            &self.cfg.redirect_uri,
            &self.cfg.client_id,
        );
        Ok(join(&[
            &self.cfg.token_endpoint,
            &body,
            record.app_state.as_deref().unwrap_or(""),
        ]))
    }
}

fn token_set_json(t: &token::TokenResponse, now: f64) -> String {
    let mut o = String::from("{\"accessToken\":");
    json::write_string(&mut o, t.access_token.secret());
    o.push_str(",\"tokenType\":");
    json::write_string(&mut o, t.token_type);
    if let Some(secs) = t.expires_in {
        o.push_str(",\"expiresAt\":");
        json::write_u64(&mut o, (now.max(0.0) as u64).saturating_add(secs * 1000));
    }
    let mut opt = |name: &str, v: Option<&str>| {
        if let Some(v) = v {
            o.push_str(",\"");
            o.push_str(name);
            o.push_str("\":");
            json::write_string(&mut o, v);
        }
    };
    opt("refreshToken", t.refresh_token.as_ref().map(|s| s.secret()));
    opt("idToken", t.id_token.as_ref().map(|s| s.secret()));
    opt("scope", t.scope.as_deref());
    o.push('}');
    o
}
