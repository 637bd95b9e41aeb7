/* store — the ledger's writer (see ledger.h): opening and migrating the
 * database, the in-memory queue of rows, the 1 s batched commit on the event
 * loop, failure handling (rollback, keep, retry, report) and retention.
 * Schema versions live in PRAGMA user_version; MIGRATIONS[i] takes the file
 * from version i to i + 1, each in one transaction.  A file newer than this
 * mmd is refused (never downgraded). */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "fsutil.h"
#include "ledger_int.h"
#include "log.h"

static const char *const MIGRATIONS[] = {
    /* 0 -> 1 */
    "CREATE TABLE orders(cl_ord_id TEXT PRIMARY KEY, task TEXT, account TEXT, symbol TEXT, side TEXT,"
    " tier INTEGER, tif TEXT, price TEXT, qty TEXT, order_id INTEGER, status TEXT, reason TEXT,"
    " fill_qty TEXT, placed_ms INTEGER, acked_ms INTEGER, done_ms INTEGER, updated_ms INTEGER);"
    "CREATE INDEX orders_task_time ON orders(task, placed_ms);"
    "CREATE INDEX orders_order_id ON orders(order_id);"
    "CREATE INDEX orders_updated ON orders(updated_ms);"
    "CREATE TABLE fills(trade_id INTEGER NOT NULL, order_id INTEGER NOT NULL, cl_ord_id TEXT, task TEXT,"
    " account TEXT, symbol TEXT, side TEXT, price TEXT, qty TEXT, fee TEXT, pnl TEXT, maker INTEGER,"
    " time_ms INTEGER, source TEXT, markout_1s REAL, markout_5s REAL, markout_30s REAL,"
    " PRIMARY KEY(trade_id, order_id));"
    "CREATE INDEX fills_task_time ON fills(task, time_ms);"
    "CREATE INDEX fills_time ON fills(time_ms);"
    "CREATE TABLE hours(task TEXT NOT NULL, hour INTEGER NOT NULL, symbol TEXT, qual_s INTEGER,"
    " samples INTEGER, size TEXT, mark TEXT, tier TEXT, x70 TEXT, x50 TEXT, cap TEXT, maker_hours REAL,"
    " PRIMARY KEY(task, hour));"
    "CREATE TABLE events(id INTEGER PRIMARY KEY, time_ms INTEGER, task TEXT, kind TEXT, detail TEXT);"
    "CREATE INDEX events_time ON events(time_ms);"
    "CREATE TABLE positions(time_ms INTEGER, task TEXT, symbol TEXT, qty TEXT, entry_price TEXT,"
    " upnl TEXT, realized_pnl TEXT);"
    "CREATE INDEX positions_time ON positions(time_ms);"
    "CREATE TABLE balances(time_ms INTEGER, account TEXT, equity TEXT, available TEXT);"
    "CREATE INDEX balances_time ON balances(time_ms);"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value);",
};
#define N_MIGRATIONS (int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0])

static const char *const STMT_SQL[S_COUNT] = {
    [S_ORDER] =
        "INSERT INTO orders(cl_ord_id,task,account,symbol,side,tier,tif,price,qty,order_id,status,reason,"
        "fill_qty,placed_ms,acked_ms,done_ms,updated_ms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
        "?14,?15,?16,?17) ON CONFLICT(cl_ord_id) DO UPDATE SET order_id=COALESCE(excluded.order_id,order_id),"
        " status=excluded.status, reason=CASE WHEN excluded.reason<>'' THEN excluded.reason ELSE reason END,"
        " fill_qty=excluded.fill_qty, acked_ms=COALESCE(acked_ms,excluded.acked_ms),"
        " done_ms=COALESCE(excluded.done_ms,done_ms), updated_ms=excluded.updated_ms",
    [S_FILL] =
        "INSERT INTO fills(trade_id,order_id,cl_ord_id,task,account,symbol,side,price,qty,fee,pnl,maker,"
        "time_ms,source) VALUES(?1,?2,COALESCE(?3,(SELECT cl_ord_id FROM orders WHERE order_id=?2 LIMIT 1)),"
        "COALESCE((SELECT task FROM orders WHERE order_id=?2 LIMIT 1),?4),?5,?6,?7,?8,?9,?10,?11,"
        "COALESCE(?12,(SELECT tif='alo' FROM orders WHERE order_id=?2 LIMIT 1)),?13,?14)"
        " ON CONFLICT(trade_id,order_id) DO UPDATE SET fee=COALESCE(excluded.fee,fee),"
        " pnl=COALESCE(excluded.pnl,pnl), cl_ord_id=COALESCE(cl_ord_id,excluded.cl_ord_id),"
        " task=COALESCE(task,excluded.task), maker=COALESCE(maker,excluded.maker)",
    [S_MARKOUT] =
        "UPDATE fills SET markout_1s=CASE WHEN ?3=1 THEN ?4 ELSE markout_1s END,"
        " markout_5s=CASE WHEN ?3=5 THEN ?4 ELSE markout_5s END,"
        " markout_30s=CASE WHEN ?3=30 THEN ?4 ELSE markout_30s END WHERE trade_id=?1 AND order_id=?2",
    [S_HOUR] =
        "INSERT INTO hours(task,hour,symbol,qual_s,samples,size,tier,x70,x50,cap,maker_hours,mark)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) ON CONFLICT(task,hour) DO UPDATE SET"
        " qual_s=excluded.qual_s, samples=excluded.samples, size=excluded.size, tier=excluded.tier,"
        " mark=COALESCE(excluded.mark,mark),"
        " x70=COALESCE(excluded.x70,x70), x50=COALESCE(excluded.x50,x50), cap=COALESCE(excluded.cap,cap),"
        " maker_hours=COALESCE(excluded.maker_hours,maker_hours)",
    [S_EVENT] = "INSERT INTO events(time_ms,task,kind,detail) VALUES(?1,?2,?3,?4)",
    [S_POSITION] = "INSERT INTO positions(time_ms,task,symbol,qty,entry_price,upnl,realized_pnl)"
                   " VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [S_BALANCE] = "INSERT INTO balances(time_ms,account,equity,available) VALUES(?1,?2,?3,?4)",
};

/* ---------- opening ---------- */

static int exec_sql(struct ledger *lg, const char *sql)
{
    char *e = NULL;
    if (sqlite3_exec(lg->db, sql, NULL, NULL, &e) == SQLITE_OK) return 0;
    snprintf(lg->err, sizeof lg->err, "%s", e ? e : sqlite3_errmsg(lg->db));
    sqlite3_free(e);
    return -1;
}

static int user_version(struct ledger *lg)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(lg->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int migrate(struct ledger *lg, char *err, size_t len)
{
    int v = user_version(lg);
    if (v < 0) {
        snprintf(err, len, "%s is not a readable SQLite database (%s): move it aside and restart", lg->path,
                 sqlite3_errmsg(lg->db));
        return -1;
    }
    if (v > N_MIGRATIONS) {
        snprintf(err, len, "%s has schema version %d, newer than this mmd knows (%d): run the newer mmd, "
                           "or move the file aside", lg->path, v, N_MIGRATIONS);
        return -1;
    }
    for (; v < N_MIGRATIONS; v++) {
        char set[64];
        snprintf(set, sizeof set, "PRAGMA user_version=%d;", v + 1);
        if (exec_sql(lg, "BEGIN IMMEDIATE") || exec_sql(lg, MIGRATIONS[v]) || exec_sql(lg, set) ||
            exec_sql(lg, "COMMIT")) {
            snprintf(err, len, "cannot migrate %s to schema version %d: %s", lg->path, v + 1, lg->err);
            exec_sql(lg, "ROLLBACK");
            return -1;
        }
        LOGI("ledger", "%s: schema version %d", lg->path, v + 1);
    }
    lg->schema_version = N_MIGRATIONS;
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO meta VALUES('created_ms', %lld)", (long long)clock_wall_ms());
    if (exec_sql(lg, sql) != 0) {
        snprintf(err, len, "cannot write the ledger %s: %s", lg->path, lg->err);
        return -1;
    }
    lg->err[0] = 0;
    return 0;
}

static void flush_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    ledger_flush(ud);
}

static int open_db(struct ledger *lg, char *err, size_t len)
{
    int rc = sqlite3_open_v2(lg->path, &lg->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, len, "cannot open the ledger %s: %s: it must be a writable SQLite file (or absent) in a "
                           "writable directory (state.dir in mmd.yaml(5)); move it aside to start a new ledger",
                 lg->path, lg->db ? sqlite3_errmsg(lg->db) : "out of memory");
        return -1;
    }
    sqlite3_busy_timeout(lg->db, 50);   /* another daemon sharing the file: retried next second */
    if (exec_sql(lg, "PRAGMA journal_mode=WAL") || exec_sql(lg, "PRAGMA synchronous=NORMAL") ||
        exec_sql(lg, "PRAGMA foreign_keys=OFF")) {
        snprintf(err, len, "cannot set up the ledger %s: %s: it must be a writable SQLite file (or absent) in a "
                           "writable directory (state.dir in mmd.yaml(5)); move it aside to start a new ledger",
                 lg->path, lg->err);
        return -1;
    }
    if (migrate(lg, err, len) != 0) return -1;
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(lg->db, STMT_SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &lg->st[i], NULL) != SQLITE_OK) {
            snprintf(err, len, "ledger %s: cannot prepare statement %d: %s", lg->path, i, sqlite3_errmsg(lg->db));
            return -1;
        }
    return 0;
}

struct ledger *ledger_open(struct event_base *base, const char *dir, const struct ledger_keep *keep,
                           char *err, size_t errlen)
{
    if (!dir || !*dir) {
        snprintf(err, errlen, "no state directory for the ledger: set state.dir in the config "
                              "(mmd.yaml(5)), or state.ledger: false to run without one");
        return NULL;
    }
    if (mkdir_p(dir, 0700) != 0) {
        snprintf(err, errlen, "cannot create the state directory %s: %s: set state.dir to a writable "
                              "directory (mmd.yaml(5))", dir, strerror(errno));
        return NULL;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "the state directory %s is not writable (%s): fix its permissions or set "
                              "state.dir to a writable directory (mmd.yaml(5))", dir, strerror(errno));
        return NULL;
    }
    struct ledger *lg = calloc(1, sizeof *lg);
    if (!lg) { snprintf(err, errlen, "out of memory"); return NULL; }
    snprintf(lg->path, sizeof lg->path, "%s/%s", dir, LEDGER_FILE);
    if (keep) lg->keep = *keep;
    const char *ff = getenv("MMD_LEDGER_FAIL_FILE");
    if (ff && *ff) snprintf(lg->fail_file, sizeof lg->fail_file, "%s", ff);
    if (open_db(lg, err, errlen) != 0) {
        ledger_close(lg);
        return NULL;
    }
    lg->ok = true;
    lg->last_commit_ms = clock_wall_ms();
    if (base) {
        lg->timer = event_new(base, -1, EV_PERSIST, flush_cb, lg);
        struct timeval tv = clock_tv_us(LEDGER_FLUSH_US);
        if (!lg->timer || event_add(lg->timer, &tv) != 0) {
            snprintf(err, errlen, "cannot start the ledger's writer timer");
            ledger_close(lg);
            return NULL;
        }
    }
    LOGI("ledger", "ledger %s open (schema version %d, WAL)", lg->path, lg->schema_version);
    return lg;
}

static void rec_free(struct lg_rec *r)
{
    for (int i = 0; i < r->n; i++)
        if (r->v[i].t == V_TEXT) free(r->v[i].s);
    r->n = 0;
}

void ledger_close(struct ledger *lg)
{
    if (!lg) return;
    if (lg->db && lg->n) ledger_flush(lg);
    if (lg->n) LOGE("ledger", "%zu row(s) could not be written before exit: %s", lg->n, lg->err);
    if (lg->timer) event_free(lg->timer);
    for (size_t i = 0; i < lg->n; i++) rec_free(&lg->q[i]);
    free(lg->q);
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(lg->st[i]);
    if (lg->db) sqlite3_close(lg->db);
    free(lg);
}

/* ---------- the queue ---------- */

struct lg_rec *lg_push(struct ledger *lg, enum lg_stmt s)
{
    if (!lg) return NULL;
    if (lg->n >= LEDGER_QUEUE_MAX) {
        if (lg->dropped++ == 0)
            LOGE("ledger", "write queue full (%d rows unwritten: %s): dropping new rows", LEDGER_QUEUE_MAX, lg->err);
        return NULL;
    }
    if (lg->n == lg->cap) {
        size_t nc = lg->cap ? lg->cap * 2 : 256;
        struct lg_rec *q = realloc(lg->q, nc * sizeof *q);
        if (!q) { lg->dropped++; return NULL; }
        lg->q = q;
        lg->cap = nc;
    }
    struct lg_rec *r = &lg->q[lg->n++];
    r->stmt = s;
    r->n = 0;
    return r;
}

void lg_int(struct lg_rec *r, int64_t v) { if (r && r->n < LG_MAXV) r->v[r->n++] = (struct lg_val){.t = V_INT, .i = v}; }
void lg_real(struct lg_rec *r, double v) { if (r && r->n < LG_MAXV) r->v[r->n++] = (struct lg_val){.t = V_REAL, .d = v}; }
void lg_null(struct lg_rec *r) { if (r && r->n < LG_MAXV) r->v[r->n++] = (struct lg_val){.t = V_NULL}; }

void lg_text(struct lg_rec *r, const char *s)
{
    if (!r || r->n >= LG_MAXV) return;
    if (!s) { lg_null(r); return; }
    char *c = strdup(s);
    r->v[r->n++] = c ? (struct lg_val){.t = V_TEXT, .s = c} : (struct lg_val){.t = V_NULL};
}

void lg_dec(struct lg_rec *r, dec_t v)
{
    char b[48];
    lg_text(r, dec_str(v, b, sizeof b));
}

void lg_int_or_null(struct lg_rec *r, int64_t v) { if (v) lg_int(r, v); else lg_null(r); }

/* ---------- committing ---------- */

static int bind_step(struct ledger *lg, const struct lg_rec *r)
{
    sqlite3_stmt *st = lg->st[r->stmt];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (int i = 0; i < r->n; i++) {
        const struct lg_val *v = &r->v[i];
        switch (v->t) {
        case V_NULL: sqlite3_bind_null(st, i + 1); break;
        case V_INT: sqlite3_bind_int64(st, i + 1, v->i); break;
        case V_REAL: sqlite3_bind_double(st, i + 1, v->d); break;
        case V_TEXT: sqlite3_bind_text(st, i + 1, v->s, -1, SQLITE_STATIC); break;
        }
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return 0;
    snprintf(lg->err, sizeof lg->err, "write failed: %s", sqlite3_errmsg(lg->db));
    return -1;
}

/* Deletes rows older than the retention (at most once an hour). */
static void retention(struct ledger *lg, int64_t now_ms)
{
    static const struct { const char *table, *col; } T[] = {
        {"orders", "updated_ms"}, {"events", "time_ms"}, {"fills", "time_ms"}, {"hours", "hour*3600000"}};
    int days[] = {lg->keep.orders_days, lg->keep.events_days, lg->keep.fills_days, lg->keep.hours_days};
    if (now_ms - lg->last_retention_ms < 3600000) return;
    lg->last_retention_ms = now_ms;
    for (int i = 0; i < 4; i++) {
        if (days[i] <= 0) continue;
        char sql[160];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s < %lld", T[i].table, T[i].col,
                 (long long)(now_ms - (int64_t)days[i] * 86400000));
        if (exec_sql(lg, sql) != 0) return;
        if (i == 1) {
            snprintf(sql, sizeof sql, "DELETE FROM positions WHERE time_ms < %lld",
                     (long long)(now_ms - (int64_t)days[i] * 86400000));
            exec_sql(lg, sql);
            snprintf(sql, sizeof sql, "DELETE FROM balances WHERE time_ms < %lld",
                     (long long)(now_ms - (int64_t)days[i] * 86400000));
            exec_sql(lg, sql);
        }
    }
}

static void set_failed(struct ledger *lg, int64_t now_ms)
{
    if (lg->ok) {
        lg->ok = false;
        lg->fail_since_ms = now_ms;
        LOGE("ledger", "cannot write the ledger %s: %s; trading continues, %zu row(s) kept in memory, retrying "
                       "every second", lg->path, lg->err, lg->n);
    }
    lg->failures++;
}

int ledger_flush(struct ledger *lg)
{
    if (!lg || !lg->db) return -1;
    int64_t now_ms = clock_wall_ms();
    if (lg->n == 0 && now_ms - lg->last_retention_ms < 3600000) {
        if (lg->ok) lg->last_commit_ms = now_ms;   /* nothing unwritten: up to date */
        return 0;
    }
    if (lg->fail_file[0] && access(lg->fail_file, F_OK) == 0) {
        snprintf(lg->err, sizeof lg->err, "write failed: injected I/O error (MMD_LEDGER_FAIL_FILE %s exists)",
                 lg->fail_file);
        set_failed(lg, now_ms);
        return -1;
    }
    int64_t t0 = clock_mono_us();
    if (exec_sql(lg, "BEGIN IMMEDIATE") != 0) { set_failed(lg, now_ms); return -1; }
    for (size_t i = 0; i < lg->n; i++)
        if (bind_step(lg, &lg->q[i]) != 0) {
            exec_sql(lg, "ROLLBACK");
            set_failed(lg, now_ms);
            return -1;
        }
    retention(lg, now_ms);
    if (exec_sql(lg, "COMMIT") != 0) {
        char e[sizeof lg->err];
        snprintf(e, sizeof e, "%s", lg->err);
        exec_sql(lg, "ROLLBACK");
        snprintf(lg->err, sizeof lg->err, "%s", e);
        set_failed(lg, now_ms);
        return -1;
    }
    if (!lg->ok) LOGI("ledger", "ledger %s writable again: %zu row(s) written after %.0f s of failures", lg->path,
                      lg->n, (now_ms - lg->fail_since_ms) / 1000.0);
    lg->rows += lg->n;
    lg->commits++;
    lg->commit_us_total += clock_mono_us() - t0;
    for (size_t i = 0; i < lg->n; i++) rec_free(&lg->q[i]);
    lg->n = 0;
    lg->ok = true;
    lg->err[0] = 0;
    lg->last_commit_ms = now_ms;
    return 0;
}

json_t *ledger_status_json(const struct ledger *lg, int64_t now_ms)
{
    if (!lg) return json_null();
    json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:i, s:f, s:f}", "path", lg->path, "ok", lg->ok,
                          "pending", (json_int_t)lg->n, "dropped", (json_int_t)lg->dropped, "commits",
                          (json_int_t)lg->commits, "rows", (json_int_t)lg->rows, "failures",
                          (json_int_t)lg->failures, "schema_version", lg->schema_version, "last_commit_age_s",
                          (now_ms - lg->last_commit_ms) / 1000.0, "commit_ms_avg",
                          lg->commits ? lg->commit_us_total / 1000.0 / (double)lg->commits : 0.0);
    json_object_set_new(j, "error", lg->ok ? json_null() : json_string(lg->err));
    return j;
}
