#!/usr/bin/env python3
"""standx-sim REST: signing (protocol doc §2.5 vectors), auth errors, order
entry semantics (ALO, IOC, reduce-only), rate limit, public shapes, admin."""
import sim
from harness import check, finish, run


VEC_SEED = "BbMQkQYZspmkytduTWvXEtc4mMURjsekJDvty2WtKeSb"
VEC_PUB = "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z"
VECTORS = [
    ("0f1e2d3c-4b5a-4697-8877-665544332211", 1760000000500, '{"order_id":11545819148}',
     "/F3BScnkEcbMk9dDl9SJ7VIPMCPT/RMRihpNV+nR5i9YPQWt2uRz8a+epOEqbP8sRtvXR2t76iFGE2QN2XVhBw=="),
    ("7b0a2c1e-3f4d-4a5b-8c6d-9e0f1a2b3c4d", 1760000000000,
     '{"symbol":"BTC-USD","side":"buy","order_type":"limit","qty":"0.0010","price":"65000.00",'
     '"time_in_force":"alo","reduce_only":false,"cl_ord_id":"mm-000001"}',
     "iBVLQR7URhQc+9omENxsbVszDd0cEaVuDyPCY9QjmikaVdaXAofVIzQQTlOWlYvvR3XMj0LOLvnaBaZljCRTCA=="),
    ("7b0a2c1e-3f4d-4a5b-8c6d-9e0f1a2b3c4d", 1760000000000, "",
     "2IKT6WrwRfMVV7/EfBsMQNm2enpURLgUUY2IvWD14pI3p0dkT7N3BU8YCHlR/HjmDi735n7JhoGlRY2lprneCA=="),
]

def test_vectors(s):
    for rid, ts, body, sig in VECTORS:
        check(sim.sign(VEC_SEED, rid, ts, body) == sig, "sxsign reproduces vector %s/%d" % (rid[:8], ts))
    creds = s.mint("vector", seed_key=VEC_SEED)
    check(creds.claims()["requestId"] == VEC_PUB, "mint --seed-key binds the vector pubkey")
    # Vector requests with a fresh timestamp are accepted (signature checked, then handled).
    rid, _, body, _ = VECTORS[1]
    st, j = s.post("/api/new_order", body, creds, request_id=rid)
    check(st == 200 and j.get("code") == 0 and j.get("request_id") == rid,
          "vector new_order accepted: %s %s" % (st, j))
    rid, _, body, _ = VECTORS[0]
    st, j = s.post("/api/cancel_order", body, creds, request_id=rid)
    check(st == 400 and "not found" in j.get("message", ""), "vector cancel signature ok -> 400 order not found: %s %s" % (st, j))
    return creds


def test_sig_errors(s, creds):
    body = sim.compact({"symbol": "BTC-USD", "side": "buy", "order_type": "limit", "qty": "0.0010",
                        "price": "50000.00", "time_in_force": "gtc", "reduce_only": False})
    h = sim.signed_headers(creds, body)
    h["Authorization"] = "Bearer " + creds.jwt
    st, j = s.request("POST", "/api/new_order", body=body.replace("50000", "50001"), headers=h)
    check(st == 403, "tampered body -> 403 (%s %s)" % (st, j))
    other = s.mint("other")
    st, j = s.post("/api/new_order", body, creds, key=other.key)
    check(st == 403, "wrong key -> 403 (%s %s)" % (st, j))
    st, j = s.post("/api/new_order", body, creds, ts_ms=sim.now_ms() - 120000)
    check(st == 403 and "signature has expired" in j.get("message", ""), "stale timestamp -> 403 signature has expired")
    st, j = s.post("/api/new_order", body, creds, sign_it=False)
    check(st == 403, "unsigned -> 403 (%s)" % st)
    bad = sim.Creds(creds.jwt[:-3] + "AAA", creds.key)
    st, j = s.post("/api/new_order", body, bad)
    check(st == 401, "bad token -> 401 (%s %s)" % (st, j))
    st, j = s.get("/api/query_balance", creds=sim.Creds("garbage", creds.key))
    check(st == 401, "garbage token -> 401")
    st, j = s.get("/api/query_balance")
    check(st == 401, "missing token -> 401")
    expired = sim.mint("alice", ttl=-10)
    st, j = s.get("/api/query_balance", creds=expired)
    check(st == 401 and "expired" in j.get("message", ""), "expired token -> 401 (%s)" % j)
    foreign = sim.mint("alice", secret="not-the-secret")
    st, j = s.get("/api/query_balance", creds=foreign)
    check(st == 401, "token of another secret -> 401")


def best(s):
    return s.state()["symbols"]["BTC-USD"]


def order_by_cl(s, creds, cl):
    st, j = s.get("/api/query_order", {"cl_ord_id": cl}, creds=creds)
    return j if st == 200 else None


def test_orders(s):
    a = s.mint("trader")
    b = best(s)
    # validation errors are synchronous 400s
    st, j = s.new_order(a, qty="0.00001", price="50000.00")
    check(st == 400 and j.get("code") == 400 and j.get("message"), "bad qty -> 400 %s" % j)
    st, j = s.new_order(a, price="50000.001")
    check(st == 400, "price off tick -> 400 %s" % j)
    st, j = s.new_order(a, symbol="NOPE-USD", price="1.00")
    check(st == 400, "unknown symbol -> 400")
    # ALO that would cross is accepted, then rejected
    ask = "%.2f" % (float(b["best_ask"]) * 1.005)
    st, j = s.new_order(a, side="buy", price=ask, tif="alo", cl_ord_id="alo-x")
    check(st == 200 and j["code"] == 0, "crossing ALO accepted by the gateway")
    o = order_by_cl(s, a, "alo-x")
    check(o and o["status"] == "rejected" and o["remark"] == "alo order rejected", "crossing ALO rejected: %s" % (o and o["status"]))
    # Resting GTC shows in open orders, cancel removes it
    st, _ = s.new_order(a, side="buy", price="50000.00", cl_ord_id="rest-1")
    st, j = s.get("/api/query_open_orders", creds=a)
    check(st == 200 and j["code"] == 0 and j["total"] == 1 and j["result"][0]["cl_ord_id"] == "rest-1",
          "open orders list wrapper")
    st, j = s.cancel(a, cl_ord_id="rest-1")
    check(st == 200 and j["code"] == 0, "cancel accepted")
    check(order_by_cl(s, a, "rest-1")["status"] == "canceled", "canceled")
    st, j = s.cancel(a, cl_ord_id="rest-1")
    check(st == 400, "second cancel -> 400 %s" % j)
    # IOC that does not cross leaves nothing resting
    st, _ = s.new_order(a, side="buy", price="50000.00", tif="ioc", cl_ord_id="ioc-1")
    o = order_by_cl(s, a, "ioc-1")
    check(o["status"] == "canceled" and o["fill_qty"] == "0.0000", "non-crossing IOC canceled, no fill")
    st, j = s.get("/api/query_open_orders", creds=a)
    check(j["total"] == 0, "nothing resting after IOC")
    # Market buy -> long position; reduce-only sell bigger than the position cannot flip it
    st, _ = s.new_order(a, side="buy", order_type="market", tif="ioc", qty="0.0020", cl_ord_id="mkt-1")
    st, pos = s.get("/api/query_positions", creds=a)
    check(st == 200 and isinstance(pos, list) and pos and pos[0]["qty"] == "0.0020", "long 0.0020: %s" % pos)
    st, _ = s.new_order(a, side="sell", order_type="market", tif="ioc", qty="0.0050", reduce_only=True,
                        cl_ord_id="ro-1")
    st, pos = s.get("/api/query_positions", creds=a)
    q = pos[0]["qty"] if pos else "?"
    check(not q.startswith("-") and float(q) == 0.0, "reduce-only did not flip the position (qty %s)" % q)
    st, j = s.get("/api/query_trades", creds=a)
    check(st == 200 and j["total"] >= 2 and "fee_qty" in j["result"][0], "trades list with fees")
    st, j = s.get("/api/query_orders", creds=a)
    check(st == 200 and j["total"] >= 5, "order history")
    st, bal = s.get("/api/query_balance", creds=a)
    check(st == 200 and "cross_available" in bal and "equity" in bal, "balance snapshot")
    # admin fill of a resting order
    st, j = s.new_order(a, side="buy", price="50000.00", cl_ord_id="fill-me")
    check(st == 200, "order to fill: %s %s" % (st, j))
    st, j = s.fill(cl_ord_id="fill-me")
    check(st == 200, "admin fill %s" % j)
    check(order_by_cl(s, a, "fill-me")["status"] == "filled", "order filled by admin")
    return a


def test_lag_and_faults(s, a):
    st, j = s.fault(type="lag_open_orders", seconds=15)
    check(st == 200, "lag_open_orders fault")
    s.new_order(a, side="buy", price="50000.00", cl_ord_id="lag-1")
    s.cancel(a, cl_ord_id="lag-1")
    st, j = s.get("/api/query_open_orders", creds=a)
    check(any(o["cl_ord_id"] == "lag-1" for o in j["result"]), "canceled order still listed while lagging")
    check(order_by_cl(s, a, "lag-1")["status"] == "canceled", "query_order is current")
    st, j = s.fault(type="http_error", status=503, count=2)
    check(st == 200, "http_error fault")
    codes = [s.get("/api/query_symbol_price", {"symbol": "BTC-USD"})[0] for _ in range(3)]
    check(codes == [503, 503, 200], "http_error count=2: %s" % codes)
    st, j = s.fault(type="bogus")
    check(st == 400 and "bogus" in j["message"], "unknown fault named: %s" % j)
    st, j = s.fault(type="reject_next", count=1, message="simulated reject")
    s.new_order(a, side="buy", price="50000.00", cl_ord_id="rej-1")
    o = order_by_cl(s, a, "rej-1")
    check(o["status"] == "rejected" and o["remark"] == "simulated reject", "reject_next: %s" % o["remark"])
    s.retry_429 = False
    s.fault(type="rate_limit", duration_s=2)
    st, _ = s.get("/api/query_balance", creds=a)
    check(st == 429, "rate_limit fault -> 429")
    st, _ = s.get("/api/health")
    check(st == 200, "public endpoints unaffected by rate_limit fault")
    s.fault(type="clear")
    s.retry_429 = True
    st, _ = s.get("/api/query_balance", creds=a)
    check(st == 200, "clear fault (%s)" % st)


def test_rate_limit(_s):
    # The bucket refills in engine time; a manual clock makes the burst exact
    # however slow the machine (or a sanitizer build) is.
    with sim.Sim(args=["--manual-clock"]) as s:
        s.retry_429 = False
        c = s.mint("burst")
        codes = [s.get("/api/query_open_orders", creds=c)[0] for _ in range(21)]
        check(codes[:20] == [200] * 20 and codes[20] == 429, "burst of 20 then 429: %s" % codes)
        s.advance(45)
        check(s.get("/api/query_open_orders", creds=c)[0] == 200, "bucket refills after 45 ms")
        check(s.get("/api/query_open_orders", creds=c)[0] == 429, "and only by one request")


def test_public(s):
    st, j = s.get("/api/health")
    check(st == 200 and j == "OK", "health OK")
    st, j = s.get("/api/query_symbol_info")
    check(st == 200 and isinstance(j, list) and {x["symbol"] for x in j} >= {"BTC-USD"}, "symbol info list")
    btc = [x for x in j if x["symbol"] == "BTC-USD"][0]
    for k in ("price_tick_decimals", "qty_tick_decimals", "min_order_qty", "maker_fee", "taker_fee", "status"):
        check(k in btc, "symbol_info has %s" % k)
    st, j = s.get("/api/query_symbol_price", {"symbol": "BTC-USD"})
    check(st == 200 and all(k in j for k in ("mark_price", "index_price", "spread_bid", "spread_ask", "time")),
          "symbol price shape")
    st, j = s.get("/api/query_depth_book", {"symbol": "BTC-USD"})
    ok = st == 200 and j["bids"] and j["asks"] and all(isinstance(l[0], str) and isinstance(l[1], str) for l in j["bids"])
    check(ok, "depth shape")
    prices = [float(l[0]) for l in j["bids"]]
    check(prices != sorted(prices, reverse=True), "depth levels not sorted (shuffled)")
    st, j = s.get("/api/query_symbol_market", {"symbol": "BTC-USD"})
    check(st == 200 and isinstance(j.get("spread"), list) and "funding_rate" in j, "symbol market shape")
    st, j = s.get("/api/query_symbol_price")
    check(st == 400 and j["code"] == 400, "missing symbol -> 400")
    st, j = s.get("/api/nope")
    check(st == 404, "unknown endpoint 404")


def test_state_shape(s):
    j = s.state()
    for k in ("time_ms", "symbols", "accounts", "counters", "connections"):
        check(k in j, "state has %s" % k)
    for k in ("requests", "orders", "cancels", "rejects", "fills", "rate_limited"):
        check(k in j["counters"], "counters has %s" % k)
    for k in ("ws_stream", "ws_api", "ws_stream_total"):
        check(k in j["connections"], "connections has %s" % k)
    acct = next(iter(j["accounts"].values()))
    check(set(acct) >= {"balance", "positions", "open_orders"}, "account shape")
    st, m = s.set_mark("BTC-USD", "70000.00")
    check(st == 200 and s.mark() == "70000.00", "admin mark")


def test_unfunded():
    with sim.Sim(args=["--unfunded", "pauper"]) as s:
        st, j = s.get("/api/query_balance", creds=s.mint("pauper"))
        check(st == 404 and j.get("message") == "user balance not found", "unfunded -> 404")
        st, j = s.get("/api/query_balance", creds=s.mint("rich"))
        check(st == 200, "funded -> 200")


def main():
    # ideal profile: these check the wire protocol one step at a time (a new
    # order listed at once, an ALO rejection also on the order channel); the
    # live profile's switches are tested in test_sim_live.py
    with sim.Sim(args=["--profile", "ideal"], seed=3) as s:
        s.retry_429 = True
        creds = run(test_vectors, s)
        run(test_sig_errors, s, creds)
        run(test_public, s)
        a = run(test_orders, s)
        run(test_lag_and_faults, s, a)
        run(test_rate_limit, s)
        run(test_state_shape, s)
        rc = s.stop()
        check(rc == 0, "SIGTERM -> exit 0 (rc %s)" % rc)
    run(test_unfunded)
    finish()


if __name__ == "__main__":
    main()
