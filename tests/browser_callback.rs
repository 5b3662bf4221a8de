//! Handling the redirect back: replays and double deliveries (one token
//! request), interleaved logins, forged or refused callbacks, the `iss`
//! check, the address bar, `login()`. security-reference §2.3.
#![cfg(target_arch = "wasm32")]

mod support;

use support::{run, server};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/tests/support/harness.js")]
    extern "C" {
        #[wasm_bindgen(catch, js_name = replaySameCallback)]
        pub async fn replay_same_callback(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = sameTickDoubleDelivery)]
        pub async fn same_tick_double_delivery(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = interleavedLogins)]
        pub async fn interleaved_logins(base: &str, order: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = addressBarCleaned)]
        pub async fn address_bar_cleaned(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = forgedErrorUnknownState)]
        pub async fn forged_error_unknown_state(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = issuerMismatch)]
        pub async fn issuer_mismatch(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = refusedCallbacks)]
        pub async fn refused_callbacks(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = isCallbackChecks)]
        pub async fn is_callback_checks(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = loginNavigates)]
        pub async fn login_navigates(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = otherClientsTransaction)]
        pub async fn other_clients_transaction(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = otherProvidersTransaction)]
        pub async fn other_providers_transaction(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = otherIssuersTransaction)]
        pub async fn other_issuers_transaction(base: &str) -> Result<JsValue, JsValue>;
    }
}

#[wasm_bindgen_test]
async fn cb13_replay_of_the_same_callback_one_token_request() {
    let f = run(js::replay_same_callback(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0);
}

#[wasm_bindgen_test]
async fn cb14_two_calls_in_the_same_tick_one_token_request() {
    let f = run(js::same_tick_double_delivery(server())).await;
    // One request per storage kind.
    assert_eq!(f.num("tokenRequests"), 2.0);
}

#[wasm_bindgen_test]
async fn interleaved_logins_complete_a_then_b() {
    let f = run(js::interleaved_logins(server(), "ab")).await;
    assert_eq!(f.num("tokenRequests"), 2.0);
    assert_eq!(f.str("first"), "a");
}

#[wasm_bindgen_test]
async fn interleaved_logins_complete_b_then_a() {
    let f = run(js::interleaved_logins(server(), "ba")).await;
    assert_eq!(f.num("tokenRequests"), 2.0);
    assert_eq!(f.str("first"), "b");
}

#[wasm_bindgen_test]
async fn interleaved_logins_concurrent_answers_in_reverse_order() {
    let f = run(js::interleaved_logins(server(), "concurrent")).await;
    assert_eq!(f.num("tokenRequests"), 2.0);
}

#[wasm_bindgen_test]
async fn cb31_address_bar_cleaned() {
    let f = run(js::address_bar_cleaned(server())).await;
    assert_eq!(f.str("search"), "?keep=1");
}

#[wasm_bindgen_test]
async fn cb02_forged_error_with_unknown_state_cancels_nothing() {
    let f = run(js::forged_error_unknown_state(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0, "only the real callback");
}

#[wasm_bindgen_test]
async fn cb15_cb17_cb03_issuer_mismatch_no_request_transaction_gone() {
    let f = run(js::issuer_mismatch(server())).await;
    assert_eq!(f.num("mismatches"), 5.0);
    assert_eq!(
        f.num("tokenRequests"),
        2.0,
        "only the two positive controls"
    );
}

#[wasm_bindgen_test]
async fn cb01_cb04_cb06_cb12_cb22_refused_callbacks_send_nothing() {
    let f = run(js::refused_callbacks(server())).await;
    assert_eq!(f.num("cases"), 7.0);
}

#[wasm_bindgen_test]
async fn is_callback_only_for_this_redirect_uri() {
    let f = run(js::is_callback_checks(server())).await;
    assert_eq!(f.num("checked"), 12.0);
}

#[wasm_bindgen_test]
async fn login_saves_then_navigates() {
    let f = run(js::login_navigates(server())).await;
    assert_eq!(f.num("navigations"), 1.0);
}

#[wasm_bindgen_test]
async fn st10_another_clients_transaction_is_not_redeemed() {
    let f = run(js::other_clients_transaction(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0, "only the client that made it");
}

#[wasm_bindgen_test]
async fn st10_another_providers_transaction_without_issuer_is_not_redeemed() {
    let f = run(js::other_providers_transaction(server())).await;
    assert_eq!(
        f.num("tokenRequests"),
        2.0,
        "one per provider, each its own"
    );
}

#[wasm_bindgen_test]
async fn cb03_another_issuers_callback_leaves_its_transaction() {
    let f = run(js::other_issuers_transaction(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0);
}
