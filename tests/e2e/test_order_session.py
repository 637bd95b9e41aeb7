#!/usr/bin/env python3
"""Live venue: ALO rejections come only on the order-response stream.

On the live venue an ALO (post-only) order that would cross is refused on the
ws-api session named by x-session-id; the account stream never shows it.  The
simulator's live profile does the same.  mmd keeps one ws-api session per
account (auth:login, stable session id), enters orders over it by default
(REST with x-session-id with `order_entry: rest`), and must learn of each
rejection from that stream: the slot is free again at once and the
replacement order follows within one loop turn — not after the 3 s an
unconfirmed order waits for query_order.

Measured at the simulator from its log: for every injected rejection, the
time from the rejection frame to the task's next new order on that side;
p50 < 100 ms; no query_order for a rejected order."""
import json
import statistics
import time

import mmdrun
import sim
import venuelog
from harness import main, wait_for

N_REJECTS = 6


def queried(s, cls):
    n = 0
    for line in s.log_lines():
        p = line.get("path") or ""
        if line.get("dir") == "in" and p.startswith("GET /api/query_order") and any(c in p for c in cls):
            n += 1
    return n


def run(order_entry):
    with sim.scenario("calm", seed=61, args=["--profile", "live"]) as s:
        c = s.mint("alo-" + order_entry)
        t = mmdrun.task("al", "BTC-USD", "x", tiers=2, risk=mmdrun.guards_off())
        ex = {"order_entry": order_entry}
        with mmdrun.Mmd(s, [t], {"x": c}, exchange=ex) as d:
            d.wait_quoting("al", tiers=2, timeout=30)
            sess = wait_for(lambda: d.rpc("status")["connections"]["accounts"]["x"]["order_session"],
                            until=lambda o: o and o["state"] == "up", what="order session up",
                            detail=d.log_tail)
            want = "ws-api" if order_entry == "websocket" else "rest"
            assert sess["order_entry"] == want, sess
            st, j = s.fault(type="reject_next", count=N_REJECTS, message="alo order rejected")
            assert st == 200, (st, j)
            wait_for(lambda: len(venuelog.Log(s.log_lines()).rejections()) >= N_REJECTS, timeout=20,
                     what="%d rejections" % N_REJECTS, detail=d.log_tail)
            time.sleep(1.0)
            lat, rejected = venuelog.Log(s.log_lines()).alo_reactions_ms()
            task = d.task_status("al")
            vias = {r["via"] for r in mmdrun.order_requests(s) if r["op"] == "new"}
            print("%s: %d rejections, replacement after %s ms (p50 %.1f ms); task alo_rejects %d; "
                  "orders went %s; session %s" % (order_entry, len(rejected), [round(x, 1) for x in lat],
                                                  statistics.median(lat) if lat else -1, task["alo_rejects"],
                                                  sorted(vias), json.dumps(sess["counters"])))
            assert len(lat) >= N_REJECTS - 1, (lat, rejected)
            assert statistics.median(lat) < 100, lat
            assert task["alo_rejects"] >= N_REJECTS, task
            assert queried(s, rejected) == 0, "rejected orders were queried: the rejection was not seen"
            if order_entry == "websocket":
                assert "ws-api" in vias, vias
            else:
                assert vias == {"rest"}, vias
            assert d.stop() == 0, d.log_tail()
        assert not mmdrun.account_orders(s, c)[0]


def test_alo_reject_over_ws_api():
    run("websocket")


def test_alo_reject_rest_with_session():
    run("rest")


if __name__ == "__main__":
    main(test_alo_reject_over_ws_api, test_alo_reject_rest_with_session)
