#!/usr/bin/env python3
"""mmd -n --online against standx-sim: a configuration with a funded
account, an unfunded one (--unfunded), one whose token the exchange refuses
(minted with another secret) and a task on a symbol the exchange does not
list fails (exit 1) naming each problem and what to do; the good part of it
passes; a good configuration passes (exit 0).  Nothing is traded: the
simulator receives no order, cancel or stream connection.  --online without
-n is a usage error (exit 2)."""
import os
import shutil
import subprocess
import tempfile

import mmdrun
import sim
from harness import binary, main, require


def run(cfg, *args):
    return subprocess.run([binary("mmd"), "-n", "--online", "-c", cfg] + list(args), capture_output=True,
                          text=True, timeout=60)


def write(tmp, name, s, tasks, accounts):
    path = os.path.join(tmp, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(mmdrun.config_text(s, tasks, accounts, os.path.join(tmp, "mmd.sock")))
    return path


def test_online():
    tmp = tempfile.mkdtemp(prefix="mmd-online-")
    try:
        with sim.scenario("calm", seed=5, args=["--unfunded", "poor"]) as s:
            rich, poor = s.mint("rich"), s.mint("poor")
            wrong = sim.mint("wrong", secret="not-the-sim-secret")
            tasks = [mmdrun.task("t-btc", "BTC-USD", "rich"), mmdrun.task("t-nope", "NOPE-USD", "rich"),
                     mmdrun.task("t-eth", "ETH-USD", "poor"), mmdrun.task("t-sol", "SOL-USD", "wrong")]
            bad = write(tmp, "bad.yaml", s, tasks, {"rich": rich, "poor": poor, "wrong": wrong})
            p = run(bad)
            out = p.stdout
            print(out)
            assert p.returncode == 1, (p.returncode, out, p.stderr)
            for want in ("ok   task t-btc: symbol BTC-USD listed and trading",
                         "FAIL task t-nope: symbol NOPE-USD is not listed by the exchange",
                         "ok   account rich: token accepted",
                         "FAIL account poor: token accepted but the account is not funded",
                         "FAIL account wrong: the exchange refused the token",
                         "online check: FAILED"):
                assert want in out, want
            good = write(tmp, "good.yaml", s, tasks[:1], {"rich": rich})
            p = run(good)
            assert p.returncode == 0 and "online check: ok" in p.stdout, (p.stdout, p.stderr)
            sent = [x.get("path", "") for x in s.log_lines() if x.get("dir") == "in"]
            assert not [x for x in sent if "order" in x and x.startswith("POST")], sent
            assert not [x for x in sent if "ws" in x], sent
            p = subprocess.run([binary("mmd"), "--online", "-c", good], capture_output=True, text=True, timeout=10)
            assert p.returncode == 2 and "--online only goes with -n" in p.stderr, p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    require("mmd", "standx-sim")
    main(test_online)
