#!/usr/bin/env python3
"""e2e soak: mmd against the `faulty` scenario (WebSocket drops, 5xx bursts,
429 bursts, stale feed, slow responses, refused connections, a lagging
open-orders list, rejected orders) at speed 4 for 30 s with two tasks.  The
daemon must survive, never send a client order id twice, keep quoting in
between faults, and still shut down with zero orders left and exit 0."""
import json
import time

import mmdrun
import sim
from harness import main

RISK = mmdrun.guards_off(halt_cooldown_s=1)


def test_faulty_soak():
    with sim.scenario("faulty", seed=99, speed=4) as s:
        c = s.mint("soak")
        tasks = [mmdrun.task("s-btc", "BTC-USD", "a", tiers=2, risk=RISK, strategy={"fill_cooldown_s": 1}),
                 mmdrun.task("s-eth", "ETH-USD", "a", tiers=1, risk=RISK, strategy={"fill_cooldown_s": 1})]
        with mmdrun.Mmd(s, tasks, {"a": c}, env={"MMD_WS_BACKOFF_MIN_S": "0.2", "MMD_WS_BACKOFF_MAX_S": "2"}) as d:
            samples = quoting = 0
            t_end = time.time() + 30
            while time.time() < t_end:
                assert d.proc.poll() is None, "mmd died:\n" + d.log_tail()
                try:
                    o = d.orders("s-btc")
                    samples += 1
                    quoting += mmdrun.two_sided(o)
                except (AssertionError, OSError, ValueError):
                    pass   # the admin API shares the faulty server (delays, refusals)
                time.sleep(0.25)
            print("faulty soak: two-sided in %d of %d samples" % (quoting, samples))
            assert quoting >= samples // 4, "hardly ever quoting through the faults\n" + d.log_tail()
            st = d.rpc("status")
            print("connections: %s" % json.dumps(st["connections"]["market"])[:300])
            rc = d.stop(timeout=60)
            assert rc == 0, "exit %s\n%s" % (rc, d.log_tail())
        ids = mmdrun.sent_order_ids(s)
        dup = {k: v for k, v in ids.items() if v > 1}
        assert not dup, "client order ids sent twice: %s" % dup
        for _ in range(20):   # the admin API shares the faulty server: a refused connection is retried
            try:
                s.fault(type="clear")
                break
            except OSError:
                time.sleep(0.5)
        left = mmdrun.account_orders(s, c)[0]
        assert not left, "orders left at the exchange: %s" % left
        print("faulty soak: %d orders sent, none twice; exit 0 with zero orders left" % len(ids))


if __name__ == "__main__":
    main(test_faulty_soak)
