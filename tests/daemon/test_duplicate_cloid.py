#!/usr/bin/env python3
"""Integration: the venue's "duplicate cl_ord_id" answer to a new_order means
the order with that id is already placed (an earlier copy of the request got
there); mmd's StandX adapter (daemon/standx/sx_orders.c) resolves it by
query_order and reports the order open -- never "rejected", which would
strand a live order.  Driven through build/tools/mdprobe against the real
standx-sim; the first copy of the order is placed directly at the sim with
the same account."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sim  # noqa: E402
from harness import main  # noqa: E402
from test_connectivity import ev, is_md, sim_probe  # noqa: E402


def test_duplicate_is_already_placed():
    with sim.Sim(seed=41) as s:
        a = s.mint("dupe")
        with sim_probe(s, ["BTC-USD"], creds=a) as p:
            p.wait(ev("stream", up=True), 10, "private stream up")
            mark = float(p.wait(is_md("BTC-USD", False), 10)["mark"])
            px = "%.2f" % int(mark * 0.9)
            st, j = s.new_order(a, side="buy", price=px, tif="alo", cl_ord_id="dup-1")
            assert st == 200, (st, j)
            p.send("place BTC-USD buy %s 0.0010 dup-1 alo" % px)
            r = p.wait(ev("place_result", cl_ord_id="dup-1"), 5)
            assert r["http"] == 400 and "duplicate" in r["message"], r
            assert r["outcome"] != "rejected", "duplicate cl_ord_id taken as a rejection: %s" % r
            assert r["outcome"] == "ambiguous", r
            q = p.wait(lambda m: ev("query_order")(m) and m["order"]["cl_ord_id"] == "dup-1", 10)
            assert q["found"] and q["order"]["status"] == "open", q
            print("duplicate cl_ord_id -> %s, resolved: %s" % (r["outcome"], q["order"]["status"]))


if __name__ == "__main__":
    main(test_duplicate_is_already_placed)
