#!/usr/bin/env python3
"""standx-sim scenarios: every shipped scenario file starts and serves
prices; the faulty scenario's timed faults are executed by the server
(drop_ws closes streams, http_error answers 5xx)."""
import glob
import os
import time

import sim
from harness import check, main


def test_all_files():
    files = sorted(glob.glob(os.path.join(sim.SCENARIOS, "*.yaml")))
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
    f = sim.scenario_path("faulty")
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


if __name__ == "__main__":
    main(test_all_files, test_faulty)
