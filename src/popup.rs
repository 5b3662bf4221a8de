//! Popup login: the authorization request in a window the app's click
//! opened, its callback handed back to the opener.
//!
//! The opener (`loginWithPopup`) opens the window before anything is
//! awaited — Safari refuses a popup opened after an `await` in the click
//! handler — and points it at the authorize URL once the transaction is
//! saved. The callback page (`PkceClient.popupCallback`) posts its URL to the
//! opener with an explicit target origin, or, when a
//! Cross-Origin-Opener-Policy has cut the popup from its opener, over a
//! BroadcastChannel of the origin. The opener takes a message only from the
//! redirect URI's origin and from the popup itself (or that channel), for the
//! `state` of this login (security reference R20), then runs the ordinary
//! `handleCallback` on the URL: every redirect-flow check still applies.
//!
//! Windows are reached through `Reflect` (`value::get`/`value::call`), not
//! typed bindings: a popup is a window of another realm, often of another
//! origin, where only a few members answer at all; and each typed binding
//! would add its own glue for a member used once.

use crate::callback::RawCallback;
use crate::client::{spawn, Inner, PkceClient};
use crate::config::parse_url;
use crate::error::{Code, Error, Result};
use crate::transaction;
use crate::value;
use js_sys::{Function, Object, Promise};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// `type` of the message the callback page sends.
pub const MESSAGE_TYPE: &str = "pkce-wasm:popup-callback";
/// The channel a popup without an opener answers on (same origin only).
const CHANNEL: &str = "pkce-wasm.popup";
/// localStorage key prefix (then the `state`) that tells a callback page
/// without an opener that a popup login of this origin waits for it, so a
/// page that is not a popup does not close itself or broadcast its code.
const MARKER: &str = "pkce-wasm.popup.";
const FEATURES: &str = "popup,width=500,height=640";
/// How often the opener looks whether the popup was closed or timed out.
const TICK_MS: i32 = 400;

/// A message event as the opener sees it.
pub struct Seen<'a> {
    pub origin: &'a str,
    /// `event.source` is the popup window.
    pub from_popup: bool,
    /// The event came from this login's BroadcastChannel.
    pub from_channel: bool,
    pub kind: Option<&'a str>,
    /// The `state` of the callback URL it carries, when that URL is an
    /// authorization response for the redirect URI.
    pub state: Option<&'a str>,
}

/// Whether the opener takes the message: the redirect URI's origin exactly
/// (an opaque origin never), sent by the popup or over the channel, our
/// message type, and a callback for this login's `state`. When the state is
/// not known (the authorize URL did not show it), only the popup itself is
/// believed. Anything else is ignored, not an error: other scripts, frames
/// and tabs may post to any window.
pub fn accepts(m: &Seen<'_>, origin: &str, state: Option<&str>) -> bool {
    m.origin == origin
        && origin != "null"
        && m.kind == Some(MESSAGE_TYPE)
        && (m.from_popup || m.from_channel)
        && match state {
            Some(s) => m.state == Some(s),
            None => m.from_popup && m.state.is_some(),
        }
}

/// What `loginWithPopup` checked and opened before its first await, then
/// the state of the wait, shared with the one listener that receives both
/// the messages and the timer's ticks.
struct Waiting {
    popup: JsValue,
    origin: String,
    deadline: Option<f64>,
    cancel_on_close: bool,
    redirect_base: String,
    state: Option<String>,
    /// The BroadcastChannel, or `undefined`.
    channel: JsValue,
    closed_before: Cell<bool>,
    outcome: RefCell<Option<std::result::Result<String, Code>>>,
    /// Resolves the Promise the login awaits.
    done: RefCell<Option<Function>>,
}

type Outcome = Option<std::result::Result<String, Code>>;

impl Waiting {
    /// A message event, or `undefined` from the timer.
    fn on_event(&self, e: JsValue) {
        let decided = if e.is_undefined() {
            self.tick()
        } else {
            self.on_message(&e)
        };
        if let Some(o) = decided {
            if self.outcome.borrow().is_none() {
                *self.outcome.borrow_mut() = Some(o);
            }
            if let Some(done) = self.done.borrow_mut().take() {
                let _ = done.call0(&JsValue::NULL);
            }
        }
    }

    fn on_message(&self, e: &JsValue) -> Outcome {
        let data = value::get(e, "data");
        let field = |k| {
            if value::is_object(&data) {
                value::get(&data, k).as_string()
            } else {
                None
            }
        };
        let (kind, href) = (field("type"), field("href"));
        // The `state` of an authorization response for the redirect URI.
        let state = href
            .as_deref()
            .and_then(|h| RawCallback::parse(h, &self.redirect_base).ok())
            .filter(RawCallback::has_response)
            .and_then(|cb| cb.state().ok().map(str::to_owned));
        let source = value::get(e, "source");
        let seen = Seen {
            origin: &value::get(e, "origin").as_string().unwrap_or_default(),
            from_popup: Object::is(&source, &self.popup),
            from_channel: source.is_null()
                && self.channel.is_object()
                && Object::is(&value::get(e, "target"), &self.channel),
            kind: kind.as_deref(),
            state: state.as_deref(),
        };
        if accepts(&seen, &self.origin, self.state.as_deref()) {
            href.map(Ok)
        } else {
            None
        }
    }

    fn tick(&self) -> Outcome {
        // Seen closed twice: a callback page posts and then closes itself,
        // and its message may reach this page just after.
        if self.cancel_on_close && closed(&self.popup) && self.closed_before.replace(true) {
            return Some(Err(Code::Cancelled));
        }
        if self.deadline.is_some_and(|d| js_sys::Date::now() >= d) {
            return Some(Err(Code::PopupTimeout));
        }
        None
    }
}

/// Whether a window is closed; one that cannot say counts as closed.
fn closed(w: &JsValue) -> bool {
    value::get(w, "closed").as_bool() != Some(false)
}

fn local_storage() -> JsValue {
    value::get(&js_sys::global(), "localStorage")
}

#[wasm_bindgen]
impl PkceClient {
    /// Login in a popup window: opens it at once (call this directly in the
    /// click handler, before any `await`), or uses `options.popup`, sends it
    /// to the authorize URL, waits for the callback page to hand the callback
    /// back (`PkceClient.popupCallback`) and resolves with the TokenSet, as
    /// `handleCallback` would. Rejects `popup_blocked` when no window could
    /// be opened, `cancelled` when the user closed it, `popup_timeout` after
    /// `options.timeoutSeconds`; the transaction is removed in each case.
    #[wasm_bindgen(js_name = loginWithPopup, unchecked_return_type = "Promise<TokenSet>")]
    pub fn login_with_popup(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PopupLoginOptions")] options: JsValue,
    ) -> Promise {
        let waiting = open(&self.inner, &options);
        let inner = self.inner.clone();
        spawn(async move { wait(inner, waiting?, &options).await })
    }

    /// For the redirect URI's page: when this window is a login popup and
    /// `href` (default: `location.href`) an authorization response, hands
    /// the URL to the opener — `postMessage` to `targetOrigin` (default: this
    /// page's origin, never `"*"`), or over a BroadcastChannel when the
    /// opener link was cut — closes the window and returns `true`. Returns
    /// `false` otherwise: the page is not a popup's, and handles the
    /// callback itself.
    #[wasm_bindgen(js_name = popupCallback)]
    pub fn popup_callback(
        href: Option<String>,
        #[wasm_bindgen(js_name = targetOrigin)] target_origin: Option<String>,
    ) -> std::result::Result<bool, JsValue> {
        let global: JsValue = js_sys::global().into();
        let location = value::get(&global, "location");
        let Some(url) = href
            .or_else(|| value::get(&location, "href").as_string())
            .and_then(|h| parse_url(&h))
        else {
            return Ok(false);
        };
        let q = url.search_params();
        if !(q.has("code") || q.has("error")) {
            return Ok(false);
        }
        let message = Object::new();
        value::set(&message, "type", &MESSAGE_TYPE.into());
        value::set(&message, "href", &url.href().into());
        let opener = value::get(&global, "opener");
        if opener.is_object() {
            let target =
                target_origin.map_or_else(|| value::get(&location, "origin"), JsValue::from);
            value::call(&opener, "postMessage", &[&message, &target])?;
        } else {
            let marked = q.get("state").is_some_and(|s| {
                value::call(
                    &local_storage(),
                    "getItem",
                    &[&[MARKER, &s].concat().into()],
                )
                .is_ok_and(|v| v.is_string())
            });
            if !marked {
                return Ok(false);
            }
            let channel = web_sys::BroadcastChannel::new(CHANNEL)?;
            channel.post_message(&message)?;
            channel.close();
        }
        let _ = value::call(&global, "close", &[]);
        Ok(true)
    }
}

/// The synchronous part: options checked, then the window opened (nothing
/// is stored before it exists, so a blocked popup leaves nothing behind).
fn open(inner: &Inner, options: &JsValue) -> Result<Waiting> {
    let get = |k| {
        if options.is_object() {
            value::get(options, k)
        } else {
            JsValue::UNDEFINED
        }
    };
    // A hybrid app's custom-scheme redirect URI has an opaque origin: no
    // message could be told apart from a sandboxed frame's.
    let origin = parse_url(inner.cfg.redirect_uri())
        .map(|u| u.origin())
        .filter(|o| o != "null")
        .ok_or_else(|| Error::config("redirectUri", "popup login needs an http(s) redirectUri"))?;
    let timeout = get("timeoutSeconds");
    let deadline = if timeout.is_undefined() {
        None
    } else {
        match timeout.as_f64() {
            Some(s) if s > 0.0 && s <= 86_400.0 => Some(js_sys::Date::now() + s * 1000.0),
            _ => {
                return Err(Error::config(
                    "timeoutSeconds",
                    "must be a number of seconds, above 0 and at most 86400",
                ))
            }
        }
    };
    let mut popup = get("popup");
    if popup.is_undefined() {
        let mut features = get("features");
        if !features.is_string() {
            features = FEATURES.into();
        }
        popup = value::call(
            &js_sys::global(),
            "open",
            &[&"".into(), &"_blank".into(), &features],
        )
        .unwrap_or(JsValue::NULL);
    } else if !popup.is_null() && value::get(&popup, "closed").as_bool().is_none() {
        // Duck-typed: a window of another realm is no `instanceof Window` here.
        return Err(Error::config("popup", "popup must be a Window"));
    }
    // null: the browser's popup blocker, or the app's own window.open() blocked.
    if !popup.is_object() {
        return Err(Error::new(
            Code::PopupBlocked,
            "the browser blocked the login popup",
        ));
    }
    Ok(Waiting {
        popup,
        origin,
        deadline,
        cancel_on_close: get("cancelOnClose").as_bool() != Some(false),
        redirect_base: inner.cfg.redirect_base.clone(),
        state: None,
        channel: JsValue::UNDEFINED,
        closed_before: Cell::new(false),
        outcome: RefCell::new(None),
        done: RefCell::new(None),
    })
}

async fn wait(
    inner: Rc<Inner>,
    mut w: Waiting,
    options: &JsValue,
) -> std::result::Result<JsValue, JsValue> {
    // The class's own Promises, not the futures inside them: awaiting those
    // here would compile the whole flow a second time into this one.
    let client = PkceClient {
        inner: inner.clone(),
    };
    let url = match JsFuture::from(client.authorize_url(options.clone())).await {
        Ok(url) => url,
        Err(e) => {
            let _ = value::call(&w.popup, "close", &[]);
            return Err(e);
        }
    };
    // After a pushed request (PAR) the URL carries no `state`: the client
    // remembers the one it saved.
    w.state = url
        .as_string()
        .and_then(|u| parse_url(&u))
        .and_then(|u| u.search_params().get("state"))
        .or_else(|| inner.last_state.borrow().clone())
        .filter(|s| !s.is_empty());
    let marker: Option<JsValue> = w.state.as_ref().map(|s| [MARKER, s].concat().into());
    // Over the channel only this login's state is taken: without one, the
    // channel would hand this tab another tab's callback.
    if w.state.is_some() {
        if let Ok(c) = web_sys::BroadcastChannel::new(CHANNEL) {
            w.channel = c.into();
        }
    }
    let w = Rc::new(w);
    let listener = {
        let w = w.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |e| w.on_event(e))
    };
    let f: &JsValue = listener.as_ref();
    let global: JsValue = js_sys::global().into();
    let message: JsValue = "message".into();
    let _ = value::call(&global, "addEventListener", &[&message, f]);
    value::set(&w.channel, "onmessage", f);
    let storage = local_storage();
    if let Some(m) = &marker {
        let _ = value::call(&storage, "setItem", &[m, &"1".into()]);
    }
    let mut timer = JsValue::UNDEFINED;
    if closed(&w.popup) {
        *w.outcome.borrow_mut() = Some(Err(Code::Cancelled));
    } else if value::call(&value::get(&w.popup, "location"), "replace", &[&url]).is_err() {
        *w.outcome.borrow_mut() = Some(Err(Code::PopupBlocked));
    } else {
        timer = value::call(&global, "setInterval", &[f, &TICK_MS.into()]).unwrap_or(timer);
        let p = Promise::new(&mut |resolve, _| *w.done.borrow_mut() = Some(resolve));
        let _ = JsFuture::from(p).await;
    }
    let _ = value::call(&global, "removeEventListener", &[&message, f]);
    let _ = value::call(&global, "clearInterval", &[&timer]);
    value::set(&w.channel, "onmessage", &JsValue::NULL);
    let _ = value::call(&w.channel, "close", &[]);
    drop(listener);
    if let Some(m) = &marker {
        let _ = value::call(&storage, "removeItem", &[m]);
    }
    let _ = value::call(&w.popup, "close", &[]);
    let outcome = w.outcome.borrow_mut().take();
    match outcome {
        Some(Ok(href)) => JsFuture::from(client.handle_callback(href.into())).await,
        other => {
            if let Some(s) = &w.state {
                let key = transaction::key(s);
                inner.storage.remove_now(&key);
                inner.forget_key(key);
            }
            let code = other.and_then(|o| o.err()).unwrap_or(Code::Cancelled);
            Err(Error::new(
                code,
                match code {
                    Code::PopupTimeout => "the login popup did not finish in time",
                    Code::PopupBlocked => "the login popup could not be sent to the provider",
                    _ => "the login popup was closed",
                },
            )
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ORIGIN: &str = "https://app.example";

    fn good() -> Seen<'static> {
        Seen {
            origin: ORIGIN,
            from_popup: true,
            from_channel: false,
            kind: Some(MESSAGE_TYPE),
            state: Some("s1"),
        }
    }

    #[test]
    fn the_popups_callback_for_this_state_is_taken() {
        assert!(accepts(&good(), ORIGIN, Some("s1")));
        let channel = Seen {
            from_popup: false,
            from_channel: true,
            ..good()
        };
        assert!(accepts(&channel, ORIGIN, Some("s1")));
    }

    #[test]
    fn another_origin_is_ignored_even_from_the_popup() {
        for origin in [
            "https://evil.example",
            "https://app.example:443",
            "https://app.example.evil",
            "http://app.example",
            "https://APP.example",
            "null",
            "",
            "*",
        ] {
            let m = Seen { origin, ..good() };
            assert!(!accepts(&m, ORIGIN, Some("s1")), "{origin}");
        }
    }

    #[test]
    fn an_opaque_redirect_origin_accepts_nothing() {
        let m = Seen {
            origin: "null",
            ..good()
        };
        assert!(!accepts(&m, "null", Some("s1")));
        assert!(!accepts(&m, "null", None));
    }

    #[test]
    fn another_sender_of_the_right_origin_is_ignored() {
        // A frame or another window of the app's origin.
        let m = Seen {
            from_popup: false,
            ..good()
        };
        assert!(!accepts(&m, ORIGIN, Some("s1")));
        assert!(!accepts(&m, ORIGIN, None));
    }

    #[test]
    fn another_state_or_none_is_ignored() {
        for state in [Some("s2"), Some("s1 "), Some("S1"), None] {
            let m = Seen { state, ..good() };
            assert!(!accepts(&m, ORIGIN, Some("s1")), "{state:?}");
            let c = Seen {
                state,
                from_popup: false,
                from_channel: true,
                ..good()
            };
            assert!(!accepts(&c, ORIGIN, Some("s1")), "{state:?}");
        }
    }

    #[test]
    fn without_a_known_state_only_the_popup_is_believed() {
        assert!(accepts(&good(), ORIGIN, None));
        let channel = Seen {
            from_popup: false,
            from_channel: true,
            ..good()
        };
        assert!(!accepts(&channel, ORIGIN, None));
        let no_callback = Seen {
            state: None,
            ..good()
        };
        assert!(!accepts(&no_callback, ORIGIN, None));
    }

    #[test]
    fn other_message_types_are_ignored() {
        for kind in [
            None,
            Some(""),
            Some("pkce-wasm:popup"),
            Some("PKCE-WASM:POPUP-CALLBACK"),
        ] {
            let m = Seen { kind, ..good() };
            assert!(!accepts(&m, ORIGIN, Some("s1")), "{kind:?}");
        }
    }
}
