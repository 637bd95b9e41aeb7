"""fakemmd — build/tools/fakemmd (the real control plane over a fake backend
with three tasks btc-1, eth-1, sol-1) on a socket in a private temp dir, for
the control-plane suites (tests/ctl).

    with fakemmd.Fake() as f:
        rpc.call(f.path, "status")

Every wait is bounded; the process is always stopped and the dir removed.
"""
import os
import shutil
import signal
import subprocess
import tempfile

import rpc
from harness import binary, wait_for

FAKEMMD = binary("tools/fakemmd")


class Fake:
    """One fakemmd process; use as a context manager (start + cleanup)."""

    def __init__(self, path=None, halt_delay_ms=300, args=()):
        self.tmp = tempfile.mkdtemp(prefix="mmdctl-")
        self.path = path or os.path.join(self.tmp, "run", "mmd.sock")
        self.halt_delay_ms = halt_delay_ms
        self.args = list(args)          # more fakemmd options, e.g. --idle-timeout-ms
        self.proc = None

    def start(self):
        """Starts fakemmd and waits (5 s) until its socket answers."""
        self.proc = subprocess.Popen(
            [FAKEMMD, "-s", self.path, "--halt-delay-ms", str(self.halt_delay_ms)] + self.args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_for(self.answers, 5, 0.02, what="fakemmd answering on %s" % self.path)
        except AssertionError:
            self.stop()
            raise
        return self

    def answers(self):
        """True if the process runs and the control socket answers 'version'."""
        if self.proc.poll() is not None:
            return False
        try:
            rpc.call(self.path, "version", timeout=1)
        except (OSError, ValueError, rpc.RpcError):
            return False
        return True

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc:
            for f in (self.proc.stdout, self.proc.stderr):
                if f:
                    f.close()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.cleanup()
