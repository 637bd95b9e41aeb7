#!/usr/bin/env python3
"""Integration test of mmd's exchange connectivity (daemon/net/rest.c, ws.c,
hub.c, standx.c) against the real standx-sim, driven through
build/tools/mdprobe (JSON lines out, commands in).

Covers: signed REST calls accepted; three watchers on two symbols share ONE
market-stream connection; mark updates arrive with sorted depth; drop_ws ->
reconnect + re-subscription + stale flag cleared again; refused connections ->
growing backoff delays; stale_feed -> stale flag; 429 and 5xx retried for GETs;
a place under 5xx / timeout is never duplicated and gets resolved by
query_order; cancel of a closed order is success-equivalent; a local
WebSocket server sending malformed frames does not crash the hub; a silent
peer is declared dead; wss:// verifies certificates (trusted via SSL_CERT_FILE);
a fill arriving before its order is held and named; against a scripted REST
server: Retry-After honoured, the new_order body and signature are exact and
the POST is sent once.

Standard library only; loopback only; every wait bounded; every process
killed in finally blocks."""
import base64
import hashlib
import json
import os
import queue
import socket
import struct
import subprocess
import threading
import time

import sim
from harness import finish, run

FAST_ENV = {
    "MMD_WS_BACKOFF_MIN_S": "0.2",
    "MMD_WS_BACKOFF_MAX_S": "2",
    "MMD_WS_HEALTHY_S": "30",
    "MMD_WS_DEAD_S": "6",
    "MMD_WS_PING_S": "1",
    "MMD_WS_CONNECT_S": "3",
    "MMD_HUB_STALE_S": "1",
    "MMD_REST_RETRY_MS": "100",
    "MMD_SX_RESOLVE_MS": "200",
    "MMD_SX_TIMEOUT_MS": "3000",
}


NOWHERE = "http://127.0.0.1:9"   # a REST base URL for probes that only use a WebSocket


class Probe:
    """build/tools/mdprobe as a subprocess; lines collected by a thread.
    As a context manager it stops the probe and, unless the block failed,
    asserts that it exited 0."""

    def __init__(self, rest, ws, watch=(), creds=None, seconds=60, env=None, md_every=1):
        cmd = [sim.binary("tools/mdprobe"), "--rest", rest, "--ws", ws, "--seconds", str(seconds),
               "--md-every", str(md_every)]
        for s in watch:
            cmd += ["--watch", s]
        if creds:
            cmd += ["--jwt", creds.jwt, "--key", creds.key, "--account", creds.account]
        e = dict(os.environ)
        e.update(FAST_ENV)
        e.update(env or {})
        self.err_path = "/tmp/mdprobe-%d-%d.err" % (os.getpid(), int(time.time() * 1000))
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, text=True, env=e)
        self.lines = []
        self.q = queue.Queue()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()
        self.pos = 0

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.q.put(json.loads(line))
            except ValueError:
                self.q.put({"t": "garbage", "line": line})
        self.q.put(None)

    def _pump(self, timeout):
        try:
            m = self.q.get(timeout=timeout)
        except queue.Empty:
            return False
        if m is None:
            raise RuntimeError("mdprobe exited; stderr:\n" + self.stderr()[-3000:])
        self.lines.append(m)
        return True

    def send(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()

    def wait(self, pred, timeout=10.0, what="condition", since=None):
        """First line (from index `since`, default: not yet consumed) matching pred."""
        i = self.pos if since is None else since
        deadline = time.time() + timeout
        while True:
            while i < len(self.lines):
                if pred(self.lines[i]):
                    self.pos = i + 1
                    return self.lines[i]
                i += 1
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("timed out waiting for %s; last lines:\n%s" %
                                     (what, "\n".join(json.dumps(x)[:300] for x in self.lines[-15:])))
            self._pump(min(left, 0.2))

    def drain(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            self._pump(min(0.1, max(0.0, deadline - time.time())))

    def status(self):
        self.send("status")
        return self.wait(lambda m: m.get("t") == "status", 5, "status")

    def stderr(self):
        self.err.flush()
        with open(self.err_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)
        rc = self.proc.returncode
        self.err.close()
        try:
            os.unlink(self.err_path)
        except OSError:
            pass
        return rc

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        rc = self.stop()
        if exc_type is None:
            assert rc == 0, "mdprobe exit %s" % rc


def sim_probe(s, watch, **kw):
    """A Probe against the simulator s."""
    return Probe(s.base_url, "ws://127.0.0.1:%d" % s.port, watch, **kw)


def is_md(sym=None, stale=None):
    return lambda m: (m.get("t") == "md" and (sym is None or m["symbol"] == sym) and
                      (stale is None or m["stale"] == stale))


def ev(typ, **kw):
    return lambda m: (m.get("t") == "ev" and m["type"] == typ and
                      all(m.get(k) == v for k, v in kw.items()))


def conn_line(name, **kw):
    return lambda m: (m.get("t") == "conn" and m["name"] == name and
                      all(m.get(k) == v for k, v in kw.items()))


def test_market_sharing_and_reconnect(s):
    with sim_probe(s, ["BTC-USD", "ETH-USD", "BTC-USD"]) as p:
        for w in (0, 1, 2):
            m = p.wait(lambda m, w=w: is_md(stale=False)(m) and m["w"] == w, 10, "md for watcher %d" % w)
            assert m["sorted"] is True, m
            assert m["n_bids"] > 0 and m["n_asks"] > 0
        st = s.state()["connections"]
        assert st["ws_stream"] == 1 and st["ws_stream_total"] == 1, st
        # mark updates keep arriving
        first = p.wait(is_md("BTC-USD", False), 5)["updates"]
        p.wait(lambda m: is_md("BTC-USD", False)(m) and m["updates"] > first + 3, 5, "more updates")
        # drop every WebSocket: stale, reconnect, re-subscribe, fresh again
        mark = len(p.lines)
        s.fault(type="drop_ws")
        p.wait(is_md("BTC-USD", True), 5, "stale after drop", since=mark)
        p.wait(is_md("ETH-USD", True), 5, "stale after drop", since=mark)
        p.wait(conn_line("market", state="up", reconnects=1), 10, "reconnected", since=mark)
        p.wait(is_md("BTC-USD", False), 10, "BTC fresh after reconnect", since=mark)
        p.wait(is_md("ETH-USD", False), 10, "ETH fresh after reconnect (re-subscribed)", since=mark)
        st = s.state()["connections"]
        assert st["ws_stream"] == 1 and st["ws_stream_total"] == 2, st
        # refused connections: the delays between attempts grow
        mark = len(p.lines)
        s.fault(type="drop_ws")      # (refusal also refuses the admin API: drop first)
        s.fault(type="refuse_connections", duration_s=4)
        delays = []
        deadline = time.time() + 12
        i = mark
        while len(delays) < 4 and time.time() < deadline:
            p._pump(0.2)
            while i < len(p.lines):
                m = p.lines[i]
                i += 1
                if m.get("t") == "conn" and m["name"] == "market" and m["state"] == "backing_off":
                    delays.append(m.get("retry_delay_s", 0))
        assert len(delays) >= 3, delays
        assert delays[1] > delays[0] and delays[2] > delays[1], delays
        p.wait(conn_line("market", state="up"), 15, "up again after refusal", since=i)
        p.wait(is_md("BTC-USD", False), 10, "fresh after refusal", since=i)
        hs = p.status()["hub"]
        assert hs["connection"]["reconnects"] >= 2, hs
        assert hs["symbols"]["BTC-USD"]["watchers"] == 2
        print("market sharing / reconnect / backoff ok; delays", ["%.2f" % d for d in delays])


def test_stale_feed(s):
    with sim_probe(s, ["BTC-USD"]) as p:
        p.wait(is_md("BTC-USD", False), 10, "fresh")
        mark = len(p.lines)
        t0 = time.time()
        s.fault(type="stale_feed", duration_s=3)
        p.wait(is_md("BTC-USD", True), 5, "stale flag on a frozen feed", since=mark)
        took = time.time() - t0
        assert took >= 0.5, took
        p.wait(is_md("BTC-USD", False), 10, "fresh again after the fault", since=mark)
        print("stale feed detected after %.2f s" % took)


def place_count(s, cl):
    n = 0
    for e in s.log_lines():
        if e.get("dir") == "in" and "new_order" in str(e.get("path", "")) and cl in str(e.get("body", "")):
            n += 1
    return n


def sim_orders_with(s, cl):
    """Open orders with this cl_ord_id on the sim, over every account."""
    out = []
    for acct in s.state()["accounts"].values():
        out += [o for o in acct.get("open_orders", []) if o.get("cl_ord_id") == cl]
    return out


def test_account(s):
    creds = s.mint("probe-acct")
    with sim_probe(s, ["BTC-USD"], creds=creds) as p:
        p.wait(ev("stream", up=True), 10, "private stream up")
        st = s.state()["connections"]
        assert st["ws_stream"] == 2, st   # one market + one account stream
        p.wait(ev("balance"), 5, "balance after auth")
        p.send("symbols")
        sy = p.wait(lambda m: m.get("t") == "symbols", 5)
        assert sy["ok"] and any(x["symbol"] == "BTC-USD" and x["trading"] for x in sy["symbols"]), sy
        mark = float(p.wait(is_md("BTC-USD", False), 10)["mark"])
        px = "%.2f" % (int(mark * 0.9))
        # a signed place is accepted, the order event carries our cl_ord_id
        p.send("place BTC-USD buy %s 0.0010 c-1 alo" % px)
        r = p.wait(ev("place_result", cl_ord_id="c-1"), 5)
        assert r["outcome"] == "ok", r
        o = p.wait(lambda m: ev("order")(m) and m["order"]["cl_ord_id"] == "c-1", 5)
        assert o["order"]["status"] == "open" and o["order"]["id"] > 0, o
        p.send("open_orders BTC-USD")
        oo = p.wait(ev("open_orders"), 5)
        assert oo["found"] and [x["cl_ord_id"] for x in oo["orders"]] == ["c-1"], oo
        p.send("query_order c-1")
        q = p.wait(ev("query_order"), 5)
        assert q["found"] and q["order"]["status"] == "open", q
        p.send("positions BTC-USD")
        pos = p.wait(ev("position"), 5)
        assert pos["qty"] == "0", pos
        # cancel, then cancel again: already closed is success-equivalent
        p.send("cancel BTC-USD c-1")
        c = p.wait(ev("cancel_result", cl_ord_id="c-1"), 5)
        assert c["outcome"] == "ok" and c["http"] == 200, c
        p.wait(lambda m: ev("order")(m) and m["order"]["status"] == "canceled", 5)
        p.send("cancel BTC-USD c-1")
        c = p.wait(ev("cancel_result", cl_ord_id="c-1"), 5)
        assert c["outcome"] == "ok" and c["http"] == 400 and c["message"], c
        # a fill reaches us with the cl_ord_id mapped from the order events
        p.send("place BTC-USD sell %s 0.0010 c-fill gtc" % ("%.2f" % (int(mark * 1.1))))
        p.wait(lambda m: ev("order")(m) and m["order"]["cl_ord_id"] == "c-fill", 5)
        s.fill(cl_ord_id="c-fill")
        f = p.wait(ev("fill"), 5, "fill event")
        assert f["fill"]["cl_ord_id"] == "c-fill", f
        # 429 on a private GET is retried until it passes
        s.fault(type="rate_limit", duration_s=0.4)
        p.send("open_orders BTC-USD")
        oo = p.wait(ev("open_orders"), 10)
        assert oo["found"], oo
        assert s.state()["counters"]["rate_limited"] >= 1
        # 5xx on GETs is retried
        s.fault(type="http_error", status=503, count=2)
        p.send("get /api/query_symbol_info")
        g = p.wait(lambda m: m.get("t") == "get", 10)
        assert g["status"] == 200 and g["attempts"] == 3, g
        # a place under 5xx is ambiguous, never re-sent, resolved by query_order
        s.fault(type="http_error", status=503, count=1)
        p.send("place BTC-USD buy %s 0.0010 c-5xx alo" % px)
        r = p.wait(ev("place_result", cl_ord_id="c-5xx"), 5)
        assert r["outcome"] == "ambiguous" and r["http"] == 503, r
        q = p.wait(lambda m: ev("query_order")(m) and m["order"]["cl_ord_id"] == "c-5xx", 10)
        assert q["found"] is False, q
        assert place_count(s, "c-5xx") == 1, [e for e in s.log_lines() if "c-5xx" in json.dumps(e)
                                               or "new_order" in str(e.get("path", ""))][-6:]
        assert sim_orders_with(s, "c-5xx") == []
        # a place that times out (server delay > our timeout) is never duplicated
        s.fault(type="delay", ms=4000, duration_s=1.0)
        p.send("place BTC-USD buy %s 0.0010 c-slow alo" % px)
        r = p.wait(ev("place_result", cl_ord_id="c-slow"), 8)
        assert r["outcome"] == "ambiguous", r
        q = p.wait(lambda m: ev("query_order")(m) and m["order"]["cl_ord_id"] == "c-slow", 20)
        assert place_count(s, "c-slow") == 1, place_count(s, "c-slow")
        n = len(sim_orders_with(s, "c-slow"))
        assert n <= 1, n
        assert q["found"] == (n == 1), (q, n)
        # the local bucket refuses a burst of places without sending them
        for i in range(25):
            p.send("place BTC-USD buy %s 0.0010 b-%d alo" % (px, i))
        got = {}
        deadline = time.time() + 10
        while len(got) < 25 and time.time() < deadline:
            m = p.wait(lambda m: ev("place_result")(m) and m["cl_ord_id"].startswith("b-"), 10)
            got[m["cl_ord_id"]] = m["outcome"]
        limited = [k for k, v in got.items() if v == "rate_limited"]
        assert len(got) == 25 and limited, got
        sent = place_count(s, '"cl_ord_id":"b-')
        assert sent == 25 - len(limited), (sent, len(limited))
        # drop_ws: the account stream goes down, reconnects and re-authenticates
        mark = len(p.lines)
        s.fault(type="drop_ws")
        p.wait(ev("stream", up=False), 5, "stream down", since=mark)
        p.wait(ev("stream", up=True), 10, "stream re-authenticated", since=mark)
        stt = p.status()["account"]
        assert stt["authenticated"] and stt["counters"]["ambiguous"] >= 2, stt
        assert stt["jwt_expires_in_s"] > 3600, stt
        assert creds.jwt not in json.dumps(stt) and creds.jwt.split(".")[2] not in json.dumps(stt)
        err = p.stderr()
        assert creds.jwt not in err and creds.jwt.split(".")[2] not in err, "JWT leaked to the log"
        # auth rejected -> logged with the account name, stream backs off
        print("account ok: %d rate-limited locally" % len(limited))


def test_bad_token(s):
    creds = s.mint("probe-bad")
    bad = sim.Creds(creds.jwt[:-4] + "AAAA", creds.key, "probe-bad")
    with sim_probe(s, [], creds=bad) as p:
        p.wait(conn_line("account:probe-bad", state="backing_off"), 10, "backing off after bad auth")
        p.send("place BTC-USD buy 1000.00 0.0010 bad-1 alo")
        r = p.wait(ev("place_result", cl_ord_id="bad-1"), 5)
        assert r["outcome"] == "rejected" and r["http"] == 401, r
        p.drain(0.5)
        assert "refused with HTTP 401" in p.stderr()
        err = p.stderr()
        assert "probe-bad" in err and ("auth" in err), err[-2000:]
        assert bad.jwt not in err
        print("bad token: account stream backs off, error names the account")


def test_unfunded(s):
    creds = s.mint("probe-unf")
    with sim_probe(s, [], creds=creds) as p:
        p.send("balance")
        b = p.wait(lambda m: m.get("t") == "balance", 10)
        assert b["status"] == 404 and b["err"] == "account not funded", b
        print("unfunded account: 404 -> account not funded")


def test_rotation(s):
    with sim_probe(s, ["BTC-USD"], env={"MMD_WS_ROTATE_S": "1.5"}) as p:
        m = p.wait(lambda m: conn_line("market", state="up")(m) and m["reconnects"] >= 2, 10,
                   "two proactive rotations")
        hs = p.status()["hub"]["connection"]
        assert "rotating" in (hs["last_error"] or ""), hs
        p.wait(is_md("BTC-USD", False), 5, "fresh data after rotation")
        print("rotation ok (reconnects=%d)" % m["reconnects"])


# ---- a tiny local WebSocket server that sends malformed frames -------------------

def ws_frame(payload, op=0x1):
    n = len(payload)
    if n < 126:
        h = struct.pack("!BB", 0x80 | op, n)
    elif n < 65536:
        h = struct.pack("!BBH", 0x80 | op, 126, n)
    else:
        h = struct.pack("!BBQ", 0x80 | op, 127, n)
    return h + payload


UPGRADES = []   # every upgrade request a LocalServer received (header text)


def ws_accept(c):
    """Reads a WebSocket upgrade request from socket c and answers 101."""
    c.settimeout(5)
    req = b""
    while b"\r\n\r\n" not in req:
        chunk = c.recv(4096)
        if not chunk:
            break
        req += chunk
    key = ""
    UPGRADES.append(req.decode(errors="replace"))
    for line in req.decode(errors="replace").split("\r\n"):
        if line.lower().startswith("sec-websocket-key:"):
            key = line.split(":", 1)[1].strip()
    acc = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode())
                           .digest()).decode()
    c.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: %s\r\n\r\n" % acc).encode())


class LocalServer:
    """A scripted WebSocket peer on 127.0.0.1:<ephemeral> (.port): a thread
    accepts each connection, answers the upgrade and runs
    handler(conn, stop_event, *args), until close() (or the end of `with`);
    .url is ws://127.0.0.1:PORT.  wrap(lsock) may replace the listener (TLS)."""

    def __init__(self, handler, *args, wrap=None):
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.url = "ws://127.0.0.1:%d" % self.port
        self.stop = threading.Event()
        listener = wrap(self.lsock) if wrap else self.lsock
        self.t = threading.Thread(target=self._serve, args=(listener, handler, args), daemon=True)
        self.t.start()

    def _serve(self, listener, handler, args):
        listener.settimeout(0.5)
        while not self.stop.is_set():
            try:
                c, _ = listener.accept()
            except socket.timeout:
                continue
            try:
                ws_accept(c)
                handler(c, self.stop, *args)
            except OSError:
                pass
            finally:
                c.close()

    def close(self):
        self.stop.set()
        self.t.join(5)
        self.lsock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def junk_server(c, stop, silent=False):
    """Malformed frames, then valid price/depth data; or (silent) a
    half-open peer."""
    if silent:   # a half-open peer: reads, never answers (not even pongs)
        deadline = time.time() + 30
        c.settimeout(0.2)
        while not stop.is_set() and time.time() < deadline:
            try:
                if not c.recv(4096):
                    break
            except socket.timeout:
                pass
        return
    junk = [b"not json", b"{", b"[]", b"null", b'{"channel":"price"}',
            b'{"channel":"price","data":{"symbol":"BTC-USD","mark_price":"abc"}}',
            b'{"channel":"price","data":{"symbol":"BTC-USD","mark_price":1e400}}',
            b'{"channel":"depth_book","data":{"symbol":"BTC-USD","bids":[["1"]],"asks":5}}',
            b'{"channel":"depth_book","data":{"symbol":"BTC-USD","bids":[[null,null]]}}',
            b'{"channel":"price","symbol":"BTC-USD","data":{"symbol":"BTC-USD","mark_price":"99999999999999999"}}',
            bytes(range(256)), b'{"code":408,"message":"disconnecting"}',
            b'{"channel":"order","data":{"id":"x"}}', b'\xff' * 3000]
    for j in junk:
        c.sendall(ws_frame(j))
    good = [{"seq": 5, "channel": "price", "symbol": "BTC-USD",
             "data": {"symbol": "BTC-USD", "mark_price": "100.5", "spread": ["100.4", "100.6"]}},
            {"seq": 6, "channel": "depth_book", "symbol": "BTC-USD",
             "data": {"symbol": "BTC-USD", "bids": [["100.3", "1"], ["100.4", "2"]],
                      "asks": [["100.7", "1"], ["100.6", "3"]]}}]
    deadline = time.time() + 30
    while not stop.is_set() and time.time() < deadline:
        for g in good:
            c.sendall(ws_frame(json.dumps(g).encode()))
        time.sleep(0.2)


def account_server(c, stop):
    """A fake account stream: auth ack, then a trade BEFORE its order frame,
    the same trade again, the order frame, and a trade of an order never
    reported; then keep-alive data."""
    time.sleep(0.2)   # (the auth message arrives meanwhile; not checked here)
    trade = {"id": 501, "order_id": 77, "symbol": "BTC-USD", "side": "buy", "price": "100",
             "qty": "0.5", "created_at": "2025-08-11T03:36:19.352620Z"}
    order = {"id": 77, "cl_ord_id": "held-1", "symbol": "BTC-USD", "side": "buy",
             "order_type": "limit", "time_in_force": "gtc", "reduce_only": False, "price": "100",
             "qty": "1", "fill_qty": "0.5", "fill_avg_price": "100", "status": "open"}
    frames = [{"seq": 1, "channel": "auth", "data": {"code": 200, "msg": "success"}},
              {"seq": 2, "channel": "trade", "data": trade},
              {"seq": 3, "channel": "trade", "data": trade},
              {"seq": 4, "channel": "order", "data": order},
              {"seq": 5, "channel": "trade", "data": dict(trade, id=502, order_id=99)}]
    for i, f in enumerate(frames):
        c.sendall(ws_frame(json.dumps(f).encode()))
        if i == 2:
            time.sleep(0.2)
    deadline = time.time() + 30
    while not stop.is_set() and time.time() < deadline:
        c.sendall(ws_frame(b'{"subscribed":{"channel":"order"}}'))
        time.sleep(0.3)


def test_fill_before_order():
    creds = sim.Creds("eyJhIjoxfQ.eyJleHAiOjF9.c2ln", "BbMQkQYZspmkytduTWvXEtc4mMURjsekJDvty2WtKeSb",
                      "fake")
    with LocalServer(account_server) as srv, Probe(NOWHERE, srv.url, [], creds=creds) as p:
        p.wait(ev("stream", up=True), 10, "fake stream up (auth code 200)")
        o = p.wait(ev("order"), 5, "order event")
        f = p.wait(ev("fill"), 5, "held fill released after its order")
        assert o["order"]["cl_ord_id"] == "held-1", o
        assert f["fill"]["trade_id"] == 501 and f["fill"]["cl_ord_id"] == "held-1", f
        f1 = p.wait(ev("fill"), 5, "the repeated trade 501, held too, released after its order")
        assert f1["fill"]["trade_id"] == 501 and f1["fill"]["cl_ord_id"] == "held-1", f1
        f2 = p.wait(ev("fill"), 10, "fill of an unknown order, released after the lookup failed")
        assert f2["fill"]["trade_id"] == 502 and f2["fill"]["cl_ord_id"] == "", f2
        p.drain(0.5)
        fills = [m for m in p.lines if ev("fill")(m)]
        assert len(fills) == 3, fills   # the repeat is passed on: the engine de-duplicates (test_orders)
        st = p.status()["account"]["counters"]
        assert "dup_fills" not in st and st["fills"] == 3 and st["held_fills"] == 3, st
        print("fill before its order: held, named, repeats passed on to the engine")


class FakeRest:
    """A scripted StandX REST endpoint (http.server in a thread) recording
    every request: 429 + Retry-After on the first symbol query, 503 on every
    new_order, 'order not found' for query_order."""

    def __init__(self):
        import http.server
        fake = self
        self.reqs = []

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _reply(self, status, obj, extra=()):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                fake.reqs.append((time.time(), "GET", self.path, dict(self.headers), b""))
                n = sum(1 for r in fake.reqs if r[2] == self.path)
                if self.path.startswith("/api/query_symbol_info"):
                    if n == 1:
                        self._reply(429, {"code": 429, "message": "rate limited"}, [("Retry-After", "1")])
                    else:
                        self._reply(200, [{"symbol": "BTC-USD", "price_tick_decimals": 2,
                                           "qty_tick_decimals": 4, "min_order_qty": "0.0001",
                                           "status": "trading"}])
                elif self.path.startswith("/api/query_order"):
                    self._reply(400, {"code": 400, "message": "order not found"})
                else:
                    self._reply(200, {"code": 0, "message": "success"})

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                fake.reqs.append((time.time(), "POST", self.path, dict(self.headers), body))
                self._reply(503, {"code": 503, "message": "service unavailable"})

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.t = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.t.start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
        self.t.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_rest_policy():
    creds = sim.Creds("eyJhIjoxfQ.eyJleHAiOjF9.c2ln", "BbMQkQYZspmkytduTWvXEtc4mMURjsekJDvty2WtKeSb",
                      "fake")
    with FakeRest() as fr, Probe("http://127.0.0.1:%d" % fr.port, "ws://127.0.0.1:9", [], creds=creds) as p:
        # GET: 429 with Retry-After: 1 is retried after >= 1 s
        p.send("get /api/query_symbol_info")
        g = p.wait(lambda m: m.get("t") == "get", 10)
        assert g["status"] == 200 and g["attempts"] == 2, g
        ts = [r[0] for r in fr.reqs if r[2] == "/api/query_symbol_info"]
        assert len(ts) == 2 and ts[1] - ts[0] >= 0.95, ts
        # POST new_order: signed exactly, sent once, 503 -> ambiguous -> query_order
        p.send("place BTC-USD buy 65000.00 0.0010 f-1 alo")
        r = p.wait(ev("place_result", cl_ord_id="f-1"), 10)
        assert r["outcome"] == "ambiguous" and r["http"] == 503, r
        q = p.wait(ev("query_order"), 15, "resolution")
        assert q["found"] is False and q["order"]["cl_ord_id"] == "f-1", q
        posts = [x for x in fr.reqs if x[1] == "POST"]
        assert len(posts) == 1, posts
        _, _, path, h, body = posts[0]
        h = {k.lower(): v for k, v in h.items()}
        assert path == "/api/new_order"
        assert body == (b'{"symbol":"BTC-USD","side":"buy","order_type":"limit","qty":"0.0010",'
                        b'"price":"65000.00","time_in_force":"alo","reduce_only":false,"cl_ord_id":"f-1"}'), body
        assert h["x-request-sign-version"] == "v1" and h["content-type"] == "application/json"
        assert h["authorization"] == "Bearer " + creds.jwt
        want = sim.sign(creds.key, h["x-request-id"], int(h["x-request-timestamp"]), body)
        assert h["x-request-signature"] == want, (h["x-request-signature"], want)
        assert abs(int(h["x-request-timestamp"]) - time.time() * 1000) < 60000
        lookups = [x for x in fr.reqs if x[2].startswith("/api/query_order?cl_ord_id=f-1")]
        assert 2 <= len(lookups) <= 25, len(lookups)
        print("rest policy: Retry-After honoured, POST signed and sent once, %d lookups" % len(lookups))


def test_malformed_frames():
    with LocalServer(junk_server) as srv, Probe(NOWHERE, srv.url, ["BTC-USD"]) as p:
        m = p.wait(is_md("BTC-USD", False), 10, "valid data after junk")
        assert m["mark"] == "100.5" and m["bid"] == "100.4" and m["ask"] == "100.6", m
        assert m["depth_bid"] == "100.4" and m["depth_ask"] == "100.6" and m["sorted"], m
        hs = p.status()["hub"]
        assert hs["bad_frames"] >= 8, hs
        assert hs["notices"] >= 1, hs
        print("malformed frames: %d dropped, no crash" % hs["bad_frames"])


def test_dead_peer():
    with LocalServer(junk_server, True) as srv, \
            Probe(NOWHERE, srv.url, ["BTC-USD"], env={"MMD_WS_DEAD_S": "1.5", "MMD_HUB_STALE_S": "30"}) as p:
        p.wait(conn_line("market", state="up"), 10, "connected to the silent peer")
        t0 = time.time()
        m = p.wait(conn_line("market", state="backing_off"), 10, "dead peer detected")
        took = time.time() - t0
        assert m["last_error"] and ("no inbound frame" in m["last_error"] or
                                    "no market data" in m["last_error"]), m
        assert 1.0 <= took <= 5.0, took
        print("silent peer declared dead after %.2f s (%s)" % (took, m["last_error"]))


def test_tls():
    """wss:// through lws + OpenSSL: a certificate trusted via SSL_CERT_FILE is
    accepted, an untrusted one refused (the stream backs off)."""
    import shutil
    import ssl
    import tempfile
    if not shutil.which("openssl"):
        print("tls: skipped (no openssl command)")
        return
    d = tempfile.mkdtemp(prefix="mmd-tls-")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1", "-addext",
                    "basicConstraints=critical,CA:TRUE"], check=True, capture_output=True, timeout=60)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)

    class TLSListener:
        def __init__(self, l):
            self.l = l

        def settimeout(self, t):
            self.l.settimeout(t)

        def accept(self):
            c, a = self.l.accept()
            try:
                c.settimeout(5)
                return ctx.wrap_socket(c, server_side=True), a
            except (ssl.SSLError, OSError):
                c.close()
                raise socket.timeout()

    try:
        with LocalServer(junk_server, wrap=TLSListener) as srv:
            url = srv.url.replace("ws://", "wss://")
            with Probe(NOWHERE, url, ["BTC-USD"], env={"SSL_CERT_FILE": cert}) as p:
                m = p.wait(is_md("BTC-USD", False), 10, "data over wss")
                assert m["mark"] == "100.5", m
            with Probe(NOWHERE, url, ["BTC-USD"], env={"SSL_CERT_FILE": os.path.join(d, "none.pem")}) as p:
                m = p.wait(conn_line("market", state="backing_off"), 10, "untrusted certificate refused")
                assert "SSL" in (m["last_error"] or ""), m
            print("tls: trusted certificate accepted, untrusted refused")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_no_origin_header():
    """Live clients send no Origin header on the WebSocket upgrade; mmd sends none either."""
    creds = sim.Creds("eyJhIjoxfQ.eyJleHAiOjF9.c2ln", "BbMQkQYZspmkytduTWvXEtc4mMURjsekJDvty2WtKeSb", "fake")
    del UPGRADES[:]
    with LocalServer(account_server) as srv, Probe(NOWHERE, srv.url, [], creds=creds) as p:
        p.wait(ev("stream", up=True), 10, "fake stream up")
    assert UPGRADES, "no upgrade request seen"
    for req in UPGRADES:
        headers = [ln.split(":", 1)[0].strip().lower() for ln in req.split("\r\n")[1:] if ":" in ln]
        assert "origin" not in headers, req
        assert "host" in headers, req
    print("upgrade without an Origin header: %s" % sorted(set(headers)))


def main():
    run(test_no_origin_header)
    run(test_malformed_frames)
    run(test_dead_peer)
    run(test_fill_before_order)
    run(test_rest_policy)
    run(test_tls)
    with sim.Sim(seed=11) as s:
        run(test_market_sharing_and_reconnect, s)
        run(test_stale_feed, s)
        run(test_rotation, s)
    # ideal profile: these check the adapter's requests and parsing one step at
    # a time (place, then list, then cancel); the live venue's list lag is
    # covered by tests/e2e/test_lagging_list.py and test_live_soak.py
    with sim.Sim(seed=12, args=["--unfunded", "probe-unf", "--profile", "ideal"]) as s:
        run(test_account, s)
        run(test_bad_token, s)
        run(test_unfunded, s)
    finish()


if __name__ == "__main__":
    main()
