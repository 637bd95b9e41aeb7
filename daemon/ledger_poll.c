/* ledger_poll — opening the daemon's ledger, and the one place fees come
 * from: the trade stream carries none, so for each ready account the
 * newest trades of each symbol its tasks trade are read from query_trades
 * every LG_POLL_FEES_S while some of its fills lack a fee, and every
 * LG_POLL_ALL_S anyway (a fill the stream missed -- across a restart, a
 * kill -9 or a reconnect -- is recorded from there).  The ledger keeps each
 * (trade id, order id) once, so reading a trade again changes nothing.
 * Trades older than the ledger itself (the account's history before mmd)
 * are not imported.  One request per account in flight.  Balance snapshots
 * too: when the equity changes, at most every LG_BALANCE_EVERY_S, and every
 * LG_BALANCE_KEEP_S anyway. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "log.h"
#include "mmd.h"
#include "sx_trades.h"
#include "task.h"

#define LG_POLL_FEES_S 2
#define LG_POLL_ALL_S 30
#define LG_POLL_LIMIT 200
#define LG_BALANCE_EVERY_S 60
#define LG_BALANCE_KEEP_S 900

struct poll_ctx {
    struct d_acct *a;
    char symbol[SYM_MAX];
    bool last;                   /* the last symbol of this round: clears in-flight */
};

void mmd_ledger_open(struct mmd *d, char *err, size_t len)
{
    err[0] = 0;
    if (d->cfg->ledger_off) {
        LOGW("mmd", "the ledger is off (state.ledger: false): fills, fees and uptime will not survive a restart");
        return;
    }
    const struct ledger_keep keep = {d->cfg->keep_orders_days, d->cfg->keep_events_days, d->cfg->keep_fills_days,
                                     d->cfg->keep_hours_days};
    d->ledger = ledger_open(d->base, d->cfg->state_dir, &keep, err, len);
}

/* The task of account a trading symbol (not one being removed, if any). */
static const char *task_on(struct mmd *d, const struct d_acct *a, const char *symbol)
{
    const char *any = NULL;
    for (size_t i = 0; i < d->n_tasks; i++) {
        const struct d_task *dt = d->tasks[i];
        if (dt->acct != a || strcmp(dt->ct->symbol, symbol)) continue;
        if (!dt->removing) return dt->ct->id;
        any = dt->ct->id;
    }
    return any;
}

static void on_trades(void *ud, int ok, const struct sx_trade *tr, size_t n, const char *err)
{
    struct poll_ctx *c = ud;
    struct d_acct *a = c->a;
    struct mmd *d = a->d;
    if (c->last) a->lg_inflight = false;
    if (ok != 0) {
        LOGD("mmd", "account %s: %s", a->ca->id, err ? err : "query_trades failed");
    } else if (d->ledger) {
        const char *task = task_on(d, a, c->symbol);
        for (size_t i = 0; i < n; i++) {
            const struct venue_fill *f = &tr[i].f;
            if (f->time_ms && f->time_ms < d->ledger_first_ms) continue;
            const struct ledger_fill r = {
                .trade_id = f->trade_id, .order_id = f->order_id, .task = task, .account = a->ca->id,
                .symbol = f->symbol, .side = side_name(f->side), .price = f->price, .qty = f->qty,
                .have_fee = true, .fee = f->fee, .pnl = tr[i].pnl, .maker = -1,
                .time_ms = f->time_ms ? f->time_ms : wall_ms(), .source = "query_trades"};
            ledger_fill(d->ledger, &r);
        }
    }
    free(c);
}

static void poll_account(struct mmd *d, struct d_acct *a)
{
    const char *syms[64];
    size_t n = 0;
    for (size_t i = 0; i < d->n_tasks && n < 64; i++) {
        const struct d_task *dt = d->tasks[i];
        if (dt->acct != a || !dt->t) continue;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++) seen = !strcmp(syms[k], dt->ct->symbol);
        if (!seen) syms[n++] = dt->ct->symbol;
    }
    for (size_t k = 0; k < n; k++) {
        struct poll_ctx *c = calloc(1, sizeof *c);
        if (!c) return;
        c->a = a;
        snprintf(c->symbol, sizeof c->symbol, "%s", syms[k]);
        c->last = k + 1 == n;
        if (sx_query_trades(a->sx, syms[k], LG_POLL_LIMIT, on_trades, c) != 0) {
            free(c);
            return;
        }
        a->lg_inflight = c->last ? true : a->lg_inflight;
    }
}

void mmd_ledger_poll(struct mmd *d, int64_t now)
{
    if (!d->ledger) return;
    if (!d->ledger_first_ms) d->ledger_first_ms = ledger_created_ms(d->ledger);
    for (size_t i = 0; i < d->n_accts; i++) {
        struct d_acct *a = d->accts[i];
        if (a->state != ACC_READY || !a->sx || a->lg_inflight) continue;
        int64_t age = now - a->lg_poll_us;
        if (age < LG_POLL_FEES_S * 1000000LL) continue;
        if (age < LG_POLL_ALL_S * 1000000LL && ledger_fees_missing(d->ledger, a->ca->id) == 0) continue;
        a->lg_poll_us = now;
        poll_account(d, a);
    }
}

void mmd_ledger_balance(struct d_acct *a, const struct venue_event *ev)
{
    struct mmd *d = a->d;
    int64_t now = wall_ms(), age = now - a->lg_equity_ms;
    if (!d->ledger || age < LG_BALANCE_EVERY_S * 1000LL) return;
    if (ev->u.balance.equity == a->lg_equity && age < LG_BALANCE_KEEP_S * 1000LL) return;
    a->lg_equity = ev->u.balance.equity;
    a->lg_equity_ms = now;
    ledger_balance(d->ledger, now, a->ca->id, ev->u.balance.equity, ev->u.balance.available);
}
