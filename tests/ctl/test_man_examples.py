#!/usr/bin/env python3
"""Every example in the EXAMPLES section of mmctl(8) and mmtop(1) runs, as
written, against fakemmd: each "$ command" line is run by bash with build/
first in PATH and MMD_SOCKET set to the fake daemon (the socket path the
pages show, /run/mmd/mmd.sock, is replaced by the fake one).  mmctl
examples must exit 0 and print something that fits the example; mmtop
examples run in a private tmux server and must show the task table, then
quit on 'q'."""
import os
import re
import shutil
import subprocess

from clients import Tmux
from fakemmd import Fake
from harness import REPO, build_dir, finish, require, run, wait_for

PAGE_SOCK = "/run/mmd/mmd.sock"


def examples(page):
    text = open(os.path.join(REPO, "man", page)).read()
    sec = text.split(".Sh EXAMPLES", 1)[1].split("\n.Sh ", 1)[0]
    cmds = [ln[2:] for ln in sec.splitlines() if ln.startswith("$ ")]
    assert cmds, "no examples in %s" % page
    return [c.replace("\\(aq", "'").replace("\\e", "\\") for c in cmds]


def env_for(f):
    return dict(os.environ, PATH=os.path.abspath(build_dir()) + os.pathsep + os.environ["PATH"],
                MMD_SOCKET=f.path, TERM="xterm-256color")


# What each mmctl example must print (a regex on stdout), by a word of it.
EXPECT = [
    (r"^mmctl status$", r"btc-1 +BTC-USD +quoting"),
    (r"^mmctl orders btc-1$", r"TASK +SIDE +TIER +PRICE +BPS"),
    (r"^mmctl halt btc-1", r"halted: btc-1"),
    (r"^mmctl resume btc-1$", r"resumed: btc-1"),
    (r"positions \| jq", r"^btc-1\neth-1\n$"),
    (r"status \| jq", r"^eth-1\n$"),
    (r"orders nope \| jq", r"^unknown task 'nope'\n$"),
    (r"^mmctl uptime btc-1$", r"this hour: "),
    (r"resume$", r"resumed:"),
    (r"check$", r"^MMD (OK|WARNING|CRITICAL)"),
    (r"^mmctl reload$", r"applied"),
    (r"^mmctl log-level debug$", r"debug"),
]


def test_mmctl_examples(f):
    if not shutil.which("jq"):
        print("skip: jq not installed")
        return
    cmds = examples("mmctl.8")
    for c in cmds:
        line = c.replace(PAGE_SOCK, f.path).replace("/run/mmd/mmd-ro.sock", f.path)
        p = subprocess.run(["bash", "-o", "pipefail", "-c", line], env=env_for(f), capture_output=True,
                           text=True, timeout=30)
        want = [w for k, w in EXPECT if re.search(k, c)]
        assert want, "no expectation for example %r" % c
        if "nope" in c:   # the error example: mmctl exits 1, its JSON error on stdout
            assert p.returncode == 1, (c, p.returncode, p.stdout, p.stderr)
        elif c.endswith(" check"):   # Nagios-style: 1 = degraded (the fake has a task in caution)
            assert p.returncode == 1 and p.stdout.startswith("MMD WARNING"), (c, p.returncode, p.stdout)
        else:
            assert p.returncode == 0, (c, p.returncode, p.stdout, p.stderr)
        assert re.search(want[0], p.stdout, re.M), (c, p.stdout)
        print("ok: $ %s" % c)


def test_mmtop_examples(f):
    if not shutil.which("tmux"):
        print("skip: tmux not installed")
        return
    for c in examples("mmtop.1"):
        line = c.replace(PAGE_SOCK, f.path)
        with Tmux("env PATH=%s:$PATH MMD_SOCKET=%s %s" % (os.path.abspath(build_dir()), f.path, line),
                  100, 30) as tmux:
            tmux.wait_screen(lambda s: "TASK" in s and "btc-1" in s and "q quit" in s)
            tmux.keys("q")
            tmux.wait_screen(lambda s: "q quit" not in s)
        # the next example reuses the server name: wait until this one is gone
        wait_for(lambda: subprocess.run(["tmux", "-L", tmux.server, "has-session"], capture_output=True).returncode,
                 5, 0.05, what="tmux server gone", until=lambda rc: rc != 0)
        print("ok: $ %s" % c)


def main():
    require("tools/fakemmd", "mmctl", "mmtop")
    with Fake(args=["--caution", "eth-1"]) as f:
        run(test_mmctl_examples, f)
        run(test_mmtop_examples, f)
    finish()


if __name__ == "__main__":
    main()
