#!/usr/bin/env python3
"""e2e: mmd quotes both sides of every tier inside its band at the simulator,
re-quotes when the mark drifts, and keeps the band over a scripted walk.
Real mmd, real standx-sim, loopback only."""
import time

import mmdrun
import sim
from harness import main, wait_for

BANDS = [(3, 8), (8, 12)]          # tiers 1 and 2, set in the task (the moderate level's are wider)
SLACK_BPS = 1.6                    # requote_drift_bps (1) + tick rounding + mark moves between samples


def tier_of(o, mark):
    d = abs(float(o["price"]) - mark) / mark * 1e4
    return d


def check_book(orders, mark):
    """Returns (ok, why): one bid and one ask inside each band."""
    bids = sorted((tier_of(o, mark) for o in orders if o["side"] == "buy"))
    asks = sorted((tier_of(o, mark) for o in orders if o["side"] == "sell"))
    for side, ds in (("bid", bids), ("ask", asks)):
        for lo, hi in BANDS:
            if not any(lo - SLACK_BPS <= d <= hi + SLACK_BPS for d in ds):
                return False, "no %s in band %s-%s bps (have %s)" % (side, lo, hi, ["%.2f" % d for d in ds])
    for o in orders:
        if o["side"] == "buy" and float(o["price"]) >= mark or o["side"] == "sell" and float(o["price"]) <= mark:
            return False, "order on the wrong side of mark: %s" % o
    return True, ""


def snapshot(s, creds):
    orders, st = mmdrun.account_orders(s, creds, "BTC-USD", "btc-")
    return orders, float(st["symbols"]["BTC-USD"]["mark"])


def test_quoting():
    # --market-hz 0: the scripted walk below steps every 0.5 s, the live
    # profile's frame interval, so at 2 Hz each sample would measure how late
    # the feed shows a step rather than how mmd keeps its bands; the live
    # cadence is covered by test_live_soak and make bench-rewards.
    with sim.scenario("calm", seed=5, args=["--market-hz", "0"]) as s:
        creds = s.mint("quoter")
        t = mmdrun.task("btc", "BTC-USD", "quoter", tiers=2, level="moderate", risk=mmdrun.guards_off(),
                        strategy={"fill_cooldown_s": 1, "tiers_bps": [list(b) for b in BANDS]})
        with mmdrun.Mmd(s, [t], {"quoter": creds}) as d:
            # 1. both sides of both tiers inside their bands
            wait_for(lambda: check_book(*snapshot(s, creds)), 15, what="both sides of both tiers in band",
                     until=lambda r: r[0], detail=d.log_tail)
            orders, mark = snapshot(s, creds)
            print("quoting: %d orders around mark %.2f" % (len(orders), mark))
            st = d.task_status("btc")
            assert st["state"] == "quoting", st
            assert len(st["tiers"]) == 2 and st["tiers"][0]["bid"] and st["tiers"][0]["ask"], st

            # 2. requote on drift: move mark 25 bps up; quotes must follow
            before = {o["cl_ord_id"] for o in orders}
            new_mark = round(mark * 1.0025, 2)
            s.set_mark("BTC-USD", new_mark)
            def followed():
                o2, m2 = snapshot(s, creds)
                return check_book(o2, m2)[0] and not (before & {o["cl_ord_id"] for o in o2})
            wait_for(followed, 10, what="a requote after a 25 bps drift", detail=lambda: snapshot(s, creds))
            print("requote: quotes followed a 25 bps move")

            # 3. scripted walk: 3 bps steps every 0.5 s; sample the book every 0.1 s
            good = total = 0
            m = float(s.mark())
            for step in range(20):
                m = round(m * (1 + (0.0003 if step % 8 < 5 else -0.0003)), 2)
                s.set_mark("BTC-USD", m)
                for _ in range(5):
                    time.sleep(0.1)
                    o3, m3 = snapshot(s, creds)
                    total += 1
                    good += check_book(o3, m3)[0]
            frac = good / total
            print("walk: both sides of both tiers in band in %.1f%% of %d samples" % (100 * frac, total))
            assert frac >= 0.8, "band kept only %.1f%% of the walk" % (100 * frac)
            rc = d.stop()
            assert rc == 0, "mmd exit %s\n%s" % (rc, d.log_tail())
        left, st = mmdrun.account_orders(s, creds)
        assert not left, "orders left after SIGTERM: %s" % left
        assert abs(mmdrun.account_position(st, creds, "BTC-USD")) < 1e-12, "position not flat"


if __name__ == "__main__":
    main(test_quoting)
