#!/bin/sh
# The man pages document the operator features of issue 16 and pass
# mandoc -Tlint: mmd(8) systemd, journald, metrics and -n --online;
# mmd.yaml(5) metrics.listen and control.readonly_socket; mmd-rpc(7) the
# reload, log-level and metrics methods and the read-only socket; mmctl(8)
# check, metrics, reload and log-level.  Every RPC method with a schema is
# documented in mmd-rpc(7).
set -u
cd "$(dirname "$0")/../.."
fail() { echo "FAIL: $*"; exit 1; }
command -v mandoc >/dev/null || fail "mandoc not installed (apt-get install mandoc)"
for m in man/mmd.8 man/mmd.yaml.5 man/mmd-rpc.7 man/mmctl.8; do
  mandoc -Tlint -W warning "$m" || fail "$m: mandoc -Tlint"
done
has() {  # page, words...
  page=$1; shift
  txt=$(mandoc -Tutf8 "$page" | col -b)
  for w in "$@"; do
    printf '%s' "$txt" | grep -qF -- "$w" || fail "$page does not mention '$w'"
  done
}
has man/mmd.8 SYSTEMD NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG=1 READY=1 STOPPING=1 JOURNAL_STREAM \
  "journalctl -u mmd -p warning" RUNTIME_DIRECTORY /run/mmd/mmd.sock METRICS mmd_task_quoting \
  mmd_reaction_latency_seconds --online mmd.service
has man/mmd.yaml.5 readonly_socket metrics listen 127.0.0.1:9464
has man/mmd-rpc.7 "Read-only socket" reload log-level metrics -1201
has man/mmctl.8 check "MMD OK" "MMD WARNING" "MMD CRITICAL" metrics reload log-level
for s in man/rpc-schema/*.json; do
  m=$(basename "$s" .json)
  case $m in defs|error) continue ;; esac
  mandoc -Tutf8 man/mmd-rpc.7 | col -b | grep -qE "^     $m( |$)" || fail "method $m not documented in mmd-rpc(7)"
done
echo "man pages: lint clean, operator features documented"
