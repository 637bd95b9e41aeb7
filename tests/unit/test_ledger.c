/* Unit tests: the ledger (daemon/ledger/: schema, queued writes, exactly-once
 * fills, restore queries, history, report, times, refusing a newer schema,
 * the injected write failure) and the pure restore helpers of the engine
 * (up_restore in uptime.c, ord_remember_done in orders.c). */
#include "testutil.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger.h"
#include "orders.h"
#include "uptime.h"

#define H0 1764000000000LL   /* 2025-11-24T16:00:00Z, an hour boundary */

static char DIR_[128];

static int setup(void **st)
{
    (void)st;
    snprintf(DIR_, sizeof DIR_, "/tmp/mmd-test-ledger-XXXXXX");
    assert_non_null(mkdtemp(DIR_));
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", DIR_);
    return system(cmd) == 0 ? 0 : -1;
}

static struct ledger *open_it(void)
{
    char err[600];
    const struct ledger_keep keep = {0, 0, 0, 0};   /* forever: the rows here are dated 2025 */
    struct ledger *lg = ledger_open(NULL, DIR_, &keep, err, sizeof err);
    if (!lg) fail_msg("ledger_open: %s", err);
    return lg;
}

static struct ledger_fill fill(int64_t trade, int64_t order, const char *fee)
{
    struct ledger_fill f = {.trade_id = trade, .order_id = order, .task = "t1", .account = "a", .symbol = "BTC-USD",
                            .side = "buy", .price = P("100000"), .qty = P("0.01"), .maker = -1,
                            .time_ms = H0 + trade, .source = fee ? "query_trades" : "stream"};
    if (fee) {
        f.have_fee = true;
        f.fee = P(fee);
        f.pnl = P("0.5");
    }
    return f;
}

static void test_fills_once_fee_later(void **st)
{
    (void)st;
    struct ledger *lg = open_it();
    struct ledger_fill a = fill(7, 70, NULL), b = fill(8, 80, NULL);
    ledger_fill(lg, &a);
    ledger_fill(lg, &a);                    /* the same trade twice: one row */
    ledger_fill(lg, &b);
    assert_int_equal(ledger_flush(lg), 0);
    assert_int_equal(ledger_fees_missing(lg, "a"), 0);   /* older than an hour: not asked for */
    struct ledger_fill af = fill(7, 70, "0.1"), bf = fill(8, 80, "-0.025");
    ledger_fill(lg, &af);
    ledger_fill(lg, &bf);
    json_t *r = ledger_report(lg, "t1", H0, H0 + 3600000);
    json_t *t = json_object_get(json_object_get(r, "tasks"), "t1");
    assert_int_equal(json_integer_value(json_object_get(t, "fills")), 2);
    assert_int_equal(json_integer_value(json_object_get(t, "fills_without_fee")), 0);
    assert_string_equal(json_string_value(json_object_get(t, "fees")), "0.075");
    assert_string_equal(json_string_value(json_object_get(t, "realized_pnl")), "1");
    assert_string_equal(json_string_value(json_object_get(t, "volume")), "2000");
    json_decref(r);
    char msg[200];
    json_t *h = ledger_history(lg, "fills", "t1", 0, H0 + 3600000, 10, msg, sizeof msg);
    assert_int_equal(json_array_size(json_object_get(h, "rows")), 2);
    json_decref(h);
    assert_null(ledger_history(lg, "trades", NULL, 0, 1, 10, msg, sizeof msg));
    assert_non_null(strstr(msg, "use fills, orders, hours or events"));
    ledger_close(lg);
}

static void test_hours_restore(void **st)
{
    (void)st;
    struct ledger *lg = open_it();
    int64_t hour = H0 / 3600000;
    struct ledger_hour h = {.task = "t1", .symbol = "BTC-USD", .hour = hour - 1, .qual_s = 3600, .samples = 3600,
                            .size = P("2"), .tier = "boosted", .full = true, .x70 = P("2"), .x50 = P("2"),
                            .cap = P("2"), .maker_hours = 1.0};
    ledger_hour(lg, &h);
    h.hour = hour;
    h.qual_s = 600;
    h.samples = 700;
    h.size = P("0.5");
    h.full = false;                          /* seconds only: x70 & co. keep what they had */
    ledger_hour(lg, &h);
    struct ledger_hour got;
    assert_int_equal(ledger_get_hour(lg, "t1", hour, &got), 1);
    assert_int_equal(got.qual_s, 600);
    assert_true(got.size == P("0.5"));
    assert_int_equal(ledger_get_hour(lg, "t2", hour, &got), 0);
    assert_true(ledger_sum_mh(lg, "t1", hour - 24, hour) == 1.0);
    ledger_close(lg);

    struct uptime u;                         /* the engine continues from those figures */
    up_init(&u, "BTC-USD");
    up_restore(&u, H0 + 900 * 1000, hour, got.qual_s, got.samples, got.size, 1.0);
    assert_int_equal(up_hour_seconds(&u), 600);
    const struct up_quote q[2] = {{SIDE_BUY, 99990 * DEC_ONE, DEC_ONE / 2, 10000}, {SIDE_SELL, 100010 * DEC_ONE, DEC_ONE / 2, 10000}};
    up_sample(&u, H0 + 900 * 1000, 100000 * DEC_ONE, q, 2);
    assert_int_equal(up_hour_seconds(&u), 601);
    assert_true(up_month_mh(&u, H0 + 901 * 1000) >= 1.0);
    up_init(&u, "BTC-USD");                  /* more seconds than have passed: capped */
    up_restore(&u, H0 + 10 * 1000, hour, 600, 600, P("1"), 0);
    assert_int_equal(up_hour_seconds(&u), 10);
    up_init(&u, "BTC-USD");                  /* another hour: only the month carries over */
    up_restore(&u, H0 + 3600 * 1000, hour, 600, 600, P("1"), 2.5);
    assert_int_equal(up_hour_seconds(&u), 0);
    assert_true(up_month_mh(&u, H0 + 3600 * 1000) == 2.5);
}

static void collect(void *ud, const char *cl, int64_t done_ms)
{
    (void)done_ms;
    struct ord_book *b = ud;
    ord_remember_done(b, cl, 1000000);
}

static void test_recent_done(void **st)
{
    (void)st;
    struct ledger *lg = open_it();
    struct ledger_order o = {.cl_ord_id = "t1-abc-1", .task = "t1", .account = "a", .symbol = "BTC-USD",
                             .side = "buy", .tif = "alo", .status = "pending_new", .price = P("1"), .qty = P("1"),
                             .placed_ms = H0, .now_ms = H0};
    ledger_order(lg, &o);
    o.status = "canceled";
    o.reason = "cancelled by us";
    o.done_ms = H0 + 5000;
    o.placed_ms = 0;                          /* an update keeps what it does not say */
    ledger_order(lg, &o);
    static struct ord_book b;
    ord_init(&b);
    assert_int_equal(ledger_recent_done(lg, "t1", H0, collect, &b), 1);
    assert_true(ord_recently_done(&b, "t1-abc-1", 2000000));
    assert_false(ord_recently_done(&b, "t1-abc-2", 2000000));
    assert_false(ord_recently_done(&b, "t1-abc-1", 1000000 + ORD_TOMB_US + 1));
    char msg[100];
    json_t *h = ledger_history(lg, "orders", NULL, 0, H0 + 1, 10, msg, sizeof msg);
    json_t *row = json_array_get(json_object_get(h, "rows"), 0);
    assert_string_equal(json_string_value(json_object_get(row, "status")), "canceled");
    assert_int_equal(json_integer_value(json_object_get(row, "time_ms")), H0);
    json_decref(h);
    ledger_close(lg);
}

static void test_injected_failure(void **st)
{
    (void)st;
    char flag[200];
    snprintf(flag, sizeof flag, "%s/fail", DIR_);
    setenv("MMD_LEDGER_FAIL_FILE", flag, 1);
    struct ledger *lg = open_it();
    unsetenv("MMD_LEDGER_FAIL_FILE");
    FILE *f = fopen(flag, "w");
    assert_non_null(f);
    fclose(f);
    ledger_event(lg, H0, "t1", "halt", "operator");
    assert_int_equal(ledger_flush(lg), -1);
    json_t *s = ledger_status_json(lg, H0);
    assert_false(json_is_true(json_object_get(s, "ok")));
    assert_int_equal(json_integer_value(json_object_get(s, "pending")), 1);
    assert_non_null(strstr(json_string_value(json_object_get(s, "error")), "injected"));
    json_decref(s);
    unlink(flag);
    assert_int_equal(ledger_flush(lg), 0);
    s = ledger_status_json(lg, H0);
    assert_true(json_is_true(json_object_get(s, "ok")));
    assert_int_equal(json_integer_value(json_object_get(s, "pending")), 0);
    json_decref(s);
    ledger_close(lg);
}

static void test_newer_schema_refused(void **st)
{
    (void)st;
    ledger_close(open_it());
    char path[200], err[600];
    snprintf(path, sizeof path, "%s/ledger.db", DIR_);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(ledger_open(NULL, DIR_, NULL, err, sizeof err));
    assert_non_null(strstr(err, "newer than this mmd knows"));
    assert_null(ledger_open(NULL, "", NULL, err, sizeof err));
    assert_non_null(strstr(err, "state.dir"));
}

/* keep_orders_days 30: a 2025 order goes; fills (forever by default) stay. */
static void test_retention(void **st)
{
    (void)st;
    char err[600];
    const struct ledger_keep keep = {30, 30, 0, 0};
    struct ledger *lg = ledger_open(NULL, DIR_, &keep, err, sizeof err);
    assert_non_null(lg);
    struct ledger_order o = {.cl_ord_id = "t1-old-1", .task = "t1", .status = "filled", .placed_ms = H0, .now_ms = H0};
    ledger_order(lg, &o);
    struct ledger_fill f = fill(9, 90, "0.1");
    ledger_fill(lg, &f);
    ledger_event(lg, H0, "t1", "risk", "safe -> caution: test");
    assert_int_equal(ledger_flush(lg), 0);
    char msg[100];
    json_t *h = ledger_history(lg, "orders", NULL, 0, INT64_MAX, 10, msg, sizeof msg);
    assert_int_equal(json_array_size(json_object_get(h, "rows")), 0);
    json_decref(h);
    h = ledger_history(lg, "events", NULL, 0, INT64_MAX, 10, msg, sizeof msg);
    assert_int_equal(json_array_size(json_object_get(h, "rows")), 0);
    json_decref(h);
    h = ledger_history(lg, "fills", NULL, 0, INT64_MAX, 10, msg, sizeof msg);
    assert_int_equal(json_array_size(json_object_get(h, "rows")), 1);
    json_decref(h);
    ledger_close(lg);
}

static void test_parse_time(void **st)
{
    (void)st;
    int64_t t, now = H0;
    assert_int_equal(ledger_parse_time("1764000000", now, &t), 0);
    assert_true(t == H0);
    assert_int_equal(ledger_parse_time("2h", now, &t), 0);
    assert_true(t == H0 - 7200000);
    assert_int_equal(ledger_parse_time("3d", now, &t), 0);
    assert_true(t == H0 - 3 * 86400000LL);
    assert_int_equal(ledger_parse_time("2025-11-24", now, &t), 0);
    assert_true(t == 1763942400000LL);
    assert_int_equal(ledger_parse_time("2025-11-24T16:00:00Z", now, &t), 0);
    assert_true(t == H0);
    assert_int_equal(ledger_parse_time("yesterday", now, &t), -1);
    assert_int_equal(ledger_parse_time("5w", now, &t), -1);
    assert_int_equal(ledger_parse_time("", now, &t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fills_once_fee_later, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hours_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recent_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_injected_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test(test_parse_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
