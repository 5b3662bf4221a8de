//! Where transactions (and, when the app asks, the session) are kept: the
//! page's `sessionStorage` or `localStorage` through `web_sys::Storage`, or
//! an app's StorageLike object (Capacitor Preferences, a secure-storage
//! plugin) whose methods may return values or Promises. Any refusal — a
//! throw, a rejected Promise, storage disabled — is `storage_unavailable`
//! with the platform's error as `cause`.

use crate::error::{Code, Error, Result};
use crate::value;
use wasm_bindgen::{JsCast, JsValue};

pub enum Store {
    /// `sessionStorage` or `localStorage`, looked up at each use: reading the
    /// property itself throws where storage is disabled.
    Web(&'static str),
    App(JsValue),
}

fn refused(cause: JsValue) -> Error {
    Error::new(
        Code::StorageUnavailable,
        "the storage refused the operation (quota, disabled or private mode)",
    )
    .cause(cause)
}

impl Store {
    /// Reads the `storage` or `persistTokens` option: a Web Storage name or
    /// an object with `getItem`, `setItem` and `removeItem`.
    pub fn from_option(v: &JsValue, field: &'static str) -> Result<Store> {
        match v.as_string().as_deref() {
            Some("sessionStorage") => return Ok(Store::Web("sessionStorage")),
            Some("localStorage") => return Ok(Store::Web("localStorage")),
            _ => {}
        }
        let methods = ["getItem", "setItem", "removeItem"];
        if v.is_object() && methods.iter().all(|m| value::get(v, m).is_function()) {
            return Ok(Store::App(v.clone()));
        }
        Err(Error::config(
            field,
            "must be \"sessionStorage\", \"localStorage\" or an object with getItem/setItem/removeItem",
        ))
    }

    pub fn is_local_storage(&self) -> bool {
        matches!(self, Store::Web("localStorage"))
    }

    fn web(name: &'static str) -> Result<web_sys::Storage> {
        let s =
            js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(name)).map_err(refused)?;
        s.dyn_into::<web_sys::Storage>().map_err(|_| {
            Error::new(
                Code::StorageUnavailable,
                "Web Storage is disabled or unavailable in this context",
            )
        })
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>> {
        match self {
            Store::Web(name) => Store::web(name)?.get_item(key).map_err(refused),
            Store::App(obj) => {
                let v = value::call(obj, "getItem", &[&key.into()]).map_err(refused)?;
                Ok(value::settle(v).await.map_err(refused)?.as_string())
            }
        }
    }

    pub async fn set(&self, key: &str, text: &str) -> Result<()> {
        match self {
            Store::Web(name) => Store::web(name)?.set_item(key, text).map_err(refused),
            Store::App(obj) => {
                let v =
                    value::call(obj, "setItem", &[&key.into(), &text.into()]).map_err(refused)?;
                value::settle(v).await.map(drop).map_err(refused)
            }
        }
    }

    pub async fn remove(&self, key: &str) -> Result<()> {
        match self {
            Store::Web(name) => Store::web(name)?.remove_item(key).map_err(refused),
            Store::App(obj) => {
                let v = value::call(obj, "removeItem", &[&key.into()]).map_err(refused)?;
                value::settle(v).await.map(drop).map_err(refused)
            }
        }
    }

    /// The `(key, value)` pairs under `prefix`, where the backend can list
    /// its keys synchronously (Web Storage, or an object with `key()` and
    /// `length`); `None` elsewhere.
    pub fn list(&self, prefix: &str) -> Option<Vec<(String, Option<String>)>> {
        let obj: JsValue = match self {
            Store::Web(name) => Store::web(name).ok()?.into(),
            Store::App(obj) => obj.clone(),
        };
        let len = value::get(&obj, "length").as_f64()?;
        if !value::get(&obj, "key").is_function() {
            return None;
        }
        let mut out = Vec::new();
        for i in 0..(len as u32) {
            let Some(k) = value::call(&obj, "key", &[&i.into()]).ok()?.as_string() else {
                continue;
            };
            if !k.starts_with(prefix) {
                continue;
            }
            let v = value::call(&obj, "getItem", &[&k.as_str().into()]).ok()?;
            if value::is_thenable(&v) {
                return None;
            }
            out.push((k, v.as_string()));
        }
        Some(out)
    }

    /// Removes `key` where it can be done synchronously, ignoring failures
    /// (sweeping is best effort).
    pub fn remove_now(&self, key: &str) {
        let obj: JsValue = match self {
            Store::Web(name) => match Store::web(name) {
                Ok(s) => s.into(),
                Err(_) => return,
            },
            Store::App(obj) => obj.clone(),
        };
        let _ = value::call(&obj, "removeItem", &[&key.into()]);
    }
}
