#!/usr/bin/env bash
# Writes scripts/link-order.txt: the functions that `decode` and a cached `token` run, in the
# order they first run. build.rs hands the file to the linker (lld's --symbol-ordering-file)
# for release builds on GNU/Linux, so the start-up and decode code sits in a few adjacent
# pages instead of being spread through the binary: the kernel maps file pages 64 KB at a
# time around each fault, so scattered code costs resident memory for the same work.
#
#   scripts/link-order.sh [--map FILE]
#
#   --map FILE   use the release binary as built, with this link map of it (skips the build)
#
# Re-run it after a dependency or toolchain update (symbol names carry a hash that changes
# then; names the linker does not find are ignored, so a stale file only orders less).
# Needs: cargo, python3, valgrind (apt package `valgrind`: its lackey tool lists every block
# of code run, in the order run). Writes nothing outside the target directory but the file.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$TARGET"
WORK=$(mktemp -d "$TARGET/link-order.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install -y valgrind)" >&2; exit 2; }

# The same release build, plus a link map (build.rs) to name the code at each address.
MAP=$WORK/tokenbench.map
if [ "${1:-}" = --map ]; then
  MAP=$2
else
  echo "• cargo build --release (with a link map)" >&2
  TOKENBENCH_LINK_MAP=$MAP cargo build --release --quiet
fi
TB=$TARGET/release/tokenbench

# Inputs: a ~100 KB JWT (as scripts/bench.sh makes it) and a home with a valid cached token.
python3 - "$WORK" <<'EOF'
import base64, json, os, sys, time
work = sys.argv[1]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
header = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "k1"}).encode())
sig = b64(bytes([7]) * 256)
groups = [f"grp-{i:05}-engineering-platform-readers" for i in range(2000)]
claims = {"iss": "https://idp.example", "sub": "alice", "aud": "my-app", "exp": now + 3600,
          "iat": now, "name": "Alice Example", "email": "alice@example.com", "groups": groups}
token = f"{header}.{b64(json.dumps(claims).encode())}.{sig}"
open(f"{work}/token", "w").write(token)
home = f"{work}/home"
profiles = f"{home}/config/tokenbench/profiles"
os.makedirs(profiles)
open(f"{profiles}/p.toml", "w").write(
    'issuer = "http://127.0.0.1:9"\ncallback_url = "http://127.0.0.1:8400/callback"\n'
    'client_id = "app"\nscope = "openid offline_access"\ncache_tokens = true\n')
cache = f"{home}/data/tokenbench/cache"
os.makedirs(cache)
response = {"access_token": "at", "token_type": "Bearer", "expires_in": 3600,
            "scope": "openid offline_access", "refresh_token": "rt", "id_token": token}
json.dump({"format": 1, "profile": "p", "issuer": "http://127.0.0.1:9", "client_id": "app",
           "token_endpoint": "http://127.0.0.1:9/token", "received_at": now,
           "response": response}, open(f"{cache}/p.json", "w"))
EOF
TOKEN=$(cat "$WORK/token")
H=$WORK/home
trace() {
  local name=$1
  shift
  env HOME="$H" XDG_CONFIG_HOME="$H/config" XDG_DATA_HOME="$H/data" XDG_STATE_HOME="$H/state" \
    XDG_CACHE_HOME="$H/cache" valgrind --tool=lackey --trace-superblocks=yes \
    --log-file="$WORK/$name.trace" "$@" >/dev/null 2>&1 </dev/null || true
}
echo "• tracing decode and token" >&2
trace 1-decode "$TB" decode "$TOKEN"
trace 2-decode-json "$TB" decode --json "$TOKEN"
trace 3-token "$TB" token --profile p --no-browser
trace 4-token-json "$TB" token --profile p --no-browser --format json
trace 5-token-exec "$TB" token --profile p --no-browser --format exec-credential

python3 "$ROOT/scripts/link-order.py" "$TB" "$MAP" "$WORK"/*.trace \
  >"$ROOT/scripts/link-order.txt"
echo "• wrote scripts/link-order.txt ($(wc -l <"$ROOT/scripts/link-order.txt") functions)" >&2
