#!/usr/bin/env python3
"""e2e SIGHUP reload: an invalid file is rejected and the running config kept;
a valid one is applied task by task — a removed task cancels its orders, an
added task starts quoting, a changed task (fewer tiers) adapts without its
remaining quotes ever leaving the book."""
import signal
import time

import mmdrun
import sim
from harness import main, wait_for

RISK = mmdrun.guards_off()


def count(s, c, sym, prefix):
    o = mmdrun.account_orders(s, c, sym, prefix)[0]
    return sum(x["side"] == "buy" for x in o), sum(x["side"] == "sell" for x in o)


def test_reload():
    with sim.scenario("calm", seed=17) as s:
        c = s.mint("reload")
        btc = mmdrun.task("r-btc", "BTC-USD", "a", tiers=2, risk=RISK)
        eth = mmdrun.task("r-eth", "ETH-USD", "a", tiers=1, risk=RISK)
        sol = mmdrun.task("r-sol", "SOL-USD", "a", tiers=1, risk=RISK)
        with mmdrun.Mmd(s, [btc, eth], {"a": c}) as d:
            wait_for(lambda: (count(s, c, "BTC-USD", "r-btc-"), count(s, c, "ETH-USD", "r-eth-")), 15,
                     what="(bids, asks) of r-btc (2, 2) and r-eth (1, 1)",
                     until=lambda n: n == ((2, 2), (1, 1)), detail=d.log_tail)
            # 1. an invalid file is refused, nothing changes
            with open(d.cfg, "a") as f:
                f.write("bogus_key: 1\n")
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "keeping the running configuration" in d.log(), 5,
                     what="the invalid file refused", detail=d.log_tail)
            assert d.proc.poll() is None
            assert count(s, c, "BTC-USD", "r-btc-") == (2, 2)
            print("reload: invalid file rejected, running config kept")
            # 2. btc 2 -> 1 tier, eth removed, sol added
            btc["sizing"]["tiers"] = 1
            d.tasks = [btc, sol]
            d.write_config()
            d.proc.send_signal(signal.SIGHUP)
            worst = (9, 9)
            deadline = time.time() + 10
            done = False
            while time.time() < deadline:
                b = count(s, c, "BTC-USD", "r-btc-")
                worst = (min(worst[0], b[0]), min(worst[1], b[1]))
                if b == (1, 1) and count(s, c, "ETH-USD", "r-eth-") == (0, 0) and \
                        count(s, c, "SOL-USD", "r-sol-") == (1, 1):
                    done = True
                    break
                time.sleep(0.02)
            assert done, "reload not applied: btc %s eth %s sol %s\n%s" % (
                count(s, c, "BTC-USD", "r-btc-"), count(s, c, "ETH-USD", "r-eth-"),
                count(s, c, "SOL-USD", "r-sol-"), d.log_tail())
            assert worst[0] >= 1 and worst[1] >= 1, "btc quotes left the book during the reload: %s" % (worst,)
            assert "reload applied: 1 task(s) added, 1 removed, 1 changed" in d.log(), d.log_tail()
            wait_for(lambda: [t["id"] for t in d.rpc("status")["tasks"]], 10, what="tasks r-btc, r-sol",
                     until=lambda ids: ids == ["r-btc", "r-sol"])
            assert "task r-eth removed: its orders are cancelled" in d.log(), d.log_tail()
            print("reload: eth removed (orders cancelled), sol added, btc down to 1 tier while quoting")
            assert d.stop() == 0, d.log_tail()
        assert not mmdrun.account_orders(s, c)[0]


if __name__ == "__main__":
    main(test_reload)
