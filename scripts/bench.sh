#!/usr/bin/env bash
# Measures tokenbench against a peer measured in the same run, and prints one table.
#
#   scripts/bench.sh [--cold] [--runs N] [--skip-tui] [--skip-flow]
#
#   --cold       also time a cold `cargo build --release` (a separate target dir; minutes)
#   --runs N     runs of each side for the flow and the RSS figures (default 5; median shown)
#
# Needs: cargo, python3, node + npm, tmux; /usr/bin/time (apt package `time`) for peak RSS;
# hyperfine if installed (else a `date +%s%N` loop). Installs, under target/bench-tools/ only:
# jwt-cli (cargo install --locked), a Python venv with authlib and requests, and runs
# `npm ci --prefix tests/oidc` when tests/oidc/node_modules is missing.
# Writes nothing outside the target directory.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
TOOLS=$TARGET/bench-tools
WORK=$(mktemp -d "$TARGET/bench-run.XXXXXX" 2>/dev/null || { mkdir -p "$TARGET" && mktemp -d "$TARGET/bench-run.XXXXXX"; })
COLD=0
RUNS=5
SKIP_TUI=0
SKIP_FLOW=0
while [ $# -gt 0 ]; do
  case $1 in
    --cold) COLD=1 ;;
    --runs) RUNS=$2; shift ;;
    --skip-tui) SKIP_TUI=1 ;;
    --skip-flow) SKIP_FLOW=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

PIDS=()
SOCKET="tb-bench-$$"
export TMUX_TMPDIR=$WORK # the tmux sockets too stay under target/
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  tmux -L "$SOCKET" kill-server 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "• $*" >&2; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "NA"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a=="NA" || b=="NA" || b==0) print "—"; else printf "%.2f×", a/b }'; }
ms() { awk -v x="$1" 'BEGIN { if (x=="NA") print "NA"; else printf "%.1f ms", x }'; }
mb() { awk -v x="$1" 'BEGIN { if (x=="NA") print "NA"; else printf "%.1f MB", x/1024 }'; }

# Appends one run's wall time in µs to $1; bash's clock, so no process is forked for it.
time_us() {
  local out=$1 s e
  shift
  s=${EPOCHREALTIME/[.,]/}
  "$@" >/dev/null 2>&1 || true
  e=${EPOCHREALTIME/[.,]/}
  echo $((e - s)) >>"$out"
}

ROWS=()
row() { ROWS+=("$1|$2|$3|$4|$5"); }

# ---- build and tools -----------------------------------------------------------------------
log "cargo build --release"
cargo build --release --quiet
TB=$TARGET/release/tokenbench

if [ ! -x "$TOOLS/bin/jwt" ]; then
  log "installing jwt-cli into $TOOLS"
  cargo install jwt-cli --locked --quiet --root "$TOOLS"
fi
JWT=$TOOLS/bin/jwt
HAVE_TIME=0
[ -x /usr/bin/time ] && HAVE_TIME=1
[ $HAVE_TIME = 1 ] || log "no /usr/bin/time (apt-get install -y time): decode RSS not measured"

# Peak RSS (KB) of one command, median of $RUNS.
peak_rss() {
  local i
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
    tail -1 "$WORK/rss"
  done | median
}

# ---- decode a ~100 KB JWT ------------------------------------------------------------------
python3 - "$WORK/token" <<'EOF'
import base64, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = 1795999218
header = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "k1"}).encode())
sig = b64(bytes([7]) * 256)
groups = []
while True:
    claims = {"iss": "https://idp.example", "sub": "alice", "aud": "my-app", "exp": now + 3600,
              "iat": now, "name": "Alice Example", "email": "alice@example.com", "groups": groups}
    token = f"{header}.{b64(json.dumps(claims).encode())}.{sig}"
    if len(token) >= 100 * 1024:
        break
    groups.append(f"grp-{len(groups):05}-engineering-platform-readers")
open(sys.argv[1], "w").write(token)
EOF
TOKEN=$(cat "$WORK/token")
log "decode: a ${#TOKEN}-byte JWT"
"$TB" decode "$TOKEN" >/dev/null
"$JWT" decode "$TOKEN" >/dev/null

if command -v hyperfine >/dev/null; then
  WALL_HOW=hyperfine
  hyperfine -N --warmup 3 --runs 30 --style none --export-json "$WORK/decode.json" \
    -n tokenbench "$TB decode $TOKEN" -n jwt-cli "$JWT decode $TOKEN" >/dev/null
  read -r TB_DEC JWT_DEC < <(python3 -c '
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
print(r["tokenbench"], r["jwt-cli"])' "$WORK/decode.json")
else
  WALL_HOW="shell loop"
  : >"$WORK/tb.us"; : >"$WORK/jwt.us"
  for _ in $(seq 30); do # interleaved, so load hits both alike
    time_us "$WORK/tb.us" "$TB" decode "$TOKEN"
    time_us "$WORK/jwt.us" "$JWT" decode "$TOKEN"
  done
  TB_DEC=$(awk '{print $1/1000}' "$WORK/tb.us" | median)
  JWT_DEC=$(awk '{print $1/1000}' "$WORK/jwt.us" | median)
fi
row "decode 100 KB JWT: wall time ($WALL_HOW, median)" "$(ms "$TB_DEC")" "$(ms "$JWT_DEC") (jwt-cli)" "$(ratio "$TB_DEC" "$JWT_DEC")" "≤ 1.0×"
if [ $HAVE_TIME = 1 ]; then
  TB_DRSS=$(peak_rss "$TB" decode "$TOKEN")
  JWT_DRSS=$(peak_rss "$JWT" decode "$TOKEN")
  row "decode 100 KB JWT: peak RSS" "$(mb "$TB_DRSS")" "$(mb "$JWT_DRSS") (jwt-cli)" "$(ratio "$TB_DRSS" "$JWT_DRSS")" "≤ 1.0×"
fi

# ---- token from the cache ------------------------------------------------------------------
# One sign-in at the embedded IdP (approved by a scripted browser) writes the cache file;
# then the IdP is stopped, so its port is closed: `token` must serve the cached token
# without the network (any attempt would fail, loudly), and is timed against `cat` of the
# same file, whole process each.
TOK_HOME=$WORK/tokhome
mkdir -p "$TOK_HOME/config" "$TOK_HOME/data"
tok_env() {
  env HOME="$TOK_HOME" XDG_CONFIG_HOME="$TOK_HOME/config" XDG_DATA_HOME="$TOK_HOME/data" \
    XDG_CACHE_HOME="$TOK_HOME/cache" XDG_STATE_HOME="$TOK_HOME/state" "$@"
}
cat >"$WORK/approve.py" <<'EOF'
# A browser for the embedded IdP's consent page: approve, then follow to the callback.
import re, sys, urllib.parse, urllib.request
url = sys.argv[-1]
page = urllib.request.urlopen(url, timeout=10).read().decode()
handle = re.search(r'name="handle" value="([^"]*)"', page).group(1)
base = urllib.parse.urlsplit(url)
decision = f"{base.scheme}://{base.netloc}/authorize/decision"
body = urllib.parse.urlencode({"handle": handle, "decision": "approve"}).encode()
urllib.request.urlopen(decision, data=body, timeout=10).read()
EOF
tok_env "$TB" idp --port 0 >"$WORK/tokidp.out" 2>"$WORK/tokidp.err" &
TOK_IDP=$!
PIDS+=($TOK_IDP)
for _ in $(seq 100); do [ -s "$WORK/tokidp.out" ] && break; sleep 0.1; done
TOK_ISSUER=$(head -1 "$WORK/tokidp.out")
[ -n "$TOK_ISSUER" ] || { cat "$WORK/tokidp.err" >&2; echo "tokenbench idp did not start" >&2; exit 1; }
TOK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/token.toml" <<EOF
name = "bench-token"
issuer = "$TOK_ISSUER"
callback_url = "http://127.0.0.1:$TOK_PORT/callback"
auth_url = "$TOK_ISSUER/authorize"
token_url = "$TOK_ISSUER/token"
client_id = "tokenbench-demo"
scope = "openid offline_access"
cache_tokens = true
EOF
log "token: one sign-in at $TOK_ISSUER fills the cache, then the IdP stops"
tok_env BROWSER="python3 $WORK/approve.py" "$TB" run --profile "$WORK/token.toml" --json --timeout 30 \
  >"$WORK/tokrun.json" 2>"$WORK/tokrun.err" \
  || { cat "$WORK/tokrun.err" >&2; echo "the sign-in for the token row failed" >&2; exit 1; }
kill "$TOK_IDP" 2>/dev/null || true
wait "$TOK_IDP" 2>/dev/null || true
CACHE_FILE=$(ls "$TOK_HOME"/data/tokenbench/cache/*.json 2>/dev/null | head -1)
[ -n "$CACHE_FILE" ] || { echo "the sign-in wrote no cache file" >&2; exit 1; }
TOK_CMD=("$TB" token --profile "$WORK/token.toml")
# The environment is set once for the loop (not by `env` per run, which would be timed too).
tok_loop() {
  export HOME="$TOK_HOME" XDG_CONFIG_HOME="$TOK_HOME/config" XDG_DATA_HOME="$TOK_HOME/data" \
    XDG_CACHE_HOME="$TOK_HOME/cache" XDG_STATE_HOME="$TOK_HOME/state"
  "${TOK_CMD[@]}" >"$WORK/tok.out" 2>"$WORK/tok.err" && [ -s "$WORK/tok.out" ] || return 1
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs 50 --style none --export-json "$WORK/token.json" \
      -n tokenbench "${TOK_CMD[*]}" -n cat "cat $CACHE_FILE" >/dev/null
    python3 -c '
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
print(r["tokenbench"], r["cat"])' "$WORK/token.json"
  else
    : >"$WORK/tok.us"; : >"$WORK/cat.us"
    for _ in $(seq 50); do # interleaved, so load hits both alike
      time_us "$WORK/tok.us" "${TOK_CMD[@]}"
      time_us "$WORK/cat.us" cat "$CACHE_FILE"
    done
    echo "$(awk '{print $1/1000}' "$WORK/tok.us" | median) $(awk '{print $1/1000}' "$WORK/cat.us" | median)"
  fi
}
if read -r TB_TOK CAT_TOK < <(tok_loop) && [ -n "${CAT_TOK:-}" ]; then
  row "token --profile P from the cache, IdP down: wall time ($WALL_HOW, median)" "$(ms "$TB_TOK")" "$(ms "$CAT_TOK") (cat of the cache file)" "$(ratio "$TB_TOK" "$CAT_TOK")" "< 3 ms wall"
else
  log "token from the cache failed with the IdP down: $(head -c 300 "$WORK/tok.err")"
  row "token --profile P from the cache, IdP down: wall time" "failed (exit ≠ 0)" "—" "—" "< 3 ms wall"
fi

# ---- the headless flow against oidc-provider -----------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# "cpu_ms rss_kb" from a rusage line on stderr.
rusage_of() { sed -n 's/.*-rusage: utime_us=\([0-9]*\) stime_us=\([0-9]*\) maxrss_kb=\([0-9]*\).*/\1 \2 \3/p' "$1" | awk '{printf "%.2f %d\n", ($1+$2)/1000, $3}'; }

if [ $SKIP_FLOW = 0 ]; then
  [ -d tests/oidc/node_modules/oidc-provider ] || { log "npm ci --prefix tests/oidc"; npm ci --prefix tests/oidc --silent; }
  VENV=$TOOLS/venv
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import authlib, requests' 2>/dev/null; then
    log "creating a venv with authlib and requests in $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet authlib requests
  fi
  node tests/oidc/server.mjs --port 0 --ignore-stdin >"$WORK/idp.out" 2>"$WORK/idp.err" &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q issuer "$WORK/idp.out" 2>/dev/null && break; sleep 0.1; done
  ISSUER=$(sed -n 's/.*"issuer":"\([^"]*\)".*/\1/p' "$WORK/idp.out")
  [ -n "$ISSUER" ] || { cat "$WORK/idp.err" >&2; echo "the test IdP did not start" >&2; exit 1; }
  log "flow: oidc-provider at $ISSUER, $RUNS runs each, interleaved"
  export BROWSER="node $ROOT/tests/oidc/browser.mjs"
  HOME_DIR=$WORK/home
  mkdir -p "$HOME_DIR"
  : >"$WORK/tb.flow"; : >"$WORK/py.flow"
  for i in $(seq "$RUNS"); do
    port=$(free_port)
    cat >"$WORK/profile.toml" <<EOF
name = "bench"
issuer = "$ISSUER"
grant_type = "authorization_code"
callback_url = "http://127.0.0.1:$port/callback"
auth_url = "$ISSUER/auth"
token_url = "$ISSUER/token"
client_id = "tb-public"
code_challenge_method = "S256"
scope = "openid offline_access"

[auth_params]
prompt = "consent"
EOF
    HOME=$HOME_DIR XDG_CONFIG_HOME=$HOME_DIR/config XDG_CACHE_HOME=$HOME_DIR/cache \
      XDG_STATE_HOME=$HOME_DIR/state XDG_DATA_HOME=$HOME_DIR/data TOKENBENCH_RUSAGE=1 \
      "$TB" run --profile "$WORK/profile.toml" --json --timeout 30 >"$WORK/tb.json" 2>"$WORK/tb.err" \
      || { cat "$WORK/tb.err" >&2; echo "tokenbench run failed" >&2; exit 1; }
    rusage_of "$WORK/tb.err" >>"$WORK/tb.flow"
    port=$(free_port)
    "$VENV/bin/python" scripts/bench_authlib.py "$ISSUER" tb-public "http://127.0.0.1:$port/callback" \
      "openid offline_access" >/dev/null 2>"$WORK/py.err" \
      || { cat "$WORK/py.err" >&2; echo "the authlib script failed" >&2; exit 1; }
    rusage_of "$WORK/py.err" >>"$WORK/py.flow"
  done
  TB_FCPU=$(cut -d' ' -f1 "$WORK/tb.flow" | median); PY_FCPU=$(cut -d' ' -f1 "$WORK/py.flow" | median)
  TB_FRSS=$(cut -d' ' -f2 "$WORK/tb.flow" | median); PY_FRSS=$(cut -d' ' -f2 "$WORK/py.flow" | median)
  row "headless flow, oidc-provider: own CPU (user+sys)" "$(ms "$TB_FCPU")" "$(ms "$PY_FCPU") (authlib)" "$(ratio "$TB_FCPU" "$PY_FCPU")" "< 20 ms"
  row "headless flow, oidc-provider: own peak RSS" "$(mb "$TB_FRSS")" "$(mb "$PY_FRSS") (authlib)" "$(ratio "$TB_FRSS" "$PY_FRSS")" "< 15 MB"
fi

# ---- the TUI in tmux -----------------------------------------------------------------------
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
tmux_wait() { # text timeout_s -> ms waited, or fails
  local start end; start=$(now_ms); end=$(( start + $2 * 1000 ))
  while [ "$(now_ms)" -lt $end ]; do
    if tmux -L "$SOCKET" capture-pane -p -t 0 2>/dev/null | grep -qF "$1"; then echo $(( $(now_ms) - start )); return 0; fi
    sleep 0.01
  done
  return 1
}
LAUNCH=0
tmux_start() { # command; a new server (socket) for each launch
  LAUNCH=$((LAUNCH + 1)); SOCKET="tb-bench-$$-$LAUNCH"
  tmux -L "$SOCKET" -f /dev/null new-session -d -x 200 -y 60 \
    -e "HOME=$WORK/tuihome" -e "XDG_CONFIG_HOME=$WORK/tuihome/config" -e TERM=xterm-256color \
    -c "$WORK/tuihome" "$1"
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

if [ $SKIP_TUI = 0 ] && command -v tmux >/dev/null; then
  mkdir -p "$WORK/tuihome"
  log "TUI: first frame ($RUNS launches each, tmux 200×60), then 10 s idle with tokens shown"
  : >"$WORK/ff.tb"; : >"$WORK/ff.sh"
  for i in $(seq "$RUNS"); do
    start=$(now_ms)
    tmux_start "exec $TB demo"
    tmux_wait "Code Challenge Method" 10 >/dev/null
    echo $(( $(now_ms) - start )) >>"$WORK/ff.tb"
    tmux -L "$SOCKET" kill-server 2>/dev/null || true
    start=$(now_ms)
    tmux_start "printf 'Code Challenge Method\n'; exec sleep 30"
    tmux_wait "Code Challenge Method" 10 >/dev/null
    echo $(( $(now_ms) - start )) >>"$WORK/ff.sh"
    tmux -L "$SOCKET" kill-server 2>/dev/null || true
  done
  TB_FF=$(median <"$WORK/ff.tb"); SH_FF=$(median <"$WORK/ff.sh")
  row "TUI: time to first frame (launch → form on screen)" "$(ms "$TB_FF")" "$(ms "$SH_FF") (printf in tmux)" "$(ratio "$TB_FF" "$SH_FF")" "—"

  tmux_start "TOKENBENCH_RUSAGE=1 exec $TB demo 2>$WORK/tui.err"
  tmux_wait "Code Challenge Method" 10 >/dev/null
  PID=$(tmux -L "$SOCKET" display -p -t 0 '#{pane_pid}')
  tmux -L "$SOCKET" send-keys -t 0 C-r
  tmux_wait "ID token claims" 15 >/dev/null
  sleep 1
  HZ=$(getconf CLK_TCK)
  t0=$(ticks "$PID"); sleep 10; t1=$(ticks "$PID")
  IDLE_MS=$(awk -v d=$((t1 - t0)) -v hz="$HZ" 'BEGIN { printf "%.0f", d * 1000 / hz }')
  TUI_RSS=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
  tmux -L "$SOCKET" send-keys -t 0 C-q
  for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  tmux -L "$SOCKET" kill-server 2>/dev/null || true
  # Peer: the same binary, same embedded IdP and flow, without the TUI.
  : >"$WORK/headless.rss"
  for i in $(seq "$RUNS"); do
    HOME=$WORK/tuihome TOKENBENCH_RUSAGE=1 "$TB" demo --headless >/dev/null 2>"$WORK/headless.err" || true
    rusage_of "$WORK/headless.err" | cut -d' ' -f2 >>"$WORK/headless.rss"
  done
  HL_RSS=$(median <"$WORK/headless.rss")
  row "TUI: CPU over 10 s idle, tokens shown" "$IDLE_MS ms ($(awk -v x="$IDLE_MS" 'BEGIN{printf "%.2f", x/100}')%)" "—" "—" "low"
  row "TUI: peak RSS, tokens shown" "$(mb "$TUI_RSS")" "$(mb "$HL_RSS") (demo --headless)" "$(ratio "$TUI_RSS" "$HL_RSS")" "< 25 MB"
fi

# ---- size and build ------------------------------------------------------------------------
TB_SIZE=$(stat -c %s "$TB"); JWT_SIZE=$(stat -c %s "$JWT")
row "release binary size" "$(awk -v x="$TB_SIZE" 'BEGIN{printf "%.1f MB", x/1048576}')" "$(awk -v x="$JWT_SIZE" 'BEGIN{printf "%.1f MB", x/1048576}') (jwt-cli)" "$(ratio "$TB_SIZE" "$JWT_SIZE")" "—"
if command -v readelf >/dev/null; then
  # Dynamic relocations the loader applies at every start (packed DT_RELR entries not counted).
  relocs() { readelf -rW "$1" 2>/dev/null | grep -c '^[0-9a-f]\{8,\} ' || true; }
  TB_REL=$(relocs "$TB"); JWT_REL=$(relocs "$JWT")
  row "dynamic relocations (readelf -r)" "$TB_REL" "$JWT_REL (jwt-cli)" "$(ratio "$TB_REL" "$JWT_REL")" "—"
fi
if [ $COLD = 1 ]; then
  log "cold cargo build --release (separate target dir)"
  rm -rf "$TARGET/bench-cold"
  s=$(date +%s); cargo build --release --quiet --target-dir "$TARGET/bench-cold"; e=$(date +%s)
  rm -rf "$TARGET/bench-cold"
  row "cold cargo build --release ($(nproc) cores)" "$((e - s)) s" "—" "—" "—"
fi

# ---- the table -----------------------------------------------------------------------------
echo
echo "tokenbench $(git describe --always --dirty 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| measurement | tokenbench | peer (same run) | ratio | target |"
echo "|---|---|---|---|---|"
for r in "${ROWS[@]}"; do
  IFS='|' read -r a b c d e <<<"$r"
  echo "| $a | $b | $c | $d | $e |"
done
