/* Unit tests: maker uptime per UTC hour and X70/X50 Maker Hours (daemon/engine/uptime.c). */
#include "testutil.h"

#include <math.h>

#include "uptime.h"

#define H0 1764000000000LL   /* 2025-11-24T16:00:00Z, an hour boundary */

static struct uptime U;
static dec_t MARK;

static int setup(void **st)
{
    (void)st;
    up_init(&U, "BTC-USD");
    MARK = P("100000");
    return 0;
}

/* Samples seconds [from, to) (relative to H0) with the given quotes. */
static void run(int64_t from, int64_t to, const struct up_quote *q, int n)
{
    for (int64_t s = from; s < to; s++) up_sample(&U, H0 + s * 1000 + 123, MARK, q, n);
}

static const struct up_quote BOTH[2] = {{SIDE_BUY, 99950 * DEC_ONE, DEC_ONE / 2, 10000},
                                        {SIDE_SELL, 100050 * DEC_ONE, DEC_ONE, 10000}};

static void test_both_sides_tiers(void **st)
{
    (void)st;
    run(0, 1799, BOTH, 2);
    assert_int_equal(up_hour_seconds(&U), 1799);
    assert_string_equal(up_tier_name(up_hour_seconds(&U)), "none");
    run(1799, 1800, BOTH, 2);
    assert_string_equal(up_tier_name(up_hour_seconds(&U)), "standard");
    run(1800, 2520, BOTH, 2);
    assert_int_equal(up_hour_seconds(&U), 2520);
    assert_string_equal(up_tier_name(up_hour_seconds(&U)), "boosted");
    assert_true(U.both_now);
    assert_true(U.bid_now == DEC_ONE / 2);
    /* several calls within one second sample it once */
    up_sample(&U, H0 + 2520 * 1000, MARK, BOTH, 2);
    up_sample(&U, H0 + 2520 * 1000 + 500, MARK, BOTH, 2);
    assert_int_equal(up_hour_seconds(&U), 2521);
    /* on track: 2521 + the 1079 s left if both sides stay up */
    assert_int_equal(up_on_track_seconds(&U, H0 + 2520 * 1000 + 500), 3600);
    run(2521, 2522, BOTH, 1);   /* one side gone: only what was reached */
    assert_int_equal(up_on_track_seconds(&U, H0 + 2521 * 1000), 2521);
    assert_int_equal(up_on_track_seconds(&U, H0 + 3600 * 1000), 0);   /* next hour */
}

static void test_one_side_missing_or_far(void **st)
{
    (void)st;
    run(0, 100, BOTH, 1);     /* bid only */
    assert_int_equal(up_hour_seconds(&U), 0);
    assert_false(U.both_now);
    struct up_quote far[2] = {BOTH[0], {SIDE_SELL, P("100110"), DEC_ONE, 10000}};   /* 11 bps */
    run(100, 200, far, 2);
    assert_int_equal(up_hour_seconds(&U), 0);
    struct up_quote edge[2] = {BOTH[0], {SIDE_SELL, P("100100"), DEC_ONE, 10000}};  /* exactly 10 bps */
    run(200, 300, edge, 2);
    assert_int_equal(up_hour_seconds(&U), 100);
    /* the mark moving makes a quote leave the band */
    MARK = P("100100");       /* bid now 15 bps away */
    run(300, 400, BOTH, 2);
    assert_int_equal(up_hour_seconds(&U), 100);
    /* halted: no quotes passed */
    MARK = P("100000");
    run(400, 500, NULL, 0);
    assert_int_equal(up_hour_seconds(&U), 100);
}

static void test_hour_boundary_and_gap(void **st)
{
    (void)st;
    run(3000, 3600, BOTH, 2);           /* last 10 min of hour 0 */
    run(3600, 3900, BOTH, 2);           /* 5 min of hour 1 */
    run(3960, 4200, BOTH, 2);           /* a 60 s gap, then 4 more min */
    const struct up_hour *h = up_past(&U, H0 / 3600000);
    assert_non_null(h);
    assert_int_equal(h->qual_s, 600);
    assert_int_equal(h->samples, 600);
    assert_int_equal(up_hour_seconds(&U), 540);
    assert_int_equal(U.cur_hour, H0 / 3600000 + 1);
    /* the gap seconds are zero-size samples */
    assert_true(U.sizes[3930 % 3600] == 0);
    assert_true(U.sizes[3970 % 3600] == DEC_ONE / 2);
    /* skipping whole hours: the next sample opens a fresh hour */
    run(4 * 3600, 4 * 3600 + 10, BOTH, 2);
    assert_int_equal(up_hour_seconds(&U), 10);
    assert_non_null(up_past(&U, H0 / 3600000 + 1));
    assert_null(up_past(&U, H0 / 3600000 + 2));
}

static void test_x70_x50(void **st)
{
    (void)st;
    dec_t a[10];
    for (int i = 0; i < 10; i++) a[i] = (i + 1) * DEC_ONE;   /* 1..10 */
    dec_t x70, x50;
    up_x70_x50(a, 10, &x70, &x50);
    assert_true(x70 == 4 * DEC_ONE);   /* 7 of 10 samples >= 4 */
    assert_true(x50 == 6 * DEC_ONE);   /* 5 of 10 samples >= 6 */
    dec_t b[10] = {5 * DEC_ONE, 4 * DEC_ONE, 3 * DEC_ONE, 2 * DEC_ONE, DEC_ONE};
    up_x70_x50(b, 10, &x70, &x50);
    assert_true(x70 == 0);
    assert_true(x50 == DEC_ONE);
    dec_t cap = 2 * DEC_ONE;
    assert_true(up_mh(2 * DEC_ONE, 2 * DEC_ONE, cap) == 1.0);
    assert_true(up_mh(DEC_ONE, 2 * DEC_ONE, cap) == 0.5);
    assert_true(up_mh(0, 2 * DEC_ONE, cap) == 0.5);
    assert_true(up_mh(0, DEC_ONE, cap) == 0.25);
    assert_true(up_mh(DEC_ONE / 2, 0, cap) == 0.25);
}

static void test_maker_hours_and_cap(void **st)
{
    (void)st;
    /* 3 BTC both sides (capped at 2) for 2520 s = 70 %: a full Maker Hour */
    struct up_quote big[2] = {{SIDE_BUY, P("99990"), P("3"), 10000}, {SIDE_SELL, P("100010"), P("3"), 10000}};
    run(0, 2520, big, 2);
    struct up_hour h;
    up_current(&U, &h);
    assert_true(h.x70 == P("2"));
    assert_true(h.mh == 1.0);
    /* next hour: 0.5 BTC min side for 1800 s (50 %): X70 = 0, X50 = 0.5 -> 0.125 */
    run(3600, 3600 + 1800, BOTH, 2);
    up_current(&U, &h);
    assert_true(h.x70 == 0);
    assert_true(h.x50 == DEC_ONE / 2);
    assert_true(h.mh == 0.125);
    assert_true(up_month_mh(&U, H0 + 3600 * 1000 + 1800 * 1000) == 1.125);
    /* caps */
    assert_true(up_cap("BTC-USD", P("90000")) == P("2"));
    assert_true(up_cap("ETH-USD", P("3000")) == P("60"));
    assert_true(up_cap("SOL-USD", P("200")) == P("1000"));   /* 200,000 USD / 200 */
    /* a new month starts from zero */
    int64_t dec1 = 1764547200000LL;   /* 2025-12-01T00:00:00Z */
    up_sample(&U, dec1, MARK, BOTH, 2);
    assert_true(up_month_mh(&U, dec1) < 0.001);
    assert_true(up_month_key(dec1) == up_month_key(H0) + 1);
}

/* Maker Points estimate: notional x distance weight x time, an order
 * counting only once it rested 3 s; the 3 s rule's two-sided seconds. */
static void test_maker_points(void **st)
{
    (void)st;
    assert_true(up_points_weight(0) == 1.0 && up_points_weight(10) == 1.0);
    assert_true(up_points_weight(10.5) == 0.5 && up_points_weight(30) == 0.5);
    assert_true(up_points_weight(31) == 0.1 && up_points_weight(100) == 0.1);
    assert_true(up_points_weight(101) == 0.0);
    /* bid 5 bps 0.5 BTC (~50 kUSD, weight 1), ask 20 bps 1 BTC (~100 kUSD, 0.5) */
    struct up_quote q[2] = {{SIDE_BUY, P("99950"), P("0.5"), 2999}, {SIDE_SELL, P("100200"), DEC_ONE, 3000}};
    up_sample(&U, H0 + 1000, MARK, q, 2);
    struct up_hour h;
    up_current(&U, &h);
    /* only the ask rested 3 s: 100200 x 0.5 / 3600 */
    assert_true(fabs(h.maker_points - 100200.0 * 0.5 / 3600) < 1e-6);
    assert_int_equal(h.qual3_s, 0);
    q[0].rested_ms = 3000;
    up_sample(&U, H0 + 2000, MARK, q, 2);
    up_current(&U, &h);
    assert_true(fabs(h.maker_points - (2 * 100200.0 * 0.5 + 99950.0 * 0.5) / 3600) < 1e-6);
    assert_int_equal(h.qual3_s, 0);     /* the ask is 20 bps away: not within 10 */
    q[1].price = P("100050");
    up_sample(&U, H0 + 3000, MARK, q, 2);
    up_current(&U, &h);
    assert_int_equal(h.qual3_s, 1);
    assert_int_equal(h.qual_s, 1);
    assert_true(U.mp_total == U.mp_hour);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_both_sides_tiers, setup),
        cmocka_unit_test_setup(test_one_side_missing_or_far, setup),
        cmocka_unit_test_setup(test_hour_boundary_and_gap, setup),
        cmocka_unit_test_setup(test_x70_x50, setup),
        cmocka_unit_test_setup(test_maker_hours_and_cap, setup),
        cmocka_unit_test_setup(test_maker_points, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
