//! Reading what the network sent. Bodies are parsed by the platform's
//! `JSON.parse` and read into typed structs with serde-wasm-bindgen; each
//! member whose type must be checked is a [`Value`], so a wrong type is
//! refused with the member's name (`field`) instead of a generic serde error.

use serde::de::{self, Deserialize, Deserializer};
use wasm_bindgen::{JsCast, JsValue};

/// One JSON value as `JSON.parse` produced it. Objects are not kept: the
/// checks only need to know that a member is one.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object,
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn into_string(self) -> Option<String> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    /// The member is taken as the JS value it is and classified with the
    /// platform's own type tests.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        let v: JsValue = serde_wasm_bindgen::preserve::deserialize(d)?;
        Ok(Value::of(&v))
    }
}

impl Value {
    pub fn of(v: &JsValue) -> Value {
        if let Some(s) = v.as_string() {
            Value::String(s)
        } else if let Some(n) = v.as_f64() {
            Value::Number(n)
        } else if let Some(b) = v.as_bool() {
            Value::Bool(b)
        } else if js_sys::Array::is_array(v) {
            Value::Array(
                js_sys::Array::from(v)
                    .iter()
                    .map(|x| Value::of(&x))
                    .collect(),
            )
        } else {
            Value::Object
        }
    }
}

/// `JSON.parse(text)`, or `None` when it throws.
pub fn parse(text: &str) -> Option<JsValue> {
    js_sys::JSON::parse(text).ok()
}

/// Whether `v` is a plain object (not an array, not `null`).
pub fn is_object(v: &JsValue) -> bool {
    v.is_object() && !js_sys::Array::is_array(v) && !v.is_function()
}

/// A parsed JSON object read into `T`; `None` for anything else. Arrays are
/// refused first: serde would otherwise read one positionally into a struct.
pub fn read<T: de::DeserializeOwned>(v: &JsValue) -> Option<T> {
    if !is_object(v) {
        return None;
    }
    serde_wasm_bindgen::from_value(v.clone()).ok()
}

/// A property of a JS object, `undefined` when it is missing or throws.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Sets a property on a fresh or app object; failures (a frozen object) are
/// ignored, the value then simply is not there.
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Whether `v` has a callable `then`: a Promise, or what an app's storage or
/// fetch hands back in its place.
pub fn is_thenable(v: &JsValue) -> bool {
    v.is_object() && get(v, "then").is_function()
}

/// Awaits `v` if it is thenable; otherwise returns it at once, without a
/// turn of the event loop (a synchronous storage keeps its read and delete
/// in one turn).
pub async fn settle(v: JsValue) -> Result<JsValue, JsValue> {
    if is_thenable(&v) {
        let p = js_sys::Promise::resolve(&v);
        wasm_bindgen_futures::JsFuture::from(p).await
    } else {
        Ok(v)
    }
}

/// Calls method `name` of `obj` with `args`; an error if it is not a function
/// or throws.
pub fn call(obj: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = get(obj, name).dyn_into()?;
    match args {
        [] => f.call0(obj),
        [a] => f.call1(obj, a),
        [a, b] => f.call2(obj, a, b),
        _ => f.call3(obj, args[0], args[1], args[2]),
    }
}
