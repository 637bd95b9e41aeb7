#!/usr/bin/env python3
"""mmd as a systemd Type=notify service, without systemd: NOTIFY_SOCKET is a
datagram socket of this test and WATCHDOG_USEC asks for a watchdog.  mmd
sends READY=1 with a STATUS= line once started, WATCHDOG=1 at least once per
WATCHDOG_USEC (half of it, from its event loop), STATUS= lines as its tasks
change state (one naming the task quoting), RELOADING=1 then READY=1 around
a reload RPC, and STOPPING=1 on SIGTERM.  With JOURNAL_STREAM naming its
stderr, log lines carry <N> priority prefixes and no timestamp of their own.
The shipped unit (examples/mmd.service) passes systemd-analyze verify.

The simulator runs --profile ideal: what is tested here does not depend on
market-data pacing, and quoting starts sooner."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import mmdrun
import sim
from harness import REPO, binary, main, require, wait_for

WD_USEC = 400000


class Notify:
    """A datagram socket collecting sd_notify messages with their arrival
    time (a reader thread, so a message is stamped when it arrives)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mmd-notify-")
        self.path = os.path.join(self.dir, "notify.sock")
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        self.s.settimeout(0.1)
        self.msgs = []   # (monotonic time, {key: value})
        self.lock = threading.Lock()
        self.stop = False
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()

    def _read(self):
        while not self.stop:
            try:
                data = self.s.recv(4096)
            except (socket.timeout, BlockingIOError):
                continue
            except OSError:
                return
            kv = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            with self.lock:
                self.msgs.append((time.monotonic(), kv))

    def poll(self):
        with self.lock:
            return list(self.msgs)

    def having(self, key):
        return [(t, m) for t, m in self.poll() if key in m]

    def close(self):
        self.stop = True
        self.th.join(2)
        self.s.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_notify_protocol():
    n = Notify()
    try:
        with sim.scenario("calm", seed=3, args=["--profile", "ideal"]) as s:
            c = s.mint("notify")
            t = mmdrun.task("n-btc", "BTC-USD", "a", tiers=1, risk=mmdrun.guards_off())
            d = mmdrun.Mmd(s, [t], {"a": c}, env={"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": str(WD_USEC)})
            with d:
                ready = wait_for(lambda: n.having("READY"), 10, what="READY=1", detail=d.log_tail)
                assert "STATUS" in ready[0][1] and "task(s)" in ready[0][1]["STATUS"], ready
                print("READY=1 STATUS=%s" % ready[0][1]["STATUS"])
                d.wait_quoting("n-btc", timeout=20)
                wait_for(lambda: [m["STATUS"] for _, m in n.having("STATUS")], 10,
                         what="a STATUS= line with the task quoting",
                         until=lambda st: any("1 quoting" in x for x in st), detail=d.log_tail)
                # the watchdog, over 2 s: pings at about half of WATCHDOG_USEC, never a gap of a whole one
                t0 = time.monotonic()
                time.sleep(2.0)
                pings = [t for t, m in n.having("WATCHDOG") if t >= t0 - WD_USEC / 1e6]
                gaps = [b - a for a, b in zip(pings, pings[1:])]
                print("WATCHDOG=1: %d pings in the last 2 s, largest gap %.3f s" % (len(pings), max(gaps)))
                assert len(pings) >= 2.0 / (WD_USEC / 1e6), pings
                assert max(gaps) < WD_USEC / 1e6, gaps
                # reload: RELOADING=1 then READY=1 again
                nready = len(n.having("READY"))
                r = d.rpc("reload")
                assert r["applied"] is True and r["refused"] == [], r
                reloading = n.having("RELOADING")
                assert reloading and "MONOTONIC_USEC" in reloading[-1][1], n.poll()[-5:]
                wait_for(lambda: len(n.having("READY")), 5, what="READY=1 after the reload",
                         until=lambda k: k > nready)
                # SIGTERM: STOPPING=1
                d.proc.send_signal(signal.SIGTERM)
                d.proc.wait(40)
                stopping = n.having("STOPPING")
                assert stopping and "SIGTERM" in stopping[0][1].get("STATUS", ""), n.poll()[-5:]
                print("STOPPING=1 STATUS=%s" % stopping[0][1]["STATUS"])
                assert d.proc.returncode == 0, d.log_tail()
    finally:
        n.close()


def test_journal_prefixes():
    with sim.scenario("calm", seed=4, args=["--profile", "ideal"]) as s:
        c = s.mint("journal")
        t = mmdrun.task("j-btc", "BTC-USD", "a", tiers=1, risk=mmdrun.guards_off())
        tmp = tempfile.mkdtemp(prefix="mmd-journal-")
        path = os.path.join(tmp, "stderr")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        st = os.fstat(fd)
        try:
            with mmdrun.Mmd(s, [t], {"a": c}, output=fd, log_level="debug",
                            env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)}) as d:
                d.rpc("status")
            lines = [x for x in open(path).read().splitlines() if x]
            assert lines, "no log lines"
            bad = [x for x in lines if not re.match(r"^<[3467]>[a-z0-9_:.-]+: ", x)]
            assert not bad, bad[:5]
            assert not [x for x in lines if re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", x.split(": ", 1)[0])]
            prios = {x[1] for x in lines}
            assert "6" in prios and "7" in prios, prios
            print("journal: %d lines, priorities %s, e.g. %s" % (len(lines), sorted(prios), lines[0]))
            # not the journal (JOURNAL_STREAM names another file): timestamps as before
            other = os.path.join(tmp, "other")
            open(other, "w").close()
            ost = os.stat(other)
            with open(path, "w"):
                pass
            with mmdrun.Mmd(s, [t], {"a": c}, output=fd,
                            env={"JOURNAL_STREAM": "%d:%d" % (ost.st_dev, ost.st_ino)}) as d:
                d.rpc("status")
            first = open(path).read().splitlines()[0]
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|debug|warn|error) ", first), first
        finally:
            os.close(fd)
            shutil.rmtree(tmp, ignore_errors=True)


def test_unit_verifies():
    if not shutil.which("systemd-analyze"):
        print("systemd-analyze not installed: unit not verified")
        return
    tmp = tempfile.mkdtemp(prefix="mmd-unit-")
    try:
        unit = open(os.path.join(REPO, "examples", "mmd.service")).read()
        for key in ("Type=notify", "WatchdogSec=", "RuntimeDirectory=mmd", "StateDirectory=mmd", "ExecReload=",
                    "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "TimeoutStopSec="):
            assert key in unit, key
        stop = int(re.search(r"^TimeoutStopSec=(\d+)s$", unit, re.M).group(1))
        assert stop > 30, "TimeoutStopSec must exceed the default shutdown.timeout_s (30 s)"
        path = os.path.join(tmp, "mmd.service")
        with open(path, "w") as f:
            f.write(unit.replace("/usr/local/bin/", binary("")))
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", path], capture_output=True, text=True,
                           timeout=60)
        out = "\n".join(x for x in (p.stdout + p.stderr).splitlines() if "mmd.service" in x)
        assert p.returncode == 0 and not out, (p.returncode, p.stdout, p.stderr)
        print("systemd-analyze verify: clean")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    require("mmd", "standx-sim")
    main(test_unit_verifies, test_notify_protocol, test_journal_prefixes)
