//! Reading what the network sent. Bodies are parsed by the platform's
//! `JSON.parse` and read into typed structs with serde-wasm-bindgen; each
//! member whose type must be checked is a [`Value`], so a wrong type is
//! refused with the member's name (`field`) instead of a generic serde error.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
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
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Object)
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
