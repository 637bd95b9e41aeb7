#!/usr/bin/env python3
"""e2e: an account recovers without a restart.

* An account whose token has expired fails at start; its token file is
  replaced and `mmctl reload` (the reload RPC) makes it log in and quote
  within 10 s, while the other account's task keeps quoting untouched (no
  halt, no cancel-all).
* A token revoked while running halts the account's tasks; a new token and a
  reload lift the halt and the tasks quote again.
* An unfunded account is checked again periodically (MMD_UNFUNDED_RECHECK_S,
  60 s by default, 3 s here) and starts trading once funded."""
import os
import time

import mmdrun
import sim
from harness import main, wait_for


class FileTokenMmd(mmdrun.Mmd):
    """Mmd whose named accounts read their JWT from a file (jwt_token_file)."""

    def __init__(self, *a, file_accounts=(), **kw):
        super().__init__(*a, **kw)
        self.file_accounts = set(file_accounts)

    def token_path(self, name):
        return os.path.join(self.dir, "%s.jwt" % name)

    def set_token(self, name, jwt):
        tmp = self.token_path(name) + ".new"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(jwt + "\n")
        os.rename(tmp, self.token_path(name))

    def write_config(self):
        super().write_config()
        with open(self.cfg) as f:
            lines = f.read().splitlines()
        out, name = [], None
        for line in lines:
            if line.startswith('  - id: "') and line.endswith('"'):
                name = line[len('  - id: "'):-1]
            if line.startswith("    jwt_token: ") and name in self.file_accounts:
                if not os.path.exists(self.token_path(name)):
                    self.set_token(name, line.split('"')[1])
                line = '    jwt_token_file: "%s"' % self.token_path(name)
            out.append(line)
        with open(self.cfg, "w") as f:
            f.write("\n".join(out) + "\n")


def cancel_alls(s, prefix):
    return sum(1 for r in mmdrun.order_requests(s) if r["op"] == "cancel_many"
               and any(str(c).startswith(prefix) for c in r["params"].get("cl_ord_id_list") or []))


def acct_status(d, name):
    return d.rpc("status")["connections"]["accounts"][name]


def test_expired_token_replaced_by_reload():
    with sim.scenario("calm", seed=91) as s:
        good, late = s.mint("good"), s.mint("late", ttl=1)
        time.sleep(2)   # expired before mmd starts
        ts = [mmdrun.task("g", "BTC-USD", "good", tiers=1, level="moderate", risk=mmdrun.guards_off()),
              mmdrun.task("b", "ETH-USD", "late", tiers=1, level="moderate", risk=mmdrun.guards_off())]
        with FileTokenMmd(s, ts, {"good": good, "late": late}, file_accounts=["late"]) as d:
            d.wait_quoting("g", timeout=20)
            a = wait_for(lambda: acct_status(d, "late"), 10, what="account late failed",
                         until=lambda a: a["state"] == "failed", detail=d.log_tail)
            assert "expired" in a.get("error", ""), a
            assert d.task_status("b")["state"] == "failed"
            d.set_token("late", s.mint("late", seed_key=late.key).jwt)   # same signing key
            t0 = time.time()
            rep = d.rpc("reload")
            assert rep["applied"] and rep.get("credentials") == ["late"], rep
            d.wait_quoting("b", timeout=10)
            took = time.time() - t0
            g = d.task_status("g")
            assert g["state"] == "quoting" and g["risk"]["state"] != "halt", g
            assert cancel_alls(s, "g-") == 0, "the other account's orders were cancelled"
            assert acct_status(d, "late")["state"] == "ready"
            print("expired token replaced: account late quoting %.1f s after the reload; account good untouched"
                  % took)
            assert d.stop() == 0, d.log_tail()
        for c in (good, late):
            assert not mmdrun.account_orders(s, c)[0]


def test_revoked_token_replaced_by_reload():
    with sim.scenario("calm", seed=92) as s:
        c = s.mint("rv")
        ts = [mmdrun.task("r", "BTC-USD", "rv", tiers=1, level="moderate", risk=mmdrun.guards_off())]
        with FileTokenMmd(s, ts, {"rv": c}, file_accounts=["rv"], env={"MMD_WS_BACKOFF_MAX_S": "20"}) as d:
            d.wait_quoting("r", timeout=20)
            st, j = s.request("POST", "/_sim/revoke", body=sim.compact({"account": "rv"}))
            assert st == 200, (st, j)
            wait_for(lambda: d.task_status("r")["risk"]["state"], 15, what="halt for the revoked token",
                     until=lambda x: x == "halt", detail=d.log_tail)
            time.sleep(1.1)   # revocation covers tokens issued up to that second
            d.set_token("rv", s.mint("rv", seed_key=c.key).jwt)   # same signing key
            t0 = time.time()
            rep = d.rpc("reload")
            assert rep["applied"] and rep.get("credentials") == ["rv"], rep
            wait_for(lambda: d.task_status("r"), 10, what="quoting again with the new token",
                     until=lambda t: t["risk"]["state"] != "halt" and t["state"] == "quoting"
                     and mmdrun.two_sided(d.orders("r")), detail=d.log_tail)
            print("revoked token replaced: quoting again %.1f s after the reload" % (time.time() - t0))
            assert d.stop() == 0, d.log_tail()
        assert not mmdrun.account_orders(s, c)[0]


def test_unfunded_account_starts_once_funded():
    with sim.scenario("calm", seed=93, args=["--unfunded", "poor"]) as s:
        c = s.mint("poor")
        ts = [mmdrun.task("p", "BTC-USD", "poor", tiers=1, level="moderate", risk=mmdrun.guards_off())]
        with mmdrun.Mmd(s, ts, {"poor": c}, env={"MMD_UNFUNDED_RECHECK_S": "3"}) as d:
            a = wait_for(lambda: acct_status(d, "poor"), 15, what="account poor failed: unfunded",
                         until=lambda a: a["state"] == "failed", detail=d.log_tail)
            assert "not funded" in a.get("error", "") and "checks again" in a["error"], a
            time.sleep(4)
            assert acct_status(d, "poor")["state"] == "failed"   # still unfunded: still waiting
            st, j = s.request("POST", "/_sim/fund", body=sim.compact({"account": "poor"}))
            assert st == 200, (st, j)
            t0 = time.time()
            d.wait_quoting("p", timeout=15)
            print("unfunded account quoting %.1f s after funding (re-check every 3 s)" % (time.time() - t0))
            assert d.stop() == 0, d.log_tail()
        assert not mmdrun.account_orders(s, c)[0]


if __name__ == "__main__":
    main(test_expired_token_replaced_by_reload, test_revoked_token_replaced_by_reload,
         test_unfunded_account_starts_once_funded)
