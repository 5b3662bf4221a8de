//! Reading what the network sent, the app passed or storage kept. Text is
//! parsed by the platform's `JSON.parse`; objects are read into typed
//! structs ([`members!`]) member by member through `Reflect`, each member
//! classified by the platform's own type tests into a [`Value`]. A wrong type
//! is refused with the member's name (`field`).
//!
//! Not serde's deserializer: through serde-wasm-bindgen the same reads cost
//! the module 8.5 KB gzip (measured), most of it float formatting and
//! `core::fmt` for error messages nothing reads, which alone would put the
//! package over its size budget. serde-wasm-bindgen writes what goes out
//! (`TokenSet`, the stored transaction).

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

impl Value {
    /// What `v` is, by the platform's type tests.
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

/// Member `key` of a parsed JSON object; `None` when it is absent or `null`.
pub fn member(obj: &JsValue, key: &str) -> Option<Value> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        None
    } else {
        Some(Value::of(&v))
    }
}

/// A text member: `Some(None)` when absent or `null`, `None` when it has
/// another type.
pub fn text(obj: &JsValue, key: &str) -> Option<Option<String>> {
    match member(obj, key) {
        None => Some(None),
        Some(Value::String(s)) => Some(Some(s)),
        Some(_) => None,
    }
}

/// A number member, with the same convention as [`text`].
pub fn number(obj: &JsValue, key: &str) -> Option<Option<f64>> {
    match member(obj, key) {
        None => Some(None),
        Some(Value::Number(n)) => Some(Some(n)),
        Some(_) => None,
    }
}

/// Declares a struct of the JSON members a check needs, each an
/// `Option<Value>`, with `read(obj)` filling them from a parsed object.
macro_rules! members {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident: $key:literal),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Default, Debug, Clone)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: Option<$crate::value::Value>,)*
        }

        impl $name {
            /// The members of `obj`, a parsed JSON object.
            pub fn read(obj: &wasm_bindgen::JsValue) -> Self {
                $name { $($field: $crate::value::member(obj, $key),)* }
            }
        }
    };
}
pub(crate) use members;
