/* Unit tests: libevent timeouts from microseconds and seconds (common/clock.c)
 * and the one id charset (common/codec.c id_ok). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"
#include "codec.h"

static void tv_from_us(void **st)
{
    (void)st;
    struct timeval tv = clock_tv_us(2500001);
    assert_int_equal(tv.tv_sec, 2);
    assert_int_equal(tv.tv_usec, 500001);
    tv = clock_tv_us(-5);
    assert_int_equal(tv.tv_sec, 0);
    assert_int_equal(tv.tv_usec, 0);
}

static void tv_from_seconds(void **st)
{
    (void)st;
    struct timeval tv = clock_tv_s(0.25);
    assert_int_equal(tv.tv_sec, 0);
    assert_int_equal(tv.tv_usec, 250000);
    tv = clock_tv_s(30.0);
    assert_int_equal(tv.tv_sec, 30);
    assert_int_equal(tv.tv_usec, 0);
    tv = clock_tv_s(-1.0);
    assert_int_equal(tv.tv_sec, 0);
}

static void ids(void **st)
{
    (void)st;
    assert_true(id_ok("btc-mm_1.a", 32));
    assert_true(id_ok("BTC-USD", 16));
    assert_false(id_ok("", 32));
    assert_false(id_ok(NULL, 32));
    assert_false(id_ok("a b", 32));
    assert_false(id_ok("a\"b", 32));
    assert_false(id_ok("a:b", 32));
    assert_false(id_ok("abcd", 4));       /* cap counts the terminator */
    assert_true(id_ok("abc", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tv_from_us),
        cmocka_unit_test(tv_from_seconds),
        cmocka_unit_test(ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
