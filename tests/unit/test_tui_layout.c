/* Unit tests: mmtop's curses-free code — column layout at 80 and 132
 * columns, number formatting, uptime bars, truncation, task rows, the
 * model's keys and a full rendered frame at 80x24 and tiny sizes. */
#include "testutil.h"

#include "clock.h"
#include "tui.h"

static int has_col(const struct tui_layout *l, enum tui_colid id)
{
    for (int i = 0; i < l->ncols; i++)
        if (l->cols[i].id == id) return 1;
    return 0;
}

static int right_edge(const struct tui_layout *l)
{
    const struct tui_col *c = &l->cols[l->ncols - 1];
    return c->x + c->w;
}

static void test_layout_80_132(void **st)
{
    (void)st;
    struct tui_layout l;
    tui_layout_columns(80, &l);
    enum tui_colid must[] = {TUI_C_ID, TUI_C_STATE, TUI_C_MARK, TUI_C_DIST, TUI_C_POS, TUI_C_UPNL,
                             TUI_C_UPTIME};
    for (size_t i = 0; i < N_ELEMS(must); i++) assert_true(has_col(&l, must[i]));
    assert_true(right_edge(&l) <= 80);
    assert_true(l.bar_w >= 8);
    for (int i = 1; i < l.ncols; i++)   /* no overlap, in order */
        assert_true(l.cols[i].x >= l.cols[i - 1].x + l.cols[i - 1].w + 1);

    tui_layout_columns(132, &l);
    assert_int_equal(l.ncols, TUI_C_COUNT);
    assert_true(right_edge(&l) <= 132);

    tui_layout_columns(40, &l);
    assert_true(has_col(&l, TUI_C_ID));
    assert_true(has_col(&l, TUI_C_STATE));
    assert_true(right_edge(&l) <= 40);
    tui_layout_columns(5, &l);   /* nothing fits: no columns, no crash */
    assert_true(l.ncols == 0 || right_edge(&l) <= 5);
}

static void test_numbers(void **st)
{
    (void)st;
    char b[64];
    assert_string_equal(tui_fmt_bps(4.04, b, sizeof b), "4.0");
    assert_string_equal(tui_fmt_bps(12.36, b, sizeof b), "12.4");
    assert_string_equal(tui_fmt_bps(1500, b, sizeof b), ">999");
    assert_string_equal(tui_fmt_bps(0.0 / 0.0, b, sizeof b), "-");
    assert_string_equal(tui_fmt_signed("1.89", b, sizeof b), "+1.89");
    assert_string_equal(tui_fmt_signed("-0.50", b, sizeof b), "-0.50");
    assert_string_equal(tui_fmt_signed("0.00", b, sizeof b), "0.00");
    assert_string_equal(tui_fmt_signed(NULL, b, sizeof b), "-");
    assert_string_equal(clock_fmt_duration(9, b, sizeof b), "9s");
    assert_string_equal(clock_fmt_duration(307, b, sizeof b), "5m07s");
    assert_string_equal(clock_fmt_duration(3720, b, sizeof b), "1h02m");
    assert_string_equal(clock_fmt_duration(3 * 86400 + 4 * 3600 + 5, b, sizeof b), "3d04h");
    assert_string_equal(clock_fmt_duration(-4, b, sizeof b), "0s");
}

static void test_bar(void **st)
{
    (void)st;
    char b[64];
    assert_string_equal(tui_bar(0, 14, b, sizeof b), ".........:....");
    assert_string_equal(tui_bar(42, 14, b, sizeof b), "##############");
    assert_string_equal(tui_bar(60, 14, b, sizeof b), "##############");
    assert_string_equal(tui_bar(21, 14, b, sizeof b), "#######..:....");
    assert_string_equal(tui_bar(30, 14, b, sizeof b), "##########....");
    assert_string_equal(tui_bar(-5, 4, b, sizeof b), "..:.");
    assert_string_equal(tui_bar(10, 0, b, sizeof b), "");
    assert_int_equal(strlen(tui_bar(10, 100, b, 20)), 19);   /* clipped to the buffer */
}

static void test_trunc(void **st)
{
    (void)st;
    char b[32];
    assert_string_equal(tui_trunc("hello", 10, b, sizeof b), "hello");
    assert_string_equal(tui_trunc("hello", 5, b, sizeof b), "hello");
    assert_string_equal(tui_trunc("hello world", 5, b, sizeof b), "hell~");
    assert_string_equal(tui_trunc("abc", 0, b, sizeof b), "");
    assert_string_equal(tui_trunc("abcdefghijklmnopqrstuvwxyz0123456789", 40, b, 8), "abcdef~");
}

static json_t *sample_task(const char *id, const char *state)
{
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:[], s:b}, s:s, s:s, s:s,"
                     " s:[{s:i, s:[f,f], s:{s:s, s:s, s:f, s:s}, s:{s:s, s:s, s:f, s:s}}],"
                     " s:s, s:s, s:s, s:{s:f, s:s, s:b}, s:i, s:i, s:i, s:i, s:s}",
                     "id", id, "symbol", "BTC-USD", "state", state, "risk", "state", "ok",
                     "reasons", "operator_halt", 0, "mark", "65000.10", "best_bid", "64999.00",
                     "best_ask", "65001.00", "tiers", "tier", 1, "band_bps", 0.0, 10.0, "bid",
                     "price", "64974.10", "qty", "0.0050", "dist_bps", 4.0, "status", "open",
                     "ask", "price", "65026.10", "qty", "0.0050", "dist_bps", 4.0, "status", "open",
                     "position", "0.0100", "entry_price", "64950.00", "upnl", "-1.50", "uptime",
                     "hour_minutes", 36.5, "hour_tier", "standard", "both_sides_now", 1,
                     "fills_today", 3, "orders_open", 2, "rejects", 0, "alo_rejects", 0,
                     "last_reason", "requote");
}

static void test_task_row(void **st)
{
    (void)st;
    json_t *t = sample_task("btc-1", "quoting");
    struct tui_layout l;
    char b[TUI_MAX_W + 1];
    for (int w = 20; w <= 140; w += 4) {
        tui_layout_columns(w, &l);
        assert_int_equal(strlen(tui_fmt_task_row(t, &l, w, b, sizeof b)), w);
        assert_int_equal(strlen(tui_fmt_heading(&l, w, b, sizeof b)), w);
    }
    tui_layout_columns(80, &l);
    tui_fmt_task_row(t, &l, 80, b, sizeof b);
    assert_non_null(strstr(b, "btc-1"));
    assert_non_null(strstr(b, "65000.10"));
    assert_non_null(strstr(b, "4.0/4.0"));
    assert_non_null(strstr(b, "-1.50"));
    assert_non_null(strstr(b, "36.5 #"));
    /* a very long id is cut, never spills into the next column */
    json_object_set_new(t, "id", json_string("a-very-long-task-identifier-indeed"));
    tui_fmt_task_row(t, &l, 80, b, sizeof b);
    assert_int_equal(b[l.cols[0].w - 1], '~');
    assert_int_equal(b[l.cols[0].w], ' ');
    /* missing fields show "-" */
    json_t *empty = json_object();
    tui_fmt_task_row(empty, &l, 80, b, sizeof b);
    assert_non_null(strstr(b, "-/-"));
    json_decref(empty);
    json_decref(t);
}

static json_t *sample_status(int n)
{
    json_t *tasks = json_array();
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "task-%d", i);
        json_array_append_new(tasks, sample_task(id, "quoting"));
    }
    return json_pack("{s:s, s:i, s:{s:{s:s}, s:{s:{s:s}}}, s:o}", "version", "0.1.0", "uptime_s",
                     3725, "connections", "market", "state", "connected", "accounts", "main",
                     "state", "connected", "tasks", tasks);
}

static int frame_has(const struct tui_frame *f, const char *s)
{
    for (int i = 0; i < f->h; i++)
        if (strstr(f->lines[i].text, s)) return i;
    return -1;
}

static void test_model_keys(void **st)
{
    (void)st;
    struct tui_model m;
    tui_model_init(&m, "/tmp/x.sock");
    m.connected = 1;
    tui_model_set_status(&m, sample_status(3));
    assert_int_equal(tui_model_key(&m, TUI_KEY_DOWN), TUI_ACT_SELECT);
    assert_string_equal(m.sel_id, "task-1");
    /* the selection follows the id when the order changes */
    json_t *s = sample_status(3);
    json_array_remove(json_object_get(s, "tasks"), 0);
    tui_model_set_status(&m, s);
    assert_int_equal(m.sel, 0);
    assert_string_equal(m.sel_id, "task-1");
    assert_int_equal(tui_model_key(&m, TUI_KEY_UP), TUI_ACT_NONE);
    assert_int_equal(tui_model_key(&m, 'h'), TUI_ACT_REDRAW);
    assert_int_equal(m.mode, TUI_CONFIRM_HALT);
    assert_int_equal(tui_model_key(&m, 'n'), TUI_ACT_REDRAW);
    assert_int_equal(m.mode, TUI_NORMAL);
    tui_model_key(&m, 'h');
    assert_int_equal(tui_model_key(&m, 'y'), TUI_ACT_HALT);
    tui_model_key(&m, 'H');
    assert_int_equal(tui_model_key(&m, 'y'), TUI_ACT_HALT_ALL);
    assert_int_equal(tui_model_key(&m, 'r'), TUI_ACT_RESUME);
    assert_int_equal(tui_model_key(&m, '?'), TUI_ACT_REDRAW);
    assert_int_equal(m.mode, TUI_HELP);
    assert_int_equal(tui_model_key(&m, 'x'), TUI_ACT_REDRAW);
    assert_int_equal(tui_model_key(&m, 'q'), TUI_ACT_QUIT);
    /* shrinking task list clamps the selection */
    tui_model_key(&m, TUI_KEY_DOWN);
    tui_model_set_status(&m, sample_status(1));
    assert_int_equal(m.sel, 0);
    tui_model_free(&m);
}

static void test_pick_task(void **st)
{
    (void)st;
    struct tui_model m;
    tui_model_init(&m, "/tmp/x.sock");
    tui_model_set_status(&m, sample_status(2));
    tui_model_key(&m, TUI_KEY_DOWN);   /* task-1 */
    json_t *keyed = json_pack("{s:{s:s, s:[{s:s}, {s:s}]}, s:{s:s, s:[{s:s}]}}", "task-0", "id",
                              "task-0", "orders", "side", "buy", "side", "sell", "task-1", "id",
                              "task-1", "orders", "side", "sell");
    assert_non_null(tui_pick_task(keyed, "task-0"));
    assert_null(tui_pick_task(keyed, "nope"));
    assert_null(tui_pick_task(keyed, NULL));
    tui_model_orders_result(&m, keyed);
    assert_int_equal(json_array_size(m.orders), 1);
    json_t *arr = json_pack("[{s:s, s:[]}, {s:s, s:[{s:s}]}]", "id", "task-0", "hours", "task",
                            "task-1", "hours", "hour", "2026-11-24T14:00:00Z");
    tui_model_uptime_result(&m, arr);
    assert_int_equal(json_array_size(json_object_get(m.uptime, "hours")), 1);
    json_decref(keyed);
    json_decref(arr);
    assert_true(tui_state_good("up") && tui_state_good("safe") && tui_state_good("ready"));
    assert_false(tui_state_good("halt") || tui_state_good("down") || tui_state_good(NULL));
    json_t *c = json_pack("{s:{s:s}}", "connection", "state", "up");
    assert_string_equal(tui_conn_state(c), "up");
    assert_string_equal(tui_conn_state(NULL), "-");
    json_decref(c);
    /* an account: its own state unless ready, then its stream's */
    c = json_pack("{s:s, s:{s:s}}", "state", "ready", "connection", "state", "backing_off");
    assert_string_equal(tui_conn_state(c), "backing_off");
    json_decref(c);
    c = json_pack("{s:s, s:{s:s}}", "state", "ready", "connection", "state", "up");
    assert_string_equal(tui_conn_state(c), "up");
    json_decref(c);
    c = json_pack("{s:s, s:{s:s}}", "state", "failed", "connection", "state", "idle");
    assert_string_equal(tui_conn_state(c), "failed");
    json_decref(c);
    tui_model_free(&m);
}

static void test_render(void **st)
{
    (void)st;
    struct tui_frame *f = malloc(sizeof *f);
    struct tui_model m;
    tui_model_init(&m, "/tmp/x.sock");
    m.connected = 1;
    tui_model_set_status(&m, sample_status(3));
    tui_render(&m, 80, 24, 0, f);
    for (int i = 0; i < 24; i++) assert_int_equal(strlen(f->lines[i].text), 80);
    assert_int_equal(frame_has(f, "up 1h02m"), 0);
    assert_true(frame_has(f, "task-0") > 0);
    assert_true(frame_has(f, "task-2") > 0);
    assert_true(frame_has(f, "T1 0-10bps") > 0);
    assert_int_equal(frame_has(f, "q quit"), 23);
    assert_int_equal(f->lines[2].attr, TUI_A_SEL);
    /* confirm prompt in the footer */
    tui_model_key(&m, 'h');
    tui_render(&m, 80, 24, 0, f);
    assert_int_equal(frame_has(f, "Halt task task-0"), 23);
    tui_model_key(&m, 'n');
    /* many tasks: the table scrolls to keep the selection visible */
    tui_model_set_status(&m, sample_status(40));
    for (int i = 0; i < 30; i++) tui_model_key(&m, TUI_KEY_DOWN);
    tui_render(&m, 80, 24, 0, f);
    assert_true(frame_has(f, "task-30") > 0);
    assert_int_equal(f->lines[frame_has(f, "task-30 ")].attr, TUI_A_SEL);
    /* shutting down shows in the header */
    json_object_set_new(m.status, "shutting_down", json_true());
    tui_render(&m, 80, 24, 0, f);
    assert_int_equal(frame_has(f, "SHUTTING DOWN"), 0);
    assert_int_equal(f->lines[0].attr, TUI_A_ALERT);
    /* disconnected */
    m.connected = 0;
    m.retry_in_s = 2;
    tui_render(&m, 80, 24, 0, f);
    assert_int_equal(frame_has(f, "disconnected - retrying in 2s"), 0);
    /* tiny and huge terminals never overflow */
    int sizes[][2] = {{1, 1}, {10, 3}, {20, 5}, {79, 23}, {132, 50}, {1000, 1000}};
    for (size_t i = 0; i < N_ELEMS(sizes); i++) {
        tui_render(&m, sizes[i][0], sizes[i][1], 0, f);
        assert_true(f->w <= TUI_MAX_W && f->h <= TUI_MAX_H);
        for (int y = 0; y < f->h; y++) assert_int_equal((int)strlen(f->lines[y].text), f->w);
    }
    m.connected = 1;
    m.mode = TUI_HELP;
    tui_render(&m, 80, 24, 0, f);
    assert_true(frame_has(f, "halt the selected task") > 0);
    tui_model_free(&m);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_80_132), cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_bar),           cmocka_unit_test(test_trunc),
        cmocka_unit_test(test_task_row),      cmocka_unit_test(test_model_keys),
        cmocka_unit_test(test_pick_task),     cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
