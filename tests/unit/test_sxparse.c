/* Unit tests: StandX message parsers (daemon/standx/sxparse.c) against every shape of
 * shared/standx-protocol.md §4-§6, number variants, junk, status mapping,
 * depth sorting, JWT exp, the token bucket, the market stream for the hub
 * (daemon/standx/sx_market.c: URL, subscribe messages, snapshot updates) and
 * the WebSocket reconnect backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "sx_bucket.h"
#include "sx_market.h"
#include "sxparse.h"
#include "ws.h"

static dec_t D(const char *s)
{
    dec_t v = 0;
    assert_int_equal(dec_parse(s, &v), 0);
    return v;
}

static int frame(const char *txt, struct sx_msg *m) { return sxp_ws_frame(txt, strlen(txt), m); }

static void test_price(void **st)
{
    (void)st;
    struct sx_msg m;
    const char *f =
        "{\"seq\":1,\"channel\":\"price\",\"symbol\":\"BTC-USD\",\"data\":{\"symbol\":\"BTC-USD\","
        "\"base\":\"BTC\",\"quote\":\"DUSD\",\"mark_price\":\"77260.99\",\"index_price\":\"77298.61\","
        "\"last_price\":\"77260.99\",\"mid_price\":\"77254.50\",\"spread\":[\"77248.01\",\"77260.99\"],"
        "\"time\":\"2026-09-13T05:41:06.104799291Z\",\"extra\":{\"x\":1}}}";
    assert_int_equal(frame(f, &m), SXP_OK);
    assert_int_equal(m.chan, SXC_PRICE);
    assert_int_equal(m.seq, 1);
    assert_string_equal(m.symbol, "BTC-USD");
    assert_true(m.u.price.mark == D("77260.99"));
    assert_true(m.u.price.index == D("77298.61"));
    assert_true(m.u.price.mid == D("77254.5"));
    assert_true(m.u.price.bid == D("77248.01"));
    assert_true(m.u.price.ask == D("77260.99"));
    assert_true(m.u.price.time_ms == INT64_C(1789278066104));
    /* numbers instead of strings; nulls for last/mid; flattened spread (REST) */
    const char *g = "{\"seq\":2,\"channel\":\"price\",\"symbol\":\"ETH-USD\",\"data\":{\"symbol\":\"ETH-USD\","
                    "\"mark_price\":3012.29,\"index_price\":3012,\"last_price\":null,\"mid_price\":null,"
                    "\"spread_bid\":\"3012.1\",\"spread_ask\":3012.5}}";
    assert_int_equal(frame(g, &m), SXP_OK);
    assert_true(m.u.price.mark == D("3012.29"));
    assert_true(m.u.price.index == D("3012"));
    assert_true(m.u.price.last == 0 && m.u.price.mid == 0);
    assert_true(m.u.price.bid == D("3012.1") && m.u.price.ask == D("3012.5"));
}

static void test_numbers(void **st)
{
    (void)st;
    const char *cases[][2] = {{"0.29", "0.29"}, {"0.1", "0.1"}, {"121599.94", "121599.94"},
                              {"1e-3", "0.001"}, {"1e20", NULL},   {"42", "42"},   {"\"0.0010\"", "0.001"},
                              {"\"3.9932238453666987\"", "3.993223845"}, {"true", NULL},
                              {"\"abc\"", NULL}, {"-0.116", "-0.116"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_error_t e;
        json_t *v = json_loads(cases[i][0], JSON_DECODE_ANY, &e);
        assert_non_null(v);
        dec_t d = 0;
        int rc = sxp_dec(v, &d);
        if (cases[i][1]) {
            assert_int_equal(rc, 0);
            if (d != D(cases[i][1])) fail_msg("%s -> %lld", cases[i][0], (long long)d);
        } else if (rc == 0) {
            fail_msg("accepted %s", cases[i][0]);
        }
        json_decref(v);
    }
}

static void test_depth_sorted(void **st)
{
    (void)st;
    struct sx_msg m;
    const char *f = "{\"seq\":2,\"channel\":\"depth_book\",\"symbol\":\"BTC-USD\",\"data\":{\"symbol\":\"BTC-USD\","
                    "\"asks\":[[\"77262\",\"0.0003\"],[\"77261\",\"0.0375\"],[77270.5,1]],"
                    "\"bids\":[[\"77245\",\"0.5178\"],[\"77248\",\"0.0386\"],[\"77240\",\"0\"]]}}";
    assert_int_equal(frame(f, &m), SXP_OK);
    assert_int_equal(m.chan, SXC_DEPTH);
    assert_int_equal(m.u.depth.n_bids, 2);   /* zero-qty level dropped */
    assert_int_equal(m.u.depth.n_asks, 3);
    assert_true(m.u.depth.bids[0].px == D("77248") && m.u.depth.bids[0].qty == D("0.0386"));
    assert_true(m.u.depth.bids[1].px == D("77245"));
    assert_true(m.u.depth.asks[0].px == D("77261") && m.u.depth.asks[1].px == D("77262"));
    assert_true(m.u.depth.asks[2].px == D("77270.5") && m.u.depth.asks[2].qty == D("1"));
    /* more levels than MD_MAX_LEVELS: the best are kept */
    char buf[16384];
    size_t p = (size_t)snprintf(buf, sizeof buf,
                                "{\"channel\":\"depth_book\",\"data\":{\"symbol\":\"X-USD\",\"bids\":[");
    for (int i = 0; i < 100; i++) p += (size_t)snprintf(buf + p, sizeof buf - p, "%s[\"%d\",\"1\"]", i ? "," : "", 100 + i);
    snprintf(buf + p, sizeof buf - p, "],\"asks\":[]}}");
    assert_int_equal(frame(buf, &m), SXP_OK);
    assert_int_equal(m.u.depth.n_bids, MD_MAX_LEVELS);
    assert_true(m.u.depth.bids[0].px == D("199"));
    assert_string_equal(m.symbol, "X-USD");
    /* a bad level rejects the whole frame */
    assert_int_equal(frame("{\"channel\":\"depth_book\",\"data\":{\"symbol\":\"X\",\"bids\":[[\"1\"]]}}", &m),
                     SXP_ESHAPE);
    assert_int_equal(frame("{\"channel\":\"depth_book\",\"data\":{\"symbol\":\"X\",\"bids\":[[\"-1\",\"1\"]]}}", &m),
                     SXP_ESHAPE);
}

static void test_public_trade(void **st)
{
    (void)st;
    struct sx_msg m;
    assert_int_equal(frame("{\"seq\":3,\"channel\":\"public_trade\",\"symbol\":\"BTC-USD\",\"data\":{\"id\":465880883,"
                           "\"symbol\":\"BTC-USD\",\"price\":\"77248.06\",\"qty\":\"0.0001\",\"side\":\"sell\","
                           "\"time\":1789278068947}}",
                           &m),
                     SXP_OK);
    assert_int_equal(m.chan, SXC_PTRADE);
    assert_true(m.u.ptrade.id == 465880883);
    assert_int_equal(m.u.ptrade.taker_side, SIDE_SELL);
    assert_true(m.u.ptrade.time_ms == INT64_C(1789278068947));
    assert_int_equal(frame("{\"channel\":\"public_trade\",\"data\":{\"is_buyer_taker\":true,\"price\":\"10\","
                           "\"qty\":\"2\",\"quote_qty\":\"20\",\"symbol\":\"BTC-USD\","
                           "\"time\":\"2025-08-11T03:36:19.352620Z\"}}",
                           &m),
                     SXP_OK);
    assert_int_equal(m.u.ptrade.taker_side, SIDE_BUY);
    assert_true(m.u.ptrade.id == 0);
    assert_true(m.u.ptrade.qty == D("2"));
    assert_int_equal(frame("{\"channel\":\"public_trade\",\"data\":{\"price\":\"10\",\"qty\":\"2\",\"symbol\":\"B\"}}", &m),
                     SXP_ESHAPE);
}

static const char *ORDER_WS =
    "{\"seq\":35,\"channel\":\"order\",\"data\":{\"id\":2547027,\"cl_ord_id\":\"01K2C9H93Y42RW8KD6RSVWVDVV\","
    "\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"order_type\":\"market\",\"time_in_force\":\"ioc\","
    "\"reduce_only\":false,\"price\":\"121245.20\",\"qty\":\"1.000\",\"fill_qty\":\"1.000\","
    "\"fill_avg_price\":\"121245.21\",\"status\":\"filled\",\"leverage\":\"15\",\"margin\":\"8083.013333334\","
    "\"avail_locked\":\"0\",\"position_id\":15,\"liq_id\":0,\"source\":\"user\",\"remark\":\"\",\"payload\":null,"
    "\"created_block\":-1,\"closed_block\":-1,\"created_at\":\"2025-08-11T10:06:37.182464902Z\","
    "\"updated_at\":\"2025-08-11T10:06:37.182465022Z\",\"user\":\"bsc_0x1\"}}";

static void test_order(void **st)
{
    (void)st;
    struct sx_msg m;
    assert_int_equal(frame(ORDER_WS, &m), SXP_OK);
    assert_int_equal(m.chan, SXC_ORDER);
    assert_true(m.u.order.id == 2547027);
    assert_string_equal(m.u.order.cl_ord_id, "01K2C9H93Y42RW8KD6RSVWVDVV");
    assert_int_equal(m.u.order.side, SIDE_BUY);
    assert_int_equal(m.u.order.tif, TIF_IOC);
    assert_int_equal(m.u.order.status, OS_FILLED);
    assert_true(m.u.order.fill_avg_price == D("121245.21"));
    /* REST order object, big id, status open, numbers */
    const char *rest = "{\"id\":11545819148,\"cl_ord_id\":\"mm-a-1\",\"symbol\":\"XAG-USD\",\"side\":\"sell\","
                       "\"order_type\":\"limit\",\"time_in_force\":\"alo\",\"reduce_only\":true,\"price\":57.35,"
                       "\"qty\":\"0.060\",\"fill_qty\":\"0\",\"fill_avg_price\":\"0\",\"status\":\"open\"}";
    struct venue_order o;
    assert_int_equal(sxp_order_obj(rest, strlen(rest), &o), SXP_OK);
    assert_true(o.id == INT64_C(11545819148));
    assert_true(o.reduce_only);
    assert_int_equal(o.tif, TIF_ALO);
    assert_true(o.price == D("57.35"));
    assert_int_equal(o.status, OS_OPEN);
    /* rejected with a remark */
    const char *rej = "{\"id\":\"7\",\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"qty\":\"1\",\"status\":\"rejected\","
                      "\"remark\":\"alo order rejected\"}";
    assert_int_equal(sxp_order_obj(rej, strlen(rej), &o), SXP_OK);
    assert_true(o.id == 7);
    assert_int_equal(o.status, OS_REJECTED);
    assert_string_equal(o.reason, "alo order rejected");
    /* missing id / bad status / bad side */
    const char *bad[] = {
        "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"qty\":\"1\",\"status\":\"open\"}",
        "{\"id\":1,\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"qty\":\"1\",\"status\":\"weird\"}",
        "{\"id\":1,\"symbol\":\"BTC-USD\",\"side\":\"up\",\"qty\":\"1\",\"status\":\"open\"}",
        "{\"id\":1,\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"status\":\"open\"}",
        "{\"id\":1.5,\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"qty\":\"1\",\"status\":\"open\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sxp_order_obj(bad[i], strlen(bad[i]), &o) == SXP_OK) fail_msg("accepted %s", bad[i]);
}

static void test_status_map(void **st)
{
    (void)st;
    enum order_status s;
    struct { const char *n; dec_t fill; enum order_status want; } t[] = {
        {"new", 0, OS_OPEN},           {"open", 0, OS_OPEN},        {"open", 5, OS_PARTIAL},
        {"new", 1, OS_PARTIAL},        {"partially_filled", 1, OS_PARTIAL},
        {"partial_filled", 1, OS_PARTIAL}, {"filled", 1, OS_FILLED}, {"canceled", 0, OS_CANCELED},
        {"cancelled", 0, OS_CANCELED}, {"expired", 0, OS_CANCELED}, {"rejected", 0, OS_REJECTED},
        {"untriggered", 0, OS_OPEN}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_int_equal(sxp_status(t[i].n, t[i].fill, &s), 0);
        assert_int_equal(s, t[i].want);
    }
    assert_int_equal(sxp_status("Filled?", 0, &s), -1);
    assert_int_equal(sxp_status(NULL, 0, &s), -1);
}

static void test_trade_position_balance(void **st)
{
    (void)st;
    struct sx_msg m;
    assert_int_equal(frame("{\"seq\":38,\"channel\":\"trade\",\"data\":{\"id\":409870,\"order_id\":1820682,"
                           "\"symbol\":\"BTC-USD\",\"side\":\"sell\",\"price\":\"121900\",\"qty\":\"0.01\","
                           "\"created_at\":\"2025-08-11T03:36:19.352620Z\"}}",
                           &m),
                     SXP_OK);
    assert_int_equal(m.chan, SXC_TRADE);
    assert_true(m.u.fill.trade_id == 409870 && m.u.fill.order_id == 1820682);
    assert_true(m.u.fill.qty == D("0.01"));
    assert_true(m.u.fill.time_ms > 0);
    assert_int_equal(frame("{\"channel\":\"trade\",\"data\":{\"id\":1,\"order_id\":2,\"symbol\":\"BTC-USD\","
                           "\"side\":\"buy\",\"price\":1,\"qty\":1,\"fee_qty\":\"-0.12\",\"time\":1789278068947}}",
                           &m),
                     SXP_OK);
    assert_true(m.u.fill.fee == D("-0.12"));
    assert_int_equal(frame("{\"channel\":\"trade\",\"data\":{\"id\":1,\"symbol\":\"BTC-USD\",\"side\":\"buy\","
                           "\"price\":1,\"qty\":1}}",
                           &m),
                     SXP_ESHAPE);   /* order_id missing */
    assert_int_equal(frame("{\"seq\":36,\"channel\":\"position\",\"data\":{\"id\":15,\"symbol\":\"XAG-USD\","
                           "\"status\":\"open\",\"qty\":\"-0.116\",\"entry_price\":\"58.24\",\"leverage\":\"15\","
                           "\"realized_pnl\":\"7.12\",\"updated_at\":\"2026-07-13T05:56:25Z\"}}",
                           &m),
                     SXP_OK);
    assert_true(m.u.position.qty == D("-0.116"));
    assert_true(m.u.position.entry_price == D("58.24"));
    assert_true(m.u.position.realized_pnl == D("7.12"));
    assert_int_equal(frame("{\"seq\":37,\"channel\":\"balance\",\"data\":{\"account_type\":\"perps\",\"token\":\"DUSD\","
                           "\"free\":\"906946.976225666\",\"locked\":\"0.000000000\",\"total\":\"923207.752500717\","
                           "\"is_enabled\":true}}",
                           &m),
                     SXP_OK);
    assert_false(m.u.balance.unified);
    assert_true(m.u.balance.total == D("923207.752500717"));
    const char *rb = "{\"balance\":\"1100018.627556737\",\"equity\":\"1100028.707476657\",\"upnl\":\"10.07992\","
                     "\"cross_available\":\"1085746.571\",\"locked\":\"0.000000000\",\"pnl_24h\":1}";
    struct sx_balance b;
    assert_int_equal(sxp_balance_obj(rb, strlen(rb), &b), SXP_OK);
    assert_true(b.unified);
    assert_true(b.equity == D("1100028.707476657"));
    assert_true(b.available == D("1085746.571"));
    const char *pl = "[{\"id\":15,\"symbol\":\"BTC-USD\",\"status\":\"open\",\"qty\":\"0.940\",\"entry_price\":\"121737.96\","
                     "\"upnl\":\"-21.53540\",\"realized_pnl\":\"31.61532\",\"mmr\":\"3.9932238453666987\"}]";
    struct venue_position *ps;
    size_t n;
    assert_int_equal(sxp_position_list(pl, strlen(pl), &ps, &n), SXP_OK);
    assert_int_equal(n, 1);
    assert_true(ps[0].upnl == D("-21.5354"));
    free(ps);
}

static void test_auth_and_nodata(void **st)
{
    (void)st;
    struct sx_msg m;
    assert_int_equal(frame("{\"seq\":1,\"channel\":\"auth\",\"data\":{\"code\":200,\"msg\":\"success\"}}", &m), SXP_OK);
    assert_int_equal(m.chan, SXC_AUTH);
    assert_int_equal(m.u.auth.code, 200);
    assert_int_equal(frame("{\"seq\":1,\"channel\":\"auth\",\"data\":{\"code\":0}}", &m), SXP_OK);
    assert_int_equal(m.u.auth.code, 0);
    assert_int_equal(frame("{\"seq\":1,\"channel\":\"auth\",\"data\":{\"code\":401,\"msg\":\"invalid token\"}}", &m),
                     SXP_OK);
    assert_int_equal(m.u.auth.code, 401);
    json_t *d = json_pack("{s:i}", "code", 401);
    int code;
    char msg[32];
    assert_int_equal(sxp_auth_ack(d, &code, msg, sizeof msg), SXP_ESHAPE);
    json_decref(d);
    d = json_pack("{s:s}", "msg", "x");
    assert_int_equal(sxp_auth_ack(d, &code, msg, sizeof msg), SXP_ESHAPE);
    assert_int_equal(code, -1);
    json_decref(d);
    assert_int_equal(frame("{\"subscribed\":{\"channel\":\"price\",\"symbol\":\"BTC-USD\"}}", &m), SXP_ENODATA);
    assert_int_equal(frame("{\"code\":408,\"message\":\"disconnecting due to not receive Pong\"}", &m), SXP_ENODATA);
    assert_int_equal(m.u.auth.code, 408);
    assert_int_equal(frame("{\"channel\":\"kline\",\"data\":{}}", &m), SXP_ENODATA);
}

static void test_junk(void **st)
{
    (void)st;
    struct sx_msg m;
    const char *junk[] = {"", "null", "[]", "42", "{", "{\"channel\":5,\"data\":{}}",
                          "{\"channel\":\"price\",\"data\":[]}", "{\"channel\":\"price\",\"data\":{}}",
                          "{\"channel\":\"price\",\"data\":{\"symbol\":\"B\",\"mark_price\":\"x\"}}",
                          "{\"channel\":\"price\",\"data\":{\"symbol\":\"B\",\"mark_price\":\"1\",\"spread\":7}}",
                          "{\"channel\":\"order\",\"data\":null}", "{\"channel\":\"trade\",\"data\":\"s\"}",
                          "{\"channel\":\"depth_book\",\"data\":{\"symbol\":\"B\",\"bids\":{}}}",
                          "\xff\xfe garbage"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        int rc = frame(junk[i], &m);
        if (rc == SXP_OK) fail_msg("accepted junk %zu: %s", i, junk[i]);
    }
    /* truncations of a valid frame never crash and never succeed halfway */
    size_t n = strlen(ORDER_WS);
    for (size_t k = 0; k < n; k++) assert_int_not_equal(sxp_ws_frame(ORDER_WS, k, &m), SXP_OK);
    /* single-byte mutations of valid frames */
    const char *valid[] = {ORDER_WS,
                           "{\"seq\":2,\"channel\":\"depth_book\",\"symbol\":\"B\",\"data\":{\"symbol\":\"B\","
                           "\"asks\":[[\"2\",\"1\"]],\"bids\":[[\"1\",\"1\"]]}}",
                           "{\"channel\":\"trade\",\"data\":{\"id\":1,\"order_id\":2,\"symbol\":\"B\","
                           "\"side\":\"buy\",\"price\":1,\"qty\":1}}"};
    unsigned ms = 7;
    for (size_t v = 0; v < sizeof valid / sizeof valid[0]; v++) {
        size_t len = strlen(valid[v]);
        char *b = malloc(len);
        for (int it = 0; it < 3000; it++) {
            memcpy(b, valid[v], len);
            b[rand_r(&ms) % len] = (char)(rand_r(&ms) % 256);
            (void)sxp_ws_frame(b, len, &m);
        }
        free(b);
    }
    /* random bytes */
    unsigned seed = 1;
    char buf[256];
    for (int it = 0; it < 2000; it++) {
        size_t len = (size_t)(rand_r(&seed) % sizeof buf);
        for (size_t k = 0; k < len; k++) buf[k] = (char)(rand_r(&seed) % 256);
        (void)sxp_ws_frame(buf, len, &m);
    }
}

static void test_symbol_info(void **st)
{
    (void)st;
    const char *b = "[{\"symbol\":\"BTC-USD\",\"base_asset\":\"BTC\",\"price_tick_decimals\":2,\"qty_tick_decimals\":4,"
                    "\"min_order_qty\":\"0.0001\",\"max_order_qty\":\"100\",\"status\":\"trading\"},"
                    "{\"symbol\":\"ETH-USD\",\"price_tick_decimals\":\"2\",\"qty_tick_decimals\":3,"
                    "\"min_order_qty\":0.001,\"max_order_qty\":\"1000\",\"enabled\":true},"
                    "{\"symbol\":\"OFF-USD\",\"price_tick_decimals\":2,\"qty_tick_decimals\":3,\"enabled\":false},"
                    "{\"symbol\":\"BAD-USD\",\"price_tick_decimals\":12,\"qty_tick_decimals\":3}]";
    struct sym_info *s;
    size_t n;
    assert_int_equal(sxp_symbol_list(b, strlen(b), &s, &n), SXP_OK);
    assert_int_equal(n, 3);
    assert_string_equal(s[0].symbol, "BTC-USD");
    assert_int_equal(s[0].price_decimals, 2);
    assert_true(s[0].tick == D("0.01") && s[0].lot == D("0.0001"));
    assert_true(s[0].min_qty == D("0.0001") && s[0].max_qty == D("100"));
    assert_true(s[0].trading);
    assert_true(s[1].trading && s[1].min_qty == D("0.001") && s[1].lot == D("0.001"));
    assert_false(s[2].trading);
    free(s);
    assert_int_equal(sxp_symbol_list("{\"x\":1}", 7, &s, &n), SXP_ESHAPE);
    assert_int_equal(sxp_symbol_list("nope", 4, &s, &n), SXP_EJSON);
}

static void test_lists_and_results(void **st)
{
    (void)st;
    const char *w = "{\"code\":0,\"message\":\"success\",\"page_size\":1,\"total\":1,\"result\":[{\"id\":1820682,"
                    "\"cl_ord_id\":\"a\",\"symbol\":\"BTC-USD\",\"side\":\"sell\",\"order_type\":\"limit\","
                    "\"time_in_force\":\"gtc\",\"price\":\"121900.00\",\"qty\":\"0.060\",\"fill_qty\":\"0\","
                    "\"status\":\"new\"}]}";
    struct venue_order *o;
    size_t n;
    assert_int_equal(sxp_order_list(w, strlen(w), &o, &n), SXP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].status, OS_OPEN);
    free(o);
    assert_int_equal(sxp_order_list("[]", 2, &o, &n), SXP_OK);
    assert_int_equal(n, 0);
    free(o);
    int code;
    char msg[64];
    const char *ok = "{\"code\":0,\"message\":\"success\",\"request_id\":\"x\"}";
    assert_int_equal(sxp_api_result(ok, strlen(ok), &code, msg, sizeof msg), SXP_OK);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "success");
    const char *e = "{\"code\":400,\"message\":\"order already closed\"}";
    assert_int_equal(sxp_api_result(e, strlen(e), &code, msg, sizeof msg), SXP_OK);
    assert_int_equal(code, 400);
    assert_string_equal(msg, "order already closed");
    assert_int_equal(sxp_api_result("rate limited\n", 13, &code, msg, sizeof msg), SXP_EJSON);
    assert_string_equal(msg, "rate limited ");
}

static void test_jwt(void **st)
{
    (void)st;
    const char *payload = "{\"address\":\"0xabc\",\"exp\":1760000300,\"iat\":1760000000}";
    char seg[256], jwt[400];
    assert_true(b64url_encode((const uint8_t *)payload, strlen(payload), seg, sizeof seg) > 0);
    snprintf(jwt, sizeof jwt, "eyJhbGciOiJFUzI1NiJ9.%s.c2ln", seg);
    int64_t exp = 0;
    assert_int_equal(sxp_jwt_exp(jwt, &exp), 0);
    assert_true(exp == 1760000300);
    assert_int_equal(sxp_jwt_exp("abc", &exp), -1);
    assert_int_equal(sxp_jwt_exp("a..b", &exp), -1);
    assert_int_equal(sxp_jwt_exp("a.!!!.b", &exp), -1);
    assert_int_equal(sxp_jwt_exp(NULL, &exp), -1);
    const char *noexp = "{\"iat\":1}";
    assert_true(b64url_encode((const uint8_t *)noexp, strlen(noexp), seg, sizeof seg) > 0);
    snprintf(jwt, sizeof jwt, "h.%s.s", seg);
    assert_int_equal(sxp_jwt_exp(jwt, &exp), -1);
}

static void test_bucket(void **st)
{
    (void)st;
    struct sx_bucket b;
    int64_t t = 1000000;
    sx_bucket_init(&b, 900, 1000, t);
    /* burst: 900 credits = 20 requests with no reserve */
    int n = 0;
    while (sx_bucket_take(&b, 45, 0, t)) n++;
    assert_int_equal(n, 20);
    /* 45 ms later exactly one more request fits */
    assert_false(sx_bucket_take(&b, 45, 0, t + 44000));
    assert_true(sx_bucket_take(&b, 45, 0, t + 45001));
    /* places keep a reserve of 135: from full, 16 places then only cancels */
    sx_bucket_init(&b, 900, 1000, t);
    n = 0;
    while (sx_bucket_take(&b, 45, 135, t)) n++;
    assert_int_equal(n, 17);   /* 900 - 17*45 = 135 left */
    assert_false(sx_bucket_take(&b, 45, 135, t));
    assert_true(sx_bucket_take(&b, 45, 0, t));   /* a cancel still goes */
    assert_true(sx_bucket_wait_us(&b, 45, 135, t) > 0);
    assert_true(sx_bucket_wait_us(&b, 45, 135, t) <= 91000);
    /* refill caps at capacity */
    assert_true(sx_bucket_wait_us(&b, 45, 0, t + 10000000) == 0);
    sx_bucket_take(&b, 0, 0, t + 10000000);
    assert_true(b.level == 900);
    assert_true(sx_bucket_wait_us(&b, 1000, 0, t) == INT64_MAX);
}

static void test_stream_url(void **st)
{
    (void)st;
    static const char *const in[] = {"wss://perps.standx.com", "wss://perps.standx.com/",
                                     "wss://perps.standx.com/ws-stream/v1", "wss://perps.standx.com/ws-stream/v1/"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char *u = sx_stream_url(in[i]);
        assert_string_equal(u, "wss://perps.standx.com/ws-stream/v1");
        free(u);
    }
    char *u = sx_join_url("http://h:1//", "");
    assert_string_equal(u, "http://h:1");
    free(u);
}

static void test_market_sub_msgs(void **st)
{
    (void)st;
    char b[160];
    int n = sxm_sub_msg(true, "BTC-USD", 0, b, sizeof b);
    assert_int_equal(n, (int)strlen(b));
    assert_string_equal(b, "{\"subscribe\":{\"channel\":\"price\",\"symbol\":\"BTC-USD\"}}");
    assert_true(sxm_sub_msg(false, "BTC-USD", 1, b, sizeof b) > 0);
    assert_string_equal(b, "{\"unsubscribe\":{\"channel\":\"depth_book\",\"symbol\":\"BTC-USD\"}}");
    assert_int_equal(sxm_sub_msg(true, "BTC-USD", 2, b, sizeof b), 0);      /* two messages */
    assert_int_equal(sxm_sub_msg(true, "BTC\"USD", 0, b, sizeof b), -1);   /* not sendable unescaped */
    assert_int_equal(sxm_sub_msg(true, "", 0, b, sizeof b), -1);
    assert_int_equal(sxm_sub_msg(true, "BTC-USD", 0, b, 8), -1);            /* buffer too small */
}

static void test_market_parse(void **st)
{
    (void)st;
    struct md_snapshot *u = calloc(1, sizeof *u);
    char note[128];
    const char *px = "{\"seq\":7,\"channel\":\"price\",\"data\":{\"symbol\":\"BTC-USD\",\"mark_price\":\"100.5\","
                     "\"spread\":[\"100\",\"101\"],\"time\":1700000000000}}";
    assert_int_equal(sxm_parse(px, strlen(px), u, note, sizeof note), SXM_PRICE);
    assert_string_equal(u->symbol, "BTC-USD");
    assert_true(u->mark == D("100.5") && u->best_bid == D("100") && u->best_ask == D("101"));
    assert_true(u->mid == 0 && u->price_seq == 7 && u->exch_time_ms == INT64_C(1700000000000));
    const char *dp = "{\"seq\":8,\"channel\":\"depth_book\",\"data\":{\"symbol\":\"ETH-USD\","
                     "\"bids\":[[\"1\",\"2\"],[\"3\",\"4\"]],\"asks\":[[\"5\",\"6\"]]}}";
    assert_int_equal(sxm_parse(dp, strlen(dp), u, note, sizeof note), SXM_DEPTH);
    assert_string_equal(u->symbol, "ETH-USD");
    assert_int_equal(u->n_bids, 2);
    assert_int_equal(u->n_asks, 1);
    assert_true(u->bids[0].px == D("3") && u->depth_seq == 8);
    const char *notice = "{\"code\":408,\"message\":\"disconnecting\"}";
    assert_int_equal(sxm_parse(notice, strlen(notice), u, note, sizeof note), SXM_NOTICE);
    assert_string_equal(note, "code 408 disconnecting");
    assert_int_equal(sxm_parse("not json", 8, u, note, sizeof note), SXM_BAD);
    assert_string_equal(note, "-1");
    const char *ack = "{\"subscribed\":{\"channel\":\"price\"}}";
    assert_int_equal(sxm_parse(ack, strlen(ack), u, note, sizeof note), SXM_NONE);
    const char *tr = "{\"channel\":\"public_trade\",\"data\":{\"symbol\":\"BTC-USD\",\"price\":\"1\","
                     "\"qty\":\"1\",\"side\":\"buy\",\"time\":1}}";
    assert_int_equal(sxm_parse(tr, strlen(tr), u, note, sizeof note), SXM_NONE);
    free(u);
}

static void test_backoff(void **st)
{
    (void)st;
    /* doubling from min, capped, jitter +-25 % */
    assert_true(ws_backoff_s(0.5, 30, 1, 0.5) == 0.5);
    assert_true(ws_backoff_s(0.5, 30, 2, 0.5) == 1.0);
    assert_true(ws_backoff_s(0.5, 30, 4, 0.5) == 4.0);
    assert_true(ws_backoff_s(0.5, 30, 20, 0.5) == 30.0);
    assert_true(ws_backoff_s(0.5, 30, 1000, 1.0) == 37.5);
    assert_true(ws_backoff_s(0.5, 30, 1, 0.0) == 0.375);
    /* strictly growing even with worst-case jitter, until the cap */
    for (int f = 1; f < 6; f++) assert_true(ws_backoff_s(0.5, 30, f, 1.0) < ws_backoff_s(0.5, 30, f + 1, 0.0));
}

/* ws-api frames: {code, message, request_id}; both frames of a command */
static void test_api_frame(void **st)
{
    (void)st;
    int code;
    char msg[64], rid[40];
    const char *acc = "{\"code\":0,\"message\":\"accepted\",\"request_id\":\"c9d5\"}";
    assert_int_equal(sxp_api_frame(acc, strlen(acc), &code, msg, sizeof msg, rid, sizeof rid), SXP_OK);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "accepted");
    assert_string_equal(rid, "c9d5");
    const char *rej = "{\"code\":400,\"message\":\"alo order rejected\",\"request_id\":\"1187\"}";
    assert_int_equal(sxp_api_frame(rej, strlen(rej), &code, msg, sizeof msg, rid, sizeof rid), SXP_OK);
    assert_int_equal(code, 400);
    assert_string_equal(msg, "alo order rejected");
    const char *norid = "{\"code\":0,\"message\":\"success\"}";
    assert_int_equal(sxp_api_frame(norid, strlen(norid), &code, msg, sizeof msg, rid, sizeof rid), SXP_ESHAPE);
    const char *nocode = "{\"message\":\"x\",\"request_id\":\"a\"}";
    assert_int_equal(sxp_api_frame(nocode, strlen(nocode), &code, msg, sizeof msg, rid, sizeof rid), SXP_ESHAPE);
    char longrid[128];
    snprintf(longrid, sizeof longrid, "{\"code\":0,\"request_id\":\"%060d\"}", 7);
    assert_int_equal(sxp_api_frame(longrid, strlen(longrid), &code, msg, sizeof msg, rid, sizeof rid), SXP_ESHAPE);
    assert_int_equal(sxp_api_frame("[1]", 3, &code, msg, sizeof msg, rid, sizeof rid), SXP_EJSON);
    assert_int_equal(sxp_api_frame("", 0, &code, msg, sizeof msg, rid, sizeof rid), SXP_EJSON);
}

/* New WebSocket connections: a burst of 10, then 20 a minute; any 60 s
 * window stays within the venue's 30 per IP. */
static void test_new_conn_rate(void **st)
{
    (void)st;
    struct ws_newrate r;
    ws_newrate_init(&r, WS_NEW_PER_MIN, 0);
    for (int i = 0; i < 10; i++) assert_true(ws_new_conn_wait(&r, 0) == 0);
    double w = ws_new_conn_wait(&r, 0);
    assert_true(w > 2.9 && w < 3.1);   /* one token per 3 s */
    assert_true(ws_new_conn_wait(&r, 3100000) == 0);
    /* a storm of attempts every 100 ms for 5 minutes: count per sliding minute */
    ws_newrate_init(&r, WS_NEW_PER_MIN, 0);
    int64_t starts[2000];
    int n = 0;
    for (int64_t t = 0; t < 300 * INT64_C(1000000) && n < 2000; t += 100000)
        if (ws_new_conn_wait(&r, t) == 0) starts[n++] = t;
    for (int i = 0; i < n; i++) {
        int in = 0;
        for (int j = i; j < n && starts[j] < starts[i] + 60 * INT64_C(1000000); j++) in++;
        assert_true(in <= 30);
    }
    assert_true(n >= 100);   /* ~20 a minute after the burst */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_price),        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_depth_sorted), cmocka_unit_test(test_public_trade),
        cmocka_unit_test(test_order),        cmocka_unit_test(test_status_map),
        cmocka_unit_test(test_trade_position_balance), cmocka_unit_test(test_auth_and_nodata),
        cmocka_unit_test(test_junk),         cmocka_unit_test(test_symbol_info),
        cmocka_unit_test(test_lists_and_results), cmocka_unit_test(test_jwt),
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_stream_url),   cmocka_unit_test(test_market_sub_msgs),
        cmocka_unit_test(test_market_parse),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_api_frame),    cmocka_unit_test(test_new_conn_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
