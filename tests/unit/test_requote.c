/* Unit tests: the rest-aware re-quote decision table, one test per row, in
 * the order of the table (daemon/engine/requote.c, mmd.yaml(5) "Re-quoting"). */
#include "testutil.h"

#include "config.h"
#include "requote.h"

#define S 1000000LL
static struct cfg_task C;
static struct rq_quote Q;
static struct rq_decision D;
static const int64_t NOW = 100 * S;

/* moderate with tier 1 [3, 8] bps, tier 2 [8, 12] (middle 10: not meant to
 * count for the reward band), drift 1 bps, min rest 3 s.  The quote: a bid
 * of tier 1 placed at 5.5 bps from a mark of 100000, acked 10 s ago. */
static int setup(void **st)
{
    (void)st;
    cfg_task_init(&C, RISK_MODERATE);
    C.bands[0] = (struct cfg_band){3, 8};
    C.bands[1] = (struct cfg_band){8, 12};
    C.requote_drift_bps = 1;
    C.min_rest_s = 3;
    Q = (struct rq_quote){0, SIDE_BUY, P("99945.00"), P("100000"), NOW - 10 * S};
    memset(&D, 0, sizeof D);
    return 0;
}

static void decide(const char *mark) { rq_decide(&C, &Q, P(mark), NOW, &D); }

/* Row 1: a bid above the mark (or an ask below it) is replaced at once, even
 * just placed. */
static void test_row1_wrong_side(void **st)
{
    (void)st;
    Q.rest_since_us = NOW - S / 10;
    decide("99940");
    assert_true(D.replace);
    assert_int_equal(D.rule, RQ_WRONG_SIDE);
    Q.side = SIDE_SELL;
    Q.price = P("100055.00");
    decide("100060");
    assert_true(D.replace);
    assert_int_equal(D.rule, RQ_WRONG_SIDE);
    assert_non_null(strstr(D.why, "wrong side"));
}

/* Row 2: the mark moves toward the quote past the band's inner edge (3 bps):
 * replaced at once, before min_rest_s. */
static void test_row2_inner_edge(void **st)
{
    (void)st;
    Q.rest_since_us = NOW - S / 2;
    decide("99974");               /* bid 2.9 bps away */
    assert_true(D.replace);
    assert_int_equal(D.rule, RQ_INNER_EDGE);
    assert_non_null(strstr(D.why, "inner edge"));
    decide("99975");               /* exactly 3.0: still in band, drift waits for the rest */
    assert_false(D.replace);
    assert_int_equal(D.rule, RQ_RESTING);
}

/* Row 3: farther than the band's outer edge (8 bps): replaced at once. */
static void test_row3_outer_edge(void **st)
{
    (void)st;
    Q.rest_since_us = NOW - S / 2;
    decide("100026");              /* bid 8.1 bps away */
    assert_true(D.replace);
    assert_int_equal(D.rule, RQ_OUTER_EDGE);
    assert_non_null(strstr(D.why, "outside band"));
}

/* Row 4: a tier meant to count for the 10 bps reward band (band [6, 12],
 * middle 9) that drifted out of it while still inside its own band: at
 * once.  A tier whose middle is not inside 10 bps (moderate's [8, 12]) is
 * not held to it. */
static void test_row4_reward_band(void **st)
{
    (void)st;
    C.bands[1].min_bps = 6;
    C.bands[1].max_bps = 12;
    Q.tier = 1;
    Q.price = P("99910.00");       /* 9 bps from 100000 */
    Q.rest_since_us = NOW - S / 2;
    assert_true(rq_tier_counts(&C, 1));
    decide("100011");              /* 10.1 bps: in [6, 12], out of the reward band */
    assert_true(D.replace);
    assert_int_equal(D.rule, RQ_REWARD_BAND);
    decide("100000");              /* exactly 9 bps: fine */
    assert_false(D.replace);
    /* exactly 10 bps is inside (inclusive, as the exchange counts) */
    Q.price = P("99900.00");
    assert_true(rq_within_reward_band(Q.price, P("100000")));
    assert_false(rq_within_reward_band(P("99899.99"), P("100000")));
    /* moderate's tier 2 [8, 12]: not meant to count, 11 bps is just in band */
    C.bands[1].min_bps = 8;
    assert_false(rq_tier_counts(&C, 1));
    Q.price = P("99890.00");
    decide("100000");
    assert_false(D.replace);
    assert_int_equal(D.rule, RQ_IN_BAND);
}

/* Row 5: in band, mark drifted past requote_drift_bps, but the quote has
 * rested less than min_rest_s: kept. */
static void test_row5_resting(void **st)
{
    (void)st;
    Q.rest_since_us = NOW - 2900000;   /* 2.9 s */
    decide("99985");                   /* drift 1.5 bps, bid 4.0 bps: in band */
    assert_false(D.replace);
    assert_int_equal(D.rule, RQ_RESTING);
    assert_non_null(strstr(D.why, "rested"));
}

/* Row 6: the same drift once the quote has rested min_rest_s: replaced;
 * with min_rest_s 0 at once (the old behaviour). */
static void test_row6_drift(void **st)
{
    (void)st;
    Q.rest_since_us = NOW - 3 * S;
    decide("99985");
    assert_true(D.replace);
    assert_int_equal(D.rule, RQ_DRIFT);
    assert_non_null(strstr(D.why, "drifted"));
    C.min_rest_s = 0;
    Q.rest_since_us = NOW;
    decide("99985");
    assert_true(D.replace);
    assert_int_equal(D.rule, RQ_DRIFT);
    /* an unknown placement mark never fires the drift rule */
    Q.mark_at_place = 0;
    decide("99985");
    assert_false(D.replace);
}

/* Row 7: in band, drift within requote_drift_bps (however long it rested): kept. */
static void test_row7_in_band(void **st)
{
    (void)st;
    decide("100009");              /* drift 0.9 bps */
    assert_false(D.replace);
    assert_int_equal(D.rule, RQ_IN_BAND);
    Q.rest_since_us = NOW - 3600 * S;
    decide("99991");
    assert_false(D.replace);
    assert_string_equal(rq_rule_name(D.rule), "in band");
}

/* The order of the rows: an out-of-band quote that is also young and drifted
 * is an edge case (row 2/3), never "resting". */
static void test_rows_in_order(void **st)
{
    (void)st;
    Q.rest_since_us = NOW;         /* just acked */
    decide("100100");              /* drift 10 bps, bid 15.5 bps: outer edge first */
    assert_int_equal(D.rule, RQ_OUTER_EDGE);
    Q.side = SIDE_SELL;
    Q.price = P("100055.00");
    decide("100100");              /* an ask below the mark: wrong side */
    assert_int_equal(D.rule, RQ_WRONG_SIDE);
}

/* Handover: a quote replaced by row 3 or 6 stays until its replacement has
 * rested min_rest_s, while it still counts; one replaced by rows 1, 2 or 4,
 * or that turned adverse or left the reward band, goes at once. */
static void test_handover_hold(void **st)
{
    (void)st;
    int64_t ack = NOW - 2 * S;     /* the replacement rested 2 s */
    assert_true(rq_hold_old(&C, &Q, RQ_DRIFT, P("100010"), ack, NOW));
    assert_true(rq_hold_old(&C, &Q, RQ_OUTER_EDGE, P("100010"), ack, NOW));
    assert_false(rq_hold_old(&C, &Q, RQ_DRIFT, P("100010"), NOW - 3 * S, NOW));   /* rested 3 s */
    assert_false(rq_hold_old(&C, &Q, RQ_INNER_EDGE, P("100010"), ack, NOW));
    assert_false(rq_hold_old(&C, &Q, RQ_WRONG_SIDE, P("100010"), ack, NOW));
    assert_false(rq_hold_old(&C, &Q, RQ_REWARD_BAND, P("100010"), ack, NOW));
    assert_false(rq_hold_old(&C, &Q, RQ_DRIFT, P("100046"), ack, NOW));   /* 10.1 bps: out */
    assert_true(rq_hold_old(&C, &Q, RQ_DRIFT, P("99975"), ack, NOW));     /* 3.0 bps: on the inner edge */
    assert_false(rq_hold_old(&C, &Q, RQ_DRIFT, P("99974"), ack, NOW));    /* 2.9 bps: inside it */
    assert_false(rq_hold_old(&C, &Q, RQ_DRIFT, P("99970"), ack, NOW));
    assert_false(rq_hold_old(&C, &Q, RQ_DRIFT, P("99940"), ack, NOW));    /* wrong side */
    C.min_rest_s = 0;                                                      /* off: never */
    assert_false(rq_hold_old(&C, &Q, RQ_DRIFT, P("100010"), ack, NOW));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_row1_wrong_side, setup),
        cmocka_unit_test_setup(test_row2_inner_edge, setup),
        cmocka_unit_test_setup(test_row3_outer_edge, setup),
        cmocka_unit_test_setup(test_row4_reward_band, setup),
        cmocka_unit_test_setup(test_row5_resting, setup),
        cmocka_unit_test_setup(test_row6_drift, setup),
        cmocka_unit_test_setup(test_row7_in_band, setup),
        cmocka_unit_test_setup(test_rows_in_order, setup),
        cmocka_unit_test_setup(test_handover_hold, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
