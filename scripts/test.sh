#!/usr/bin/env bash
# The whole test suite, from a clean checkout: installs the test identity provider's npm
# packages (pinned by tests/oidc/package-lock.json), then runs every test. The tests start
# the servers they need themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "node is required for the oidc-provider end-to-end tests" >&2; exit 1; }
# The TUI smoke test drives the real binary in tmux.
if ! command -v tmux >/dev/null && command -v apt-get >/dev/null; then
  (apt-get install -y -qq tmux >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq tmux; }) || echo "tmux could not be installed: the tmux smoke test will be skipped" >&2
fi
npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
cargo test --locked --all-targets
