/* Unit tests: per-stage latency samples and percentiles (daemon/lat.c), and
 * the marks a market-data notification hands to the first order request
 * (struct sx_reaction, daemon/standx/sx_orders.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "lat.h"
#include "standx.h"

static json_int_t get(json_t *st, const char *stage, const char *p)
{
    json_t *v = json_object_get(json_object_get(st, stage), p);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static void sample(struct lat *l, int64_t recv, int64_t parse, int64_t decide, int64_t write)
{
    struct rest_marks m = {recv, parse, decide};
    lat_written(l, &m, write);
}

static void test_empty_is_null(void **st)
{
    (void)st;
    struct lat *l = lat_new();
    json_t *j = lat_status_json(l);
    assert_int_equal(json_integer_value(json_object_get(j, "samples")), 0);
    assert_true(json_is_null(json_object_get(json_object_get(j, "total_us"), "p50")));
    json_decref(j);
    lat_free(l);
}

static void test_first_request_of_a_notification_only(void **st)
{
    (void)st;
    struct sx_reaction r = {0};              /* never begun: outside a notification */
    struct rest_marks m;
    assert_false(sx_reaction_take(&r, &m));
    sx_reaction_decide(&r, 170);
    assert_false(sx_reaction_take(&r, &m));
    sx_reaction_begin(&r, 100, 150);
    assert_false(sx_reaction_take(&r, &m));  /* nothing decided yet */
    sx_reaction_decide(&r, 170);
    assert_true(sx_reaction_take(&r, &m));
    assert_int_equal(m.recv_us, 100);
    assert_int_equal(m.parse_us, 150);
    assert_true(m.decide_us > 0);
    sx_reaction_decide(&r, 180);
    assert_false(sx_reaction_take(&r, &m));  /* second request: not sampled */
    sx_reaction_begin(&r, 0, 0);             /* no frame timestamps: not sampled */
    sx_reaction_decide(&r, 190);
    assert_false(sx_reaction_take(&r, &m));
}

static void test_percentiles(void **st)
{
    (void)st;
    struct lat *l = lat_new();
    for (int i = 1; i <= 100; i++) sample(l, 1000, 1000 + i, 1000 + 2 * i, 1000 + 4 * i);
    json_t *j = lat_status_json(l);
    assert_int_equal(json_integer_value(json_object_get(j, "samples")), 100);
    assert_int_equal(get(j, "recv_to_parse_us", "p50"), 50);
    assert_int_equal(get(j, "recv_to_parse_us", "p99"), 99);
    assert_int_equal(get(j, "parse_to_decision_us", "p50"), 50);
    assert_int_equal(get(j, "decision_to_write_us", "p50"), 100);
    assert_int_equal(get(j, "total_us", "p99"), 396);
    json_decref(j);
    lat_free(l);
}

static void test_ring_keeps_the_newest(void **st)
{
    (void)st;
    struct lat *l = lat_new();
    for (int i = 0; i < LAT_RING; i++) sample(l, 0, 1000000, 1000000, 1000000);
    for (int i = 0; i < LAT_RING; i++) sample(l, 0, 10, 10, 10);
    json_t *j = lat_status_json(l);
    assert_int_equal(json_integer_value(json_object_get(j, "samples")), LAT_RING);
    assert_int_equal(get(j, "total_us", "p99"), 10);
    json_decref(j);
    lat_free(l);
}

static void test_rings_are_separate(void **st)
{
    (void)st;
    struct lat *a = lat_new(), *b = lat_new();
    sample(a, 0, 1, 2, 3);
    json_t *ja = lat_status_json(a), *jb = lat_status_json(b);
    assert_int_equal(json_integer_value(json_object_get(ja, "samples")), 1);
    assert_int_equal(json_integer_value(json_object_get(jb, "samples")), 0);
    json_decref(ja);
    json_decref(jb);
    lat_free(a);
    lat_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_is_null),
        cmocka_unit_test(test_first_request_of_a_notification_only),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_ring_keeps_the_newest),
        cmocka_unit_test(test_rings_are_separate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
