#!/usr/bin/env python3
"""e2e: the newcomer demo (tools/demo.sh, what `make demo` runs after
building).  It must start standx-sim and mmd, print how to reach mmtop and
mmctl, quote, and on Ctrl-C (SIGINT to the terminal's process group) shut
down cleanly — orders cancelled, positions closed — stop the simulator and
remove its temporary files."""
import os
import re
import signal
import socket
import subprocess
import time

from clients import mmctl
from harness import REPO, build_dir, main, wait_for


def test_demo():
    env = dict(os.environ, BUILD=build_dir())
    p = subprocess.Popen([os.path.join(REPO, "tools", "demo.sh")], cwd=REPO, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)   # its own process group, like a terminal job
    out = []
    sock = tmpdir = port = None
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not sock:
            line = p.stdout.readline()
            if not line:
                break
            out.append(line)
            m = re.search(r"standx-sim on 127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
            m = re.search(r"mmctl -s (\S+) status", line)
            if m:
                sock = m.group(1)
        assert sock, "demo did not print the mmctl line:\n" + "".join(out)
        tmpdir = os.path.dirname(sock)
        print("demo: " + out[-1].strip())
        # wait until mmctl shows both demo tasks quoting
        wait_for(lambda: mmctl("-j", "status", sock=sock, timeout=10), 20, 0.2,
                 what="both demo tasks quoting (mmctl -j status)",
                 until=lambda r: r.returncode == 0 and r.stdout.count('"quoting"') >= 2)
        time.sleep(3)   # let it trade a little
        os.killpg(p.pid, signal.SIGINT)          # Ctrl-C
        rest, _ = p.communicate(timeout=60)
        out.append(rest)
        text = "".join(out)
        assert p.returncode == 0, "demo exit %s:\n%s" % (p.returncode, text[-3000:])
        assert "shutdown complete: every order cancelled and confirmed" in text, text[-3000:]
        assert not os.path.exists(tmpdir), "demo left %s behind" % tmpdir
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            raise AssertionError("the simulator still answers on port %d" % port)
        except OSError:
            pass
        print("demo: Ctrl-C -> orders cancelled, positions closed, simulator stopped, temp files removed")
    finally:
        if p.poll() is None:                      # TERM lets the script stop mmd and the sim
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(45)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(10)


if __name__ == "__main__":
    main(test_demo)
