#!/usr/bin/env python3
"""e2e: a JWT about to expire stops trading while it still works.  mmd knows
the token's exp; jwt_expiry_margin_s (default 300 s) before it the account's
tasks stop quoting and cancel their orders, and the log, the account's error
and the tasks' reasons tell the operator to generate a new token and restart.
A token already inside the margin at start-up never trades."""
import time

import mmdrun
import sim
from harness import main, wait_for

ADVICE = "generate a new API token and restart mmd"


class MarginMmd(mmdrun.Mmd):
    """Mmd whose accounts carry jwt_expiry_margin_s (None: the key is left out)."""

    def __init__(self, *a, margin=None, **kw):
        super().__init__(*a, **kw)
        self.margin = margin

    def write_config(self):
        super().write_config()
        if self.margin is None:
            return
        with open(self.cfg) as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            out.append(line)
            if line.startswith("    signing_key:"):
                out.append("    jwt_expiry_margin_s: %s" % self.margin)
        with open(self.cfg, "w") as f:
            f.write("\n".join(out) + "\n")


def test_stops_before_exp():
    with sim.scenario("calm", seed=51) as s:
        c = s.mint("shortlived", ttl=40)
        exp = c.claims()["exp"]
        t = mmdrun.task("j", "BTC-USD", "shortlived", tiers=1, level="moderate", risk=mmdrun.guards_off())
        with MarginMmd(s, [t], {"shortlived": c}, margin=25) as d:
            d.wait_quoting("j", timeout=10)
            assert time.time() < exp - 25, "too slow to start: the test needs a quoting phase"
            wait_for(lambda: d.orders("j"), 30, what="orders cancelled before the token expires",
                     until=lambda o: not o, detail=d.log_tail)
            left = exp - time.time()
            assert left > 5, "orders were cancelled only %.1f s before exp" % left
            acct = d.rpc("status")["connections"]["accounts"]["shortlived"]
            assert ADVICE in acct.get("error", ""), acct
            ts = d.task_status("j")
            assert ts["risk"]["operator_halt"] and any(ADVICE in r for r in ts["risk"]["reasons"]), ts
            assert ADVICE in d.log(), d.log_tail()
            time.sleep(1.5)
            assert not d.orders("j"), "quoting again after the stop: %s" % d.orders("j")
            print("stopped %.1f s before exp: %s" % (left, acct["error"]))
            d.rpc("resume", {"task": "j"})     # an operator's resume does not outlive the check
            wait_for(lambda: d.task_status("j")["risk"]["operator_halt"], 8, what="halted again after resume",
                     detail=d.log_tail)
            wait_for(lambda: d.orders("j"), 5, what="no orders after the second halt", until=lambda o: not o)
            assert time.time() < exp - 5, "test ran too close to exp"
            assert d.stop() == 0, d.log_tail()


def test_inside_margin_at_start():
    """Default margin (300 s), a token with 120 s left: never trades."""
    with sim.scenario("calm", seed=52) as s:
        c = s.mint("late", ttl=120)
        t = mmdrun.task("k", "BTC-USD", "late", tiers=1, level="moderate", risk=mmdrun.guards_off())
        with MarginMmd(s, [t], {"late": c}) as d:
            acct = wait_for(lambda: d.rpc("status")["connections"]["accounts"]["late"], 10,
                            what="the account failed for its JWT", detail=d.log_tail,
                            until=lambda a: a["state"] == "failed" or d.orders("k"))
            assert acct["state"] == "failed" and ADVICE in acct.get("error", ""), acct
            ts = d.task_status("k")
            assert ts["state"] == "failed" and ADVICE in ts["state_reason"], ts
            time.sleep(1)
            assert not d.orders("k")
            print("refused at start: %s" % acct["error"])
            assert d.stop() == 0, d.log_tail()


if __name__ == "__main__":
    main(test_stops_before_exp, test_inside_margin_at_start)
