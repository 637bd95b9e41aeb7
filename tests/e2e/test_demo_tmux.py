#!/usr/bin/env python3
"""e2e: `make demo` as a newcomer runs it — in a terminal (a tmux pane of a
private tmux server) with DEMO_TMUX=1: it prints MMD_SOCKET=..., opens
mmtop in a split that shows both demo tasks, and Ctrl-C in the demo's pane
stops mmd cleanly, closes the mmtop pane and ends quietly: make exits 0 and
prints no "make: *** ... Interrupt".  Works under either simulator profile
(bounded waits of 60 s for quoting)."""
import re
import shutil

from clients import Tmux, mmctl
from harness import REPO, build_dir, main, wait_for


def panes(tmux):
    return tmux("list-panes", "-t", "t", "-F", "#{pane_id}").stdout.split()


def test_demo_tmux():
    if not shutil.which("tmux"):
        print("skip: tmux not installed")
        return
    # Tmux runs "env TERM=... COMMAND": bash -c makes the cd and the echo part of it
    cmd = "bash -c 'cd %s && DEMO_TMUX=1 make demo BUILD=%s; echo DEMO-EXIT=$?; sleep 30'" % (REPO, build_dir())
    with Tmux(cmd, 200, 50) as tmux:
        demo = panes(tmux)[0]
        s = wait_for(lambda: tmux("capture-pane", "-p", "-J", "-t", demo).stdout, 120, 0.2,
                     what="MMD_SOCKET=... printed", until=lambda s: re.search(r"^MMD_SOCKET=\S+", s, re.M))
        sock = re.search(r"^MMD_SOCKET=(\S+)", s, re.M).group(1)
        assert "mmtop opened in tmux pane" in s, s
        wait_for(lambda: mmctl("-j", "status", sock=sock, timeout=10), 60, 0.5,
                 what="both demo tasks quoting",
                 until=lambda r: r.returncode == 0 and r.stdout.count('"quoting"') >= 2)
        top = [p for p in panes(tmux) if p != demo]
        assert len(top) == 1, panes(tmux)
        scr = wait_for(lambda: tmux("capture-pane", "-p", "-t", top[0]).stdout, 20, 0.2,
                       what="mmtop in the split shows the demo tasks",
                       until=lambda s: "TASK" in s and s.count("quoting") >= 2)
        print("mmtop in the split:\n" + scr)
        tmux("send-keys", "-t", demo, "C-c")
        out = wait_for(lambda: tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", demo).stdout, 60, 0.2,
                       what="the demo ends", until=lambda s: "DEMO-EXIT=" in s)
        assert "DEMO-EXIT=0" in out, out[-3000:]
        assert "Interrupt" not in out and "make: ***" not in out, out[-3000:]
        assert "shutdown complete" in out, out[-3000:]
        wait_for(lambda: panes(tmux), 10, 0.2, what="the mmtop pane closed", until=lambda p: p == [demo])
        print("demo: Ctrl-C -> clean stop, mmtop pane closed, make exit 0 without 'Interrupt'")


if __name__ == "__main__":
    main(test_demo_tmux)
