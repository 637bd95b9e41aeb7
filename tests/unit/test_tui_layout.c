/* Unit tests: mmtop's curses-free code — column layout at 80 and 132
 * columns (numbers never cut: columns dropped), number and money rules,
 * merged state words, uptime and share bars, truncation, task rows, the
 * 24-hour uptime chart from a known history, the price chart, the model's
 * keys (paging, sort, filter) and full rendered frames. */
#include "testutil.h"

#include <math.h>

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
    enum tui_colid must[] = {TUI_C_ID, TUI_C_STATE, TUI_C_DIST, TUI_C_POS, TUI_C_PNL, TUI_C_UPTIME};
    for (int w = 80; w <= 400; w += 40) {
        tui_layout_columns(w, NULL, &l);
        for (size_t i = 0; i < N_ELEMS(must); i++) assert_true(has_col(&l, must[i]));
        assert_true(right_edge(&l) <= w);
    }
    tui_layout_columns(132, NULL, &l);
    assert_true(has_col(&l, TUI_C_MARK) && has_col(&l, TUI_C_SYMBOL) && has_col(&l, TUI_C_POSUSD));
    /* a number wider than its column's minimum widens it or drops the column */
    int need[TUI_C_COUNT] = {0};
    need[TUI_C_MARK] = 60;
    tui_layout_columns(132, need, &l);
    assert_false(has_col(&l, TUI_C_MARK));
    need[TUI_C_MARK] = 11;
    tui_layout_columns(132, need, &l);
    for (int i = 0; i < l.ncols; i++)
        if (l.cols[i].id == TUI_C_MARK) assert_true(l.cols[i].w >= 11);
    /* task ids are kept whole (up to 16) before the optional columns get room */
    need[TUI_C_MARK] = 0;
    need[TUI_C_ID] = 12;
    tui_layout_columns(80, need, &l);
    assert_int_equal(l.cols[0].id, TUI_C_ID);
    assert_true(l.cols[0].w >= 12);
    tui_layout_columns(40, NULL, &l);
    assert_true(has_col(&l, TUI_C_ID) && has_col(&l, TUI_C_STATE));
    assert_true(right_edge(&l) <= 40);
    tui_layout_columns(4, NULL, &l);   /* nothing fits: no columns, no crash */
    assert_int_equal(l.ncols, 0);
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
    assert_string_equal(tui_fmt_usd("-2.8332", 1, b, sizeof b), "-2.83");
    assert_string_equal(tui_fmt_usd("0.004", 1, b, sizeof b), "0.00");
    assert_string_equal(tui_fmt_usd("-0.001", 1, b, sizeof b), "0.00");
    assert_string_equal(tui_fmt_usd("1234.567", 1, b, sizeof b), "+1234.57");
    assert_string_equal(tui_fmt_usd("1234.567", 0, b, sizeof b), "1234.57");
    assert_string_equal(tui_fmt_usd(NULL, 1, b, sizeof b), "-");
    assert_string_equal(tui_fmt_like("65050.255217391", "65000.10", b, sizeof b), "65050.26");
    assert_string_equal(tui_fmt_like("150.1", "150.125", b, sizeof b), "150.100");
    assert_string_equal(tui_fmt_like("7.9", "65000", b, sizeof b), "8");
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
    assert_string_equal(tui_share_bar(0, 4, b, sizeof b), "....");
    assert_string_equal(tui_share_bar(0.01, 4, b, sizeof b), "=...");
    assert_string_equal(tui_share_bar(0.5, 4, b, sizeof b), "==..");
    assert_string_equal(tui_share_bar(1.5, 4, b, sizeof b), "!!!!");
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
    assert_string_equal(tui_trunc_words("spread 38.5 bps > 30", 14, b, sizeof b), "spread 38.5..");
    assert_string_equal(tui_trunc_words("spread 38.5 bps > 30", 12, b, sizeof b), "spread..");
    assert_string_equal(tui_trunc_words("short", 12, b, sizeof b), "short");
}

static json_t *sample_task(const char *id, const char *state)
{
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:[], s:b}, s:s, s:s, s:s,"
                     " s:[{s:i, s:[f,f], s:{s:s, s:s, s:f, s:s}, s:{s:s, s:s, s:f, s:s}}],"
                     " s:s, s:s, s:s, s:{s:f, s:s, s:b}, s:i, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:f}",
                     "id", id, "symbol", "BTC-USD", "state", state, "risk", "state", "safe",
                     "reasons", "operator_halt", 0, "mark", "65000.10", "best_bid", "64999.00",
                     "best_ask", "65001.00", "tiers", "tier", 1, "band_bps", 0.0, 10.0, "bid",
                     "price", "64974.10", "qty", "0.0050", "dist_bps", 4.0, "status", "open",
                     "ask", "price", "65026.10", "qty", "0.0050", "dist_bps", 4.0, "status", "open",
                     "position", "0.0100", "entry_price", "64950.00", "upnl", "-1.50", "uptime",
                     "hour_minutes", 36.5, "hour_tier", "standard", "both_sides_now", 1,
                     "fills_today", 3, "orders_open", 2, "rejects", 0, "alo_rejects", 0,
                     "last_reason", "requote", "pnl_today", "-2.8332", "position_usd", "650.00",
                     "max_position_usd", "5000", "position_share", 0.13);
}

static void test_task_row(void **st)
{
    (void)st;
    json_t *t = sample_task("btc-1", "quoting");
    struct tui_layout l;
    int need[TUI_C_COUNT];
    char b[TUI_MAX_W + 1];
    json_t *one = json_pack("[O]", t);
    tui_layout_needs(one, need);
    for (int w = 20; w <= 200; w += 4) {
        tui_layout_columns(w, need, &l);
        assert_int_equal(strlen(tui_fmt_task_row(t, &l, w, b, sizeof b)), w);
        assert_int_equal(strlen(tui_fmt_heading(&l, w, b, sizeof b)), w);
        if (w >= 80) assert_null(strchr(b, '~'));
    }
    tui_layout_columns(80, need, &l);
    tui_fmt_task_row(t, &l, 80, b, sizeof b);
    assert_non_null(strstr(b, "btc-1"));
    assert_non_null(strstr(b, "quoting"));
    assert_non_null(strstr(b, "4.0/4.0"));
    assert_non_null(strstr(b, "+13% "));
    assert_non_null(strstr(b, "-2.83"));
    assert_non_null(strstr(b, "36.5m #"));
    assert_null(strchr(b, '~'));
    /* merged state words and the first reason */
    assert_string_equal(tui_task_state(t), "quoting");
    assert_null(tui_task_reason(t));
    json_t *risk = json_object_get(t, "risk");
    json_object_set_new(risk, "state", json_string("caution"));
    json_array_append_new(json_object_get(risk, "reasons"), json_string("spread wide"));
    assert_string_equal(tui_task_state(t), "caution");
    assert_int_equal(tui_task_severity(t), 1);
    assert_string_equal(tui_task_reason(t), "spread wide");
    json_object_set_new(risk, "state", json_string("halt"));
    assert_string_equal(tui_task_state(t), "HALT");
    assert_int_equal(tui_task_severity(t), 2);
    json_object_set_new(t, "state", json_string("paused"));
    assert_string_equal(tui_task_state(t), "paused");
    json_object_set_new(t, "state", json_string("failed"));
    assert_string_equal(tui_task_state(t), "failed");
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
    json_decref(one);
    json_decref(t);
}

/* The chart drawn from a known 24-hour history: each hour's bar is
 * round(minutes / 60 x rows) cells high, '#' boosted, '+' standard, '|'
 * below; the 30 and 42 marks are drawn where no bar covers them. */
static void test_uptime_chart(void **st)
{
    (void)st;
    static char rows[TUI_MAX_H][TUI_MAX_W + 1];
    double mins[24];
    for (int i = 0; i < 24; i++) mins[i] = (i * 5) % 61;   /* 0, 5, ... 60, 4, 9 ... */
    mins[3] = 42;
    mins[4] = 30;
    mins[5] = 29.9;
    int h = 11, w = 80, bars = h - 1;
    assert_int_equal(tui_uptime_chart(mins, 22, w, h, rows), h);
    for (int i = 0; i < 24; i++) {
        int x = 4 + i * 3, cells = 0;
        char want = mins[i] >= 42 ? '#' : mins[i] >= 30 ? '+' : '|';
        for (int r = 0; r < bars; r++)
            if (rows[r][x] == want) cells++;
        int expect = mins[i] > 0 ? (int)lround(mins[i] / 60.0 * bars) : 0;
        if (mins[i] > 0 && expect == 0) expect = 1;
        assert_int_equal(cells, expect);
        for (int r = 0; r < bars - cells; r++) assert_true(rows[r][x] == ' ' || rows[r][x] == '-' || rows[r][x] == '=');
    }
    /* the marks: 42 at 7 cells up, 30 at 5 of 10 */
    assert_memory_equal(rows[bars - 7], "42=|", 4);
    assert_memory_equal(rows[bars - 5], "30-|", 4);
    assert_int_equal(rows[bars - 7][4 + 0 * 3], '=');   /* hour 0 has 0 minutes: the mark shows */
    /* hour labels: the first is 22 UTC, then 23, 00 */
    assert_memory_equal(rows[bars] + 4, "22 23 00", 8);
    for (int r = 0; r < h; r++) assert_int_equal((int)strlen(rows[r]), w);
    assert_int_equal(tui_uptime_chart(mins, 0, 20, 5, rows), 0);   /* too narrow: nothing */
}

static void test_price_chart(void **st)
{
    (void)st;
    static char rows[TUI_MAX_H][TUI_MAX_W + 1];
    struct tui_px px[3] = {{100.0, 99.9, 100.1}, {100.05, 99.95, 100.15}, {100.0, 99.9, 100.1}};
    assert_int_equal(tui_price_chart(px, 3, "100.00", 40, 5, rows), 5);
    assert_non_null(strstr(rows[0], "100.15 |"));
    assert_non_null(strstr(rows[4], "99.90 |"));
    assert_int_equal(rows[0][8 + 1], 'a');   /* the highest ask on top */
    assert_int_equal(rows[4][8], 'b');
    assert_int_equal(tui_price_chart(px, 0, "1", 40, 5, rows), 0);
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
    /* paging, home/end, sort and filter */
    tui_model_set_status(&m, sample_status(30));
    m.page = 10;
    assert_int_equal(tui_model_key(&m, TUI_KEY_HOME), TUI_ACT_SELECT);
    assert_int_equal(m.sel, 0);
    tui_model_key(&m, TUI_KEY_PGDN);
    assert_int_equal(m.sel, 10);
    tui_model_key(&m, TUI_KEY_END);
    assert_string_equal(m.sel_id, "task-29");
    tui_model_key(&m, TUI_KEY_PGUP);
    assert_int_equal(m.sel, 19);
    tui_model_key(&m, 's');
    tui_model_key(&m, 's');
    tui_model_key(&m, 's');
    tui_model_key(&m, 's');
    tui_model_key(&m, 's');
    assert_int_equal(m.sort, TUI_SORT_ID);   /* task-0, task-1, task-10, ... */
    assert_string_equal(json_string_value(json_object_get(tui_model_task(&m, 2), "id")), "task-10");
    tui_model_key(&m, 's');
    assert_int_equal(m.sort, TUI_SORT_CONFIG);
    tui_model_key(&m, '/');
    assert_int_equal(m.mode, TUI_FILTER);
    tui_model_key(&m, '2');
    tui_model_key(&m, '9');
    assert_int_equal(tui_model_ntasks(&m), 1);
    tui_model_key(&m, TUI_KEY_ENTER);
    assert_int_equal(m.mode, TUI_NORMAL);
    assert_string_equal(m.sel_id, "task-29");
    tui_model_key(&m, '/');
    tui_model_key(&m, TUI_KEY_ESC);
    assert_int_equal(tui_model_ntasks(&m), 30);
    assert_int_equal(tui_model_key(&m, TUI_KEY_ENTER), TUI_ACT_REDRAW);
    assert_int_equal(m.detail, 1);
    tui_model_key(&m, TUI_KEY_ESC);
    assert_int_equal(m.detail, 0);
    /* shrinking task list clamps the selection */
    tui_model_key(&m, TUI_KEY_DOWN);
    tui_model_set_status(&m, sample_status(1));
    assert_int_equal(m.sel, 0);
    tui_model_free(&m);
}

/* 429s per minute from the accounts' rate_limited counters in successive snapshots. */
static void test_429_rate(void **st)
{
    (void)st;
    struct tui_model m;
    tui_model_init(&m, "/tmp/x.sock");
    assert_int_equal(tui_model_429_per_min(&m), -1);
    long totals[] = {5, 5, 7, 9, 12};
    for (int i = 0; i < 5; i++) {
        m.now_ms = 1000000 + i * 20000;   /* every 20 s */
        json_t *s = json_pack("{s:{s:{s:{s:{s:I}}}}, s:[]}", "connections", "accounts", "a", "counters",
                              "rate_limited", (json_int_t)totals[i], "tasks");
        tui_model_set_status(&m, s);
    }
    assert_int_equal(tui_model_429_per_min(&m), 12 - 5);   /* 60 s back: the sample at 20 s */
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
    tui_render(&m, 120, 24, 0, f);
    assert_int_equal(frame_has(f, "up 1h02m"), 0);
    tui_render(&m, 80, 24, 0, f);
    for (int i = 0; i < 24; i++) assert_int_equal(strlen(f->lines[i].text), 80);
    assert_int_equal(frame_has(f, "mmd 0.1.0"), 0);
    assert_int_equal(frame_has(f, "3 tasks: 3 quoting 0 caution 0 HALT   1-3 of 3"), 1);
    assert_true(frame_has(f, "task-0") > 0);
    assert_true(frame_has(f, "task-2") > 0);
    assert_true(frame_has(f, "ladder (2 open)") > 0);
    assert_int_equal(frame_has(f, "q quit"), 23);
    assert_int_equal(f->lines[3].rev, 1);
    assert_int_equal(f->lines[3].attr, TUI_A_GOOD);
    for (int i = 0; i < 24; i++) assert_null(strchr(f->lines[i].text, '~'));
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
    assert_int_equal(f->lines[frame_has(f, "task-30 ")].rev, 1);
    assert_true(frame_has(f, " of 40") == 1);
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
        cmocka_unit_test(test_uptime_chart),  cmocka_unit_test(test_price_chart),
        cmocka_unit_test(test_429_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
