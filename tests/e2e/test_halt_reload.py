#!/usr/bin/env python3
"""Hostile finding F2: a `halt` still waiting for its tasks' orders to settle
must not keep a task that a SIGHUP removed and freed meanwhile.  `halt` of
every task while the venue refuses cancels (503), so the halt stays pending
on the live task; a reload removes the other task (one that could not start:
its symbol is not listed), which is freed at once.  The daemon runs under valgrind (an invalid read fails the
run: exit 99) or, in an AddressSanitizer build, under ASan; the halt must be
answered, the other task keep running, and SIGTERM exit 0 with no order left."""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mmdrun  # noqa: E402
import sim  # noqa: E402

CALM = os.path.join(sim.REPO, "tests", "sim", "scenarios", "calm.yaml")
RISK = {"price_jump_threshold_bps": 1000, "max_fills_per_minute": 1000, "max_position_usd": "1000000"}


def asan_build():
    with open(sim.binary("mmd"), "rb") as f:
        return b"__asan_init" in f.read()


def count(s, c, sym, prefix):
    return len(mmdrun.account_orders(s, c, sym, prefix)[0])


def main():
    env = {}
    if not asan_build() and os.path.exists("/usr/bin/valgrind"):
        os.environ["MMD_VALGRIND"] = "1"
    with sim.Sim(scenario=CALM, seed=21) as s:
        c = s.mint("halt-reload")
        a = mmdrun.task("hr-a", "BTC-USD", "x", tiers=1, risk=RISK)
        b = mmdrun.task("hr-b", "DOGE-USD", "x", tiers=1, risk=RISK)    # not listed: fails
        with mmdrun.Mmd(s, [b, a], {"x": c}, env=env) as d:      # removing b moves a up
            ok = d.wait_for(lambda: count(s, c, "BTC-USD", "hr-a-") == 2, 60)
            assert ok, d.log()[-3000:]
            s.fault(type="http_error", status=503, duration_s=6)
            reply = {}
            t = threading.Thread(target=lambda: reply.update(r=d.rpc("halt", timeout=60)))
            t.start()
            assert d.wait_for(lambda: "operator halt" in d.log(), 10), d.log()[-2000:]
            d.tasks = [a]
            d.write_config()
            d.proc.send_signal(signal.SIGHUP)
            assert d.wait_for(lambda: "reload applied" in d.log(), 20), d.log()[-2000:]
            # a task whose parameters did not change is not "changed" because it moved in the file
            assert "reload applied: 0 task(s) added, 1 removed, 0 changed" in d.log(), d.log()[-2000:]
            assert d.wait_for(lambda: "task hr-b removed" in d.log(), 30), d.log()[-3000:]
            time.sleep(1.0)                     # ticks run with the halt still pending
            s.fault(type="clear")
            t.join(60)
            assert "r" in reply, "halt never answered\n" + d.log()[-2000:]
            assert sorted(reply["r"]["halted"]) == ["hr-a", "hr-b"], reply
            assert d.wait_for(lambda: count(s, c, "BTC-USD", "hr-a-") == 0, 30), d.log()[-2000:]
            rc = d.stop(timeout=90)
            assert rc == 0, "exit %s\n%s\n%s" % (rc, d.log()[-2000:], valgrind_log(d))
        assert not mmdrun.account_orders(s, c)[0]
    print("ok")


def valgrind_log(d):
    try:
        with open(d.valgrind_log) as f:
            return f.read()[-4000:]
    except (AttributeError, OSError):
        return ""


if __name__ == "__main__":
    main()
