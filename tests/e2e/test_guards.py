#!/usr/bin/env python3
"""e2e risk guards against the simulator: a price jump halts (zero open orders
within 1 s) and quoting resumes after the calm period; a thin book halts; a
stale feed halts; a one-sided fill storm never takes |position| beyond the
limit plus one order."""
import time

import mmdrun
import sim
from harness import main, wait_for


def halted(st):
    return st.get("risk", {}).get("state") == "halt"


def price_jump():
    with sim.scenario("calm", seed=8) as s:
        c = s.mint("jump")
        t = mmdrun.task("j", "BTC-USD", "jump", tiers=1, level="moderate",
                        risk=mmdrun.guards_off(price_jump_threshold_bps=20, halt_cooldown_s=2),
                        strategy={"fill_cooldown_s": 0.5})
        with mmdrun.Mmd(s, [t], {"jump": c}) as d:
            d.wait_quoting("j", timeout=15)
            m = float(s.mark())
            s.set_mark("BTC-USD", round(m * 1.006, 2))           # +60 bps at once
            t0 = time.time()
            wait_for(lambda: d.orders("j"), 1.0, 0.02, what="zero open orders within 1 s of a 60 bps jump",
                     until=lambda o: not o)
            dt = time.time() - t0
            st = d.task_status("j")
            assert st["risk"]["state"] == "halt", st
            print("jump: halted, zero open orders after %.0f ms; reasons %s" % (dt * 1000, st["risk"]["reasons"]))
            d.wait_quoting("j", timeout=10)   # after the calm period
            print("jump: quoting again after the calm period")


def thin_book():
    with sim.scenario("calm", seed=9) as s:
        c = s.mint("thin")
        t = mmdrun.task("t", "BTC-USD", "thin", tiers=1, risk=mmdrun.guards_off(min_depth_usd="5000000"))
        with mmdrun.Mmd(s, [t], {"thin": c}) as d:
            st = wait_for(lambda: d.task_status("t"), 10, what="task t halted", until=halted)
            assert any("depth" in r for r in st["risk"]["reasons"]), st["risk"]
            time.sleep(1)
            assert not d.orders("t"), "quoting on a thin book"
            print("thin book: halted (%s)" % st["risk"]["reasons"][0])


def stale_feed():
    with sim.scenario("calm", seed=10) as s:
        c = s.mint("stale")
        t = mmdrun.task("s", "BTC-USD", "stale", tiers=1,
                        risk=mmdrun.guards_off(stale_data_ms=1500, halt_cooldown_s=1))
        with mmdrun.Mmd(s, [t], {"stale": c}) as d:
            d.wait_quoting("s", timeout=15)
            st, j = s.fault(type="stale_feed", duration_s=4)
            assert st == 200, (st, j)
            st = wait_for(lambda: d.task_status("s"), 4, what="task s halted on the stale feed", until=halted)
            assert any("stale" in r for r in st["risk"]["reasons"]), st
            wait_for(lambda: d.orders("s"), 2, what="no orders while the feed is stale", until=lambda o: not o)
            print("stale feed: halted (%s)" % st["risk"]["reasons"][0])
            d.wait_quoting("s", timeout=12)   # once the feed is back
            print("stale feed: quoting again once data flows")


def position_limit():
    """Repeatedly force-fill our bids; |position| × mark must stay within the
    limit plus one order."""
    with sim.scenario("calm", seed=12) as s:
        c = s.mint("storm")
        limit = 3000.0
        t = mmdrun.task("p", "BTC-USD", "storm", base_qty="0.01", tiers=2, level="moderate",
                        risk=mmdrun.guards_off(max_position_usd=str(int(limit)), max_fills_per_minute=10000),
                        strategy={"fill_cooldown_s": 0.2})
        with mmdrun.Mmd(s, [t], {"storm": c}) as d:
            d.wait_quoting("p", timeout=15)
            worst = 0.0
            max_order = 0.0
            deadline = time.time() + 12
            fills = 0
            while time.time() < deadline:
                o, st = mmdrun.account_orders(s, c, "BTC-USD", "p-")
                mark = float(st["symbols"]["BTC-USD"]["mark"])
                pos = mmdrun.account_position(st, c, "BTC-USD")
                worst = max(worst, abs(pos) * mark)
                for x in o:
                    if x["side"] == "buy":
                        max_order = max(max_order, float(x["qty"]) * mark)
                        s.fill(order_id=x["id"])
                        fills += 1
                time.sleep(0.05)
            o, st = mmdrun.account_orders(s, c, "BTC-USD", "p-")
            print("position limit: %d forced bid fills, worst |position| %.0f USD (limit %.0f, one order %.0f)"
                  % (fills, worst, limit, max_order))
            assert fills >= 3, "the storm did not happen"
            assert worst <= limit + max_order + 1, "position %.0f beyond limit %.0f + one order" % (worst, limit)
            assert any(x["side"] == "sell" for x in o), "the reducing side stopped quoting"
            mark = float(st["symbols"]["BTC-USD"]["mark"])
            pos = mmdrun.account_position(st, c, "BTC-USD")
            bids = sum(float(x["qty"]) - float(x["fill_qty"]) for x in o if x["side"] == "buy")
            assert (pos + bids) * mark <= limit + 1, \
                "resting bids would take the position to %.0f USD" % ((pos + bids) * mark)


if __name__ == "__main__":
    main(price_jump, thin_book, stale_feed, position_limit)
