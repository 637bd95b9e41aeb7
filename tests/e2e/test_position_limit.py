#!/usr/bin/env python3
"""e2e position limit against the simulator: under a one-sided fill storm
(every resting quote on one side force-filled as soon as it appears) the
account's |position| x mark never exceeds max_position_usd plus one order,
the adding side stops quoting at the limit (risk says which side is
blocked) while the reducing side keeps quoting, and the daemon's position
agrees with the venue's.  Run long (bids filled) and short (asks filled,
half-fills, with every REST answer delayed so position reports lag)."""
import time

import mmdrun
import sim
from harness import main, wait_for

LIMIT = 6000.0
STORM_S = 10


def storm(s, c, prefix, side, partial):
    """Fills every resting order of ours on side (half of what is open when
    partial) for STORM_S seconds; returns (fills, worst |position| USD,
    largest order USD) seen at the venue."""
    worst = max_order = 0.0
    fills = 0
    deadline = time.time() + STORM_S
    while time.time() < deadline:
        o, st = mmdrun.account_orders(s, c, "BTC-USD", prefix)
        mark = float(st["symbols"]["BTC-USD"]["mark"])
        worst = max(worst, abs(mmdrun.account_position(st, c, "BTC-USD")) * mark)
        for x in o:
            max_order = max(max_order, float(x["qty"]) * mark)
            if x["side"] != side:
                continue
            half = round((float(x["qty"]) - float(x["fill_qty"])) / 2, 4)
            s.fill(order_id=x["id"], qty="%.4f" % half if partial and half >= 0.0001 else None)
            fills += 1
        time.sleep(0.03)
    return fills, worst, max_order


def daemon_position(d, tid):
    return float(d.rpc("positions")[tid]["position"])


def check_after(s, c, d, tid, prefix, side):
    """At the limit: the adding side is blocked (and says so), the reducing
    side quotes, resting orders cannot take the position beyond the limit,
    and the daemon's position is the venue's."""
    other = "sell" if side == "buy" else "buy"
    st = wait_for(lambda: d.task_status(tid), 5, what="a '%s side blocked' reason" % side,
                  until=lambda x: any("%s side blocked" % side in r for r in x["risk"]["reasons"]))
    assert st["risk"]["state"] == "caution", st["risk"]
    wait_for(lambda: any(x["side"] == other for x in mmdrun.account_orders(s, c, "BTC-USD", prefix)[0]), 5,
             what="the reducing side quoting")
    o, vst = mmdrun.account_orders(s, c, "BTC-USD", prefix)
    mark = float(vst["symbols"]["BTC-USD"]["mark"])
    pos = mmdrun.account_position(vst, c, "BTC-USD")
    adding = sum(float(x["qty"]) - float(x["fill_qty"]) for x in o if x["side"] == side)
    sign = 1 if side == "buy" else -1
    assert abs(pos + sign * adding) * mark <= LIMIT + 1, \
        "resting %s orders would take the position to %.0f USD" % (side, abs(pos + sign * adding) * mark)
    wait_for(lambda: daemon_position(d, tid), 12, 0.2, what="the daemon's position equal to the venue's %s" % pos,
             until=lambda p: abs(p - pos) < 1e-9)
    return pos


def storm_run(side, seed, delay_ms=0, partial=False):
    with sim.scenario("calm", seed=seed) as s:
        c = s.mint("storm-" + side)
        tid = "pl" + side[0]
        t = mmdrun.task(tid, "BTC-USD", "storm-" + side, base_qty="0.01", tiers=2, level="moderate",
                        risk=mmdrun.guards_off(max_position_usd=str(int(LIMIT)), max_fills_per_minute=100000),
                        strategy={"fill_cooldown_s": 0.1})
        with mmdrun.Mmd(s, [t], {"storm-" + side: c}) as d:
            prefix = tid + "-"
            d.wait_quoting(tid, timeout=15)
            if delay_ms:
                st, j = s.fault(type="delay", ms=delay_ms, duration_s=STORM_S)
                assert st == 200, (st, j)
            fills, worst, max_order = storm(s, c, prefix, side, partial)
            print("%s storm%s%s: %d forced fills, worst |position| %.0f USD (limit %.0f, one order %.0f)"
                  % (side, " (REST delayed %d ms)" % delay_ms if delay_ms else "",
                     " (partial fills)" if partial else "", fills, worst, LIMIT, max_order))
            assert fills >= 6, "the storm did not happen"
            assert worst >= LIMIT - max_order, "the storm never reached the limit (%.0f USD)" % worst
            assert worst <= LIMIT + max_order + 1, \
                "position %.0f USD beyond limit %.0f + one order %.0f" % (worst, LIMIT, max_order)
            s.fault(type="clear")
            pos = check_after(s, c, d, tid, prefix, side)
            print("%s storm: position %s, %s side blocked, the other side quoting, daemon agrees"
                  % (side, pos, side))


def test_long_storm():
    storm_run("buy", seed=21)


def test_short_storm_partial_fills_delayed_rest():
    storm_run("sell", seed=22, delay_ms=300, partial=True)


if __name__ == "__main__":
    main(test_long_storm, test_short_storm_partial_fills_delayed_rest)
