#!/usr/bin/env python3
"""e2e SIGHUP reload: an invalid file is rejected and the running config kept;
a valid one is applied task by task — a removed task cancels its orders, an
added task starts quoting, a changed task (fewer tiers) adapts without its
remaining quotes ever leaving the book."""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mmdrun  # noqa: E402
import sim  # noqa: E402

CALM = os.path.join(sim.REPO, "tests", "sim", "scenarios", "calm.yaml")
RISK = {"price_jump_threshold_bps": 1000, "max_fills_per_minute": 1000, "max_position_usd": "1000000"}


def count(s, c, sym, prefix):
    o = mmdrun.account_orders(s, c, sym, prefix)[0]
    return sum(x["side"] == "buy" for x in o), sum(x["side"] == "sell" for x in o)


def main():
    with sim.Sim(scenario=CALM, seed=17) as s:
        c = s.mint("reload")
        btc = mmdrun.task("r-btc", "BTC-USD", "a", tiers=2, risk=RISK)
        eth = mmdrun.task("r-eth", "ETH-USD", "a", tiers=1, risk=RISK)
        sol = mmdrun.task("r-sol", "SOL-USD", "a", tiers=1, risk=RISK)
        with mmdrun.Mmd(s, [btc, eth], {"a": c}) as d:
            ok = d.wait_for(lambda: count(s, c, "BTC-USD", "r-btc-") == (2, 2) and
                            count(s, c, "ETH-USD", "r-eth-") == (1, 1), 15)
            assert ok, d.log()[-3000:]
            # 1. an invalid file is refused, nothing changes
            with open(d.cfg, "a") as f:
                f.write("bogus_key: 1\n")
            d.proc.send_signal(signal.SIGHUP)
            assert d.wait_for(lambda: "keeping the running configuration" in d.log(), 5), d.log()[-2000:]
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
                count(s, c, "SOL-USD", "r-sol-"), d.log()[-3000:])
            assert worst[0] >= 1 and worst[1] >= 1, "btc quotes left the book during the reload: %s" % (worst,)
            assert "reload applied: 1 task(s) added, 1 removed, 1 changed" in d.log(), d.log()[-2000:]
            ids = d.wait_for(lambda: (lambda x: x if x == ["r-btc", "r-sol"] else None)(
                [t["id"] for t in d.rpc("status")["tasks"]]), 10)
            assert ids, [t["id"] for t in d.rpc("status")["tasks"]]
            assert "task r-eth removed: its orders are cancelled" in d.log(), d.log()[-2000:]
            print("reload: eth removed (orders cancelled), sol added, btc down to 1 tier while quoting")
            assert d.stop() == 0, d.log()[-2000:]
        assert not mmdrun.account_orders(s, c)[0]
    print("ok")


if __name__ == "__main__":
    main()
