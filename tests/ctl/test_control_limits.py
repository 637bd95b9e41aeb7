#!/usr/bin/env python3
"""Control-plane resource limits against build/tools/fakemmd (the real
control.c/dispatch.c over a fake backend), from issue "Hostile testing":

* F4  one 1 MiB batch of `uptime` calls must not stall the event loop nor
      build a huge reply: a batch longer than 64 entries is answered with one
      -32600 error; a 64-entry batch is answered in full.
* F11 60 clients pipelining `status` and never reading: total queued output
      is bounded by a global budget (clients over their share stop being read).
* F14 64 idle connections must not lock the operator out: the oldest idle
      client is closed to admit a new one; idle clients time out.

Each attack runs while a second connection pings `version` every 10 ms; the
worst ping latency (the loop stall) and the growth of the daemon's peak RSS
(VmHWM) are printed, and bounded (the RSS bound is skipped under ASan)."""
import json
import socket
import time

import rpc
from fakemmd import Fake
from harness import finish, run, wait_for
from rpc import Conn, Pinger, proc_kb, stall_report, under_asan

R = "2.0"
BATCH_MAX = 64


def big_batch():
    """As many uptime calls as fit in one 1 MiB line (the finding: 24,385)."""
    parts, size, i = [], 2, 0
    while True:
        s = '{"jsonrpc":"2.0","id":%d,"method":"uptime"}' % i
        if size + len(s) + 1 >= rpc_max_line():
            break
        parts.append(s)
        size += len(s) + 1
        i += 1
    return "[" + ",".join(parts) + "]\n", i


def rpc_max_line():
    return 1024 * 1024


def test_big_batch_bounded():
    with Fake() as f:
        line, n = big_batch()
        hwm0 = proc_kb(f.proc.pid, "VmHWM")
        c = Conn(f.path, 120)
        try:
            with Pinger(f.path) as p:
                time.sleep(0.05)
                c.send_raw(line)
                m = c.recv(120)
                time.sleep(0.05)
            grown = stall_report(f.proc, "batch of %d uptime calls" % n, hwm0, p)
            assert isinstance(m, dict), "the whole batch was run: %s replies" % (
                len(m) if isinstance(m, list) else m)
            rpc.check_reply("uptime", m)
            assert m["error"]["code"] == -32600 and m["id"] is None, m
            assert "batch" in m["error"]["message"] and str(BATCH_MAX) in m["error"]["message"], m
            assert p.worst < 1.0, p.worst
            if not under_asan(f.proc.pid):
                assert grown < 32 * 1024, grown
            # the connection stays usable
            assert c.call("version")["result"]["api"] == 1
        finally:
            c.close()


def test_batch_at_limit_answered():
    with Fake() as f:
        c = Conn(f.path)
        try:
            batch = [{"jsonrpc": R, "id": i, "method": "uptime"} for i in range(BATCH_MAX)]
            c.send(batch)
            m = c.recv()
            assert isinstance(m, list) and len(m) == BATCH_MAX, str(m)[:300]
            assert [x["id"] for x in m] == list(range(BATCH_MAX))
            for x in m:
                rpc.check_reply("uptime", x)
            c.send(batch + [{"jsonrpc": R, "id": 99, "method": "version"}])
            m = c.recv()
            assert isinstance(m, dict) and m["error"]["code"] == -32600, str(m)[:300]
        finally:
            c.close()


def flood(c, n, method="status"):
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    big = "".join(json.dumps({"jsonrpc": R, "id": i, "method": method}) + "\n"
                  for i in range(n)).encode()
    c.s.setblocking(False)
    try:
        c.s.sendall(big)
    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
        pass


def test_slow_clients_bounded():
    """F11: 60 clients pipeline status and never read."""
    with Fake() as f:
        hwm0 = proc_kb(f.proc.pid, "VmHWM")
        cs = []
        try:
            with Pinger(f.path) as p:
                for _ in range(60):
                    c = Conn(f.path)
                    cs.append(c)
                    flood(c, 3000)
                time.sleep(3.0)
                assert f.proc.poll() is None
                assert rpc.call(f.path, "version", timeout=5)["api"] == 1
            grown = stall_report(f.proc, "60 non-reading clients x 3000 status", hwm0, p)
            assert p.worst < 1.0, p.worst
            if not under_asan(f.proc.pid):
                assert grown < 48 * 1024, grown
        finally:
            for c in cs:
                c.close()
        wait_for(lambda: rpc.call(f.path, "version")["api"] == 1, 5, 0.05)


def test_nonreading_batches_bounded():
    """F4 (reply bytes per client): one client pipelines maximal batches and
    never reads; it stops being read instead of queueing megabytes."""
    with Fake() as f:
        hwm0 = proc_kb(f.proc.pid, "VmHWM")
        c = Conn(f.path)
        try:
            with Pinger(f.path) as p:
                c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                one = json.dumps([{"jsonrpc": R, "id": i, "method": "status"}
                                  for i in range(BATCH_MAX)]) + "\n"
                c.s.setblocking(False)
                try:
                    c.s.sendall((one * 400).encode())
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    pass
                time.sleep(2.0)
            grown = stall_report(f.proc, "one non-reading client x 400 batches of 64 status", hwm0, p)
            assert p.worst < 1.0, p.worst
            if not under_asan(f.proc.pid):
                assert grown < 16 * 1024, grown
        finally:
            c.close()


def test_idle_clients_do_not_lock_out():
    """F14: 64 idle connections; a new client still gets in (the oldest
    idle one is closed), and a subscribed client is never evicted."""
    with Fake() as f:
        sub = Conn(f.path)
        cs = []
        try:
            assert sub.call("subscribe")["result"]["subscribed"] is True
            for _ in range(63):
                cs.append(Conn(f.path))
            assert rpc.call(f.path, "version")["api"] == 1, "locked out"
            # the oldest idle client (cs[0]) was closed for it
            assert cs[0].line(5) is None
            for _ in range(10):
                assert rpc.call(f.path, "version")["api"] == 1
            assert sub.call("version")["result"]["api"] == 1
        finally:
            sub.close()
            for c in cs:
                c.close()


def test_pipelined_then_eof_all_answered():
    """Lines handled over several loop turns: a client that pipelines 300
    requests and half-closes still gets every reply, in order."""
    with Fake() as f:
        c = Conn(f.path)
        try:
            c.send_raw("".join(json.dumps({"jsonrpc": R, "id": i, "method": "version"}) + "\n"
                               for i in range(300)))
            c.s.shutdown(socket.SHUT_WR)
            ids = []
            while True:
                m = c.recv(10)
                if m is None:
                    break
                ids.append(m["id"])
            assert ids == list(range(300)), "%d replies" % len(ids)
        finally:
            c.close()


def test_idle_timeout():
    """An idle, unsubscribed client is closed after the idle timeout
    (fakemmd --idle-timeout-ms); a subscribed one is kept."""
    with Fake(args=["--idle-timeout-ms", "400"]) as f:
        idle, sub = Conn(f.path), Conn(f.path)
        try:
            assert sub.call("subscribe")["result"]["subscribed"] is True
            assert idle.call("version")["result"]["api"] == 1
            assert idle.line(5) is None, "idle client not closed"
            sub.call("version")
        finally:
            idle.close()
            sub.close()


if __name__ == "__main__":
    import sys
    only = sys.argv[1:]
    for t in (test_batch_at_limit_answered, test_big_batch_bounded, test_nonreading_batches_bounded,
              test_slow_clients_bounded, test_pipelined_then_eof_all_answered,
              test_idle_clients_do_not_lock_out, test_idle_timeout):
        if not only or t.__name__ in only:
            run(t)
    finish()
