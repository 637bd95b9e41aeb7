#!/usr/bin/env python3
"""standx-sim live profile: every live-venue quirk switch (standx-sim(1),
LIVE PROFILE) behaves as observed live under `--profile live` / the live.yaml
scenario, and stays off under `--profile ideal`: open-orders lag (finished
and new orders), ALO rejections only on the order-response stream, per-IP
request and WebSocket limits, market-data cadence, cl_ord_id rules, token
revocation, the cancel race message, symbol_info fields, depth aggregation."""
import os
import tempfile
import time

import sim
from harness import check, main

LIVE = ["--profile", "live"]
IDEAL = ["--profile", "ideal"]

def data_of(ch):
    return lambda m: isinstance(m, dict) and m.get("channel") == ch


def scenario_file(text):
    fd, path = tempfile.mkstemp(suffix=".yaml")
    os.write(fd, text.encode())
    os.close(fd)
    return path


def open_ids(s, creds):
    st, j = s.get("/api/query_open_orders", {"symbol": "BTC-USD"}, creds=creds)
    return {o["cl_ord_id"]: o["status"] for o in j["result"]} if st == 200 else None


def order_status(s, creds, cl):
    st, j = s.get("/api/query_order", {"cl_ord_id": cl}, creds=creds)
    return j.get("status") if st == 200 else None


def below(s, frac=0.99):
    return "%.2f" % (float(s.state()["symbols"]["BTC-USD"]["best_bid"]) * frac)


def crossing_ask(s):
    return "%.2f" % (float(s.state()["symbols"]["BTC-USD"]["best_ask"]) * 1.005)


# ---- 1. open-orders lag ------------------------------------------------------

def test_open_orders_lag():
    with sim.Sim(args=LIVE + ["--manual-clock"]) as s:
        a = s.mint("lag")
        st, _ = s.new_order(a, price=below(s), cl_ord_id="lag-1")
        check(st == 200, "live: order accepted")
        check("lag-1" not in open_ids(s, a), "live: a new order is not yet in query_open_orders")
        check(order_status(s, a, "lag-1") == "open", "live: query_order already shows it open")
        s.advance(2000)
        check(open_ids(s, a).get("lag-1") == "open", "live: listed after open_orders_new_lag_s")
        st, _ = s.cancel(a, cl_ord_id="lag-1")
        check(st == 200 and order_status(s, a, "lag-1") == "canceled", "live: canceled (query_order current)")
        s.advance(10000)
        check(open_ids(s, a).get("lag-1") == "open", "live: canceled order still listed 10 s later")
        s.advance(6000)
        check("lag-1" not in open_ids(s, a), "live: gone after open_orders_lag_s (15 s)")
        check(s.state()["profile"] == "live", "state names the profile")
        check(s.stop() == 0, "live --manual-clock: clean exit")
    with sim.Sim(args=IDEAL + ["--manual-clock"]) as s:
        a = s.mint("lag")
        s.new_order(a, price=below(s), cl_ord_id="lag-2")
        check(open_ids(s, a).get("lag-2") == "open", "ideal: a new order is listed at once")
        s.cancel(a, cl_ord_id="lag-2")
        check("lag-2" not in open_ids(s, a), "ideal: a canceled order leaves the list at once")
        st, _ = s.fault(type="lag_open_orders", seconds=5, new_seconds=2)
        check(st == 200, "lag_open_orders fault takes new_seconds")
        s.new_order(a, price=below(s), cl_ord_id="lag-3")
        check("lag-3" not in open_ids(s, a), "fault new_seconds: new order listed late")
        s.advance(2500)
        check(open_ids(s, a).get("lag-3") == "open", "fault new_seconds: then listed")


# ---- 2. ALO rejections ---------------------------------------------------------

def alo_streams(args):
    """(account-stream rejected frames, ws-api frames for the request)."""
    with sim.Sim(args=args) as s:
        s.retry_429 = True
        a = s.mint("alo")
        acct = s.ws_stream()
        acct.send_json({"auth": {"token": a.jwt, "streams": [{"channel": "order"}]}})
        acct.recv_until(data_of("auth"), 3)
        api = s.ws_api()
        api.api_call("auth:login", {"token": a.jwt}, session_id="alo-sess")
        api.recv_until(lambda m: isinstance(m, dict) and "code" in m, 3)
        st, j = s.new_order(a, price=crossing_ask(s), tif="alo", cl_ord_id="alo-x",
                            headers={"x-session-id": "alo-sess"})
        check(st == 200, "crossing ALO accepted by the gateway (%s)" % args)
        rid = j.get("request_id")
        frames = api.collect(1.0)
        msgs = acct.collect(1.0)
        rejected = [m for m in msgs if data_of("order")(m) and m["data"]["status"] == "rejected"]
        check(order_status(s, a, "alo-x") == "rejected", "query_order shows the rejection (%s)" % args)
        return rejected, [f for f in frames if isinstance(f, dict) and f.get("request_id") == rid]


def test_alo_reject_streams():
    rejected, api = alo_streams(LIVE)
    check(not rejected, "live: no rejected order on the account stream")
    check(any(f.get("code") == 400 and f.get("message") == "alo order rejected" for f in api),
          "live: the x-session-id ws-api session gets 400 alo order rejected (%s)" % api)
    rejected, api = alo_streams(IDEAL)
    check(len(rejected) == 1, "ideal: the account stream shows the rejected order")


# ---- 3. per-IP limits -------------------------------------------------------------

def burst(s, n):
    codes = [s.get("/api/query_symbol_price", {"symbol": "BTC-USD"})[0] for _ in range(n)]
    return codes.count(200), codes.count(429)


def try_ws(s, kind="stream"):
    try:
        return s.ws_stream() if kind == "stream" else s.ws_api()
    except sim.WSClosed as e:
        return str(e).splitlines()[0]


def test_ip_limits():
    with sim.Sim(args=LIVE) as s:
        ok, limited = burst(s, 150)
        check(40 <= ok <= 100 and limited >= 50, "live: ip_rps 50 -> %d ok, %d 429" % (ok, limited))
        time.sleep(1.1)
        open_ = [try_ws(s, "stream" if i % 2 else "api") for i in range(10)]
        check(all(not isinstance(w, str) for w in open_), "live: 10 WebSocket connections per IP")
        eleventh = try_ws(s)
        check(isinstance(eleventh, str) and "429" in eleventh, "live: the 11th upgrade gets 429 (%s)" % eleventh)
        for w in open_:
            if not isinstance(w, str):
                w.close()
        time.sleep(0.3)
        check(s.state()["connections"]["ws_stream"] + s.state()["connections"]["ws_api"] == 0,
              "refused upgrades leave no connection behind")
        opened, refused = 10, None
        for _ in range(40):
            w = try_ws(s)
            if isinstance(w, str):
                refused = w
                break
            opened += 1
            w.close()
            time.sleep(0.02)
        check(refused and "429" in refused and 30 <= opened <= 33,
              "live: at most ~30 new WebSocket connections a minute (%d, then %s)" % (opened, refused))
        check(s.stop() == 0, "live ip limits: clean exit")
    with sim.Sim(args=IDEAL) as s:
        ok, limited = burst(s, 150)
        check(limited == 0, "ideal: no per-IP request limit (%d 429)" % limited)
        many = [try_ws(s) for _ in range(15)]
        check(all(not isinstance(w, str) for w in many), "ideal: 15 WebSocket connections accepted")
        for w in many:
            if not isinstance(w, str):
                w.close()


# ---- 4. market-data cadence ---------------------------------------------------

def price_frames(args, seconds=3.0, scenario=None):
    with sim.Sim(args=args, scenario=scenario) as s:
        ws = s.ws_stream()
        ws.send_json({"subscribe": {"channel": "price", "symbol": "BTC-USD"}})
        return len([m for m in ws.collect(seconds) if data_of("price")(m)])


def test_market_hz():
    n = price_frames(LIVE)
    check(3 <= n <= 9, "live: ~2 Hz price frames (%d in 3 s)" % n)
    n = price_frames(IDEAL)
    check(n >= 20, "ideal: a price frame every model step (%d in 3 s)" % n)
    n = price_frames(LIVE + ["--tick-ms", "50"])
    check(n >= 20, "live + --tick-ms 50 keeps every model step (%d in 3 s)" % n)
    n = price_frames(IDEAL + ["--market-hz", "1"])
    check(1 <= n <= 5, "--market-hz 1 (%d in 3 s)" % n)
    path = scenario_file("profile: live\nswitches: {market_hz: 20}\n")
    try:
        n = price_frames([], scenario=path)
        check(n >= 20, "scenario market_hz: 20 under live (%d in 3 s)" % n)
    finally:
        os.unlink(path)


# ---- 5. cl_ord_id ------------------------------------------------------------------

def test_cl_ord_id():
    with sim.Sim(args=LIVE) as s:
        s.retry_429 = True
        a = s.mint("clid")
        st, j = s.new_order(a, price=below(s), cl_ord_id="x" * 33)
        check(st == 400 and "32" in j.get("message", ""), "live: 33-char cl_ord_id -> 400 naming 32 (%s)" % j)
        st, j = s.new_order(a, price=below(s), cl_ord_id="y" * 32)
        check(st == 200, "live: 32-char cl_ord_id accepted")
        st, j = s.new_order(a, price=below(s), cl_ord_id="bad id/1")
        check(st == 400 and "invalid characters" in j.get("message", ""), "live: charset enforced (%s)" % j)
        api = s.ws_api()
        api.api_call("auth:login", {"token": a.jwt})
        api.recv(3)
        rid = api.api_call("order:new", {"symbol": "BTC-USD", "side": "buy", "order_type": "limit",
                                         "qty": "0.0010", "price": below(s), "time_in_force": "gtc",
                                         "reduce_only": False, "cl_ord_id": "z" * 40}, creds=a)
        fr = api.recv_until(lambda m: isinstance(m, dict) and m.get("request_id") == rid and m.get("code") == 400, 3)
        check(fr is not None and "32" in fr.get("message", ""), "live: ws-api order:new refuses it too (%s)" % fr)
    with sim.Sim(args=IDEAL) as s:
        a = s.mint("clid")
        st, j = s.new_order(a, price=below(s), cl_ord_id="x" * 40 + " /")
        check(st == 200, "ideal: 42 characters of any kind accepted (%s)" % j)


# ---- 6a. token revocation --------------------------------------------------------

def test_revoke():
    with sim.Sim(args=IDEAL) as s:
        a = s.mint("rev")
        check(s.get("/api/query_balance", creds=a)[0] == 200, "token works before revocation")
        ws = s.ws_stream()
        ws.send_json({"auth": {"token": a.jwt, "streams": [{"channel": "order"}]}})
        ws.recv_until(data_of("auth"), 3)
        api = s.ws_api()
        api.api_call("auth:login", {"token": a.jwt})
        api.recv(3)
        st, j = s.request("POST", "/_sim/revoke", body=sim.compact({"account": "rev"}))
        check(st == 200 and j.get("closed") == 2, "revoke by account closes both streams (%s %s)" % (st, j))
        check(ws.wait_closed(3) and api.wait_closed(3), "streams of the revoked token closed")
        st, j = s.get("/api/query_balance", creds=a)
        check(st == 401 and j.get("message") == "invalid token", "revoked token -> 401 invalid token (%s)" % j)
        st, j = s.new_order(a, price=below(s))
        check(st == 401, "revoked token cannot trade (%s)" % st)
        ws = s.ws_stream()
        ws.send_json({"auth": {"token": a.jwt}})
        m = ws.recv_until(data_of("auth"), 3)
        check(m and m["data"]["code"] == 401, "ws-stream auth refused (%s)" % m)
        api = s.ws_api()
        api.api_call("auth:login", {"token": a.jwt})
        m = api.recv(3)
        check(m and m.get("code") == 401, "ws-api login refused (%s)" % m)
        time.sleep(1.1)
        fresh = s.mint("rev")
        check(s.get("/api/query_balance", creds=fresh)[0] == 200, "a token minted after the revocation works")
        b, b2 = s.mint("rev-b"), s.mint("rev-b")
        st, j = s.request("POST", "/_sim/revoke", body=sim.compact({"token": b.jwt}))
        check(st == 200, "revoke by token")
        check(s.get("/api/query_balance", creds=b)[0] == 401, "that token -> 401")
        check(b.jwt == b2.jwt or s.get("/api/query_balance", creds=b2)[0] == 200,
              "another token of the account still works")
        st, j = s.request("POST", "/_sim/revoke", body=sim.compact({}))
        check(st == 400, "revoke needs account or token")
        check(s.stop() == 0, "revoke: clean exit")


# ---- 6b. cancel race ------------------------------------------------------------

def cancel_after_fill(args):
    with sim.Sim(args=args) as s:
        s.retry_429 = True
        a = s.mint("race")
        s.new_order(a, price=below(s), cl_ord_id="race-1")
        st, j = s.get("/api/query_order", {"cl_ord_id": "race-1"}, creds=a)
        oid = j["id"]
        s.fill(cl_ord_id="race-1")
        st, j = s.cancel(a, order_id=oid)
        rest = (st, j.get("message"))
        api = s.ws_api()
        api.api_call("auth:login", {"token": a.jwt})
        api.recv(3)
        rid = api.api_call("order:cancel", {"order_id": oid}, creds=a)
        fr = api.recv_until(lambda m: isinstance(m, dict) and m.get("request_id") == rid and m.get("code") != 0, 3)
        return rest, fr


def test_cancel_race():
    rest, fr = cancel_after_fill(LIVE)
    check(rest == (400, "order is not open"), "live: cancel right after a fill -> 400 order is not open (%s)" % (rest,))
    check(fr and fr.get("message") == "order is not open", "live: ws-api cancel too (%s)" % fr)
    rest, fr = cancel_after_fill(IDEAL)
    check(rest == (400, "order already closed"), "ideal: 400 order already closed (%s)" % (rest,))


# ---- 6c. symbol_info fields ----------------------------------------------------

def symbol_info(args=(), scenario=None):
    with sim.Sim(args=list(args), scenario=scenario) as s:
        st, j = s.get("/api/query_symbol_info", {"symbol": "BTC-USD"})
        return j[0]


def test_symbol_info_fields():
    o = symbol_info(LIVE)
    check(o.get("status") == "trading" and "enabled" not in o, "live: status only")
    o = symbol_info(IDEAL)
    check(o.get("status") == "trading" and o.get("enabled") is True, "ideal: status and enabled")
    path = scenario_file("switches: {symbol_info_fields: enabled}\n")
    try:
        o = symbol_info(LIVE, scenario=path)
        check("status" not in o and o.get("enabled") is True, "symbol_info_fields: enabled (wins over --profile)")
    finally:
        os.unlink(path)


# ---- 6d. depth aggregation ------------------------------------------------------

def whole(levels):
    return all(p.endswith(".00") for p, _ in levels)


def test_depth_step():
    with sim.scenario("live") as s:
        st, d = s.get("/api/query_depth_book", {"symbol": "BTC-USD"})
        check(st == 200 and d["bids"] and whole(d["bids"]) and whole(d["asks"]),
              "live.yaml: BTC depth in whole dollars")
        bids = sorted(float(p) for p, _ in d["bids"])
        check(len(set(bids)) == len(bids), "aggregated levels are distinct")
        st, e = s.get("/api/query_depth_book", {"symbol": "ETH-USD"})
        check(not (whole(e["bids"]) and whole(e["asks"])), "live.yaml: ETH depth keeps its tick")
        ws = s.ws_stream()
        ws.send_json({"subscribe": {"channel": "depth_book", "symbol": "BTC-USD"}})
        m = ws.recv_until(data_of("depth_book"), 3)
        check(m and whole(m["data"]["bids"]) and whole(m["data"]["asks"]), "live.yaml: depth_book frames too")
        check(s.state()["profile"] == "live", "live.yaml: profile live")
        check(s.stop() == 0, "live.yaml: clean exit")
    with sim.scenario("live", args=IDEAL) as s:
        st, d = s.get("/api/query_depth_book", {"symbol": "BTC-USD"})
        check(not (whole(d["bids"]) and whole(d["asks"])), "--profile ideal: BTC depth on the tick")
        check(s.state()["profile"] == "ideal", "--profile ideal overrides the scenario's profile")


# ---- admin: switches at run time ---------------------------------------------

def test_runtime_switches():
    with sim.Sim(args=IDEAL) as s:
        a = s.mint("rt")
        body = {"cl_ord_id_max": 10, "cancel_race_s": 5, "symbol_info_fields": "status", "ip_rps": 0}
        st, j = s.request("POST", "/_sim/switches", body=sim.compact(body))
        check(st == 200, "POST /_sim/switches (%s %s)" % (st, j))
        st, j = s.new_order(a, price=below(s), cl_ord_id="k" * 11)
        check(st == 400 and "max 10" in j.get("message", ""), "engine switch changed at run time (%s)" % j)
        s.new_order(a, price=below(s), cl_ord_id="rt-1")
        s.fill(cl_ord_id="rt-1")
        st, j = s.cancel(a, cl_ord_id="rt-1")
        check((st, j.get("message")) == (400, "order is not open"), "cancel_race_s at run time (%s)" % j)
        st, j = s.get("/api/query_symbol_info", {"symbol": "BTC-USD"})
        check("enabled" not in j[0], "symbol_info_fields at run time")
        st, j = s.request("POST", "/_sim/switches", body=sim.compact({"no_such": 1}))
        check(st == 400 and "no_such" in j.get("message", ""), "unknown switch -> 400 naming it")
        st, j = s.request("POST", "/_sim/switches", body=sim.compact({"ip_rps": -1}))
        check(st == 400, "bad value -> 400")
        check(s.stop() == 0, "runtime switches: clean exit")


if __name__ == "__main__":
    main(test_open_orders_lag,
         test_alo_reject_streams,
         test_ip_limits,
         test_market_hz,
         test_cl_ord_id,
         test_revoke,
         test_cancel_race,
         test_symbol_info_fields,
         test_depth_step,
         test_runtime_switches)
