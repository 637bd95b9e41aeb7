#!/usr/bin/env python3
"""bench — `make bench`: mmd against standx-sim on loopback.

Figures (printed as a table and written to build/bench.json):
  reaction_latency  sim writes a `price` frame moving mark past the drift
                    threshold -> sim reads the first order request it causes
                    (sim --log timestamps, microseconds); once with orders
                    over the ws-api session (the default) and once over
                    REST, with mmd's CPU per 1000 order requests for each
  live_soak         tests/e2e/test_live_soak.py for BENCH_SOAK_S (120) s:
                    two accounts, three tasks, lively market, the sim's live
                    profile, injected ALO rejections; its figures
  throughput        price / 20-level depth_book frames per second consumed
                    by mmd (POST /_sim/flood), CPU ms per 1000 frames
  scale             peak RSS and CPU% with 1, 10, 50 quoting tasks (calm)
  rpc               `status` round trip with 50 tasks and 10 subscribers

Env: BENCH_MOVES (default 1000), BENCH_SCALE_S (default 60), BENCH_PRICE_FRAMES
(200000), BENCH_DEPTH_FRAMES (50000), BENCH_RPC_CALLS (1000), BENCH_SOAK_S (120).
Except the live soak, the parts run the simulator's ideal profile with no
per-IP limits: they measure mmd's own speed with 10-17 accounts, more than
one IP may connect live (exchange.max_ws_connections is raised to match).
Standard library only; every loop is bounded; every process is stopped.
"""
import http.client
import json
import os
import socket
import sys
import tempfile
import threading
import time

import mmdrun  # make bench sets PYTHONPATH=tests/lib, like tests/run.sh
import sim
from harness import wait_for

MOVES = int(os.environ.get("BENCH_MOVES", "1000"))
SCALE_S = float(os.environ.get("BENCH_SCALE_S", "60"))
PRICE_FRAMES = int(os.environ.get("BENCH_PRICE_FRAMES", "200000"))
DEPTH_FRAMES = int(os.environ.get("BENCH_DEPTH_FRAMES", "50000"))
RPC_CALLS = int(os.environ.get("BENCH_RPC_CALLS", "1000"))
SOAK_S = float(os.environ.get("BENCH_SOAK_S", "120"))
IDEAL = ["--log-lean", "--profile", "ideal"]   # see the top comment
MANY_WS = {"max_ws_connections": 100, "ip_requests_per_s": 1000}
os.environ["MMD_WS_NEW_PER_MIN"] = "100000"   # many accounts: as if on many IPs
CLK_TCK = os.sysconf("SC_CLK_TCK")

# 16 symbols (the sim's maximum) that stand still unless POST /_sim/mark moves them.
FLAT_SYMS = ["BTC-USD", "ETH-USD", "SOL-USD"] + ["X%02d-USD" % i for i in range(1, 14)]
FLAT_MARK = 65000.0
MOVE_BPS = 3.0      # > requote_drift_bps (1), far inside the 20-30 bps band


def pct(vals, p):
    if not vals:
        return None
    s = sorted(vals)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])       # utime + stime


def vm_hwm_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return None


def flat_scenario(path):
    lines = ["name: bench-flat", "seed: 1", "speed: 1", 'start_balance: "100000000"',
             "rate_limit: {cost: 1, burst: 100000, refill_per_s: 100000}", "symbols:"]
    for s in FLAT_SYMS:
        lines.append('  %s: {mark: "65000", price_decimals: 2, qty_decimals: 4, min_qty: "0.0001", '
                     'max_qty: "1000", volatility_bps: 0, trend_bps_per_min: 0, spread_bps: 1, '
                     'depth_levels: 30, level_qty: "1.5", level_step_bps: 1, trade_rate_per_s: 0}' % s)
    lines += ["events: []", "switches: {auth_ack_code: 0, list_status_new: false, max_conn_age_s: 86400}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def bench_task(tid, symbol, account, tiers=1):
    return mmdrun.task(tid, symbol, account, base_qty="0.01", tiers=tiers, level="aggressive",
                       risk=mmdrun.guards_off(max_fills_per_minute=100000, max_position_usd="100000000",
                                              halt_cooldown_s=0),
                       strategy={"tiers_bps": [[20, 30]], "requote_drift_bps": 1, "fill_cooldown_s": 0})


def wait_quoting(d, n, timeout=60.0):
    """Until mmd reports all n tasks in state quoting."""
    wait_for(lambda: [(t["id"], t["state"]) for t in d.rpc("status")["tasks"]], timeout, 0.2,
             what="%d tasks quoting" % n, until=lambda ts: len(ts) == n and all(s == "quoting" for _, s in ts))


class LogTail:
    """Incremental reader of the sim's JSON-lines log."""

    def __init__(self, path):
        self.f = open(path)
        self.part = ""

    def lines(self):
        out = []
        chunk = self.f.read()
        if not chunk:
            return out
        data = self.part + chunk
        parts = data.split("\n")
        self.part = parts.pop()
        for p in parts:
            try:
                out.append(json.loads(p))
            except ValueError:
                pass
        return out

    def close(self):
        self.f.close()


def is_order_req(e):
    if e.get("dir") != "in":
        return False
    if e.get("kind") == "ws-api":
        b = e.get("body", "")
        return '"order:new"' in b or '"order:cancel"' in b
    p = e.get("path", "")
    return p.startswith("POST /api/new_order") or p.startswith("POST /api/cancel_order")


def price_frame_mark(e):
    if e.get("dir") != "out" or e.get("kind") != "ws-stream":
        return None, None
    try:
        b = json.loads(e.get("body", ""))
    except ValueError:
        return None, None
    if b.get("channel") != "price":
        return None, None
    return b.get("symbol"), b.get("data", {}).get("mark_price")


def run_reaction(tmp, order_entry="websocket"):
    scen = os.path.join(tmp, "flat.yaml")
    flat_scenario(scen)
    samples, misses, orders = [], 0, 0
    with sim.Sim(scenario=scen, args=IDEAL) as s:
        accts = {"r%02d" % i: s.mint("bench-r%02d" % i) for i in range(len(FLAT_SYMS))}
        tasks = [bench_task("t%02d" % i, sym, "r%02d" % i) for i, sym in enumerate(FLAT_SYMS)]
        ex = dict(MANY_WS, order_entry=order_entry)
        d = mmdrun.Mmd(s, tasks, accts, log_level="warn", exchange=ex)
        d.start()
        try:
            wait_quoting(d, len(tasks))
            time.sleep(1.0)
            cpu0 = cpu_ticks(d.proc.pid)
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
            tail = LogTail(s.log_path)
            tail.lines()
            up = {sym: False for sym in FLAT_SYMS}
            deadline = time.time() + max(120.0, MOVES * 0.1)
            for i in range(MOVES):
                if time.time() > deadline:
                    break
                sym = FLAT_SYMS[i % len(FLAT_SYMS)]
                up[sym] = not up[sym]
                mark = FLAT_MARK * (1 + MOVE_BPS / 1e4) if up[sym] else FLAT_MARK
                mstr = "%.2f" % mark
                conn.request("POST", "/_sim/mark", body=json.dumps({"symbol": sym, "mark": mstr}),
                             headers={"Content-Type": "application/json"})
                conn.getresponse().read()
                frame_ts = None
                got = None
                end = time.time() + 0.05
                time.sleep(0.005)           # stay off the CPU while mmd reacts
                while time.time() < end and got is None:
                    for e in tail.lines():
                        if frame_ts is None:
                            fs, fm = price_frame_mark(e)
                            if fs == sym and fm is not None and abs(float(fm) - float(mstr)) < 0.005:
                                frame_ts = e["ts_us"]
                        elif is_order_req(e) and e["ts_us"] >= frame_ts:
                            orders += 1
                            if got is None:
                                got = e["ts_us"] - frame_ts
                    if got is None:
                        time.sleep(0.002)
                if got is None:
                    misses += 1
                else:
                    samples.append(got)
                time.sleep(0.015)           # let the rest of the re-quote settle
                orders += sum(1 for e in tail.lines() if is_order_req(e))
            cpu_ms = (cpu_ticks(d.proc.pid) - cpu0) * 1000.0 / CLK_TCK
            conn.close()
            tail.close()
            lat = d.rpc("status").get("latency")
        finally:
            d.stop()
            d.cleanup()
    per_1000 = round(cpu_ms * 1000.0 / orders, 1) if orders else None
    return samples, misses, lat, {"orders": orders, "cpu_ms_per_1000_orders": per_1000}


def status_frames(d):
    m = d.rpc("status")["connections"]["market"]
    conn = m.get("connection") or {}
    return m.get("frames", 0), conn.get("dropped", 0)


def flood(s, d, channel, count):
    f0, drop0 = status_frames(d)
    c0 = cpu_ticks(d.proc.pid)
    st, body = s.request("POST", "/_sim/flood", body=json.dumps(
        {"symbol": "BTC-USD", "channel": channel, "count": count, "levels": 20}))
    t0 = time.time()
    if st != 200:
        raise RuntimeError("flood: %s %s" % (st, body))
    # The last poll that saw more than the sim's own ticks (a few frames per
    # 10 ms) marks the end; quiet for 0.5 s = done.
    last_f, prev_f, last_t, deadline = f0, f0, t0, t0 + 60
    while time.time() < deadline:
        time.sleep(0.01)
        f, _ = status_frames(d)
        now = time.time()
        if f - prev_f > 5:
            last_f, last_t = f, now
        prev_f = f
        if now - last_t > 0.5:
            break
    c1 = cpu_ticks(d.proc.pid)
    _, drop1 = status_frames(d)
    n = last_f - f0
    wall = max(last_t - t0, 1e-6)
    cpu_ms = (c1 - c0) * 1000.0 / CLK_TCK
    return {"frames": n, "per_s": n / wall, "cpu_ms": cpu_ms, "dropped": drop1 - drop0, "wall_s": wall}


def run_throughput():
    with sim.Sim(args=IDEAL) as s:
        accts = {"f%02d" % i: s.mint("bench-f%02d" % i) for i in range(10)}
        tasks = [mmdrun.task("f%02d" % i, "BTC-USD", "f%02d" % i, base_qty="0.01") for i in range(10)]
        d = mmdrun.Mmd(s, tasks, accts, log_level="warn", exchange=MANY_WS)
        d.start()
        try:
            wait_quoting(d, 10)
            time.sleep(0.5)
            p = flood(s, d, "price", PRICE_FRAMES)
            time.sleep(0.3)
            q = flood(s, d, "depth_book", DEPTH_FRAMES)
        finally:
            d.stop()
            d.cleanup()
    return p, q


def scale_tasks(n, creds):
    syms = ["BTC-USD", "ETH-USD", "SOL-USD"]
    tasks = []
    for i in range(n):
        a, sy = "a%02d" % (i // 3), syms[i % 3]
        tasks.append(mmdrun.task("s%02d" % i, sy, a, tiers=2, level="moderate"))
    need = {t["account"] for t in tasks}
    return tasks, {a: creds[a] for a in need}


def rpc_bench(d):
    subs, stop = [], threading.Event()

    def reader(sock):
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                if not sock.recv(65536):
                    return
            except socket.timeout:
                continue
            except OSError:
                return
    threads = []
    try:
        for _ in range(10):
            so = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            so.connect(d.sock)
            so.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n')
            subs.append(so)
            t = threading.Thread(target=reader, args=(so,), daemon=True)
            t.start()
            threads.append(t)
        time.sleep(0.5)
        so = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        so.settimeout(5)
        so.connect(d.sock)
        rts, buf = [], b""
        try:
            for i in range(RPC_CALLS):
                t0 = time.perf_counter()
                so.sendall(b'{"jsonrpc":"2.0","id":%d,"method":"status"}\n' % (i + 2))
                while b"\n" not in buf:
                    chunk = so.recv(1 << 20)
                    if not chunk:
                        raise OSError("control socket closed")
                    buf += chunk
                rts.append((time.perf_counter() - t0) * 1e6)
                buf = buf.split(b"\n", 1)[1]
        finally:
            so.close()
        return rts
    finally:
        stop.set()
        for t in threads:
            t.join(1)
        for so in subs:
            so.close()


req_rate = {}   # orders + cancels per second during each scale window (printed only)


def run_scale():
    out, rts = {}, []
    with sim.Sim(args=IDEAL) as s:
        creds = {"a%02d" % i: s.mint("bench-a%02d" % i) for i in range(17)}
        for n in (1, 10, 50):
            tasks, accts = scale_tasks(n, creds)
            d = mmdrun.Mmd(s, tasks, accts, log_level="warn", exchange=MANY_WS)
            d.start()
            try:
                wait_quoting(d, n)
                k0 = s.state()["counters"]
                c0, t0 = cpu_ticks(d.proc.pid), time.time()
                time.sleep(SCALE_S)
                c1, t1 = cpu_ticks(d.proc.pid), time.time()
                k1 = s.state()["counters"]
                out[str(n)] = {"rss_mb": round(vm_hwm_mb(d.proc.pid), 1),
                               "cpu_pct": round((c1 - c0) / CLK_TCK / (t1 - t0) * 100.0, 2)}
                req_rate[str(n)] = (k1["orders"] + k1["cancels"] - k0["orders"] - k0["cancels"]) / (t1 - t0)
                if n == 50:
                    rts = rpc_bench(d)
            finally:
                d.stop()
                d.cleanup()
    return out, rts


def run_soak(tmp):
    """The live-venue soak e2e test, longer; its figures from SOAK_JSON."""
    import subprocess
    out = os.path.join(tmp, "soak.json")
    env = dict(os.environ, SOAK_S=str(SOAK_S), SOAK_JSON=out)
    p = subprocess.run([sys.executable, os.path.join(sim.REPO, "tests", "e2e", "test_live_soak.py")], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=SOAK_S + 180)
    res = {}
    if os.path.exists(out):
        with open(out) as f:
            res = json.load(f)
    res["result"] = "pass" if p.returncode == 0 else "FAIL: " + p.stdout.decode(errors="replace")[-400:]
    return res


def fmt_lat(lat):
    if not isinstance(lat, dict):
        return "n/a"
    parts = []
    for k in ("recv_to_parse_us", "parse_to_decision_us", "decision_to_write_us", "total_us"):
        v = lat.get(k) or {}
        parts.append("%s p50 %s p99 %s" % (k, v.get("p50"), v.get("p99")))
    return "; ".join(parts) + " (n=%s)" % lat.get("samples")


def main():
    tmp = tempfile.mkdtemp(prefix="mmd-bench-")
    t_start = time.time()
    print("make bench: mmd vs standx-sim on 127.0.0.1 (scale window %g s%s)" %
          (SCALE_S, "" if SCALE_S == 60 else ", shortened via BENCH_SCALE_S"), flush=True)
    print("  reaction latency: %d moves of %g bps ..." % (MOVES, MOVE_BPS), flush=True)
    only = os.environ.get("BENCH_ONLY", "")     # debugging: run one part
    none = ([], 0, None, {"orders": 0, "cpu_ms_per_1000_orders": None})
    samples, misses, lat, wsx = run_reaction(tmp, "websocket") if only in ("", "reaction") else none
    print("  reaction latency, orders over REST: %d moves ..." % MOVES, flush=True)
    r_samples, r_misses, _, rsx = run_reaction(tmp, "rest") if only in ("", "reaction") else none
    print("  throughput: %d price / %d depth frames ..." % (PRICE_FRAMES, DEPTH_FRAMES), flush=True)
    zero = {"frames": 0, "per_s": 0, "cpu_ms": 0, "dropped": 0, "wall_s": 0}
    pr, dp = run_throughput() if only in ("", "throughput") else (zero, zero)
    print("  scale: 1, 10, 50 tasks x %g s, then rpc ..." % SCALE_S, flush=True)
    scale, rts = run_scale() if only in ("", "scale") else ({}, [])
    print("  live soak: %g s, live profile ..." % SOAK_S, flush=True)
    soak = run_soak(tmp) if only in ("", "soak") else {}
    frames = pr["frames"] + dp["frames"]
    res = {
        "reaction_latency": {"p50_us": pct(samples, 50), "p99_us": pct(samples, 99),
                             "max_us": max(samples) if samples else None, "samples": len(samples),
                             "order_path": "ws-api", **wsx},
        "reaction_latency_rest": {"p50_us": pct(r_samples, 50), "p99_us": pct(r_samples, 99),
                                  "max_us": max(r_samples) if r_samples else None, "samples": len(r_samples),
                                  "order_path": "rest", **rsx},
        "live_soak": soak,
        "throughput": {"price_frames_per_s": round(pr["per_s"]), "depth_frames_per_s": round(dp["per_s"]),
                       "cpu_ms_per_1000_frames": round((pr["cpu_ms"] + dp["cpu_ms"]) * 1000.0 / frames, 3)
                       if frames else None},
        "scale": scale,
        "rpc": {"p50_us": round(pct(rts, 50), 1) if rts else None,
                "p99_us": round(pct(rts, 99), 1) if rts else None},
    }
    os.makedirs(sim.build_dir(), exist_ok=True)
    with open(os.path.join(sim.build_dir(), "bench.json"), "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    rl, th = res["reaction_latency"], res["throughput"]

    def row(name, val, target=""):
        print("  %-52s %-26s %s" % (name, val, target))
    print()
    print("  %-52s %-26s %s" % ("figure", "measured", "target"))
    row("reaction latency p50 / p99 / max (us)", "%s / %s / %s" % (rl["p50_us"], rl["p99_us"], rl["max_us"]),
        "p50 <= 200, p99 <= 1000")
    row("  samples (moves without a request in 50 ms)", "%d (%d)" % (rl["samples"], misses))
    rr = res["reaction_latency_rest"]
    row("  orders over ws-api: mmd CPU ms per 1000 orders", "%s (%d orders)" % (wsx["cpu_ms_per_1000_orders"],
                                                                           wsx["orders"]))
    row("reaction latency over REST p50 / p99 / max (us)", "%s / %s / %s" % (rr["p50_us"], rr["p99_us"],
                                                                            rr["max_us"]))
    row("  samples (misses); CPU ms per 1000 orders", "%d (%d); %s (%d orders)" % (
        rr["samples"], r_misses, rsx["cpu_ms_per_1000_orders"], rsx["orders"]))
    row("price frames/s consumed", th["price_frames_per_s"], ">= 50000")
    row("  (frames, dropped by ws inbox, wall s)", "%d, %d, %.3f" % (pr["frames"], pr["dropped"], pr["wall_s"]))
    row("depth_book (20 levels) frames/s consumed", th["depth_frames_per_s"], ">= 20000")
    row("  (frames, dropped by ws inbox, wall s)", "%d, %d, %.3f" % (dp["frames"], dp["dropped"], dp["wall_s"]))
    row("mmd CPU ms per 1000 frames (price+depth)", th["cpu_ms_per_1000_frames"])
    for n in ("1", "10", "50"):
        sc = scale.get(n, {})
        row("scale %s task(s): RSS MB / CPU %% (orders+cancels/s)" % n,
            "%s / %s (%.0f)" % (sc.get("rss_mb"), sc.get("cpu_pct"), req_rate.get(n, 0)),
            "50: <= 64 MB, <= 5 %" if n == "50" else "")
    row("status RPC p50 / p99 (us), 50 tasks, 10 subs", "%s / %s" % (res["rpc"]["p50_us"], res["rpc"]["p99_us"]))
    print("  mmd per-stage latency (status.latency): %s" % fmt_lat(lat))
    if soak:
        print("  live soak (%g s, 2 accounts, 3 tasks, lively, live profile, ALO rejects injected), at the sim:"
              % SOAK_S)
        for k in ("orders", "cancels", "via_ws_api", "late_cancels", "duplicate_ids", "max_rps_10s_per_account",
                  "max_rps_10s_ip", "http_429", "alo_rejections", "alo_replacement_ms_p50",
                  "alo_replacement_ms_max", "exit", "open_orders_after", "flat_after", "result"):
            row("    " + k, json.dumps(soak.get(k)))
    print("\n  wrote %s (%.0f s)" % (os.path.join(sim.build_dir(), "bench.json"), time.time() - t_start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
