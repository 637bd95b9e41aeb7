/* Unit tests: per-stage latency samples and percentiles (daemon/lat.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "lat.h"

static json_int_t get(json_t *st, const char *stage, const char *p)
{
    json_t *v = json_object_get(json_object_get(st, stage), p);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static void sample(int64_t recv, int64_t parse, int64_t decide, int64_t write)
{
    struct lat_mark m = {recv, parse, decide};
    lat_written(&m, write);
}

static void test_empty_is_null(void **st)
{
    (void)st;
    lat_reset();
    json_t *j = lat_status_json();
    assert_int_equal(json_integer_value(json_object_get(j, "samples")), 0);
    assert_true(json_is_null(json_object_get(json_object_get(j, "total_us"), "p50")));
    json_decref(j);
}

static void test_first_request_of_a_notification_only(void **st)
{
    (void)st;
    lat_reset();
    struct lat_mark m;
    assert_false(lat_take(&m));              /* outside a notification */
    lat_decide();
    assert_false(lat_take(&m));
    lat_md_enter(100, 150);
    assert_false(lat_take(&m));              /* nothing decided yet */
    lat_decide();
    assert_true(lat_take(&m));
    assert_int_equal(m.recv_us, 100);
    assert_int_equal(m.parse_us, 150);
    assert_true(m.decide_us > 0);
    lat_decide();
    assert_false(lat_take(&m));              /* second request: not sampled */
    lat_md_leave();
    lat_md_enter(0, 0);                      /* no frame timestamps: not sampled */
    lat_decide();
    assert_false(lat_take(&m));
    lat_md_leave();
}

static void test_percentiles(void **st)
{
    (void)st;
    lat_reset();
    for (int i = 1; i <= 100; i++) sample(1000, 1000 + i, 1000 + 2 * i, 1000 + 4 * i);
    json_t *j = lat_status_json();
    assert_int_equal(json_integer_value(json_object_get(j, "samples")), 100);
    assert_int_equal(get(j, "recv_to_parse_us", "p50"), 50);
    assert_int_equal(get(j, "recv_to_parse_us", "p99"), 99);
    assert_int_equal(get(j, "parse_to_decision_us", "p50"), 50);
    assert_int_equal(get(j, "decision_to_write_us", "p50"), 100);
    assert_int_equal(get(j, "total_us", "p99"), 396);
    json_decref(j);
}

static void test_ring_keeps_the_newest(void **st)
{
    (void)st;
    lat_reset();
    for (int i = 0; i < LAT_RING; i++) sample(0, 1000000, 1000000, 1000000);
    for (int i = 0; i < LAT_RING; i++) sample(0, 10, 10, 10);
    json_t *j = lat_status_json();
    assert_int_equal(json_integer_value(json_object_get(j, "samples")), LAT_RING);
    assert_int_equal(get(j, "total_us", "p99"), 10);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_is_null),
        cmocka_unit_test(test_first_request_of_a_notification_only),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_ring_keeps_the_newest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
