//! Where a pending login lives between the redirect and the callback:
//! sessionStorage, localStorage and StorageLike objects (sync and Promise),
//! storage that refuses writes or reads, cleared or tampered records, expiry.
//! security-reference §2.6 (SG-01…SG-06, SG-08) and CB-25/CB-26.
#![cfg(target_arch = "wasm32")]

mod support;

use support::{run, server};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/tests/support/harness.js")]
    extern "C" {
        #[wasm_bindgen(catch, js_name = sessionStorageRoundTrip)]
        pub async fn session_storage_round_trip(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = localStorageOption)]
        pub async fn local_storage_option(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = asyncStorageRoundTrip)]
        pub async fn async_storage_round_trip(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = syncStorageLikeRoundTrip)]
        pub async fn sync_storage_like_round_trip(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = setItemThrows)]
        pub async fn set_item_throws(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = sessionStorageFull)]
        pub async fn session_storage_full(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = sessionStorageDisabled)]
        pub async fn session_storage_disabled(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = storageFailsAtCallback)]
        pub async fn storage_fails_at_callback(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = storageCleared)]
        pub async fn storage_cleared(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = garbageRecord)]
        pub async fn garbage_record(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = unknownStateKeepsOthers)]
        pub async fn unknown_state_keeps_others(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = ttlExpiresAfterWaiting)]
        pub async fn ttl_expires_after_waiting(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = ttlFromCreatedAt)]
        pub async fn ttl_from_created_at(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = sweepOnAuthorize)]
        pub async fn sweep_on_authorize(base: &str) -> Result<JsValue, JsValue>;
    }
}

#[wasm_bindgen_test]
async fn session_storage_round_trip() {
    let f = run(js::session_storage_round_trip(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0);
    assert_eq!(f.num("keysLeft"), 0.0);
    assert_eq!(f.str("state").len(), 43, "state carries 256 bits");
}

#[wasm_bindgen_test]
async fn local_storage_option() {
    let f = run(js::local_storage_option(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0);
}

#[wasm_bindgen_test]
async fn promise_storage_like_round_trip() {
    let f = run(js::async_storage_round_trip(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0);
    assert!(f.num("storageCalls") >= 3.0);
}

#[wasm_bindgen_test]
async fn sync_storage_like_round_trip() {
    let f = run(js::sync_storage_like_round_trip(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0);
}

#[wasm_bindgen_test]
async fn sg02_set_item_throws_no_url_nothing_stored_no_navigation() {
    let f = run(js::set_item_throws(server())).await;
    assert_eq!(f.str("codes"), "storage_unavailable,storage_unavailable");
    assert_eq!(f.num("navigations"), 0.0);
}

#[wasm_bindgen_test]
async fn sg02_session_storage_full() {
    let f = run(js::session_storage_full(server())).await;
    assert!(f.num("filled") > 0.0);
}

#[wasm_bindgen_test]
async fn sg01_session_storage_disabled() {
    let f = run(js::session_storage_disabled(server())).await;
    assert_eq!(f.num("navigations"), 0.0);
}

#[wasm_bindgen_test]
async fn storage_failing_at_callback_sends_nothing() {
    let f = run(js::storage_fails_at_callback(server())).await;
    assert_eq!(f.num("getItem"), 0.0);
    assert_eq!(f.num("removeItem"), 0.0);
}

#[wasm_bindgen_test]
async fn sg03_cb25_storage_cleared_no_transaction_no_request() {
    let f = run(js::storage_cleared(server())).await;
    // Only the login started afterwards reached the token endpoint.
    assert_eq!(f.num("tokenRequests"), 1.0);
}

#[wasm_bindgen_test]
async fn sg05_garbage_record_no_transaction_no_request() {
    let f = run(js::garbage_record(server())).await;
    assert!(f.num("variants") >= 10.0);
}

#[wasm_bindgen_test]
async fn sg06_unknown_state_keeps_other_transactions() {
    let f = run(js::unknown_state_keeps_others(server())).await;
    assert_eq!(f.num("tokenRequests"), 2.0);
}

#[wasm_bindgen_test]
async fn cb26_ttl_expires_after_waiting() {
    let f = run(js::ttl_expires_after_waiting(server())).await;
    assert_eq!(f.num("tokenRequests"), 1.0, "only the login within its TTL");
}

#[wasm_bindgen_test]
async fn cb26_ttl_from_created_at() {
    let f = run(js::ttl_from_created_at(server())).await;
    assert_eq!(
        f.num("tokenRequests"),
        1.0,
        "only the record within its TTL"
    );
}

#[wasm_bindgen_test]
async fn sg08_expired_and_unreadable_records_swept_on_authorize() {
    let f = run(js::sweep_on_authorize(server())).await;
    assert_eq!(f.num("kept"), 2.0);
}
