#!/usr/bin/env bash
# Installs every tool the build, the tests and the demo need, skipping what is
# already present, so a second run takes seconds. Safe to run as root (CI) or
# as a user with sudo.
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130   # must equal the `wasm-bindgen = "=…"` pin in Cargo.toml
WASM_PACK_VERSION=0.15.1
WITH_FIREFOX=${WITH_FIREFOX:-1}

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

apt_pkgs=()
command -v chromium >/dev/null || apt_pkgs+=(chromium)
command -v chromedriver >/dev/null || apt_pkgs+=(chromium-driver)
if [ "$WITH_FIREFOX" = 1 ]; then
  command -v firefox-esr >/dev/null || command -v firefox >/dev/null || apt_pkgs+=(firefox-esr)
fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  say "apt-get install ${apt_pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
fi

# The toolchain rust-toolchain.toml pins, with its components (rustfmt,
# clippy, rust-src for the build's std rebuild) and the wasm32 target. rustup
# installs whatever of it is missing and does nothing otherwise.
if ! rustup show active-toolchain >/dev/null 2>&1 ||
  ! rustup component list --installed 2>/dev/null | grep -q '^rust-src' ||
  ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup toolchain install (rust-toolchain.toml)"
  rustup toolchain install
fi

# wasm-pack would download wasm-bindgen-cli from the internet unless the exact
# version the crate pins is on PATH; build it from crates.io instead.
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (several minutes, once)"
  # --locked can name a crate version the registry has since yanked; fall back
  # to a fresh resolution in that case.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked ||
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if ! command -v wasm-pack >/dev/null; then
  say "cargo install wasm-pack (several minutes, once)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked ||
    cargo install wasm-pack --version "$WASM_PACK_VERSION"
fi
if [ "$WITH_FIREFOX" = 1 ] && ! command -v geckodriver >/dev/null; then
  say "cargo install geckodriver (several minutes, once)"
  cargo install geckodriver --locked || cargo install geckodriver
fi

if [ -f package.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "npm ci"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
say "tools ready"
