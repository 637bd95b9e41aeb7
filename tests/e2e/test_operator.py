#!/usr/bin/env python3
"""e2e operator tools against the real daemon and simulator: `mmctl status`
shows the quotes, `mmctl halt btc-mm` leaves zero open orders of that task at
the simulator while the other task keeps quoting, `mmctl resume` brings the
quotes back; mmtop in tmux shows the tasks and halts the selected one with
h + y; `mmctl shutdown` stops mmd cleanly."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mmdrun  # noqa: E402
import sim  # noqa: E402

CALM = os.path.join(sim.REPO, "tests", "sim", "scenarios", "calm.yaml")
RISK = {"price_jump_threshold_bps": 1000, "max_fills_per_minute": 1000, "max_position_usd": "1000000"}
TMUX = "mmd-e2e-%d" % os.getpid()


def mmctl(d, *args):
    p = subprocess.run([sim.binary("mmctl"), "-s", d.sock] + list(args), capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout + p.stderr


def quoting(s, c, sym, prefix):
    o = mmdrun.account_orders(s, c, sym, prefix)[0]
    return len(o) >= 2 and {x["side"] for x in o} == {"buy", "sell"}


def tmux(*a, check=True):
    return subprocess.run(["tmux", "-L", TMUX] + list(a), capture_output=True, text=True, timeout=10,
                          check=check)


def main():
    with sim.Sim(scenario=CALM, seed=23) as s:
        c = s.mint("ops")
        tasks = [mmdrun.task("btc-mm", "BTC-USD", "a", risk=RISK), mmdrun.task("eth-mm", "ETH-USD", "a", risk=RISK)]
        with mmdrun.Mmd(s, tasks, {"a": c}) as d:
            assert d.wait_for(lambda: quoting(s, c, "BTC-USD", "btc-mm-") and quoting(s, c, "ETH-USD", "eth-mm-"),
                              15), d.log()[-2000:]
            rc, out = mmctl(d, "status")
            assert rc == 0 and "btc-mm" in out and "eth-mm" in out and "quoting" in out, out
            print("mmctl status:\n" + out)
            rc, out = mmctl(d, "halt", "btc-mm", "e2e test")
            assert rc == 0, out
            assert not mmdrun.account_orders(s, c, "BTC-USD", "btc-mm-")[0], "btc-mm orders left after halt"
            time.sleep(1)
            assert not mmdrun.account_orders(s, c, "BTC-USD", "btc-mm-")[0]
            assert quoting(s, c, "ETH-USD", "eth-mm-"), "eth-mm stopped quoting"
            rc, out = mmctl(d, "halt", "nope")
            assert rc == 1 and "nope" in out, (rc, out)
            rc, out = mmctl(d, "resume", "btc-mm")
            assert rc == 0, out
            assert d.wait_for(lambda: quoting(s, c, "BTC-USD", "btc-mm-"), 10), "no quotes after resume"
            print("mmctl: halt btc-mm -> 0 orders, eth-mm kept quoting; resume -> quotes back")
            # mmtop in a private tmux server
            try:
                tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
                     "env TERM=xterm-256color %s -s %s; sleep 30" % (sim.binary("mmtop"), d.sock))
                def screen():
                    return tmux("capture-pane", "-p", "-t", "t").stdout
                scr = d.wait_for(lambda: (lambda x: x if "btc-mm" in x and "eth-mm" in x else None)(screen()), 8)
                assert scr, screen()
                print("mmtop:\n" + scr)
                tmux("send-keys", "-t", "t", "h")
                time.sleep(0.3)
                tmux("send-keys", "-t", "t", "y")
                halted = d.wait_for(lambda: d.task_status("btc-mm")["risk"]["operator_halt"], 8)
                assert halted, screen()
                assert d.wait_for(lambda: not mmdrun.account_orders(s, c, "BTC-USD", "btc-mm-")[0], 5)
                tmux("resize-window", "-t", "t", "-x", "80", "-y", "24", check=False)
                time.sleep(0.5)
                assert "btc-mm" in screen(), screen()
                tmux("send-keys", "-t", "t", "q")
                print("mmtop: h + y halted btc-mm; 80x24 still shows the tasks")
            finally:
                tmux("kill-server", check=False)
            rc, out = mmctl(d, "shutdown")
            assert rc == 0, out
            d.proc.wait(40)
            assert d.proc.returncode == 0, d.log()[-2000:]
            d.stop()
        assert not mmdrun.account_orders(s, c)[0]
    print("ok")


if __name__ == "__main__":
    main()
