//! `PkceError` as an app sees it, whether the module (Rust) or the wrapper
//! (JS) raised it; `not_initialized`; failing closed without WebCrypto.
#![cfg(target_arch = "wasm32")]

mod support;

use support::{prop, run, server};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/tests/support/harness.js")]
    extern "C" {
        #[wasm_bindgen(catch, js_name = pkceErrorShape)]
        pub async fn pkce_error_shape(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = notInitialized)]
        pub async fn not_initialized(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = cryptoUnavailable)]
        pub async fn crypto_unavailable(base: &str) -> Result<JsValue, JsValue>;
    }
}

#[wasm_bindgen_test]
async fn pkce_error_shape_from_module_and_wrapper() {
    let f = run(js::pkce_error_shape(server())).await;
    assert_eq!(f.str("codes"), "invalid_config,token_error");
    // The token_error object itself, read from Rust: a real JS Error.
    let e = f.get("error");
    let err = e
        .dyn_ref::<js_sys::Error>()
        .expect("PkceError is not a JS Error");
    assert_eq!(String::from(err.name()), "PkceError");
    assert!(!String::from(err.message()).is_empty());
    assert_eq!(prop(&e, "code").as_string().as_deref(), Some("token_error"));
    assert_eq!(
        prop(&e, "error").as_string().as_deref(),
        Some("invalid_grant")
    );
    assert_eq!(prop(&e, "status").as_f64(), Some(400.0));
}

#[wasm_bindgen_test]
async fn not_initialized_before_init() {
    let f = run(js::not_initialized(server())).await;
    assert_eq!(f.str("code"), "not_initialized");
}

#[wasm_bindgen_test]
async fn crypto_unavailable_fails_closed() {
    let f = run(js::crypto_unavailable(server())).await;
    assert_eq!(f.str("code"), "crypto_unavailable");
}
