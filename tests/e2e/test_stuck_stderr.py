#!/usr/bin/env python3
"""Hostile finding F7: logging must never block trading.  mmd runs with its
stderr on a pipe that is full before it starts and that nobody reads (a
stuck journald, `| less`, Ctrl-S), at debug level.  The daemon must keep
answering the control socket, keep quoting and following the mark at the
simulator, and on SIGTERM cancel everything and exit 0."""
import os
import time

import mmdrun
import sim
from harness import main, wait_for


def full_pipe():
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(w, True)
    return r, w


def near_mark(s, orders, bps):
    mark = float(s.mark("BTC-USD"))
    return all(abs(float(o["price"]) / mark - 1) * 1e4 < bps for o in orders)


def test_stuck_stderr():
    r, w = full_pipe()
    try:
        with sim.scenario("calm", seed=9) as s:
            c = s.mint("stuck")
            t = mmdrun.task("st", "BTC-USD", "x", tiers=2, risk=mmdrun.guards_off())
            with mmdrun.Mmd(s, [t], {"x": c}, log_level="debug", output=w) as d:
                d.wait_quoting("st", tiers=2, timeout=20)
                worst = 0.0
                for _ in range(20):
                    t0 = time.time()
                    d.rpc("status", timeout=5)
                    worst = max(worst, time.time() - t0)
                    time.sleep(0.05)
                print("20 status RPCs with stderr stuck: slowest %.0f ms" % (worst * 1000))
                assert worst < 2.0, worst
                s.set_mark("BTC-USD", str(float(s.mark("BTC-USD")) * 1.002))
                wait_for(lambda: d.quoting("st", tiers=2), 15, what="quotes within 20 bps of the moved mark",
                         until=lambda o: o and near_mark(s, o, 20))
                t0 = time.time()
                rc = d.stop()
                print("SIGTERM -> exit %d in %.1f s" % (rc, time.time() - t0))
                assert rc == 0, rc
            assert not mmdrun.account_orders(s, c)[0], "orders left at the venue"
    finally:
        os.close(r)
        os.close(w)


if __name__ == "__main__":
    main(test_stuck_stderr)
