/* orders — order book-keeping for one task: a state machine per order keyed
 * by cl_ord_id (pending_new -> open -> partially_filled -> filled;
 * pending_cancel -> canceled; rejected; unknown -> resolved by query_order),
 * fed by stream events and REST reconciliation IDEMPOTENTLY.  Fills are
 * de-duplicated by trade id, and an order's filled quantity is the max of
 * the venue's cumulative fill_qty and the sum of its distinct trades, so a
 * duplicate or out-of-order event never counts a fill twice.  The position
 * used for limits is the venue's last reported position plus the fills seen
 * since that report.  Pure: no I/O, no clock, no globals. */
#ifndef MMD_ORDERS_H
#define MMD_ORDERS_H
#include <stdbool.h>
#include <stdint.h>

#include "venue.h"

#define ORD_MAX 48          /* orders remembered per task (live + recently done) */
#define ORD_TRADES 512      /* trade ids remembered for de-duplication */
#define ORD_KEEP_DONE_US 10000000   /* terminal orders kept 10 s for late events */

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
    dec_t mark_at_place;
    int64_t sent_us, ack_us, cancel_us, query_us, done_us;
    int64_t cancel_retry_us;    /* a refused cancel (429 / not sent) waits until then */
    char reason[96];
};

struct ord_book {
    struct ord o[ORD_MAX];
    int n;
    int64_t trades[ORD_TRADES];
    int trade_next, trade_n;
    dec_t pos_exch, pos_adj;    /* last reported position, fills since then */
    dec_t entry_price, upnl, realized_pnl;
    bool have_pos;
};

/* What applying one event changed. */
struct ord_change {
    struct ord *o;              /* the order (NULL: not in the book) */
    enum order_status prev;
    dec_t filled;               /* quantity newly filled by this event (> 0 once) */
    bool duplicate;             /* event carried nothing new */
    bool acked;                 /* became open/partial for the first time */
    bool terminal;              /* became filled/canceled/rejected now */
};

void ord_init(struct ord_book *b);
/* Records a new order about to be sent (status pending_new).  NULL when full. */
struct ord *ord_add(struct ord_book *b, const struct order_req *r, int tier, dec_t mark,
                    int64_t now_us);
/* Adds an order learnt from the venue (orphan); status from v. */
struct ord *ord_adopt(struct ord_book *b, const struct venue_order *v, int64_t now_us);
struct ord *ord_find(struct ord_book *b, const char *cl_ord_id);
struct ord *ord_find_id(struct ord_book *b, int64_t order_id);

void ord_apply_order(struct ord_book *b, const struct venue_order *v, int64_t now_us,
                     struct ord_change *ch);
void ord_apply_fill(struct ord_book *b, const struct venue_fill *f, int64_t now_us,
                    struct ord_change *ch);
void ord_apply_position(struct ord_book *b, const struct venue_position *p);
/* Outcome of place(): OK keeps pending_new (id noted), REJECTED -> rejected,
 * RATE_LIMITED/FAILED -> canceled (never sent), AMBIGUOUS -> unknown. */
void ord_place_result(struct ord_book *b, const char *cl_ord_id, int64_t order_id,
                      enum venue_result res, const char *msg, int64_t now_us,
                      struct ord_change *ch);
/* A query_order answer: not found resolves pending/unknown orders older than
 * grace_us as never placed (canceled). */
void ord_query_result(struct ord_book *b, const char *cl_ord_id, bool found,
                      const struct venue_order *v, int64_t now_us, int64_t grace_us,
                      struct ord_change *ch);
void ord_mark_cancel(struct ord *o, int64_t now_us);
/* Sets an order terminal by our own decision (e.g. nothing was sent). */
void ord_set_done(struct ord *o, enum order_status st, const char *why, int64_t now_us);

bool ord_is_live(const struct ord *o);      /* could still rest or fill */
bool ord_is_acked(const struct ord *o);     /* open or partial (venue confirmed) */
dec_t ord_open_qty(const struct ord *o);    /* qty - fill_qty, >= 0 */
dec_t ord_position(const struct ord_book *b);
/* Sum of open qty of live orders on a side (as if they all filled). */
dec_t ord_resting(const struct ord_book *b, enum side side);
int ord_live_count(const struct ord_book *b);
/* Forgets terminal orders done more than ORD_KEEP_DONE_US ago. */
void ord_gc(struct ord_book *b, int64_t now_us);

#endif
