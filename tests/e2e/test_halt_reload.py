#!/usr/bin/env python3
"""Hostile finding F2: a `halt` still waiting for its tasks' orders to settle
must not keep a task that a SIGHUP removed and freed meanwhile.  `halt` of
every task while the venue refuses cancels (503), so the halt stays pending
on the live task; a reload removes the other task (one that could not start:
its symbol is not listed), which is freed at once.  The daemon runs under
valgrind (an invalid read fails the run: exit 99) or, in an AddressSanitizer
build, under ASan; the halt must be answered, the remaining task must not be
reported "changed" because it moved up in the file, and SIGTERM must exit 0
with no order left."""
import os
import signal
import threading
import time

import mmdrun
import sim
from harness import binary, main, read_text, wait_for


def asan_build():
    with open(binary("mmd"), "rb") as f:
        return b"__asan_init" in f.read()


def test_halt_then_reload_removes_task():
    if not asan_build() and os.path.exists("/usr/bin/valgrind"):
        os.environ["MMD_VALGRIND"] = "1"
    with sim.scenario("calm", seed=21) as s:
        c = s.mint("halt-reload")
        a = mmdrun.task("hr-a", "BTC-USD", "x", tiers=1, risk=mmdrun.guards_off())
        b = mmdrun.task("hr-b", "DOGE-USD", "x", tiers=1, risk=mmdrun.guards_off())   # not listed: fails
        with mmdrun.Mmd(s, [b, a], {"x": c}) as d:                                      # removing b moves a up
            d.wait_quoting("hr-a", timeout=60)
            s.fault(type="http_error", status=503, duration_s=6)
            reply = {}
            t = threading.Thread(target=lambda: reply.update(r=d.rpc("halt", timeout=60)))
            t.start()
            wait_for(lambda: "operator halt" in d.log(), 10, what="the halt", detail=d.log_tail)
            d.tasks = [a]
            d.write_config()
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "reload applied" in d.log(), 20, what="the reload", detail=d.log_tail)
            assert "reload applied: 0 task(s) added, 1 removed, 0 changed" in d.log(), d.log_tail()
            wait_for(lambda: "task hr-b removed" in d.log(), 30, what="hr-b freed", detail=d.log_tail)
            time.sleep(1.0)                     # ticks run with the halt still pending
            s.fault(type="clear")
            t.join(60)
            assert "r" in reply, "halt never answered\n" + d.log_tail()
            assert sorted(reply["r"]["halted"]) == ["hr-a", "hr-b"], reply
            wait_for(lambda: d.orders("hr-a"), 30, what="hr-a's orders cancelled by the halt",
                     until=lambda o: o == [], detail=d.log_tail)
            rc = d.stop(timeout=90)
            assert rc == 0, "exit %s\n%s\n%s" % (rc, d.log_tail(), read_text(getattr(d, "valgrind_log", "")))
        assert not mmdrun.account_orders(s, c)[0]


if __name__ == "__main__":
    main(test_halt_then_reload_removes_task)
