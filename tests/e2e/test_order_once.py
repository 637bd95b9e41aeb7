#!/usr/bin/env python3
"""e2e: a new_order reaches the venue exactly once, even when the keep-alive
connection it went out on dies after the venue processed it and before the
reply arrived (sim fault drop_after_process).  libcurl must not re-send the
POST on a fresh connection; mmd resolves the unanswered order by query_order
and tracks it as the venue does (never "rejected" while it rests).  And the
venue's "duplicate cl_ord_id" answer is "already placed", not a rejection."""
import json
import time

import mmdrun
import sim
from harness import main, wait_for

ENV = {"MMD_SX_RESOLVE_MS": "200"}


def dropped_ids(s):
    """cl_ord_ids of the new orders whose connection the sim closed unanswered."""
    out = []
    for line in s.log_lines():
        if line.get("dir") == "close" and line.get("path") == "fault drop_after_process":
            out.append(json.loads(line["body"])["cl_ord_id"])
    return out


def nudge(s, i):
    m = float(s.mark())
    s.set_mark("BTC-USD", round(m * (1.0006 if i % 2 else 0.9994), 2))


def books_agree(s, d, tid):
    """mmd's live orders and the venue's open orders of the task, as sets."""
    venue = {o["cl_ord_id"] for o in d.orders(tid)}
    ours = {o["cl_ord_id"] for o in (d.rpc("orders", {"task": tid})[tid]["orders"] or [])}
    return venue, ours


def test_order_sent_once():
    with sim.scenario("calm", seed=33) as s:
        c = s.mint("once")
        t = mmdrun.task("f", "BTC-USD", "once", tiers=1, level="moderate", risk=mmdrun.guards_off())
        # order_entry: rest -- this is about the REST path (libcurl's re-send);
        # an order over the ws-api session is never re-sent either (sx_api.c)
        with mmdrun.Mmd(s, [t], {"once": c}, env=ENV, exchange={"order_entry": "rest"}) as d:
            d.wait_quoting("f", timeout=15)
            rejects0 = d.task_status("f")["rejects"]
            for i in range(6):        # warm the connection pool: the next POST reuses one
                nudge(s, i)
                time.sleep(0.3)
            st, j = s.fault(type="drop_after_process", count=2)
            assert st == 200, (st, j)
            for i in range(40):       # re-quotes until both drops happened (bounded)
                if len(dropped_ids(s)) >= 2:
                    break
                nudge(s, i)
                time.sleep(0.3)
            dropped = dropped_ids(s)
            assert len(dropped) == 2, "fault did not fire: %s\n%s" % (dropped, d.log_tail())
            time.sleep(2)             # a re-send, if any, has happened by now
            sent = mmdrun.sent_order_ids(s)
            assert all(sent[cl] == 1 for cl in dropped), \
                "unanswered new_order re-sent: %s\n%s" % ({cl: sent[cl] for cl in dropped}, d.log_tail())
            dup = {k: v for k, v in sent.items() if v > 1}
            assert not dup, "client order ids sent more than once: %s" % dup
            assert "duplicate cl_ord_id" not in d.log(), d.log_tail()
            wait_for(lambda: books_agree(s, d, "f"), 15, what="mmd's book = the venue's open orders",
                     until=lambda b: b[0] == b[1] and mmdrun.two_sided(d.orders("f")), detail=d.log_tail)
            assert d.task_status("f")["rejects"] == rejects0, d.task_status("f")
            log = d.log()
            for cl in dropped:
                assert "new_order %s: ambiguous" % cl in log and "ambiguous order %s resolved" % cl in log, \
                    d.log_tail()
            # the case of the finding: libcurl would have re-sent it on a fresh connection
            assert "rewinding of the data stream failed" in log, "no reused connection hit: %s" % d.log_tail()
            print("dropped replies of %s: each sent once, resolved, books agree" % dropped)
            assert d.stop() == 0, d.log_tail()
            left = mmdrun.account_orders(s, c, "BTC-USD", "f-")[0]
            assert not left, "orders left at the venue: %s" % left


def test_ws_order_sent_once():
    """The same over the ws-api session: the venue places the order and the
    session dies before even "accepted".  mmd must not re-send it (neither on
    the new session nor over REST), must resolve it by query_order and track
    it as the venue does."""
    with sim.scenario("calm", seed=34) as s:
        c = s.mint("once-ws")
        t = mmdrun.task("w", "BTC-USD", "once-ws", tiers=1, level="moderate", risk=mmdrun.guards_off())
        env = dict(ENV, MMD_WS_BACKOFF_MIN_S="0.2", MMD_WS_BACKOFF_MAX_S="1")
        with mmdrun.Mmd(s, [t], {"once-ws": c}, env=env) as d:
            d.wait_quoting("w", timeout=15)
            st, j = s.fault(type="drop_after_process", count=1)
            assert st == 200, (st, j)
            for i in range(40):
                if dropped_ids(s):
                    break
                nudge(s, i)
                time.sleep(0.3)
            dropped = dropped_ids(s)
            assert len(dropped) == 1, "fault did not fire: %s\n%s" % (dropped, d.log_tail())
            time.sleep(2)
            sent = mmdrun.sent_order_ids(s)
            assert sent[dropped[0]] == 1, "re-sent: %s\n%s" % (sent[dropped[0]], d.log_tail())
            assert not {k: v for k, v in sent.items() if v > 1}
            wait_for(lambda: books_agree(s, d, "w"), 15, what="mmd's book = the venue's open orders",
                     until=lambda b: b[0] == b[1] and mmdrun.two_sided(d.orders("w")), detail=d.log_tail)
            log = d.log()
            assert "order:new %s: order-response session lost before an answer" % dropped[0] in log, d.log_tail()
            assert "ambiguous order %s resolved" % dropped[0] in log, d.log_tail()
            print("ws-api session dropped after placing %s: sent once, resolved, books agree" % dropped[0])
            assert d.stop() == 0, d.log_tail()
            assert not mmdrun.account_orders(s, c, "BTC-USD", "w-")[0]


def test_duplicate_is_already_placed():
    """The venue refuses a second new_order with a live cl_ord_id (one order
    stays), with the message mmd takes as "already placed" (sxparse unit test)."""
    with sim.scenario("calm", seed=34) as s:
        a = s.mint("dup")
        below = "%.2f" % (float(s.mark()) * 0.98)
        st, _ = s.new_order(a, side="buy", price=below, cl_ord_id="d-1")
        assert st == 200
        st, j = s.new_order(a, side="buy", price=below, cl_ord_id="d-1")
        assert st == 400 and j["message"] == "duplicate cl_ord_id", (st, j)
        assert len(mmdrun.account_orders(s, a, "BTC-USD", "d-")[0]) == 1


if __name__ == "__main__":
    main(test_order_sent_once, test_ws_order_sent_once, test_duplicate_is_already_placed)
