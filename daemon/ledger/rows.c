/* rows — the ledger's typed writers (ledger.h): each turns one record into
 * a queued row of its statement (store.c); nothing here touches the disk. */
#include "ledger_int.h"

void ledger_order(struct ledger *lg, const struct ledger_order *o)
{
    struct lg_rec *r = lg_push(lg, S_ORDER);
    if (!r) return;
    lg_text(r, o->cl_ord_id);
    lg_text(r, o->task);
    lg_text(r, o->account);
    lg_text(r, o->symbol);
    lg_text(r, o->side);
    lg_int(r, o->tier);
    lg_text(r, o->tif);
    lg_dec(r, o->price);
    lg_dec(r, o->qty);
    lg_int_or_null(r, o->order_id);
    lg_text(r, o->status);
    lg_text(r, o->reason ? o->reason : "");
    lg_dec(r, o->fill_qty);
    lg_int_or_null(r, o->placed_ms);
    lg_int_or_null(r, o->acked_ms);
    lg_int_or_null(r, o->done_ms);
    lg_int(r, o->now_ms);
}

void ledger_fill(struct ledger *lg, const struct ledger_fill *f)
{
    struct lg_rec *r = lg_push(lg, S_FILL);
    if (!r) return;
    lg_int(r, f->trade_id);
    lg_int(r, f->order_id);
    lg_text(r, f->cl_ord_id && *f->cl_ord_id ? f->cl_ord_id : NULL);
    lg_text(r, f->task);
    lg_text(r, f->account);
    lg_text(r, f->symbol);
    lg_text(r, f->side);
    lg_dec(r, f->price);
    lg_dec(r, f->qty);
    if (f->have_fee) {
        lg_dec(r, f->fee);
        lg_dec(r, f->pnl);
    } else {
        lg_null(r);
        lg_null(r);
    }
    if (f->maker >= 0) lg_int(r, f->maker);
    else lg_null(r);
    lg_int(r, f->time_ms);
    lg_text(r, f->source);
}

void ledger_markout(struct ledger *lg, int64_t trade_id, int64_t order_id, int horizon_s, double bps)
{
    struct lg_rec *r = lg_push(lg, S_MARKOUT);
    lg_int(r, trade_id);
    lg_int(r, order_id);
    lg_int(r, horizon_s);
    lg_real(r, bps);
}

void ledger_hour(struct ledger *lg, const struct ledger_hour *h)
{
    struct lg_rec *r = lg_push(lg, S_HOUR);
    if (!r) return;
    lg_text(r, h->task);
    lg_int(r, h->hour);
    lg_text(r, h->symbol);
    lg_int(r, h->qual_s);
    lg_int(r, h->samples);
    lg_dec(r, h->size);
    lg_text(r, h->tier);
    if (h->full) {
        lg_dec(r, h->x70);
        lg_dec(r, h->x50);
        lg_dec(r, h->cap);
        lg_real(r, h->maker_hours);
    } else {
        for (int i = 0; i < 4; i++) lg_null(r);
    }
    if (h->mark > 0) lg_dec(r, h->mark);
    else lg_null(r);
}

void ledger_event(struct ledger *lg, int64_t time_ms, const char *task, const char *kind, const char *detail)
{
    struct lg_rec *r = lg_push(lg, S_EVENT);
    lg_int(r, time_ms);
    lg_text(r, task);
    lg_text(r, kind);
    lg_text(r, detail ? detail : "");
}

void ledger_position(struct ledger *lg, int64_t time_ms, const char *task, const char *symbol, dec_t qty,
                     dec_t entry, dec_t upnl, dec_t realized)
{
    struct lg_rec *r = lg_push(lg, S_POSITION);
    lg_int(r, time_ms);
    lg_text(r, task);
    lg_text(r, symbol);
    lg_dec(r, qty);
    lg_dec(r, entry);
    lg_dec(r, upnl);
    lg_dec(r, realized);
}

void ledger_balance(struct ledger *lg, int64_t time_ms, const char *account, dec_t equity, dec_t available)
{
    struct lg_rec *r = lg_push(lg, S_BALANCE);
    lg_int(r, time_ms);
    lg_text(r, account);
    lg_dec(r, equity);
    lg_dec(r, available);
}
