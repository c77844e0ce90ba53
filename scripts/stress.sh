#!/usr/bin/env bash
# Runs the whole suite N times in a row to show it does not flake: sets up once (as
# scripts/test.sh does), builds once, then `cargo test --no-fail-fast` N times. Every run is
# made, whatever the earlier ones did. At the end: one line per run, then "P passed, F
# failed" alone on a line; exits 1 when any run failed. A failed run's whole output stays in
# target/stress/run-K.log (a passed run's log is removed).
#
#   scripts/stress.sh N
set -uo pipefail
cd "$(dirname "$0")/.."

runs="${1:-}"
case "$runs" in
  '' | *[!0-9]*) echo "usage: scripts/stress.sh N   (N ≥ 1 runs of the whole suite)" >&2; exit 2 ;;
esac
runs=$((10#$runs))
[ "$runs" -ge 1 ] || { echo "usage: scripts/stress.sh N   (N ≥ 1 runs of the whole suite)" >&2; exit 2; }

scripts/test.sh --setup-only || { echo "setup failed" >&2; exit 1; }
cargo test --locked --all-targets --no-run || { echo "build failed" >&2; exit 1; }

logs=target/stress
mkdir -p "$logs"
rm -f "$logs"/run-*.log
summary=()
passed=0
failed=0
for ((k = 1; k <= runs; k++)); do
  log="$logs/run-$k.log"
  echo "run $k/$runs …" >&2
  start=$SECONDS
  cargo test --locked --all-targets --no-fail-fast >"$log" 2>&1
  status=$?
  took=$((SECONDS - start))
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    summary+=("run $k: passed (${took}s)")
    rm -f "$log"
  else
    failed=$((failed + 1))
    # The failing tests as cargo names them ("test NAME ... FAILED"), else the exit status.
    names=$(sed -n 's/^test \(.*\) \.\.\. FAILED$/\1/p' "$log" | sort -u | paste -sd ' ' -)
    summary+=("run $k: FAILED (${took}s, exit $status) ${names:-(no test named; see the log)}; output in $log")
  fi
done

printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
