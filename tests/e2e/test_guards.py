#!/usr/bin/env python3
"""e2e risk guards against the simulator: a price jump halts (zero open orders
within 1 s) and quoting resumes after the calm period; a thin book halts; a
stale feed halts; a one-sided fill storm never takes |position| beyond the
limit plus one order."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mmdrun  # noqa: E402
import sim  # noqa: E402

CALM = os.path.join(sim.REPO, "tests", "sim", "scenarios", "calm.yaml")


def orders(s, creds, prefix):
    return mmdrun.account_orders(s, creds, "BTC-USD", prefix)[0]


def quoting(s, creds, prefix):
    o = orders(s, creds, prefix)
    return len(o) >= 2 and {x["side"] for x in o} == {"buy", "sell"}


def price_jump():
    with sim.Sim(scenario=CALM, seed=8) as s:
        c = s.mint("jump")
        t = mmdrun.task("j", "BTC-USD", "jump", tiers=1, level="moderate",
                        risk={"price_jump_threshold_bps": 20, "halt_cooldown_s": 2,
                              "max_fills_per_minute": 1000, "max_position_usd": "1000000"},
                        strategy={"fill_cooldown_s": 0.5})
        with mmdrun.Mmd(s, [t], {"jump": c}) as d:
            assert d.wait_for(lambda: quoting(s, c, "j-"), 15), d.log()[-2000:]
            m = float(s.mark())
            s.set_mark("BTC-USD", round(m * 1.006, 2))           # +60 bps at once
            t0 = time.time()
            gone = d.wait_for(lambda: not orders(s, c, "j-"), 1.0, 0.02)
            dt = time.time() - t0
            assert gone, "orders still open 1 s after a 60 bps jump: %s" % orders(s, c, "j-")
            st = d.task_status("j")
            assert st["risk"]["state"] == "halt", st
            print("jump: halted, zero open orders after %.0f ms; reasons %s" % (dt * 1000, st["risk"]["reasons"]))
            assert d.wait_for(lambda: quoting(s, c, "j-"), 10), "no quotes after the calm period"
            print("jump: quoting again after the calm period")


def thin_book():
    with sim.Sim(scenario=CALM, seed=9) as s:
        c = s.mint("thin")
        t = mmdrun.task("t", "BTC-USD", "thin", tiers=1, risk={"min_depth_usd": "5000000",
                                                                "price_jump_threshold_bps": 1000})
        with mmdrun.Mmd(s, [t], {"thin": c}) as d:
            st = d.wait_for(lambda: (lambda x: x if x.get("risk", {}).get("state") == "halt" else None)(d.task_status("t")), 10)
            assert st, d.task_status("t")
            assert any("depth" in r for r in st["risk"]["reasons"]), st["risk"]
            time.sleep(1)
            assert not orders(s, c, "t-"), "quoting on a thin book"
            print("thin book: halted (%s)" % st["risk"]["reasons"][0])


def stale_feed():
    with sim.Sim(scenario=CALM, seed=10) as s:
        c = s.mint("stale")
        t = mmdrun.task("s", "BTC-USD", "stale", tiers=1, risk={"stale_data_ms": 1500, "halt_cooldown_s": 1,
                                                                 "price_jump_threshold_bps": 1000})
        with mmdrun.Mmd(s, [t], {"stale": c}) as d:
            assert d.wait_for(lambda: quoting(s, c, "s-"), 15), d.log()[-2000:]
            st, j = s.fault(type="stale_feed", duration_s=4)
            assert st == 200, (st, j)
            halted = d.wait_for(lambda: (lambda x: x if x.get("risk", {}).get("state") == "halt" else None)(d.task_status("s")), 4)
            assert halted and any("stale" in r for r in halted["risk"]["reasons"]), d.task_status("s")
            assert d.wait_for(lambda: not orders(s, c, "s-"), 2), "orders left while the feed is stale"
            print("stale feed: halted (%s)" % halted["risk"]["reasons"][0])
            assert d.wait_for(lambda: quoting(s, c, "s-"), 12), "no quotes after the feed came back"
            print("stale feed: quoting again once data flows")


def position_limit():
    """Repeatedly force-fill our bids; |position| × mark must stay within the
    limit plus one order."""
    with sim.Sim(scenario=CALM, seed=12) as s:
        c = s.mint("storm")
        limit = 3000.0
        t = mmdrun.task("p", "BTC-USD", "storm", base_qty="0.01", tiers=2, level="moderate",
                        risk={"max_position_usd": str(int(limit)), "price_jump_threshold_bps": 1000,
                              "max_fills_per_minute": 10000},
                        strategy={"fill_cooldown_s": 0.2})
        with mmdrun.Mmd(s, [t], {"storm": c}) as d:
            assert d.wait_for(lambda: quoting(s, c, "p-"), 15), d.log()[-2000:]
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


def main():
    price_jump()
    thin_book()
    stale_feed()
    position_limit()
    print("ok")


if __name__ == "__main__":
    main()
