//! DPoP (RFC 9449) and PAR (RFC 9126) through the package in a real browser:
//! WebCrypto keys and IndexedDB for real, the provider's answers (nonce
//! demands, Bearer downgrades, bad PAR responses) from an injected `fetch`,
//! which goes through the same code path as the browser's.
#![cfg(target_arch = "wasm32")]

mod support;

use support::{run, server};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/tests/support/harness.js")]
    extern "C" {
        #[wasm_bindgen(catch, js_name = dpopExchangeWithNonce)]
        pub async fn dpop_exchange_with_nonce(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = dpopRefusals)]
        pub async fn dpop_refusals(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = dpopPersistedKey)]
        pub async fn dpop_persisted_key(base: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = parPush)]
        pub async fn par_push(base: &str) -> Result<JsValue, JsValue>;
    }
}

#[wasm_bindgen_test]
async fn tk19_st13_dpop_exchange_nonce_retry_and_api_proofs() {
    let f = run(js::dpop_exchange_with_nonce(server())).await;
    assert_eq!(f.num("calls"), 2.0);
}

#[wasm_bindgen_test]
async fn tk12_tk19_tk20_dpop_refusals() {
    run(js::dpop_refusals(server())).await;
}

#[wasm_bindgen_test]
async fn dpop_key_persisted_with_the_session_and_deleted_on_logout() {
    run(js::dpop_persisted_key(server())).await;
}

#[wasm_bindgen_test]
async fn st14_par_push_and_refusals() {
    run(js::par_push(server())).await;
}
