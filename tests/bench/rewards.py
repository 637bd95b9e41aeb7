#!/usr/bin/env python3
"""rewards — `make bench-rewards`: does mmd earn the maker rewards?  Measured
AT THE SIMULATOR, not from mmd's own report.

mmd runs one task (BTC-USD, 2 tiers, the level's own guards) on each shipped
level (conservative, moderate, aggressive) against each scenario (calm,
lively, volatile), speed 1, every pair on its own standx-sim (so fills and
counters are that task's alone), all pairs at once.  A sampler polls each
simulator's GET /_sim/state four times a second -- the venue's own book --
noting when each of the account's orders was first seen resting; each
wall-clock second of the window it scores its first poll (0.15 s past the
second, just after mmd samples its own uptime, so both look at the same
moment):

  two_sided     a bid AND an ask resting within 10 bps of the mark (inclusive)
  two_sided_3s  the same counting only orders seen resting >= 3 s (first
                seen at a 4 Hz poll: never counts an order younger than 3 s)
and at the end:
  ops_per_min   orders + cancels the simulator received (its counters)
  fills_per_h   our trades (GET /api/query_trades) per hour of the window
  markout_bps   average of side x (mark 5 s after the fill - fill price), bps
                of the price: > 0 the fill was good for us
  pnl_usd       cash of every trade - fees + position x last mark
  self_share    mmd's own report (`uptime` RPC: qualifying seconds of the
                window / window seconds), beside the measured one
                (self_gap: how far apart, points);
                self_share_3s the same for the 3 s rule (seconds_3s)
  maker_points  mmd's Maker Points estimate for the window (USD-hours)

The window opens BENCH_REWARD_WARMUP_S (default 10) seconds after the pair
first quotes both sides (the sampler runs from the start, so an order's age
is its real age): a window opening with the first quotes would count their
first 3 s against the 3 s rule, a start-up cost, not a steady-state one.

Env: BENCH_REWARD_S (window seconds per pair, default 300: one second is
a third of a point, so mmd's report can be held to half a point),
BENCH_REWARD_LEVELS, BENCH_REWARD_SCENARIOS (comma lists; any scenario of
tests/sim/scenarios, e.g. faulty to compare mmd's own report under faults),
BENCH_REWARD_PROFILE (sim --profile, default live: 2 Hz market data, 15 s
lagging open-order list), BENCH_REWARD_OUT (default build/bench-rewards.json),
BENCH_REWARD_BEFORE (a JSON file of an earlier run: printed beside this one),
BENCH_REWARD_STRATEGY / BENCH_REWARD_RISK (JSON objects: overrides of every
task's strategy / risk keys, for experiments; default none: the shipped levels),
BENCH_REWARD_TRACE (a directory: each pair's scored seconds as JSON lines).
Standard library only; every loop is bounded; every process is stopped.
"""
import json
import os
import sys
import threading
import time
import traceback

import mmdrun  # make bench-rewards sets PYTHONPATH=tests/lib
import sim
from harness import WaitTimeout, build_dir, wait_for

DUR = float(os.environ.get("BENCH_REWARD_S", "300"))
WARMUP_S = float(os.environ.get("BENCH_REWARD_WARMUP_S", "10"))
LEVELS = os.environ.get("BENCH_REWARD_LEVELS", "conservative,moderate,aggressive").split(",")
SCENARIOS = os.environ.get("BENCH_REWARD_SCENARIOS", "calm,lively,volatile").split(",")
PROFILE = os.environ.get("BENCH_REWARD_PROFILE", "live")
OUT = os.environ.get("BENCH_REWARD_OUT") or os.path.join(build_dir(), "bench-rewards.json")
BEFORE = os.environ.get("BENCH_REWARD_BEFORE")
# experiments: JSON objects merged into every task's strategy / risk section
STRATEGY = json.loads(os.environ.get("BENCH_REWARD_STRATEGY") or "{}")
RISK = json.loads(os.environ.get("BENCH_REWARD_RISK") or "{}")
TRACE = os.environ.get("BENCH_REWARD_TRACE")   # a directory: one JSON-lines file of seconds per pair
SYMBOL = "BTC-USD"
BAND_BPS = 10.0
REST_S = 3.0
POLL_S = 0.25
POLL_PHASE_S = 0.15
LATE_S = 0.5    # a second scored later than this may not be the moment mmd sampled
MARKOUT_S = 5.0
# the targets (moderate level)
TARGETS = {("moderate", "calm"): {"two_sided": 99.0, "two_sided_3s": 95.0, "ops_per_min_max": 20.0,
                                  "self_gap_max": 0.5},
           ("moderate", "lively"): {"two_sided": 85.0, "two_sided_3s": 70.0, "self_gap_max": 0.5},
           ("moderate", "faulty"): {"self_gap_max": 0.5}}


def within(price, mark):
    return abs(price - mark) <= mark * BAND_BPS / 1e4 + 1e-9


def iso_us(s):
    """RFC 3339 '2026-12-04T13:05:14.123456Z' -> epoch microseconds."""
    import calendar
    base, _, frac = s.rstrip("Z").partition(".")
    t = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return t * 1000000 + int((frac + "000000")[:6]) if frac else t * 1000000


class Pair:
    """One level on one scenario: its simulator, its mmd, its samples."""

    def __init__(self, level, scen):
        self.level, self.scen = level, scen
        self.s = self.d = self.creds = None
        self.first_seen = {}
        self.marks = []            # (t, mark)
        self.secs = self.both = self.both3 = 0
        self.err = None
        self.res = None
        self.trace = []
        self.unscored = 0
        self.late = 0              # seconds scored more than LATE_S past their start (busy machine)
        self.quoted_before = True  # two-sided within a minute of the start, before the window

    def start(self):
        args = ["--profile", PROFILE] if PROFILE else []
        self.s = sim.scenario(self.scen, speed=1, args=args)
        self.s.start()
        self.creds = self.s.mint("bench-" + self.level)
        t = mmdrun.task("mm", SYMBOL, "a", base_qty="0.01", tiers=2, level=self.level, risk=dict(RISK),
                        strategy=dict(STRATEGY))
        self.d = mmdrun.Mmd(self.s, [t], {"a": self.creds}, log_level="info")
        self.d.start()

    def state(self):
        """GET /_sim/state, retried (the faulty scenario refuses and resets
        connections, the admin API's too): None after 8 tries 50 ms apart."""
        for _ in range(8):
            try:
                return self.s.state()
            except (OSError, AssertionError, ValueError):
                time.sleep(0.05)
        return None

    def counters(self):
        """The simulator's counters; under faults (refused connections for
        4 s) retried for up to 10 s."""
        end = time.time() + 10
        while True:
            st = self.state()
            if st is not None or time.time() > end:
                return st["counters"] if st else None
            time.sleep(0.2)

    def sample(self, now):
        st = self.state()
        if st is None:
            return None, None, None
        mark = float(st["symbols"][SYMBOL]["mark"])
        self.marks.append((now, mark))
        addr = self.creds.claims().get("address")
        orders = [o for o in (st["accounts"].get(addr) or {}).get("open_orders", [])
                  if o["symbol"] == SYMBOL]
        live = set()
        for o in orders:
            self.first_seen.setdefault(o["id"], now)
            live.add(o["id"])
        for k in [k for k in self.first_seen if k not in live]:
            del self.first_seen[k]
        return st, mark, orders

    def score(self, now, mark, orders):
        sides, sides3 = set(), set()
        for o in orders:
            if within(float(o["price"]), mark):
                sides.add(o["side"])
                if now - self.first_seen[o["id"]] >= REST_S:
                    sides3.add(o["side"])
        self.secs += 1
        self.late += now - int(now) > LATE_S
        self.both += sides == {"buy", "sell"}
        self.both3 += sides3 == {"buy", "sell"}
        if TRACE:
            self.trace.append({"t": round(now, 2), "mark": mark, "sides": sorted(sides), "sides3": sorted(sides3),
                               "orders": [(o["side"], round(abs(float(o["price"]) - mark) / mark * 1e4, 2),
                                           round(now - self.first_seen[o["id"]], 1)) for o in orders]})

    def uptime_seconds(self):
        """mmd's `uptime` RPC, once, as two tuples (hour, qualifying seconds
        so far, hours, maker points total, samples): the plain count and the
        3 s rule's "seconds_3s" (None when this mmd does not report it)."""
        u = self.d.rpc("uptime")["mm"]
        h = u["this_hour"]
        return tuple(None if key not in h else
                     (h["hour"], h[key], u["hours"], u.get("maker_points_total"), h.get("samples"))
                     for key in ("seconds", "seconds_3s"))


def next_poll(now):
    """The next poll time: POLL_S apart, aligned to the wall clock (POLL_PHASE_S
    past each whole second), so the first poll of each second comes just
    after mmd sampled its own uptime (its 100 ms tick)."""
    base = int(now) + POLL_PHASE_S
    k = int((now - base) // POLL_S) + 1
    return base + k * POLL_S


def wait_two_sided(p, timeout=60.0):
    wait_for(lambda: p.d.quoting("mm", tiers=1), timeout, 0.25,
             what="%s/%s quoting both sides" % (p.level, p.scen), detail=p.d.log_tail)


def self_share(start, end, window_s, key="seconds"):
    """mmd's share over the window: qualifying seconds / seconds it sampled
    (its `samples`; the window's length for an mmd without them)."""
    h0, s0, _, _, n0 = start
    h1, s1, hours, _, n1 = end
    if h0 == h1:
        q, n = s1 - s0, (n1 - n0 if n0 is not None and n1 is not None else None)
    else:   # the UTC hour turned during the window
        prev = [h for h in hours if h["hour"] == h0]
        q = (prev[0][key] - s0 if prev else 0) + s1
        n = (prev[0]["samples"] - n0 + n1) if prev and n0 is not None and "samples" in prev[0] else None
    n = n if n else window_s
    return 100.0 * q / n if n > 0 else None


def trades(p):
    for _ in range(8):
        try:
            st, j = p.s.get("/api/query_trades", {"symbol": SYMBOL, "limit": 500}, creds=p.creds)
            break
        except OSError:
            time.sleep(0.05)
    else:
        return []
    if st != 200:
        return []
    rows = j.get("result", j) if isinstance(j, dict) else j
    return rows if isinstance(rows, list) else []


def mark_at(marks, t):
    for tm, m in marks:
        if tm >= t:
            return m
    return None


def finish_pair(p, t0, t1, c0, c1, up0, up1, u30, u31):
    window = t1 - t0
    fills, outs, cash, pos, fees = 0, [], 0.0, 0.0, 0.0
    for tr in trades(p):
        px, q = float(tr["price"]), float(tr["qty"])
        sgn = 1.0 if tr["side"] == "buy" else -1.0
        cash -= sgn * q * px
        pos += sgn * q
        fees += float(tr.get("fee_qty") or 0)
        t = iso_us(tr["created_at"]) / 1e6
        if t0 <= t <= t1:
            fills += 1
            m = mark_at(p.marks, t + MARKOUT_S)
            if m is not None:
                outs.append(sgn * (m - px) / px * 1e4)
    last = p.marks[-1][1] if p.marks else 0.0
    ops = (c1["orders"] - c0["orders"]) + (c1["cancels"] - c0["cancels"]) if c0 and c1 else None
    two_sided = 100.0 * p.both / max(p.secs, 1)
    self_pct = self_share(up0, up1, round(window)) if up0 and up1 else None
    return {"level": p.level, "scenario": p.scen, "window_s": round(window, 1), "seconds": p.secs,
            "unscored_s": p.unscored, "late_s": p.late, "quoted_before_window": p.quoted_before,
            "two_sided": round(two_sided, 2),
            "two_sided_3s": round(100.0 * p.both3 / max(p.secs, 1), 2),
            "ops_per_min": round(ops / (window / 60.0), 1) if ops is not None else None,
            "fills_per_h": round(fills / (window / 3600.0), 1),
            "markout_bps": round(sum(outs) / len(outs), 2) if outs else None,
            "pnl_usd": round(cash - fees + pos * last, 2),
            "self_share": round(self_pct, 2) if self_pct is not None else None,
            "self_gap": round(abs(self_pct - two_sided), 2) if self_pct is not None else None,
            "self_share_3s": round(self_share(u30, u31, round(window), "seconds_3s"), 2) if u30 and u31 else None,
            "maker_points": round(u31[3] - u30[3], 2) if u30 and u31 and u31[3] is not None else None}


def run_pair(p, barrier):
    try:
        p.start()
    except Exception as e:   # noqa: BLE001 - reported in the table
        p.err = "start: %s" % e
    if not p.err:
        try:
            wait_two_sided(p)
        except WaitTimeout:   # a market the level's guards keep it out of: scored all the same
            p.quoted_before = False
    try:
        barrier.wait(120)
    except threading.BrokenBarrierError:
        pass
    if p.err:
        return
    try:
        end = time.time() + WARMUP_S   # steady state: the start-up's first quotes have not rested yet
        while time.time() < end:
            p.sample(time.time())
            time.sleep(POLL_S)
        c0 = p.counters()
        # The first poll of each wall-clock second scores it, as mmd samples
        # its own.  mmd's report is read right after the opening second (not
        # scored: mmd has counted it already) and right after the last one
        # is scored, so both count the same seconds.
        t0 = sec = up0 = u30 = None
        while True:
            now = time.time()
            _, mark, orders = p.sample(now)
            if sec is None or int(now) > sec:
                if sec is None:
                    up0, u30 = p.uptime_seconds()
                    t0 = now
                elif mark is not None:   # a second the simulator did not answer is not scored
                    p.score(now, mark, orders)
                else:
                    p.unscored += 1
                sec = int(now)
                if now >= t0 + DUR:
                    break
            time.sleep(max(0.0, next_poll(time.time()) - time.time()))
        up1, u31 = p.uptime_seconds()
        t1 = time.time()
        c1 = p.counters()
        end = t1 + MARKOUT_S
        while time.time() < end:       # marks for the last fills' markouts
            p.sample(time.time())
            time.sleep(POLL_S)
        p.res = finish_pair(p, t0, t1, c0, c1, up0, up1, u30, u31)
        if TRACE:
            with open(os.path.join(TRACE, "%s-%s.jsonl" % (p.level, p.scen)), "w") as f:
                f.writelines(json.dumps(x) + "\n" for x in p.trace)
    except Exception as e:   # noqa: BLE001
        p.err = "%s\n%s" % (e, traceback.format_exc())


def stop_pair(p):
    for x in (p.d, p.s):
        try:
            if x:
                x.stop()
                x.cleanup()
        except Exception:   # noqa: BLE001
            pass


COLS = [("two_sided", "2-sided%"), ("self_share", "self%"), ("two_sided_3s", "2s>=3s%"),
        ("self_share_3s", "self>=3s%"),
        ("ops_per_min", "ops/min"), ("fills_per_h", "fills/h"), ("markout_bps", "mkout bps"),
        ("pnl_usd", "PnL USD"), ("maker_points", "MP est")]


def fmt(v):
    return "-" if v is None else ("%.1f" % v if isinstance(v, float) else str(v))


def print_table(rows, before=None):
    bidx = {(r["level"], r["scenario"]): r for r in (before or [])}
    head = "%-13s %-9s" % ("level", "scenario") + "".join(" %16s" % h for _, h in COLS)
    print(head)
    print("-" * len(head))
    for r in rows:
        if "error" in r:
            print("%-13s %-9s  ERROR %s" % (r["level"], r["scenario"], r["error"].splitlines()[0]))
            continue
        b = bidx.get((r["level"], r["scenario"]))
        cells = []
        for k, _ in COLS:
            cells.append(" %16s" % (("%s <- %s" % (fmt(r.get(k)), fmt(b.get(k)))) if b else fmt(r.get(k))))
        print("%-13s %-9s" % (r["level"], r["scenario"]) + "".join(cells))
    if before:
        print("(each cell: this run <- before)")


def check_targets(rows):
    bad = []
    for r in rows:
        tg = TARGETS.get((r["level"], r["scenario"]))
        if not tg or "error" in r:
            continue
        for k, v in tg.items():
            if r.get(k[:-4] if k.endswith("_max") else k) is None:
                bad.append("%s/%s %s not measured" % (r["level"], r["scenario"], k))
            elif k.endswith("_max"):
                if r[k[:-4]] > v:
                    bad.append("%s/%s %s %.1f > %g" % (r["level"], r["scenario"], k[:-4], r[k[:-4]], v))
            elif r[k] < v:
                bad.append("%s/%s %s %.1f < %g" % (r["level"], r["scenario"], k, r[k], v))
    return bad


def main():
    pairs = [Pair(lv, sc) for sc in SCENARIOS for lv in LEVELS]
    print("bench-rewards: %d pair(s), %.0f s window each, sim profile %s, speed 1, all at once"
          % (len(pairs), DUR, PROFILE or "(default)"))
    barrier = threading.Barrier(len(pairs))
    ths = [threading.Thread(target=run_pair, args=(p, barrier), daemon=True) for p in pairs]
    try:
        for t in ths:
            t.start()
        for t in ths:
            t.join(DUR + 400)
    finally:
        stop_ths = [threading.Thread(target=stop_pair, args=(p,)) for p in pairs]
        for t in stop_ths:
            t.start()
        for t in stop_ths:
            t.join(120)
    rows = [p.res if p.res else {"level": p.level, "scenario": p.scen, "error": p.err or "no result"}
            for p in pairs]
    before = None
    if BEFORE:
        with open(BEFORE) as f:
            before = json.load(f).get("rows")
    print_table(rows, before)
    doc = {"window_s": DUR, "profile": PROFILE, "symbol": SYMBOL, "markout_s": MARKOUT_S,
           "rows": rows, "targets_missed": check_targets(rows),
           "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
    for m in doc["targets_missed"]:
        print("target missed: " + m)
    for r in rows:
        if r.get("quoted_before_window") is False:
            print("note: %s/%s: not two-sided within 60 s of the start (its guards kept it out); the window "
                  "was measured all the same" % (r["level"], r["scenario"]))
        if r.get("late_s"):
            print("note: %s/%s: %d of %d seconds scored more than %.1f s late (a busy machine): mmd's own "
                  "share and the measured one may differ by that much" % (r["level"], r["scenario"], r["late_s"],
                                                                          r["seconds"], LATE_S))
    print("written to %s" % OUT)
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
