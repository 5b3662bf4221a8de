//! DPoP (RFC 9449): the client's key pair and the proofs it signs.
//!
//! The key is a WebCrypto ECDSA P-256 pair whose private half is made
//! non-extractable: script in the page can ask for signatures while the
//! page lives, but cannot copy the key out (RFC 9449 §2, BBA-27 §6.3.4.2.2).
//! A key in wasm memory would be extractable by definition.
//!
//! Where a key is kept follows the session. A login that navigates away
//! needs its key when the callback page loads, so the key made for a login
//! is kept in IndexedDB (or the app's key store) under its transaction until
//! the callback takes it. After the code exchange it is the session's key: in
//! memory, and also in the store when the session itself is persisted
//! (`persistTokens`) or the app gave a key store.

use crate::config::{base, parse_url};
use crate::error::{Code, Error, Result};
use crate::pkce::{b64, random_token, s256};
use crate::value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const DB: &str = "pkce-wasm";
const STORE: &str = "dpop-keys";

fn dpop_error(message: &'static str) -> Error {
    Error::new(Code::DpopError, message)
}

/// RFC 7638 thumbprint of a P-256 public key: SHA-256 of its required
/// members in lexicographic order, without whitespace, base64url. `x` and
/// `y` are base64url (checked), so they need no JSON escaping.
pub fn thumbprint(x: &str, y: &str) -> Option<String> {
    let b64url = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !b64url(x) || !b64url(y) {
        return None;
    }
    let canonical = [
        r#"{"crv":"P-256","kty":"EC","x":""#,
        x,
        r#"","y":""#,
        y,
        r#""}"#,
    ]
    .concat();
    Some(s256(canonical.as_bytes()))
}

/// `ath`: base64url SHA-256 of the access token (RFC 9449 §4.2).
pub fn ath(access_token: &str) -> String {
    s256(access_token.as_bytes())
}

/// `htu`: the request URL without query and fragment (RFC 9449 §4.2),
/// resolved against the page for a relative URL.
pub fn htu(url: &str) -> Option<String> {
    let u = parse_url(url).or_else(|| {
        let here = web_sys::window()?.location().href().ok()?;
        web_sys::Url::new_with_base(url, &here).ok()
    })?;
    Some(base(&u))
}

/// A URL's origin, the unit a server's DPoP nonce belongs to.
pub fn origin(url: &str) -> Option<String> {
    parse_url(url).map(|u| u.origin())
}

/// One key pair, with what every proof repeats.
#[derive(Clone)]
pub struct Key {
    /// The `CryptoKeyPair` as WebCrypto made it: what a store keeps.
    pub pair: JsValue,
    private: web_sys::CryptoKey,
    /// The public JWK (`crv`, `kty`, `x`, `y` only).
    jwk: js_sys::Object,
    /// Its RFC 7638 thumbprint: `dpop_jkt`, and the token's `cnf.jkt`.
    pub jkt: String,
}

fn object(pairs: &[(&str, &JsValue)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        value::set(&o, k, v);
    }
    o
}

fn ec_p256() -> js_sys::Object {
    object(&[("name", &"ECDSA".into()), ("namedCurve", &"P-256".into())])
}

fn refused(e: JsValue) -> Error {
    dpop_error("WebCrypto refused to make or use the DPoP key").cause(e)
}

impl Key {
    /// A new pair; the private key cannot be exported.
    pub async fn generate(subtle: &web_sys::SubtleCrypto) -> Result<Key> {
        let usages = js_sys::Array::of2(&"sign".into(), &"verify".into());
        let p = subtle
            .generate_key_with_object(&ec_p256(), false, &usages)
            .map_err(refused)?;
        let pair = JsFuture::from(p).await.map_err(refused)?;
        Key::of(subtle, pair).await
    }

    /// The key of a stored pair; an error for anything that is not a P-256
    /// signing pair.
    pub async fn of(subtle: &web_sys::SubtleCrypto, pair: JsValue) -> Result<Key> {
        let not_a_pair = || dpop_error("the stored DPoP key is not an ECDSA P-256 key pair");
        if !pair.is_object() {
            return Err(not_a_pair());
        }
        let private: web_sys::CryptoKey = value::get(&pair, "privateKey")
            .dyn_into()
            .map_err(|_| not_a_pair())?;
        let public: web_sys::CryptoKey = value::get(&pair, "publicKey")
            .dyn_into()
            .map_err(|_| not_a_pair())?;
        let p = subtle.export_key("jwk", &public).map_err(refused)?;
        let exported = JsFuture::from(p).await.map_err(refused)?;
        let text = |k| value::get(&exported, k).as_string();
        let (Some(x), Some(y)) = (text("x"), text("y")) else {
            return Err(not_a_pair());
        };
        if text("kty").as_deref() != Some("EC") || text("crv").as_deref() != Some("P-256") {
            return Err(not_a_pair());
        }
        let jkt = thumbprint(&x, &y).ok_or_else(not_a_pair)?;
        let jwk = object(&[
            ("kty", &"EC".into()),
            ("crv", &"P-256".into()),
            ("x", &x.into()),
            ("y", &y.into()),
        ]);
        Ok(Key {
            pair,
            private,
            jwk,
            jkt,
        })
    }

    /// A fresh proof for one request (RFC 9449 §4.2): `htm` and `htu` of
    /// that request, a random `jti`, `iat`, the server's `nonce` when it gave
    /// one, and `ath` when an access token goes with it.
    pub async fn proof(
        &self,
        subtle: &web_sys::SubtleCrypto,
        htm: &str,
        url: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<String> {
        let htu = htu(url).ok_or_else(|| dpop_error("the request URL cannot be read"))?;
        let header = object(&[
            ("typ", &"dpop+jwt".into()),
            ("alg", &"ES256".into()),
            ("jwk", &self.jwk),
        ]);
        let iat = (js_sys::Date::now() / 1000.0).floor();
        let claims = object(&[
            ("jti", &random_token()?.into()),
            ("htm", &htm.into()),
            ("htu", &htu.into()),
            ("iat", &iat.into()),
        ]);
        if let Some(n) = nonce {
            value::set(&claims, "nonce", &n.into());
        }
        if let Some(t) = access_token {
            value::set(&claims, "ath", &ath(t).into());
        }
        let json = |o: &js_sys::Object| -> String {
            js_sys::JSON::stringify(o)
                .map(String::from)
                .unwrap_or_default()
        };
        let input = [
            b64(json(&header).as_bytes()),
            ".".into(),
            b64(json(&claims).as_bytes()),
        ]
        .concat();
        let params = object(&[("name", &"ECDSA".into()), ("hash", &"SHA-256".into())]);
        let p = subtle
            .sign_with_object_and_u8_array(&params, &self.private, input.as_bytes())
            .map_err(refused)?;
        let signature = JsFuture::from(p).await.map_err(refused)?;
        // WebCrypto's ECDSA signature is r ‖ s, the JWS ES256 form (RFC 7518 §3.4).
        let signature = js_sys::Uint8Array::new(&signature).to_vec();
        if signature.len() != 64 {
            return Err(dpop_error(
                "WebCrypto made an ES256 signature of the wrong length",
            ));
        }
        Ok([input, ".".into(), b64(&signature)].concat())
    }
}

/// Where key pairs outlive the page: the app's store (`get`, `set`,
/// `remove`, each synchronous or a Promise), or IndexedDB, which keeps a
/// non-extractable `CryptoKey` as it is.
pub enum KeyStore {
    IndexedDb,
    App(JsValue),
}

fn unavailable(e: JsValue) -> Error {
    Error::new(Code::StorageUnavailable, "the DPoP key store refused").cause(e)
}

/// What a key store is asked to do.
#[derive(Clone, Copy)]
enum Op {
    Get,
    Set,
    Remove,
}

impl KeyStore {
    pub async fn get(&self, id: &str) -> Result<Option<JsValue>> {
        let v = self.run(Op::Get, id, &JsValue::UNDEFINED).await?;
        Ok(Some(v).filter(|v| !v.is_undefined() && !v.is_null()))
    }

    pub async fn set(&self, id: &str, pair: &JsValue) -> Result<()> {
        self.run(Op::Set, id, pair).await.map(drop)
    }

    pub async fn remove(&self, id: &str) -> Result<()> {
        self.run(Op::Remove, id, &JsValue::UNDEFINED)
            .await
            .map(drop)
    }

    // One body for the three operations: each async function is a state
    // machine of its own in the module.
    async fn run(&self, op: Op, id: &str, pair: &JsValue) -> Result<JsValue> {
        let id = JsValue::from(id);
        match self {
            KeyStore::App(s) => {
                let (method, args): (&str, &[&JsValue]) = match op {
                    Op::Get => ("get", &[&id]),
                    Op::Set => ("set", &[&id, pair]),
                    Op::Remove => ("remove", &[&id]),
                };
                match value::call(s, method, args) {
                    Ok(v) => value::settle(v).await,
                    Err(e) => Err(e),
                }
            }
            KeyStore::IndexedDb => idb(op, &id, pair).await,
        }
        .map_err(unavailable)
    }
}

/// A Promise settled by the first of `target`'s events: `on<ok>` resolves
/// it, each `on<fail>` rejects it.
fn events(target: &JsValue, ok: &str, fail: &[&str]) -> JsFuture {
    JsFuture::from(js_sys::Promise::new(&mut |resolve, reject| {
        value::set(target, ok, &resolve);
        for f in fail {
            value::set(target, f, &reject);
        }
    }))
}

/// One request on the key store, in its own transaction. A write resolves
/// when its transaction has committed, so a navigation that follows cannot
/// abort it.
async fn idb(op: Op, id: &JsValue, pair: &JsValue) -> std::result::Result<JsValue, JsValue> {
    let factory: web_sys::IdbFactory = value::get(&js_sys::global(), "indexedDB").dyn_into()?;
    let open = factory.open_with_u32(DB, 1)?;
    let upgrade = {
        let open = open.clone();
        Closure::once(move || {
            if let Ok(db) = open.result() {
                let _ = db
                    .unchecked_into::<web_sys::IdbDatabase>()
                    .create_object_store(STORE);
            }
        })
    };
    open.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let opened = events(&open, "onsuccess", &["onerror", "onblocked"]).await;
    open.set_onupgradeneeded(None);
    drop(upgrade);
    opened?;
    let db: web_sys::IdbDatabase = open.result()?.unchecked_into();
    let mode = match op {
        Op::Get => web_sys::IdbTransactionMode::Readonly,
        _ => web_sys::IdbTransactionMode::Readwrite,
    };
    let result = async {
        let tx = db.transaction_with_str_and_mode(STORE, mode)?;
        let store = tx.object_store(STORE)?;
        let request = match op {
            Op::Get => store.get(id),
            Op::Set => store.put_with_key(pair, id),
            Op::Remove => store.delete(id),
        }?;
        events(&tx, "oncomplete", &["onerror", "onabort"]).await?;
        request.result()
    }
    .await;
    db.close();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn rfc9449_thumbprint_and_ath() {
        // RFC 9449 Fig. 9's key and `cnf.jkt`; Fig. 14's token and `ath`.
        assert_eq!(
            thumbprint(
                "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
                "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"
            )
            .as_deref(),
            Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
        );
        assert_eq!(
            ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    /// The browser half: WebCrypto and IndexedDB for real.
    #[cfg(target_arch = "wasm32")]
    mod browser {
        use super::super::*;
        use crate::pkce::b64_decode;
        use wasm_bindgen_test::wasm_bindgen_test as test;

        fn subtle() -> web_sys::SubtleCrypto {
            crate::crypto::subtle().unwrap()
        }

        fn decode(part: &str) -> JsValue {
            let bytes = b64_decode(part).unwrap();
            value::parse(std::str::from_utf8(&bytes).unwrap()).unwrap()
        }

        fn text(v: &JsValue, k: &str) -> Option<String> {
            value::get(v, k).as_string()
        }

        #[test]
        async fn key_is_non_extractable_p256() {
            let k = Key::generate(&subtle()).await.unwrap();
            let private = value::get(&k.pair, "privateKey");
            assert_eq!(value::get(&private, "extractable").as_bool(), Some(false));
            let refused = JsFuture::from(
                subtle()
                    .export_key("jwk", &private.unchecked_into())
                    .unwrap(),
            )
            .await;
            assert!(refused.is_err(), "the private key must not be exportable");
            assert_eq!(k.jkt.len(), 43);
            let x = text(&k.jwk, "x").unwrap();
            let y = text(&k.jwk, "y").unwrap();
            assert_eq!(thumbprint(&x, &y).as_deref(), Some(k.jkt.as_str()));
            // The header's key has no private part.
            assert_eq!(value::get(&k.jwk, "d"), JsValue::UNDEFINED);
        }

        #[test]
        async fn proof_claims_and_signature() {
            let s = subtle();
            let k = Key::generate(&s).await.unwrap();
            let before = (js_sys::Date::now() / 1000.0).floor();
            let p = k
                .proof(
                    &s,
                    "POST",
                    "https://as.example/token?x=1#frag",
                    Some("n-1"),
                    Some("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
                )
                .await
                .unwrap();
            let parts: Vec<&str> = p.split('.').collect();
            assert_eq!(parts.len(), 3);
            let header = decode(parts[0]);
            assert_eq!(text(&header, "typ").as_deref(), Some("dpop+jwt"));
            assert_eq!(text(&header, "alg").as_deref(), Some("ES256"));
            let jwk = value::get(&header, "jwk");
            assert_eq!(text(&jwk, "x"), text(&k.jwk, "x"));
            assert_eq!(value::get(&jwk, "d"), JsValue::UNDEFINED);
            let claims = decode(parts[1]);
            assert_eq!(text(&claims, "htm").as_deref(), Some("POST"));
            assert_eq!(
                text(&claims, "htu").as_deref(),
                Some("https://as.example/token")
            );
            assert_eq!(text(&claims, "nonce").as_deref(), Some("n-1"));
            assert_eq!(
                text(&claims, "ath").as_deref(),
                Some("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo")
            );
            let iat = value::get(&claims, "iat").as_f64().unwrap();
            assert!(iat >= before && iat <= before + 5.0);
            assert!(text(&claims, "jti").unwrap().len() >= 22);
            // The signature verifies with the public key in the header.
            let public = value::get(&k.pair, "publicKey").unchecked_into();
            let params = object(&[("name", &"ECDSA".into()), ("hash", &"SHA-256".into())]);
            let signing_input = [parts[0], ".", parts[1]].concat();
            let ok = JsFuture::from(
                s.verify_with_object_and_u8_array_and_u8_array(
                    &params,
                    &public,
                    &b64_decode(parts[2]).unwrap(),
                    signing_input.as_bytes(),
                )
                .unwrap(),
            )
            .await
            .unwrap();
            assert_eq!(ok.as_bool(), Some(true));
            // Each proof is fresh.
            let q = k
                .proof(&s, "POST", "https://as.example/token", None, None)
                .await
                .unwrap();
            let again = decode(q.split('.').nth(1).unwrap());
            assert_ne!(text(&again, "jti"), text(&claims, "jti"));
            assert_eq!(value::get(&again, "nonce"), JsValue::UNDEFINED);
            assert_eq!(value::get(&again, "ath"), JsValue::UNDEFINED);
        }

        #[test]
        async fn indexeddb_keeps_the_pair_usable() {
            let s = subtle();
            let k = Key::generate(&s).await.unwrap();
            let store = KeyStore::IndexedDb;
            let id = "pkce-wasm.dpop.test-client";
            store.set(id, &k.pair).await.unwrap();
            let back = store.get(id).await.unwrap().expect("stored pair");
            let k2 = Key::of(&s, back).await.unwrap();
            assert_eq!(k2.jkt, k.jkt);
            let private = value::get(&k2.pair, "privateKey");
            assert_eq!(value::get(&private, "extractable").as_bool(), Some(false));
            // The stored copy still signs.
            k2.proof(&s, "GET", "https://rs.example/api", None, Some("t"))
                .await
                .unwrap();
            store.remove(id).await.unwrap();
            assert!(store.get(id).await.unwrap().is_none());
        }

        #[test]
        async fn a_stored_value_that_is_no_key_pair_is_refused() {
            let e = Key::of(&subtle(), JsValue::from_str("nope"))
                .await
                .err()
                .unwrap();
            assert_eq!(e.code, Code::DpopError);
            let e = Key::of(&subtle(), js_sys::Object::new().into())
                .await
                .err()
                .unwrap();
            assert_eq!(e.code, Code::DpopError);
        }
    }

    #[test]
    fn thumbprint_refuses_what_would_need_escaping() {
        assert_eq!(thumbprint("", "abc"), None);
        assert_eq!(thumbprint("ab\"c", "abc"), None);
        assert_eq!(thumbprint("abc", "a+b/c="), None);
    }
}
