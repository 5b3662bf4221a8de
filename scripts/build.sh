#!/usr/bin/env bash
# Builds the shipped package into pkg/: the wasm module, its JS glue and the
# inline entry's copy of the module. Always the same steps, in this order; a
# missing tool is an error, never a different build:
#   1. cargo (release profile, size-first, std rebuilt, see below) and
#      wasm-bindgen, through wasm-pack;
#   2. wasm-opt from the npm package `binaryen` (Debian's wasm-opt 108 has
#      produced async wasm-bindgen modules that fail at instantiation), then
#      short import and export names (scripts/shorten-names.mjs);
#   3. the generated glue minified with esbuild;
#   4. pkg/pkce_wasm_inline.js, the module as base64 for `pkce-wasm/inline`.
# The toolchain is the one rust-toolchain.toml pins (with rust-src);
# scripts/setup.sh installs it. pkg/ is generated, never edited, never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

wasm_opt=node_modules/.bin/wasm-opt
esbuild=node_modules/.bin/esbuild
for tool in "$wasm_opt" "$esbuild"; do
  if [ ! -x "$tool" ]; then
    echo "build.sh: $tool is missing: run 'bash scripts/setup.sh' (or 'npm ci') first" >&2
    exit 1
  fi
done
if ! rustup component list --installed | grep -q '^rust-src'; then
  echo "build.sh: the rust-src component is missing: run 'bash scripts/setup.sh' first" >&2
  exit 1
fi

# The standard library is rebuilt for the module (-Zbuild-std, unlocked on the
# pinned stable toolchain by RUSTC_BOOTSTRAP for this build only; the crate
# itself uses no unstable feature):
# - panics compile to a bare trap (-Cpanic=immediate-abort): no panic
#   messages or formatting machinery; no input can panic the module by
#   design, this only changes what an impossible panic costs in bytes;
# - Debug formatting and source locations, which only such a panic would
#   print, are dropped (-Zfmt-debug=none, -Zlocation-detail=none);
# - std's `optimize_for_size` variants;
# - no reference types: wasm-bindgen then keeps JS values in a table of the
#   glue instead of threading externref shims through every export (smaller
#   module, slightly larger glue);
# - getrandom's browser backend (crypto.getRandomValues), which
#   .cargo/config.toml sets for other builds and RUSTFLAGS would override.
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS='-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none -Ctarget-feature=-reference-types --cfg getrandom_backend="wasm_js"'
# Its own target directory, so tests and this build do not evict each other.
export CARGO_TARGET_DIR="$PWD/target/pkg"

# --target web: an ES module whose default export fetches and instantiates the
# .wasm next to it via `new URL(…, import.meta.url)`; bundlers (Vite, webpack 5,
# esbuild with a loader) and a plain <script type="module"> both understand that.
# --no-pack: the package.json at the repository root is the npm package.
# wasm-pack's own wasm-opt run is off (Cargo.toml): step 2 runs the pinned one.
rm -rf pkg # wasm-pack leaves files of earlier builds behind
wasm-pack build . --release --target web --out-dir pkg --no-pack "$@" \
  -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
# wasm-pack writes a catch-all .gitignore into pkg/, which npm pack would
# honour and so leave the module out of the tarball. The root .gitignore
# covers pkg/.
rm -f pkg/.gitignore

# -Oz --converge: shrink until it stops shrinking. -ocimfs 10: a function with
# one caller is inlined only when small (inlining the large ones made the
# module smaller raw but larger gzipped). --low-memory-unused: the stack sits
# at the bottom of memory and its first KiB is never addressed, so constant
# offsets fold into loads and stores. The producers and target-features
# sections are read by nobody after wasm-bindgen.
"$wasm_opt" pkg/pkce_wasm_bg.wasm -o pkg/pkce_wasm_bg.wasm \
  -Oz -ocimfs 10 --converge --low-memory-unused \
  --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-multivalue

# Short import and export names in the module and the glue (see the script).
# pkce_wasm_bg.wasm.d.ts would still list the long ones; nothing reads it for
# --target web.
node scripts/shorten-names.mjs "$wasm_opt" pkg/pkce_wasm_bg.wasm pkg/pkce_wasm.js
rm -f pkg/pkce_wasm_bg.wasm.d.ts

# One function added to the glue for js/index.js, which starts the module's
# request and its streaming compilation as soon as the entry is evaluated
# instead of when init() is first called. It sits here because the URL must be
# the glue's own `new URL("pkce_wasm_bg.wasm", import.meta.url)`: bundlers
# rewrite that pattern to wherever they put the asset, and in a bundle without
# asset handling (the .wasm copied next to it) a path written relative to
# js/index.js would point elsewhere.
cat >> pkg/pkce_wasm.js <<'GLUE'

/** Fetches and compiles the module from where `init()` would look for it. */
export function compileDefault() {
  return WebAssembly.compileStreaming(fetch(new URL("pkce_wasm_bg.wasm", import.meta.url)));
}
GLUE

# The generated glue repeats every Rust doc comment as JSDoc; shipped as is it
# would be most of the JS. Minified in place: it is generated code either way.
"$esbuild" pkg/pkce_wasm.js --minify --format=esm --log-level=warning --outfile=pkg/pkce_wasm.min.js
mv pkg/pkce_wasm.min.js pkg/pkce_wasm.js

# The inline entry (js/inline.js) carries the module as base64, for apps that
# would rather not serve a second file: generated from the .wasm just built.
node -e '
const fs = require("fs");
const b64 = fs.readFileSync("pkg/pkce_wasm_bg.wasm").toString("base64");
fs.writeFileSync("pkg/pkce_wasm_inline.js", `// Generated by scripts/build.sh: pkce_wasm_bg.wasm as base64.\nexport default "${b64}";\n`);
'
