#!/usr/bin/env python3
"""standx-sim WebSockets: market stream shapes and seq, auth, private order
channel (ALO reject), ws-api two-frame pattern, x-session-id routing, drop_ws,
pings / pong timeout / connection age, connection counts."""
import os
import tempfile
import time

import sim
from harness import check, finish, run


def data_of(ch):
    return lambda m: isinstance(m, dict) and m.get("channel") == ch


def test_market(s):
    ws = s.ws_stream()
    ws.send_json({"subscribe": {"channel": "price", "symbol": "BTC-USD"}})
    ws.send_json({"subscribe": {"channel": "depth_book", "symbol": "BTC-USD"}})
    ws.send_json({"subscribe": {"channel": "public_trade", "symbol": "BTC-USD"}})
    msgs = ws.collect(2.5)
    price = [m for m in msgs if data_of("price")(m)]
    depth = [m for m in msgs if data_of("depth_book")(m)]
    check(len(price) >= 5, "price frames flow (%d)" % len(price))
    if price:
        d = price[0]["data"]
        check(price[0]["symbol"] == "BTC-USD" and isinstance(price[0]["seq"], int), "price envelope")
        for k in ("mark_price", "index_price", "last_price", "mid_price", "spread", "time"):
            check(k in d, "price data has %s" % k)
        check(isinstance(d["spread"], list) and len(d["spread"]) == 2, "spread [bid, ask]")
        check(d["time"].endswith("Z") and "T" in d["time"], "RFC 3339 time")
        seqs = [m["seq"] for m in price]
        check(all(b > a for a, b in zip(seqs, seqs[1:])), "price seq strictly increasing")
    check(len(depth) >= 1, "depth frames")
    if depth:
        d = depth[0]["data"]
        check(d["bids"] and d["asks"] and all(len(l) == 2 and isinstance(l[0], str) for l in d["asks"]),
              "depth levels [price, qty] strings")
        unsorted = any(
            [float(l[0]) for l in m["data"]["bids"]] != sorted([float(l[0]) for l in m["data"]["bids"]], reverse=True)
            for m in depth)
        check(unsorted, "depth level order shuffled")
    trades = [m for m in msgs if data_of("public_trade")(m)]
    trades += [m for m in ws.collect(3.0) if data_of("public_trade")(m)] if not trades else []
    check(len(trades) >= 1, "public trades (%d)" % len(trades))
    if trades:
        d = trades[0]["data"]
        check(set(d) >= {"id", "symbol", "price", "qty", "side", "time"} and isinstance(d["time"], int),
              "public_trade shape %s" % d)
    ws.send_json({"unsubscribe": {"channel": "price", "symbol": "BTC-USD"}})
    ws.send_json({"unsubscribe": {"channel": "depth_book", "symbol": "BTC-USD"}})
    ws.send_json({"unsubscribe": {"channel": "public_trade", "symbol": "BTC-USD"}})
    time.sleep(0.3)
    ws.collect(0.2)
    rest = ws.collect(0.6)
    check(not [m for m in rest if isinstance(m, dict) and m.get("channel")], "unsubscribe stops data")
    ws.send_json({"subscribe": {"channel": "nope", "symbol": "BTC-USD"}})
    m = ws.recv(2)
    check(isinstance(m, dict) and m.get("code") == 400, "unknown channel -> error frame")
    ws.send_text("{not json")
    m = ws.recv(2)
    check(isinstance(m, dict) and m.get("code") == 400, "bad json -> error frame, connection kept")
    st = s.state()["connections"]
    check(st["ws_stream"] == 1 and st["ws_stream_total"] == 1, "connection counts %s" % st)
    ws.close()


def test_private(s):
    creds = s.mint("wsuser")
    ws = s.ws_stream()
    ws.send_json({"auth": {"token": "bad.token.here", "streams": [{"channel": "order"}]}})
    m = ws.recv_until(data_of("auth"), 3)
    check(m and m["data"]["code"] == 401, "bad token auth -> 401, connection kept")
    ws.send_json({"auth": {"token": creds.jwt, "streams": [{"channel": "order"}, {"channel": "trade"},
                                                           {"channel": "position"}, {"channel": "balance"}]}})
    m = ws.recv_until(data_of("auth"), 3)
    check(m and m["data"]["code"] == 0 and m["data"]["msg"] == "success" and m["seq"] == 2, "auth ok: %s" % m)
    ask = float(s.state()["symbols"]["BTC-USD"]["best_ask"])
    s.new_order(creds, side="buy", price="%.2f" % (ask * 1.005), tif="alo", cl_ord_id="ws-alo")
    m = ws.recv_until(lambda x: data_of("order")(x) and x["data"]["status"] == "rejected", 3)
    check(m is not None and m["data"]["cl_ord_id"] == "ws-alo", "ALO reject on the order stream")
    s.new_order(creds, side="buy", order_type="market", tif="ioc", qty="0.0010", cl_ord_id="ws-mkt")
    got = {}
    for _ in range(20):
        x = ws.recv(2)
        if x is None:
            break
        if isinstance(x, dict) and x.get("channel"):
            got.setdefault(x["channel"], x)
        if {"trade", "position", "balance"} <= set(got):
            break
    check({"order", "trade", "position", "balance"} <= set(got), "private channels: %s" % sorted(got))
    if "trade" in got:
        check(set(got["trade"]["data"]) >= {"id", "order_id", "symbol", "side", "price", "qty"}, "trade shape")
    if "position" in got:
        check(got["position"]["data"]["qty"] == "0.0010", "position qty")
    if "balance" in got:
        check(set(got["balance"]["data"]) >= {"free", "locked", "total", "token"}, "balance shape")
    ws.close()


def test_ws_api(s):
    creds = s.mint("apiuser")
    api = s.ws_api()
    rid = api.api_call("auth:login", {"token": "x.y.z"}, session_id="S1")
    m = api.recv(3)
    check(m and m["code"] == 401 and m["message"] == "invalid token" and m["request_id"] == rid, "ws-api bad login")
    rid = api.api_call("auth:login", {"token": creds.jwt}, session_id="S1")
    m = api.recv(3)
    check(m and m["code"] == 0 and m["request_id"] == rid, "ws-api login ok")
    order = {"symbol": "BTC-USD", "side": "buy", "order_type": "limit", "qty": "0.0010", "price": "60000.00",
             "time_in_force": "alo", "reduce_only": False, "cl_ord_id": "api-1"}
    rid = api.api_call("order:new", order, session_id="S1", creds=creds)
    a, b = api.recv(3), api.recv(3)
    check(a and a["message"] == "accepted" and a["code"] == 0 and a["request_id"] == rid, "first frame accepted")
    check(b and b["message"] == "success" and b["code"] == 0 and b["request_id"] == rid, "terminal success")
    ask = float(s.state()["symbols"]["BTC-USD"]["best_ask"])
    order.update(price="%.2f" % (ask * 1.005), cl_ord_id="api-2")
    rid = api.api_call("order:new", order, session_id="S1", creds=creds)
    a, b = api.recv(3), api.recv(3)
    check(a and a["message"] == "accepted", "crossing ALO accepted first")
    check(b and b["code"] == 400 and b["message"] == "alo order rejected" and b["request_id"] == rid,
          "then 400 alo order rejected: %s" % b)
    rid = api.api_call("order:cancel", {"cl_ord_id": "api-1"}, session_id="S1", creds=creds)
    a, b = api.recv(3), api.recv(3)
    check(b and b["code"] == 0 and b["message"] == "success", "ws-api cancel")
    # bad signature over params
    msg = {"session_id": "S1", "request_id": "bad-sig", "method": "order:new", "params": sim.compact(order),
           "header": sim.signed_headers(creds, sim.compact(order) + " ")}
    api.send_json(msg)
    m = api.recv(3)
    check(m and m["code"] == 403 and m["request_id"] == "bad-sig", "ws-api bad signature -> 403")
    # HTTP order with x-session-id: result pushed to the ws-api session
    st, j = s.new_order(creds, side="buy", price="60000.00", cl_ord_id="http-sess", headers={"x-session-id": "S1"})
    m = api.recv_until(lambda x: isinstance(x, dict) and x.get("request_id") == j.get("request_id"), 3)
    check(m is not None and m["code"] == 0, "x-session-id routes the HTTP order result to ws-api")
    check(s.state()["connections"]["ws_api"] == 1, "ws_api count")
    api.close()


def test_drop_ws(s):
    ws = s.ws_stream()
    ws.send_json({"subscribe": {"channel": "price", "symbol": "BTC-USD"}})
    check(ws.recv_until(data_of("price"), 3) is not None, "stream live before drop")
    st, _ = s.fault(type="drop_ws")
    check(st == 200, "drop_ws fault accepted")
    check(ws.wait_closed(3), "client sees the connection closed")
    st, _ = s.fault(type="refuse_connections", duration_s=1)
    try:
        sim.WSClient(s.port, "/ws-stream/v1", 2)
        refused = False
    except Exception:
        refused = True
    check(refused, "refuse_connections refuses new connections")
    time.sleep(1.2)
    ws = s.ws_stream()
    check(ws.status == 101, "connections accepted again")
    s.fault(type="stale_feed", duration_s=1.5)
    ws.send_json({"subscribe": {"channel": "price", "symbol": "BTC-USD"}})
    msgs = ws.collect(1.0)
    check(not [m for m in msgs if data_of("price")(m)], "stale_feed: no price frames")
    check(ws.recv_until(data_of("price"), 3) is not None, "price frames resume")
    ws.close()


def test_timers():
    yml = ("name: timers\nswitches:\n  auth_ack_code: 200\n  ping_interval_s: 1\n  pong_timeout_s: 3\n"
           "  max_conn_age_s: 6\n")
    fd, path = tempfile.mkstemp(suffix=".yaml")
    os.write(fd, yml.encode())
    os.close(fd)
    try:
        with sim.Sim(scenario=path) as s:
            creds = s.mint("t")
            lazy = s.ws_stream()
            lazy.auto_pong = False
            t0 = time.time()
            got408 = None
            try:
                got408 = lazy.recv_until(lambda x: isinstance(x, dict) and x.get("code") == 408, 8)
            except sim.WSClosed:
                pass
            check(got408 is not None, "no pong -> 408 frame")
            check(lazy.wait_closed(3) and time.time() - t0 < 8, "then closed")
            good = s.ws_stream()
            t0 = time.time()
            good.send_json({"auth": {"token": creds.jwt}})
            m = good.recv_until(data_of("auth"), 3)
            check(m and m["data"]["code"] == 200, "auth_ack_code switch -> 200")
            closed = good.wait_closed(9)
            age = time.time() - t0
            check(closed and 5 <= age < 9 and good.pings >= 3,
                  "max connection age closes a healthy client (%.1f s, pings %d)" % (age, good.pings))
    finally:
        os.unlink(path)


def main():
    # ideal profile: these check the wire protocol one step at a time (a new
    # order listed at once, an ALO rejection also on the order channel); the
    # live profile's switches are tested in test_sim_live.py
    with sim.Sim(args=["--profile", "ideal"], seed=5) as s:
        s.retry_429 = True
        run(test_market, s)
        run(test_private, s)
        run(test_ws_api, s)
        run(test_drop_ws, s)
        check(s.stop() == 0, "clean exit")
    run(test_timers)
    finish()


if __name__ == "__main__":
    main()
