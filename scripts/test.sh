#!/usr/bin/env bash
# The whole test suite, from a clean checkout: installs the test identity provider's npm
# packages (pinned by tests/oidc/package-lock.json), then runs every test. The tests start
# the servers they need themselves. `--no-fail-fast`: one failing test binary never hides
# the failures of the others.
#
#   scripts/test.sh               set up, then run the suite once
#   scripts/test.sh --setup-only  set up only (scripts/stress.sh uses it)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "node is required for the oidc-provider end-to-end tests" >&2; exit 1; }
# The TUI smoke test drives the real binary in tmux; the callback page's script is run in
# headless Chromium. Both are installed when missing and apt-get is there; without them
# those tests say SKIPPED.
missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1 \
    || echo "could not install ${missing[*]}: the tests that need them will be skipped" >&2
fi
npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
[ "${1:-}" = "--setup-only" ] && exit 0
cargo test --locked --all-targets --no-fail-fast
