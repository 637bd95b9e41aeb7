#!/usr/bin/env python3
"""Hostile finding F7: logging must never block trading.  mmd runs with its
stderr on a pipe nobody reads (a stuck journald, `| less`, Ctrl-S) and debug
logging, so the pipe is full within a second.  The daemon must keep
answering the control socket, keep quoting at the simulator, and on SIGTERM
cancel everything and exit 0 within its usual time."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mmdrun  # noqa: E402
import sim  # noqa: E402

CALM = os.path.join(sim.REPO, "tests", "sim", "scenarios", "calm.yaml")
RISK = {"price_jump_threshold_bps": 1000, "max_fills_per_minute": 1000, "max_position_usd": "1000000"}


def main():
    with sim.Sim(scenario=CALM, seed=9) as s:
        c = s.mint("stuck")
        d = mmdrun.Mmd(s, [mmdrun.task("st", "BTC-USD", "x", tiers=2, risk=RISK)], {"x": c},
                       log_level="debug")
        d.write_config()
        r, w = os.pipe()                       # never read, and full before mmd starts
        os.set_blocking(w, False)
        try:
            while True:
                os.write(w, b"x" * 4096)
        except BlockingIOError:
            pass
        os.set_blocking(w, True)
        proc = subprocess.Popen([sim.binary("mmd"), "-c", d.cfg], stdout=w, stderr=w,
                                env=dict(os.environ, MMD_LOG="debug"))
        os.close(w)
        try:
            deadline = time.time() + 15
            while True:
                assert proc.poll() is None, "mmd exited with %s" % proc.returncode
                try:
                    d.rpc("version", timeout=1)
                    break
                except (OSError, mmdrun.RpcError):
                    assert time.time() < deadline, "control socket did not answer"
                    time.sleep(0.05)
            quoting = lambda: len(mmdrun.account_orders(s, c, "BTC-USD", "st-")[0]) == 4  # noqa: E731
            assert d.wait_for(quoting, 20), "not quoting with stderr stuck"
            worst = 0.0
            for _ in range(20):
                t0 = time.time()
                d.rpc("status", timeout=5)
                worst = max(worst, time.time() - t0)
                time.sleep(0.05)
            print("20 status RPCs with stderr stuck: slowest %.0f ms" % (worst * 1000))
            assert worst < 2.0, worst
            s.set_mark("BTC-USD", str(float(s.mark("BTC-USD")) * 1.002))
            moved = d.wait_for(lambda: quoting() and all(
                abs(float(o["price"]) / float(s.mark("BTC-USD")) - 1) < 0.002
                for o in mmdrun.account_orders(s, c, "BTC-USD", "st-")[0]), 15)
            assert moved, "quotes did not follow the mark with stderr stuck"
            t0 = time.time()
            proc.terminate()
            rc = proc.wait(40)
            print("SIGTERM -> exit %d in %.1f s" % (rc, time.time() - t0))
            assert rc == 0, rc
            assert not mmdrun.account_orders(s, c)[0], "orders left at the venue"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
            os.close(r)
            d.cleanup()
    print("ok")


if __name__ == "__main__":
    main()
