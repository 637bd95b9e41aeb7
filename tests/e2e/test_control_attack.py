#!/usr/bin/env python3
"""The control-socket attacks of issue "Hostile testing" against the real
daemon quoting on the simulator: F4 (one 1 MiB JSON-RPC batch of `uptime`
calls) and F11 (60 clients pipelining `status` without reading).  While each
attack runs a second connection pings `version` every 10 ms; the worst ping
latency (the event loop's worst stall) and the growth of mmd's peak RSS
(VmHWM) are printed and bounded, and the task must still be quoting.
Limits: mmd-rpc(7) LIMITS."""
import json
import socket
import time

import mmdrun
import sim
from harness import main
from rpc import Conn, Pinger, check_reply, proc_kb, stall_report, under_asan


def batch_attack(d):
    parts, size = [], 2
    while True:
        s = '{"jsonrpc":"2.0","id":%d,"method":"uptime"}' % len(parts)
        if size + len(s) + 1 >= 1024 * 1024:
            break
        parts.append(s)
        size += len(s) + 1
    hwm0 = proc_kb(d.proc.pid, "VmHWM")
    c = Conn(d.sock, 120)
    try:
        with Pinger(d.sock) as p:
            time.sleep(0.2)
            c.send_raw("[" + ",".join(parts) + "]\n")
            m = c.recv(120)
            time.sleep(0.2)
    finally:
        c.close()
    grown = stall_report(d.proc, "mmd, one batch of %d uptime calls" % len(parts), hwm0, p)
    assert isinstance(m, dict), "the batch was carried out"
    check_reply("uptime", m)
    assert m["error"]["code"] == -32600, m
    return p.worst, grown


def slow_clients(d):
    hwm0 = proc_kb(d.proc.pid, "VmHWM")
    cs = []
    big = "".join(json.dumps({"jsonrpc": "2.0", "id": i, "method": "status"}) + "\n"
                  for i in range(3000)).encode()
    try:
        with Pinger(d.sock) as p:
            for _ in range(60):
                c = Conn(d.sock)
                cs.append(c)
                c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                c.s.setblocking(False)
                try:
                    c.s.sendall(big)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    pass
            time.sleep(3.0)
    finally:
        for c in cs:
            c.close()
    return p.worst, stall_report(d.proc, "mmd, 60 non-reading clients x 3000 status", hwm0, p)


def test_control_attacks():
    with sim.scenario("calm", seed=31) as s:
        c = s.mint("atk")
        tasks = [mmdrun.task("btc-mm", "BTC-USD", "a", risk=mmdrun.guards_off())]
        with mmdrun.Mmd(s, tasks, {"a": c}) as d:
            d.wait_quoting("btc-mm", timeout=15)
            stall2, grown2 = slow_clients(d)
            stall1, grown1 = batch_attack(d)
            assert d.proc.poll() is None
            d.wait_quoting("btc-mm", timeout=10)
            assert stall1 < 1.0 and stall2 < 1.0, (stall1, stall2)
            if not under_asan(d.proc.pid):
                assert grown1 < 64 * 1024 and grown2 < 64 * 1024, (grown1, grown2)


if __name__ == "__main__":
    main(test_control_attacks)
