//! Requests to the provider: token, refresh, revocation (form POSTs),
//! discovery and JWKS (GETs). Sent with gloo-net, or through the app's
//! `fetch` option (CapacitorHttp and the like) called as a JS function with
//! the same init. Always `redirect: "manual"` (a 307 would re-send the body
//! — code and verifier, or a refresh token — elsewhere) and
//! `credentials: "omit"`.

use crate::error::{Code, Error, Result};
use crate::value;
use gloo_net::http::{Method, RequestBuilder};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{RequestCache, RequestCredentials, RequestRedirect};

/// Response bodies longer than this are refused unread (R45).
pub const MAX_BODY: usize = 256 * 1024;

pub enum Transport {
    Browser,
    App(js_sys::Function),
}

/// How a GET may use the HTTP cache.
#[derive(Clone, Copy)]
pub enum Cache {
    /// Discovery: whatever the browser does.
    Unset,
    /// JWKS: the cached copy is fine.
    Default,
    /// JWKS again after an unknown `kid`: a cacheable response would hide the
    /// key rotation.
    Reload,
}

/// Why a request yielded no usable answer.
#[derive(Debug, PartialEq)]
pub enum Failure {
    /// fetch rejected: offline, DNS, TLS, CORS (indistinguishable from JS).
    Network,
    /// The app's fetch resolved with something that has no numeric status.
    NotAResponse,
}

pub enum BodyError {
    Unreadable,
    TooLarge,
}

enum Raw {
    Browser(gloo_net::http::Response),
    App(JsValue),
}

/// An answer: its status and `Content-Type`, the body read on demand.
pub struct Reply {
    pub status: u16,
    raw: Raw,
}

impl Transport {
    pub fn from_option(v: &JsValue) -> Result<Transport> {
        if v.is_undefined() || v.is_null() {
            return Ok(Transport::Browser);
        }
        v.clone()
            .dyn_into()
            .map(Transport::App)
            .map_err(|_| Error::config("fetch", "fetch must be a function"))
    }

    /// A form POST (`body` already form-encoded), with its DPoP proof when
    /// the client is sender-constrained (RFC 9449 §4).
    pub async fn post(
        &self,
        url: &str,
        body: &str,
        proof: Option<&str>,
    ) -> std::result::Result<Reply, Failure> {
        self.send(url, Some(body), Cache::Unset, proof).await
    }

    pub async fn get(&self, url: &str, cache: Cache) -> std::result::Result<Reply, Failure> {
        self.send(url, None, cache, None).await
    }

    async fn send(
        &self,
        url: &str,
        body: Option<&str>,
        cache: Cache,
        proof: Option<&str>,
    ) -> std::result::Result<Reply, Failure> {
        match self {
            Transport::Browser => {
                let mut b = RequestBuilder::new(url)
                    .method(if body.is_some() {
                        Method::POST
                    } else {
                        Method::GET
                    })
                    .header("accept", "application/json")
                    .redirect(RequestRedirect::Manual)
                    .credentials(RequestCredentials::Omit);
                if let Some((mode, _)) = cache_mode(body.is_some(), cache) {
                    b = b.cache(mode);
                }
                if let Some(p) = proof {
                    b = b.header("dpop", p);
                }
                let request = match body {
                    Some(text) => b
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(text),
                    None => b.build(),
                }
                .map_err(|_| Failure::Network)?;
                let res = request.send().await.map_err(|_| Failure::Network)?;
                Ok(Reply {
                    status: res.status(),
                    raw: Raw::Browser(res),
                })
            }
            Transport::App(fetch) => {
                let init = js_sys::Object::new();
                let headers = js_sys::Object::new();
                if body.is_some() {
                    value::set(
                        &headers,
                        "content-type",
                        &"application/x-www-form-urlencoded".into(),
                    );
                }
                value::set(&headers, "accept", &"application/json".into());
                if let Some(p) = proof {
                    value::set(&headers, "dpop", &p.into());
                }
                value::set(
                    &init,
                    "method",
                    &(if body.is_some() { "POST" } else { "GET" }).into(),
                );
                value::set(&init, "headers", &headers);
                if let Some(text) = body {
                    value::set(&init, "body", &text.into());
                }
                value::set(&init, "redirect", &"manual".into());
                value::set(&init, "credentials", &"omit".into());
                if let Some((_, name)) = cache_mode(body.is_some(), cache) {
                    value::set(&init, "cache", &name.into());
                }
                // The reason of a failure is not passed on: a custom
                // transport's error could quote the request.
                let res = fetch
                    .call2(&JsValue::NULL, &url.into(), &init)
                    .map_err(|_| Failure::Network)?;
                let res = value::settle(res).await.map_err(|_| Failure::Network)?;
                let status = if res.is_object() {
                    value::get(&res, "status").as_f64()
                } else {
                    None
                };
                let status = status.ok_or(Failure::NotAResponse)?;
                Ok(Reply {
                    status: status.clamp(0.0, 999.0) as u16,
                    raw: Raw::App(res),
                })
            }
        }
    }
}

/// The `cache` of a request: a POST never uses the HTTP cache (its answer
/// holds tokens); a GET as `cache` says. The same mode for gloo-net and for
/// the app's `fetch`, which is handed the name.
fn cache_mode(post: bool, cache: Cache) -> Option<(RequestCache, &'static str)> {
    match (post, cache) {
        (true, _) => Some((RequestCache::NoStore, "no-store")),
        (false, Cache::Default) => Some((RequestCache::Default, "default")),
        (false, Cache::Reload) => Some((RequestCache::Reload, "reload")),
        (false, Cache::Unset) => None,
    }
}

impl Reply {
    /// A response header, `None` when absent or unreadable.
    pub fn header(&self, name: &str) -> Option<String> {
        match &self.raw {
            Raw::Browser(r) => r.headers().get(name),
            Raw::App(r) => {
                let headers = value::get(r, "headers");
                if !headers.is_object() {
                    return None;
                }
                value::call(&headers, "get", &[&name.into()])
                    .ok()?
                    .as_string()
            }
        }
    }

    pub async fn text(&self) -> std::result::Result<String, BodyError> {
        let text = match &self.raw {
            Raw::Browser(r) => r.text().await.map_err(|_| BodyError::Unreadable)?,
            Raw::App(r) => {
                let t = value::call(r, "text", &[]).map_err(|_| BodyError::Unreadable)?;
                value::settle(t)
                    .await
                    .map_err(|_| BodyError::Unreadable)?
                    .as_string()
                    .ok_or(BodyError::Unreadable)?
            }
        };
        if text.len() > MAX_BODY {
            return Err(BodyError::TooLarge);
        }
        Ok(text)
    }
}

/// A request to the token or revocation endpoint that yielded nothing usable.
pub fn post_failed(f: Failure) -> Error {
    match f {
        Failure::Network => Error::new(
            Code::NetworkError,
            "the request to the provider failed (offline, DNS, TLS or CORS)",
        ),
        Failure::NotAResponse => Error::new(
            Code::InvalidTokenResponse,
            "fetch did not return a Response",
        ),
    }
}

/// The body of a token or revocation endpoint answer.
pub async fn post_body(reply: &Reply) -> Result<String> {
    reply.text().await.map_err(|e| {
        Error::new(
            Code::InvalidTokenResponse,
            match e {
                BodyError::Unreadable => "the response body could not be read",
                BodyError::TooLarge => "the response body is too large",
            },
        )
        .status(reply.status)
    })
}
