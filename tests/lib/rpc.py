"""rpc — the tests' JSON-RPC 2.0 client for mmd's control socket (the real
daemon, or build/tools/fakemmd which runs the real control plane over a fake
backend).  Newline-delimited JSON over a Unix socket.

* ``call(sock, method, params=None)`` — one request on a fresh connection;
  returns the ``result``, raises ``RpcError`` for an ``error`` reply.  Every
  helper that asks the daemon something (``mmdrun.Mmd.rpc``, fakemmd's
  readiness check) goes through it.
* ``Conn`` — one open connection for the conformance tests: ``call()``
  returns the whole reply; ``send``/``send_raw``/``recv``/``line`` for
  hand-made frames; ``expect_silence()``.
* ``Pinger(sock)`` — a thread that calls ``version`` every 10 ms on its own
  connection while an attack runs; ``.worst`` is the slowest answer (the
  daemon's worst event-loop stall); ``proc_kb(pid, "VmHWM")`` reads the
  daemon's peak RSS.
* ``check_reply(method, reply)`` — the single point every reply to a
  ``Conn.call`` (and so every ``call``) passes through: each reply is
  checked against its JSON Schema in man/rpc-schema/ (rpcschema), so every
  test that talks to the real daemon or to fakemmd also checks the shapes.

Every read is bounded by a timeout.
"""
import json
import socket
import threading
import time


def check_reply(method, reply):
    """Called with the method name and the whole decoded reply of every
    Conn.call(): the result against the method's schema, an error against
    the documented codes (rpcschema.SchemaError otherwise).  A method with
    no schema (the conformance tests call unknown ones) must answer an error."""
    import rpcschema                       # here: rpcschema needs jsonschema, rpc itself does not
    if method not in rpcschema.methods() and "result" in reply:
        raise rpcschema.SchemaError("%s: a result for a method with no schema: %s" % (method, reply))
    if method in rpcschema.methods() or "error" in reply:
        rpcschema.check_response(method, reply)


class RpcError(Exception):
    """An 'error' reply: .code and .message."""

    def __init__(self, err):
        super().__init__("%s: %s" % (err.get("code"), err.get("message")))
        self.code, self.message = err.get("code"), err.get("message")


class Conn:
    """One connection to the control socket at `path`."""

    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        try:
            self.s.connect(path)
        except OSError:
            self.s.close()
            raise
        self.buf = b""
        self.next_id = 1

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(obj) + "\n")

    def line(self, timeout=5.0):
        """Next line as bytes, or None on EOF; TimeoutError after timeout."""
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
        """Next message (decoded JSON), or None on EOF."""
        ln = self.line(timeout)
        return None if ln is None else json.loads(ln)

    def call(self, method, params=None, timeout=5.0):
        """Sends one request and returns its whole reply (notifications
        in between are skipped); the reply goes through check_reply()."""
        i = self.next_id
        self.next_id += 1
        req = {"jsonrpc": "2.0", "id": i, "method": method}
        if params is not None:
            req["params"] = params
        self.send(req)
        while True:
            m = self.recv(timeout)
            if m is None:
                raise ConnectionError("connection closed before the reply to %s" % method)
            if isinstance(m, dict) and m.get("id") == i:
                check_reply(method, m)
                return m

    def expect_silence(self, secs=0.3):
        """True if nothing arrives within secs (what did arrive is kept)."""
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


def call(sock, method, params=None, timeout=15.0):
    """One request on a fresh connection to `sock`: returns the result,
    raises RpcError for an error reply, OSError if the socket does not answer."""
    c = Conn(sock, timeout)
    try:
        rep = c.call(method, params, timeout)
    finally:
        c.close()
    if "error" in rep:
        raise RpcError(rep["error"])
    return rep["result"]


def proc_kb(pid, key):
    """A /proc/PID/status figure in KiB (VmRSS, VmHWM, ...); 0 if absent."""
    with open("/proc/%d/status" % pid) as fh:
        for ln in fh:
            if ln.startswith(key + ":"):
                return int(ln.split()[1])
    return 0


def under_asan(pid):
    """Whether process pid is an AddressSanitizer build (its memory figures
    then say nothing about ours)."""
    with open("/proc/%d/maps" % pid) as fh:
        return "libasan" in fh.read()


def stall_report(proc, what, hwm0, pinger):
    """Prints the worst loop stall a Pinger saw and the peak-RSS growth of
    proc since VmHWM was hwm0; returns that growth in KiB."""
    grown = proc_kb(proc.pid, "VmHWM") - hwm0
    print("     %s: worst loop stall %.0f ms (%d pings), peak RSS +%d KiB (VmHWM %d KiB)"
          % (what, pinger.worst * 1000, pinger.n, grown, proc_kb(proc.pid, "VmHWM")))
    return grown


class Pinger:
    """Context manager: calls `version` every 10 ms on its own connection to
    `sock`; .worst is the slowest answer in seconds (how long the daemon's
    loop was stuck), .n the number of answers.  Raises on exit if a ping
    failed."""

    def __init__(self, sock, timeout=60.0):
        self.c = Conn(sock, timeout)
        self.timeout = timeout
        self.worst, self.n, self.err = 0.0, 0, None
        self.stop_ = threading.Event()
        self.t = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        try:
            while not self.stop_.is_set():
                t0 = time.monotonic()
                self.c.call("version", timeout=self.timeout)
                self.worst = max(self.worst, time.monotonic() - t0)
                self.n += 1
                time.sleep(0.01)
        except Exception as e:  # noqa: BLE001 - reported by __exit__
            self.err = e

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *a):
        self.stop_.set()
        self.t.join(self.timeout + 10)
        self.c.close()
        if self.err is not None and a[0] is None:
            raise AssertionError("pinger failed: %r" % self.err)
