/* orders — per-order state machine, idempotent event application, fill
 * de-duplication and the limit position (see orders.h).  The only writer of
 * order state: every transition is a function here. */
#include "orders.h"

#include <stdio.h>
#include <string.h>

static bool terminal(enum order_status s)
{
    return s == OS_FILLED || s == OS_CANCELED || s == OS_REJECTED;
}

bool ord_status_live(enum order_status s) { return !terminal(s); }
bool ord_is_live(const struct ord *o) { return o && ord_status_live(o->status); }
bool ord_is_acked(const struct ord *o) { return o && (o->status == OS_OPEN || o->status == OS_PARTIAL); }

bool ord_is_unconfirmed(const struct ord *o)
{
    return o && (o->status == OS_PENDING_NEW || o->status == OS_UNKNOWN ||
                 o->status == OS_PENDING_CANCEL);
}

dec_t ord_open_qty(const struct ord *o)
{
    dec_t q = o->qty - o->fill_qty;
    return q > 0 ? q : 0;
}

void ord_init(struct ord_book *b) { memset(b, 0, sizeof *b); }

static struct ord *find(struct ord_book *b, const char *cl)
{
    if (!cl || !*cl) return NULL;
    for (int i = 0; i < b->n; i++)
        if (strcmp(b->o[i].cl_ord_id, cl) == 0) return &b->o[i];
    return NULL;
}

static struct ord *find_id(struct ord_book *b, int64_t id)
{
    if (id == 0) return NULL;
    for (int i = 0; i < b->n; i++)
        if (b->o[i].order_id == id) return &b->o[i];
    return NULL;
}

/* The writable order behind a caller's const view (NULL: not in b). */
static struct ord *own(struct ord_book *b, const struct ord *o)
{
    for (int i = 0; o && i < b->n; i++)
        if (&b->o[i] == o) return &b->o[i];
    return NULL;
}

const struct ord *ord_find(const struct ord_book *b, const char *cl)
{
    return find((struct ord_book *)b, cl);
}

const struct ord *ord_find_id(const struct ord_book *b, int64_t id)
{
    return find_id((struct ord_book *)b, id);
}

const struct ord *ord_at(const struct ord_book *b, int i)
{
    return i >= 0 && i < b->n ? &b->o[i] : NULL;
}

static void drop(struct ord_book *b, int i)
{
    b->o[i] = b->o[b->n - 1];
    b->n--;
}

static uint64_t cl_hash(const char *cl);

/* A terminal order leaves the book: remembered when the venue said so (a
 * guess is not: the venue showing it later must still be news). */
static void bury(struct ord_book *b, const struct ord *o)
{
    if (!terminal(o->status) || o->guessed || !o->cl_ord_id[0]) return;
    b->tombs[b->tomb_next] = (struct ord_tomb){cl_hash(o->cl_ord_id), o->done_us};
    b->tomb_next = (b->tomb_next + 1) % ORD_TOMBS;
}

void ord_remember_done(struct ord_book *b, const char *cl, int64_t done_us)
{
    if (!cl || !*cl || ord_find(b, cl)) return;
    b->tombs[b->tomb_next] = (struct ord_tomb){cl_hash(cl), done_us};
    b->tomb_next = (b->tomb_next + 1) % ORD_TOMBS;
}

bool ord_recently_done(const struct ord_book *b, const char *cl, int64_t now_us)
{
    uint64_t h = cl_hash(cl);
    for (int i = 0; i < ORD_TOMBS; i++)
        if (b->tombs[i].cl_hash == h && h && now_us - b->tombs[i].done_us <= ORD_TOMB_US) return true;
    return false;
}

void ord_gc(struct ord_book *b, int64_t now_us)
{
    for (int i = b->n - 1; i >= 0; i--)
        if (terminal(b->o[i].status) && now_us - b->o[i].done_us > ORD_KEEP_DONE_US) {
            bury(b, &b->o[i]);
            drop(b, i);
        }
}

static struct ord *slot_for_new(struct ord_book *b)
{
    if (b->n < ORD_MAX) return &b->o[b->n++];
    int oldest = -1;   /* full: reuse the terminal order done longest ago */
    for (int i = 0; i < b->n; i++)
        if (terminal(b->o[i].status) && (oldest < 0 || b->o[i].done_us < b->o[oldest].done_us))
            oldest = i;
    if (oldest < 0) return NULL;
    bury(b, &b->o[oldest]);
    return &b->o[oldest];
}

static struct ord *add(struct ord_book *b, const struct order_req *r, int tier, dec_t mark,
                       int64_t now_us)
{
    if (find(b, r->cl_ord_id)) return NULL;
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

const struct ord *ord_add(struct ord_book *b, const struct order_req *r, int tier, dec_t mark,
                          int64_t now_us)
{
    return add(b, r, tier, mark, now_us);
}

const struct ord *ord_adopt(struct ord_book *b, const struct venue_order *v, int64_t now_us)
{
    struct order_req r = {0};
    snprintf(r.cl_ord_id, sizeof r.cl_ord_id, "%s", v->cl_ord_id);
    r.side = v->side;
    r.tif = v->tif;
    r.reduce_only = v->reduce_only;
    r.price = v->price;
    r.qty = v->qty;
    struct ord *o = add(b, &r, -1, 0, now_us);
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

static void set_done(struct ord *o, enum order_status st, const char *why, int64_t now_us)
{
    if (!o || terminal(o->status)) return;
    set_terminal(o, st, now_us);
    o->guessed = true;
    if (why) snprintf(o->reason, sizeof o->reason, "%s", why);
}

/* Venue evidence about an order we had set terminal ourselves: it wins.
 * Live again (it rests after all) or the venue's own terminal state. */
static void overrule_guess(struct ord *o, const struct venue_order *v, int64_t now_us,
                           struct ord_change *ch)
{
    if (v->status == OS_UNKNOWN || v->status == OS_PENDING_NEW) return;   /* says nothing */
    o->guessed = false;
    if (terminal(v->status)) {
        if (v->status != o->status) set_terminal(o, v->status, now_us);
        if (v->reason[0]) snprintf(o->reason, sizeof o->reason, "%s", v->reason);
        return;
    }
    o->status = v->status == OS_PENDING_CANCEL ? OS_PENDING_CANCEL : o->fill_qty > 0 ? OS_PARTIAL : OS_OPEN;
    o->done_us = 0;
    snprintf(o->reason, sizeof o->reason, "open at the venue after all");
    ch->revived = true;
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
        b->pos_fills += o->side == SIDE_BUY ? d : -d;
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

static void apply_status(struct ord *o, const struct venue_order *v, int64_t now_us, struct ord_change *ch)
{
    if (terminal(o->status)) {
        /* a terminal state the venue reported is sticky (a lagging list may
         * still show the order); one we guessed gives way to the venue */
        if (o->guessed) overrule_guess(o, v, now_us, ch);
        else if (v->status == OS_FILLED && o->status == OS_CANCELED) set_terminal(o, OS_FILLED, now_us);
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
        o->guessed = false;
        if (v->reason[0]) snprintf(o->reason, sizeof o->reason, "%s", v->reason);
        break;
    }
}

void ord_apply_order(struct ord_book *b, const struct venue_order *v, int64_t now_us,
                     struct ord_change *ch)
{
    memset(ch, 0, sizeof *ch);
    struct ord *o = find(b, v->cl_ord_id);
    if (!o) o = find_id(b, v->id);
    if (!o) return;
    ch->o = o;
    ch->prev = o->status;
    if (v->id && !o->order_id) o->order_id = v->id;
    if (v->fill_qty > o->ev_fill) {
        o->ev_fill = v->fill_qty;
        if (v->fill_avg_price > 0) o->fill_avg = v->fill_avg_price;
    }
    update_fill(b, o, ch);
    apply_status(o, v, now_us, ch);
    finish_change(o, ch, now_us);
}

static uint64_t cl_hash(const char *cl)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a; 0 = no cl_ord_id */
    if (!cl || !*cl) return 0;
    for (; *cl; cl++) h = (h ^ (unsigned char)*cl) * 1099511628211ULL;
    return h ? h : 1;
}

/* Whether trade k was already seen for the order (cl_ord_id or venue order
 * id); records it if not.  Keyed by order so a self-trade's two legs count. */
static bool trade_seen(struct ord_book *b, int64_t trade_id, const char *cl, int64_t order_id)
{
    struct ord_trade k = {trade_id, order_id, cl_hash(cl)};
    for (int i = 0; i < b->trade_n; i++) {
        const struct ord_trade *e = &b->trades[i];
        if (e->trade_id == k.trade_id && ((k.cl_hash && e->cl_hash == k.cl_hash) ||
                                          (k.order_id && e->order_id == k.order_id)))
            return true;
    }
    b->trades[b->trade_next] = k;
    b->trade_next = (b->trade_next + 1) % ORD_TRADES;
    if (b->trade_n < ORD_TRADES) b->trade_n++;
    return false;
}

static bool fill_seen(struct ord_book *b, const struct ord *o, const struct venue_fill *f)
{
    if (f->trade_id == 0) return false;   /* nothing to de-duplicate by */
    if (!o) return trade_seen(b, f->trade_id, f->cl_ord_id, f->order_id);
    return trade_seen(b, f->trade_id, o->cl_ord_id, o->order_id ? o->order_id : f->order_id);
}

void ord_apply_fill(struct ord_book *b, const struct venue_fill *f, int64_t now_us,
                    struct ord_change *ch)
{
    memset(ch, 0, sizeof *ch);
    struct ord *o = find(b, f->cl_ord_id);
    if (!o) o = find_id(b, f->order_id);
    ch->o = o;
    if (f->qty <= 0 || fill_seen(b, o, f)) {
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
    if (!b->have_pos) b->pos_fills = p->qty;   /* the start: the venue's figure is ours */
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
    struct ord *o = find(b, cl);
    if (!o) return;
    ch->o = o;
    ch->prev = o->status;
    if (order_id && !o->order_id) o->order_id = order_id;
    o->answered = true;
    bool unacked = o->status == OS_PENDING_NEW || o->status == OS_UNKNOWN;
    switch (res) {
    case VR_OK:
        if (o->status == OS_UNKNOWN) o->status = OS_PENDING_NEW;
        break;
    case VR_REJECTED:
        if (unacked) set_done(o, OS_REJECTED, msg && *msg ? msg : "rejected", now_us);
        break;
    case VR_RATE_LIMITED: case VR_FAILED:
        if (unacked) {
            char why[96];
            snprintf(why, sizeof why, "not sent: %s", msg && *msg ? msg : "refused");
            set_done(o, OS_CANCELED, why, now_us);
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
    struct ord *o = find(b, cl);
    if (!o) return;
    ch->o = o;
    ch->prev = o->status;
    /* a failed or early query never proves an order absent: only the venue
     * saying it does not know an order it never acknowledged, whose own
     * place() has answered, sent longer ago than the grace */
    bool absent = v && v->status == OS_CANCELED;
    if (absent && ord_is_unconfirmed(o) && o->ack_us == 0 && o->answered && now_us - o->sent_us > grace_us)
        set_done(o, OS_CANCELED, "not found at venue", now_us);
    finish_change(o, ch, now_us);
}

void ord_set_done(struct ord_book *b, const struct ord *o, enum order_status st, const char *why,
                  int64_t now_us)
{
    set_done(own(b, o), st, why, now_us);
}

void ord_mark_cancel(struct ord_book *b, const struct ord *co, int64_t now_us)
{
    struct ord *o = own(b, co);
    if (!ord_is_live(o)) return;
    if (o->status != OS_PENDING_CANCEL) o->before_cancel = o->status;
    o->status = OS_PENDING_CANCEL;
    o->cancel_us = now_us;
}

void ord_cancel_refused(struct ord_book *b, const struct ord *co, int64_t now_us, int64_t pause_us)
{
    struct ord *o = own(b, co);
    if (!o || o->status != OS_PENDING_CANCEL) return;
    if (o->ack_us) o->status = o->fill_qty > 0 ? OS_PARTIAL : OS_OPEN;
    else o->status = o->before_cancel == OS_UNKNOWN ? OS_UNKNOWN : OS_PENDING_NEW;
    o->cancel_retry_us = now_us + pause_us;
}

bool ord_cancel_allowed(const struct ord *o, int64_t now_us)
{
    return o && now_us >= o->cancel_retry_us;
}

void ord_mark_queried(struct ord_book *b, const struct ord *co, int64_t now_us)
{
    struct ord *o = own(b, co);
    if (o) o->query_us = now_us;
}

bool ord_query_due(const struct ord *o, int64_t now_us, int64_t after_us)
{
    return o && now_us - o->query_us > after_us;
}

bool ord_needs_query(const struct ord *o, int64_t now_us, int64_t after_us)
{
    if (!ord_is_unconfirmed(o)) return false;
    int64_t since = o->status == OS_PENDING_CANCEL ? o->cancel_us : o->sent_us;
    return now_us - since > after_us && ord_query_due(o, now_us, after_us);
}

static dec_t dabs(dec_t v) { return v < 0 ? -v : v; }

dec_t ord_position(const struct ord_book *b)
{
    dec_t venue = b->pos_exch + b->pos_adj;
    return dabs(b->pos_fills) > dabs(venue) ? b->pos_fills : venue;
}

bool ord_position_disputed(const struct ord_book *b, dec_t *venue, dec_t *fills)
{
    *venue = b->pos_exch + b->pos_adj;
    *fills = b->pos_fills;
    return b->have_pos && *venue != *fills;
}

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
