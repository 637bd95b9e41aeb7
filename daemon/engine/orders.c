/* orders — per-order state machine, idempotent event application, fill
 * de-duplication and the limit position (see orders.h). */
#include "orders.h"

#include <stdio.h>
#include <string.h>

static bool terminal(enum order_status s)
{
    return s == OS_FILLED || s == OS_CANCELED || s == OS_REJECTED;
}

bool ord_is_live(const struct ord *o) { return o && !terminal(o->status); }
bool ord_is_acked(const struct ord *o) { return o && (o->status == OS_OPEN || o->status == OS_PARTIAL); }

dec_t ord_open_qty(const struct ord *o)
{
    dec_t q = o->qty - o->fill_qty;
    return q > 0 ? q : 0;
}

void ord_init(struct ord_book *b) { memset(b, 0, sizeof *b); }

struct ord *ord_find(struct ord_book *b, const char *cl)
{
    if (!cl || !*cl) return NULL;
    for (int i = 0; i < b->n; i++)
        if (strcmp(b->o[i].cl_ord_id, cl) == 0) return &b->o[i];
    return NULL;
}

struct ord *ord_find_id(struct ord_book *b, int64_t id)
{
    if (id == 0) return NULL;
    for (int i = 0; i < b->n; i++)
        if (b->o[i].order_id == id) return &b->o[i];
    return NULL;
}

static void drop(struct ord_book *b, int i)
{
    b->o[i] = b->o[b->n - 1];
    b->n--;
}

void ord_gc(struct ord_book *b, int64_t now_us)
{
    for (int i = b->n - 1; i >= 0; i--)
        if (terminal(b->o[i].status) && now_us - b->o[i].done_us > ORD_KEEP_DONE_US) drop(b, i);
}

static struct ord *slot_for_new(struct ord_book *b)
{
    if (b->n < ORD_MAX) return &b->o[b->n++];
    int oldest = -1;   /* full: reuse the terminal order done longest ago */
    for (int i = 0; i < b->n; i++)
        if (terminal(b->o[i].status) && (oldest < 0 || b->o[i].done_us < b->o[oldest].done_us))
            oldest = i;
    return oldest < 0 ? NULL : &b->o[oldest];
}

struct ord *ord_add(struct ord_book *b, const struct order_req *r, int tier, dec_t mark,
                    int64_t now_us)
{
    if (ord_find(b, r->cl_ord_id)) return NULL;
    struct ord *o = slot_for_new(b);
    if (!o) return NULL;
    memset(o, 0, sizeof *o);
    snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", r->cl_ord_id);
    o->side = r->side;
    o->tier = tier;
    o->reduce_only = r->reduce_only;
    o->market = r->market;
    o->tif = r->tif;
    o->price = r->price;
    o->qty = r->qty;
    o->status = OS_PENDING_NEW;
    o->mark_at_place = mark;
    o->sent_us = now_us;
    return o;
}

struct ord *ord_adopt(struct ord_book *b, const struct venue_order *v, int64_t now_us)
{
    struct order_req r = {0};
    snprintf(r.cl_ord_id, sizeof r.cl_ord_id, "%s", v->cl_ord_id);
    r.side = v->side;
    r.tif = v->tif;
    r.reduce_only = v->reduce_only;
    r.price = v->price;
    r.qty = v->qty;
    struct ord *o = ord_add(b, &r, -1, 0, now_us);
    if (!o) return NULL;
    o->order_id = v->id;
    o->status = OS_OPEN;
    struct ord_change ch;
    ord_apply_order(b, v, now_us, &ch);
    return o;
}

static void set_terminal(struct ord *o, enum order_status st, int64_t now_us)
{
    o->status = st;
    o->done_us = now_us;
}

void ord_set_done(struct ord *o, enum order_status st, const char *why, int64_t now_us)
{
    if (!o || terminal(o->status)) return;
    set_terminal(o, st, now_us);
    if (why) snprintf(o->reason, sizeof o->reason, "%s", why);
}

/* Recomputes the effective fill from both sources; books any increase. */
static void update_fill(struct ord_book *b, struct ord *o, struct ord_change *ch)
{
    dec_t eff = o->ev_fill > o->trade_sum ? o->ev_fill : o->trade_sum;
    if (eff > o->fill_qty) {
        dec_t d = eff - o->fill_qty;
        ch->filled += d;
        o->fill_qty = eff;
        b->pos_adj += o->side == SIDE_BUY ? d : -d;
    }
}

static void finish_change(struct ord *o, struct ord_change *ch, int64_t now_us)
{
    if (o->qty > 0 && o->fill_qty >= o->qty && o->status != OS_FILLED) {
        if (!terminal(o->status) || o->status == OS_CANCELED) o->done_us = now_us;
        o->status = OS_FILLED;
    }
    if (terminal(o->status) && !terminal(ch->prev)) {
        ch->terminal = true;
        if (!o->done_us) o->done_us = now_us;
    }
    bool was_acked = ch->prev == OS_OPEN || ch->prev == OS_PARTIAL;
    if (!was_acked && ord_is_acked(o) && o->ack_us == 0) {
        ch->acked = true;
        o->ack_us = now_us;
    }
    ch->duplicate = ch->filled == 0 && ch->prev == o->status;
}

static void apply_status(struct ord *o, const struct venue_order *v, int64_t now_us)
{
    if (terminal(o->status)) {
        /* terminal is sticky; only a fill report may overrule our own guess */
        if (v->status == OS_FILLED && o->status == OS_CANCELED) set_terminal(o, OS_FILLED, now_us);
        return;
    }
    switch (v->status) {
    case OS_PENDING_NEW: case OS_OPEN: case OS_PARTIAL: case OS_UNKNOWN:
        if (o->status != OS_PENDING_CANCEL) o->status = o->fill_qty > 0 ? OS_PARTIAL : OS_OPEN;
        break;
    case OS_PENDING_CANCEL:
        o->status = OS_PENDING_CANCEL;
        break;
    case OS_FILLED: case OS_CANCELED: case OS_REJECTED:
        set_terminal(o, v->status, now_us);
        if (v->reason[0]) snprintf(o->reason, sizeof o->reason, "%s", v->reason);
        break;
    }
}

void ord_apply_order(struct ord_book *b, const struct venue_order *v, int64_t now_us,
                     struct ord_change *ch)
{
    memset(ch, 0, sizeof *ch);
    struct ord *o = ord_find(b, v->cl_ord_id);
    if (!o) o = ord_find_id(b, v->id);
    if (!o) return;
    ch->o = o;
    ch->prev = o->status;
    if (v->id && !o->order_id) o->order_id = v->id;
    if (v->fill_qty > o->ev_fill) {
        o->ev_fill = v->fill_qty;
        if (v->fill_avg_price > 0) o->fill_avg = v->fill_avg_price;
    }
    update_fill(b, o, ch);
    apply_status(o, v, now_us);
    finish_change(o, ch, now_us);
}

static bool trade_seen(struct ord_book *b, int64_t id)
{
    for (int i = 0; i < b->trade_n; i++)
        if (b->trades[i] == id) return true;
    b->trades[b->trade_next] = id;
    b->trade_next = (b->trade_next + 1) % ORD_TRADES;
    if (b->trade_n < ORD_TRADES) b->trade_n++;
    return false;
}

void ord_apply_fill(struct ord_book *b, const struct venue_fill *f, int64_t now_us,
                    struct ord_change *ch)
{
    memset(ch, 0, sizeof *ch);
    struct ord *o = ord_find(b, f->cl_ord_id);
    if (!o) o = ord_find_id(b, f->order_id);
    ch->o = o;
    if (f->qty <= 0 || (f->trade_id != 0 && trade_seen(b, f->trade_id))) {
        ch->duplicate = true;
        if (o) ch->prev = o->status;
        return;
    }
    if (!o) return;
    ch->prev = o->status;
    o->trade_sum += f->qty;
    if (o->fill_avg == 0) o->fill_avg = f->price;
    update_fill(b, o, ch);
    if (ch->filled > 0 && o->status == OS_OPEN) o->status = OS_PARTIAL;
    if (ch->filled > 0 && (o->status == OS_PENDING_NEW || o->status == OS_UNKNOWN))
        o->status = OS_PARTIAL;
    finish_change(o, ch, now_us);
}

void ord_apply_position(struct ord_book *b, const struct venue_position *p)
{
    b->pos_exch = p->qty;
    b->pos_adj = 0;   /* the report is taken to include every fill seen so far */
    b->entry_price = p->entry_price;
    b->upnl = p->upnl;
    b->realized_pnl = p->realized_pnl;
    b->have_pos = true;
}

void ord_place_result(struct ord_book *b, const char *cl, int64_t order_id,
                      enum venue_result res, const char *msg, int64_t now_us,
                      struct ord_change *ch)
{
    memset(ch, 0, sizeof *ch);
    struct ord *o = ord_find(b, cl);
    if (!o) return;
    ch->o = o;
    ch->prev = o->status;
    if (order_id && !o->order_id) o->order_id = order_id;
    bool unacked = o->status == OS_PENDING_NEW || o->status == OS_UNKNOWN;
    switch (res) {
    case VR_OK:
        if (o->status == OS_UNKNOWN) o->status = OS_PENDING_NEW;
        break;
    case VR_REJECTED:
        if (unacked) ord_set_done(o, OS_REJECTED, msg && *msg ? msg : "rejected", now_us);
        break;
    case VR_RATE_LIMITED: case VR_FAILED:
        if (unacked) {
            char why[96];
            snprintf(why, sizeof why, "not sent: %s", msg && *msg ? msg : "refused");
            ord_set_done(o, OS_CANCELED, why, now_us);
        }
        break;
    case VR_AMBIGUOUS:
        if (o->status == OS_PENDING_NEW) o->status = OS_UNKNOWN;
        break;
    }
    finish_change(o, ch, now_us);
}

void ord_query_result(struct ord_book *b, const char *cl, bool found, const struct venue_order *v,
                      int64_t now_us, int64_t grace_us, struct ord_change *ch)
{
    memset(ch, 0, sizeof *ch);
    if (found && v) {
        ord_apply_order(b, v, now_us, ch);
        return;
    }
    struct ord *o = ord_find(b, cl);
    if (!o) return;
    ch->o = o;
    ch->prev = o->status;
    bool unconfirmed = o->status == OS_PENDING_NEW || o->status == OS_UNKNOWN ||
                       (o->status == OS_PENDING_CANCEL && o->ack_us == 0);
    if (unconfirmed && now_us - o->sent_us > grace_us)
        ord_set_done(o, OS_CANCELED, "not found at venue", now_us);
    finish_change(o, ch, now_us);
}

void ord_mark_cancel(struct ord *o, int64_t now_us)
{
    if (!ord_is_live(o)) return;
    o->status = OS_PENDING_CANCEL;
    o->cancel_us = now_us;
}

dec_t ord_position(const struct ord_book *b) { return b->pos_exch + b->pos_adj; }

dec_t ord_resting(const struct ord_book *b, enum side side)
{
    dec_t s = 0;
    for (int i = 0; i < b->n; i++)
        if (ord_is_live(&b->o[i]) && b->o[i].side == side && !b->o[i].reduce_only)
            s += ord_open_qty(&b->o[i]);
    return s;
}

int ord_live_count(const struct ord_book *b)
{
    int n = 0;
    for (int i = 0; i < b->n; i++) n += ord_is_live(&b->o[i]);
    return n;
}
