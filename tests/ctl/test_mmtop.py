#!/usr/bin/env python3
"""mmtop driven in tmux (a private tmux server, -L) against fakemmd: the
screen shows the tasks, 'h' + 'y' halts the selected task (fakemmd reports
it halted), 'H' + 'n' does nothing, resizing to 80x24 keeps the layout
usable, a daemon restart shows "disconnected - retrying" and then
reconnects, and 'q' quits.  The tmux server is always killed."""
import shutil
import time

import rpc
from clients import Tmux
from fakemmd import Fake
from harness import binary, main, require, wait_for


def task_state(path, tid):
    return [t for t in rpc.call(path, "status")["tasks"] if t["id"] == tid][0]["state"]


def mmtop(f, tmux):
    s = tmux.wait_screen(lambda s: "btc-1" in s and "eth-1" in s and "sol-1" in s)
    assert "TASK" in s and "q quit" in s, s
    assert "market:up" in s, s
    # details of the selected (first) task
    tmux.wait_screen(lambda s: "T1 0-10bps" in s and "orders: 4 open" in s)

    # select eth-1, halt with confirmation
    tmux.keys("Down")
    tmux.wait_screen(lambda s: "-- eth-1 ETH-USD" in s)
    tmux.keys("h")
    tmux.wait_screen(lambda s: "Halt task eth-1" in s and "(y/n)" in s)
    tmux.keys("y")
    wait_for(lambda: task_state(f.path, "eth-1"), 5, 0.02, what="eth-1 halted", until=lambda st: st == "halted")
    s = tmux.wait_screen(lambda s: "halted" in s and "halt eth-1: done" in s)
    assert task_state(f.path, "btc-1") == "quoting"

    # H then n: nothing halted
    tmux.keys("H")
    tmux.wait_screen(lambda s: "Halt ALL tasks" in s)
    tmux.keys("n")
    tmux.wait_screen(lambda s: "halt cancelled" in s)
    time.sleep(0.5)
    assert task_state(f.path, "btc-1") == "quoting"

    # r resumes the selected task
    tmux.keys("r")
    wait_for(lambda: task_state(f.path, "eth-1"), 5, 0.02, what="eth-1 resumed", until=lambda st: st == "quoting")

    # 80x24 keeps header, every task row, and the footer
    tmux.resize(80, 24)
    s = tmux.wait_screen(lambda s: len(s.splitlines()[0]) <= 80 and "sol-1" in s and "q quit" in s)
    lines = s.splitlines()
    assert all(len(ln) <= 80 for ln in lines), s
    assert lines[0].startswith("mmd "), s
    assert any(ln.startswith("TASK") for ln in lines), s
    # help screen
    tmux.keys("?")
    tmux.wait_screen(lambda s: "halt the selected task" in s)
    tmux.keys("x")
    tmux.wait_screen(lambda s: "orders:" in s)

    # daemon restart: disconnected, then back
    f.stop()
    tmux.wait_screen(lambda s: "disconnected - retrying" in s)
    f.start()
    tmux.wait_screen(lambda s: "market:up" in s and "btc-1" in s, timeout=15)

    # tiny terminal: no crash
    tmux.resize(30, 6)
    time.sleep(0.5)
    tmux.resize(100, 30)
    tmux.wait_screen(lambda s: "sol-1" in s)

    tmux.keys("q")
    # mmtop exits; the pane runs 'sleep', so look for the shell prompt-free screen
    tmux.wait_screen(lambda s: "q quit" not in s)


def test_mmtop():
    if not shutil.which("tmux"):
        print("skip: tmux not installed")
        return
    with Fake() as f, Tmux("%s -s %s" % (binary("mmtop"), f.path)) as tmux:
        mmtop(f, tmux)


if __name__ == "__main__":
    require("tools/fakemmd", "mmtop")
    main(test_mmtop)
