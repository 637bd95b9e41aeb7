#!/usr/bin/env python3
"""e2e faults: every WebSocket dropped → reconnect, resubscribe, quotes
restored; 5xx and 429 storms → no duplicate orders (each client order id is
sent at most once, read from the simulator's request log), no crash; a run of
rejected orders → circuit breaker pauses the task."""
import time

import mmdrun
import sim
from harness import main, wait_for


def test_faults():
    with sim.scenario("calm", seed=21) as s:
        c = s.mint("faults")
        t = mmdrun.task("f", "BTC-USD", "faults", tiers=2, level="moderate", risk=mmdrun.guards_off(),
                        strategy={"fill_cooldown_s": 0.5})
        env = {"MMD_WS_BACKOFF_MIN_S": "0.2"}
        with mmdrun.Mmd(s, [t], {"faults": c}, env=env) as d:
            d.wait_quoting("f", timeout=15)
            # 1. drop every WebSocket
            before = s.state()["connections"]["ws_stream_total"]
            st, j = s.fault(type="drop_ws")
            assert st == 200, (st, j)
            wait_for(lambda: s.state()["connections"], 15, what="a reconnect after drop_ws",
                     until=lambda conns: conns["ws_stream_total"] >= before + 2, detail=d.log_tail)
            m = float(s.mark())
            s.set_mark("BTC-USD", round(m * 1.002, 2))    # fresh data must reach the task again

            def requoted():
                o = d.orders("f")
                mk = float(s.mark())
                return mmdrun.two_sided(o) and all(abs(float(x["price"]) - mk) / mk * 1e4 < 15 for x in o)
            wait_for(requoted, 15, what="quotes restored after reconnect", detail=d.log_tail)
            assert d.rpc("status")["connections"]
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
                assert d.proc.poll() is None, "mmd died during %s\n%s" % (kind, d.log_tail())
                d.wait_quoting("f", timeout=15)
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
            paused = wait_for(lambda: d.task_status("f"), 10, what="the circuit breaker pausing task f",
                              until=lambda st: st["state"] == "paused", detail=d.log_tail)
            print("circuit breaker: %s" % paused.get("state_reason") or paused.get("last_reason"))
            time.sleep(1)
            assert not d.orders("f"), "paused task still has orders"
            s.fault(type="clear")
            d.rpc("resume", {"task": "f"})
            d.wait_quoting("f", timeout=10)
            assert d.stop() == 0, d.log_tail()


if __name__ == "__main__":
    main(test_faults)
