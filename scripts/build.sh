#!/usr/bin/env bash
# Builds the wasm module and its JS glue into pkg/ (release profile, size-first).
# The npm entry point js/index.js imports pkg/pkce_wasm.js; pkg/ is never edited.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# The standard library is rebuilt with panics compiled to a bare trap
# (`immediate-abort`): the module then carries no panic messages and none of
# core::fmt, about a fifth of its size; `fmt-debug=none` and
# `location-detail=none` drop the Debug formatting and source paths that would
# only ever appear in such a panic. That needs the rust-src component and
# unstable flags, which RUSTC_BOOTSTRAP unlocks for this build only; the crate
# itself uses no unstable feature, and without rust-src a plain (larger) build is
# made. No input can panic the module by design; this only changes what an
# impossible panic costs in bytes.
cargo_args=()
if rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  export RUSTC_BOOTSTRAP=1
  export RUSTFLAGS='-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none'
  cargo_args=(-Zbuild-std=std,panic_abort)
  # Its own target directory, so tests and this build do not evict each other.
  export CARGO_TARGET_DIR="$PWD/target/pkg"
else
  echo "build.sh: rust-src is not installed; building without build-std (larger module)" >&2
fi

# --target web: an ES module whose default export fetches and instantiates the
# .wasm next to it via `new URL(…, import.meta.url)`; bundlers (Vite, webpack 5,
# esbuild with a loader) and a plain <script type="module"> both understand that.
# --no-pack: the package.json at the repository root is the npm package.
rm -rf pkg # wasm-pack leaves files of earlier builds (snippets) behind
wasm-pack build . --release --target web --out-dir pkg --no-pack "$@" "${cargo_args[@]}"

# wasm-pack writes a catch-all .gitignore into pkg/, which npm pack would honour
# and so leave the module out of the tarball. The root .gitignore covers pkg/.
rm -f pkg/.gitignore

# The generated glue repeats every Rust doc comment as JSDoc; shipped as is it
# is twice the size of the module's own JS. Minified in place (generated code
# either way); the hand-written js/ files stay readable.
if [ -x node_modules/.bin/esbuild ]; then
  node_modules/.bin/esbuild pkg/pkce_wasm.js --minify --format=esm --log-level=warning --outfile=pkg/pkce_wasm.min.js
  mv pkg/pkce_wasm.min.js pkg/pkce_wasm.js
fi
