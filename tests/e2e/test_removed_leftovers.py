#!/usr/bin/env python3
"""Hostile finding F1 (c)/(d): a task removed by SIGHUP while the venue
refuses cancels must not be forgotten with its orders resting.  Its stop
times out unconfirmed; it is kept and keeps cancelling; a SIGTERM while the
venue still refuses exits 1 naming it — never 0 with orders resting.  Once
the venue recovers, the leftovers are cancelled and a SIGTERM exits 0 with
nothing of ours at the venue.  The renamed case (remove b, add b2 on the
same account and symbol) runs in the second half: events of b2's orders
must reach b2, which quotes, while b still cancels."""
import signal

import mmdrun
import sim
from harness import main, wait_for

SHUT = {"timeout_s": 3, "close_positions": False}


def resting(s, c, tid, symbol):
    return mmdrun.account_orders(s, c, symbol, tid + "-")[0]


def start(s, c, tasks):
    return mmdrun.Mmd(s, tasks, {"x": c}).start()


def remove_while_refused(s, d, keep):
    s.fault(type="http_error", status=503, duration_s=60)
    d.tasks = keep
    d.write_config()
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "reload applied" in d.log(), 10, what="the reload", detail=d.log_tail)
    wait_for(lambda: "removed, NOT confirmed" in d.log(), 15, what="the removed task's stop timing out",
             detail=d.log_tail)


def test_sigterm_while_refused_exits_1():
    with sim.scenario("calm", seed=31) as s:
        c = s.mint("leftover")
        a = mmdrun.task("lo-a", "BTC-USD", "x", tiers=1, risk=mmdrun.guards_off(), shutdown=SHUT)
        b = mmdrun.task("lo-b", "ETH-USD", "x", tiers=1, risk=mmdrun.guards_off(), shutdown=SHUT)
        d = start(s, c, [a, b])
        try:
            d.wait_quoting("lo-a", "lo-b")
            remove_while_refused(s, d, [a])
            assert resting(s, c, "lo-b", "ETH-USD"), "lo-b's orders should still rest at the venue"
            rc = d.stop(timeout=60)
            assert rc == 1, "exit %s with lo-b's orders resting\n%s" % (rc, d.log_tail())
            assert "task lo-b: NOT confirmed" in d.log(), d.log_tail()
        finally:
            d.stop()
            d.cleanup()
        s.fault(type="clear")


def test_recovered_venue_then_clean_exit_and_rename():
    with sim.scenario("calm", seed=32) as s:
        c = s.mint("leftover2")
        a = mmdrun.task("lo-a", "BTC-USD", "x", tiers=1, risk=mmdrun.guards_off(), shutdown=SHUT)
        b = mmdrun.task("lo-b", "ETH-USD", "x", tiers=1, risk=mmdrun.guards_off(), shutdown=SHUT)
        b2 = mmdrun.task("lo-b2", "ETH-USD", "x", tiers=1, risk=mmdrun.guards_off(), shutdown=SHUT)
        d = start(s, c, [a, b])
        try:
            d.wait_quoting("lo-a", "lo-b")
            remove_while_refused(s, d, [a, b2])
            s.fault(type="clear")
            wait_for(lambda: resting(s, c, "lo-b", "ETH-USD"), 30, what="lo-b's leftovers cancelled", until=lambda o: o == [],
                     detail=d.log_tail)
            wait_for(lambda: "task lo-b removed: its orders are cancelled" in d.log(), 30,
                     what="lo-b freed once clean", detail=d.log_tail)
            d.wait_quoting("lo-a", "lo-b2", timeout=30)
            rc = d.stop(timeout=60)
            assert rc == 0, d.log_tail()
            assert not mmdrun.account_orders(s, c)[0], "orders left at the venue"
        finally:
            d.stop()
            d.cleanup()


def test_rename_while_cancels_hang():
    """F8: events of the new task's orders reach it, not the removed task of
    the same account and symbol that is still cancelling."""
    with sim.scenario("calm", seed=33) as s:
        c = s.mint("rename")
        a = mmdrun.task("rn-a", "BTC-USD", "x", tiers=1, risk=mmdrun.guards_off(), shutdown={"timeout_s": 20})
        b = mmdrun.task("rn-b", "ETH-USD", "x", tiers=1, risk=mmdrun.guards_off(), shutdown={"timeout_s": 20})
        b2 = mmdrun.task("rn-b2", "ETH-USD", "x", tiers=1, risk=mmdrun.guards_off(), shutdown={"timeout_s": 20})
        d = start(s, c, [a, b])
        try:
            d.wait_quoting("rn-a", "rn-b")
            s.fault(type="delay", ms=2500, duration_s=12)      # b's cancels hang for a while
            d.tasks = [a, b2]
            d.write_config()
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "reload applied" in d.log(), 10, what="the reload", detail=d.log_tail)
            st = wait_for(lambda: d.rpc("status")["tasks"], 20, what="rn-b2 quoting while rn-b is removed",
                          until=lambda ts: any(t["id"] == "rn-b2" and t["state"] == "quoting" for t in ts),
                          detail=d.log_tail)
            print("rn-b2 quoting; tasks: %s" % [(t["id"], t["state"]) for t in st])
            d.wait_quoting("rn-a", "rn-b2", timeout=30)
            wait_for(lambda: "task rn-b removed" in d.log(), 40, what="rn-b gone", detail=d.log_tail)
            s.fault(type="clear")
            assert d.stop(timeout=60) == 0, d.log_tail()
            assert not mmdrun.account_orders(s, c)[0], "orders left at the venue"
        finally:
            d.stop()
            d.cleanup()


if __name__ == "__main__":
    main(test_sigterm_while_refused_exits_1, test_recovered_venue_then_clean_exit_and_rename,
         test_rename_while_cancels_hang)
