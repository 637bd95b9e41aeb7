#!/usr/bin/env python3
"""mdprobe (wsmgr + hub + one sx_account) under valgrind memcheck through a
connect/disconnect loop against standx-sim: repeated drop_ws faults
(reconnect, re-subscribe, re-authenticate), places/cancels/queries, unwatch
and re-watch, one ambiguous place (5xx) resolved by query_order, then a clean
quit.  Passes when valgrind reports no errors and no definite/indirect leaks.
Skipped (exit 0) when valgrind is not installed.  Loopback only, bounded."""
import os
import shutil
import subprocess
import tempfile
import time

import sim
from harness import main


def test_mdprobe_under_valgrind():
    if not shutil.which("valgrind"):
        print("valgrind not installed: skipped")
        return
    with open(sim.binary("tools/mdprobe"), "rb") as f:
        if b"__asan_init" in f.read():
            print("mdprobe is an AddressSanitizer build (make asan), which cannot run under valgrind: skipped")
            return
    env = dict(os.environ, MMD_WS_BACKOFF_MIN_S="0.1", MMD_WS_BACKOFF_MAX_S="0.5",
               MMD_HUB_STALE_S="1", MMD_WS_PING_S="1", MMD_SX_RESOLVE_MS="200")
    d = tempfile.mkdtemp(prefix="mmd-vg-")
    vlog = os.path.join(d, "vg.log")
    with sim.Sim(seed=3) as s:
        c = s.mint("vg")
        cmd = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
               "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=9",
               "--log-file=" + vlog, sim.binary("tools/mdprobe"), "--rest", s.base_url,
               "--ws", "ws://127.0.0.1:%d" % s.port, "--watch", "BTC-USD", "--watch", "ETH-USD",
               "--jwt", c.jwt, "--key", c.key, "--account", "vg", "--seconds", "60",
               "--md-every", "50"]
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env, text=True)
        try:
            time.sleep(5)   # valgrind start-up
            for i in range(6):
                s.fault(type="drop_ws")
                time.sleep(1.0)
                p.stdin.write("place BTC-USD buy 50000.00 0.0010 v-%d alo\n" % i)
                p.stdin.flush()
                time.sleep(0.4)
                p.stdin.write("cancel BTC-USD v-%d\nopen_orders BTC-USD\nunwatch ETH-USD\n"
                              "watch ETH-USD\nstatus\n" % i)
                p.stdin.flush()
            s.fault(type="http_error", status=503, count=1)
            p.stdin.write("place BTC-USD buy 50000.00 0.0010 amb alo\n")
            p.stdin.flush()
            time.sleep(3)
            p.stdin.write("quit\n")
            p.stdin.flush()
            rc = p.wait(60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(10)
    with open(vlog) as f:
        report = f.read()
    shutil.rmtree(d, ignore_errors=True)
    summary = [l for l in report.splitlines() if "ERROR SUMMARY" in l or "in use at exit" in l]
    print("\n".join(summary))
    assert rc == 0, "valgrind/mdprobe exit code %d\n%s" % (rc, report[-6000:])


if __name__ == "__main__":
    main(test_mdprobe_under_valgrind)
