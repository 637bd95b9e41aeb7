/* Unit tests: risk guards, Safe/Caution/Halt, the verdict and the one
 * position-limit rule (daemon/engine/risk.c). */
#include "testutil.h"

#include "config.h"
#include "risk.h"

#define S 1000000LL

static struct cfg_task C;
static struct md_snapshot M;
static struct risk R;
static const struct risk_pos FLAT = {.position = 0, .resting_buy = 0, .resting_sell = 0, .next_qty = 0};

/* conservative: jump 5 bps, depth 10000 USD, 3 fills/min, spread 20 bps,
 * stale 3000 ms, cooldown 60 s, position 10000 USD; resume_calm_s 0 (the
 * fixed cooldown; test_resume_hysteresis covers resume_calm_s) */
static int setup(void **st)
{
    (void)st;
    cfg_task_init(&C, RISK_CONSERVATIVE);
    C.resume_calm_s = 0;
    strcpy(C.symbol, "BTC-USD");
    memset(&M, 0, sizeof M);
    strcpy(M.symbol, "BTC-USD");
    M.mark = P("100000");
    M.best_bid = P("99999");
    M.best_ask = P("100001");
    M.n_bids = M.n_asks = 2;
    M.bids[0].px = P("99999");
    M.bids[0].qty = P("1");      /* 99999 USD within 10 bps */
    M.bids[1].px = P("99800");   /* 20 bps away: not counted */
    M.bids[1].qty = P("50");
    M.asks[0].px = P("100001");
    M.asks[0].qty = P("1");
    M.asks[1].px = P("100200");
    M.asks[1].qty = P("50");
    risk_init(&R);
    return 0;
}

static void md(int64_t now)
{
    M.price_recv_us = M.depth_recv_us = now;
    risk_on_md(&R, &M, now);
}

static bool has_reason(const char *needle)
{
    for (int i = 0; i < R.nreasons; i++)
        if (strstr(R.reasons[i], needle)) return true;
    return false;
}

static void test_safe(void **st)
{
    (void)st;
    md(1 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 1 * S)->state, RISK_SAFE);
    assert_int_equal(R.nreasons, 0);
    assert_true(R.depth_bid_usd == P("99999"));
}

/* After a halt: calm for halt_cooldown_s (60 s) lifts it, not earlier. */
static void expect_cooldown(int64_t calm_from)
{
    assert_int_equal(risk_eval(&R, &C, &FLAT, calm_from)->state, RISK_HALT);
    assert_true(has_reason("cooldown"));
    md(calm_from + 30 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, calm_from + 30 * S)->state, RISK_HALT);
    md(calm_from + 60 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, calm_from + 60 * S)->state, RISK_SAFE);
}

static void test_price_jump(void **st)
{
    (void)st;
    md(10 * S);
    M.mark = P("100020");      /* 2 bps: fine */
    md(10 * S + 300000);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 10 * S + 300000)->state, RISK_SAFE);
    assert_false(R.verdict.widen);
    M.mark = P("100040");      /* 4 bps: more than half the limit: Caution, quotes wider */
    md(10 * S + 500000);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 10 * S + 500000)->state, RISK_CAUTION);
    assert_true(R.verdict.widen);
    assert_true(has_reason("price moving"));
    M.mark = P("100060");      /* 6 bps within one second: halt */
    md(10 * S + 900000);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 10 * S + 900000)->state, RISK_HALT);
    assert_true(has_reason("price jump"));
    /* the same move spread over more than a second is not a jump */
    md(12 * S);
    risk_eval(&R, &C, &FLAT, 12 * S);
    assert_false(has_reason("price jump"));
    expect_cooldown(12 * S);
}

/* Live market data comes at 1-3 Hz: a 10 bps move between two frames 1.05 s
 * apart is a jump within the window (the mark in effect when the window
 * opened is the reference), as it is at 20 Hz. */
static void test_price_jump_at_1hz(void **st)
{
    (void)st;
    md(10 * S);
    M.mark = P("100100");
    md(11 * S + 50000);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 11 * S + 50000)->state, RISK_HALT);
    assert_true(has_reason("price jump"));
}

/* resume_calm_s: after a jump halt, quoting resumes once the jump metric (the
 * one that triggered it) has stayed under half its limit for resume_calm_s
 * -- not after the fixed 60 s cooldown -- and a move of more than half the
 * limit restarts the count (hysteresis: under the limit is not calm enough). */
static void test_resume_hysteresis(void **st)
{
    (void)st;
    C.resume_calm_s = 10;
    C.min_depth_usd = 0;       /* the book does not follow the mark here */
    md(10 * S);
    /* 2 fills: within the limit (3) but over half of it -- not the metric
     * that triggers this halt, so it does not hold the resume back */
    risk_on_fill(&R, 10 * S);
    risk_on_fill(&R, 10 * S);
    M.mark = P("100060");      /* 6 bps: halt */
    md(10 * S + 500000);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 10 * S + 500000)->state, RISK_HALT);
    /* marks keep moving 3 bps a second: under the limit (5), over half (2.5) */
    const char *walk[] = {"100090", "100120", "100150", "100180"};
    for (int i = 0; i < 4; i++) {
        M.mark = P(walk[i]);
        md((12 + i) * S);
        assert_int_equal(risk_eval(&R, &C, &FLAT, (12 + i) * S)->state, RISK_HALT);
    }
    /* then quiet (the mark stays): 10 s of calm from the first quiet eval */
    md(17 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 17 * S)->state, RISK_HALT);
    md(26 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 26 * S)->state, RISK_HALT);
    assert_true(has_reason("cooldown"));
    md(27 * S);
    /* lifted; the two fills of 17 s ago still thin the quotes (Caution) */
    assert_int_equal(risk_eval(&R, &C, &FLAT, 27 * S)->state, RISK_CAUTION);
    assert_true(R.verdict.thin);
    /* the fixed cooldown still bounds it: a metric hovering over half the
     * limit lifts after halt_cooldown_s of no guard firing */
    C.resume_calm_s = 1000;
    M.mark = P("100300");      /* 6.7 bps: halt again */
    md(28 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 28 * S)->state, RISK_HALT);
    md(29 * S + 500000);
    risk_eval(&R, &C, &FLAT, 29 * S + 500000);   /* calm (no guard) from here */
    md(89 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 89 * S)->state, RISK_HALT);
    md(90 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 90 * S)->state, RISK_SAFE);
}

static void test_depth(void **st)
{
    (void)st;
    M.asks[0].qty = P("0.05");   /* 5000 USD < 10000 */
    md(1 * S);
    /* a thin book must persist 500 ms: a mark move outruns the book rebuild */
    assert_int_equal(risk_eval(&R, &C, &FLAT, 1 * S)->state, RISK_SAFE);
    md(1 * S + 400000);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 1 * S + 400000)->state, RISK_SAFE);
    md(1 * S + 500000);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 1 * S + 500000)->state, RISK_HALT);
    assert_true(has_reason("depth: ask side"));
    assert_false(has_reason("depth: bid side"));
    M.asks[0].qty = P("1");
    md(2 * S);
    expect_cooldown(2 * S);
}

static void test_fill_rate(void **st)
{
    (void)st;
    md(1 * S);
    risk_on_fill(&R, 1 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 1 * S)->state, RISK_SAFE);   /* 1 <= half the limit */
    assert_false(R.verdict.thin);
    for (int i = 1; i < 3; i++) risk_on_fill(&R, 1 * S + i);
    /* 3 = the limit: not halted, but over half of it: Caution thins the quotes */
    assert_int_equal(risk_eval(&R, &C, &FLAT, 2 * S)->state, RISK_CAUTION);
    assert_true(R.verdict.thin);
    assert_false(R.verdict.no_quote);
    assert_true(has_reason("fill rate: 3 fills in the last 60 s (caution above 1): new quotes half size"));
    risk_on_fill(&R, 3 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 3 * S)->state, RISK_HALT);
    assert_true(has_reason("fill rate: 4 fills"));
    md(61 * S);   /* the first three fills leave the window */
    assert_int_equal(risk_eval(&R, &C, &FLAT, 62 * S)->state, RISK_HALT);
    assert_false(has_reason("fill rate"));
    md(122 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 122 * S)->state, RISK_SAFE);
}

static void test_spread_caution(void **st)
{
    (void)st;
    M.best_bid = P("99850");
    M.best_ask = P("100150");    /* 30 bps > 20 */
    md(1 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 1 * S)->state, RISK_CAUTION);
    assert_true(R.verdict.no_quote);
    assert_true(has_reason("spread: 30.0 bps"));
    M.best_bid = P("99999");
    M.best_ask = P("100001");
    md(2 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 2 * S)->state, RISK_SAFE);   /* no cooldown for caution */
    assert_false(R.verdict.no_quote);
}

static void test_stale(void **st)
{
    (void)st;
    md(1 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 1 * S + 3000000)->state, RISK_SAFE);   /* exactly 3000 ms */
    assert_int_equal(risk_eval(&R, &C, &FLAT, 1 * S + 3001000)->state, RISK_HALT);
    assert_true(has_reason("stale data: no market update"));
    /* the snapshot's stale flag halts at once */
    M.stale = true;
    md(5 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 5 * S)->state, RISK_HALT);
    assert_true(has_reason("feed lost"));
    /* stale data alone: fresh data lifts the halt at once, no cooldown */
    M.stale = false;
    md(6 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 6 * S)->state, RISK_SAFE);
    /* stale together with another cause (a jump across the gap): cooldown */
    M.stale = true;
    md(7 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 7 * S)->state, RISK_HALT);
    M.stale = false;
    dec_t delta = M.mark / 1000;      /* +10 bps within the second, book moved along */
    M.mark += delta;
    M.best_bid += delta;
    M.best_ask += delta;
    M.bids[0].px += delta;
    M.asks[0].px += delta;
    md(7 * S + 500000);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 7 * S + 500000)->state, RISK_HALT);
    md(9 * S);
    expect_cooldown(9 * S);
}

static void test_operator_halt_not_lifted_by_calm(void **st)
{
    (void)st;
    md(1 * S);
    risk_operator_halt(&R, "maintenance");
    assert_int_equal(risk_eval(&R, &C, &FLAT, 1 * S)->state, RISK_HALT);
    assert_true(has_reason("operator halt: maintenance"));
    for (int i = 2; i < 500; i += 2) md(i * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 500 * S)->state, RISK_HALT);
    assert_true(R.op_halt);
    risk_operator_resume(&R);
    md(501 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 501 * S)->state, RISK_SAFE);
}

static void test_position_limit_blocks_adding_side_only(void **st)
{
    (void)st;
    md(1 * S);
    /* long 0.1 BTC at 100000 = 10000 USD = limit: buys blocked, sells fine */
    struct risk_pos p = {.position = P("0.1"), .resting_buy = 0, .resting_sell = 0, .next_qty = 0};
    assert_int_equal(risk_eval(&R, &C, &p, 1 * S)->state, RISK_CAUTION);
    assert_true(R.verdict.block_buy);
    assert_false(R.verdict.block_sell);
    assert_true(has_reason("buy side blocked"));
    dec_t lim = C.max_position_usd, mark = P("100000");
    assert_false(risk_position_allows(lim, SIDE_BUY, P("0.1"), 0, P("0.001"), mark));
    assert_true(risk_position_allows(lim, SIDE_SELL, P("0.1"), 0, P("0.001"), mark));
    /* resting orders count as filled */
    assert_true(risk_position_allows(lim, SIDE_BUY, P("0.05"), 0, P("0.05"), mark));
    assert_false(risk_position_allows(lim, SIDE_BUY, P("0.05"), P("0.01"), P("0.05"), mark));
    assert_true(risk_position_allows(lim, SIDE_SELL, P("0.05"), P("0.1"), P("0.05"), mark));
    assert_false(risk_position_allows(lim, SIDE_SELL, P("0.05"), P("0.1"), P("0.06"), mark));
    /* short side mirrors it */
    struct risk_pos s = {.position = -P("0.2"), .resting_buy = 0, .resting_sell = 0, .next_qty = 0};
    risk_eval(&R, &C, &s, 2 * S);
    assert_true(R.verdict.block_sell);
    assert_false(R.verdict.block_buy);
    assert_true(risk_position_allows(lim, SIDE_BUY, -P("0.2"), 0, P("0.01"), mark));
    /* under the limit: safe */
    struct risk_pos u = {.position = P("0.05"), .resting_buy = 0, .resting_sell = 0, .next_qty = 0};
    assert_int_equal(risk_eval(&R, &C, &u, 3 * S)->state, RISK_SAFE);
}

/* The verdict carries the state, the blocked side and the first reason;
 * risk_order_allowed is the one position rule, make-before-break included. */
static void test_verdict_and_order_rule(void **st)
{
    (void)st;
    md(1 * S);
    const struct risk_verdict *v = risk_eval(&R, &C, &FLAT, 1 * S);
    assert_int_equal(v->state, RISK_SAFE);
    assert_string_equal(v->reason, "");
    assert_ptr_equal(v, &R.verdict);
    struct risk_pos p = {.position = P("0.1"), .resting_buy = 0, .resting_sell = 0, .next_qty = 0};
    v = risk_eval(&R, &C, &p, 1 * S);
    assert_int_equal(v->state, RISK_CAUTION);
    assert_true(v->block_buy);
    assert_false(v->block_sell);
    assert_false(v->no_quote);
    assert_non_null(strstr(v->reason, "buy side blocked"));
    assert_false(risk_order_allowed(&R, &C, &p, SIDE_BUY, P("0.001")));
    assert_true(risk_order_allowed(&R, &C, &p, SIDE_SELL, P("0.001")));
    /* make-before-break: the quote being replaced still rests and counts */
    struct risk_pos m = {.position = P("0.085"), .resting_buy = P("0.01"), .resting_sell = 0, .next_qty = 0};
    assert_false(risk_order_allowed(&R, &C, &m, SIDE_BUY, P("0.01")));   /* 10500 > 10000 */
    m.position = P("0.08");
    assert_true(risk_order_allowed(&R, &C, &m, SIDE_BUY, P("0.01")));    /* 10000: at the limit */
    /* short: the mirror image */
    struct risk_pos s = {.position = -P("0.1"), .resting_buy = 0, .resting_sell = P("0.01"), .next_qty = 0};
    v = risk_eval(&R, &C, &s, 2 * S);
    assert_true(v->block_sell);
    assert_false(v->block_buy);
    assert_false(risk_order_allowed(&R, &C, &s, SIDE_SELL, P("0.001")));
    assert_true(risk_order_allowed(&R, &C, &s, SIDE_BUY, P("0.2")));
}

/* Thresholds are read from the task's parameters on every call (no copy to
 * keep in step on reload); halts survive a parameter change. */
static void test_parameters_read_per_call(void **st)
{
    (void)st;
    md(1 * S);
    struct risk_pos p = {.position = P("0.1"), .resting_buy = 0, .resting_sell = 0, .next_qty = 0};
    assert_int_equal(risk_eval(&R, &C, &p, 1 * S)->state, RISK_CAUTION);
    assert_false(risk_order_allowed(&R, &C, &p, SIDE_BUY, P("0.01")));
    C.max_position_usd = P("20000");
    assert_true(risk_order_allowed(&R, &C, &p, SIDE_BUY, P("0.01")));
    assert_int_equal(risk_eval(&R, &C, &p, 1 * S)->state, RISK_SAFE);
    C.max_position_usd = 0;   /* no limit */
    assert_true(risk_order_allowed(&R, &C, &p, SIDE_BUY, P("100")));
    risk_operator_halt(&R, "test");
    C.halt_cooldown_s = 1;
    md(2 * S);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 2 * S)->state, RISK_HALT);
    C.max_spread_bps = 0.5;   /* spread 0.2 bps: fine; 0.1: caution */
    risk_operator_resume(&R);
    assert_int_equal(risk_eval(&R, &C, &FLAT, 2 * S)->state, RISK_SAFE);
    C.max_spread_bps = 0.1;
    assert_int_equal(risk_eval(&R, &C, &FLAT, 2 * S)->state, RISK_CAUTION);
    assert_true(R.verdict.no_quote);
}

/* A side is blocked when the rule refuses the task's next order there:
 * resting orders and the next quote's size count, not only the position. */
static void test_blocked_counts_resting_and_next_order(void **st)
{
    (void)st;
    md(1 * S);
    struct risk_pos p = {.position = P("0.085"), .resting_buy = P("0.01"), .resting_sell = 0, .next_qty = P("0.01")};   /* 10500 USD after */
    const struct risk_verdict *v = risk_eval(&R, &C, &p, 1 * S);
    assert_int_equal(v->state, RISK_CAUTION);
    assert_true(v->block_buy);
    assert_false(v->block_sell);
    assert_non_null(strstr(v->reason, "buy side blocked"));
    p.next_qty = P("0.005");                                     /* 10000 USD: fits */
    v = risk_eval(&R, &C, &p, 1 * S);
    assert_int_equal(v->state, RISK_SAFE);
    assert_false(v->block_buy);
    /* both sides can be full */
    struct risk_pos b = {.position = 0, .resting_buy = P("0.2"), .resting_sell = P("0.2"), .next_qty = P("0.01")};
    v = risk_eval(&R, &C, &b, 1 * S);
    assert_true(v->block_buy && v->block_sell);
    assert_int_equal(R.nreasons, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_safe, setup),
        cmocka_unit_test_setup(test_price_jump, setup),
        cmocka_unit_test_setup(test_resume_hysteresis, setup),
        cmocka_unit_test_setup(test_price_jump_at_1hz, setup),
        cmocka_unit_test_setup(test_depth, setup),
        cmocka_unit_test_setup(test_fill_rate, setup),
        cmocka_unit_test_setup(test_spread_caution, setup),
        cmocka_unit_test_setup(test_stale, setup),
        cmocka_unit_test_setup(test_operator_halt_not_lifted_by_calm, setup),
        cmocka_unit_test_setup(test_position_limit_blocks_adding_side_only, setup),
        cmocka_unit_test_setup(test_verdict_and_order_rule, setup),
        cmocka_unit_test_setup(test_parameters_read_per_call, setup),
        cmocka_unit_test_setup(test_blocked_counts_resting_and_next_order, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
