//! The code exchange over the browser's real `fetch` against
//! tests/support/server.mjs (success, OAuth error, HTML, 5xx, redirects,
//! network failure) and through an injected `fetch`. Every request the
//! server receives is checked field by field, the verifier against the
//! S256 challenge of the authorize URL. security-reference §2.4, §2.7.
#![cfg(target_arch = "wasm32")]

mod support;

use support::{run, server};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/tests/support/harness.js")]
    extern "C" {
        #[wasm_bindgen(catch, js_name = exchangeSuccess)]
        pub async fn exchange_success(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = exchangeOptionalFields)]
        pub async fn exchange_optional_fields(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = appStateRoundTrip)]
        pub async fn app_state_round_trip(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = exchangeOAuthError)]
        pub async fn exchange_oauth_error(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = exchangeHtml500)]
        pub async fn exchange_html_500(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = exchangeHtml200)]
        pub async fn exchange_html_200(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = exchangeStatus500)]
        pub async fn exchange_status_500(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = exchangeNotAToken)]
        pub async fn exchange_not_a_token(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = exchangeRedirectNotFollowed)]
        pub async fn exchange_redirect_not_followed(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = exchangeNetworkError)]
        pub async fn exchange_network_error(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = injectedFetch)]
        pub async fn injected_fetch(base: &str) -> Result<JsValue, JsValue>;
    }
}

#[wasm_bindgen_test]
async fn tk01_exchange_over_real_fetch() {
    let f = run(js::exchange_success(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0);
    assert_eq!(f.str("accessToken"), format!("at-{}", f.str("code")));
}

#[wasm_bindgen_test]
async fn tk11_tk13_tk18_optional_fields() {
    let f = run(js::exchange_optional_fields(server())).await;
    assert_eq!(f.str("refreshToken"), format!("rt-{}", f.str("code")));
}

#[wasm_bindgen_test]
async fn app_state_round_trip() {
    let f = run(js::app_state_round_trip(server())).await;
    assert_eq!(f.str("returnTo"), "/orders?id=7&tab=\"x\"#frag");
}

#[wasm_bindgen_test]
async fn tk02_tk03_oauth_error_body() {
    let f = run(js::exchange_oauth_error(server())).await;
    assert_eq!(f.str("error"), "invalid_grant");
    assert_eq!(f.num("status"), 400.0);
}

#[wasm_bindgen_test]
async fn tk04_html_body_500() {
    let f = run(js::exchange_html_500(server())).await;
    assert_eq!(f.num("status"), 500.0);
}

#[wasm_bindgen_test]
async fn tk05_html_body_200() {
    let f = run(js::exchange_html_200(server())).await;
    assert_eq!(f.num("status"), 200.0);
}

#[wasm_bindgen_test]
async fn tk04_status_500_and_503_without_oauth_body() {
    let f = run(js::exchange_status_500(server())).await;
    assert_eq!(f.num("status"), 500.0);
}

#[wasm_bindgen_test]
async fn tk05_tk07_tk10_not_a_token() {
    let f = run(js::exchange_not_a_token(server())).await;
    assert_eq!(f.str("field"), "token_type");
}

#[wasm_bindgen_test]
async fn tk21_redirect_from_token_endpoint_not_followed() {
    let f = run(js::exchange_redirect_not_followed(server())).await;
    assert_eq!(f.num("followed"), 0.0);
}

#[wasm_bindgen_test]
async fn nw01_nw02_fetch_rejects_network_error() {
    let f = run(js::exchange_network_error(server())).await;
    assert_eq!(f.num("fetchCalls"), 1.0, "no automatic retry");
}

#[wasm_bindgen_test]
async fn injected_fetch_carries_the_token_request() {
    let f = run(js::injected_fetch(server())).await;
    assert_eq!(f.num("fetchCalls"), 1.0);
}
