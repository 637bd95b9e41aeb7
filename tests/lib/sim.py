"""sim — standx-sim for the tests: start it, talk to it (REST, WebSocket,
admin API), stop it.

* ``Sim`` — starts ``standx-sim`` on an ephemeral loopback port (reads the
  ``listening 127.0.0.1:PORT`` line), logs to a temp file, stops it with
  SIGTERM (kill after a timeout).  Use as a context manager::

      with sim.Sim(seed=7) as s:
          creds = s.mint("alice")
          st, body = s.post("/api/new_order", {...}, creds)
          ws = s.ws_stream(); ws.send_json({...}); frame = ws.recv(2.0)

* ``scenario(name, **kw)`` — a ``Sim`` with ``tests/sim/scenarios/NAME.yaml``
  (``scenario_path(name)``), e.g. ``with sim.scenario("calm", seed=5) as s:``.
* ``Creds`` — ``jwt`` and ``key`` (base58 seed) as printed by ``standx-sim mint``.
* ``sign(key, request_id, ts_ms, body)`` — StandX body signature via build/tools/sxsign.
* ``WSClient`` — a minimal RFC 6455 client (masked text frames, answers pings,
  reports close), enough for tests.
* ``REPO``, ``build_dir()``, ``binary()`` — re-exported from harness.

Every wait is bounded by a timeout; nothing here touches a non-loopback address.
"""
import base64
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from harness import REPO, binary, build_dir, read_text  # noqa: F401 - REPO, binary, build_dir re-exported

SCENARIOS = os.path.join(REPO, "tests", "sim", "scenarios")


def scenario_path(name):
    """tests/sim/scenarios/NAME.yaml"""
    return os.path.join(SCENARIOS, name + ".yaml")


def scenario(name, **kw):
    """A Sim (not yet started; use `with`) running the named scenario;
    kw as for Sim (seed, speed, args, ...)."""
    return Sim(scenario=scenario_path(name), **kw)


def now_ms():
    return int(time.time() * 1000)


class Creds:
    """JWT + base58 signing seed (what `standx-sim mint` prints)."""

    def __init__(self, jwt, key, account=None):
        self.jwt, self.key, self.account = jwt, key, account

    def yaml(self):
        return 'jwt_token: "%s"\nsigning_key: "%s"\n' % (self.jwt, self.key)

    def claims(self):
        """Decoded JWT payload (dict)."""
        p = self.jwt.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


def mint(account, secret="standx-sim", ttl=None, seed_key=None):
    """Runs `standx-sim mint`; returns Creds."""
    cmd = [binary("standx-sim"), "mint", "--secret", secret, "--account", account]
    if ttl is not None:
        cmd += ["--ttl", str(ttl)]
    if seed_key:
        cmd += ["--seed-key", seed_key]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=20).stdout
    vals = {}
    for line in out.splitlines():
        k, _, v = line.partition(": ")
        vals[k] = v.strip().strip('"')
    return Creds(vals["jwt_token"], vals["signing_key"], account)


def sign(key, request_id, ts_ms, body):
    """Base64 ed25519 signature of 'v1,<request_id>,<ts_ms>,<body>' (via sxsign)."""
    if isinstance(body, bytes):
        body = body.decode()
    r = subprocess.run([binary("tools/sxsign"), key, request_id, str(ts_ms), "-"], input=body,
                       check=True, capture_output=True, text=True, timeout=20)
    return r.stdout.strip()


def signed_headers(creds, body, request_id=None, ts_ms=None, key=None):
    """The x-request-* header set for a signed POST body (str)."""
    rid = request_id or str(uuid.uuid4())
    ts = now_ms() if ts_ms is None else ts_ms
    return {
        "x-request-sign-version": "v1",
        "x-request-id": rid,
        "x-request-timestamp": str(ts),
        "x-request-signature": sign(key or creds.key, rid, ts, body),
    }


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


class Sim:
    """A running standx-sim on 127.0.0.1:<ephemeral>."""

    def __init__(self, scenario=None, seed=None, speed=None, secret="standx-sim", args=(),
                 start_timeout=10.0):
        self.scenario, self.seed, self.speed, self.secret = scenario, seed, speed, secret
        self.args = list(args)
        self.start_timeout = start_timeout
        self.retry_429 = False   # set True to retry rate-limited requests (bounded)
        self.proc = None
        self.port = None
        self._tmp = tempfile.mkdtemp(prefix="standx-sim-")
        self.log_path = os.path.join(self._tmp, "sim.jsonl")
        self.stderr_path = os.path.join(self._tmp, "sim.stderr")

    # -- lifecycle --
    def start(self):
        cmd = [binary("standx-sim"), "--listen", "127.0.0.1:0", "--log", self.log_path,
               "--secret", self.secret]
        if self.scenario:
            cmd += ["--scenario", self.scenario]
        if self.seed is not None:
            cmd += ["--seed", str(self.seed)]
        if self.speed is not None:
            cmd += ["--speed", str(self.speed)]
        cmd += self.args
        self._err = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._err, text=True)
        deadline = time.time() + self.start_timeout
        line = ""
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError("standx-sim did not start: %r; stderr: %s" % (line, self.stderr()))
        self.port = int(line.rsplit(":", 1)[1])
        return self

    def stop(self, timeout=10.0):
        """SIGTERM, wait, SIGKILL on timeout.  Returns the exit code."""
        if not self.proc:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self._err.close()
        if rc not in (0, None):
            print("standx-sim exited %s; stderr:\n%s" % (rc, self.stderr()))
        self.proc = None
        return rc

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

    def cleanup(self):
        """Removes the temp dir with the log (kept if $MMD_KEEP_SIM_LOGS is set)."""
        if os.environ.get("MMD_KEEP_SIM_LOGS"):
            print("standx-sim logs kept in %s" % self._tmp)
            return
        shutil.rmtree(self._tmp, ignore_errors=True)

    def stderr(self):
        return read_text(self.stderr_path)

    def log_lines(self):
        """The --log file as a list of dicts (a line still being written is skipped)."""
        out = []
        try:
            with open(self.log_path) as f:
                for line in f:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
        except OSError:
            pass
        return out

    # -- addresses --
    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def ws_stream_url(self):
        return "ws://127.0.0.1:%d/ws-stream/v1" % self.port

    @property
    def ws_api_url(self):
        return "ws://127.0.0.1:%d/ws-api/v1" % self.port

    def mint(self, account, ttl=None, seed_key=None):
        return mint(account, self.secret, ttl, seed_key)

    # -- HTTP --
    def request(self, method, path, params=None, body=None, headers=None, timeout=10.0):
        """Raw HTTP.  body: str/bytes/None.  Returns (status, parsed JSON or text).
        With self.retry_429, a 429 is retried (up to 30 times, 0.1 s apart)."""
        for _ in range(30):
            st, j = self._request(method, path, params, body, headers, timeout)
            if st != 429 or not self.retry_429:
                break
            time.sleep(0.1)
        return st, j

    def _request(self, method, path, params, body, headers, timeout):
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        text = raw.decode(errors="replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def get(self, path, params=None, creds=None, headers=None):
        h = dict(headers or {})
        if creds:
            h["Authorization"] = "Bearer " + creds.jwt
        return self.request("GET", path, params=params, headers=h)

    def post(self, path, body, creds=None, sign_it=True, headers=None, request_id=None,
             ts_ms=None, key=None):
        """Signed POST.  body: dict (sent as compact JSON) or exact str."""
        text = body if isinstance(body, str) else compact(body)
        h = {}
        if creds:
            h["Authorization"] = "Bearer " + creds.jwt
            if sign_it:
                h.update(signed_headers(creds, text, request_id, ts_ms, key))
        h.update(headers or {})
        return self.request("POST", path, body=text, headers=h)

    def new_order(self, creds, symbol="BTC-USD", side="buy", qty="0.0010", price=None,
                  order_type="limit", tif="gtc", reduce_only=False, cl_ord_id=None, headers=None):
        body = {"symbol": symbol, "side": side, "order_type": order_type, "qty": qty}
        if price is not None:
            body["price"] = price
        body["time_in_force"] = tif
        body["reduce_only"] = reduce_only
        if cl_ord_id:
            body["cl_ord_id"] = cl_ord_id
        return self.post("/api/new_order", body, creds, headers=headers)

    def cancel(self, creds, order_id=None, cl_ord_id=None):
        body = {"order_id": order_id} if order_id is not None else {"cl_ord_id": cl_ord_id}
        return self.post("/api/cancel_order", body, creds)

    # -- admin --
    def state(self):
        st, j = self.get("/_sim/state")
        assert st == 200, (st, j)
        return j

    def set_mark(self, symbol, mark):
        return self.request("POST", "/_sim/mark", body=compact({"symbol": symbol, "mark": str(mark)}))

    def fault(self, **kw):
        return self.request("POST", "/_sim/fault", body=compact(kw))

    def fill(self, order_id=None, cl_ord_id=None, qty=None):
        b = {"order_id": order_id} if order_id is not None else {"cl_ord_id": cl_ord_id}
        if qty is not None:
            b["qty"] = str(qty)
        return self.request("POST", "/_sim/fill", body=compact(b))

    def advance(self, ms):
        """Manual clock (--manual-clock): move engine time by ms."""
        return self.request("POST", "/_sim/advance", body=compact({"ms": int(ms)}))

    def mark(self, symbol="BTC-USD"):
        return self.state()["symbols"][symbol]["mark"]

    # -- WebSocket --
    def ws_stream(self, timeout=5.0):
        return WSClient(self.port, "/ws-stream/v1", timeout)

    def ws_api(self, timeout=5.0):
        return WSClient(self.port, "/ws-api/v1", timeout)


class WSClosed(Exception):
    pass


class WSClient:
    """Minimal WebSocket client for tests: masked text frames out, text
    frames in (JSON-decoded when possible), pings answered automatically."""

    def __init__(self, port, path, timeout=5.0, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.closed = False
        self.close_code = None
        self.pings = 0
        self.auto_pong = True
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key))
        self.sock.sendall(req.encode())
        self.buf = b""
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("websocket handshake timed out")
            chunk = self.sock.recv(4096)
            if not chunk:
                raise WSClosed("closed during handshake")
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1])
        if self.status != 101:
            raise WSClosed("handshake refused: %s" % head.decode(errors="replace"))

    def _send_frame(self, op, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | op, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | op, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | op, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(hdr + mask + masked)

    def send_text(self, text):
        self._send_frame(0x1, text.encode())

    def send_json(self, obj):
        self.send_text(compact(obj))

    def send_raw(self, data):
        self.sock.sendall(data)

    def ping(self, payload=b"hi"):
        self._send_frame(0x9, payload)

    def close(self):
        if not self.closed:
            try:
                self._send_frame(0x8, struct.pack("!H", 1000))
            except OSError:
                pass
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.time()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return False
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
                raise WSClosed("connection closed")
            self.buf += chunk
        return True

    def recv_frame(self, timeout=5.0):
        """Next (opcode, payload) or None on timeout; raises WSClosed on EOF."""
        deadline = time.time() + timeout
        if not self._fill(2, deadline):
            return None
        b0, b1 = self.buf[0], self.buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            if not self._fill(4, deadline):
                return None
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            if not self._fill(10, deadline):
                return None
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        if not self._fill(off + n, deadline):
            return None
        payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
        return b0 & 0x0F, payload

    def recv(self, timeout=5.0):
        """Next text message (dict if JSON, else str), None on timeout.
        Pings are answered; a close frame raises WSClosed."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            fr = self.recv_frame(left)
            if fr is None:
                return None
            op, payload = fr
            if op == 0x9:
                self.pings += 1
                if self.auto_pong:
                    self._send_frame(0xA, payload)
            elif op == 0x8:
                self.closed = True
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise WSClosed("close frame %s %r" % (self.close_code, payload[2:]))
            elif op == 0x1:
                t = payload.decode(errors="replace")
                try:
                    return json.loads(t)
                except ValueError:
                    return t

    def recv_until(self, pred, timeout=5.0):
        """First message for which pred(msg) is true, or None on timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.recv(deadline - time.time())
            if m is not None and pred(m):
                return m
        return None

    def collect(self, duration):
        """All messages received within duration seconds."""
        out, deadline = [], time.time() + duration
        while time.time() < deadline:
            m = self.recv(deadline - time.time())
            if m is not None:
                out.append(m)
        return out

    def wait_closed(self, timeout=5.0):
        """True if the server closes the connection within timeout."""
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                self.recv(deadline - time.time())
        except WSClosed:
            return True
        return self.closed

    # ws-api helpers
    def api_call(self, method, params, session_id="sess-1", request_id=None, creds=None):
        """Sends a ws-api request; params dict is encoded to a JSON string and,
        for order methods, signed with creds.key.  Returns the request_id."""
        rid = request_id or str(uuid.uuid4())
        p = params if isinstance(params, str) else compact(params)
        msg = {"session_id": session_id, "request_id": rid, "method": method, "params": p}
        if creds is not None and method != "auth:login":
            msg["header"] = signed_headers(creds, p)
        self.send_json(msg)
        return rid
