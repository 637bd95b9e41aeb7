#!/bin/sh
# Integration: `mmd -n` on the committed examples (as 0644 files, as in a
# fresh clone), on the demo template once filled in, on a malformed copy
# (exit 1 with FILE:LINE:COL:), and mmd's flag handling (--bogus exits 2,
# --version / --help exit 0).  Uses only files under a private temp dir.
set -u
cd "$(dirname "$0")/../.."
B=${MMD_BUILD:-$PWD/build}
MMD=$B/mmd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; [ -f "$tmp/err" ] && sed 's/^/  | /' "$tmp/err"; exit 1; }
run() { "$MMD" "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }

[ -x "$MMD" ] || fail "no $MMD (build first)"

for f in examples/single_task.yaml examples/multi_account.yaml; do
  cp "$f" "$tmp/ex.yaml" && chmod 644 "$tmp/ex.yaml"
  rc=$(run -n -c "$tmp/ex.yaml"); [ "$rc" = 0 ] || fail "$f: mmd -n exit $rc"
  grep -q 'is valid' "$tmp/out" || fail "$f: no summary"
  grep -q '<placeholder>' "$tmp/out" || fail "$f: placeholders not shown"
  grep -q 'refuse to trade' "$tmp/out" || fail "$f: no placeholder warning"
  echo "ok: $f"
done
rc=$(run --dry-run --config examples/single_task.yaml); [ "$rc" = 0 ] || fail "--dry-run exit $rc"

# the demo template, filled the way the demo script does it
seed=BbMQkQYZspmkytduTWvXEtc4mMURjsekJDvty2WtKeSb
sed -e 's/@PORT@/18080/g' -e 's/@JWT@/header.payload.signature/' -e "s/@KEY@/$seed/" \
    -e "s|@SOCKET@|$tmp/mmd.sock|" examples/demo.yaml >"$tmp/demo.yaml"
chmod 600 "$tmp/demo.yaml"
rc=$(run -n -c "$tmp/demo.yaml"); [ "$rc" = 0 ] || fail "demo template: exit $rc"
grep -q 'jwt <set>' "$tmp/out" || fail "demo: jwt not <set>"
grep -q 'FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z' "$tmp/out" || fail "demo: public key not shown"
grep -q "$seed" "$tmp/out" "$tmp/err" && fail "demo: the signing key was printed"
grep -q 'header.payload.signature' "$tmp/out" "$tmp/err" && fail "demo: the JWT was printed"
grep -q 'http://127.0.0.1:18080' "$tmp/out" || fail "demo: rest url"
echo "ok: demo template"
chmod 644 "$tmp/demo.yaml"
rc=$(run -n -c "$tmp/demo.yaml"); [ "$rc" = 1 ] || fail "world-readable inline secrets: exit $rc"
grep -q 'chmod 600' "$tmp/err" || fail "no chmod 600 hint"
echo "ok: 0644 file with inline secrets refused"

# a malformed copy: two errors, both reported with FILE:LINE:COL:
sed -e 's/level: "conservative"/level: "bold"/' -e 's/tiers: 2 /tiers: 7 /' \
    examples/single_task.yaml >"$tmp/bad.yaml"
rc=$(run -n -c "$tmp/bad.yaml"); [ "$rc" = 1 ] || fail "malformed: exit $rc, expected 1"
grep -Eq "^$tmp/bad.yaml:[0-9]+:[0-9]+: tasks\[0\]\.risk\.level: expected one of conservative, moderate, aggressive, got \"bold\"" \
    "$tmp/err" || fail "malformed: no positioned level error"
grep -Eq "^$tmp/bad.yaml:[0-9]+:[0-9]+: tasks\[0\]\.sizing\.tiers: must be between 1 and 3" \
    "$tmp/err" || fail "malformed: second error not reported"
[ -s "$tmp/out" ] && fail "malformed: printed a summary"
echo "ok: malformed config"

rc=$(run -n -c "$tmp/no-such.yaml"); [ "$rc" = 1 ] || fail "missing file: exit $rc"
rc=$(run --bogus); [ "$rc" = 2 ] || fail "--bogus: exit $rc, expected 2"
rc=$(run -n); [ "$rc" = 2 ] || fail "-n without -c: exit $rc, expected 2"
rc=$(run --version); [ "$rc" = 0 ] || fail "--version: exit $rc"
grep -q '^mmd ' "$tmp/out" || fail "--version output"
rc=$(run --help); [ "$rc" = 0 ] || fail "--help: exit $rc"
grep -q 'usage: mmd' "$tmp/out" || fail "--help output"
echo "ok: flags"
echo "PASS"
