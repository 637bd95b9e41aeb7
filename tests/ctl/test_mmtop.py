#!/usr/bin/env python3
"""mmtop driven in tmux (a private tmux server, -L) against fakemmd with a
quoting (btc-1), a halted (eth-1) and a caution (sol-1) task, at 80x24 and
200x50: every task's merged state word, both bps distances, position share
and uptime are on screen, the first reason of each non-safe task has its own
line, the rows are green, yellow and red, and no number is cut with '~'; Enter opens the detail pane (ladder,
24-hour uptime chart, fills, events).  Then the keys: 'h' + 'y' halts the
selected task, 'H' + 'n' does nothing, 'r' resumes, '?' help, paging with 30
tasks ("11-20 of 30"), the filter, a daemon restart shows "disconnected -
retrying" and reconnects, 'q' quits.  The screens are written to
build/test-logs/mmtop-screens.txt.  The tmux server is always killed."""
import os
import re
import shutil
import time

import rpc
from clients import Tmux
from fakemmd import Fake
from harness import binary, build_dir, main, require, wait_for

SCREENS = []


def keep(title, s):
    SCREENS.append("==== %s ====\n%s" % (title, s.rstrip("\n")))


def task_state(path, tid):
    return [t for t in rpc.call(path, "status")["tasks"] if t["id"] == tid][0]["state"]


def row_of(s, tid):
    return [ln for ln in s.splitlines() if ln.startswith(tid + " ")][0]


def all_three(s):
    return all(re.search(r"^%s .*%s" % (t, w), s, re.M) for t, w in
               (("btc-1", "quoting"), ("eth-1", "HALT"), ("sol-1", "caution")))


def check_main(s, width):
    lines = s.splitlines()
    assert all(len(ln) <= width for ln in lines), s
    assert "~" not in s, "a number or word cut with '~':\n" + s
    assert lines[0].startswith("mmd "), s
    assert "market:up" in lines[0] and re.search(r"\d\d:\d\d:\d\dZ", lines[0]), s
    assert "3 tasks: 1 quoting 1 caution 1 HALT" in lines[1], s
    for tid, word, bps, share in (("btc-1", "quoting", r"4\.\d/4\.\d", r"\+13%"),
                                  ("eth-1", "HALT", r"-/-", r"-30%"),
                                  ("sol-1", "caution", r"4\.\d/4\.\d", r" 0%")):
        row = row_of(s, tid)
        assert word in row, row
        assert re.search(bps, row), (tid, row)
        assert re.search(share, row), (tid, row)
        assert re.search(r"\d+\.\dm [#.:]+", row), (tid, row)       # uptime minutes and bar
        assert re.search(r"[+-]?\d+\.\d\d\b", row), (tid, row)      # PnL today in USD, 2 decimals
    assert "    > eth-1: operator: " in s, s
    assert "    > sol-1: spread 38.5 bps > 30 (caution)" in s, s
    assert "    > btc-1" not in s, s


def check_detail(s, width):
    assert all(len(ln) <= width for ln in s.splitlines()), s
    assert "~" not in s, s
    assert "-- btc-1 BTC-USD" in s and "ladder (4 open)" in s, s
    assert re.search(r"sell +T2 +\d+\.\d\d +10\.0 +0\.0100 +\d+\.\ds", s), s
    assert "uptime per UTC hour, last 24 h" in s and "42=|" in s and "30-|" in s, s
    assert "recent fills" in s and "markout +2.5 bps" in s, s
    assert "USD of 5000.00 (13%)" in s, s


def check_colours(tmux):
    """Green quoting, yellow caution, red HALT: the SGR codes tmux emits at each row's start."""
    raw = tmux("capture-pane", "-p", "-e", "-t", "t").stdout
    for tid, sgr in (("btc-1", "32"), ("eth-1", "31"), ("sol-1", "33")):
        line = [ln for ln in raw.splitlines() if re.search(r"(^|m)%s " % tid, ln)][0]
        codes = re.findall(r"\x1b\[([0-9;]*)m", line.split(tid)[0])
        assert any(sgr in c.split(";") for c in codes), (tid, repr(line[:60]))


def screens(tmux):
    for w, h in ((80, 24), (200, 50)):
        tmux.resize(w, h)
        s = tmux.wait_screen(lambda s: all_three(s) and len(s.splitlines()[0]) > 0 and
                             ("lat p50" in s) == (w >= 120))
        check_main(s, w)
        check_colours(tmux)
        keep("main screen %dx%d (btc-1 quoting, eth-1 halted, sol-1 caution)" % (w, h), s)
        tmux.keys("Enter")
        s = tmux.wait_screen(lambda s: "ladder (4 open)" in s and "TASK " not in s and
                             "recent fills" in s and "42=|" in s and
                             re.search(r"0\.0100 +\d+\.\ds", s))   # the orders reply (ages) is in
        check_detail(s, w)
        if w >= 150:
            assert "price vs quotes" in s and "recent events" in s, s
        keep("detail pane %dx%d (Enter on btc-1)" % (w, h), s)
        tmux.keys("Escape")
        tmux.wait_screen(lambda s: "TASK " in s)


def keys(f, tmux):
    # select eth-1 (halted), resume it, then halt it again with confirmation
    tmux.keys("Down")
    tmux.wait_screen(lambda s: "-- eth-1 ETH-USD" in s)
    tmux.keys("r")
    wait_for(lambda: task_state(f.path, "eth-1"), 5, 0.02, what="eth-1 resumed", until=lambda st: st == "quoting")
    tmux.wait_screen(lambda s: re.search(r"^eth-1 .*quoting", s, re.M))
    tmux.keys("h")
    tmux.wait_screen(lambda s: "Halt task eth-1" in s and "(y/n)" in s)
    tmux.keys("y")
    wait_for(lambda: task_state(f.path, "eth-1"), 5, 0.02, what="eth-1 halted", until=lambda st: st == "halted")
    tmux.wait_screen(lambda s: "HALT" in s and "halt eth-1: done" in s)
    assert task_state(f.path, "btc-1") == "quoting"
    # H then n: nothing halted
    tmux.keys("H")
    tmux.wait_screen(lambda s: "Halt ALL tasks" in s)
    tmux.keys("n")
    tmux.wait_screen(lambda s: "halt cancelled" in s)
    time.sleep(0.5)
    assert task_state(f.path, "btc-1") == "quoting"
    # help screen
    tmux.keys("?")
    tmux.wait_screen(lambda s: "halt the selected task" in s and "PgUp/PgDn" in s)
    tmux.keys("x")
    tmux.wait_screen(lambda s: "TASK " in s)
    # sort by state: worst first
    tmux.keys("s")
    s = tmux.wait_screen(lambda s: "sort state" in s)
    order = [ln.split()[0] for ln in s.splitlines() if re.match(r"(btc|eth|sol)-1 ", ln)]
    assert order == ["eth-1", "sol-1", "btc-1"], s
    for _ in range(5):
        tmux.keys("s")
    tmux.wait_screen(lambda s: "sort config" in s)
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
    tmux.wait_screen(lambda s: "q quit" not in s)


def paging(tmux):
    s = tmux.wait_screen(lambda s: "30 tasks:" in s and " of 30" in s)
    m = re.search(r"1-(\d+) of 30", s)
    assert m, s
    n = int(m.group(1))
    assert 5 <= n < 30, s
    tmux.keys("NPage")
    s = tmux.wait_screen(lambda s: re.search(r"\b%d-\d+ of 30" % (n + 1), s))
    keep("main screen 80x24, 30 tasks, after PgDn", s)
    tmux.keys("G")   # End; tmux sends Home/End for its own TERM, not the pane's xterm-256color
    tmux.wait_screen(lambda s: re.search(r"-30 of 30", s) and "t-30" in s)
    tmux.keys("g")   # Home
    tmux.wait_screen(lambda s: "1-%d of 30" % n in s)
    tmux.keys("/", "t", "-", "2", "Enter")
    s = tmux.wait_screen(lambda s: "filter /t-2" in s and "1-10 of 10" in s)
    assert "btc-1" not in s and "t-29" in s, s
    tmux.keys("/", "Escape")
    tmux.wait_screen(lambda s: "filter /" not in s and "of 30" in s)
    tmux.keys("q")


def test_mmtop():
    if not shutil.which("tmux"):
        print("skip: tmux not installed")
        return
    with Fake(args=["--caution", "sol-1"]) as f:
        rpc.call(f.path, "halt", {"task": "eth-1", "reason": "news"})
        with Tmux("%s -s %s" % (binary("mmtop"), f.path), 80, 24) as tmux:
            screens(tmux)
            keys(f, tmux)
    with Fake(args=["--tasks", "30"]) as f, \
            Tmux("%s -s %s" % (binary("mmtop"), f.path), 80, 24) as tmux:
        paging(tmux)
    path = os.path.join(build_dir(), "test-logs", "mmtop-screens.txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write("\n\n".join(SCREENS) + "\n")
    print("mmtop: screens in %s" % path)


if __name__ == "__main__":
    require("tools/fakemmd", "mmtop")
    main(test_mmtop)
