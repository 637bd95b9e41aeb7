#!/usr/bin/env python3
"""Hostile finding F12: two daemons on one account cancel each other's
orders as orphans.  A second mmd on the same account (another config, its
own control socket, the same state directory) must refuse to start, naming
the first one's pid, while the first keeps quoting untouched; once the first
has stopped, the second may start."""
import os
import subprocess

import mmdrun
import sim
from harness import binary, main


def test_second_daemon_refused():
    with sim.scenario("calm", seed=61) as s:
        c = s.mint("twice")
        t = mmdrun.task("tw", "BTC-USD", "x", tiers=1, risk=mmdrun.guards_off())
        first = mmdrun.Mmd(s, [t], {"x": c}).start()
        second = mmdrun.Mmd(s, [t], {"x": c}, state_dir=first.state_dir)
        try:
            first.wait_quoting("tw")
            before = {o["cl_ord_id"] for o in first.orders("tw")}
            second.write_config()
            r = subprocess.run([binary("mmd"), "-c", second.cfg], capture_output=True, text=True, timeout=30)
            print("second mmd: exit %d: %s" % (r.returncode, r.stderr.strip().splitlines()[-1:]))
            assert r.returncode == 1, r
            assert "already traded by mmd pid %d" % first.proc.pid in r.stderr, r.stderr
            assert {o["cl_ord_id"] for o in first.orders("tw")} == before, "the first daemon's orders moved"
            locks = [f for f in os.listdir(first.state_dir) if f.startswith("account-") and f.endswith(".lock")]
            assert len(locks) == 1, os.listdir(first.state_dir)
            assert first.stop() == 0, first.log_tail()
            second.start()
            second.wait_quoting("tw")
            assert second.stop() == 0, second.log_tail()
        finally:
            first.stop()
            second.stop()
            first.cleanup()
            second.cleanup()


if __name__ == "__main__":
    main(test_second_daemon_refused)
