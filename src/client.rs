//! `PkceClient`, the public class. It holds the checked configuration and
//! does the whole flow: the authorize URL and the stored transaction, the
//! callback, the code exchange, ID token verification, the session, refresh,
//! authorised requests, logout and revocation. Async methods clone the inner
//! `Rc` into their future, so calls may overlap; no `RefCell` borrow is held
//! across an `await`.

use crate::authorize::{self, Transaction};
use crate::bearer::challenge_error;
use crate::callback::RawCallback;
use crate::config::{parse_url, wants_openid, Config, Options, Params};
use crate::crypto;
use crate::discovery::{self, Found, Metadata};
use crate::dpop::{self, Key, KeyStore};
use crate::error::{Code, Error, Result};
use crate::http::{self, Cache, Transport};
use crate::jwt::{self, Claims, Expected, JwkInfo};
use crate::locks;
use crate::storage::Store;
use crate::token::{self, Body, Expect, TokenSet};
use crate::transaction::{self, Record};
use crate::value;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("../js/types.d.ts");

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;

    /// The page's own `fetch`, for the app's API calls (`client.fetch`):
    /// its answer and its failures go back to the app unchanged.
    #[wasm_bindgen(js_name = fetch)]
    fn page_fetch(input: &JsValue, init: &JsValue) -> js_sys::Promise;

    #[wasm_bindgen(js_name = Request)]
    type JsRequest;
}

/// Response parameters removed from the address bar after a callback.
const RESPONSE_PARAMS: &[&str] = &[
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "error_uri",
    "session_state",
];
/// How long a tab that waited for the refresh lock waits for the other tab's
/// new session to reach its copy of localStorage before refreshing itself.
const STORAGE_SETTLE_MS: i32 = 1000;
/// An access token is refreshed when it has less than this left, or half
/// its lifetime for tokens that live less than two minutes.
const REFRESH_MARGIN_MS: f64 = 60_000.0;

thread_local! {
    /// Storage keys of transactions a callback has claimed in this page.
    /// Claimed synchronously before the first await, so two deliveries of one
    /// callback (reload race, Android's double deep link) never both reach the
    /// token endpoint, whatever the storage backend.
    static CLAIMED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Claims `key` for this page; `false` if it was claimed before.
fn claim(key: &str) -> bool {
    CLAIMED.with(|c| {
        let mut c = c.borrow_mut();
        if c.iter().any(|k| k == key) {
            false
        } else {
            c.push(key.to_owned());
            true
        }
    })
}

/// Gives a claim back: the transaction was another client's to complete.
fn unclaim(key: &str) {
    CLAIMED.with(|c| c.borrow_mut().retain(|k| k != key));
}

/// Runs `f` as a Promise. Every async method goes through this one
/// instantiation of the executor's entry: each of its own would cost the
/// module about a kilobyte.
pub(crate) fn spawn(
    f: impl Future<Output = std::result::Result<JsValue, JsValue>> + 'static,
) -> js_sys::Promise {
    let f: Pin<Box<dyn Future<Output = std::result::Result<JsValue, JsValue>>>> = Box::pin(f);
    future_to_promise(f)
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn to_js<T: serde::Serialize>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .unwrap_or(JsValue::UNDEFINED)
}

fn login_required(message: &'static str) -> Error {
    Error::new(Code::LoginRequired, message)
}

fn dpop_error(message: &'static str) -> Error {
    Error::new(Code::DpopError, message)
}

type StorageListener = Closure<dyn FnMut(web_sys::StorageEvent)>;

/// The OAuth 2.0 Authorization Code + PKCE client (RFC 7636) of one
/// provider and one application.
#[wasm_bindgen]
pub struct PkceClient {
    pub(crate) inner: Rc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) cfg: Config,
    pub(crate) storage: Store,
    /// Where the session is kept: `None` for memory only.
    tokens: Option<Store>,
    http: Transport,
    session: RefCell<Option<TokenSet>>,
    /// The refresh in flight, which concurrent callers join.
    refreshing: RefCell<Option<js_sys::Promise>>,
    /// The provider's signing keys as last fetched.
    jwks: RefCell<Option<Vec<JsValue>>>,
    /// `jwks_uri` from the issuer's metadata, when none was configured.
    found_jwks_uri: RefCell<Option<String>>,
    /// The `storage` listener of a session shared through localStorage.
    listener: RefCell<Option<StorageListener>>,
    /// Resolves the wait for another tab's new session.
    on_session_change: RefCell<Option<js_sys::Function>>,
    /// The session's DPoP key, once a login made one.
    dpop_key: RefCell<Option<Key>>,
    /// The last `DPoP-Nonce` of each server, by origin (RFC 9449 §8, §9).
    nonces: RefCell<Vec<(String, String)>>,
    /// The `state` of the login `authorize_url` last saved: a popup login
    /// after a pushed request cannot read it from the URL.
    pub(crate) last_state: RefCell<Option<String>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(l) = self.listener.get_mut().take() {
            let target: web_sys::EventTarget = js_sys::global().unchecked_into();
            let _ =
                target.remove_event_listener_with_callback("storage", l.as_ref().unchecked_ref());
        }
    }
}

#[wasm_bindgen]
impl PkceClient {
    /// Checks the configuration once and keeps it. Throws `PkceError`
    /// `invalid_config` naming the option at fault (`err.field`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "PkceClientConfig")] config: JsValue,
    ) -> std::result::Result<PkceClient, JsValue> {
        Ok(PkceClient::build(&config)?)
    }

    /// Reads the provider's metadata (OpenID Connect Discovery, then RFC
    /// 8414), checks it and returns a client configured from it. Options are
    /// those of the constructor; explicit ones win over discovered ones.
    #[wasm_bindgen(unchecked_return_type = "Promise<PkceClient>")]
    pub fn discover(
        #[wasm_bindgen(unchecked_param_type = "DiscoverOptions")] options: JsValue,
    ) -> js_sys::Promise {
        spawn(async move { Ok(PkceClient::discovered(&options).await?.into()) })
    }

    /// Saves a new transaction and resolves with the URL to send the user to.
    #[wasm_bindgen(js_name = authorizeUrl, unchecked_return_type = "Promise<string>")]
    pub fn authorize_url(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AuthorizeOptions")] options: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let url = inner.authorize_url(&options).await?;
            inner.sweep();
            Ok(url.into())
        })
    }

    /// `authorizeUrl()`, then `location.assign()` (single-page apps).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn login(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AuthorizeOptions")] options: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let url = inner.authorize_url(&options).await?;
            let location = web_sys::window().map(|w| w.location()).ok_or_else(|| {
                Error::config(
                    "login",
                    "login() needs a page; use authorizeUrl() elsewhere",
                )
            })?;
            location.assign(&url)?;
            // Old logins are swept once the navigation is under way: the
            // click's time goes to the login itself.
            inner.sweep();
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Whether `href` (default: the current location) is a response for this
    /// redirectUri: the same URL without its query, carrying `code` or `error`.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] href: JsValue,
    ) -> bool {
        let href = if href.is_undefined() {
            location_href().map(JsValue::from)
        } else {
            Some(href)
        };
        href.and_then(|h| h.as_string())
            .is_some_and(|h| self.inner.is_callback(&h))
    }

    /// Validates the callback (duplicates → iss → state → error → code),
    /// takes its transaction, exchanges the code and resolves with the
    /// TokenSet. `href` defaults to `location.href`, which is then cleaned of
    /// `code` and `state` first.
    #[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<TokenSet>")]
    pub fn handle_callback(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] href: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        spawn(async move { inner.handle_callback(href).await })
    }

    /// A valid access token: the current one, or a refreshed one when it
    /// expires within a minute. Rejects `login_required` without a session.
    #[wasm_bindgen(js_name = getAccessToken, unchecked_return_type = "Promise<string>")]
    pub fn get_access_token(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        spawn(async move { Ok(Inner::access_token(&inner).await?.into()) })
    }

    /// Refreshes now, whatever the access token's expiry: the new TokenSet.
    #[wasm_bindgen(unchecked_return_type = "Promise<TokenSet>")]
    pub fn refresh(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let s = inner
                .load()
                .await?
                .ok_or_else(|| login_required("no session: log in first"))?;
            let mut t = Inner::refresh(&inner, s.access_token).await?;
            t.received_at = None;
            Ok(to_js(&t))
        })
    }

    /// The current session (a copy of its TokenSet with `receivedAt`), or null.
    #[wasm_bindgen(js_name = getSession, unchecked_return_type = "Promise<Session | null>")]
    pub fn get_session(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        spawn(async move { Ok(inner.load().await?.map_or(JsValue::NULL, |s| to_js(&s))) })
    }

    /// `fetch` with `Authorization: Bearer …`. On a 401 whose
    /// `WWW-Authenticate` is `Bearer … error="invalid_token"` it refreshes
    /// once and retries once; any other answer is returned as it is.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RequestInit")] init: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        spawn(async move { Inner::fetch(&inner, &input, &init).await })
    }

    /// Ends the session: clears it, revokes the refresh token (RFC 7009)
    /// when there is a revocation endpoint, and opens the end-session
    /// endpoint when there is one, through `open` when given (hybrid apps),
    /// else `location.assign`. Resolves with the URL opened, if any.
    #[wasm_bindgen(unchecked_return_type = "Promise<string | undefined>")]
    pub fn logout(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LogoutOptions")] options: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        spawn(async move { inner.logout(&options).await })
    }

    /// Revokes the session's refresh token (or its access token) and clears
    /// the session.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn revoke(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let s = inner.load().await?;
            inner.clear().await;
            let Some(s) = s else {
                return Ok(JsValue::UNDEFINED);
            };
            if inner.cfg.revocation_endpoint().is_none() {
                return Err(Error::config(
                    "revocationEndpoint",
                    "the provider has no revocation endpoint",
                )
                .into());
            }
            inner.revoke(&s).await?;
            Ok(JsValue::UNDEFINED)
        })
    }
}

impl PkceClient {
    async fn discovered(options: &JsValue) -> std::result::Result<PkceClient, JsValue> {
        let issuer = value::get(options, "issuer")
            .as_string()
            .ok_or_else(|| Error::config("issuer", "discover() needs an issuer"))?;
        let http = Transport::from_option(&value::get(options, "fetch"))?;
        let found = fetch_metadata(&http, &issuer).await?;
        let config = js_sys::Object::new();
        let set = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                value::set(&config, k, &v.into());
            }
        };
        set("authorizationEndpoint", &Some(found.authorization_endpoint));
        set("tokenEndpoint", &Some(found.token_endpoint));
        set("jwksUri", &found.jwks_uri);
        set("revocationEndpoint", &found.revocation_endpoint);
        set("endSessionEndpoint", &found.end_session_endpoint);
        set("pushedAuthorizationRequestEndpoint", &found.par_endpoint);
        if found.require_iss {
            value::set(&config, "requireIss", &JsValue::TRUE);
        }
        if found.require_par {
            value::set(&config, "par", &JsValue::TRUE);
        }
        if value::is_object(options) {
            for entry in js_sys::Object::entries(options.unchecked_ref()).iter() {
                let entry: js_sys::Array = entry.unchecked_into();
                let v = entry.get(1);
                if !v.is_undefined() {
                    js_sys::Reflect::set(&config, &entry.get(0), &v)?;
                }
            }
        }
        Ok(PkceClient::build(&config)?)
    }

    fn build(config: &JsValue) -> Result<PkceClient> {
        let o = Options::read(config)?;
        let http = Transport::from_option(&o.fetch)?;
        let storage = if o.storage.is_undefined() || o.storage.is_null() {
            Store::Web("sessionStorage")
        } else {
            Store::from_option(&o.storage, "storage")?
        };
        let tokens = match &o.persist_tokens {
            v if v.is_undefined() || v.is_null() || v.as_bool() == Some(false) => None,
            v => Some(Store::from_option(v, "persistTokens")?),
        };
        let cfg = Config::new(o)?;
        let shared = tokens.as_ref().is_some_and(Store::is_local_storage);
        let inner = Rc::new(Inner {
            cfg,
            storage,
            tokens,
            http,
            session: RefCell::new(None),
            refreshing: RefCell::new(None),
            jwks: RefCell::new(None),
            found_jwks_uri: RefCell::new(None),
            listener: RefCell::new(None),
            on_session_change: RefCell::new(None),
            dpop_key: RefCell::new(None),
            nonces: RefCell::new(Vec::new()),
            last_state: RefCell::new(None),
        });
        if shared {
            Inner::watch_session(&inner);
        }
        Ok(PkceClient { inner })
    }
}

fn location_href() -> Option<String> {
    web_sys::window()?.location().href().ok()
}

/// A stored transaction read back: `None` for anything this version did not
/// write (tampered, truncated, older schema).
fn read_record(text: &str) -> Option<(crate::pkce::CodeVerifier, Record)> {
    value::parse(text)
        .filter(value::is_object)
        .and_then(|v| Record::read(&v))
        .and_then(Record::into_checked)
}

/// Removes the response parameters from the address bar (R30), where there
/// is one.
fn clean_address_bar(href: &str) {
    let (Some(window), Some(url)) = (web_sys::window(), parse_url(href)) else {
        return;
    };
    let params = url.search_params();
    for p in RESPONSE_PARAMS {
        params.delete(p);
    }
    if let Ok(history) = window.history() {
        let state = history.state().unwrap_or(JsValue::NULL);
        let _ = history.replace_state_with_url(&state, "", Some(&url.href()));
    }
}

/// Issuer `issuer`'s metadata, fetched and checked.
async fn fetch_metadata(http: &Transport, issuer: &str) -> Result<Found> {
    let offline = || {
        Error::new(
            Code::NetworkError,
            "the provider metadata could not be fetched (offline, DNS, TLS or CORS)",
        )
    };
    let mut status = 404;
    let mut text = None;
    for url in discovery::urls(issuer)? {
        let reply = http.get(&url, Cache::Unset).await.map_err(|_| offline())?;
        status = reply.status;
        if status == 200 {
            text = Some(reply.text().await.map_err(|_| offline())?);
        }
        if status != 404 {
            break;
        }
    }
    let bad = |message| Error::new(Code::DiscoveryError, message).field("body");
    let text =
        text.ok_or_else(|| bad("provider metadata answered an HTTP error").status(status))?;
    let v = value::parse(&text).ok_or_else(|| bad("metadata is not JSON"))?;
    let m = value::is_object(&v)
        .then(|| Metadata::read(&v))
        .ok_or_else(|| bad("metadata is not an object"))?;
    discovery::check(issuer, m)
}

impl Inner {
    pub(crate) fn is_callback(&self, href: &str) -> bool {
        RawCallback::parse(href, &self.cfg.redirect_base).is_ok_and(|cb| cb.has_response())
    }

    fn session_key(&self) -> String {
        ["pkce-wasm.session.", self.cfg.client_id()].concat()
    }

    pub(crate) async fn authorize_url(&self, options: &JsValue) -> Result<String> {
        let get = |k| {
            if options.is_object() {
                value::get(options, k)
            } else {
                JsValue::UNDEFINED
            }
        };
        let app_state = get("appState");
        let app_state = if app_state.is_undefined() {
            None
        } else {
            let text = js_sys::JSON::stringify(&app_state).map_err(|e| {
                Error::config("appState", "appState must be JSON-serialisable").cause(e)
            })?;
            // JSON.stringify of a function is undefined: no state to keep.
            JsValue::from(text).as_string()
        };
        let extra = Params::read(&get("extraAuthParams"))?;
        let tx = Transaction::generate(wants_openid(self.cfg.scope()))?;
        let store = self.key_store();
        let dpop_key = match store {
            Some(_) => Some(Key::generate(&crypto::subtle()?).await?),
            None => None,
        };
        let params = authorize::params(&self.cfg, &tx, &extra, dpop_key.as_ref().map(|k| &*k.jkt));
        let url = match self.cfg.par_endpoint() {
            // Pushed first: nothing is stored for a request the server refused.
            Some(endpoint) => {
                let request_uri = self.push(endpoint, &params, dpop_key.as_ref()).await?;
                authorize::at_endpoint(
                    &self.cfg,
                    &[
                        ("client_id".into(), self.cfg.client_id().into()),
                        ("request_uri".into(), request_uri),
                    ],
                )?
            }
            None => authorize::at_endpoint(&self.cfg, &params)?,
        };
        let key = transaction::key(&tx.state);
        let mut record = Record::new(&self.cfg, tx.verifier, tx.nonce, app_state, now());
        record.dpop_nonce = dpop_key.as_ref().and(self.nonce(self.cfg.token_endpoint()));
        let text = record.to_json();
        // The login's DPoP key waits under its transaction for the callback,
        // which may run in a page loaded after this one.
        if let (Some(store), Some(k)) = (&store, &dpop_key) {
            store.set(&key, &k.pair).await?;
        }
        if let Err(e) = self.storage.set(&key, &text).await {
            self.forget_key(key);
            return Err(e);
        }
        *self.last_state.borrow_mut() = Some(tx.state);
        Ok(url)
    }

    /// Pushes the authorization request (RFC 9126 §2.1) and returns its
    /// `request_uri`.
    async fn push(
        &self,
        endpoint: &str,
        params: &[(String, String)],
        key: Option<&Key>,
    ) -> Result<String> {
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (&**k, &**v)).collect();
        let (status, _, body) = self.post(endpoint, &token::form(&pairs), key).await?;
        authorize::check_pushed(status, body)
    }

    /// Where DPoP keys outlive the page; `None` without DPoP.
    fn key_store(&self) -> Option<KeyStore> {
        let d = self.cfg.dpop.as_ref()?;
        Some(match &d.key_store {
            Some(s) => KeyStore::App(s.clone()),
            None => KeyStore::IndexedDb,
        })
    }

    /// Whether the session's key is kept beyond memory: with a persisted
    /// session, or in the app's own store.
    fn keeps_session_key(&self) -> bool {
        self.cfg.persists_tokens()
            || self
                .cfg
                .dpop
                .as_ref()
                .is_some_and(|d| d.key_store.is_some())
    }

    fn dpop_id(&self) -> String {
        ["pkce-wasm.dpop.", self.cfg.client_id()].concat()
    }

    fn expect(&self) -> Expect {
        match &self.cfg.dpop {
            Some(d) => Expect::Dpop {
                allow_bearer: d.allow_bearer,
            },
            None => Expect::Bearer,
        }
    }

    /// Removes a stored key in the background (best effort): the
    /// transaction it belonged to is gone.
    pub(crate) fn forget_key(&self, id: String) {
        if let Some(store) = self.key_store() {
            drop(spawn(async move {
                let _ = store.remove(&id).await;
                Ok(JsValue::UNDEFINED)
            }));
        }
    }

    /// The session's DPoP key: in memory, or read back from the store where
    /// the session is kept. `None` without DPoP.
    async fn session_dpop_key(this: &Rc<Inner>) -> Result<Option<Key>> {
        let Some(store) = this.key_store() else {
            return Ok(None);
        };
        if let Some(k) = this.dpop_key.borrow().clone() {
            return Ok(Some(k));
        }
        if this.keeps_session_key() {
            if let Some(pair) = store.get(&this.dpop_id()).await? {
                let k = Key::of(&crypto::subtle()?, pair).await?;
                *this.dpop_key.borrow_mut() = Some(k.clone());
                return Ok(Some(k));
            }
        }
        Err(login_required(
            "the session's DPoP key is gone; log in again",
        ))
    }

    fn nonce(&self, url: &str) -> Option<String> {
        let origin = dpop::origin(url)?;
        let nonces = self.nonces.borrow();
        nonces
            .iter()
            .find(|(o, _)| *o == origin)
            .map(|(_, n)| n.clone())
    }

    fn remember_nonce(&self, url: &str, nonce: String) {
        if let Some(origin) = dpop::origin(url) {
            let mut nonces = self.nonces.borrow_mut();
            nonces.retain(|(o, _)| *o != origin);
            nonces.push((origin, nonce));
        }
    }

    async fn proof(&self, key: &Key, htm: &str, url: &str, token: Option<&str>) -> Result<String> {
        let nonce = self.nonce(url);
        key.proof(&crypto::subtle()?, htm, url, nonce.as_deref(), token)
            .await
    }

    /// A form POST to the provider, with a DPoP proof when `key` is given,
    /// and the one retry a `use_dpop_nonce` answer asks for (RFC 9449 §8).
    /// Resolves with the status, `Content-Type` and body of the answer.
    async fn post(
        &self,
        url: &str,
        body: &str,
        key: Option<&Key>,
    ) -> Result<(u16, Option<String>, Body)> {
        let mut retried = false;
        loop {
            let proof = match key {
                Some(k) => Some(self.proof(k, "POST", url, None).await?),
                None => None,
            };
            let reply = self
                .http
                .post(url, body, proof.as_deref())
                .await
                .map_err(http::post_failed)?;
            let nonce = key.and(reply.header("dpop-nonce"));
            if let Some(n) = &nonce {
                self.remember_nonce(url, n.clone());
            }
            let text = http::post_body(&reply).await?;
            let parsed = Body::read(&text);
            if key.is_some()
                && reply.status == 400
                && parsed.oauth_error() == Some("use_dpop_nonce")
            {
                if retried {
                    return Err(dpop_error("the server asked for a new DPoP nonce twice")
                        .status(reply.status));
                }
                if nonce.is_none() {
                    return Err(dpop_error(
                        "use_dpop_nonce without a readable DPoP-Nonce header (it must be exposed to CORS)",
                    )
                    .status(reply.status));
                }
                retried = true;
                continue;
            }
            return Ok((reply.status, reply.header("content-type"), parsed));
        }
    }

    /// Drops expired or unreadable transactions where the storage can list
    /// its keys (Web Storage); elsewhere expiry is enforced when a record is
    /// read. Best effort.
    fn sweep(&self) {
        let Some(entries) = self.storage.list(transaction::PREFIX) else {
            return;
        };
        let now = now();
        for (k, v) in entries {
            let fresh = v
                .and_then(|t| read_record(&t))
                .is_some_and(|(_, r)| !r.expired(now, self.cfg.ttl_ms));
            if !fresh {
                self.storage.remove_now(&k);
                self.forget_key(k);
            }
        }
    }

    pub(crate) async fn handle_callback(
        self: Rc<Self>,
        href: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let here = location_href();
        let href = if href.is_undefined() || href.is_null() {
            here.clone()
        } else {
            href.as_string()
        }
        .ok_or_else(|| Error::new(Code::InvalidCallback, "no callback URL given"))?;
        if here.as_deref() == Some(href.as_str()) && self.is_callback(&href) {
            clean_address_bar(&href);
        }
        let raw = RawCallback::parse(&href, &self.cfg.redirect_base)?;
        let key = match raw
            .check_before_state(self.cfg.issuer(), self.cfg.require_iss())
            .and_then(|()| raw.state())
        {
            Ok(state) => transaction::key(state),
            Err(e) => {
                // A refused callback that names one transaction ends it: it
                // can no longer complete safely. One naming none leaves every
                // transaction alone.
                // Unless another configuration made it: a callback that is
                // wrong for this client may be right for that one.
                if let Some(state) = raw.state_to_discard() {
                    let doomed = transaction::key(state);
                    if claim(&doomed) {
                        if self.made_elsewhere(&doomed).await {
                            unclaim(&doomed);
                        } else {
                            let _ = self.storage.remove(&doomed).await;
                            self.forget_key(doomed);
                        }
                    }
                }
                return Err(e.into());
            }
        };
        if !claim(&key) {
            return Err(Error::new(
                Code::NoTransaction,
                "this callback was already handled (replay or double delivery)",
            )
            .into());
        }
        // Read, checked, and deleted only if this configuration made it: a
        // synchronous storage does all three in one turn of the event loop,
        // so no other task sees the record in between.
        let Some(text) = self.storage.get(&key).await? else {
            return Err(Error::new(Code::NoTransaction, "no pending login for this state").into());
        };
        let checked = read_record(&text);
        if checked.as_ref().is_some_and(|(_, r)| !r.made_by(&self.cfg)) {
            // Another client (or provider) sharing this redirect URI made it
            // (RFC 9700 §4.4): its code must go to no token endpoint of this
            // one. The record stays for the client that made it.
            unclaim(&key);
            return Err(Error::new(
                Code::NoTransaction,
                "this login was started by another client configuration",
            )
            .into());
        }
        self.storage.remove(&key).await?;
        // The login's DPoP key leaves the store with its transaction.
        let pair = match self.key_store() {
            Some(store) => {
                let pair = store.get(&key).await;
                let _ = store.remove(&key).await;
                Some(pair?)
            }
            None => None,
        };
        let (verifier, record) = checked
            .ok_or_else(|| Error::new(Code::NoTransaction, "login transaction unreadable"))?;
        if record.expired(now(), self.cfg.ttl_ms) {
            return Err(Error::new(Code::NoTransaction, "login transaction expired").into());
        }
        let code = raw.into_code()?;
        if let Some(n) = record.dpop_nonce.clone() {
            if self.nonce(self.cfg.token_endpoint()).is_none() {
                self.remember_nonce(self.cfg.token_endpoint(), n);
            }
        }
        let dpop_key = match pair {
            Some(Some(pair)) => Some(Key::of(&crypto::subtle()?, pair).await?),
            Some(None) => return Err(dpop_error("the DPoP key of this login is gone").into()),
            None => None,
        };
        let body = token::code_body(
            code,
            verifier,
            self.cfg.redirect_uri(),
            self.cfg.client_id(),
        );
        let openid = wants_openid(self.cfg.scope());
        let mut tokens = self.token_request(&body, openid, dpop_key.as_ref()).await?;
        if let Some(id_token) = tokens.id_token.take() {
            // An ID token that cannot be checked (no openid, no keys) is
            // not passed on.
            if openid || self.cfg.jwks_uri().is_some() {
                tokens.claims =
                    Inner::verify_id_token(&self, &id_token, record.nonce.as_deref(), None).await?;
                tokens.id_token = Some(id_token);
            }
        }
        if let Some(k) = dpop_key {
            if self.keeps_session_key() {
                if let Some(store) = self.key_store() {
                    store.set(&self.dpop_id(), &k.pair).await?;
                }
            }
            *self.dpop_key.borrow_mut() = Some(k);
        }
        self.save(&tokens).await?;
        if let Some(text) = &record.app_state {
            tokens.app_state = value::parse(text).unwrap_or(JsValue::UNDEFINED);
        }
        Ok(to_js(&tokens))
    }

    /// Whether the transaction under `key` is readable and was made by
    /// another client configuration.
    async fn made_elsewhere(&self, key: &str) -> bool {
        let text = self.storage.get(key).await.ok().flatten();
        text.and_then(|t| read_record(&t))
            .is_some_and(|(_, r)| !r.made_by(&self.cfg))
    }

    /// POSTs `body` to the token endpoint (with a proof of `key`) and
    /// checks the answer.
    async fn token_request(
        &self,
        body: &str,
        need_id_token: bool,
        key: Option<&Key>,
    ) -> Result<TokenSet> {
        let (status, content_type, body) = self.post(self.cfg.token_endpoint(), body, key).await?;
        token::check_response(
            status,
            content_type.as_deref(),
            body,
            now(),
            need_id_token,
            self.expect(),
        )
    }

    /// The ID token's signature is checked with the provider's keys through
    /// WebCrypto, then its claims; `previous` (the claims of the session's
    /// ID token) is given for a refresh. Resolves with the claims object.
    async fn verify_id_token(
        this: &Rc<Inner>,
        id_token: &str,
        nonce: Option<&str>,
        previous: Option<&JsValue>,
    ) -> Result<JsValue> {
        let c = jwt::split(id_token)?;
        let (alg, kid) = jwt::read_header(&c)?;
        let signature = c.signature()?;
        let subtle = crypto::subtle()?;
        let cached = this.jwks.borrow().clone();
        let fresh = cached.is_none();
        let keys = match cached {
            Some(k) => k,
            None => this.fetch_jwks(false).await?,
        };
        let fitting = |keys: Vec<JsValue>| -> Vec<JsValue> {
            keys.into_iter()
                .filter(|k| {
                    (value::is_object(k).then(|| JwkInfo::read(k)))
                        .is_some_and(|i| i.fits(alg, kid.as_deref()))
                })
                .collect()
        };
        let mut candidates = fitting(keys);
        if candidates.is_empty() && !fresh {
            // An unknown key id usually means the provider rotated its keys:
            // fetch once more.
            candidates = fitting(this.fetch_jwks(true).await?);
        }
        if candidates.is_empty() {
            return Err(Error::new(
                Code::InvalidIdToken,
                "no key of the provider's JWKS can verify the ID token",
            )
            .field("kid"));
        }
        for jwk in &candidates {
            if crypto::verify(&subtle, alg, jwk, c.signing_input.as_bytes(), &signature).await {
                let (claims, object) = jwt::read_claims(&c)?;
                let previous = previous.and_then(Claims::of);
                jwt::check_claims(
                    &claims,
                    &Expected {
                        issuer: this.cfg.issuer().unwrap_or(""),
                        client_id: this.cfg.client_id(),
                        nonce,
                        now_ms: now(),
                        previous: previous.as_ref(),
                    },
                )?;
                return Ok(object);
            }
        }
        Err(Error::new(
            Code::InvalidIdToken,
            "the ID token signature does not verify with the provider's keys",
        )
        .field("signature"))
    }

    /// The JWKS URI: configured, or read from the issuer's metadata the first
    /// time it is needed.
    async fn jwks_uri(&self) -> Result<String> {
        if let Some(uri) = self.cfg.jwks_uri() {
            return Ok(uri.into());
        }
        if let Some(uri) = self.found_jwks_uri.borrow().clone() {
            return Ok(uri);
        }
        let issuer = self.cfg.issuer().ok_or_else(|| {
            Error::config(
                "jwksUri",
                "an ID token arrived but no jwksUri is configured",
            )
        })?;
        let uri = fetch_metadata(&self.http, issuer)
            .await?
            .jwks_uri
            .ok_or_else(|| {
                Error::new(
                    Code::DiscoveryError,
                    "the provider's metadata has no jwks_uri",
                )
                .field("jwks_uri")
            })?;
        *self.found_jwks_uri.borrow_mut() = Some(uri.clone());
        Ok(uri)
    }

    /// `again`: the cached keys lacked the token's; bypass the HTTP cache too.
    async fn fetch_jwks(&self, again: bool) -> Result<Vec<JsValue>> {
        let uri = self.jwks_uri().await?;
        let offline = || {
            Error::new(
                Code::NetworkError,
                "the provider's JWKS could not be fetched",
            )
        };
        let reply = self
            .http
            .get(&uri, if again { Cache::Reload } else { Cache::Default })
            .await
            .map_err(|_| offline())?;
        if reply.status != 200 {
            return Err(Error::new(
                Code::InvalidIdToken,
                "the provider's JWKS answered an HTTP error",
            )
            .field("jwks")
            .status(reply.status));
        }
        let text = reply.text().await.map_err(|_| offline())?;
        let keys = value::parse(&text)
            .filter(value::is_object)
            .map(|v| value::get(&v, "keys"))
            .filter(js_sys::Array::is_array)
            .ok_or_else(|| {
                Error::new(Code::InvalidIdToken, "the provider's JWKS has no keys").field("jwks")
            })?;
        let keys: Vec<JsValue> = js_sys::Array::from(&keys).iter().collect();
        *self.jwks.borrow_mut() = Some(keys.clone());
        Ok(keys)
    }

    // The session: in memory, or in the `persistTokens` storage when the app
    // chose to (then it is re-read on every use, so tabs see each other's
    // refresh).
    async fn load(&self) -> Result<Option<TokenSet>> {
        let Some(store) = &self.tokens else {
            return Ok(self.session.borrow().clone());
        };
        let text = store.get(&self.session_key()).await?;
        Ok(text
            .and_then(|t| value::parse(&t))
            .and_then(|v| TokenSet::read(&v)))
    }

    async fn save(&self, tokens: &TokenSet) -> Result<()> {
        let session = TokenSet {
            app_state: JsValue::UNDEFINED,
            received_at: Some(now()),
            ..tokens.clone()
        };
        let text = self.tokens.as_ref().map(|_| {
            js_sys::JSON::stringify(&to_js(&session))
                .map(String::from)
                .unwrap_or_default()
        });
        *self.session.borrow_mut() = Some(session);
        if let (Some(store), Some(text)) = (&self.tokens, text) {
            store.set(&self.session_key(), &text).await?;
        }
        Ok(())
    }

    /// Ends the session, and its DPoP key with it.
    async fn clear(&self) {
        *self.session.borrow_mut() = None;
        if let Some(store) = &self.tokens {
            let _ = store.remove(&self.session_key()).await;
        }
        *self.dpop_key.borrow_mut() = None;
        if let Some(store) = self.key_store() {
            let _ = store.remove(&self.dpop_id()).await;
        }
    }

    /// Watches a localStorage session for other tabs' writes (the `storage`
    /// event), to end the wait of a tab that queued for the refresh lock.
    fn watch_session(this: &Rc<Inner>) {
        let weak: Weak<Inner> = Rc::downgrade(this);
        let key = this.session_key();
        let listener =
            Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |e: web_sys::StorageEvent| {
                if e.key().as_deref() != Some(key.as_str()) {
                    return;
                }
                if let Some(inner) = weak.upgrade() {
                    let resolve = inner.on_session_change.borrow().clone();
                    if let Some(f) = resolve {
                        let _ = f.call0(&JsValue::NULL);
                    }
                }
            });
        let target: web_sys::EventTarget = js_sys::global().unchecked_into();
        if target
            .add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref())
            .is_ok()
        {
            *this.listener.borrow_mut() = Some(listener);
        }
    }

    async fn access_token(this: &Rc<Inner>) -> std::result::Result<String, JsValue> {
        Ok(Inner::current(this).await?.access_token)
    }

    /// The session with a usable access token, refreshed if it had run out.
    async fn current(this: &Rc<Inner>) -> std::result::Result<TokenSet, JsValue> {
        let s = this
            .load()
            .await?
            .ok_or_else(|| login_required("no session: log in first"))?;
        if still_fresh(&s, now()) {
            return Ok(s);
        }
        Inner::refresh(this, s.access_token).await
    }

    /// Refresh, single-flight in this page and, through the Web Locks API,
    /// across tabs sharing a persisted session: whoever waited re-reads the
    /// session first and uses the tokens another tab already obtained, so a
    /// rotating refresh token is never sent twice.
    async fn refresh(this: &Rc<Inner>, stale: String) -> std::result::Result<TokenSet, JsValue> {
        let running = this.refreshing.borrow().clone();
        let p = match running {
            Some(p) => p,
            None => {
                let inner = this.clone();
                let p = spawn(async move {
                    let name = ["pkce-wasm.refresh.", inner.cfg.client_id()].concat();
                    let job = inner.clone();
                    let r = locks::with_lock(&name, move |waited| async move {
                        Inner::refresh_locked(&job, stale, waited).await
                    })
                    .await;
                    *inner.refreshing.borrow_mut() = None;
                    Ok(to_js(&r?))
                });
                *this.refreshing.borrow_mut() = Some(p.clone());
                p
            }
        };
        let v = JsFuture::from(p).await?;
        Ok(TokenSet::read(&v)
            .ok_or_else(|| login_required("the refreshed session could not be read"))?)
    }

    async fn refresh_locked(this: &Rc<Inner>, stale: String, waited: bool) -> Result<TokenSet> {
        let mut cur = this.load().await?;
        // localStorage reaches other tabs asynchronously (Chromium keeps a
        // copy per renderer): a tab that waited for the lock while another
        // refreshed may still read the old session. The `storage` event marks
        // the moment the new one has arrived; wait for it, briefly.
        if waited
            && this.listener.borrow().is_some()
            && cur.as_ref().is_some_and(|s| s.access_token == stale)
        {
            let p = js_sys::Promise::new(&mut |resolve, _reject| {
                let _ = set_timeout(&resolve, STORAGE_SETTLE_MS);
                *this.on_session_change.borrow_mut() = Some(resolve);
            });
            let _ = JsFuture::from(p).await;
            *this.on_session_change.borrow_mut() = None;
            cur = this.load().await?;
        }
        let cur = cur.ok_or_else(|| login_required("no session: log in first"))?;
        // Another tab (or call) refreshed while this one waited: use its
        // tokens unless they have already run out.
        if cur.access_token != stale && cur.expires_at.is_none_or(|t| t > now()) {
            return Ok(cur);
        }
        let Some(refresh_token) = &cur.refresh_token else {
            this.clear().await;
            return Err(login_required(
                "the session expired and has no refresh token",
            ));
        };
        let key = match Inner::session_dpop_key(this).await {
            Ok(k) => k,
            Err(e) => {
                this.clear().await;
                return Err(e);
            }
        };
        let body = token::refresh_body(refresh_token, this.cfg.client_id());
        let mut tokens = match this.token_request(&body, false, key.as_ref()).await {
            Ok(t) => t,
            Err(e) if e.code == Code::TokenError && e.error.as_deref() == Some("invalid_grant") => {
                this.clear().await;
                let mut l = login_required("the refresh token was refused; log in again");
                l.error = e.error.clone();
                l.error_description = e.error_description.clone();
                l.status = e.status;
                return Err(l);
            }
            Err(e) => return Err(e),
        };
        // No rotation: keep the old refresh token.
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = cur.refresh_token.clone();
        }
        if let Some(id_token) = tokens.id_token.clone() {
            tokens.claims =
                Inner::verify_id_token(this, &id_token, None, Some(&cur.claims)).await?;
        } else if cur.id_token.is_some() {
            tokens.id_token = cur.id_token.clone();
            tokens.claims = cur.claims.clone();
        }
        this.save(&tokens).await?;
        Ok(tokens)
    }

    async fn fetch(
        this: &Rc<Inner>,
        input: &JsValue,
        init: &JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let session = Inner::current(this).await?;
        let mut res = Inner::send(this, input, init, &session).await?;
        let mut scheme = "bearer";
        if session.token_type == "DPoP" {
            scheme = "dpop";
            // A resource server may demand its own nonce (RFC 9449 §9): one
            // more try with it.
            if res.status() == 401
                && challenge_error(&challenge(&res), scheme).as_deref() == Some("use_dpop_nonce")
                && res.headers().has("dpop-nonce").unwrap_or(false)
            {
                res = Inner::send(this, input, init, &session).await?;
            }
        }
        if res.status() != 401
            || challenge_error(&challenge(&res), scheme).as_deref() != Some("invalid_token")
        {
            return Ok(res.into());
        }
        let renewed = Inner::refresh(this, session.access_token).await?;
        Ok(Inner::send(this, input, init, &renewed).await?.into())
    }

    /// The app's request with the session's access token: `Bearer`, or
    /// `DPoP` with a proof for this method and URL, whose answer's nonce is
    /// kept for the next proof to that server.
    async fn send(
        this: &Rc<Inner>,
        input: &JsValue,
        init: &JsValue,
        session: &TokenSet,
    ) -> std::result::Result<web_sys::Response, JsValue> {
        let token = &session.access_token;
        if session.token_type != "DPoP" {
            return send_with_token(input, init, &["Bearer ", token].concat(), None).await;
        }
        let key = Inner::session_dpop_key(this)
            .await?
            .ok_or_else(|| dpop_error("a DPoP token needs the dpop option"))?;
        let (method, url) = request_target(input, init);
        let proof = this.proof(&key, &method, &url, Some(token)).await?;
        let res = send_with_token(input, init, &["DPoP ", token].concat(), Some(&proof)).await?;
        if let Ok(Some(n)) = res.headers().get("dpop-nonce") {
            this.remember_nonce(&url, n);
        }
        Ok(res)
    }

    async fn logout(&self, options: &JsValue) -> std::result::Result<JsValue, JsValue> {
        let get = |k| {
            if options.is_object() {
                value::get(options, k)
            } else {
                JsValue::UNDEFINED
            }
        };
        let return_to = get("returnTo").as_string();
        let open = get("open");
        let s = self.load().await?;
        self.clear().await;
        if let Some(s) = &s {
            if self.cfg.revocation_endpoint().is_some() {
                let _ = self.revoke(s).await;
            }
        }
        let mut url = return_to.clone();
        if let Some(end) = self.cfg.end_session_endpoint() {
            if let Some(u) = parse_url(end) {
                let q = u.search_params();
                if let Some(id_token) = s.as_ref().and_then(|s| s.id_token.as_deref()) {
                    q.set("id_token_hint", id_token);
                }
                q.set("client_id", self.cfg.client_id());
                if let Some(r) = &return_to {
                    q.set("post_logout_redirect_uri", r);
                }
                url = Some(u.href());
            }
        }
        let Some(url) = url else {
            return Ok(JsValue::UNDEFINED);
        };
        if let Ok(open) = open.dyn_into::<js_sys::Function>() {
            value::settle(open.call1(&JsValue::NULL, &url.as_str().into())?).await?;
        } else if let Some(w) = web_sys::window() {
            w.location().assign(&url)?;
        }
        Ok(url.into())
    }

    async fn revoke(&self, s: &TokenSet) -> Result<()> {
        let (token, hint) = match &s.refresh_token {
            Some(t) => (t.as_str(), "refresh_token"),
            None => (s.access_token.as_str(), "access_token"),
        };
        let body = token::form(&[
            ("token", token),
            ("token_type_hint", hint),
            ("client_id", self.cfg.client_id()),
        ]);
        let endpoint = self.cfg.revocation_endpoint().unwrap_or_default();
        let reply = self
            .http
            .post(endpoint, &body, None)
            .await
            .map_err(http::post_failed)?;
        // RFC 7009 §2.2: 200 is success whatever the body says.
        if reply.status == 200 {
            return Ok(());
        }
        let text = http::post_body(&reply).await?;
        Err(token::error_response(
            reply.status,
            Body::read(&text),
            "the revocation endpoint answered an unexpected HTTP status",
        ))
    }
}

/// Whether the session's access token can still be used: it has more than a
/// minute left (half its lifetime, for tokens shorter than two minutes), or
/// no known expiry.
pub fn still_fresh(s: &TokenSet, now: f64) -> bool {
    match s.expires_at {
        None => true,
        Some(at) => at - now > REFRESH_MARGIN_MS.min((at - s.received_at.unwrap_or(0.0)) / 2.0),
    }
}

fn challenge(res: &web_sys::Response) -> String {
    res.headers()
        .get("www-authenticate")
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The method and URL a `fetch(input, init)` will use: what a DPoP proof
/// signs (`htm`, `htu`).
fn request_target(input: &JsValue, init: &JsValue) -> (String, String) {
    let request = input.is_instance_of::<JsRequest>();
    let method_of = |v: &JsValue| {
        if v.is_object() {
            value::get(v, "method").as_string()
        } else {
            None
        }
    };
    // `init.method` wins over the Request's own, as it does in `fetch`.
    let method = method_of(init)
        .or_else(|| if request { method_of(input) } else { None })
        .unwrap_or_else(|| "GET".into())
        .to_ascii_uppercase();
    let url = if request {
        value::get(input, "url").as_string()
    } else {
        input.as_string()
    }
    // A `URL` object: what `fetch` itself would read, its string form.
    .or_else(|| {
        input
            .dyn_ref::<js_sys::Object>()
            .and_then(|o| o.to_string().as_string())
    })
    .unwrap_or_default();
    (method, url)
}

/// The app's request with `Authorization: <authorization>` (and a DPoP
/// proof), through the page's `fetch`. The token goes in the header only
/// (RFC 6750 §2.1).
async fn send_with_token(
    input: &JsValue,
    init: &JsValue,
    authorization: &str,
    proof: Option<&str>,
) -> std::result::Result<web_sys::Response, JsValue> {
    let merged = js_sys::Object::new();
    if init.is_object() {
        js_sys::Object::assign(&merged, init.unchecked_ref());
    }
    let mut source = value::get(&merged, "headers");
    if source.is_undefined() && input.is_instance_of::<JsRequest>() {
        source = value::get(input, "headers");
    }
    // `new Headers(init)` takes whatever the app gave: an object, pairs or Headers.
    let headers = web_sys::Headers::new_with_str_sequence_sequence(&source)?;
    headers.set("authorization", authorization)?;
    if let Some(p) = proof {
        headers.set("dpop", p)?;
    }
    value::set(&merged, "headers", &headers);
    Ok(JsFuture::from(page_fetch(input, &merged))
        .await?
        .unchecked_into())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn session(expires_at: Option<f64>, received_at: Option<f64>) -> TokenSet {
        TokenSet {
            access_token: "at".into(),
            token_type: "Bearer".into(),
            expires_at,
            refresh_token: None,
            id_token: None,
            scope: None,
            claims: JsValue::UNDEFINED,
            app_state: JsValue::UNDEFINED,
            received_at,
        }
    }

    #[test]
    fn refresh_margin() {
        let now = 1_000_000.0;
        assert!(still_fresh(&session(None, None), now));
        // An hour-long token: refreshed in its last minute.
        let start = now - 3_000_000.0;
        assert!(still_fresh(
            &session(Some(now + 61_000.0), Some(start)),
            now
        ));
        assert!(!still_fresh(
            &session(Some(now + 59_000.0), Some(start)),
            now
        ));
        // A 60-second token: refreshed in its second half.
        assert!(still_fresh(
            &session(Some(now + 31_000.0), Some(now - 29_000.0)),
            now
        ));
        assert!(!still_fresh(
            &session(Some(now + 29_000.0), Some(now - 31_000.0)),
            now
        ));
        assert!(!still_fresh(
            &session(Some(now - 1.0), Some(now - 60_000.0)),
            now
        ));
    }
}
