#!/bin/sh
# mmd -n on the operator keys: metrics.listen accepts HOST:PORT (numeric
# IPv4, bracketed IPv6), :PORT and a bare port (127.0.0.1) and shows it in
# the summary, off when absent; a host name, a bad port or an empty value is
# an error at FILE:LINE:COL naming the expected form; control.readonly_socket
# is shown, and refused when it is the control socket itself.
set -u
cd "$(dirname "$0")/../.."
B=${MMD_BUILD:-$PWD/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; [ -f "$tmp/out" ] && sed 's/^/  | /' "$tmp/out"; exit 1; }
seed=BbMQkQYZspmkytduTWvXEtc4mMURjsekJDvty2WtKeSb
cfg() {  # extra top-level YAML -> $tmp/c.yaml
  cat >"$tmp/c.yaml" <<EOC
control:
  socket: "$tmp/mmd.sock"
$2
accounts:
  - id: "a"
    jwt_token: "header.payload.signature"
    signing_key: "$seed"
tasks:
  - id: "t"
    symbol: "BTC-USD"
    account: "a"
    sizing: {base_qty: "0.01"}
$1
EOC
  chmod 600 "$tmp/c.yaml"
}
ok() {  # extra, control-extra, expected summary line
  cfg "$1" "$2"
  "$B/mmd" -n -c "$tmp/c.yaml" >"$tmp/out" 2>&1 || fail "rejected: $1 $2"
  grep -qF -- "$3" "$tmp/out" || fail "summary lacks '$3' for: $1 $2"
}
bad() {  # extra, control-extra, expected error text
  cfg "$1" "$2"
  if "$B/mmd" -n -c "$tmp/c.yaml" >"$tmp/out" 2>&1; then fail "accepted: $1 $2"; fi
  grep -qE "^$tmp/c.yaml:[0-9]+:[0-9]+: " "$tmp/out" || fail "no FILE:LINE:COL for: $1 $2"
  grep -qF -- "$3" "$tmp/out" || fail "error lacks '$3' for: $1 $2"
}
ok "" "" "metrics            off"
ok 'metrics: {listen: "127.0.0.1:9464"}' "" "metrics            127.0.0.1:9464"
ok 'metrics: {listen: "0.0.0.0:9100"}' "" "metrics            0.0.0.0:9100"
ok 'metrics: {listen: "[::1]:9464"}' "" "metrics            [::1]:9464"
ok 'metrics: {listen: ":9464"}' "" "metrics            127.0.0.1:9464"
ok 'metrics: {listen: 9464}' "" "metrics            127.0.0.1:9464"
ok "" "  readonly_socket: \"$tmp/ro/mmd-ro.sock\"" "read-only socket   $tmp/ro/mmd-ro.sock"
bad 'metrics: {listen: "localhost:9464"}' "" 'expected HOST:PORT with a numeric address'
bad 'metrics: {listen: "127.0.0.1:0"}' "" 'expected HOST:PORT'
bad 'metrics: {listen: "127.0.0.1:99999"}' "" 'expected HOST:PORT'
bad 'metrics: {listen: ""}' "" 'expected HOST:PORT'
bad 'metrics: {port: 9464}' "" "unknown key 'port'"
bad "" "  readonly_socket: \"$tmp/mmd.sock\"" "give the read-only socket its own name"
echo "ok: metrics.listen and control.readonly_socket checked by mmd -n"
