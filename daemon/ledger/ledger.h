/* ledger — the daemon's restart-proof record (mmd(8) LEDGER): one SQLite
 * database per daemon in the state directory (ledger.db, WAL), holding
 * orders, fills (exactly once by venue trade id and order id, fees and
 * realized PnL from query_trades, markouts at 1/5/30 s), per task per UTC
 * hour uptime and Maker Hours, and events (risk changes, halts, resumes,
 * reconnects, ledger faults).
 *
 * Writers never touch the disk: every ledger_* writer below queues a row in
 * memory; a 1 s timer on the event loop commits the queue in ONE transaction
 * (so a kill -9 loses at most the last second, and WAL keeps the file whole).
 * A failed commit (disk full, I/O error, or the test-only injection point
 * MMD_LEDGER_FAIL_FILE: while the file it names exists every commit fails) is
 * rolled back, the rows stay queued (bounded: LEDGER_QUEUE_MAX, beyond that
 * new rows are dropped and counted), the error shows in status and the log,
 * and the next second retries.  Trading never waits for the ledger.
 * Readers (restore, history, report) run on the same connection, after a
 * flush, so they see everything written so far. */
#ifndef MMD_LEDGER_H
#define MMD_LEDGER_H
#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dec.h"

#define LEDGER_FILE "ledger.db"
#define LEDGER_QUEUE_MAX 50000
#define LEDGER_FLUSH_US 1000000

struct ledger;

struct ledger_keep {            /* retention in days, 0 = forever */
    int orders_days, events_days, fills_days, hours_days;
};

/* Opens (creating, migrating) <dir>/ledger.db and starts its 1 s writer.
 * NULL with err saying what is wrong and what to do. */
struct ledger *ledger_open(struct event_base *base, const char *dir, const struct ledger_keep *keep,
                           char *err, size_t errlen);
/* Final flush, then closes.  NULL is fine. */
void ledger_close(struct ledger *lg);
/* Commits the queue now; 0 on success (or nothing to do), -1 (kept queued). */
int ledger_flush(struct ledger *lg);
/* {path, ok, error, pending, dropped, commits, rows, schema_version, ...} */
json_t *ledger_status_json(const struct ledger *lg, int64_t now_ms);

/* ---- writers (queued; strings copied) ---- */
struct ledger_order {
    const char *cl_ord_id, *task, *account, *symbol, *side, *tif, *status, *reason;
    int tier;
    dec_t price, qty, fill_qty;
    int64_t order_id;                  /* 0: unknown */
    int64_t placed_ms, acked_ms, done_ms;   /* 0: not (yet) */
    int64_t now_ms;
};
void ledger_order(struct ledger *lg, const struct ledger_order *o);

struct ledger_fill {
    int64_t trade_id, order_id;
    const char *cl_ord_id, *task, *account, *symbol, *side;   /* cl_ord_id, task may be NULL */
    dec_t price, qty;
    bool have_fee;                     /* fee and pnl known (query_trades) */
    dec_t fee, pnl;
    int maker;                         /* 1 maker, 0 taker, -1 unknown */
    int64_t time_ms;
    const char *source;                /* "stream" or "query_trades" */
};
/* Inserts the fill once; a later row with the same (trade_id, order_id)
 * only fills in what was missing (fee, pnl, task, client id). */
void ledger_fill(struct ledger *lg, const struct ledger_fill *f);
void ledger_markout(struct ledger *lg, int64_t trade_id, int64_t order_id, int horizon_s, double bps);

struct ledger_hour {
    const char *task, *symbol;
    int64_t hour;                      /* epoch hour (wall_ms / 3600000) */
    int qual_s, samples;
    dec_t size;                        /* the last qualifying size (restore) */
    dec_t mark;                        /* the mark then (0: unknown) */
    const char *tier;
    bool full;                         /* x70, x50, cap and maker_hours are set */
    dec_t x70, x50, cap;
    double maker_hours;
};
void ledger_hour(struct ledger *lg, const struct ledger_hour *h);
void ledger_event(struct ledger *lg, int64_t time_ms, const char *task, const char *kind, const char *detail);
void ledger_position(struct ledger *lg, int64_t time_ms, const char *task, const char *symbol, dec_t qty,
                     dec_t entry, dec_t upnl, dec_t realized);
void ledger_balance(struct ledger *lg, int64_t time_ms, const char *account, dec_t equity, dec_t available);

/* ---- readers (flush first; 0 ok, -1 error) ---- */
/* The row of (task, hour) if any: 1 found, 0 none. */
int ledger_get_hour(struct ledger *lg, const char *task, int64_t hour, struct ledger_hour *out);
/* Sum of maker_hours of task's hours in [from_hour, to_hour). */
double ledger_sum_mh(struct ledger *lg, const char *task, int64_t from_hour, int64_t to_hour);
/* Calls fn for each of task's orders finished at or after since_ms. */
int ledger_recent_done(struct ledger *lg, const char *task, int64_t since_ms,
                       void (*fn)(void *ud, const char *cl_ord_id, int64_t done_ms), void *ud);
/* task's fills at or after since_ms. */
int ledger_count_fills(struct ledger *lg, const char *task, int64_t since_ms);
/* When the file was created (epoch ms). */
int64_t ledger_created_ms(struct ledger *lg);
/* Fills of account without a fee yet (query_trades has not been seen). */
int ledger_fees_missing(struct ledger *lg, const char *account);

/* "fills", "orders", "hours", "events"; task NULL = all; [since, until) ms;
 * limit rows, newest first.  NULL with err/msg on a bad kind. */
json_t *ledger_history(struct ledger *lg, const char *kind, const char *task, int64_t since_ms,
                       int64_t until_ms, int limit, char *msg, size_t len);
/* The report of [since, until) per task (task NULL = every task seen). */
json_t *ledger_report(struct ledger *lg, const char *task, int64_t since_ms, int64_t until_ms);
/* A time for --since/--until: epoch seconds, YYYY-MM-DD, an RFC 3339 time,
 * or a duration ago ("90s", "15m", "2h", "3d").  0 ok, -1 not a time. */
int ledger_parse_time(const char *s, int64_t now_ms, int64_t *out_ms);

#endif
