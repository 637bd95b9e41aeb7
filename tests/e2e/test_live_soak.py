#!/usr/bin/env python3
"""Live-venue soak: two accounts, three tasks, the lively market, the
simulator's live profile (15 s open-orders lag, 2 Hz market data, ALO
rejections only on the ws-api session, per-IP limits), and ALO rejections
injected every few seconds.  SOAK_S seconds (default 40; `make bench` runs
it longer), then SIGTERM.

Measured at the simulator from its log (tests/lib/venuelog.py):
  * no cancel of an order the simulator had closed more than 1 s earlier;
  * no cl_ord_id sent twice;
  * every 10 s window <= 22 requests/s per account and <= 50/s for the IP;
  * at most a handful of 429s;
  * ALO rejection -> replacement order p50 < 100 ms;
  * after SIGTERM: exit 0, no open order, flat positions.
SOAK_JSON=PATH writes the figures there (the benchmark reads them)."""
import json
import os
import statistics
import threading
import time

import mmdrun
import sim
import venuelog
from harness import main

SOAK_S = float(os.environ.get("SOAK_S", "40"))
SYMS = {"a": ("BTC-USD", "ETH-USD"), "b": ("BTC-USD",)}


def inject_rejects(s, stop, every_s=4.0, count=2):
    n = 0
    while not stop.wait(every_s):
        st, _ = s.fault(type="reject_next", count=count, message="alo order rejected")
        n += count if st == 200 else 0
    return n


def figures(s, creds):
    log = venuelog.Log(s.log_lines())
    lat, rejected = log.alo_reactions_ms()
    per_acct = {name: log.max_rate(10, c.claims()["address"]) for name, c in creds.items()}
    f = {
        "seconds": SOAK_S,
        "requests": len(log.requests),
        "orders": sum(1 for r in log.orders if r["op"] == "new"),
        "cancels": sum(1 for r in log.orders if r["op"] != "new"),
        "via_ws_api": sum(1 for r in log.orders if r["via"] == "ws-api"),
        "late_cancels": len(log.late_cancels(1.0)),
        "duplicate_ids": len(log.duplicate_ids()),
        "max_rps_10s_per_account": per_acct,
        "max_rps_10s_ip": log.max_rate(10, rest_only=True),
        "max_rps_10s_all": log.max_rate(10),
        "http_429": log.rate_limited(),
        "alo_rejections": len(rejected),
        "alo_replacement_ms_p50": statistics.median(lat) if lat else None,
        "alo_replacement_ms_max": max(lat) if lat else None,
    }
    return f, log


def test_live_soak():
    with sim.scenario("lively", seed=81) as s:
        creds = {"a": s.mint("soak-a"), "b": s.mint("soak-b")}
        tasks = []
        for acct, syms in SYMS.items():
            for sym in syms:
                tid = "%s%s" % (acct, sym.split("-")[0].lower())
                tasks.append(mmdrun.task(tid, sym, acct, tiers=2, level="moderate", risk=mmdrun.guards_off(),
                                         strategy={"fill_cooldown_s": 2}))
        ids = [t["id"] for t in tasks]
        with mmdrun.Mmd(s, tasks, creds) as d:
            d.wait_quoting(*ids, tiers=1, timeout=40)
            stop = threading.Event()
            th = threading.Thread(target=inject_rejects, args=(s, stop), daemon=True)
            th.start()
            time.sleep(SOAK_S)
            stop.set()
            th.join(10)
            status = d.rpc("status")
            rc = d.stop()
        f, log = figures(s, creds)
        f["exit"] = rc
        f["mmd_ip_budget"] = status.get("ip_budget")
        left = {n: len(mmdrun.account_orders(s, c)[0]) for n, c in creds.items()}
        st = s.state()
        flat = all(abs(mmdrun.account_position(st, c, sym)) < 1e-12
                   for n, c in creds.items() for sym in SYMS[n])
        f["open_orders_after"] = left
        f["flat_after"] = flat
        print("live soak: " + json.dumps(f, sort_keys=True))
        if os.environ.get("SOAK_JSON"):
            with open(os.environ["SOAK_JSON"], "w") as out:
                json.dump(f, out, indent=1, sort_keys=True)
        assert rc == 0, d.log_tail()
        assert f["late_cancels"] == 0, log.late_cancels(1.0)[:10]
        assert f["duplicate_ids"] == 0, log.duplicate_ids()
        for name, rps in f["max_rps_10s_per_account"].items():
            assert rps <= 22, (name, rps)
        assert f["max_rps_10s_ip"] <= 50, f
        assert f["http_429"] <= 5, f
        assert f["alo_rejections"] >= 4, f
        assert f["alo_replacement_ms_p50"] is not None and f["alo_replacement_ms_p50"] < 100, f
        assert not any(left.values()), left
        assert flat, "positions left open after SIGTERM"


if __name__ == "__main__":
    main(test_live_soak)
