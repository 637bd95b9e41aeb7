#!/usr/bin/env python3
"""standx-sim robustness: malformed HTTP, oversized requests, bad JSON, bad
WebSocket frames get an error or a close, never a crash; keep-alive and
pipelining; delay fault; CLI refusals; the --log file."""
import socket
import struct
import subprocess
import time

import sim
from harness import check, finish, run


def raw(s, data, timeout=3.0):
    """Sends bytes, returns everything read until close or timeout."""
    c = socket.create_connection(("127.0.0.1", s.port), timeout=timeout)
    out = b""
    try:
        c.sendall(data)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = c.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    finally:
        c.close()
    return out


def status_of(resp):
    try:
        return int(resp.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def test_http(s):
    check(status_of(raw(s, b"garbage\r\n\r\n")) == 400, "garbage request line -> 400")
    check(status_of(raw(s, b"GET /api/health HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n")) == 431,
          "huge head -> 431")
    check(status_of(raw(s, b"POST /api/new_order HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n")) == 413,
          "huge body -> 413")
    check(status_of(raw(s, b"POST /api/new_order HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")) == 501,
          "chunked -> 501")
    check(status_of(raw(s, b"GET /api/health HTTP/1.1\r\nContent-Length: -4\r\n\r\n")) == 400, "bad length -> 400")
    check(status_of(raw(s, b"GET /api/health HTTP/1.1\r\nbad header line\r\n\r\n")) == 400, "bad header -> 400")
    check(raw(s, b"GET /api/heal", timeout=0.5) == b"", "incomplete request waits")
    two = raw(s, b"GET /api/health HTTP/1.1\r\n\r\nGET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n")
    check(two.count(b"HTTP/1.1 200") == 2, "pipelined keep-alive requests")
    check(status_of(raw(s, b"GET /nowhere HTTP/1.1\r\nConnection: close\r\n\r\n")) == 404, "unknown path 404")
    check(status_of(raw(s, b"GET /ws-stream/v1 HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")) == 400,
          "upgrade without key -> 400")
    creds = s.mint("robust")
    for body in ("{", "[]", '{"symbol":5}', '{"symbol":"BTC-USD","side":"buy","order_type":"limit",'
                 '"qty":"0.001","price":"1e5","time_in_force":"gtc","reduce_only":"no"}'):
        st, j = s.post("/api/new_order", body, creds)
        check(st == 400 and isinstance(j, dict) and j.get("code") == 400, "bad order body %r -> 400 %s" % (body[:20], j))
    st, j = s.post("/api/cancel_order", "{}", creds)
    check(st == 400, "cancel without id -> 400")
    st, j = s.request("POST", "/_sim/fault", body="nope")
    check(st == 400, "admin bad json -> 400")
    st, j = s.request("GET", "/api/new_order")
    check(st == 405, "GET on POST endpoint -> 405")


def ws_expect_close(s, frame, code, what):
    ws = s.ws_stream()
    ws.send_raw(frame)
    try:
        ws.recv(3)
        ok = False
    except sim.WSClosed:
        ok = ws.close_code == code or (code is None)
    check(ok, "%s -> close %s (got %s)" % (what, code, ws.close_code))
    ws.close()


def test_ws(s):
    ws_expect_close(s, b"\x81\x05hello", 1002, "unmasked frame")
    mask = b"\x01\x02\x03\x04"
    ws_expect_close(s, b"\x82\x84" + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(b"abcd")), 1003, "binary frame")
    ws_expect_close(s, b"\x01\x84" + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(b"abcd")), 1003,
                    "fragmented frame")
    ws_expect_close(s, b"\x81\xff" + struct.pack("!Q", 1 << 40) + mask, 1009, "oversized frame")
    ws_expect_close(s, b"\xf1\x80" + mask, 1002, "reserved bits")
    ws = s.ws_stream()
    ws.ping(b"abc")
    fr = ws.recv_frame(3)
    check(fr == (0xA, b"abc"), "client ping answered with pong")
    ws.close()
    api = s.ws_api()
    api.send_json({"method": "order:new", "request_id": "r1", "params": "{}"})
    m = api.recv(3)
    check(m and m["code"] == 401 and m["request_id"] == "r1", "ws-api order before login -> 401")
    api.send_json({"method": "auth:login", "request_id": "r2", "params": {"token": "x"}})
    m = api.recv(3)
    check(m and m["code"] == 400, "ws-api params must be a string")
    api.send_text("[1,2")
    m = api.recv(3)
    check(m and m["code"] == 400, "ws-api bad json -> 400 frame")
    api.close()


def test_delay(s):
    s.fault(type="delay", ms=300, duration_s=2)
    t0 = time.time()
    st, _ = s.get("/api/health")
    dt = time.time() - t0
    check(st == 200 and dt >= 0.28, "delay fault adds latency (%.2f s)" % dt)
    s.fault(type="clear")
    t0 = time.time()
    s.get("/api/health")
    check(time.time() - t0 < 0.2, "clear removes the delay")


def test_cli():
    r = subprocess.run([sim.binary("standx-sim"), "--listen", "0.0.0.0:0"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "allow-remote" in r.stderr, "non-loopback listen refused")
    r = subprocess.run([sim.binary("standx-sim"), "--version"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 0 and r.stdout.startswith("standx-sim "), "--version")
    r = subprocess.run([sim.binary("standx-sim"), "--help"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 0 and "mint" in r.stdout, "--help")
    r = subprocess.run([sim.binary("standx-sim"), "--scenario", "/nonexistent.yaml"], capture_output=True,
                       text=True, timeout=10)
    check(r.returncode != 0 and r.stderr, "missing scenario file -> error")
    r = subprocess.run([sim.binary("standx-sim"), "mint", "--account", "x"], capture_output=True, text=True,
                       timeout=10)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 2 and lines[0].startswith('jwt_token: "') and
          lines[1].startswith('signing_key: "'), "mint prints two YAML lines")


def main():
    with sim.Sim() as s:
        run(test_http, s)
        run(test_ws, s)
        run(test_delay, s)
        st, j = s.get("/api/health")
        check(st == 200, "still alive after abuse")
        check(s.stop() == 0, "clean exit")
        log = s.log_lines()
        check(log and all("ts_us" in l and "dir" in l and "conn" in l for l in log), "log lines (%d)" % len(log))
        check(any(l["dir"] == "in" and "new_order" in l.get("path", "") for l in log), "log has requests")
    run(test_cli)
    finish()


if __name__ == "__main__":
    main()
