//! The `#[wasm_bindgen]` façade: `Core`, the protocol engine behind the JS
//! `PkceClient` (js/index.js). Every decision — what goes in the authorize URL,
//! whether a callback is acceptable, what a token request carries, whether a
//! response, an ID token or provider metadata can be used — is made here,
//! synchronously. The JS layer only performs the I/O those decisions call for
//! (storage, fetch, WebCrypto signature checks, navigation), so the module
//! carries no async runtime and no DOM bindings.
//!
//! Only strings cross the boundary: the configuration comes form-encoded, and
//! results with several parts come back `\n`-joined (none of the parts can
//! contain a newline: URLs, storage keys, form bodies, JSON text, base64url).
//! Arrays and objects would cost the module their conversion code.

use crate::authorize::{self, Transaction};
use crate::callback::RawCallback;
use crate::config::{Config, RawConfig};
use crate::error::{Code, Error, Result};
use crate::store::{self, Record};
use crate::{discovery, json, jwt, token};
use wasm_bindgen::prelude::*;

/// A failure crosses the boundary as one string,
/// `code \n message \n error \n errorDescription \n errorUri \n field \n status`,
/// which js/index.js turns into a `PkceError`. The server-supplied fields have
/// had their control characters replaced, so they hold no newline.
impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let e = e.into_details();
        let mut s = String::from(e.code.as_str());
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
        JsValue::from_str(&s)
    }
}

type JsResult<T> = core::result::Result<T, JsValue>;

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

fn extra_params(query: Option<String>) -> Result<Vec<(String, String)>> {
    let pairs = crate::form::parse(query.as_deref().unwrap_or(""))
        .ok_or_else(|| Error::config("extraAuthParams", "malformed"))?;
    crate::config::check_extra_params(&pairs)?;
    Ok(pairs)
}

/// The validated configuration and the steps of one client.
#[wasm_bindgen]
pub struct Core {
    cfg: Config,
}

#[wasm_bindgen]
impl Core {
    /// Validates the form-encoded configuration; throws `invalid_config`.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str) -> JsResult<Core> {
        Ok(Core {
            cfg: Config::new(RawConfig::from_form(config)?)?,
        })
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
        let extra = extra_params(extra_auth_params)?;
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

    /// A fresh `verifier \n challenge` pair on its own: the synchronous path the
    /// benchmark compares with WebCrypto. The client itself uses `begin`.
    #[wasm_bindgen(js_name = pkcePair)]
    pub fn pkce_pair() -> JsResult<String> {
        let v = crate::pkce::CodeVerifier::generate()?;
        Ok(join(&[v.secret(), &v.challenge()]))
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
    /// none): `tokenEndpoint \n formBody \n appStateJson \n nonce`. The body
    /// carries the code and the verifier and goes nowhere but the token endpoint.
    #[wasm_bindgen(js_name = tokenRequest)]
    pub fn token_request(&self, href: &str, record: Option<String>, now: f64) -> JsResult<String> {
        Ok(self.token_request_inner(href, record, now)?)
    }

    /// `tokenEndpoint \n formBody` of a refresh.
    #[wasm_bindgen(js_name = refreshRequest)]
    pub fn refresh_request(&self, refresh_token: &str) -> String {
        join(&[
            &self.cfg.token_endpoint,
            &token::refresh_body(refresh_token, &self.cfg.client_id),
        ])
    }

    /// Checks the token endpoint's answer; the `TokenSet` as JSON text. With
    /// `openid`, a code exchange must return an ID token (to be validated next).
    #[wasm_bindgen(js_name = tokenSet)]
    pub fn token_set(
        &self,
        status: u16,
        content_type: Option<String>,
        body: &str,
        now: f64,
        refresh: bool,
    ) -> JsResult<String> {
        let t = token::parse_response(status, content_type.as_deref(), body)?;
        if !refresh && t.id_token.is_none() && authorize::wants_openid(self.cfg.scope.as_deref()) {
            return Err(
                Error::new(Code::InvalidTokenResponse, "no id_token for openid")
                    .field("id_token")
                    .into(),
            );
        }
        Ok(token_set_json(&t, now))
    }

    /// The parts of an ID token WebCrypto needs:
    /// `signingInput \n signature \n alg \n kid`. Throws `invalid_id_token` for
    /// a malformed token or a refused algorithm (`none`, HS*). The JS layer
    /// then verifies the signature with the JWKS keys of that type and `kid`.
    #[wasm_bindgen(js_name = idToken)]
    pub fn id_token(&self, id_token: &str) -> JsResult<String> {
        let j = jwt::parse(id_token)?;
        Ok(join(&[
            j.signing_input,
            j.signature,
            j.alg.as_str(),
            j.kid.as_deref().unwrap_or(""),
        ]))
    }

    /// After the signature verified: checks the claims (OIDC Core §3.1.3.7;
    /// §12.2 with `previous`, the claims of the session's first ID token) and
    /// returns them as JSON text.
    #[wasm_bindgen(js_name = idTokenClaims)]
    pub fn id_token_claims(
        &self,
        id_token: &str,
        nonce: Option<String>,
        now: f64,
        previous: Option<String>,
    ) -> JsResult<String> {
        let j = jwt::parse(id_token)?;
        let issuer = self.cfg.issuer.as_deref().unwrap_or("");
        Ok(jwt::check_claims(
            j.payload,
            &jwt::Expected {
                issuer,
                client_id: &self.cfg.client_id,
                nonce: nonce.as_deref().filter(|n| !n.is_empty()),
                now_ms: now,
                previous: previous.as_deref(),
            },
        )?)
    }

    /// `openidConfigurationUrl \n oauthAuthorizationServerUrl` for an issuer.
    #[wasm_bindgen(js_name = metadataUrls)]
    pub fn metadata_urls(issuer: &str) -> JsResult<String> {
        let (a, b) = discovery::urls(issuer)?;
        Ok(join(&[&a, &b]))
    }

    /// Checked metadata: `authorization \n token \n jwks \n revocation \n
    /// endSession \n requireIss` (`true` or empty).
    pub fn metadata(issuer: &str, text: &str) -> JsResult<String> {
        let m = discovery::parse(issuer, text)?;
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(join(&[
            &m.authorization_endpoint,
            &m.token_endpoint,
            &o(&m.jwks_uri),
            &o(&m.revocation_endpoint),
            &o(&m.end_session_endpoint),
            if m.require_iss { "true" } else { "" },
        ]))
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
        let record = record
            .ok_or_else(|| Error::new(Code::NoTransaction, "no pending login for this state"))?;
        let record = Record::parse(&record)
            .ok_or_else(|| Error::new(Code::NoTransaction, "login transaction unreadable"))?;
        if record.expired(now, self.cfg.ttl_ms) {
            return Err(Error::new(Code::NoTransaction, "login transaction expired"));
        }
        if record.redirect_uri != self.cfg.redirect_uri {
            return Err(Error::new(
                Code::NoTransaction,
                "login started with another redirectUri",
            ));
        }
        if record.issuer != self.cfg.issuer {
            return Err(Error::new(
                Code::IssuerMismatch,
                "login started with another issuer",
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
            record.nonce.as_deref().unwrap_or(""),
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
    let refresh = t.refresh_token.as_ref().map(|s| s.secret());
    json::write_member(&mut o, "refreshToken", refresh);
    json::write_member(&mut o, "idToken", t.id_token.as_ref().map(|s| s.secret()));
    json::write_member(&mut o, "scope", t.scope.as_deref());
    o.push('}');
    o
}
