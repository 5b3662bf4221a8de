//! The cross-tab refresh lock (Web Locks API). Tabs sharing a persisted
//! session must not send one rotating refresh token twice (RFC 9700
//! §4.14.2): the refresh runs while holding `navigator.locks` lock
//! `pkce-wasm.refresh.<clientId>`, and whoever had to wait for it is told
//! so, to re-read the session another tab may have renewed. Without the API
//! (browsers before 2022) refresh is single-flight per page only.

use crate::value;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

// web-sys marks the Web Locks API unstable; this is the one method used.
#[wasm_bindgen]
extern "C" {
    type LockManager;

    #[wasm_bindgen(method, catch)]
    fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &JsValue,
    ) -> Result<js_sys::Promise, JsValue>;
}

fn lock_manager() -> Option<LockManager> {
    let navigator = value::get(&js_sys::global(), "navigator");
    if !navigator.is_object() {
        return None;
    }
    let locks = value::get(&navigator, "locks");
    (locks.is_object() && value::get(&locks, "request").is_function())
        .then(|| locks.unchecked_into())
}

/// Runs `f(waited)` while holding lock `name`: at once when it is free
/// (`waited` false), else after the tab that holds it is done (`waited`
/// true). Without Web Locks, or if the lock request itself fails, `f` runs
/// unlocked.
pub async fn with_lock<T, F, Fut>(name: &str, f: F) -> T
where
    T: 'static,
    F: FnOnce(bool) -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
{
    let Some(locks) = lock_manager() else {
        return f(false).await;
    };
    let job: Rc<RefCell<Option<F>>> = Rc::new(RefCell::new(Some(f)));
    let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    // The lock is held until the Promise a callback returns settles; the
    // result travels beside it, typed.
    let run = {
        let (job, out) = (job.clone(), out.clone());
        move |waited: bool| -> JsValue {
            let Some(f) = job.borrow_mut().take() else {
                return JsValue::UNDEFINED;
            };
            let out = out.clone();
            let job: std::pin::Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> =
                Box::pin(async move {
                    let v = f(waited).await;
                    *out.borrow_mut() = Some(v);
                    Ok(JsValue::UNDEFINED)
                });
            future_to_promise(job).into()
        }
    };
    let waited = {
        let (locks2, name2, run) = (
            locks.clone().unchecked_into::<JsValue>(),
            name.to_owned(),
            run.clone(),
        );
        Closure::once_into_js(move || -> JsValue {
            let locks: LockManager = locks2.unchecked_into();
            locks
                .request(
                    &name2,
                    &JsValue::UNDEFINED,
                    &Closure::once_into_js(move || run(true)),
                )
                .map(JsValue::from)
                .unwrap_or(JsValue::UNDEFINED)
        })
    };
    let first = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if lock.is_null() {
            // Someone else holds it: queue for it.
            js_sys::Function::from(waited)
                .call0(&JsValue::NULL)
                .unwrap_or(JsValue::UNDEFINED)
        } else {
            run(false)
        }
    });
    let options = js_sys::Object::new();
    value::set(&options, "ifAvailable", &JsValue::TRUE);
    if let Ok(p) = locks.request(name, &options, &first) {
        let _ = JsFuture::from(p).await;
    }
    if let Some(v) = out.borrow_mut().take() {
        return v;
    }
    // The lock request failed (a sandboxed document, say) before the job ran.
    let f = job.borrow_mut().take();
    match f {
        Some(f) => f(false).await,
        // The job ran but its result was lost: cannot happen, as the job's
        // Promise is the one the lock waited for; run nothing twice.
        None => wasm_bindgen::throw_str("refresh lock lost its result"),
    }
}
