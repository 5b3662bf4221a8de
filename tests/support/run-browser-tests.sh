#!/usr/bin/env bash
# The browser tests (tests/browser_*.rs): starts tests/support/server.mjs on a
# free port, then `wasm-pack test --headless` in Chrome and in Firefox. Both
# browsers run even if the first fails; the exit status is non-zero if either
# did. Prints "<browser>: N passed, N failed" at the end.
#
#   bash tests/support/run-browser-tests.sh            # Chrome and Firefox
#   bash tests/support/run-browser-tests.sh --test browser_storage   # one file
#   BROWSERS=chrome bash tests/support/run-browser-tests.sh
#   PKCE_TEST_ROOT=/some/dir …   serve pkg/ and js/ from there instead of this
#                                repository (an installed or modified copy)
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

BROWSERS=${BROWSERS:-"chrome firefox"}

# The tests import the package from the server, so it must be built.
root=${PKCE_TEST_ROOT:-$PWD}
if [ -z "${PKCE_TEST_ROOT:-}" ] && { [ ! -f pkg/pkce_wasm_bg.wasm ] || [ ! -f pkg/pkce_wasm.js ]; }; then
  bash scripts/build.sh || exit 1
fi

log=$(mktemp)
node tests/support/server.mjs --port "${PKCE_TEST_PORT:-0}" --root "$root" >"$log" 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^listening \([0-9][0-9]*\)$/\1/p' "$log")
  [ -n "$port" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "tests/support/server.mjs did not start:" >&2
  cat "$log" >&2
  exit 1
fi
# Read by the tests at compile time (option_env!); a new port recompiles only them.
export PKCE_TEST_SERVER="http://127.0.0.1:$port"
# The default (20 s for a whole test binary) is too short on a busy 2-core machine.
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-180}
echo "test server: $PKCE_TEST_SERVER"

# One wasm-pack run per test file: cargo test stops at the first failing
# binary, and --no-fail-fast cannot be passed through wasm-pack (it hands its
# extra arguments to `cargo build` as well).
if [ $# -gt 0 ]; then
  targets=("$*")
else
  # --lib: the crate's own unit tests, run again in the browser's wasm engine.
  targets=("--lib")
  for f in tests/browser_*.rs; do
    targets+=("--test $(basename "$f" .rs)")
  done
fi

status=0
summary=()
for browser in $BROWSERS; do
  case $browser in
    chrome) export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} ;;
    firefox)
      GECKODRIVER=${GECKODRIVER:-$(command -v geckodriver)}
      export GECKODRIVER
      ;;
  esac
  passed=0
  failed=0
  broken=()
  for t in "${targets[@]}"; do
    printf '\n=== %s: wasm-pack test --headless --%s %s\n' "$browser" "$browser" "$t"
    out=$(mktemp)
    # shellcheck disable=SC2086 # $t is a list of arguments
    wasm-pack test --headless "--$browser" $t 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    # "test result: ok. 14 passed; 0 failed; …" (one line per test binary)
    p=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed; \([0-9][0-9]*\) failed.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed; \([0-9][0-9]*\) failed.*/\2/p' "$out" | awk '{s+=$1} END {print s+0}')
    rm -f "$out"
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ]; then
      status=1
      broken+=("$t")
    fi
  done
  line="$browser: $passed passed, $failed failed"
  [ ${#broken[@]} -gt 0 ] && line+=" (failing: ${broken[*]})"
  summary+=("$line")
done

echo
printf 'browser tests %s\n' "${summary[@]}"
exit $status
