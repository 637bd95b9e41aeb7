/* Unit tests: quote pricing, sizing, re-quote rules and cl_ord_ids (daemon/engine/strategy.c). */
#include "testutil.h"

#include <math.h>

#include "config.h"
#include "requote.h"
#include "strategy.h"

static void btc(struct sym_info *si)
{
    memset(si, 0, sizeof *si);
    strcpy(si->symbol, "BTC-USD");
    si->price_decimals = 2;
    si->qty_decimals = 4;
    si->tick = P("0.01");
    si->lot = P("0.0001");
    si->min_qty = P("0.0001");
    si->max_qty = P("100");
    si->trading = true;
}

static void cfg(struct cfg_task *c, enum risk_level l)
{
    cfg_task_init(c, l);
    strcpy(c->id, "t1");
    strcpy(c->symbol, "BTC-USD");
    c->base_qty = P("0.01");
    c->tiers = 3;
}

static void expect_px(enum risk_level l, int tier, const char *mark, const char *bid, const char *ask)
{
    struct cfg_task c;
    struct sym_info si;
    cfg(&c, l);
    btc(&si);
    struct strat_quote q;
    strat_quote(&c, &si, tier, SIDE_BUY, P(mark), 0, 0, &q);
    assert_true(q.ok);
    char b[32];
    assert_string_equal(dec_fmt(q.price, 2, b, sizeof b), bid);
    strat_quote(&c, &si, tier, SIDE_SELL, P(mark), 0, 0, &q);
    assert_true(q.ok);
    assert_string_equal(dec_fmt(q.price, 2, b, sizeof b), ask);
}

/* Bands by level (mmd.yaml(5)): conservative 5-10/10-15/15-20, moderate
 * 2.5-8.5/6-14/12-20, aggressive 0-5/5-10/10-20 bps; quotes at the middle,
 * bids floored, asks ceiled. */
static void test_tier_prices_each_level(void **st)
{
    (void)st;
    expect_px(RISK_CONSERVATIVE, 0, "100000.37", "99925.36", "100075.38");
    expect_px(RISK_CONSERVATIVE, 1, "100000.37", "99875.36", "100125.38");
    expect_px(RISK_CONSERVATIVE, 2, "100000.37", "99825.36", "100175.38");
    expect_px(RISK_MODERATE, 0, "100000.37", "99945.36", "100055.38");
    expect_px(RISK_MODERATE, 1, "100000.37", "99900.36", "100100.38");
    expect_px(RISK_MODERATE, 2, "100000.37", "99840.36", "100160.38");
    expect_px(RISK_AGGRESSIVE, 0, "100000.37", "99975.36", "100025.38");
    expect_px(RISK_AGGRESSIVE, 1, "100000.37", "99925.36", "100075.38");
    expect_px(RISK_AGGRESSIVE, 2, "100000.37", "99850.36", "100150.38");
    /* exactly on the tick: no spurious extra tick */
    expect_px(RISK_CONSERVATIVE, 0, "100000.00", "99925.00", "100075.00");
}

static void test_never_touch_opposite(void **st)
{
    (void)st;
    struct cfg_task c;
    struct sym_info si;
    cfg(&c, RISK_AGGRESSIVE);
    btc(&si);
    c.bands[0].min_bps = 0;
    c.bands[0].max_bps = 0;   /* would quote AT the mark */
    char b[32];
    dec_t mark = P("100000.00");
    /* touch 99999.99 / 100000.00: the bid may not touch the ask */
    dec_t bid = strat_tier_price(&c, &si, 0, SIDE_BUY, mark, P("99999.99"), P("100000.00"));
    assert_string_equal(dec_fmt(bid, 2, b, 32), "99999.99");
    /* touch 100000.00 / 100000.01: the ask may not touch the bid */
    dec_t ask = strat_tier_price(&c, &si, 0, SIDE_SELL, mark, P("100000.00"), P("100000.01"));
    assert_string_equal(dec_fmt(ask, 2, b, 32), "100000.01");
    /* a normal band with the book far away is not moved */
    cfg(&c, RISK_CONSERVATIVE);
    bid = strat_tier_price(&c, &si, 0, SIDE_BUY, mark, P("99999.99"), P("100000.01"));
    assert_string_equal(dec_fmt(bid, 2, b, 32), "99925.00");
    /* book moved through our bid: bid goes to best_ask - tick */
    bid = strat_tier_price(&c, &si, 0, SIDE_BUY, mark, P("99900.00"), P("99910.00"));
    assert_string_equal(dec_fmt(bid, 2, b, 32), "99909.99");
    ask = strat_tier_price(&c, &si, 0, SIDE_SELL, mark, P("100080.00"), P("100090.00"));
    assert_string_equal(dec_fmt(ask, 2, b, 32), "100080.01");
}

static void test_sizes(void **st)
{
    (void)st;
    struct cfg_task c;
    struct sym_info si;
    cfg(&c, RISK_CONSERVATIVE);
    btc(&si);
    c.base_qty = P("0.00333");
    char why[128] = "", b[32];
    assert_string_equal(dec_str(strat_tier_qty(&c, &si, 0, why, sizeof why), b, 32), "0.0033");
    assert_string_equal(dec_str(strat_tier_qty(&c, &si, 1, why, sizeof why), b, 32), "0.0049");
    assert_string_equal(dec_str(strat_tier_qty(&c, &si, 2, why, sizeof why), b, 32), "0.0066");
    /* below min qty: skipped with a reason */
    si.min_qty = P("0.005");
    assert_true(strat_tier_qty(&c, &si, 0, why, sizeof why) == 0);
    assert_non_null(strstr(why, "tier 1 skipped"));
    struct strat_quote q;
    strat_quote(&c, &si, 0, SIDE_BUY, P("100000"), 0, 0, &q);
    assert_false(q.ok);
    assert_non_null(strstr(q.why, "below min qty"));
    strat_quote(&c, &si, 1, SIDE_BUY, P("100000"), 0, 0, &q);
    assert_false(q.ok);
    strat_quote(&c, &si, 2, SIDE_BUY, P("100000"), 0, 0, &q);
    assert_true(q.ok);
}

/* Shifted targets stay a quarter of the band inside each edge; the skew is
 * proportional to position / limit, capped at the limit, off by default. */
static void test_shift_widen_skew(void **st)
{
    (void)st;
    struct cfg_task c;
    cfg(&c, RISK_MODERATE);       /* tier 1 [2.5, 8.5], limit 25000 USD */
    assert_true(fabs(strat_shifted_bps(&c, 0, 0) - 5.5) < 1e-9);
    assert_true(fabs(strat_shifted_bps(&c, 0, 1) - 6.5) < 1e-9);
    assert_true(fabs(strat_shifted_bps(&c, 0, 5) - 7.0) < 1e-9);     /* 8.5 - 6/4 */
    assert_true(fabs(strat_shifted_bps(&c, 0, -5) - 4.0) < 1e-9);    /* 2.5 + 6/4 */
    assert_true(fabs(strat_widen_bps(&c, 0) - 1.5) < 1e-9);
    assert_true(strat_skew_bps(&c, SIDE_BUY, P("0.1"), P("100000")) == 0);   /* off */
    c.inventory_skew_bps = 2;
    assert_true(fabs(strat_skew_bps(&c, SIDE_BUY, P("0.125"), P("100000")) - 1.0) < 1e-9);
    assert_true(fabs(strat_skew_bps(&c, SIDE_SELL, P("0.125"), P("100000")) + 1.0) < 1e-9);
    assert_true(fabs(strat_skew_bps(&c, SIDE_SELL, P("-1"), P("100000")) - 2.0) < 1e-9);   /* capped */
    assert_true(strat_skew_bps(&c, SIDE_SELL, 0, P("100000")) == 0);
    c.max_position_usd = 0;
    assert_true(strat_skew_bps(&c, SIDE_SELL, P("-1"), P("100000")) == 0);
    /* the rest bias: moderate tier 1 [2.5, 8.5] has 1.5 bps of room to 10:
     * 0.75 bps out (6.25); tier 2 [6, 14] none; aggressive [0, 5]: a quarter, 1.25;
     * conservative [5, 10]: none */
    assert_true(fabs(strat_rest_bias_bps(&c, 0) - 0.75) < 1e-9);
    assert_true(strat_rest_bias_bps(&c, 1) == 0);
    cfg(&c, RISK_AGGRESSIVE);
    assert_true(fabs(strat_rest_bias_bps(&c, 0) - 1.25) < 1e-9);
    cfg(&c, RISK_CONSERVATIVE);
    assert_true(strat_rest_bias_bps(&c, 0) == 0);
}

/* What the strategy's old re-quote check (strat_needs_requote, replaced by
 * the table) asserted, through the table with min_rest_s 0. */
static bool needs_requote(const struct cfg_task *c, enum side side, dec_t price, dec_t placed, dec_t mark,
                          char *why, size_t len)
{
    struct rq_quote q = {0, side, price, placed, 0};
    struct rq_decision d;
    rq_decide(c, &q, mark, 0, &d);
    snprintf(why, len, "%s", d.why);
    return d.replace;
}

static void test_requote_drift_and_band(void **st)
{
    (void)st;
    struct cfg_task c;
    cfg(&c, RISK_CONSERVATIVE);
    c.min_rest_s = 0;
    c.requote_drift_bps = 5;
    c.bands[0].min_bps = 0;   /* wide band: only the drift rule can fire */
    c.bands[0].max_bps = 30;
    char why[160];
    dec_t placed = P("100000"), bid = P("99850.00"), ask = P("100150.00");
    /* 4.9 bps drift: stays; 5.1 bps: re-quote */
    assert_false(needs_requote(&c, SIDE_BUY, bid, placed, P("100049"), why, sizeof why));
    assert_true(needs_requote(&c, SIDE_BUY, bid, placed, P("100051"), why, sizeof why));
    assert_non_null(strstr(why, "drift"));
    assert_false(needs_requote(&c, SIDE_SELL, ask, placed, P("99951"), why, sizeof why));
    assert_true(needs_requote(&c, SIDE_SELL, ask, placed, P("99949"), why, sizeof why));
    /* band exit without drift rule: a huge drift threshold, quote drifts out of [5,10] */
    cfg(&c, RISK_CONSERVATIVE);
    c.min_rest_s = 0;
    c.requote_drift_bps = 1000;
    bid = P("99925.00");
    assert_false(needs_requote(&c, SIDE_BUY, bid, placed, P("99980"), why, sizeof why));
    assert_true(needs_requote(&c, SIDE_BUY, bid, placed, P("99970"), why, sizeof why));
    assert_non_null(strstr(why, "inner edge"));
    assert_true(needs_requote(&c, SIDE_BUY, bid, placed, P("100101"), why, sizeof why));
    assert_non_null(strstr(why, "outside band"));
    /* a bid above the mark is on the wrong side; the same price as an ask is in band */
    assert_true(needs_requote(&c, SIDE_BUY, P("100075"), placed, P("100000"), why, sizeof why));
    assert_non_null(strstr(why, "wrong side"));
    assert_false(needs_requote(&c, SIDE_SELL, P("100075"), placed, P("100000"), why, sizeof why));
}

static void test_cloid(void **st)
{
    (void)st;
    char tag[CLOID_TAG_MAX + 1], ses[16], id[CLOID_MAX];
    strat_cloid_tag("btc-mm", tag, sizeof tag);
    assert_string_equal(tag, "btc-mm");
    strat_session36(1764000000000LL, 0, ses, sizeof ses);
    assert_string_equal(ses, "midc1z4000");         /* base36 milliseconds + 2 salt characters */
    assert_int_equal(strat_cloid(id, sizeof id, tag, ses, 42), 0);
    assert_string_equal(id, "btc-mm-midc1z4000-16");
    assert_true(strat_cloid_ours("btc-mm", id));
    assert_false(strat_cloid_ours("btc", id));        /* "btc" must not claim "btc-mm" ids */
    assert_false(strat_cloid_ours("btc-mm-midc1z4000", id));
    assert_false(strat_cloid_ours("btc-mm", "btc-mm-"));
    assert_false(strat_cloid_ours("btc-mm", "btc-mm-midc1z4000-"));
    assert_false(strat_cloid_ours("btc-mm", "btc-mm-T6-1"));
    assert_false(strat_cloid_ours("btc-mm", "manual-order"));
    assert_false(strat_cloid_ours("btc-mm", NULL));
    assert_int_equal(strat_cloid(id, 8, "btc-mm", ses, 42), -1);
}

/* Hostile finding F5 and the live venue's length bound: every valid task id
 * (up to 32 characters of [A-Za-z0-9_.-]) gives ids of at most 32 characters
 * whose tag is the task's at every start; two starts in the same second (or
 * millisecond, with another salt) never share a session part. */
static void test_cloid_short_and_unique(void **st)
{
    (void)st;
    const char *ids[] = {"a", "btc-mm", "twelve-chars", "thirteen-char", "has.dot",
                         "a-very-long-task-id-of-32-chars.", "a-very-long-task-id-of-32-chars_"};
    char tag[CLOID_TAG_MAX + 1], tag2[CLOID_TAG_MAX + 1], ses[16], id[CLOID_MAX];
    strat_session36(4102444800000LL, 1295, ses, sizeof ses);   /* year 2100, largest salt */
    for (size_t i = 0; i < N_ELEMS(ids); i++) {
        strat_cloid_tag(ids[i], tag, sizeof tag);
        assert_true(strlen(tag) <= CLOID_TAG_MAX);
        strat_cloid_tag(ids[i], tag2, sizeof tag2);
        assert_string_equal(tag, tag2);                           /* the same at every start */
        assert_int_equal(strat_cloid(id, sizeof id, tag, ses, 2176782335ULL), 0);   /* "zzzzzz" */
        assert_true(strlen(id) <= CLOID_LIMIT);
        assert_true(strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == strlen(id));
        assert_true(strat_cloid_ours(tag, id));
    }
    strat_cloid_tag(ids[5], tag, sizeof tag);
    strat_cloid_tag(ids[6], tag2, sizeof tag2);
    assert_string_not_equal(tag, tag2);                           /* same first 7, other hash */
    char s1[16], s2[16], s3[16];
    strat_session36(1764000000123LL, 7, s1, sizeof s1);
    strat_session36(1764000000900LL, 7, s2, sizeof s2);             /* same second */
    strat_session36(1764000000123LL, 8, s3, sizeof s3);             /* same millisecond */
    assert_string_not_equal(s1, s2);
    assert_string_not_equal(s1, s3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tier_prices_each_level),
        cmocka_unit_test(test_never_touch_opposite),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_requote_drift_and_band),
        cmocka_unit_test(test_shift_widen_skew),
        cmocka_unit_test(test_cloid),
        cmocka_unit_test(test_cloid_short_and_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
