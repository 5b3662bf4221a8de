//! pkce-wasm: OAuth 2.0 Authorization Code + PKCE (RFC 7636) for browser
//! single-page apps and Capacitor/Cordova hybrid apps.
//!
//! Every module is pure (no I/O) and tested natively; `api` is the
//! `#[wasm_bindgen]` façade that js/index.js drives.

pub mod authorize;
mod b64;
pub mod callback;
pub mod config;
pub mod discovery;
pub mod error;
pub mod form;
pub mod json;
pub mod jwt;
pub mod pkce;
pub mod store;
pub mod token;
pub mod url;

/// Byte search and split on ASCII separators. `str::find`/`split` with char
/// patterns pull the generic pattern searchers into the module; these do not.
pub(crate) fn find_byte(s: &str, b: u8) -> Option<usize> {
    s.bytes().position(|c| c == b)
}

pub(crate) fn rfind_byte(s: &str, b: u8) -> Option<usize> {
    s.bytes().rposition(|c| c == b)
}

pub(crate) fn split_byte(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let r = rest?;
        match find_byte(r, sep) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
pub use api::Core;

// dlmalloc is ~7 KB of a module this size; a free-list allocator is enough for
// a handful of short strings per login. The module is single-threaded.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
