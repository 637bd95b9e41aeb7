#!/usr/bin/env python3
"""e2e faults: every WebSocket dropped → reconnect, resubscribe, quotes
restored; 5xx and 429 storms → no duplicate orders (each client order id is
sent at most once, read from the simulator's request log), no crash; a run of
rejected orders → circuit breaker pauses the task."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mmdrun  # noqa: E402
import sim  # noqa: E402

CALM = os.path.join(sim.REPO, "tests", "sim", "scenarios", "calm.yaml")
RISK = {"price_jump_threshold_bps": 1000, "max_fills_per_minute": 1000, "max_position_usd": "1000000"}


def quoting(s, c, prefix):
    o = mmdrun.account_orders(s, c, "BTC-USD", prefix)[0]
    return len(o) >= 2 and {x["side"] for x in o} == {"buy", "sell"}


def main():
    with sim.Sim(scenario=CALM, seed=21) as s:
        c = s.mint("faults")
        t = mmdrun.task("f", "BTC-USD", "faults", tiers=2, level="moderate", risk=RISK,
                        strategy={"fill_cooldown_s": 0.5})
        env = {"MMD_WS_BACKOFF_MIN_S": "0.2"}
        with mmdrun.Mmd(s, [t], {"faults": c}, env=env) as d:
            assert d.wait_for(lambda: quoting(s, c, "f-"), 15), d.log()[-2000:]
            # 1. drop every WebSocket
            before = s.state()["connections"]["ws_stream_total"]
            st, j = s.fault(type="drop_ws")
            assert st == 200, (st, j)
            again = d.wait_for(lambda: s.state()["connections"]["ws_stream_total"] >= before + 2, 15)
            assert again, "no reconnect: %s\n%s" % (s.state()["connections"], d.log()[-2000:])
            m = float(s.mark())
            s.set_mark("BTC-USD", round(m * 1.002, 2))    # fresh data must reach the task again
            def requoted():
                o = mmdrun.account_orders(s, c, "BTC-USD", "f-")[0]
                mk = float(s.mark())
                return quoting(s, c, "f-") and all(abs(float(x["price"]) - mk) / mk * 1e4 < 15 for x in o)
            assert d.wait_for(requoted, 15), "quotes not restored after reconnect\n" + d.log()[-3000:]
            conns = d.rpc("status")["connections"]
            print("drop_ws: reconnected (%d stream connections so far), quotes restored" %
                  s.state()["connections"]["ws_stream_total"])
            # 2. 5xx storm while the mark walks (forces re-quotes)
            for kind in ({"type": "http_error", "status": 503, "count": 15},
                         {"type": "rate_limit", "duration_s": 2}):
                st, j = s.fault(**kind)
                assert st == 200, (st, j)
                for i in range(10):
                    m = float(s.mark())
                    s.set_mark("BTC-USD", round(m * (1.0004 if i % 2 else 0.9996), 2))
                    time.sleep(0.25)
                assert d.proc.poll() is None, "mmd died during %s\n%s" % (kind, d.log()[-3000:])
                assert d.wait_for(lambda: quoting(s, c, "f-"), 15), "no quotes after %s\n%s" % (kind, d.log()[-3000:])
                print("%s: survived, quoting" % kind["type"])
            dup = {k: v for k, v in mmdrun.sent_order_ids(s).items() if v > 1}
            assert not dup, "client order ids sent more than once: %s" % dup
            print("no duplicate new_order among %d sent" % len(mmdrun.sent_order_ids(s)))
            # 3. rejects → circuit breaker
            st, j = s.fault(type="reject_next", count=30, message="rejected by simulator")
            assert st == 200, (st, j)
            for i in range(8):
                m = float(s.mark())
                s.set_mark("BTC-USD", round(m * (1.0005 if i % 2 else 0.9995), 2))
                time.sleep(0.3)
            paused = d.wait_for(lambda: (lambda x: x if x["state"] == "paused" else None)(d.task_status("f")), 10)
            assert paused, "no circuit breaker: %s\n%s" % (d.task_status("f"), d.log()[-3000:])
            print("circuit breaker: %s" % paused.get("state_reason") or paused.get("last_reason"))
            time.sleep(1)
            assert not mmdrun.account_orders(s, c, "BTC-USD", "f-")[0], "paused task still has orders"
            s.fault(type="clear")
            d.rpc("resume", {"task": "f"})
            assert d.wait_for(lambda: quoting(s, c, "f-"), 10), "no quotes after resume"
            assert d.stop() == 0, d.log()[-3000:]
    print("ok")


if __name__ == "__main__":
    main()
