/* Unit tests: exact fixed-point decimals (common/dec.c). */
#include "testutil.h"

#include "dec.h"

static void test_parse_basic(void **st)
{
    (void)st;
    assert_true(P("0.0010") == 1000000);
    assert_true(P("65000.00") == INT64_C(65000) * DEC_ONE);
    assert_true(P("-1.5") == -1500000000);
    assert_true(P("0") == 0);
    assert_true(P(".5") == 500000000);
}

static void test_parse_reject(void **st)
{
    (void)st;
    const char *bad[] = {"", "-", ".", "7.", "1e5", " 1", "1 ", "0x10", "1.2.3", "abc", "+1",
                         "1.0000000001", "9999999999999", "--1", "1,5", "NaN", "inf"};
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        dec_t v;
        if (dec_parse(bad[i], &v) == 0) fail_msg("accepted '%s'", bad[i]);
    }
    dec_t v;
    assert_int_equal(dec_parse(NULL, &v), -1);
    /* extra zeros beyond nine decimals are fine; digits are not */
    assert_int_equal(dec_parse("1.0000000000", &v), 0);
    assert_true(v == DEC_ONE);
    assert_int_equal(dec_parse("9223372036.854775807", &v), 0);
    assert_int_equal(dec_parse("9223372036.854775808", &v), -1);
}

static void test_lenient(void **st)
{
    (void)st;
    dec_t v;
    assert_int_equal(dec_parse_lenient("3.9932238453666987", &v), 0);
    assert_true(v == 3993223845);
    assert_int_equal(dec_parse_lenient("+2", &v), 0);
    assert_true(v == 2 * DEC_ONE);
    assert_int_equal(dec_parse_lenient("x", &v), -1);
}

static void test_format(void **st)
{
    (void)st;
    char b[32];
    assert_string_equal(dec_fmt(P("0.001"), 4, b, sizeof b), "0.0010");
    assert_string_equal(dec_fmt(P("65000"), 2, b, sizeof b), "65000.00");
    assert_string_equal(dec_fmt(P("-0.5"), 1, b, sizeof b), "-0.5");
    assert_string_equal(dec_fmt(P("-0.04"), 1, b, sizeof b), "0.0");
    assert_string_equal(dec_fmt(P("12.345"), 0, b, sizeof b), "12");
    assert_string_equal(dec_str(P("65000.000"), b, sizeof b), "65000");
    assert_string_equal(dec_str(P("0.0010"), b, sizeof b), "0.001");
    assert_string_equal(dec_str(P("-121602.43"), b, sizeof b), "-121602.43");
    /* round trip of every value the protocol doc shows */
    const char *rt[] = {"121602.43", "0.0001", "1100018.627556737", "-0.116", "58.24", "0"};
    for (size_t i = 0; i < N_ELEMS(rt); i++)
        assert_string_equal(dec_str(P(rt[i]), b, sizeof b), rt[i]);
}

static void test_round(void **st)
{
    (void)st;
    dec_t tick = dec_step(2);
    assert_true(tick == P("0.01"));
    assert_true(dec_round(P("65000.005"), tick, DEC_FLOOR) == P("65000.00"));
    assert_true(dec_round(P("65000.005"), tick, DEC_CEIL) == P("65000.01"));
    assert_true(dec_round(P("-1.005"), tick, DEC_FLOOR) == P("-1.01"));
    assert_true(dec_round(P("-1.005"), tick, DEC_CEIL) == P("-1.00"));
    assert_true(dec_round(P("-1.005"), tick, DEC_TOWARD_ZERO) == P("-1.00"));
    assert_true(dec_round(P("-1.005"), tick, DEC_AWAY_ZERO) == P("-1.01"));
    assert_true(dec_round(P("1.005"), tick, DEC_AWAY_ZERO) == P("1.01"));
    assert_true(dec_round(P("1.01"), tick, DEC_CEIL) == P("1.01"));   /* already on tick */
    assert_true(dec_round(P("0.12345"), dec_step(4), DEC_TOWARD_ZERO) == P("0.1234"));
    assert_true(dec_round(P("7"), 0, DEC_CEIL) == P("7"));              /* no step: unchanged */
    assert_true(dec_step(10) == 0);
}

static void test_arith(void **st)
{
    (void)st;
    assert_true(dec_mul(P("65000.00"), P("0.0010")) == P("65"));
    assert_true(dec_mul(P("-2"), P("1.5")) == P("-3"));
    assert_true(dec_div(P("1"), P("4")) == P("0.25"));
    assert_true(dec_div(P("1"), 0) == 0);
    assert_true(dec_mul(P("9000000000"), P("9000000000")) == DEC_MAX);   /* saturates */
    assert_true(dec_mul_f(P("65000"), 1.0 - 7.5 / 1e4) == P("64951.25"));
    assert_true(dec_from_int(3) == P("3"));
    double bps = dec_bps(P("100.10"), P("100"));
    assert_true(bps > 9.999 && bps < 10.001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic), cmocka_unit_test(test_parse_reject),
        cmocka_unit_test(test_lenient),     cmocka_unit_test(test_format),
        cmocka_unit_test(test_round),       cmocka_unit_test(test_arith),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
