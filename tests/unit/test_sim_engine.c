/* Unit tests: the standx-sim core (tests/sim/engine.c, orders.c, market.c,
 * scenario.c): matching, order types, reduce-only, validation, trade-through,
 * positions/PnL/fees, rate limiter, seeded market model, scenario loader. */
#include "testutil.h"

#include "sim_engine.h"

#define T0 INT64_C(1760000000000000)
#define MS INT64_C(1000)
#define SEC INT64_C(1000000)

/* A test market "TST-USD": mark 100, tick 0.01, lot 0.01, synthetic book
 * 90/110 (2000 bps spread) so user orders inside it only meet each other;
 * no noise, no public trades.  BTC-USD is the default (vol 0 here). */
static const char *TEST_YAML =
    "seed: 5\n"
    "symbols:\n"
    "  TST-USD: {mark: \"100\", price_decimals: 2, qty_decimals: 2, min_qty: \"0.01\", max_qty: \"1000\",\n"
    "            volatility_bps: 0, spread_bps: 2000, depth_levels: 3, level_qty: \"5\",\n"
    "            level_step_bps: 100, trade_rate_per_s: 0, index_bps: 0}\n"
    "  BTC-USD: {volatility_bps: 0, trade_rate_per_s: 0, index_bps: 0, spread_bps: 2,\n"
    "            depth_levels: 5, level_qty: \"1\", level_step_bps: 1}\n";

static sim_engine *mk_engine(const char *yaml)
{
    sim_scenario sc;
    char err[256] = "";
    int rc = sim_scenario_load_str(yaml, "test.yaml", &sc, err, sizeof err);
    if (rc != 0) fail_msg("scenario: %s", err);
    sim_engine *e = sim_engine_new(&sc, T0);
    sim_scenario_free(&sc);
    assert_non_null(e);
    return e;
}

static void drain(sim_engine *e)
{
    sim_event ev;
    while (sim_event_next(e, &ev)) {}
}

/* Places an order; asserts it was accepted synchronously. */
static sim_order place(sim_engine *e, const char *acct, const char *sym, const char *side, const char *type,
                       const char *tif, const char *qty, const char *px, bool ro, const char *clid)
{
    sim_order_req r = {sym, side, type, tif, qty, px, ro, clid};
    sim_order o;
    char err[128] = "";
    if (sim_order_new(e, acct, &r, T0, &o, err, sizeof err) != 0) fail_msg("order rejected: %s", err);
    return o;
}

static const char *place_err(sim_engine *e, const char *sym, const char *side, const char *type, const char *tif,
                             const char *qty, const char *px, const char *clid)
{
    static char err[128];
    sim_order_req r = {sym, side, type, tif, qty, px, false, clid};
    err[0] = 0;
    if (sim_order_new(e, "acct-v", &r, T0, NULL, err, sizeof err) == 0) return NULL;
    return err;
}

static dec_t pos_qty(sim_engine *e, const char *acct, const char *sym)
{
    sim_position p;
    if (sim_positions(e, acct, sym, &p, 1) == 0) return 0;
    return p.qty;
}

static sim_order find(sim_engine *e, const char *acct, int64_t id)
{
    sim_order o;
    assert_int_equal(sim_order_find(e, acct, id, NULL, &o), 0);
    return o;
}

/* ------------------------------------------------------------ matching */

static void test_price_time_priority(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    sim_order a = place(e, "A", "TST-USD", "sell", "limit", "gtc", "1", "101.00", false, "a");
    sim_order b = place(e, "B", "TST-USD", "sell", "limit", "gtc", "1", "101.00", false, "b");
    sim_order c = place(e, "C", "TST-USD", "sell", "limit", "gtc", "1", "100.50", false, "c");
    assert_int_equal(a.status, SIM_OPEN);
    sim_order t = place(e, "T", "TST-USD", "buy", "limit", "gtc", "2.5", "101.00", false, "t");
    assert_int_equal(t.status, SIM_FILLED);
    /* best price first (C), then time priority at 101: A before B */
    assert_int_equal(find(e, "C", c.id).status, SIM_FILLED);
    assert_int_equal(find(e, "A", a.id).status, SIM_FILLED);
    sim_order bb = find(e, "B", b.id);
    assert_int_equal(bb.status, SIM_OPEN);
    assert_true(bb.fill_qty == P("0.5"));
    /* average: (100.50 + 101 + 0.5*101) / 2.5 = 100.8 */
    assert_true(t.fill_avg_price == P("100.8"));
    sim_trade tr[4];
    assert_int_equal(sim_trades_history(e, "T", NULL, tr, 4), 3);
    assert_true(tr[2].price == P("100.50")); /* oldest last */
    assert_false(tr[0].maker);
    /* every execution is also a public trade, taker side */
    sim_public_trade pt[8];
    assert_int_equal(sim_recent_trades(e, "TST-USD", pt, 8), 3);
    assert_int_equal(pt[0].side, SIM_BUY);
    assert_true(pt[0].price == P("101") && pt[0].qty == P("0.5"));
    sim_price px;
    sim_price_get(e, "TST-USD", &px);
    assert_true(px.last == P("101"));
    assert_true(px.best_ask == P("101")); /* B's remainder */
    sim_engine_free(e);
}

static void test_alo(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    place(e, "M", "TST-USD", "sell", "limit", "gtc", "1", "100.20", false, NULL);
    drain(e);
    sim_order x = place(e, "A", "TST-USD", "buy", "limit", "alo", "1", "100.20", false, "x");
    assert_int_equal(x.status, SIM_REJECTED);
    assert_string_equal(x.reason, "alo order rejected");
    assert_true(x.fill_qty == 0);
    sim_event ev;
    assert_int_equal(sim_event_next(e, &ev), 1);
    assert_int_equal(ev.type, SIM_EV_ORDER);
    assert_int_equal(ev.u.order.status, SIM_REJECTED);
    assert_string_equal(ev.account, "A");
    /* also against the synthetic book (ask 110) */
    x = place(e, "A", "TST-USD", "buy", "limit", "alo", "1", "100.10", false, "y");
    assert_int_equal(x.status, SIM_OPEN);
    sim_order oo[4];
    assert_int_equal(sim_open_orders(e, "A", "TST-USD", oo, 4), 1);
    assert_string_equal(oo[0].cl_ord_id, "y");
    x = place(e, "A", "TST-USD", "sell", "limit", "alo", "1", "90.00", false, "z");
    assert_int_equal(x.status, SIM_REJECTED);
    sim_engine_free(e);
}

static void test_ioc(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    place(e, "M", "TST-USD", "sell", "limit", "gtc", "1", "100.20", false, NULL);
    sim_order x = place(e, "A", "TST-USD", "buy", "limit", "ioc", "3", "100.50", false, "x");
    assert_int_equal(x.status, SIM_CANCELED);
    assert_true(x.fill_qty == P("1"));
    assert_int_equal(sim_open_orders(e, "A", NULL, NULL, 0), 0);
    x = place(e, "A", "TST-USD", "buy", "limit", "ioc", "1", "100.00", false, "y");
    assert_int_equal(x.status, SIM_CANCELED);
    assert_true(x.fill_qty == 0);
    assert_int_equal(sim_open_orders(e, "A", NULL, NULL, 0), 0);
    assert_true(pos_qty(e, "A", "TST-USD") == P("1"));
    sim_engine_free(e);
}

static void test_market_order(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    sim_price px;
    assert_int_equal(sim_price_get(e, "BTC-USD", &px), 0);
    assert_true(px.mark == P("65000"));
    assert_true(px.best_ask > px.mark && px.best_bid < px.mark);
    sim_order m = place(e, "A", "BTC-USD", "buy", "market", NULL, "1.5", NULL, false, NULL);
    assert_int_equal(m.status, SIM_FILLED);
    assert_int_equal(m.tif, SIM_IOC);
    assert_true(m.fill_qty == P("1.5"));
    assert_true(m.fill_avg_price >= px.best_ask);
    assert_true(pos_qty(e, "A", "BTC-USD") == P("1.5"));
    assert_int_equal(strlen(m.cl_ord_id), 26); /* generated ULID */
    /* more than the whole synthetic side (5 levels of 0.5..1.5): remainder canceled */
    m = place(e, "B", "BTC-USD", "sell", "market", "ioc", "50", NULL, false, NULL);
    assert_int_equal(m.status, SIM_CANCELED);
    assert_true(m.fill_qty > 0 && m.fill_qty < P("50"));
    sim_engine_free(e);
}

static void test_reduce_only(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    place(e, "A", "TST-USD", "buy", "limit", "ioc", "1", "110.00", false, NULL); /* long 1 vs synthetic */
    assert_true(pos_qty(e, "A", "TST-USD") == P("1"));
    sim_order r1 = place(e, "A", "TST-USD", "sell", "limit", "gtc", "2", "105.00", true, "r1");
    assert_int_equal(r1.status, SIM_OPEN);
    assert_true(r1.qty == P("1")); /* capped to the position */
    sim_order r2 = place(e, "A", "TST-USD", "sell", "limit", "gtc", "1", "106.00", true, "r2");
    assert_int_equal(r2.status, SIM_REJECTED); /* nothing left: r1 covers it */
    assert_string_equal(r2.reason, "reduce only order rejected");
    sim_order r3 = place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "95.00", true, "r3");
    assert_int_equal(r3.status, SIM_REJECTED); /* would increase */
    char err[64];
    assert_int_equal(sim_order_cancel(e, "A", r1.id, NULL, T0, NULL, err, sizeof err), 0);
    /* crossing reduce-only IOC for 3 against a deep synthetic bid: sells only 1 */
    sim_order r4 = place(e, "A", "TST-USD", "sell", "market", "ioc", "3", NULL, true, "r4");
    assert_true(r4.fill_qty == P("1"));
    assert_true(pos_qty(e, "A", "TST-USD") == 0);
    sim_engine_free(e);
}

static void test_validation(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    assert_string_equal(place_err(e, "BTC-USD", "buy", "limit", "gtc", "0.001", "65000.001", NULL),
                        "price not on tick (0.01)");
    assert_string_equal(place_err(e, "BTC-USD", "buy", "limit", "gtc", "0.00015", "65000", NULL),
                        "qty not on lot (step 0.0001)");
    assert_string_equal(place_err(e, "ETH-USD", "buy", "limit", "gtc", "0.0001", "3000", NULL),
                        "qty not on lot (step 0.001)");
    assert_string_equal(place_err(e, "TST-USD", "buy", "limit", "gtc", "0", "100", NULL), "invalid qty");
    sim_engine *e2 = mk_engine("symbols: {SOL-USD: {min_qty: \"0.05\"}}\n");
    assert_string_equal(place_err(e2, "SOL-USD", "buy", "limit", "gtc", "0.04", "150", NULL),
                        "qty below min_order_qty 0.05");
    sim_engine_free(e2);
    assert_string_equal(place_err(e, "BTC-USD", "buy", "limit", "gtc", "101", "65000", NULL),
                        "qty above max_order_qty 100");
    assert_string_equal(place_err(e, "XYZ-USD", "buy", "limit", "gtc", "1", "1", NULL), "unknown symbol");
    assert_string_equal(place_err(e, NULL, "buy", "limit", "gtc", "1", "1", NULL), "symbol is required");
    assert_string_equal(place_err(e, "BTC-USD", "long", "limit", "gtc", "1", "65000", NULL), "invalid side");
    assert_string_equal(place_err(e, "BTC-USD", "buy", "stop", "gtc", "1", "65000", NULL), "invalid order_type");
    assert_string_equal(place_err(e, "BTC-USD", "buy", "limit", "fok", "1", "65000", NULL),
                        "invalid time_in_force");
    assert_string_equal(place_err(e, "BTC-USD", "buy", "limit", "gtc", "1", NULL, NULL),
                        "price is required for limit order");
    assert_string_equal(place_err(e, "BTC-USD", "buy", "limit", "gtc", "1", "abc", NULL), "invalid price");
    assert_string_equal(place_err(e, "BTC-USD", "buy", "limit", "gtc", "1", "10000", NULL), "price out of range");
    assert_null(place_err(e, "BTC-USD", "buy", "limit", "gtc", "0.001", "60000", "dup"));
    assert_string_equal(place_err(e, "BTC-USD", "buy", "limit", "gtc", "0.001", "60000", "dup"),
                        "duplicate cl_ord_id");
    assert_int_equal(sim_event_pending(e) > 0, 1);
    sim_engine_free(e);
}

static void test_partial_then_fill(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    sim_order a = place(e, "A", "TST-USD", "sell", "limit", "gtc", "1", "101.00", false, "a");
    drain(e);
    place(e, "B", "TST-USD", "buy", "limit", "ioc", "0.4", "101.00", false, NULL);
    sim_order x = find(e, "A", a.id);
    assert_int_equal(x.status, SIM_OPEN);
    assert_true(x.fill_qty == P("0.4"));
    /* event sequence for the maker: TRADE, ORDER(open, 0.4), POSITION, BALANCE */
    sim_event ev;
    int seen_trade = 0, seen_order = 0;
    while (sim_event_next(e, &ev)) {
        if (strcmp(ev.account, "A")) continue;
        if (ev.type == SIM_EV_TRADE) {
            assert_true(ev.u.trade.maker);
            assert_true(ev.u.trade.qty == P("0.4"));
            seen_trade = 1;
        }
        if (ev.type == SIM_EV_ORDER) {
            assert_int_equal(seen_trade, 1);
            assert_true(ev.u.order.fill_qty == P("0.4"));
            seen_order = 1;
        }
    }
    assert_int_equal(seen_order, 1);
    char err[64];
    assert_int_equal(sim_admin_force_fill(e, a.id, P("0.1"), T0, err, sizeof err), 0);
    assert_true(find(e, "A", a.id).fill_qty == P("0.5"));
    place(e, "B", "TST-USD", "buy", "limit", "gtc", "0.5", "101.00", false, NULL);
    x = find(e, "A", a.id);
    assert_int_equal(x.status, SIM_FILLED);
    assert_true(x.fill_qty == P("1"));
    assert_true(x.fill_avg_price == P("101"));
    assert_int_equal(sim_open_orders(e, "A", NULL, NULL, 0), 0);
    /* cancel after fill / unknown: within the live profile's 3 s race
     * window the venue answers "order is not open", later "already closed" */
    assert_int_equal(sim_order_cancel(e, "A", a.id, NULL, T0, NULL, err, sizeof err), -1);
    assert_string_equal(err, "order is not open");
    assert_int_equal(sim_order_cancel(e, "A", a.id, NULL, T0 + 4000000, NULL, err, sizeof err), -1);
    assert_string_equal(err, "order already closed");
    assert_int_equal(sim_order_cancel(e, "A", 0, "nope", T0, NULL, err, sizeof err), -1);
    assert_string_equal(err, "order not found");
    assert_int_equal(sim_admin_force_fill(e, a.id, 0, T0, err, sizeof err), -1);
    assert_string_equal(err, "order already closed");
    sim_engine_free(e);
}

static void test_cancel_by_clid_and_history(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    sim_order a = place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "99.00", false, "mm-1");
    place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "98.00", false, "mm-2");
    char err[64];
    sim_order c;
    assert_int_equal(sim_order_cancel(e, "A", 0, "mm-1", T0 + SEC, &c, err, sizeof err), 0);
    assert_int_equal(c.status, SIM_CANCELED);
    assert_true(c.id == a.id);
    /* the cl_ord_id is free again */
    sim_order again = place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "97.00", false, "mm-1");
    sim_order f;
    assert_int_equal(sim_order_find(e, "A", 0, "mm-1", &f), 0);
    assert_true(f.id == again.id); /* the live one */
    sim_order h[8];
    assert_int_equal(sim_orders_history(e, "A", NULL, h, 8), 3);
    assert_true(h[0].id == again.id && h[2].id == a.id);
    /* lagged list still shows the canceled order for 15 s */
    sim_order oo[8];
    assert_int_equal(sim_open_orders(e, "A", NULL, oo, 8), 2);
    assert_int_equal(sim_open_orders_lagged(e, "A", NULL, 15, T0 + 5 * SEC, oo, 8), 3);
    assert_int_equal(oo[2].status, SIM_OPEN);
    assert_int_equal(sim_open_orders_lagged(e, "A", NULL, 15, T0 + 20 * SEC, oo, 8), 2);
    /* depth aggregates user orders with the synthetic levels */
    place(e, "B", "TST-USD", "buy", "limit", "gtc", "2", "98.00", false, NULL);
    sim_depth d;
    assert_int_equal(sim_depth_get(e, "TST-USD", &d), 0);
    assert_true(d.bids[0].price == P("98.00") && d.bids[0].qty == P("3"));
    assert_true(d.bids[1].price == P("97.00"));
    assert_true(d.bids[2].price == P("90.00"));
    assert_int_equal(d.nasks, 3);
    sim_engine_free(e);
}

/* ------------------------------------------------------------ trade-through */

static void test_trade_through(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    sim_order b = place(e, "A", "BTC-USD", "buy", "limit", "gtc", "0.1", "64967.50", false, "b"); /* -5 bps */
    sim_order s = place(e, "A", "BTC-USD", "sell", "limit", "gtc", "0.1", "65100.00", false, "s");
    sim_advance(e, T0 + 2 * SEC);
    assert_int_equal(find(e, "A", b.id).status, SIM_OPEN);
    drain(e);
    assert_int_equal(sim_admin_set_mark(e, "BTC-USD", P("64950"), T0 + 2 * SEC), 0);
    sim_order x = find(e, "A", b.id);
    assert_int_equal(x.status, SIM_FILLED);
    assert_true(x.fill_avg_price == P("64967.50"));
    sim_trade t;
    assert_int_equal(sim_trades_history(e, "A", "BTC-USD", &t, 1), 1);
    assert_true(t.maker);
    assert_true(t.price == P("64967.50"));
    assert_true(t.fee == dec_mul(dec_mul(P("64967.50"), P("0.1")), P("0.0001")));
    assert_int_equal(find(e, "A", s.id).status, SIM_OPEN);
    /* the market moves up through the ask by a scripted jump */
    sim_engine_free(e);
    e = mk_engine("symbols: {BTC-USD: {volatility_bps: 0, trade_rate_per_s: 0}}\n"
                  "events: [{at: 1, type: jump, symbol: BTC-USD, bps: 30}]\n");
    s = place(e, "A", "BTC-USD", "sell", "limit", "gtc", "0.2", "65100.00", false, "s");
    sim_advance(e, T0 + 900 * MS);
    assert_int_equal(find(e, "A", s.id).status, SIM_OPEN);
    sim_advance(e, T0 + 1000 * MS);
    x = find(e, "A", s.id);
    assert_int_equal(x.status, SIM_FILLED);
    assert_true(pos_qty(e, "A", "BTC-USD") == -P("0.2"));
    sim_engine_free(e);
}

static void test_trade_through_partial(void **st)
{
    (void)st;
    sim_engine *e = mk_engine("symbols: {BTC-USD: {volatility_bps: 0, trade_rate_per_s: 0, fill_fraction: 0.3}}\n");
    sim_order b = place(e, "A", "BTC-USD", "buy", "limit", "gtc", "1", "64990.00", false, "b");
    sim_admin_set_mark(e, "BTC-USD", P("64980"), T0);
    sim_order x = find(e, "A", b.id);
    assert_int_equal(x.status, SIM_OPEN);
    assert_true(x.fill_qty >= P("0.15") && x.fill_qty <= P("0.3"));
    for (int i = 1; i <= 100 && find(e, "A", b.id).status == SIM_OPEN; i++) sim_advance(e, T0 + i * 100 * MS);
    x = find(e, "A", b.id);
    assert_int_equal(x.status, SIM_FILLED);
    assert_true(x.fill_avg_price == P("64990"));
    sim_engine_free(e);
}

/* ------------------------------------------------------------ positions, fees */

static void test_position_pnl(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    /* A trades against M's resting orders at chosen prices */
    place(e, "M", "TST-USD", "sell", "limit", "gtc", "1", "100.00", false, NULL);
    place(e, "A", "TST-USD", "buy", "limit", "ioc", "1", "100.00", false, NULL);
    place(e, "M", "TST-USD", "sell", "limit", "gtc", "1", "104.00", false, NULL);
    place(e, "A", "TST-USD", "buy", "limit", "ioc", "1", "104.00", false, NULL);
    sim_position p;
    assert_int_equal(sim_positions(e, "A", "TST-USD", &p, 1), 1);
    assert_true(p.qty == P("2") && p.entry_price == P("102"));
    assert_true(p.upnl == P("-4")); /* mark 100 */
    place(e, "M", "TST-USD", "buy", "limit", "gtc", "1", "106.00", false, NULL);
    place(e, "A", "TST-USD", "sell", "limit", "ioc", "1", "106.00", false, NULL);
    sim_positions(e, "A", "TST-USD", &p, 1);
    assert_true(p.qty == P("1") && p.entry_price == P("102")); /* unchanged on reduce */
    assert_true(p.realized_pnl == P("4"));
    place(e, "M", "TST-USD", "buy", "limit", "gtc", "3", "98.00", false, NULL);
    place(e, "A", "TST-USD", "sell", "limit", "ioc", "3", "98.00", false, NULL);
    sim_positions(e, "A", "TST-USD", &p, 1);
    assert_true(p.qty == P("-2") && p.entry_price == P("98")); /* flipped: reset */
    assert_true(p.realized_pnl == P("0")); /* +4 then -4 */
    assert_true(p.open);
    place(e, "M", "TST-USD", "sell", "limit", "gtc", "2", "97.00", false, NULL);
    place(e, "A", "TST-USD", "buy", "limit", "ioc", "2", "97.00", false, NULL);
    sim_positions(e, "A", "TST-USD", &p, 1);
    assert_true(p.qty == 0 && p.entry_price == 0 && !p.open);
    assert_true(p.realized_pnl == P("2"));
    /* balance = 100000 + realized 2 - taker fees 0.0004 * (100+104+106+294+194) */
    sim_balance b;
    assert_int_equal(sim_balance_get(e, "A", &b), 0);
    dec_t fees = dec_mul(P("798"), P("0.0004"));
    assert_true(b.fees_paid == fees);
    assert_true(b.balance == P("100002") - fees);
    assert_true(b.equity == b.balance && b.upnl == 0);
    /* the maker paid 1 bp on the same notional and holds the mirror position */
    assert_int_equal(sim_balance_get(e, "M", &b), 0);
    assert_true(b.fees_paid == dec_mul(P("798"), P("0.0001")));
    assert_true(b.balance == P("99998") - b.fees_paid);
    sim_engine_free(e);
}

static void test_fees_synthetic(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    sim_order o = place(e, "A", "TST-USD", "buy", "limit", "ioc", "2", "110.00", false, NULL);
    assert_true(o.fill_avg_price == P("110"));
    sim_balance b;
    sim_balance_get(e, "A", &b);
    assert_true(b.balance == P("100000") - P("0.088")); /* 220 * 4 bps */
    assert_true(b.upnl == P("-20"));                    /* marked at 100 */
    assert_true(b.equity == b.balance - P("20"));
    assert_true(b.margin == P("20")); /* 200 / leverage 10 */
    place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "95.00", false, NULL);
    sim_balance_get(e, "A", &b);
    assert_true(b.locked == P("9.5"));
    assert_true(b.available == b.balance - b.margin - b.locked + b.upnl);
    sim_engine_free(e);
}

/* ------------------------------------------------------------ rate limiter */

static void test_rate_limiter(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    int ok = 0;
    for (int i = 0; i < 30; i++) ok += sim_rate_take(e, "A", T0);
    assert_int_equal(ok, 20);
    assert_false(sim_rate_take(e, "A", T0 + 44 * MS));
    assert_true(sim_rate_take(e, "A", T0 + 45 * MS)); /* 45 credits refilled */
    assert_false(sim_rate_take(e, "A", T0 + 46 * MS));
    assert_true(sim_rate_take(e, "B", T0)); /* per account */
    ok = 0;
    for (int i = 0; i < 30; i++) ok += sim_rate_take(e, "A", T0 + 5 * SEC);
    assert_int_equal(ok, 20); /* capped at the burst */
    /* sustained 22 req/s is allowed */
    ok = 0;
    for (int i = 0; i < 220; i++) ok += sim_rate_take(e, "C", T0 + i * 45 * MS);
    assert_int_equal(ok, 220);
    sim_stats s;
    sim_stats_get(e, &s);
    assert_true(s.rate_limited >= 12);
    sim_engine_free(e);
}

/* ------------------------------------------------------------ market model */

static void mark_path(uint64_t seed, int cadence_ms, dec_t *out, int n)
{
    sim_scenario sc;
    sim_scenario_defaults(&sc);
    sc.seed = seed;
    sim_engine *e = sim_engine_new(&sc, T0);
    int64_t t = T0;
    for (int i = 0; i < n; i++) {
        int64_t target = T0 + (int64_t)(i + 1) * SEC;
        while (t < target) {
            t += cadence_ms * MS;
            if (t > target) t = target;
            sim_advance(e, t);
            drain(e);
        }
        sim_price p;
        sim_price_get(e, "BTC-USD", &p);
        out[i] = p.mark;
    }
    sim_engine_free(e);
    sim_scenario_free(&sc);
}

static void test_seed_determinism(void **st)
{
    (void)st;
    enum { N = 60 };
    dec_t a[N], b[N], c[N];
    mark_path(42, 100, a, N);
    mark_path(42, 370, b, N); /* different call cadence, same path */
    mark_path(43, 100, c, N);
    int diff = 0, moved = 0;
    for (int i = 0; i < N; i++) {
        assert_true(a[i] == b[i]);
        diff += a[i] != c[i];
        moved += a[i] != P("65000");
    }
    assert_true(diff > N / 2);
    assert_true(moved > N / 2);
}

static void test_scripted_jump(void **st)
{
    (void)st;
    sim_engine *e = mk_engine("speed: 10\n"
                              "symbols: {BTC-USD: {volatility_bps: 0, trade_rate_per_s: 0},\n"
                              "          ETH-USD: {volatility_bps: 0}}\n"
                              "events:\n"
                              "  - {at: 30, type: jump, symbol: BTC-USD, bps: 80}\n"
                              "  - {at: 40, type: drop_ws}\n"
                              "  - {at: 50, type: stale_feed, duration: 10}\n");
    sim_price p;
    sim_advance(e, T0 + 2990 * MS); /* sim 29.9 s */
    sim_price_get(e, "BTC-USD", &p);
    assert_true(p.mark == P("65000"));
    assert_true(sim_price_get(e, "ETH-USD", &p) == 0 && p.mark == P("3200"));
    sim_advance(e, T0 + 3000 * MS); /* sim 30.0 s */
    sim_price_get(e, "BTC-USD", &p);
    assert_true(p.mark == P("65520")); /* 65000 * 1.008 */
    sim_price_get(e, "ETH-USD", &p);
    assert_true(p.mark == P("3200")); /* other symbol untouched */
    assert_true(sim_time_s(e) > 29.99 && sim_time_s(e) < 30.01);
    drain(e);
    sim_advance(e, T0 + 4000 * MS);
    sim_event ev;
    int faults = 0;
    while (sim_event_next(e, &ev))
        if (ev.type == SIM_EV_FAULT) {
            faults++;
            assert_int_equal(ev.u.fault.s.kind, SIM_K_DROP_WS);
            assert_true(ev.u.fault.start_us == T0 + 4000 * MS);
        }
    assert_int_equal(faults, 1);
    /* stale window 50..60 s sim: no market events queued */
    sim_advance(e, T0 + 5000 * MS);
    drain(e);
    sim_advance(e, T0 + 5500 * MS);
    assert_true(sim_market_stale(e));
    int market = 0;
    while (sim_event_next(e, &ev)) market += ev.type == SIM_EV_PRICE || ev.type == SIM_EV_DEPTH;
    assert_int_equal(market, 0);
    sim_advance(e, T0 + 6100 * MS);
    assert_false(sim_market_stale(e));
    while (sim_event_next(e, &ev)) market += ev.type == SIM_EV_PRICE;
    assert_true(market >= 1);
    sim_engine_free(e);
}

static void test_book_shape(void **st)
{
    (void)st;
    sim_engine *e = mk_engine("symbols: {BTC-USD: {volatility_bps: 0, spread_bps: 2, depth_levels: 10,"
                              " level_step_bps: 1, level_qty: \"1\"}}\n"
                              "events:\n"
                              "  - {at: 1, type: spread_blowout, symbol: BTC-USD, bps: 50, duration: 2}\n"
                              "  - {at: 5, type: depth_drain, symbol: BTC-USD, bps: 5, duration: 2}\n");
    sim_depth d;
    sim_depth_get(e, "BTC-USD", &d);
    assert_int_equal(d.nbids, 10);
    assert_int_equal(d.nasks, 10);
    double spread = dec_bps(d.asks[0].price, d.bids[0].price);
    assert_true(spread >= 1.9 && spread <= 2.2);
    for (int i = 1; i < d.nbids; i++) assert_true(d.bids[i].price < d.bids[i - 1].price);
    for (int i = 0; i < d.nbids; i++) assert_true(d.bids[i].qty >= P("0.5") && d.bids[i].qty <= P("1.5"));
    sim_advance(e, T0 + 1500 * MS);
    sim_depth_get(e, "BTC-USD", &d);
    spread = dec_bps(d.asks[0].price, d.bids[0].price);
    assert_true(spread >= 49.9 && spread <= 50.2);
    sim_advance(e, T0 + 3500 * MS);
    sim_depth_get(e, "BTC-USD", &d);
    assert_true(dec_bps(d.asks[0].price, d.bids[0].price) < 2.2);
    sim_advance(e, T0 + 5500 * MS);
    sim_depth_get(e, "BTC-USD", &d);
    int drained = 0;
    for (int i = 0; i < d.nasks; i++)
        if (dec_bps(d.asks[i].price, P("65000")) <= 5) {
            assert_true(d.asks[i].qty == P("0.0001"));
            drained++;
        } else {
            assert_true(d.asks[i].qty >= P("0.5"));
        }
    assert_true(drained >= 3);
    sim_engine_free(e);
}

static void test_public_trades(void **st)
{
    (void)st;
    sim_engine *e = mk_engine("symbols: {BTC-USD: {trade_rate_per_s: 5}}\n");
    sim_event ev;
    int pt = 0;
    for (int i = 1; i <= 100; i++) {
        sim_advance(e, T0 + i * 100 * MS);
        while (sim_event_next(e, &ev))
            if (ev.type == SIM_EV_PUBLIC_TRADE && !strcmp(ev.symbol, "BTC-USD")) {
                pt++;
                assert_true(ev.u.ptrade.qty > 0);
            }
    }
    assert_true(pt > 20 && pt < 100); /* ~50 expected */
    sim_price p;
    sim_price_get(e, "BTC-USD", &p);
    assert_true(p.last > 0);
    sim_public_trade r[5];
    assert_int_equal(sim_recent_trades(e, "BTC-USD", r, 5), 5);
    assert_true(r[0].id > r[1].id);
    sim_summary s;
    assert_int_equal(sim_summary_get(e, "BTC-USD", &s), 0);
    assert_true(s.volume_24h > 0 && s.high_24h >= s.low_24h);
    sim_engine_free(e);
}

/* ------------------------------------------------------------ scenario loader */

static void test_scenario_errors(void **st)
{
    (void)st;
    sim_scenario sc;
    char err[256];
    assert_int_equal(sim_scenario_load_str("seed: 1\nspeed: 2\nsymbols:\n  BTC-USD:\n    volatilty_bps: 3\n",
                                           "bad.yaml", &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad.yaml:5:"));
    assert_non_null(strstr(err, "unknown key 'volatilty_bps'"));
    sim_scenario_free(&sc);
    assert_int_equal(sim_scenario_load_str("seed: 1\nspeeed: 2\n", "b.yaml", &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "b.yaml:2:1: unknown key 'speeed'"));
    sim_scenario_free(&sc);
    assert_int_equal(sim_scenario_load_str("events:\n  - {at: 3, type: explode}\n", "c.yaml", &sc, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "c.yaml:2:"));
    assert_non_null(strstr(err, "unknown event type 'explode'"));
    sim_scenario_free(&sc);
    assert_int_equal(sim_scenario_load_str("events:\n  - {at: 3, type: jump, bps: 5}\n  - {at: 1, type: jump}\n",
                                           "d.yaml", &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "d.yaml:3:"));
    sim_scenario_free(&sc);
    assert_int_equal(sim_scenario_load_str("speed: fast\n", "e.yaml", &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "e.yaml:1:8: speed: invalid number 'fast'"));
    sim_scenario_free(&sc);
    assert_int_equal(sim_scenario_load_str("seed: [1\n", "f.yaml", &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "f.yaml:"));
    sim_scenario_free(&sc);
    assert_int_equal(sim_scenario_load("/nonexistent/x.yaml", &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/x.yaml"));
    sim_scenario_free(&sc);
    /* a good one: events sorted, defaults filled, switches */
    assert_int_equal(sim_scenario_load_str("events:\n  - {at: 9, type: reject_next}\n  - {at: 2, type: http_error, "
                                           "duration: 1}\nswitches: {auth_ack_code: 200, list_status_new: true}\n",
                                           "g.yaml", &sc, err, sizeof err), 0);
    assert_int_equal(sc.nevents, 2);
    assert_int_equal(sc.events[0].kind, SIM_K_HTTP_ERROR);
    assert_int_equal(sc.events[0].status, 503);
    assert_int_equal(sc.events[1].count, 1);
    assert_string_equal(sc.events[1].message, "rejected by simulator");
    assert_int_equal(sc.sw.auth_ack_code, 200);
    assert_true(sc.sw.list_status_new);
    assert_int_equal(sc.sw.ping_interval_s, 10);
    sim_scenario_free(&sc);
}

static void test_scenario_files(void **st)
{
    (void)st;
    const char *names[] = {"calm", "volatile", "jumpy", "thin-book", "faulty"};
    for (size_t i = 0; i < N_ELEMS(names); i++) {
        char path[256], err[256];
        snprintf(path, sizeof path, "tests/sim/scenarios/%s.yaml", names[i]);
        sim_scenario sc;
        if (sim_scenario_load(path, &sc, err, sizeof err) != 0) fail_msg("%s", err);
        assert_string_equal(sc.name, names[i]);
        assert_true(sc.nsymbols >= 3);
        /* run each for 5 minutes of sim time at 10 s steps, draining events */
        sim_engine *e = sim_engine_new(&sc, T0);
        sim_scenario_free(&sc);
        for (int k = 1; k <= 30; k++) {
            sim_advance(e, T0 + k * 10 * SEC);
            drain(e);
        }
        sim_price p;
        assert_int_equal(sim_price_get(e, "BTC-USD", &p), 0);
        assert_true(p.mark > P("50000") && p.mark < P("80000"));
        assert_true(p.best_bid < p.best_ask);
        sim_engine_free(e);
    }
}

/* A maker quoting 5-10 bps from mark in calm keeps both sides resting most of the time. */
static void test_calm_maker_uptime(void **st)
{
    (void)st;
    sim_scenario sc;
    char err[256];
    if (sim_scenario_load("tests/sim/scenarios/calm.yaml", &sc, err, sizeof err) != 0) fail_msg("%s", err);
    sim_engine *e = sim_engine_new(&sc, T0);
    sim_scenario_free(&sc);
    int both = 0, samples = 0;
    int64_t bid_id = 0, ask_id = 0;
    for (int s = 1; s <= 600; s++) { /* 10 minutes, requote every second */
        int64_t now = T0 + s * SEC;
        sim_advance(e, now);
        drain(e);
        sim_order ob, oa;
        bool bid_ok = bid_id && sim_order_find(e, "MM", bid_id, NULL, &ob) == 0 && ob.status == SIM_OPEN;
        bool ask_ok = ask_id && sim_order_find(e, "MM", ask_id, NULL, &oa) == 0 && oa.status == SIM_OPEN;
        samples++;
        both += bid_ok && ask_ok;
        if (s % 5) continue;
        char er[64], px[32];
        sim_price p;
        sim_price_get(e, "BTC-USD", &p);
        if (bid_ok) sim_order_cancel(e, "MM", bid_id, NULL, now, NULL, er, sizeof er);
        if (ask_ok) sim_order_cancel(e, "MM", ask_id, NULL, now, NULL, er, sizeof er);
        sim_order_req rb = {"BTC-USD", "buy", "limit", "alo", "0.01",
                            dec_fmt(dec_round(dec_mul_f(p.mark, 1 - 7e-4), P("0.01"), DEC_FLOOR), 2, px, sizeof px),
                            false, NULL};
        sim_order o;
        assert_int_equal(sim_order_new(e, "MM", &rb, now, &o, er, sizeof er), 0);
        bid_id = o.id;
        sim_order_req ra = {"BTC-USD", "sell", "limit", "alo", "0.01",
                            dec_fmt(dec_round(dec_mul_f(p.mark, 1 + 7e-4), P("0.01"), DEC_CEIL), 2, px, sizeof px),
                            false, NULL};
        assert_int_equal(sim_order_new(e, "MM", &ra, now, &o, er, sizeof er), 0);
        ask_id = o.id;
        drain(e);
    }
    assert_true(both * 100 / samples >= 90);
    sim_engine_free(e);
}

static void test_reject_next_and_leverage(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    sim_admin_reject_next(e, 2, "maintenance");
    sim_order a = place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "95.00", false, NULL);
    sim_order b = place(e, "B", "TST-USD", "buy", "limit", "gtc", "1", "95.00", false, NULL);
    sim_order c = place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "95.00", false, NULL);
    assert_int_equal(a.status, SIM_REJECTED);
    assert_string_equal(a.reason, "maintenance");
    assert_int_equal(b.status, SIM_REJECTED);
    assert_int_equal(c.status, SIM_OPEN);
    char err[64];
    assert_int_equal(sim_set_leverage(e, "A", "TST-USD", 5, err, sizeof err), 0);
    assert_int_equal(sim_set_leverage(e, "A", "TST-USD", 500, err, sizeof err), -1);
    assert_string_equal(err, "invalid leverage");
    int lev = 0;
    const char *mode = NULL;
    assert_int_equal(sim_get_leverage(e, "A", "TST-USD", &lev, &mode), 0);
    assert_int_equal(lev, 5);
    assert_string_equal(mode, "cross");
    assert_int_equal(sim_account_count(e), 2);
    assert_true(sim_account_exists(e, "B") && !sim_account_exists(e, "Z"));
    const sim_symbol *s = sim_symbol_get(e, "BTC-USD");
    assert_non_null(s);
    assert_string_equal(s->status, "trading");
    assert_string_equal(s->base, "BTC");
    assert_int_equal(s->cfg.qty_decimals, 4);
    assert_true(s->cfg.taker_fee == P("0.0004"));
    sim_engine_free(e);
}


static void test_repeating_faults(void **st)
{
    (void)st;
    sim_engine *e = mk_engine("speed: 2\n"
                              "events:\n"
                              "  - {at: 10, every: 10, until: 40, type: http_error, status: 502, duration: 4}\n"
                              "  - {at: 5, type: reject_next, count: 1, message: nope}\n");
    sim_event ev;
    int n = 0;
    int64_t first_start = 0, first_end = 0;
    for (int i = 1; i <= 300; i++) {
        sim_advance(e, T0 + i * 100 * MS); /* 30 s wall = 60 s sim */
        while (sim_event_next(e, &ev)) {
            if (ev.type != SIM_EV_FAULT || ev.u.fault.s.kind != SIM_K_HTTP_ERROR) continue;
            if (!n++) {
                first_start = ev.u.fault.start_us;
                first_end = ev.u.fault.end_us;
            }
            assert_int_equal(ev.u.fault.s.status, 502);
        }
    }
    assert_int_equal(n, 4); /* 10, 20, 30, 40 */
    assert_true(first_start == T0 + 5 * SEC); /* sim 10 s at speed 2 */
    assert_true(first_end == T0 + 7 * SEC);   /* 4 sim s = 2 wall s */
    /* reject_next fired at sim 5 s */
    sim_order o = place(e, "A", "BTC-USD", "buy", "limit", "gtc", "0.01", "60000", false, NULL);
    assert_int_equal(o.status, SIM_REJECTED);
    assert_string_equal(o.reason, "nope");
    o = place(e, "A", "BTC-USD", "buy", "limit", "gtc", "0.01", "60000", false, NULL);
    assert_int_equal(o.status, SIM_OPEN);
    sim_engine_free(e);
}

static void test_reduce_only_maker_canceled(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    place(e, "A", "TST-USD", "buy", "limit", "ioc", "1", "110.00", false, NULL); /* long 1 */
    sim_order r = place(e, "A", "TST-USD", "sell", "limit", "gtc", "1", "105.00", true, "r");
    assert_int_equal(r.status, SIM_OPEN);
    place(e, "A", "TST-USD", "sell", "market", "ioc", "1", NULL, false, NULL); /* flat now */
    assert_true(pos_qty(e, "A", "TST-USD") == 0);
    /* a taker reaching the stale reduce-only order cancels it instead of flipping A */
    sim_order t = place(e, "B", "TST-USD", "buy", "limit", "ioc", "1", "105.00", false, NULL);
    assert_true(t.fill_qty == 0);
    sim_order x = find(e, "A", r.id);
    assert_int_equal(x.status, SIM_CANCELED);
    assert_string_equal(x.reason, "reduce only order canceled");
    assert_true(pos_qty(e, "A", "TST-USD") == 0);
    sim_engine_free(e);
}

static void test_taker_event_order(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    drain(e);
    place(e, "A", "TST-USD", "buy", "limit", "gtc", "10", "110.00", false, "big"); /* level 110: 2.5..7.5 */
    sim_event ev;
    sim_ev_type seq[64];
    int n = 0;
    while (sim_event_next(e, &ev) && n < 64)
        if (!strcmp(ev.account, "A")) seq[n++] = ev.type;
    /* ORDER(open), then per fill TRADE ORDER POSITION BALANCE, then BALANCE after resting */
    assert_true(n >= 6);
    assert_int_equal(seq[0], SIM_EV_ORDER);
    assert_int_equal(seq[1], SIM_EV_TRADE);
    assert_int_equal(seq[2], SIM_EV_ORDER);
    assert_int_equal(seq[3], SIM_EV_POSITION);
    assert_int_equal(seq[4], SIM_EV_BALANCE);
    assert_int_equal(seq[n - 1], SIM_EV_BALANCE);
    sim_order o;
    assert_int_equal(sim_order_find(e, "A", 0, "big", &o), 0);
    assert_int_equal(o.status, SIM_OPEN); /* remainder rests at 110 */
    assert_true(o.fill_qty >= P("2.5") && o.fill_qty <= P("7.5"));
    sim_engine_free(e);
}

static void test_max_open_orders(void **st)
{
    (void)st;
    sim_engine *e = mk_engine("symbols: {TST-USD: {mark: \"100\", price_decimals: 2, qty_decimals: 2, min_qty: \"0.01\","
                              " spread_bps: 2000, max_open_orders: 3}}\n");
    for (int i = 0; i < 3; i++) place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "95.00", false, NULL);
    sim_order_req r = {"TST-USD", "buy", "limit", "gtc", "1", "95.00", false, NULL};
    char err[64];
    assert_int_equal(sim_order_new(e, "A", &r, T0, NULL, err, sizeof err), -1);
    assert_string_equal(err, "max open orders exceeded");
    r.time_in_force = "ioc"; /* an IOC never rests: allowed */
    assert_int_equal(sim_order_new(e, "A", &r, T0, NULL, err, sizeof err), 0);
    assert_int_equal(sim_order_new(e, "B", &(sim_order_req){"TST-USD", "buy", "limit", "gtc", "1", "95.00", false, NULL},
                                   T0, NULL, err, sizeof err), 0);
    sim_order buf[2];
    assert_int_equal(sim_open_orders(e, "A", "TST-USD", buf, 2), 3); /* total, 2 copied */
    sim_engine_free(e);
}

/* ------------------------------------------------------------ live profile */

static void test_profile_switches(void **st)
{
    (void)st;
    sim_scenario sc;
    char err[256] = "";
    sim_scenario_defaults(&sc);
    assert_int_equal(sc.profile, SIM_PROFILE_DEFAULT);
    sim_scenario_set_profile(&sc, SIM_PROFILE_IDEAL);
    assert_true(sc.sw.open_orders_lag_s == 0 && sc.sw.open_orders_new_lag_s == 0);
    assert_true(sc.sw.alo_reject_on_account_stream);
    assert_int_equal(sc.sw.ip_rps + sc.sw.ip_ws_max + sc.sw.ip_ws_new_per_min, 0);
    assert_true(sc.sw.market_hz == 0 && sc.sw.cancel_race_s == 0 && !sc.sw.cl_ord_id_strict);
    assert_int_equal(sc.sw.cl_ord_id_max, SIM_CLID_MAX - 1);
    assert_int_equal(sc.sw.symbol_info_fields, SIM_SYMINFO_BOTH);
    assert_true(sc.symbols[0].depth_step == 0);
    sim_scenario_free(&sc);
    assert_int_equal(sim_scenario_load_str("profile: live\nswitches: {ip_rps: 7, symbol_info_fields: enabled}\n"
                                           "symbols: {ETH-USD: {depth_step: \"0.5\"}}\n", "l.yaml", &sc, err,
                                           sizeof err), 0);
    assert_int_equal(sc.profile, SIM_PROFILE_LIVE);
    assert_true(sc.sw.open_orders_lag_s == 15 && sc.sw.open_orders_new_lag_s == 1.5);
    assert_false(sc.sw.alo_reject_on_account_stream);
    assert_int_equal(sc.sw.ip_rps, 7);                          /* named: kept */
    assert_int_equal(sc.sw.ip_ws_max, 10);
    assert_int_equal(sc.sw.ip_ws_new_per_min, 30);
    assert_true(sc.sw.market_hz == 2 && sc.sw.cancel_race_s == 3 && sc.sw.cl_ord_id_strict);
    assert_int_equal(sc.sw.cl_ord_id_max, 32);
    assert_int_equal(sc.sw.symbol_info_fields, SIM_SYMINFO_ENABLED);
    assert_true(sc.symbols[0].depth_step == P("1"));           /* BTC: whole dollars */
    assert_true(sc.symbols[1].depth_step == P("0.5"));         /* named */
    assert_true(sc.symbols[2].depth_step == 0);                 /* SOL: the tick */
    sim_scenario_set_profile(&sc, SIM_PROFILE_IDEAL);          /* --profile ideal */
    assert_int_equal(sc.sw.ip_rps, 7);
    assert_int_equal(sc.sw.ip_ws_max, 0);
    assert_true(sc.sw.alo_reject_on_account_stream && sc.symbols[0].depth_step == 0);
    assert_true(sc.symbols[1].depth_step == P("0.5"));
    sim_scenario_free(&sc);
    const char *bad[] = {"profile: fast\n", "switches: {symbol_info_fields: maybe}\n",
                         "switches: {cl_ord_id_max: 64}\n", "switches: {ip_rps: -1}\n",
                         "switches: {cl_ord_id_charset: ascii}\n", "symbols: {BTC-USD: {depth_step: \"0.001\"}}\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sim_scenario_load_str(bad[i], "b.yaml", &sc, err, sizeof err), -1);
        sim_scenario_free(&sc);
    }
}

static void test_live_open_orders_view(void **st)
{
    (void)st;
    sim_engine *e = mk_engine(TEST_YAML);
    sim_order buf[4];
    sim_order o = place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "95.00", false, "lag-1");
    assert_int_equal(sim_open_orders_view(e, "A", NULL, 0, 0, T0, buf, 4), 1);       /* ideal */
    assert_int_equal(sim_open_orders_view(e, "A", NULL, 15, 1.5, T0 + SEC, buf, 4), 0); /* too new */
    assert_int_equal(sim_open_orders_view(e, "A", NULL, 15, 1.5, T0 + 2 * SEC, buf, 4), 1);
    char err[64];
    assert_int_equal(sim_order_cancel(e, "A", o.id, NULL, T0 + 2 * SEC, NULL, err, sizeof err), 0);
    assert_int_equal(sim_open_orders_view(e, "A", NULL, 0, 0, T0 + 3 * SEC, buf, 4), 0);
    assert_int_equal(sim_open_orders_view(e, "A", NULL, 15, 1.5, T0 + 10 * SEC, buf, 4), 1); /* lingers */
    assert_int_equal(buf[0].status, SIM_OPEN);
    assert_int_equal(buf[0].id, o.id);
    assert_int_equal(sim_open_orders_view(e, "A", "BTC-USD", 15, 1.5, T0 + 10 * SEC, buf, 4), 0);
    assert_int_equal(sim_open_orders_view(e, "A", NULL, 15, 1.5, T0 + 18 * SEC, buf, 4), 0);
    sim_engine_free(e);
}

static void test_live_cl_ord_id(void **st)
{
    (void)st;
    char id33[34], id63[64], id64[65];
    memset(id33, 'a', 33); id33[33] = 0;
    memset(id63, 'b', 63); id63[63] = 0;
    memset(id64, 'c', 64); id64[64] = 0;
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "profile: ideal\n%s", TEST_YAML);
    sim_engine *e = mk_engine(yaml);
    assert_null(place_err(e, "TST-USD", "buy", "limit", "gtc", "1", "95.00", id63));
    assert_null(place_err(e, "TST-USD", "buy", "limit", "gtc", "1", "95.00", "a b!"));
    assert_string_equal(place_err(e, "TST-USD", "buy", "limit", "gtc", "1", "95.00", id64),
                        "cl_ord_id too long (max 63 characters)");
    sim_engine_free(e);
    snprintf(yaml, sizeof yaml, "profile: live\n%s", TEST_YAML);
    e = mk_engine(yaml);
    assert_string_equal(place_err(e, "TST-USD", "buy", "limit", "gtc", "1", "95.00", id33),
                        "cl_ord_id too long (max 32 characters)");
    id33[32] = 0;
    assert_null(place_err(e, "TST-USD", "buy", "limit", "gtc", "1", "95.00", id33));
    assert_null(place_err(e, "TST-USD", "buy", "limit", "gtc", "1", "95.00", "mm_0A.b-9"));
    assert_string_equal(place_err(e, "TST-USD", "buy", "limit", "gtc", "1", "95.00", "a b!"),
                        "cl_ord_id has invalid characters (allowed: A-Z a-z 0-9 . _ -)");
    assert_non_null(place_err(e, "TST-USD", "buy", "limit", "gtc", "1", "95.00", "caf\xc3\xa9"));
    sim_engine_free(e);
}

static void test_live_cancel_race(void **st)
{
    (void)st;
    char ideal[1024], yaml[1024], err[64];
    snprintf(ideal, sizeof ideal, "profile: ideal\n%s", TEST_YAML);
    snprintf(yaml, sizeof yaml, "profile: live\n%s", TEST_YAML);
    const char *yamls[] = {ideal, yaml};
    for (int live = 0; live < 2; live++) {
        sim_engine *e = mk_engine(yamls[live]);
        sim_order o = place(e, "A", "TST-USD", "buy", "limit", "gtc", "1", "95.00", false, "race");
        assert_int_equal(sim_admin_force_fill(e, o.id, 0, T0 + SEC, err, sizeof err), 0);
        assert_int_equal(sim_order_cancel(e, "A", o.id, NULL, T0 + 2 * SEC, NULL, err, sizeof err), -1);
        assert_string_equal(err, live ? "order is not open" : "order already closed");
        assert_int_equal(sim_order_cancel(e, "A", 0, "race", T0 + 10 * SEC, NULL, err, sizeof err), -1);
        assert_string_equal(err, "order already closed");
        assert_int_equal(sim_order_cancel(e, "A", 999, NULL, T0 + 2 * SEC, NULL, err, sizeof err), -1);
        assert_string_equal(err, "order not found");
        sim_engine_free(e);
    }
}

static void test_depth_aggregate(void **st)
{
    (void)st;
    sim_depth *d = calloc(1, sizeof *d);
    assert_non_null(d);
    const char *bp[] = {"100.50", "100.20", "99.99", "98.00"}, *ap[] = {"100.01", "100.99", "101.00", "101.02"};
    for (int i = 0; i < 4; i++) {
        d->bids[i] = (sim_level){P(bp[i]), P("1")};
        d->asks[i] = (sim_level){P(ap[i]), P("2")};
    }
    d->nbids = d->nasks = 4;
    sim_depth_aggregate(d, 0);   /* no-op */
    assert_int_equal(d->nbids, 4);
    sim_depth_aggregate(d, P("1"));
    assert_int_equal(d->nbids, 3);
    assert_true(d->bids[0].price == P("100") && d->bids[0].qty == P("2"));
    assert_true(d->bids[1].price == P("99") && d->bids[1].qty == P("1"));
    assert_true(d->bids[2].price == P("98"));
    assert_int_equal(d->nasks, 2);
    assert_true(d->asks[0].price == P("101") && d->asks[0].qty == P("6"));
    assert_true(d->asks[1].price == P("102") && d->asks[1].qty == P("2"));
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_price_time_priority),
        cmocka_unit_test(test_alo),
        cmocka_unit_test(test_ioc),
        cmocka_unit_test(test_market_order),
        cmocka_unit_test(test_reduce_only),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_partial_then_fill),
        cmocka_unit_test(test_cancel_by_clid_and_history),
        cmocka_unit_test(test_trade_through),
        cmocka_unit_test(test_trade_through_partial),
        cmocka_unit_test(test_position_pnl),
        cmocka_unit_test(test_fees_synthetic),
        cmocka_unit_test(test_rate_limiter),
        cmocka_unit_test(test_seed_determinism),
        cmocka_unit_test(test_scripted_jump),
        cmocka_unit_test(test_book_shape),
        cmocka_unit_test(test_public_trades),
        cmocka_unit_test(test_scenario_errors),
        cmocka_unit_test(test_scenario_files),
        cmocka_unit_test(test_calm_maker_uptime),
        cmocka_unit_test(test_reject_next_and_leverage),
        cmocka_unit_test(test_repeating_faults),
        cmocka_unit_test(test_reduce_only_maker_canceled),
        cmocka_unit_test(test_taker_event_order),
        cmocka_unit_test(test_max_open_orders),
        cmocka_unit_test(test_profile_switches),
        cmocka_unit_test(test_live_open_orders_view),
        cmocka_unit_test(test_live_cl_ord_id),
        cmocka_unit_test(test_live_cancel_race),
        cmocka_unit_test(test_depth_aggregate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
