#!/usr/bin/env python3
"""mmctl against build/tools/fakemmd: exit codes 0 (ok), 1 (daemon error),
2 (cannot reach the daemon, message names the socket), 3 (usage); -j prints
the raw JSON result; socket chosen by -s, else MMD_SOCKET, else the default
rule; halt/resume change the fake task's state; --help/--version.  The
cockpit rules: orders as a ladder (highest price first, bps from the mark,
age), -j errors as JSON on stdout, floats without binary noise, numbers
right-aligned, no 'unsubscribe' command, --commands for completion."""
import re
import json
import os
import subprocess
import tempfile

from clients import mmctl
from fakemmd import Fake
from harness import REPO, build_dir, finish, require, run


def test_ok_tables(f):
    for cmd in (["status"], ["tasks"], ["orders"], ["orders", "btc-1"], ["positions"],
                ["uptime", "sol-1"], ["help"], ["version"]):
        p = mmctl(*cmd, sock=f.path)
        assert p.returncode == 0, (cmd, p.returncode, p.stderr)
        assert p.stdout.strip(), cmd
    p = mmctl("status", sock=f.path)
    assert "btc-1" in p.stdout and "BTC-USD" in p.stdout and "market: up" in p.stdout, p.stdout
    p = mmctl("tasks", sock=f.path)
    assert p.stdout.splitlines()[0].split()[:2] == ["TASK", "SYMBOL"], p.stdout


def test_json_output(f):
    p = mmctl("-j", "tasks", sock=f.path)
    assert p.returncode == 0
    v = json.loads(p.stdout)
    assert [t["id"] for t in v] == ["btc-1", "eth-1", "sol-1"], v
    p = mmctl("-j", "status", sock=f.path)
    st = json.loads(p.stdout)
    assert {"version", "uptime_s", "connections", "tasks"} <= set(st)
    t = st["tasks"][0]
    for k in ("id", "symbol", "state", "risk", "mark", "best_bid", "best_ask", "tiers", "position",
              "entry_price", "upnl", "uptime", "fills_today", "orders_open", "rejects",
              "alo_rejects", "last_reason"):
        assert k in t, k
    p = mmctl("-j", "version", sock=f.path)
    assert json.loads(p.stdout)["api"] == 1
    p = mmctl("--json", "orders", "eth-1", sock=f.path)
    v = json.loads(p.stdout)
    assert list(v) == ["eth-1"] and len(v["eth-1"]["orders"]) == 4, v
    p = mmctl("orders", "eth-1", sock=f.path)
    assert p.stdout.count("eth-1-fake-") == 4, p.stdout


def test_halt_resume(f):
    p = mmctl("halt", "btc-1", "manual", "check", sock=f.path)
    assert p.returncode == 0, p.stderr
    assert "btc-1" in p.stdout
    st = json.loads(mmctl("-j", "status", sock=f.path).stdout)
    btc = [t for t in st["tasks"] if t["id"] == "btc-1"][0]
    assert btc["state"] == "halted" and "manual check" in btc["risk"]["reasons"][0], btc
    p = mmctl("-j", "resume", "btc-1", sock=f.path)
    assert json.loads(p.stdout)["resumed"] == ["btc-1"]
    p = mmctl("halt", sock=f.path)  # no task = all
    assert p.returncode == 0
    st = json.loads(mmctl("-j", "status", sock=f.path).stdout)["tasks"]
    assert all(t["state"] == "halted" for t in st), st
    assert mmctl("resume", sock=f.path).returncode == 0
    st = json.loads(mmctl("-j", "status", sock=f.path).stdout)["tasks"]
    assert all(t["state"] == "quoting" for t in st), st


def test_daemon_error_exit_1(f):
    p = mmctl("orders", "no-such-task", sock=f.path)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert "no-such-task" in p.stderr and "-1001" in p.stderr, p.stderr
    p = mmctl("raw", "no.such.method", sock=f.path)
    assert p.returncode == 1 and "-32601" in p.stderr, p.stderr
    p = mmctl("raw", "orders", '{"task": 5}', sock=f.path)
    assert p.returncode == 1 and "-32602" in p.stderr, p.stderr


def test_orders_ladder(f):
    p = mmctl("orders", "btc-1", sock=f.path)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    head = lines[0].split()
    assert head[:8] == ["TASK", "SIDE", "TIER", "PRICE", "BPS", "QTY", "FILLED", "AGE"], lines[0]
    rows = [ln.split() for ln in lines[1:]]
    prices = [float(r[3]) for r in rows]
    assert prices == sorted(prices, reverse=True) and len(prices) == 4, p.stdout
    assert [r[1] for r in rows] == ["sell", "sell", "buy", "buy"], p.stdout
    assert all(re.fullmatch(r"\d+\.\d", r[4]) for r in rows), p.stdout     # bps to 0.1
    assert all(re.fullmatch(r"\d+\.\ds", r[7]) for r in rows), p.stdout    # age
    # numbers right-aligned: every PRICE cell ends in the same column as its heading
    end = lines[0].index("PRICE") + len("PRICE")
    assert all(ln[:end].endswith(r[3]) for ln, r in zip(lines[1:], rows)), p.stdout


def test_json_errors(f):
    p = mmctl("-j", "orders", "no-such-task", sock=f.path)
    assert p.returncode == 1
    e = json.loads(p.stdout)["error"]
    assert e["code"] == -1001 and "no-such-task" in e["message"] and e["method"] == "orders", e
    d = tempfile.mkdtemp(prefix="mmctl-")
    path = os.path.join(d, "nothing.sock")
    p = mmctl("-j", "status", sock=path)
    assert p.returncode == 2
    e = json.loads(p.stdout)["error"]
    assert e["code"] is None and e["socket"] == path and path in e["message"], e
    os.rmdir(d)


def test_float_precision(f):
    for cmd in (["status"], ["uptime"], ["orders"]):
        out = mmctl("-j", *cmd, sock=f.path).stdout
        noisy = re.findall(r"\d+\.\d{12,}", out)
        assert not noisy, (cmd, noisy[:3])
    p = mmctl("uptime", "btc-1", sock=f.path)
    assert re.search(r"this hour: \d+\.\d min", p.stdout), p.stdout
    assert not re.search(r"\s\d+\.\d{4,}", p.stdout.split("HOUR (UTC)")[1]), p.stdout


def test_status_cockpit_columns(f):
    p = mmctl("status", sock=f.path)
    head = p.stdout.splitlines()[2]
    for col in ("STATE", "BID/ASK BPS", "POS USD", "OF LIMIT", "PNL TODAY", "HOUR MIN"):
        assert col in head, head
    assert re.search(r"^btc-1 .* 650\.00 +13% ", p.stdout, re.M), p.stdout


def test_no_unsubscribe_and_commands(f):
    p = mmctl("unsubscribe", sock=f.path)
    assert p.returncode == 3 and "unknown command" in p.stderr, p.stderr
    p = mmctl("--commands")
    names = p.stdout.split()
    assert p.returncode == 0 and "status" in names and "orders" in names and "unsubscribe" not in names


def complete(words, sock=None):
    """COMPREPLY of ctl/mmctl.bash for the command line words (the last is being typed)."""
    script = ('source "%s/ctl/mmctl.bash"; COMP_WORDS=(%s); COMP_CWORD=%d; _mmctl; '
              'printf "%%s\\n" "${COMPREPLY[@]}"' % (REPO, " ".join("'%s'" % w for w in words), len(words) - 1))
    env = dict(os.environ, PATH=os.path.abspath(build_dir()) + os.pathsep + os.environ["PATH"])
    p = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def test_completion(f):
    assert complete(["mmctl", "or"]) == ["orders"]
    assert "status" in complete(["mmctl", "-j", ""]) and "halt" in complete(["mmctl", ""])
    assert "--json" in complete(["mmctl", "--"])
    assert complete(["mmctl", "-s", f.path, "halt", ""]) == ["all", "btc-1", "eth-1", "sol-1"]
    assert complete(["mmctl", "-s", f.path, "orders", "e"]) == ["eth-1"]
    assert complete(["mmctl", "-s", f.path, "orders", "eth-1", ""]) == []
    # make install puts it where bash-completion looks
    d = tempfile.mkdtemp(prefix="mmctl-inst-")
    p = subprocess.run(["make", "-s", "install", "DESTDIR=" + d, "PREFIX=/usr"], cwd=REPO,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert os.path.isfile(os.path.join(d, "usr/share/bash-completion/completions/mmctl"))
    subprocess.run(["rm", "-rf", d])


def test_unreachable_exit_2():
    d = tempfile.mkdtemp(prefix="mmctl-")
    path = os.path.join(d, "nothing.sock")
    p = mmctl("status", sock=path)
    assert p.returncode == 2, p
    assert path in p.stderr, p.stderr
    # MMD_SOCKET is used when -s is absent
    p = mmctl("status", env={"MMD_SOCKET": path})
    assert p.returncode == 2 and path in p.stderr, p.stderr
    # default rule: $XDG_RUNTIME_DIR/mmd.sock
    p = mmctl("status", env={"XDG_RUNTIME_DIR": d})
    assert p.returncode == 2 and os.path.join(d, "mmd.sock") in p.stderr, p.stderr
    os.rmdir(d)


def test_socket_precedence(f):
    assert mmctl("version", env={"MMD_SOCKET": f.path}).returncode == 0
    # -s overrides MMD_SOCKET
    p = mmctl("version", env={"MMD_SOCKET": "/nonexistent/x.sock"}, sock=f.path)
    assert p.returncode == 0, p.stderr


def test_usage_exit_3(f):
    for args in ([], ["bogus"], ["-x", "status"], ["status", "extra"], ["orders", "a", "b"],
                 ["-t", "0", "status"], ["subscribe", "zero"], ["raw"], ["raw", "m", "[1"],
                 ["-s"]):
        p = mmctl(*args)
        assert p.returncode == 3, (args, p.returncode, p.stderr)
        assert p.stderr, args
    p = mmctl("--help")
    assert p.returncode == 0 and "usage: mmctl" in p.stdout
    p = mmctl("--version")
    assert p.returncode == 0 and p.stdout.startswith("mmctl ")


def test_subscribe_count(f):
    p = mmctl("-j", "subscribe", "2", sock=f.path)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().splitlines()
    assert len(lines) == 2
    assert all(json.loads(ln)["method"] == "status" for ln in lines)


def test_shutdown_then_unreachable():
    f = Fake().start()
    try:
        p = mmctl("shutdown", sock=f.path)
        assert p.returncode == 0, p.stderr
        f.proc.wait(5)
        p = mmctl("status", sock=f.path)
        assert p.returncode == 2
    finally:
        f.cleanup()


def main():
    require("tools/fakemmd", "mmctl")
    with Fake() as f:
        for t in (test_ok_tables, test_json_output, test_halt_resume, test_daemon_error_exit_1,
                  test_socket_precedence, test_usage_exit_3, test_subscribe_count, test_orders_ladder,
                  test_json_errors, test_float_precision, test_status_cockpit_columns,
                  test_no_unsubscribe_and_commands, test_completion):
            run(t, f)
    run(test_unreachable_exit_2)
    run(test_shutdown_then_unreachable)
    finish()


if __name__ == "__main__":
    main()
