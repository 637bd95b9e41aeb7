#!/usr/bin/env python3
"""e2e life cycle: kill -9 then restart cancels the orphans before new quotes
appear; multi-account isolation (halting one task leaves the others quoting,
one account's bad credentials do not stop the other); operator halt/resume
over the control socket; SIGTERM leaves no order and a flat position."""
import time

import mmdrun
import sim
from harness import main

RISK = mmdrun.guards_off()


def restart_cancels_orphans():
    with sim.scenario("calm", seed=3) as s:
        creds = s.mint("crash")
        # a manual order of the same account must survive everything
        st, j = s.new_order(creds, "BTC-USD", "buy", "0.0010", price="60000.00", tif="gtc",
                            cl_ord_id="manual-1")
        assert st == 200, (st, j)
        t = mmdrun.task("btc", "BTC-USD", "crash", risk=RISK)
        d = mmdrun.Mmd(s, [t], {"crash": creds}).start()
        try:
            d.wait_quoting("btc", tiers=2, timeout=15)
            orphans = {o["cl_ord_id"] for o in d.orders("btc")}
            d.kill9()
            still = d.orders("btc")
            assert {o["cl_ord_id"] for o in still} == orphans, "orders vanished without mmd"
            d2 = mmdrun.Mmd(s, [t], {"crash": creds}).start()
            try:
                # watch the sim: the orphans must be gone before any new quote appears
                seen_new_with_orphans = False
                deadline = time.time() + 15
                while time.time() < deadline:
                    now = {o["cl_ord_id"] for o in d.orders("btc")}
                    if (now - orphans) and (now & orphans):
                        seen_new_with_orphans = True
                    if not (now & orphans) and len(now - orphans) >= 4:
                        break
                    time.sleep(0.02)
                now = {o["cl_ord_id"] for o in d.orders("btc")}
                assert not (now & orphans), "orphans not cancelled: %s\n%s" % (now & orphans, d2.log())
                assert len(now - orphans) >= 4, "no new quotes after restart\n" + d2.log()
                assert not seen_new_with_orphans, "new quotes appeared before the orphans were cancelled"
                manual = mmdrun.account_orders(s, creds, "BTC-USD", "manual-")[0]
                assert len(manual) == 1, "the manual order was touched"
                assert "orphan" in d2.log()
                assert d2.stop() == 0, d2.log()[-2000:]
            finally:
                d2.stop()
                d2.cleanup()
        finally:
            d.stop()
            d.cleanup()
        manual = mmdrun.account_orders(s, creds, "BTC-USD", "manual-")[0]
        assert len(manual) == 1, "shutdown cancelled an order that is not ours"
    print("restart: orphans cancelled before new quotes; manual order left alone")


def multi_account():
    with sim.scenario("calm", seed=4) as s:
        a, b = s.mint("acct-a"), s.mint("acct-b")
        bad = sim.Creds(b.jwt[:-4] + "AAAA", b.key)        # signature of the JWT broken
        tasks = [mmdrun.task("a-btc", "BTC-USD", "a", risk=RISK),
                 mmdrun.task("a-eth", "ETH-USD", "a", risk=RISK),
                 mmdrun.task("b-sol", "SOL-USD", "b", risk=RISK),
                 mmdrun.task("c-btc", "BTC-USD", "c", risk=RISK)]
        with mmdrun.Mmd(s, tasks, {"a": a, "b": b, "c": bad}) as d:
            d.wait_quoting("a-btc", "a-eth", "b-sol", tiers=2, timeout=20)
            st = d.task_status("c-btc")
            assert st["state"] == "failed" and "credentials" in st["last_reason"], st
            print("multi: bad credentials on account c: task state %s (%s)" % (st["state"], st.get("last_reason")))
            # operator halt of one task
            r = d.rpc("halt", {"task": "a-eth", "reason": "e2e"})
            assert r["halted"] == ["a-eth"], r
            left = d.orders("a-eth")
            assert not left, "halt replied before the orders were gone: %s" % left
            time.sleep(1.5)
            assert not d.orders("a-eth"), "halted task quoting again"
            assert d.quoting("a-btc", tiers=2) and d.quoting("b-sol", tiers=2)
            st = d.task_status("a-eth")
            assert st["risk"]["state"] == "halt" and st["risk"]["operator_halt"], st
            try:
                d.rpc("halt", {"task": "nope"})
                raise AssertionError("halt of an unknown task succeeded")
            except mmdrun.RpcError as e:
                assert e.code == -1001, e
            d.rpc("resume", {"task": "a-eth"})
            d.wait_quoting("a-eth", tiers=2, timeout=10)   # after resume
            assert d.stop() == 0, d.log_tail()
        _, st = mmdrun.account_orders(s, a)
        for c in (a, b):
            assert not mmdrun.account_orders(s, c)[0]
            for sym in ("BTC-USD", "ETH-USD", "SOL-USD"):
                assert abs(mmdrun.account_position(st, c, sym)) < 1e-12
    print("multi: halt isolates one task; resume restores it; bad account isolated")


if __name__ == "__main__":
    main(restart_cancels_orphans, multi_account)
