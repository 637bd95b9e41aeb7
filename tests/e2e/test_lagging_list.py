#!/usr/bin/env python3
"""Live venue: the open-order list lags ~15 s behind cancels and fills.
mmd quotes the lively market for 30 s while the simulator's list lags 15 s.
Finished orders must not come back as "orphans": measured at the simulator
from its log, mmd sends no cancel for an order the simulator had already
closed (answered "already closed" / "not open") beyond a handful of real
races, and cancels no orphan; it keeps quoting and stops cleanly."""
import json
import time

import mmdrun
import sim
from harness import main

RUN_S = 30


def closed_answers(s):
    n = 0
    for line in s.log_lines():
        if line.get("dir") == "out" and line.get("kind") == "http":
            body = line.get("body") or ""
            if "already closed" in body or "not open" in body:
                n += 1
    return n


def cancels_sent(s):
    return sum(1 for line in s.log_lines()
               if line.get("dir") == "in" and line.get("path") in ("POST /api/cancel_order", "POST /api/cancel_orders"))


def test_lagging_list_no_orphan_storm():
    with sim.scenario("lively", seed=51) as s:
        st, j = s.fault(type="lag_open_orders", seconds=15)
        assert st == 200, (st, j)
        c = s.mint("lag")
        t = mmdrun.task("lg", "BTC-USD", "x", tiers=2, risk=mmdrun.guards_off(),
                        strategy={"fill_cooldown_s": 1})
        with mmdrun.Mmd(s, [t], {"x": c}) as d:
            d.wait_quoting("lg", tiers=2, timeout=20)
            time.sleep(RUN_S)
            orphans = d.log().count("cancelling orphan order")
            closed, cancels = closed_answers(s), cancels_sent(s)
            print("%d s with a 15 s list lag: %d cancel requests, %d answered already closed / not open, "
                  "%d orphan cancels, %d 'order book full'" % (RUN_S, cancels, closed, orphans,
                                                               d.log().count("order book full")))
            assert orphans == 0, d.log_tail()
            assert closed <= 5, closed
            s.fault(type="clear")
            assert d.stop() == 0, d.log_tail()
        assert not mmdrun.account_orders(s, c)[0]


if __name__ == "__main__":
    main(test_lagging_list_no_orphan_storm)
