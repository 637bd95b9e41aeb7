/* task_ledger — what one task tells the ledger (daemon/ledger/), and what
 * it gets back after a restart.  task.c calls the one-line task_lg_* hooks
 * at the moments that matter (an order placed, acknowledged, finished or
 * filled; a fill; a risk change, halt, resume, stream change; every tick);
 * this file turns them into ledger rows: orders with wall-clock times,
 * fills (the ledger keeps each once), markouts of each fill at 1, 5 and
 * 30 s (the mark's move since the fill, in bps, signed so that positive is
 * in the fill's favour: mark above a buy, below a sell), this UTC hour's
 * uptime once a second (X70/X50/Maker Hours every 10 s and when the hour
 * closes), position snapshots on change.  On start (task_set_ledger) it
 * gives the pure engine the restored figures: uptime (up_restore) and the
 * orders finished in the last 2 minutes (ord_remember_done), which a
 * lagging open-order list may still show; and the day's fill count.  Without a ledger every hook is
 * a no-op. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"
#include "task_int.h"

#define LG_MARKOUTS 256
#define LG_FULL_EVERY_S 10
#define LG_POSITION_EVERY_MS 300000

static const int HORIZONS[3] = {1, 5, 30};

struct task_lg {
    struct ledger *lg;
    char account[64];
    struct lg_mo { int64_t trade_id, order_id, time_ms; enum side side; dec_t price; int done; } mo[LG_MARKOUTS];
    int mo_next;
    int64_t last_sec, last_full_sec, last_hour;
    dec_t size;                 /* the last qualifying size (restore) */
    dec_t pos_qty;
    int64_t pos_ms;
};

static int64_t wall_of(const struct task *t, int64_t now_us, int64_t us)
{
    return us ? t->wall_ms - (now_us - us) / 1000 : 0;
}

struct restore_ctx { struct task *t; int64_t now_us; };

static void restore_done(void *ud, const char *cl, int64_t done_ms)
{
    struct restore_ctx *c = ud;
    ord_remember_done(&c->t->book, cl, c->now_us - (c->t->wall_ms - done_ms) * 1000);
}

static int64_t month_start_hour(int64_t wall_ms)
{
    time_t s = (time_t)(wall_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return (int64_t)timegm(&tm) / 3600;
}

void task_set_ledger(struct task *t, struct ledger *lg, const char *account, int64_t now_us, int64_t wall_ms)
{
    if (!t || !lg || t->lg) return;
    t->lg = calloc(1, sizeof *t->lg);
    if (!t->lg) return;
    t->lg->lg = lg;
    snprintf(t->lg->account, sizeof t->lg->account, "%s", account ? account : "");
    t->wall_ms = wall_ms;
    int64_t hour = wall_ms / 3600000;
    struct ledger_hour h = {0};
    int found = ledger_get_hour(lg, t->cfg.id, hour, &h);
    double month = ledger_sum_mh(lg, t->cfg.id, month_start_hour(wall_ms), hour);
    up_restore(&t->up, wall_ms, hour, found == 1 ? h.qual_s : 0, found == 1 ? h.samples : 0, h.size, month);
    t->lg->size = h.size;
    t->lg->last_hour = t->up.cur_hour;
    t->fills_day = wall_ms / 86400000;         /* status fills_today counts the day's earlier fills */
    t->fills_today = ledger_count_fills(lg, t->cfg.id, t->fills_day * 86400000);
    struct restore_ctx c = {t, now_us};
    int n = ledger_recent_done(lg, t->cfg.id, wall_ms - ORD_TOMB_US / 1000, restore_done, &c);
    TLOG(t, "ledger: continuing with %d s of this hour's uptime, %.3f Maker Hours this month before this hour, "
            "%d order(s) finished in the last %d s", up_hour_seconds(&t->up), month, n < 0 ? 0 : n,
         ORD_TOMB_US / 1000000);
}

static void write_hour(struct task *t, bool full)
{
    struct uptime *u = &t->up;
    if (u->cur_hour < 0) return;
    struct ledger_hour h = {.task = t->cfg.id, .symbol = t->cfg.symbol, .hour = u->cur_hour, .qual_s = u->qual_s,
                            .samples = u->samples, .size = t->lg->size, .mark = t->mark,
                            .tier = up_tier_name(u->qual_s), .full = full};
    if (full) {
        struct up_hour c;
        up_current(u, &c);
        h.x70 = c.x70;
        h.x50 = c.x50;
        h.cap = c.cap;
        h.maker_hours = c.mh;
    }
    ledger_hour(t->lg->lg, &h);
}

/* The hour that just closed, final figures. */
static void write_closed(struct task *t, int64_t hour)
{
    const struct up_hour *p = up_past(&t->up, hour);
    if (!p) return;
    struct ledger_hour h = {.task = t->cfg.id, .symbol = t->cfg.symbol, .hour = hour, .qual_s = p->qual_s,
                            .samples = p->samples, .size = t->lg->size, .mark = t->mark,
                            .tier = up_tier_name(p->qual_s), .full = true, .x70 = p->x70, .x50 = p->x50,
                            .cap = p->cap, .maker_hours = p->mh};
    ledger_hour(t->lg->lg, &h);
}

void task_lg_free(struct task *t)
{
    if (!t || !t->lg) return;
    write_hour(t, true);
    free(t->lg);
    t->lg = NULL;
}

void task_lg_order(struct task *t, const struct ord *o, int64_t now_us)
{
    if (!t->lg || !o) return;
    const struct ledger_order r = {
        .cl_ord_id = o->cl_ord_id, .task = t->cfg.id, .account = t->lg->account, .symbol = t->cfg.symbol,
        .side = side_name(o->side), .tif = tif_name(o->tif), .status = order_status_name(o->status),
        .reason = o->reason, .tier = o->tier, .price = o->price, .qty = o->qty, .fill_qty = o->fill_qty,
        .order_id = o->order_id, .placed_ms = wall_of(t, now_us, o->sent_us), .acked_ms = wall_of(t, now_us, o->ack_us),
        .done_ms = ord_is_live(o) ? 0 : wall_of(t, now_us, o->done_us ? o->done_us : now_us), .now_ms = t->wall_ms};
    ledger_order(t->lg->lg, &r);
}

void task_lg_fill(struct task *t, const struct venue_fill *f, const struct ord *o)
{
    if (!t->lg || !f->trade_id) return;
    const struct ledger_fill r = {
        .trade_id = f->trade_id, .order_id = f->order_id ? f->order_id : o ? o->order_id : 0,
        .cl_ord_id = f->cl_ord_id[0] ? f->cl_ord_id : o ? o->cl_ord_id : NULL, .task = t->cfg.id,
        .account = t->lg->account, .symbol = t->cfg.symbol, .side = side_name(f->side), .price = f->price,
        .qty = f->qty, .maker = o ? o->tif == TIF_ALO : -1, .time_ms = f->time_ms ? f->time_ms : t->wall_ms,
        .source = "stream"};
    ledger_fill(t->lg->lg, &r);
    struct lg_mo *m = &t->lg->mo[t->lg->mo_next];
    t->lg->mo_next = (t->lg->mo_next + 1) % LG_MARKOUTS;
    *m = (struct lg_mo){r.trade_id, r.order_id, t->wall_ms, f->side, f->price, 0};
}

void task_lg_event(struct task *t, const char *kind, const char *fmt, ...)
{
    if (!t->lg) return;
    char d[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d, sizeof d, fmt, ap);
    va_end(ap);
    ledger_event(t->lg->lg, t->wall_ms, t->cfg.id, kind, d);
}

void task_lg_position(struct task *t, const struct venue_position *p)
{
    if (!t->lg || (p->qty == t->lg->pos_qty && t->wall_ms - t->lg->pos_ms < LG_POSITION_EVERY_MS)) return;
    t->lg->pos_qty = p->qty;
    t->lg->pos_ms = t->wall_ms;
    ledger_position(t->lg->lg, t->wall_ms, t->cfg.id, t->cfg.symbol, p->qty, p->entry_price, p->upnl,
                    p->realized_pnl);
}

static void markouts(struct task *t)
{
    if (t->mark <= 0) return;
    for (int i = 0; i < LG_MARKOUTS; i++) {
        struct lg_mo *m = &t->lg->mo[i];
        if (!m->trade_id || m->price <= 0) continue;
        for (int k = 0; k < 3; k++) {
            if (m->done & (1 << k) || t->wall_ms - m->time_ms < HORIZONS[k] * 1000) continue;
            double bps = dec_bps(t->mark, m->price) * (m->side == SIDE_BUY ? 1 : -1);
            ledger_markout(t->lg->lg, m->trade_id, m->order_id, HORIZONS[k], bps);
            m->done |= 1 << k;
        }
        if (m->done == 7) m->trade_id = 0;
    }
}

void task_lg_tick(struct task *t)
{
    if (!t || !t->lg) return;
    struct task_lg *l = t->lg;
    int64_t sec = t->wall_ms / 1000;
    if (sec == l->last_sec) return;
    l->last_sec = sec;
    markouts(t);
    if (t->up.both_now) {
        dec_t s = t->up.bid_now < t->up.ask_now ? t->up.bid_now : t->up.ask_now;
        dec_t cap = up_cap(t->cfg.symbol, t->mark);
        l->size = cap > 0 && s > cap ? cap : s;
    }
    if (l->last_hour >= 0 && t->up.cur_hour != l->last_hour) write_closed(t, l->last_hour);
    l->last_hour = t->up.cur_hour;
    bool full = sec - l->last_full_sec >= LG_FULL_EVERY_S;
    if (full) l->last_full_sec = sec;
    write_hour(t, full);
}
