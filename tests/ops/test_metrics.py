#!/usr/bin/env python3
"""e2e Prometheus metrics: mmd with metrics.listen on a loopback port,
quoting two tasks against standx-sim.  /metrics is fetched with a real HTTP
client (urllib) and parsed strictly (opsmmd.parse: the text exposition
format 0.0.4, whole families, unique series, counters, histograms); every
family the issue asks for is there; other paths answer 404 and POST 405.
Then, with every task halted so nothing moves, each figure of the scrape
equals the one `mmctl -j status` (and positions/uptime) shows taken just
before and after it.  `mmctl metrics` prints the same families.

The simulator runs --profile ideal so quoting (and the latency samples)
start within seconds; nothing asserted depends on market-data pacing."""
import json
import urllib.error
import urllib.request

import mmdrun
import opsmmd
import sim
from clients import mmctl
from harness import main, require, wait_for

FAMILIES = [
    "mmd_build_info", "mmd_uptime_seconds", "mmd_task_state", "mmd_task_quoting", "mmd_task_risk_state",
    "mmd_task_two_sided", "mmd_task_two_sided_seconds_this_hour", "mmd_task_maker_hours_month_to_date",
    "mmd_task_position", "mmd_task_position_notional_usd", "mmd_task_position_limit_usd",
    "mmd_task_unrealized_pnl_usd", "mmd_task_realized_pnl_usd", "mmd_task_orders_open",
    "mmd_account_orders_placed_total", "mmd_account_cancels_total", "mmd_account_rejects_total",
    "mmd_account_fills_total", "mmd_account_rate_limited_total", "mmd_account_request_credits",
    "mmd_connection_reconnects_total", "mmd_reaction_latency_seconds"]


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200, r.status
        ctype = r.headers.get("Content-Type")
        assert ctype.startswith("text/plain; version=0.0.4"), ctype
        return r.read().decode()


def status(d):
    p = mmctl("-j", "status", sock=d.sock, timeout=30)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_parser_is_strict():
    good = "# HELP a_total x\n# TYPE a_total counter\na_total{k=\"v\"} 1\n"
    opsmmd.parse(good)
    bad = [good.rstrip("\n"), good + good, "a_total 1\n", good + "a_total{k=\"v\"} 2\n",
           "# HELP a x\n# TYPE a counter\na 1\n", "# HELP g x\n# TYPE g gauge\ng{k=v} 1\n",
           "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"]
    for b in bad:
        try:
            opsmmd.parse(b)
        except opsmmd.FormatError:
            continue
        raise AssertionError("parser accepted %r" % b)


def figures(st, pos, up):
    """(family, labels, value) of `mmctl -j status` (+ positions, uptime)."""
    out = [("mmd_shutting_down", {}, float(st["shutting_down"]))]
    for t in st["tasks"]:
        lb = {"task": t["id"], "symbol": t["symbol"]}
        out += [("mmd_task_position", lb, float(t["position"])),
                ("mmd_task_orders_open", lb, float(t["orders_open"])),
                ("mmd_task_fills_today", lb, float(t["fills_today"])),
                ("mmd_task_rejects_total", lb, float(t["rejects"])),
                ("mmd_task_operator_halt", lb, float(t["risk"]["operator_halt"])),
                ("mmd_task_two_sided", lb, float(t["uptime"]["both_sides_now"])),
                ("mmd_task_state", dict(lb, state=t["state"]), 1.0),
                ("mmd_task_risk_state", dict(lb, state=t["risk"]["state"]), 1.0),
                ("mmd_task_realized_pnl_usd", lb, float(pos[t["id"]]["realized_pnl"])),
                ("mmd_task_position_notional_usd", lb, float(pos[t["id"]]["notional_usd"])),
                ("mmd_task_two_sided_seconds_this_hour", lb, float(up[t["id"]]["this_hour"]["seconds"]))]
    for aid, a in st["connections"]["accounts"].items():
        lb = {"account": aid}
        c = a["counters"]
        out += [("mmd_account_orders_placed_total", lb, float(c["places"])),
                ("mmd_account_cancels_total", lb, float(c["cancels"])),
                ("mmd_account_fills_total", lb, float(c["fills"])),
                ("mmd_account_rejects_total", lb, float(c["rejects"])),
                ("mmd_account_rate_limited_total", lb, float(c["rate_limited"])),
                ("mmd_account_state", dict(lb, state=a["state"]), 1.0),
                ("mmd_connection_reconnects_total", {"connection": a["connection"]["name"]},
                 float(a["connection"]["reconnects"]))]
    m = st["connections"]["market"]
    out += [("mmd_connection_reconnects_total", {"connection": m["connection"]["name"]},
             float(m["connection"]["reconnects"])),
            ("mmd_market_frames_total", {}, None)]   # moves with the market: present, not compared
    return out


def compare_once(d, url):
    """Figures equal in the status before and after a scrape must equal the
    scrape's; returns (compared, mismatches)."""
    before = figures(status(d), d.rpc("positions"), d.rpc("uptime"))
    fams = opsmmd.parse(scrape(url))
    after = figures(status(d), d.rpc("positions"), d.rpc("uptime"))
    compared, bad = 0, []
    for (fam, lb, v), (_, _, v2) in zip(before, after):
        got = opsmmd.value(fams, fam, **lb)
        if v is None or v != v2:
            continue
        compared += 1
        if abs(got - v) > 1e-9 * max(1.0, abs(v)):
            bad.append((fam, lb, v, got))
    st = status(d)
    up = opsmmd.value(fams, "mmd_uptime_seconds")
    assert abs(up - st["uptime_s"]) <= 2, (up, st["uptime_s"])
    return compared, bad


def test_metrics_e2e():
    port = opsmmd.free_port()
    url = "http://127.0.0.1:%d/metrics" % port
    with sim.scenario("calm", seed=31, args=["--profile", "ideal"]) as s:
        c = s.mint("metrics")
        tasks = [mmdrun.task("m-btc", "BTC-USD", "a", tiers=2, risk=mmdrun.guards_off()),
                 mmdrun.task("m-eth", "ETH-USD", "a", tiers=1, risk=mmdrun.guards_off())]
        extra = 'metrics:\n  listen: "127.0.0.1:%d"\n' % port
        with opsmmd.Mmd(s, tasks, {"a": c}, extra=extra) as d:
            d.wait_quoting("m-btc", "m-eth", timeout=20)
            fams = wait_for(lambda: opsmmd.parse(scrape(url)), 15, what="latency samples in /metrics",
                            until=lambda f: opsmmd.value(f, "mmd_reaction_latency_seconds",
                                                         "mmd_reaction_latency_seconds_count", stage="total") > 0,
                            detail=d.log_tail)
            missing = [f for f in FAMILIES if f not in fams]
            assert not missing, missing
            assert opsmmd.value(fams, "mmd_task_quoting", task="m-btc") == 1
            assert opsmmd.value(fams, "mmd_account_orders_placed_total", account="a") >= 3
            assert opsmmd.value(fams, "mmd_task_position_limit_usd", task="m-eth") == 1000000
            print("scrape while quoting: %d families, %d samples" %
                  (len(fams), sum(len(f["samples"]) for f in fams.values())))
            for path, code in (("/", 404), ("/metrics/x", 404)):
                try:
                    urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5)
                    raise AssertionError("%s answered 200" % path)
                except urllib.error.HTTPError as e:
                    assert e.code == code, (path, e.code)
            try:
                urllib.request.urlopen(urllib.request.Request(url, data=b"x", method="POST"), timeout=5)
                raise AssertionError("POST answered 200")
            except urllib.error.HTTPError as e:
                assert e.code == 405, e.code
            # everything halted: nothing moves, so the scrape must equal the status around it
            p = mmctl("halt", "all", "metrics test", sock=d.sock, timeout=30)
            assert p.returncode == 0, p.stderr
            for attempt in range(5):
                compared, bad = compare_once(d, url)
                if compared >= 30 and not bad:
                    break
            print("scrape vs mmctl -j status: %d figures compared, mismatches %r" % (compared, bad))
            assert compared >= 30 and not bad, (compared, bad)
            fams = opsmmd.parse(scrape(url))
            assert opsmmd.value(fams, "mmd_task_state", task="m-btc", state="halted") == 1
            assert opsmmd.value(fams, "mmd_task_quoting", task="m-btc") == 0
            # mmctl metrics: the same exposition over the control socket
            p = mmctl("metrics", sock=d.sock)
            assert p.returncode == 0, p.stderr
            assert set(opsmmd.parse(p.stdout)) == set(fams)
    print("metrics: strict parse, families present, values match mmctl -j status")


if __name__ == "__main__":
    require("mmd", "mmctl", "standx-sim")
    main(test_parser_is_strict, test_metrics_e2e)
