//! Shared by the browser test files (tests/browser_*.rs): where the test
//! server is, and how a scenario of harness.js becomes a test result.
// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::future::Future;
use wasm_bindgen::{JsCast, JsValue};

/// Base URL of tests/support/server.mjs. Fixed at compile time: the page the
/// tests run in has no other channel to the command that started the server.
pub fn server() -> &'static str {
    match option_env!("PKCE_TEST_SERVER") {
        Some(base) if !base.is_empty() => base,
        _ => panic!(
            "PKCE_TEST_SERVER was not set when the browser tests were compiled: \
             run them with `bash tests/support/run-browser-tests.sh` (see README, Tests), \
             which starts tests/support/server.mjs and sets it"
        ),
    }
}

/// What a scenario resolved with: a plain object of facts.
pub struct Facts(JsValue);

impl Facts {
    pub fn get(&self, key: &str) -> JsValue {
        js_sys::Reflect::get(&self.0, &JsValue::from_str(key))
            .unwrap_or_else(|_| panic!("scenario result has no readable {key:?}"))
    }

    pub fn num(&self, key: &str) -> f64 {
        self.get(key)
            .as_f64()
            .unwrap_or_else(|| panic!("scenario result {key:?} is not a number"))
    }

    pub fn str(&self, key: &str) -> String {
        self.get(key)
            .as_string()
            .unwrap_or_else(|| panic!("scenario result {key:?} is not a string"))
    }
}

/// Awaits a harness scenario; a rejection fails the test with the JS
/// error's name, message and stack (which points into harness.js).
pub async fn run(scenario: impl Future<Output = Result<JsValue, JsValue>>) -> Facts {
    match scenario.await {
        Ok(v) => Facts(v),
        Err(e) => panic!("{}", describe(&e)),
    }
}

pub fn describe(e: &JsValue) -> String {
    match e.dyn_ref::<js_sys::Error>() {
        Some(err) => {
            let stack = js_sys::Reflect::get(err, &JsValue::from_str("stack"))
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default();
            format!(
                "{}: {}\n{stack}",
                String::from(err.name()),
                String::from(err.message())
            )
        }
        None => format!("scenario rejected with a non-Error: {e:?}"),
    }
}

/// A string member of a JS object (e.g. `code` of a PkceError).
pub fn prop(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}
