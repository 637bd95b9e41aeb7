/* task_recent — the cockpit's short memory of one task, kept in the task
 * until the ledger serves it: the last TASK_RECENT fills (with their markout
 * against the current mark when shown) and events (risk changes, halts and
 * who asked, resumes), and the anchor of "PnL today" (realized PnL since the
 * later of UTC midnight and the first position report, plus unrealized at
 * our mark).
 * Memory only: a restart forgets it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "task_int.h"

void task_note_fill(struct task *t, enum side side, dec_t qty, dec_t price)
{
    struct task_recent *r = &t->recent;
    int i = r->fills_next;
    r->fills[i].wall_ms = t->wall_ms;
    r->fills[i].side = side;
    r->fills[i].qty = qty;
    r->fills[i].price = price;
    r->fills_next = (i + 1) % TASK_RECENT;
    if (r->fills_n < TASK_RECENT) r->fills_n++;
}

void task_note_event(struct task *t, const char *fmt, ...)
{
    struct task_recent *r = &t->recent;
    int i = r->events_next;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->events[i].text, sizeof r->events[i].text, fmt, ap);
    va_end(ap);
    r->events[i].wall_ms = t->wall_ms;
    r->events_next = (i + 1) % TASK_RECENT;
    if (r->events_n < TASK_RECENT) r->events_n++;
}

void task_day_roll(struct task *t)
{
    struct task_recent *r = &t->recent;
    int64_t day = t->wall_ms / 86400000;
    if (!t->book.have_pos || day <= 0 || day == r->pnl_day) return;
    r->pnl_day = day;
    r->realized_day0 = t->book.realized_pnl;
}

/* Unrealized at our own mark (fresher than the venue's last position
 * report), or the venue's figure before we have a mark and an entry. */
dec_t task_pnl_today(const struct task *t)
{
    dec_t realized = t->recent.pnl_day ? t->book.realized_pnl - t->recent.realized_day0 : 0;
    dec_t pos = ord_position(&t->book), entry = t->book.entry_price;
    dec_t unreal = t->mark > 0 && entry > 0 ? dec_mul(pos, t->mark - entry) : t->book.upnl;
    return realized + unreal;
}

static double round2(double v) { return round(v * 100.0) / 100.0; }

static json_t *time_json(int64_t wall_ms)
{
    char ts[40];
    clock_fmt_rfc3339(wall_ms * 1000, ts, sizeof ts);
    return json_string(ts);
}

static json_t *fills_json(const struct task *t)
{
    const struct task_recent *r = &t->recent;
    json_t *a = json_array();
    char q[40], p[40];
    for (int k = 0; k < r->fills_n; k++) {   /* newest first */
        int i = (r->fills_next - 1 - k + TASK_RECENT) % TASK_RECENT;
        double mk = 0;
        if (t->mark > 0 && r->fills[i].price > 0) {
            mk = (dec_to_double(t->mark) / dec_to_double(r->fills[i].price) - 1.0) * 1e4;
            if (r->fills[i].side == SIDE_SELL) mk = -mk;
        }
        json_array_append_new(
            a, json_pack("{s:o, s:s, s:s, s:s, s:f}", "time", time_json(r->fills[i].wall_ms),
                         "side", side_name(r->fills[i].side), "qty",
                         dec_fmt(r->fills[i].qty, t->si.qty_decimals, q, sizeof q), "price",
                         dec_fmt(r->fills[i].price, t->si.price_decimals, p, sizeof p),
                         "markout_bps", round2(mk)));
    }
    return a;
}

static json_t *events_json(const struct task *t)
{
    const struct task_recent *r = &t->recent;
    json_t *a = json_array();
    for (int k = 0; k < r->events_n; k++) {
        int i = (r->events_next - 1 - k + TASK_RECENT) % TASK_RECENT;
        json_array_append_new(a, json_pack("{s:o, s:s}", "time", time_json(r->events[i].wall_ms),
                                           "text", r->events[i].text));
    }
    return a;
}

json_t *task_recent_json(const struct task *t)
{
    return json_pack("{s:o, s:o}", "fills", fills_json(t), "events", events_json(t));
}
