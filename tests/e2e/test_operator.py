#!/usr/bin/env python3
"""e2e operator tools against the real daemon and simulator: `mmctl status`
shows the quotes, `mmctl halt btc-mm` leaves zero open orders of that task at
the simulator while the other task keeps quoting, `mmctl resume` brings the
quotes back; mmtop in tmux shows the tasks and halts the selected one with
h + y; `mmctl shutdown` stops mmd cleanly."""
import time

import mmdrun
import sim
from clients import Tmux, mmctl as run_mmctl
from harness import binary, main, wait_for


def mmctl(d, *args):
    p = run_mmctl(*args, sock=d.sock, timeout=30)
    return p.returncode, p.stdout + p.stderr


def test_operator():
    with sim.scenario("calm", seed=23) as s:
        c = s.mint("ops")
        tasks = [mmdrun.task("btc-mm", "BTC-USD", "a", risk=mmdrun.guards_off()),
                 mmdrun.task("eth-mm", "ETH-USD", "a", risk=mmdrun.guards_off())]
        with mmdrun.Mmd(s, tasks, {"a": c}) as d:
            d.wait_quoting("btc-mm", "eth-mm", timeout=15)
            rc, out = mmctl(d, "status")
            assert rc == 0 and "btc-mm" in out and "eth-mm" in out and "quoting" in out, out
            print("mmctl status:\n" + out)
            rc, out = mmctl(d, "halt", "btc-mm", "e2e test")
            assert rc == 0, out
            assert not d.orders("btc-mm"), "btc-mm orders left after halt"
            time.sleep(1)
            assert not d.orders("btc-mm")
            assert d.quoting("eth-mm"), "eth-mm stopped quoting"
            rc, out = mmctl(d, "halt", "nope")
            assert rc == 1 and "nope" in out, (rc, out)
            rc, out = mmctl(d, "resume", "btc-mm")
            assert rc == 0, out
            d.wait_quoting("btc-mm", timeout=10)   # after resume
            print("mmctl: halt btc-mm -> 0 orders, eth-mm kept quoting; resume -> quotes back")
            # mmtop in a private tmux server
            with Tmux("%s -s %s" % (binary("mmtop"), d.sock)) as tmux:
                scr = tmux.wait_screen(lambda x: "btc-mm" in x and "eth-mm" in x, 8)
                print("mmtop:\n" + scr)
                tmux.keys("h")
                time.sleep(0.3)
                tmux.keys("y")
                wait_for(lambda: d.task_status("btc-mm")["risk"]["operator_halt"], 8,
                         what="btc-mm halted from mmtop", detail=tmux.screen)
                wait_for(lambda: d.orders("btc-mm"), 5, what="no btc-mm orders", until=lambda o: not o)
                tmux.resize(80, 24, check=False)
                time.sleep(0.5)
                assert "btc-mm" in tmux.screen(), tmux.screen()
                tmux.keys("q")
                print("mmtop: h + y halted btc-mm; 80x24 still shows the tasks")
            rc, out = mmctl(d, "shutdown")
            assert rc == 0, out
            d.proc.wait(40)
            assert d.proc.returncode == 0, d.log_tail()
            d.stop()
        assert not mmdrun.account_orders(s, c)[0]


if __name__ == "__main__":
    main(test_operator)
