#!/usr/bin/env python3
"""Hostile start-up (F18): mmd started with file descriptors 0-2 closed must
reopen them on /dev/null before it opens anything, or its first socket or
pipe becomes "stderr" and log lines are written into it.  Checked on the
real daemon against the simulator: fds 0-2 are /dev/null, the control socket
answers, SIGTERM still exits 0."""
import os

import mmdrun
import sim
from harness import main


def test_closed_fds():
    with sim.Sim(seed=5) as s:
        creds = s.mint("fds")
        with mmdrun.Mmd(s, [mmdrun.task("btc", "BTC-USD", "fds")], {"fds": creds},
                        shell='exec "$@" <&- >&- 2>&-') as d:
            fds = {n: os.readlink("/proc/%d/fd/%d" % (d.proc.pid, n)) for n in (0, 1, 2)}
            assert all(v == "/dev/null" for v in fds.values()), fds
            assert d.stop() == 0


if __name__ == "__main__":
    main(test_closed_fds)
