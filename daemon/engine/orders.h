/* orders — order book-keeping for one task: a state machine per order keyed
 * by cl_ord_id (pending_new -> open -> partially_filled -> filled;
 * pending_cancel -> canceled; rejected; unknown -> resolved by query_order),
 * fed by stream events and REST reconciliation IDEMPOTENTLY.  Fills are
 * de-duplicated by (order, trade id) -- the only de-duplication layer -- and an order's filled quantity is the max of
 * the venue's cumulative fill_qty and the sum of its distinct trades, so a
 * duplicate or out-of-order event never counts a fill twice.  The position
 * used for limits is the venue's last reported position plus the fills seen
 * since that report.  This module is the only writer of order state: callers
 * get const views (const struct ord *) and change an order only through
 * the functions below.  Pure: no I/O, no clock, no globals. */
#ifndef MMD_ORDERS_H
#define MMD_ORDERS_H
#include <stdbool.h>
#include <stdint.h>

#include "venue.h"

#define ORD_MAX 48          /* orders remembered per task (live + recently done) */
#define ORD_TRADES 1024     /* (order, trade id) pairs remembered for de-duplication */
#define ORD_KEEP_DONE_US 10000000   /* terminal orders kept 10 s for late events */
#define ORD_TOMBS 1024      /* finished orders remembered after they leave the book */
#define ORD_TOMB_US 120000000       /* ... for 2 minutes (the venue's list lags ~15 s) */

struct ord {
    char cl_ord_id[CLOID_MAX];
    int64_t order_id;
    enum side side;
    int tier;                   /* 0.. tier index; -1: not a quote (close, orphan) */
    bool reduce_only, market;
    enum tif tif;
    dec_t price, qty;
    dec_t fill_qty;             /* effective cumulative fill (never decreases) */
    dec_t ev_fill, trade_sum, fill_avg;
    enum order_status status;
    enum order_status before_cancel;   /* status when the cancel was sent */
    dec_t mark_at_place;
    int64_t sent_us, ack_us, cancel_us, query_us, done_us;
    int64_t cancel_retry_us;    /* a refused cancel (429 / not sent) waits until then */
    bool answered;              /* the outcome of its place() arrived (not in flight) */
    bool guessed;               /* terminal by our own inference, not by venue evidence:
                                   the venue saying it is open revives it */
    char reason[96];
};

struct ord_book {
    struct ord o[ORD_MAX];
    int n;
    struct ord_trade { int64_t trade_id, order_id; uint64_t cl_hash; } trades[ORD_TRADES];
    int trade_next, trade_n;
    dec_t pos_exch, pos_adj;    /* last reported position, fills since then */
    dec_t pos_fills;            /* the first report plus every fill since: what our fills say */
    dec_t entry_price, upnl, realized_pnl;
    bool have_pos;
    /* tombstones: orders the venue reported finished, forgotten by the book */
    struct ord_tomb { uint64_t cl_hash; int64_t done_us; } tombs[ORD_TOMBS];
    int tomb_next;
};

/* What applying one event changed. */
struct ord_change {
    const struct ord *o;        /* the order (NULL: not in the book) */
    enum order_status prev;
    dec_t filled;               /* quantity newly filled by this event (> 0 once) */
    bool duplicate;             /* event carried nothing new */
    bool acked;                 /* became open/partial for the first time */
    bool terminal;              /* became filled/canceled/rejected now */
    bool revived;               /* was terminal by our guess; the venue shows it live */
};

void ord_init(struct ord_book *b);
/* Records a new order about to be sent (status pending_new).  NULL when full. */
const struct ord *ord_add(struct ord_book *b, const struct order_req *r, int tier, dec_t mark,
                          int64_t now_us);
/* Adds an order learnt from the venue (orphan); status from v. */
const struct ord *ord_adopt(struct ord_book *b, const struct venue_order *v, int64_t now_us);
const struct ord *ord_find(const struct ord_book *b, const char *cl_ord_id);
const struct ord *ord_find_id(const struct ord_book *b, int64_t order_id);
/* The i-th order of the book (0 <= i < b->n), NULL out of range. */
const struct ord *ord_at(const struct ord_book *b, int i);

void ord_apply_order(struct ord_book *b, const struct venue_order *v, int64_t now_us,
                     struct ord_change *ch);
/* A fill whose trade id was already seen for the same order (matched by
 * cl_ord_id or venue order id) is a duplicate, whichever path delivered it;
 * the same trade id on another of our orders (a self-trade) is not. */
void ord_apply_fill(struct ord_book *b, const struct venue_fill *f, int64_t now_us,
                    struct ord_change *ch);
void ord_apply_position(struct ord_book *b, const struct venue_position *p);
/* Outcome of place(): OK keeps pending_new (id noted), REJECTED -> rejected,
 * RATE_LIMITED/FAILED -> canceled (never sent), AMBIGUOUS -> unknown. */
void ord_place_result(struct ord_book *b, const char *cl_ord_id, int64_t order_id,
                      enum venue_result res, const char *msg, int64_t now_us,
                      struct ord_change *ch);
/* A query_order answer (see venue.h VEV_QUERY_ORDER): found adopts the
 * venue's view; "the venue does not know it" (v->status OS_CANCELED)
 * declares a never-acknowledged unconfirmed order never placed, but only
 * once its own place() has answered and more than grace_us after it was
 * sent; a failed query (v NULL or OS_UNKNOWN) proves nothing. */
void ord_query_result(struct ord_book *b, const char *cl_ord_id, bool found,
                      const struct venue_order *v, int64_t now_us, int64_t grace_us,
                      struct ord_change *ch);
/* A cancel was sent: live -> pending_cancel (the status before is kept). */
void ord_mark_cancel(struct ord_book *b, const struct ord *o, int64_t now_us);
/* A cancel that did nothing (429, not sent): back to the status it had
 * before (open / partial / pending_new / unknown), not to be re-sent before
 * now_us + pause_us (ord_cancel_allowed). */
void ord_cancel_refused(struct ord_book *b, const struct ord *o, int64_t now_us, int64_t pause_us);
bool ord_cancel_allowed(const struct ord *o, int64_t now_us);
/* A query_order for o was sent now (ord_needs_query paces them). */
void ord_mark_queried(struct ord_book *b, const struct ord *o, int64_t now_us);
/* Unconfirmed for longer than after_us (since sent, or since its cancel was
 * sent) and not queried within after_us: the venue should be asked. */
bool ord_needs_query(const struct ord *o, int64_t now_us, int64_t after_us);
/* Not queried within after_us. */
bool ord_query_due(const struct ord *o, int64_t now_us, int64_t after_us);
/* Sets an order terminal by our own decision (e.g. nothing was sent); such
 * a guess is overruled by any later venue evidence (revived when open). */
void ord_set_done(struct ord_book *b, const struct ord *o, enum order_status st, const char *why,
                  int64_t now_us);

bool ord_status_live(enum order_status s);  /* could still rest or fill (not terminal) */
bool ord_is_live(const struct ord *o);      /* its status is live */
bool ord_is_acked(const struct ord *o);     /* open or partial (venue confirmed) */
/* The venue has not confirmed what we last asked: pending_new, unknown
 * (ambiguous send) or pending_cancel. */
bool ord_is_unconfirmed(const struct ord *o);
dec_t ord_open_qty(const struct ord *o);    /* qty - fill_qty, >= 0 */
/* The position used for limits: the venue's last report plus the fills
 * seen since, or what our own fills say when that is the larger exposure
 * (a report that contradicts the fills seen -- lagging or wrong -- never
 * lowers the exposure the limits see). */
dec_t ord_position(const struct ord_book *b);
/* True when the reports and our fills disagree; *venue and *fills say how. */
bool ord_position_disputed(const struct ord_book *b, dec_t *venue, dec_t *fills);
/* Sum of open qty of live orders on a side (as if they all filled). */
dec_t ord_resting(const struct ord_book *b, enum side side);
int ord_live_count(const struct ord_book *b);
/* Forgets terminal orders done more than ORD_KEEP_DONE_US ago; those the
 * venue reported finished leave a tombstone. */
void ord_gc(struct ord_book *b, int64_t now_us);
/* The venue reported cl_ord_id finished within ORD_TOMB_US and the book has
 * forgotten it: a lagging open-order list still showing it is not news. */
bool ord_recently_done(const struct ord_book *b, const char *cl_ord_id, int64_t now_us);
/* A finished order of an earlier run (the ledger's, after a restart): a
 * tombstone as if the book had forgotten it at done_us (monotonic). */
void ord_remember_done(struct ord_book *b, const char *cl_ord_id, int64_t done_us);

#endif
