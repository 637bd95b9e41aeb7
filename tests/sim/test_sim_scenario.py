#!/usr/bin/env python3
"""standx-sim scenarios: every shipped scenario file starts and serves
prices; the faulty scenario's timed faults are executed by the server
(drop_ws closes streams, http_error answers 5xx)."""
import glob
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import sim  # noqa: E402

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def test_all_files():
    files = sorted(glob.glob(os.path.join(HERE, "scenarios", "*.yaml")))
    check(len(files) >= 1, "scenario files present (%d)" % len(files))
    for f in files:
        with sim.Sim(scenario=f) as s:
            st, j = s.get("/api/query_symbol_info")
            ok = st == 200 and isinstance(j, list) and len(j) >= 1
            sym = j[0]["symbol"] if ok else "BTC-USD"
            st, p = s.get("/api/query_symbol_price", {"symbol": sym})
            check(ok and st == 200 and p.get("mark_price"), "%s: serves %s" % (os.path.basename(f), sym))
            check(s.stop() == 0, "%s: clean exit" % os.path.basename(f))


def test_faulty():
    f = os.path.join(HERE, "scenarios", "faulty.yaml")
    if not os.path.exists(f):
        print("skip faulty.yaml (absent)")
        return
    # speed 20: drop_ws at sim 15 s = 0.75 s wall; http_error x3 at sim 25 s = 1.25 s.
    with sim.Sim(scenario=f, speed=20) as s:
        ws = s.ws_stream()
        ws.send_json({"subscribe": {"channel": "price", "symbol": "BTC-USD"}})
        check(ws.wait_closed(4), "scenario drop_ws closes the stream")
        codes = []
        deadline = time.time() + 4
        while time.time() < deadline and 503 not in codes:
            codes.append(s.get("/api/query_symbol_price", {"symbol": "BTC-USD"})[0])
            time.sleep(0.05)
        check(503 in codes, "scenario http_error answers 503")
        check(s.stop() == 0, "clean exit")
        log = s.log_lines()
        check(any(l["dir"] == "close" and "drop_ws" in l.get("path", "") for l in log), "drop logged")


def main():
    test_all_files()
    test_faulty()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
