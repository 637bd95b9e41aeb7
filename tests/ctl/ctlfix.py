"""ctlfix — shared fixture for the control-plane integration tests: start
build/tools/fakemmd on a socket in a temp dir, talk NDJSON to it, stop it.
Standard library only; every wait is bounded."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("MMD_BUILD") or os.path.join(ROOT, "build")
FAKEMMD = os.path.join(BUILD, "tools", "fakemmd")
MMCTL = os.path.join(BUILD, "mmctl")
MMTOP = os.path.join(BUILD, "mmtop")


def wait_for(pred, timeout=5.0, step=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return False


class Fake:
    """One fakemmd process; use as a context manager."""

    def __init__(self, path=None, halt_delay_ms=300):
        self.tmp = tempfile.mkdtemp(prefix="mmdctl-")
        self.path = path or os.path.join(self.tmp, "run", "mmd.sock")
        self.halt_delay_ms = halt_delay_ms
        self.proc = None

    def start(self, expect_ok=True):
        self.proc = subprocess.Popen(
            [FAKEMMD, "-s", self.path, "--halt-delay-ms", str(self.halt_delay_ms)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if expect_ok and not wait_for(lambda: self.answers(), 5):
            self.stop()
            raise RuntimeError("fakemmd did not come up on %s" % self.path)
        return self

    def answers(self):
        if self.proc.poll() is not None:
            return False
        try:
            c = Conn(self.path)
        except OSError:
            return False
        c.close()
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


class Conn:
    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.next_id = 1

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(obj) + "\n")

    def line(self, timeout=5.0):
        """Next line as bytes, or None on EOF."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply line within %.1fs" % timeout)
            self.s.settimeout(left)
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln

    def recv(self, timeout=5.0):
        ln = self.line(timeout)
        return None if ln is None else json.loads(ln)

    def call(self, method, params=None, timeout=5.0):
        i = self.next_id
        self.next_id += 1
        req = {"jsonrpc": "2.0", "id": i, "method": method}
        if params is not None:
            req["params"] = params
        self.send(req)
        while True:
            m = self.recv(timeout)
            if m is None:
                raise EOFError("connection closed")
            if m.get("id") == i:
                return m

    def expect_silence(self, secs=0.3):
        self.s.settimeout(secs)
        try:
            data = self.s.recv(65536)
        except socket.timeout:
            return True
        finally:
            self.s.settimeout(5.0)
        self.buf += data
        return False

    def close(self):
        self.s.close()


def require_binaries(*paths):
    for p in paths:
        if not os.access(p, os.X_OK):
            print("missing %s (run make first)" % p)
            sys.exit(1)


class Runner:
    """Tiny test runner: runs functions, prints PASS/FAIL, exits non-zero on failure."""

    def __init__(self):
        self.failed = 0

    def run(self, fn, *args):
        t = time.monotonic()
        try:
            fn(*args)
            print("ok   %-40s %.2fs" % (fn.__name__, time.monotonic() - t))
        except Exception as e:  # noqa: BLE001 - report every failure
            import traceback
            self.failed += 1
            print("FAIL %-40s %s" % (fn.__name__, e))
            traceback.print_exc()
        sys.stdout.flush()

    def exit(self):
        print("%s" % ("all passed" if not self.failed else "%d failed" % self.failed))
        sys.exit(1 if self.failed else 0)
