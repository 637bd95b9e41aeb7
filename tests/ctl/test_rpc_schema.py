#!/usr/bin/env python3
"""fakemmd (the real control socket over a fake backend) answers with the
daemon's shapes: every method's result and the status notification match
the JSON Schemas in man/rpc-schema/ (tests/lib/rpcschema.py), as the real
daemon's do (tests/e2e/test_rpc_contract.py); every error carries a code
documented in mmd-rpc(7).  Also the contract points the fake shares with the
daemon: resume of a task not halted answers -1003, a halt marks the task
halted before its (delayed) answer, and once shutting down, shutdown and
resume answer -1101.  Every error code of common/rpc.h is returned somewhere
in daemon/ and listed in mmd-rpc(7) and man/rpc-schema/error.json, and
nothing else is."""
import glob
import json
import os
import re

import rpcschema
from fakemmd import Fake
from harness import REPO as ROOT
from harness import finish, require, run
from rpc import Conn

R = "2.0"


def result(c, method, params=None):
    m = c.call(method, params)
    assert "result" in m, (method, params, m)
    rpcschema.check_reply(method, m["result"])
    return m["result"]


def error(c, code, method, params=None):
    m = c.call(method, params)
    assert "error" in m and m["error"]["code"] == code, (method, params, code, m)
    rpcschema.check_error(m["error"])
    return m["error"]


def test_every_method(f):
    c = Conn(f.path)
    try:
        help_methods = {h["method"] for h in result(c, "help")}
        assert help_methods == set(rpcschema.methods()), help_methods ^ set(rpcschema.methods())
        for m in ("version", "status", "tasks", "orders", "positions", "uptime", "unsubscribe"):
            result(c, m)
        for m in ("orders", "positions", "uptime"):
            assert list(result(c, m, {"task": "eth-1"})) == ["eth-1"]
            error(c, -1001, m, {"task": "nope"})
        assert result(c, "halt", {"task": "sol-1", "reason": "schema"})["halted"] == ["sol-1"]
        st = result(c, "status")
        sol = [t for t in st["tasks"] if t["id"] == "sol-1"][0]
        assert sol["state"] == "halted" and sol["risk"]["operator_halt"], sol
        assert result(c, "resume", {"task": "sol-1"})["resumed"] == ["sol-1"]
        result(c, "subscribe")
        note = c.recv(3)
        while "id" in note:
            note = c.recv(3)
        rpcschema.check_notification(note)
        error(c, -32601, "nope")
        error(c, -32602, "orders", {"bogus": 1})
    finally:
        c.close()


def test_resume_not_halted(f):
    c = Conn(f.path)
    try:
        e = error(c, -1003, "resume", {"task": "btc-1"})
        assert "btc-1" in e["message"], e
        assert result(c, "resume")["resumed"] == []          # all: none halted, nothing to do
        error(c, -1001, "resume", {"task": "nope"})
    finally:
        c.close()


def test_halt_flips_before_answer(f):
    c, d = Conn(f.path), Conn(f.path)
    try:
        c.send({"jsonrpc": R, "id": 1, "method": "halt", "params": ["eth-1", "early"]})
        # the halt answers after its delay; the task is halted already
        assert result(d, "resume", {"task": "eth-1"})["resumed"] == ["eth-1"]
        m = c.recv(5)
        assert m["id"] == 1 and m["result"]["halted"] == ["eth-1"], m
        rpcschema.check_reply("halt", m["result"])
    finally:
        c.close()
        d.close()


def test_shutting_down_refuses():
    f = Fake().start()
    try:
        c = Conn(f.path)
        c.send([{"jsonrpc": R, "id": 1, "method": "shutdown"},
                {"jsonrpc": R, "id": 2, "method": "shutdown"},
                {"jsonrpc": R, "id": 3, "method": "resume", "params": ["btc-1"]},
                {"jsonrpc": R, "id": 4, "method": "status"}])
        r = c.recv(5)
        assert [m["id"] for m in r] == [1, 2, 3, 4], r
        rpcschema.check_reply("shutdown", r[0]["result"])
        for m in r[1:3]:
            assert m["error"]["code"] == -1101, m
            rpcschema.check_error(m["error"])
        rpcschema.check_reply("status", r[3]["result"])
        assert r[3]["result"]["shutting_down"] is True, r[3]
        c.close()
    finally:
        f.cleanup()


def test_error_codes_documented():
    with open(os.path.join(ROOT, "common", "rpc.h")) as f:
        defs = dict(re.findall(r"#define (RPC_[A-Z_]+)\s+\((-\d+)\)", f.read()))
    codes = {int(v) for v in defs.values()}
    src = ""
    for p in glob.glob(os.path.join(ROOT, "daemon", "**", "*.c"), recursive=True):
        with open(p) as f:
            src += f.read()
    unused = [n for n in defs if not re.search(r"\b%s\b" % n, src)]
    assert not unused, "codes defined but never returned by daemon/: %s" % unused
    with open(os.path.join(ROOT, "man", "rpc-schema", "error.json")) as f:
        schema = set(json.load(f)["properties"]["code"]["enum"])
    assert schema == codes, "error.json %s vs rpc.h %s" % (sorted(schema), sorted(codes))
    with open(os.path.join(ROOT, "man", "mmd-rpc.7")) as f:
        page = f.read()
    section = page[page.index(".Sh ERROR CODES"):page.index(".Sh", page.index(".Sh ERROR CODES") + 3)]
    listed = {-int(c) for c in re.findall(r"^\.It \\-(\d+) Ta [A-Z]", section, re.M)}
    assert listed == codes, "mmd-rpc(7) lists %s, rpc.h defines %s" % (sorted(listed), sorted(codes))


def main():
    require("tools/fakemmd")
    with Fake() as f:
        for t in (test_every_method, test_resume_not_halted, test_halt_flips_before_answer):
            run(t, f)
    run(test_shutting_down_refuses)
    run(test_error_codes_documented)
    finish()


if __name__ == "__main__":
    main()
