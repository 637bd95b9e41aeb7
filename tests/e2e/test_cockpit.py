#!/usr/bin/env python3
"""e2e: the operator's cockpit against the real mmd and standx-sim (calm
scenario): three tasks — btc-ck quoting (with a partial fill: long 0.004 BTC of a 5000 USD limit), eth-ck in Caution (a spread limit
below the market's spread: it stops quoting with a reason), sol-ck halted by
the operator.  `status` carries the cockpit's fields (position in USD vs its
limit, PnL today, bps to 0.01, uptime minutes to 0.1 with its 24-hour
history, month-to-date Maker Hours, the halt in the recent events with its
reason); `mmctl orders` is a price ladder with bps and age; mmtop in tmux at
80x24 and 200x50 shows each task's merged state word, bps distances,
position share and uptime, a reason line for eth-ck and sol-ck and no '~'.
The screens are written to build/test-logs/cockpit-real-screens.txt.
Waits are bounded generously (30 s) so the test holds under the ideal and
the live-like simulator profiles."""
import os
import re
import shutil

import mmdrun
import sim
from clients import Tmux, mmctl
from harness import binary, build_dir, main, wait_for

SCREENS = []


def row(s, tid):
    return [ln for ln in s.splitlines() if ln.startswith(tid + " ")][0]


def check_status(d):
    st = d.rpc("status")
    t = {x["id"]: x for x in st["tasks"]}
    b = t["btc-ck"]
    for k in ("position_usd", "max_position_usd", "position_share", "pnl_today", "recent"):
        assert k in b, (k, b)
    assert b["max_position_usd"] == "5000.00", b
    assert re.fullmatch(r"-?\d+\.\d\d", b["pnl_today"]) and re.fullmatch(r"-?\d+\.\d\d", b["position_usd"]), b
    for side in ("bid", "ask"):
        d_bps = b["tiers"][0][side]["dist_bps"]
        assert round(d_bps, 2) == d_bps, d_bps
    u = b["uptime"]
    assert len(u["last_24h_minutes"]) == 24 and u["fee_tier_on_track"] in ("MM1", "MM2", "none"), u
    assert round(u["hour_minutes"], 1) == u["hour_minutes"] and 0 <= u["hour_seconds"] <= 3600, u
    assert t["eth-ck"]["risk"]["state"] == "caution" and t["eth-ck"]["state"] == "quoting", t["eth-ck"]
    s = t["sol-ck"]
    assert s["state"] == "halted", s
    texts = [e["text"] for e in s["recent"]["events"]]
    assert any("halt by operator: cockpit check" in x for x in texts), texts


def check_orders(d):
    p = mmctl("orders", "btc-ck", sock=d.sock, timeout=10)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split()[:8] == ["TASK", "SIDE", "TIER", "PRICE", "BPS", "QTY", "FILLED", "AGE"], p.stdout
    rows = [ln.split() for ln in lines[1:]]
    prices = [float(r[3]) for r in rows]
    assert prices == sorted(prices, reverse=True) and len(rows) >= 2, p.stdout
    assert all(re.fullmatch(r"\d+\.\d", r[4]) and re.fullmatch(r"\d+\.\d+s|\d+[ms]\S*", r[7]) for r in rows), p.stdout
    SCREENS.append("==== mmctl orders btc-ck (real mmd) ====\n" + p.stdout.rstrip())


def screens(tmux):
    for w, h in ((80, 24), (200, 50)):
        tmux.resize(w, h)
        s = tmux.wait_screen(lambda s: all(re.search(r"^%s .*%s" % (t, x), s, re.M) for t, x in
                                           (("btc-ck", "quoting"), ("eth-ck", "caution"), ("sol-ck", "HALT")))
                             and re.search(r"^btc-ck .*\d+\.\d/\d+\.\d", s, re.M), timeout=15)
        assert "~" not in s, s
        assert all(len(ln) <= w for ln in s.splitlines()), s
        for tid in ("btc-ck", "eth-ck", "sol-ck"):
            r = row(s, tid)
            assert re.search(r"\d+%", r) and re.search(r"\d+\.\dm [#.:]+", r), r
        assert re.search(r"\+5% =", row(s, "btc-ck")), row(s, "btc-ck")   # 0.004 BTC of a 5000 USD limit
        assert re.search(r"^    > eth-ck: spread: .*not quoting", s, re.M), s
        assert re.search(r"^    > sol-ck: operator halt: cockpit check", s, re.M), s
        SCREENS.append("==== mmtop main screen %dx%d (real mmd: quoting, caution, halted) ====\n%s"
                       % (w, h, s.rstrip("\n")))
        tmux.keys("Enter")
        s = tmux.wait_screen(lambda s: "TASK " not in s and "ladder (" in s and
                             re.search(r"\d+\.\ds(\s|$)", s, re.M) and ("recent events" in s or w < 150))
        assert "~" not in s, s
        SCREENS.append("==== mmtop detail pane %dx%d (real mmd, btc-ck) ====\n%s" % (w, h, s.rstrip("\n")))
        tmux.keys("Escape")
        tmux.wait_screen(lambda s: "TASK " in s)
    tmux.keys("q")


def test_cockpit():
    calm = mmdrun.guards_off()
    with sim.scenario("calm", seed=31) as s:
        c = s.mint("ck")
        tasks = [mmdrun.task("btc-ck", "BTC-USD", "a", risk=mmdrun.guards_off(max_position_usd="5000")),
                 mmdrun.task("eth-ck", "ETH-USD", "a", risk=mmdrun.guards_off(max_spread_bps=0.01)),
                 mmdrun.task("sol-ck", "SOL-USD", "a", risk=calm)]
        with mmdrun.Mmd(s, tasks, {"a": c}) as d:
            d.wait_quoting("btc-ck", "sol-ck", timeout=30)
            p = mmctl("halt", "sol-ck", "cockpit", "check", sock=d.sock, timeout=30)
            assert p.returncode == 0, p.stderr
            wait_for(lambda: d.task_status("eth-ck")["risk"]["state"], 30, 0.2, what="eth-ck in caution",
                     until=lambda st: st == "caution")
            # some quoting time first, so the uptime figures and the price chart have data
            wait_for(lambda: d.task_status("btc-ck")["uptime"]["hour_seconds"], 30, 0.5,
                     what="btc-ck quoted both sides for 8 s", until=lambda n: n >= 8)
            # a partial fill of btc-ck's bid: a long position, in the recent fills with a markout
            bid = sorted([o for o in d.orders("btc-ck") if o["side"] == "buy"], key=lambda o: -float(o["price"]))[0]
            st, j = s.fill(order_id=bid["id"], qty="0.0040")
            assert st == 200, (st, j)
            t = wait_for(lambda: d.task_status("btc-ck"), 30, 0.2, what="the fill in btc-ck's status",
                         until=lambda t: t["recent"]["fills"] and t["position"] != "0.0000")
            f = t["recent"]["fills"][0]
            assert f["side"] == "buy" and f["qty"] == "0.0040" and isinstance(f["markout_bps"], (int, float)), f
            assert float(t["position_usd"]) > 200 and 0.04 < t["position_share"] < 0.07, t
            # PnL today: unrealized at mmd's own mark (nothing realized yet)
            want = float(t["position"]) * (float(t["mark"]) - float(t["entry_price"]))
            assert abs(float(t["pnl_today"]) - want) <= 0.011, (t["pnl_today"], want, t["mark"], t["entry_price"])
            check_status(d)
            check_orders(d)
            if shutil.which("tmux"):
                with Tmux("%s -s %s" % (binary("mmtop"), d.sock), 80, 24) as tmux:
                    screens(tmux)
            else:
                print("skip mmtop: tmux not installed")
    path = os.path.join(build_dir(), "test-logs", "cockpit-real-screens.txt")
    with open(path, "w") as out:
        out.write("\n\n".join(SCREENS) + "\n")
    print("cockpit: screens in %s" % path)


if __name__ == "__main__":
    main(test_cockpit)
