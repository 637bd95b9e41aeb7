#!/usr/bin/env python3
"""e2e RPC contract against the real daemon and simulator (mmd-rpc(7)):
every method's result, the status notification and every error match the
JSON Schemas in man/rpc-schema/ (tests/lib/rpcschema.py); resume of a task
that is not halted answers -1003; after SIGTERM, while the venue is slow so
the daemon is still cancelling, shutdown and resume answer -1101 and status
says shutting_down; a shutdown request answers {"shutting_down": true} and a
second one -1101.  A task whose account has bad credentials (never created)
has the same shape in status and answers resume with -1003."""
import json
import signal
import socket
import time

import mmdrun
import rpcschema
import sim
from harness import main, wait_for

RISK = mmdrun.guards_off()


def check_status(st, what="status"):
    """A status snapshot against status.json (one connection shape for the
    market and every account)."""
    rpcschema.check_reply("status", st)


def call(d, method, params=None):
    """(result, None) or (None, error) — the error checked against error.json."""
    try:
        r = d.rpc(method, params)
    except mmdrun.RpcError as e:
        err = {"code": e.code, "message": e.message}
        rpcschema.check_error(err)
        return None, err
    if method == "status":
        check_status(r)
    else:
        rpcschema.check_reply(method, r)
    return r, None


def expect_error(d, code, method, params=None):
    r, err = call(d, method, params)
    assert err and err["code"] == code, "%s %s: expected error %d, got %s" % (method, params, code, r or err)
    return err


def first_notification(path, timeout=5.0):
    """Subscribes on a connection of its own; returns (result, first notification)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    try:
        s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n')
        buf, msgs, end = b"", [], time.time() + timeout
        while time.time() < end and not any("method" in m for m in msgs):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                ln, buf = buf.split(b"\n", 1)
                msgs.append(json.loads(ln))
        rep = [m for m in msgs if m.get("id") == 1]
        note = [m for m in msgs if "method" in m]
        assert rep and note, msgs
        return rep[0]["result"], note[0]
    finally:
        s.close()


def every_method(d):
    """Each method's reply against its schema, with and without a task."""
    for m in ("version", "help", "status", "tasks", "orders", "positions", "uptime"):
        r, err = call(d, m)
        assert err is None, (m, err)
    for m in ("orders", "positions", "uptime"):
        r, err = call(d, m, {"task": "btc-mm"})
        assert err is None and list(r) == ["btc-mm"], (m, r, err)
        expect_error(d, -1001, m, {"task": "nope"})
    help_methods = {h["method"] for h in d.rpc("help")}
    assert help_methods == set(rpcschema.methods()), "help and man/rpc-schema differ: %s" % (
        help_methods ^ set(rpcschema.methods()))
    res, note = first_notification(d.sock)
    rpcschema.check_reply("subscribe", res)
    assert note.get("jsonrpc") == "2.0" and note.get("method") == "status" and "id" not in note, note
    check_status(note["params"], "status notification")
    call(d, "unsubscribe")
    expect_error(d, -32601, "nope")
    expect_error(d, -32602, "orders", {"bogus": "x"})
    print("every method: replies and errors match man/rpc-schema/")


def resume_not_halted(d, s, c):
    err = expect_error(d, -1003, "resume", {"task": "btc-mm"})
    assert "btc-mm" in err["message"], err
    r, err = call(d, "resume")                  # every task, none halted: nothing to do
    assert err is None and r["resumed"] == [], (r, err)
    r, err = call(d, "halt", {"task": "btc-mm", "reason": "contract"})
    assert err is None and r["halted"] == ["btc-mm"], (r, err)
    call(d, "status")
    r, err = call(d, "resume", {"task": "btc-mm"})
    assert err is None and r["resumed"] == ["btc-mm"], (r, err)
    expect_error(d, -1003, "resume", {"task": "btc-mm"})
    d.wait_quoting("btc-mm", timeout=10)
    print("resume: -1003 for a running task; halted -> resumed; again -> -1003")


def sigterm_then_rpc(d, s):
    st, j = s.fault(type="delay", ms=3000, duration_s=30)   # cancels now take seconds
    assert st == 200, (st, j)
    d.proc.send_signal(signal.SIGTERM)
    wait_for(lambda: d.rpc("status")["shutting_down"], 5, what="status saying shutting_down")
    call(d, "status")
    expect_error(d, -1101, "shutdown")
    expect_error(d, -1101, "resume", {"task": "btc-mm"})
    expect_error(d, -1101, "resume")
    assert d.proc.poll() is None, "mmd should still be cancelling"
    s.fault(type="clear")
    d.proc.wait(40)
    assert d.proc.returncode == 0, d.log()[-3000:]
    print("after SIGTERM: shutdown and resume answer -1101 while mmd cancels")


def shutdown_request(s, c):
    with mmdrun.Mmd(s, [mmdrun.task("btc-mm", "BTC-USD", "b", risk=RISK)], {"b": c}) as d:
        d.wait_quoting("btc-mm", timeout=15)
        s.fault(type="delay", ms=3000, duration_s=30)
        r, err = call(d, "shutdown")
        assert err is None and r == {"shutting_down": True}, (r, err)
        expect_error(d, -1101, "shutdown")
        s.fault(type="clear")
        d.proc.wait(40)
        assert d.proc.returncode == 0, d.log()[-3000:]
        d.stop()
    print("shutdown: {shutting_down: true}, then -1101")


def test_contract():
    with sim.scenario("calm", seed=29) as s:
        c = s.mint("contract")
        b = s.mint("contract-bad")
        bad = sim.Creds(b.jwt[:-4] + "AAAA", b.key)        # signature of the JWT broken
        tasks = [mmdrun.task("btc-mm", "BTC-USD", "a", risk=RISK), mmdrun.task("eth-mm", "ETH-USD", "a", risk=RISK),
                 mmdrun.task("bad-sol", "SOL-USD", "c", risk=RISK)]
        with mmdrun.Mmd(s, tasks, {"a": c, "c": bad}) as d:
            d.wait_quoting("btc-mm", "eth-mm", timeout=15)
            wait_for(lambda: d.task_status("bad-sol"), 10, what="bad-sol failed",
                     until=lambda t: t["state"] == "failed")
            every_method(d)
            expect_error(d, -1003, "resume", {"task": "bad-sol"})
            resume_not_halted(d, s, c)
            sigterm_then_rpc(d, s)
            d.stop()
        shutdown_request(s, s.mint("contract2"))


if __name__ == "__main__":
    main(test_contract)
