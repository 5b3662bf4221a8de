#!/usr/bin/env bash
# `npm run demo`: installs what is missing, builds the package, then serves the
# demo page, a local OpenID provider and a protected API on 127.0.0.1 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

# The demo needs no Firefox; skipping it saves a geckodriver build on a fresh machine.
WITH_FIREFOX="${WITH_FIREFOX:-0}" bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/demo.mjs
