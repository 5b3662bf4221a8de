#!/usr/bin/env bash
# The whole test suite, as README.md gives it: installs what is missing, then
# lint → native unit tests → release build + size budget → browser tests
# (Chrome and Firefox) → package test → end-to-end and hybrid-app tests against
# a real OpenID provider in headless Chromium, and every JS example of
# README.md run the same way. Every suite runs even when an
# earlier one failed; the exit status is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh || { echo "setup failed" >&2; exit 1; }

passed=0
failed=0
failures=()
suite() {
  local name=$1
  shift
  printf '\n\033[1;34m=== %s\033[0m\n' "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
}

suite "cargo fmt --check" cargo fmt --check
suite "cargo clippy (native)" cargo clippy --all-targets --quiet -- -D warnings
suite "cargo clippy (wasm32)" cargo clippy --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
suite "unit tests (native)" cargo test --quiet
if suite "release build" bash scripts/build.sh; then :; fi
suite "size budget" node scripts/size.mjs
suite "browser tests (wasm-pack test: Chrome, Firefox)" bash tests/support/run-browser-tests.sh
suite "package test (npm pack, plain <script type=module>)" node --test tests/package/
suite "TypeScript declarations (an app in strict mode)" node --test tests/types/
suite "end-to-end (demo against node-oidc-provider)" node --test --test-concurrency=1 tests/e2e/
suite "OIDC and sessions (discovery, ID tokens, refresh, logout)" node --test --test-concurrency=1 tests/oidc/
suite "hybrid apps (Capacitor, Cordova)" node --test --test-concurrency=1 tests/hybrid/
suite "README examples (every JS block, against the local provider)" node --test --test-concurrency=1 tests/readme/

echo
if [ "$failed" -gt 0 ]; then
  printf 'failed suites: %s\n' "${failures[*]}"
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
