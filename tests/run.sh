#!/usr/bin/env bash
# Runs the test suites: unit (cmocka binaries in $BUILD/tests) and
# integration (every executable tests/*/test_*.{py,sh}: they start the real
# binaries on loopback).  Each test is bounded by a timeout.  Prints one line
# per test and a closing "N passed, N failed".  Python tests import their
# fixtures (tests/lib: harness, sim, mmdrun, rpc, fakemmd, clients) through
# PYTHONPATH, set here.
#   tests/run.sh [unit|integration] [NAME-FILTER]
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD MMD_BUILD="$PWD/$BUILD"
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
what=${1:-all}
filter=${2:-}
pass=0; fail=0; failed=()
logdir="$BUILD/test-logs"; mkdir -p "$logdir"

run_one() {  # name, timeout, command...
  local name=$1 t=$2; shift 2
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && return
  local log="$logdir/$(basename "$name").log" start=$SECONDS
  if timeout -k 5 "$t" "$@" >"$log" 2>&1; then
    pass=$((pass+1)); printf 'PASS %-48s %3ds\n' "$name" $((SECONDS-start))
  else
    fail=$((fail+1)); failed+=("$name")
    printf 'FAIL %-48s %3ds (log: %s)\n' "$name" $((SECONDS-start)) "$log"
    tail -n 30 "$log" | sed 's/^/    | /'
  fi
}

if [ "$what" = all ] || [ "$what" = unit ]; then
  for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "unit/$(basename "$t")" 120 "$t"
  done
fi
if [ "$what" = all ] || [ "$what" = integration ] || [ "$what" = e2e ]; then
  for t in tests/*/test_*.py tests/*/test_*.sh; do
    [ -x "$t" ] || continue
    run_one "$t" 300 "$t"
  done
fi
echo
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
