#!/usr/bin/env python3
"""Live venue: a token revoked server-side before its exp.

The venue can revoke an API token at any time; from then on every request
answers 401 and stream logins are refused, so cancels are impossible.  mmd
must halt that account's tasks with a reason that says what to do, keep
trying to cancel (spaced, not a flood), and on SIGTERM not claim a clean
exit while its orders still rest.  The other account is untouched."""
import time

import mmdrun
import sim
from harness import main, wait_for

ADVICE = "generate a new API token and restart mmd"


def cancel_attempts(s, since_us):
    return sum(1 for r in mmdrun.order_requests(s) if r["op"] != "new" and r["ts_us"] >= since_us)


def test_revoked_token_halts_and_keeps_cancelling():
    with sim.scenario("calm", seed=71, args=["--profile", "live"]) as s:
        bad, good = s.mint("revoked"), s.mint("fine")
        ts = [mmdrun.task("r", "BTC-USD", "bad", tiers=1, level="moderate", risk=mmdrun.guards_off(),
                          shutdown={"timeout_s": 4, "close_positions": False}),
              mmdrun.task("g", "ETH-USD", "good", tiers=1, level="moderate", risk=mmdrun.guards_off())]
        with mmdrun.Mmd(s, ts, {"bad": bad, "good": good}) as d:
            d.wait_quoting("r", "g", timeout=30)
            good_before = {o["cl_ord_id"] for o in mmdrun.account_orders(s, good)[0]}
            st, j = s.request("POST", "/_sim/revoke", body=sim.compact({"account": "revoked"}))
            assert st == 200, (st, j)
            t0 = time.time()
            task = wait_for(lambda: d.task_status("r"), 15, what="task r halted for the revoked token",
                            until=lambda t: t["risk"]["state"] == "halt" and
                            any(ADVICE in r for r in t["risk"]["reasons"]), detail=d.log_tail)
            print("halted %.1f s after the revocation: %s" % (time.time() - t0, task["risk"]["reasons"]))
            assert "put a new token in the account's jwt_file" in d.log(), d.log_tail()
            since = int(time.time() * 1e6)
            time.sleep(7)
            n = cancel_attempts(s, since)
            print("cancel attempts in 7 s while the token is refused: %d" % n)
            assert 2 <= n <= 30, n
            assert mmdrun.account_orders(s, bad)[0], "the venue should still hold the orders it refused to cancel"
            g = d.task_status("g")
            assert g["risk"]["state"] != "halt", g
            good_now = {o["cl_ord_id"] for o in mmdrun.account_orders(s, good)[0]}
            assert good_now, "the other account stopped quoting"
            rc = d.stop()
            assert rc != 0, "exit 0 although orders of the revoked account still rest: %s" % d.log_tail()
            print("exit %d with the revoked account's orders resting (good account had %d -> %d orders)"
                  % (rc, len(good_before), len(good_now)))
        assert not mmdrun.account_orders(s, good)[0]


if __name__ == "__main__":
    main(test_revoked_token_halts_and_keeps_cancelling)
