#!/bin/sh
# make install into a scratch DESTDIR ships the programs, the man pages, the
# systemd unit (ExecStart pointing at PREFIX/bin), the simulator's scenarios
# and a demo that works from the installed tree: it starts the installed
# standx-sim and mmd, mmctl sees its task quoting, mmctl shutdown ends it
# cleanly (and the demo stops the simulator).  mmd --version and mmctl
# version print the git describe of the build.  Installs what is built
# (make -o all: no rebuild here, whatever the build's flags were).
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
tmp=$(mktemp -d /tmp/mmd-install.XXXXXX)
demo_pid=""
cleanup() {
  [ -n "$demo_pid" ] && kill -TERM "$demo_pid" 2>/dev/null
  [ -n "$demo_pid" ] && wait "$demo_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; [ -f "$tmp/demo.out" ] && sed 's/^/  | /' "$tmp/demo.out" | tail -20; exit 1; }

make -s -o all install BUILD="$B" DESTDIR="$tmp/root" PREFIX=/usr/local >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "make install"; }
P="$tmp/root/usr/local"
for f in bin/mmd bin/mmctl bin/mmtop bin/standx-sim lib/systemd/system/mmd.service share/man/man8/mmd.8 \
         share/man/man5/mmd.yaml.5 share/mmd/scenarios/lively.yaml share/mmd/scenarios/calm.yaml \
         share/mmd/demo.yaml share/mmd/tools/mmd-demo; do
  [ -e "$P/$f" ] || fail "not installed: $f"
done
grep -q '^ExecStart=/usr/local/bin/mmd -c /etc/mmd/mmd.yaml$' "$P/lib/systemd/system/mmd.service" ||
  fail "unit ExecStart"
v=$("$P/bin/mmd" --version)
[ "$v" = "$("$B/mmd" --version)" ] || fail "installed mmd --version '$v' is not the build's"
printf '%s\n' "$v" | grep -qE '^mmd ([0-9.]+-g[0-9a-f]{7,}|v?[0-9][^ ]*)(-dirty)?$' ||
  fail "mmd --version '$v' is not a git describe"
desc=${v#mmd }
echo "ok: installed; $v"

DEMO_SCENARIO="$P/share/mmd/scenarios/calm.yaml" setsid "$P/share/mmd/tools/mmd-demo" >"$tmp/demo.out" 2>&1 &
demo_pid=$!
sock=""
for _ in $(seq 100); do
  sock=$(sed -n 's/.*mmctl -s \([^ ]*\) status.*/\1/p' "$tmp/demo.out" | head -n1)
  [ -n "$sock" ] && break
  kill -0 "$demo_pid" 2>/dev/null || fail "the installed demo exited"
  sleep 0.1
done
[ -n "$sock" ] || fail "the installed demo printed no socket"
ok=""
for _ in $(seq 300); do   # 60 s: the live-like simulator profile starts slower
  if "$P/bin/mmctl" -s "$sock" status 2>/dev/null | grep -q quoting; then ok=1; break; fi
  sleep 0.2
done
[ -n "$ok" ] || fail "the installed demo's task never quoted"
"$P/bin/mmctl" -s "$sock" version | grep -q "$desc" || fail "mmctl version lacks git describe"
"$P/bin/mmctl" -s "$sock" shutdown >/dev/null || fail "mmctl shutdown"
for _ in $(seq 400); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$demo_pid" 2>/dev/null && fail "the demo did not end after mmctl shutdown"
wait "$demo_pid"; rc=$?; demo_pid=""
[ "$rc" = 0 ] || fail "the demo exited $rc"
grep -q "mmd exited with status 0" "$tmp/demo.out" || fail "mmd did not exit 0"
echo "ok: the installed demo quoted and stopped cleanly"
