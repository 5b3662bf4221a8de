//! pkce-wasm: OAuth 2.0 Authorization Code + PKCE (RFC 7636) for browser
//! single-page apps and Capacitor/Cordova hybrid apps, compiled to
//! WebAssembly. [`PkceClient`] is the package's public class: it starts the
//! redirect, keeps the verifier in session storage, exchanges the returned
//! code with `fetch`, and keeps the session the app calls its API with.
//!
//! The protocol modules take typed values and return typed values
//! (`config`, `pkce`, `authorize`, `callback`, `transaction`, `token`, `jwt`,
//! `discovery`, `bearer`); the I/O modules reach the browser through
//! web-sys, js-sys and gloo-net (`storage`, `http`, `crypto`, `locks`);
//! `client` joins them into the class.

pub mod authorize;
pub mod bearer;
pub mod callback;
pub mod client;
pub mod config;
pub mod crypto;
pub mod discovery;
pub mod error;
pub mod http;
pub mod jwt;
pub mod locks;
pub mod pkce;
pub mod storage;
pub mod token;
pub mod transaction;
pub mod value;

pub use client::PkceClient;
pub use error::{Code, Error};

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// std's dlmalloc is several KB of a module that allocates a few short
// strings per call; a free-list allocator is enough.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
