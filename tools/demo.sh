#!/usr/bin/env bash
# make demo: run mmd against a local standx-sim with a lively market.
# Starts the simulator on a free loopback port (in its own session so the
# terminal's Ctrl-C reaches only mmd, which then cancels its orders and closes
# its positions while the simulator is still there), mints demo credentials,
# writes a config from examples/demo.yaml, runs mmd in the foreground, and
# cleans everything up when mmd exits.
# On a terminal mmd runs as its own foreground job (set -m), so Ctrl-C reaches
# mmd alone: it stops cleanly and `make demo` ends quietly (no "make: ***
# Interrupt").  It prints MMD_SOCKET=...; inside tmux it offers mmtop in a
# split, and DEMO_TMUX=1 opens it (closed again when the demo ends).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SCENARIO=${DEMO_SCENARIO:-tests/sim/scenarios/lively.yaml}
TEMPLATE=examples/demo.yaml
# Installed by make install as PREFIX/share/mmd/tools/mmd-demo: the programs
# are in PREFIX/bin, the template and the scenarios in PREFIX/share/mmd.
if [ ! -f "$TEMPLATE" ] && [ -f demo.yaml ] && [ -d ../../bin ]; then
  BUILD=$(cd ../../bin && pwd); TEMPLATE=demo.yaml
  SCENARIO=${DEMO_SCENARIO:-$PWD/scenarios/lively.yaml}
fi
tmp=$(mktemp -d /tmp/mmd-demo.XXXXXX)
chmod 700 "$tmp"
sim_pid=""
top_pane=""
cleanup() {
  if [ -n "$top_pane" ]; then tmux kill-pane -t "$top_pane" 2>/dev/null; fi
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$sim_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap '' INT   # Ctrl-C is for mmd: it shuts down cleanly, then we clean up
trap 'exit 143' TERM HUP   # killed: still run the cleanup above

setsid "$BUILD/standx-sim" --listen 127.0.0.1:0 --scenario "$SCENARIO" --seed "${DEMO_SEED:-7}" \
  --secret demo-secret >"$tmp/sim.out" 2>"$tmp/sim.log" &
sim_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/sim.out" | head -n1)
  [ -n "$port" ] && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "demo: standx-sim did not start:"; cat "$tmp/sim.log"; exit 1
fi
creds=$("$BUILD/standx-sim" mint --secret demo-secret --account demo) || { echo "demo: mint failed"; exit 1; }
jwt=$(printf '%s\n' "$creds" | sed -n 's/^jwt_token: "\(.*\)"$/\1/p')
key=$(printf '%s\n' "$creds" | sed -n 's/^signing_key: "\(.*\)"$/\1/p')
sock="$tmp/mmd.sock"
umask 077
sed -e "s|@PORT@|$port|g" -e "s|@JWT@|$jwt|g" -e "s|@KEY@|$key|g" -e "s|@SOCKET@|$sock|g" -e "s|@STATE@|$tmp/state|g" \
  "$TEMPLATE" >"$tmp/demo.yaml"

echo "demo: standx-sim on 127.0.0.1:$port ($SCENARIO); mmd config $tmp/demo.yaml"
echo "demo: in another terminal:  $BUILD/mmtop -s $sock   or   $BUILD/mmctl -s $sock status   (Ctrl-C here stops the demo)"
echo "demo: or first:  export MMD_SOCKET=$sock   then  $BUILD/mmtop   and   $BUILD/mmctl status"
echo "MMD_SOCKET=$sock"
if [ -n "${TMUX:-}" ] && command -v tmux >/dev/null; then
  mmtop_bin=$(cd "$BUILD" && pwd)/mmtop
  if [ "${DEMO_TMUX:-}" = 1 ]; then
    top_pane=$(tmux split-window -h -d -P -F '#{pane_id}' \
      "env MMD_SOCKET='$sock' '$mmtop_bin'") && echo "demo: mmtop opened in tmux pane $top_pane"
  else
    echo "demo: in tmux: DEMO_TMUX=1 make demo opens mmtop beside it, or:  tmux split-window -h \"$mmtop_bin -s $sock\""
  fi
fi
if [ -t 0 ] && [ -t 2 ]; then
  set -m   # mmd in its own foreground process group: Ctrl-C is for it alone
  "$BUILD/mmd" -c "$tmp/demo.yaml"
  rc=$?
  set +m
else
  "$BUILD/mmd" -c "$tmp/demo.yaml" &
  mmd_pid=$!
  while kill -0 "$mmd_pid" 2>/dev/null; do wait "$mmd_pid"; rc=$?; done
  wait "$mmd_pid" 2>/dev/null; rc=${rc:-$?}
fi
echo "demo: mmd exited with status $rc; stopping the simulator"
exit "$rc"
