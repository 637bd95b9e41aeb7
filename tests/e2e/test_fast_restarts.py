#!/usr/bin/env python3
"""Hostile finding F5: cl_ord_ids must never repeat across restarts.  mmd
is started three times in a row against one account, each killed (-9) as
soon as its first orders reach the simulator; the session part of the ids
used to be the start time in whole seconds, so starts within one second
sent the same ids.  Every id that reached the simulator must be unique, at
most 32 characters, and still the task's (tag "fr-") for reconciliation."""
import time

import mmdrun
import sim
from harness import main, wait_for


def test_three_quick_starts():
    with sim.scenario("calm", seed=41) as s:
        c = s.mint("restarts")
        t = mmdrun.task("fr", "BTC-USD", "x", tiers=2, risk=mmdrun.guards_off())
        t0 = time.time()
        for i in range(3):
            before = sum(mmdrun.sent_order_ids(s).values())   # before the start: its first orders
            d = mmdrun.Mmd(s, [t], {"x": c}).start()         # may arrive before start() returns
            try:
                wait_for(lambda: sum(mmdrun.sent_order_ids(s).values()), 15, 0.01,
                         what="start %d's first orders at the simulator" % (i + 1),
                         until=lambda n: n > before, detail=d.log_tail)
                d.kill9()
            finally:
                d.stop()
                d.cleanup()
        span = time.time() - t0
        ids = mmdrun.sent_order_ids(s)
        dup = {k: v for k, v in ids.items() if v > 1}
        print("3 starts in %.2f s sent %d ids, %d twice" % (span, len(ids), len(dup)))
        assert not dup, "cl_ord_ids sent more than once: %s" % dup
        assert all(len(k) <= 32 and k.startswith("fr-") for k in ids), ids


if __name__ == "__main__":
    main(test_three_quick_starts)
