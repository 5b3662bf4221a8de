//! WebCrypto through web-sys: ID token signatures verified with the
//! provider's public keys (`SubtleCrypto.importKey` + `verify`). Random
//! values come from getrandom's browser backend (`pkce`).

use crate::error::{Code, Error, Result};
use crate::jwt::Alg;
use crate::value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn object(pairs: &[(&str, JsValue)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        value::set(&o, k, v);
    }
    o
}

/// The WebCrypto parameters of a JWS algorithm: for `importKey`, for `verify`.
fn params(alg: Alg) -> (js_sys::Object, js_sys::Object) {
    let name = |n: &str| ("name", JsValue::from_str(n));
    let sha256 = || ("hash", JsValue::from_str("SHA-256"));
    match alg {
        Alg::Rs256 => (
            object(&[name("RSASSA-PKCS1-v1_5"), sha256()]),
            object(&[name("RSASSA-PKCS1-v1_5")]),
        ),
        Alg::Ps256 => (
            object(&[name("RSA-PSS"), sha256()]),
            object(&[name("RSA-PSS"), ("saltLength", 32.into())]),
        ),
        Alg::Es256 => (
            object(&[name("ECDSA"), ("namedCurve", "P-256".into())]),
            object(&[name("ECDSA"), sha256()]),
        ),
    }
}

/// `crypto.subtle` of this global (window or worker), if there is one.
pub fn subtle() -> Result<web_sys::SubtleCrypto> {
    let crypto = value::get(&js_sys::global(), "crypto");
    let subtle = if crypto.is_object() {
        value::get(&crypto, "subtle")
    } else {
        JsValue::UNDEFINED
    };
    subtle.dyn_into().map_err(|_| {
        Error::new(
            Code::CryptoUnavailable,
            "WebCrypto (crypto.subtle) is unavailable: ID tokens and DPoP proofs need it",
        )
    })
}

/// Whether `signature` over `data` verifies with public key `jwk` (a JWK
/// object from the provider's JWKS). A key WebCrypto refuses to import
/// verifies nothing.
pub async fn verify(
    subtle: &web_sys::SubtleCrypto,
    alg: Alg,
    jwk: &JsValue,
    data: &[u8],
    signature: &[u8],
) -> bool {
    let (import, check) = params(alg);
    let usages = js_sys::Array::of1(&"verify".into());
    let Ok(jwk) = jwk.clone().dyn_into::<js_sys::Object>() else {
        return false;
    };
    let Ok(p) = subtle.import_key_with_object("jwk", &jwk, &import, false, &usages) else {
        return false;
    };
    let Ok(key) = JsFuture::from(p).await else {
        return false;
    };
    let Ok(p) = subtle.verify_with_object_and_u8_array_and_u8_array(
        &check,
        &key.unchecked_into(),
        signature,
        data,
    ) else {
        return false;
    };
    JsFuture::from(p).await.ok().and_then(|v| v.as_bool()) == Some(true)
}
