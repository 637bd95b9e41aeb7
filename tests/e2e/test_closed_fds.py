#!/usr/bin/env python3
"""Hostile start-up (F18): mmd started with file descriptors 0-2 closed must
reopen them on /dev/null before it opens anything, or its first socket or
pipe becomes "stderr" and log lines are written into it.  Checked on the
real daemon against the simulator: fds 0-2 are /dev/null, the control socket
answers, SIGTERM still exits 0."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mmdrun  # noqa: E402
import sim  # noqa: E402


def main():
    with sim.Sim(seed=5) as s:
        creds = s.mint("fds")
        d = mmdrun.Mmd(s, [mmdrun.task("btc", "BTC-USD", "fds")], {"fds": creds})
        d.write_config()
        cmd = 'exec "$0" -c "$1" <&- >&- 2>&-'
        proc = subprocess.Popen(["sh", "-c", cmd, sim.binary("mmd"), d.cfg])
        try:
            deadline = time.time() + 10
            while True:
                assert proc.poll() is None, "mmd exited with %s" % proc.returncode
                try:
                    d.rpc("version", timeout=1)
                    break
                except (OSError, mmdrun.RpcError):
                    assert time.time() < deadline, "control socket did not answer"
                    time.sleep(0.05)
            fds = {n: os.readlink("/proc/%d/fd/%d" % (proc.pid, n)) for n in (0, 1, 2)}
            assert all(v == "/dev/null" for v in fds.values()), fds
            proc.terminate()
            assert proc.wait(40) == 0, proc.returncode
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
            d.cleanup()
    print("ok")


if __name__ == "__main__":
    main()
