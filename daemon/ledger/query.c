/* query — the ledger's readers (ledger.h): what a restart restores (the
 * hour's uptime row, the month's Maker Hours, recently finished orders),
 * the history rows and the report figures.  Each flushes the queue first so
 * it sees everything recorded so far; money is summed exactly (dec_t). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ledger_int.h"
#include "log.h"

static sqlite3_stmt *prep(struct ledger *lg, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(lg->db, sql, -1, &st, NULL) != SQLITE_OK) {
        LOGE("ledger", "query failed: %s", sqlite3_errmsg(lg->db));
        return NULL;
    }
    return st;
}

static void bind_task(sqlite3_stmt *st, int i, const char *task)
{
    if (task) sqlite3_bind_text(st, i, task, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

static dec_t col_dec(sqlite3_stmt *st, int i)
{
    dec_t v = 0;
    const char *s = (const char *)sqlite3_column_text(st, i);
    if (s) dec_parse(s, &v);
    return v;
}

int ledger_get_hour(struct ledger *lg, const char *task, int64_t hour, struct ledger_hour *out)
{
    if (!lg) return 0;
    ledger_flush(lg);
    sqlite3_stmt *st = prep(lg, "SELECT qual_s, samples, size, maker_hours FROM hours WHERE task=?1 AND hour=?2");
    if (!st) return -1;
    bind_task(st, 1, task);
    sqlite3_bind_int64(st, 2, hour);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->hour = hour;
        out->qual_s = sqlite3_column_int(st, 0);
        out->samples = sqlite3_column_int(st, 1);
        out->size = col_dec(st, 2);
        out->maker_hours = sqlite3_column_double(st, 3);
        found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

double ledger_sum_mh(struct ledger *lg, const char *task, int64_t from_hour, int64_t to_hour)
{
    if (!lg) return 0;
    ledger_flush(lg);
    sqlite3_stmt *st = prep(lg, "SELECT COALESCE(SUM(maker_hours),0) FROM hours WHERE task=?1 AND hour>=?2 AND hour<?3");
    if (!st) return 0;
    bind_task(st, 1, task);
    sqlite3_bind_int64(st, 2, from_hour);
    sqlite3_bind_int64(st, 3, to_hour);
    double s = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_double(st, 0) : 0;
    sqlite3_finalize(st);
    return s;
}

int ledger_recent_done(struct ledger *lg, const char *task, int64_t since_ms,
                       void (*fn)(void *ud, const char *cl_ord_id, int64_t done_ms), void *ud)
{
    if (!lg) return 0;
    ledger_flush(lg);
    sqlite3_stmt *st = prep(lg, "SELECT cl_ord_id, done_ms FROM orders WHERE task=?1 AND done_ms>=?2");
    if (!st) return -1;
    bind_task(st, 1, task);
    sqlite3_bind_int64(st, 2, since_ms);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < 100000) {
        fn(ud, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

int ledger_fees_missing(struct ledger *lg, const char *account)
{
    if (!lg) return 0;
    int n = 0;
    for (size_t i = 0; i < lg->n; i++)     /* queued fills count too: no flush on the hot path */
        if (lg->q[i].stmt == S_FILL && lg->q[i].v[9].t == V_NULL) n++;
    sqlite3_stmt *st = prep(lg, "SELECT COUNT(*) FROM fills WHERE fee IS NULL AND account=?1 AND time_ms>?2");
    if (!st) return n;
    bind_task(st, 1, account);
    sqlite3_bind_int64(st, 2, clock_wall_ms() - 3600000);   /* older ones: the venue's list has moved on */
    if (sqlite3_step(st) == SQLITE_ROW) n += sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

int ledger_count_fills(struct ledger *lg, const char *task, int64_t since_ms)
{
    int n = 0;
    sqlite3_stmt *st = lg ? prep(lg, "SELECT COUNT(*) FROM fills WHERE task=?1 AND time_ms>=?2") : NULL;
    if (!st) return 0;
    bind_task(st, 1, task);
    sqlite3_bind_int64(st, 2, since_ms);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

int64_t ledger_created_ms(struct ledger *lg)
{
    int64_t v = 0;
    sqlite3_stmt *st = lg ? prep(lg, "SELECT value FROM meta WHERE key='created_ms'") : NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---------- history ---------- */

static json_t *col_json(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT: return json_string((const char *)sqlite3_column_text(st, i));
    default: return json_null();
    }
}

static const struct { const char *kind, *sql; } HISTORY[] = {
    {"fills", "SELECT time_ms, task, symbol, side, price, qty, fee, pnl, maker, trade_id, order_id, cl_ord_id,"
              " source, markout_1s, markout_5s, markout_30s FROM fills"
              " WHERE (?1 IS NULL OR task=?1) AND time_ms>=?2 AND time_ms<?3 ORDER BY time_ms DESC LIMIT ?4"},
    {"orders", "SELECT placed_ms AS time_ms, task, symbol, side, tier, tif, price, qty, fill_qty, status, reason,"
               " cl_ord_id, order_id, acked_ms, done_ms FROM orders"
               " WHERE (?1 IS NULL OR task=?1) AND placed_ms>=?2 AND placed_ms<?3 ORDER BY placed_ms DESC LIMIT ?4"},
    {"hours", "SELECT hour*3600000 AS time_ms, task, symbol, qual_s, samples, tier, x70, x50, cap, maker_hours"
              " FROM hours WHERE (?1 IS NULL OR task=?1) AND hour*3600000>=?2 AND hour*3600000<?3"
              " ORDER BY hour DESC, task LIMIT ?4"},
    {"events", "SELECT time_ms, task, kind, detail FROM events"
               " WHERE (?1 IS NULL OR task=?1 OR task IS NULL) AND time_ms>=?2 AND time_ms<?3"
               " ORDER BY time_ms DESC, id DESC LIMIT ?4"},
};

json_t *ledger_history(struct ledger *lg, const char *kind, const char *task, int64_t since_ms,
                       int64_t until_ms, int limit, char *msg, size_t len)
{
    const char *sql = NULL;
    for (size_t i = 0; i < sizeof HISTORY / sizeof HISTORY[0]; i++)
        if (kind && !strcmp(kind, HISTORY[i].kind)) sql = HISTORY[i].sql;
    if (!sql) {
        snprintf(msg, len, "unknown history kind '%s': use fills, orders, hours or events", kind ? kind : "");
        return NULL;
    }
    ledger_flush(lg);
    sqlite3_stmt *st = prep(lg, sql);
    if (!st) {
        snprintf(msg, len, "ledger query failed: %s", sqlite3_errmsg(lg->db));
        return NULL;
    }
    bind_task(st, 1, task);
    sqlite3_bind_int64(st, 2, since_ms);
    sqlite3_bind_int64(st, 3, until_ms);
    sqlite3_bind_int(st, 4, limit);
    json_t *rows = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *r = json_object();
        for (int i = 0; i < sqlite3_column_count(st); i++)
            json_object_set_new(r, sqlite3_column_name(st, i), col_json(st, i));
        json_array_append_new(rows, r);
    }
    sqlite3_finalize(st);
    return json_pack("{s:s, s:I, s:I, s:o}", "kind", kind, "since_ms", (json_int_t)since_ms, "until_ms",
                     (json_int_t)until_ms, "rows", rows);
}

/* ---------- report ---------- */

static json_t *dec_json(dec_t v)
{
    char b[48];
    return json_string(dec_str(v, b, sizeof b));
}

static json_t *hours_part(struct ledger *lg, const char *task, int64_t since_ms, int64_t until_ms)
{
    sqlite3_stmt *st = prep(lg, "SELECT tier, COUNT(*), COALESCE(SUM(qual_s),0), COALESCE(SUM(maker_hours),0),"
                                " COALESCE(SUM(2.0*CAST(size AS REAL)*CAST(mark AS REAL)*qual_s/86400.0),0)"
                                " FROM hours WHERE task=?1 AND hour*3600000>=?2 AND hour*3600000<?3 GROUP BY tier");
    json_t *by = json_pack("{s:i, s:i, s:i}", "boosted", 0, "standard", 0, "none", 0);
    json_int_t secs = 0;
    double mh = 0, pts = 0;
    if (st) {
        bind_task(st, 1, task);
        sqlite3_bind_int64(st, 2, since_ms);
        sqlite3_bind_int64(st, 3, until_ms);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *tier = (const char *)sqlite3_column_text(st, 0);
            json_object_set_new(by, tier ? tier : "none", json_integer(sqlite3_column_int64(st, 1)));
            secs += sqlite3_column_int64(st, 2);
            mh += sqlite3_column_double(st, 3);
            pts += sqlite3_column_double(st, 4);
        }
        sqlite3_finalize(st);
    }
    return json_pack("{s:o, s:I, s:f, s:f}", "uptime_hours_by_tier", by, "uptime_seconds", secs, "maker_hours", mh,
                     "est_maker_points", pts);
}

static json_t *fills_part(struct ledger *lg, const char *task, int64_t since_ms, int64_t until_ms)
{
    sqlite3_stmt *st = prep(lg, "SELECT price, qty, fee, pnl, maker FROM fills WHERE task=?1 AND time_ms>=?2 AND time_ms<?3");
    dec_t fees = 0, pnl = 0, mvol = 0, vol = 0;
    json_int_t n = 0, no_fee = 0;
    if (st) {
        bind_task(st, 1, task);
        sqlite3_bind_int64(st, 2, since_ms);
        sqlite3_bind_int64(st, 3, until_ms);
        while (sqlite3_step(st) == SQLITE_ROW) {
            dec_t v = dec_mul(col_dec(st, 0), col_dec(st, 1));
            n++;
            vol += v;
            if (sqlite3_column_type(st, 4) == SQLITE_NULL || sqlite3_column_int(st, 4)) mvol += v;
            if (sqlite3_column_type(st, 2) == SQLITE_NULL) no_fee++;
            fees += col_dec(st, 2);
            pnl += col_dec(st, 3);
        }
        sqlite3_finalize(st);
    }
    json_t *j = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o}", "fills", n, "fills_without_fee", no_fee, "volume",
                          dec_json(vol), "maker_volume", dec_json(mvol), "fees", dec_json(fees), "realized_pnl",
                          dec_json(pnl));
    json_t *mo = json_object();
    st = prep(lg, "SELECT AVG(markout_1s), AVG(markout_5s), AVG(markout_30s) FROM fills WHERE task=?1 AND time_ms>=?2 AND time_ms<?3");
    if (st) {
        bind_task(st, 1, task);
        sqlite3_bind_int64(st, 2, since_ms);
        sqlite3_bind_int64(st, 3, until_ms);
        if (sqlite3_step(st) == SQLITE_ROW) {
            static const char *const k[] = {"1s", "5s", "30s"};
            for (int i = 0; i < 3; i++) json_object_set_new(mo, k[i], col_json(st, i));
        }
        sqlite3_finalize(st);
    }
    json_object_set_new(j, "avg_markout_bps", mo);
    return j;
}

json_t *ledger_report(struct ledger *lg, const char *task, int64_t since_ms, int64_t until_ms)
{
    ledger_flush(lg);
    json_t *tasks = json_object();
    sqlite3_stmt *st = prep(lg, "SELECT task FROM hours WHERE hour*3600000>=?2 AND hour*3600000<?3 AND (?1 IS NULL OR task=?1)"
                                " UNION SELECT task FROM fills WHERE time_ms>=?2 AND time_ms<?3 AND task IS NOT NULL"
                                " AND (?1 IS NULL OR task=?1) ORDER BY 1");
    if (st) {
        bind_task(st, 1, task);
        sqlite3_bind_int64(st, 2, since_ms);
        sqlite3_bind_int64(st, 3, until_ms);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *id = (const char *)sqlite3_column_text(st, 0);
            json_t *j = hours_part(lg, id, since_ms, until_ms);
            json_t *f = fills_part(lg, id, since_ms, until_ms);
            json_object_update(j, f);
            json_decref(f);
            json_object_set_new(tasks, id, j);
        }
        sqlite3_finalize(st);
    }
    if (task && !json_object_get(tasks, task)) {   /* a task with nothing recorded yet: zeros */
        json_t *j = hours_part(lg, task, since_ms, until_ms);
        json_t *f = fills_part(lg, task, since_ms, until_ms);
        json_object_update(j, f);
        json_decref(f);
        json_object_set_new(tasks, task, j);
    }
    return json_pack("{s:I, s:I, s:o}", "since_ms", (json_int_t)since_ms, "until_ms", (json_int_t)until_ms,
                     "tasks", tasks);
}

/* ---------- times ---------- */

int ledger_parse_time(const char *s, int64_t now_ms, int64_t *out)
{
    if (!s || !*s) return -1;
    size_t n = strlen(s), digits = strspn(s, "0123456789");
    if (digits == n && n <= 16) {                 /* epoch seconds (or ms when that large) */
        long long v = strtoll(s, NULL, 10);
        *out = v > 100000000000LL ? v : v * 1000;
        return 0;
    }
    if (digits > 0 && digits == n - 1 && n <= 12) {   /* a duration ago */
        static const struct { char u; int64_t ms; } U[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}};
        for (size_t i = 0; i < 4; i++)
            if (s[n - 1] == U[i].u) {
                *out = now_ms - strtoll(s, NULL, 10) * U[i].ms;
                return 0;
            }
        return -1;
    }
    struct tm tm = {0};
    char *e = strptime(s, "%Y-%m-%d", &tm);
    if (e && !*e) {
        *out = (int64_t)timegm(&tm) * 1000;
        return 0;
    }
    int64_t us;
    if (clock_parse_rfc3339(s, &us) == 0) {
        *out = us / 1000;
        return 0;
    }
    return -1;
}
