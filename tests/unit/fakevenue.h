/* fakevenue — an in-memory venue for engine unit tests: every call is
 * recorded (in order) so tests can assert what the engine asked for and in
 * which order; tests inject the venue's answers with the fv_ev_* helpers
 * and drive time explicitly (scripted clock: now_us / wall_ms). */
#ifndef MMD_TEST_FAKEVENUE_H
#define MMD_TEST_FAKEVENUE_H
#include <stdio.h>
#include <string.h>

#include "venue.h"

enum fv_op { FV_PLACE = 1, FV_CANCEL, FV_CANCEL_MANY, FV_QOO, FV_QORDER, FV_QPOS };

struct fv_call {
    enum fv_op op;
    struct order_req req;      /* FV_PLACE */
    char cl[CLOID_MAX];        /* cancel / cancel_many (one call per id) / query_order */
    char sym[SYM_MAX];
};

#define FV_MAX 2048
struct fakevenue {
    struct fv_call calls[FV_MAX];
    int n;
    int refuse;                /* non-zero: every op returns -1 */
};

static inline int fv_rec(struct fakevenue *f, enum fv_op op, const char *sym, const char *cl,
                         const struct order_req *r)
{
    if (f->refuse || f->n >= FV_MAX) return -1;
    struct fv_call *c = &f->calls[f->n++];
    memset(c, 0, sizeof *c);
    c->op = op;
    if (sym) snprintf(c->sym, sizeof c->sym, "%s", sym);
    if (cl) snprintf(c->cl, sizeof c->cl, "%s", cl);
    if (r) {
        c->req = *r;
        snprintf(c->cl, sizeof c->cl, "%s", r->cl_ord_id);
    }
    return 0;
}

static inline int fv_place(void *ctx, const struct order_req *r)
{
    return fv_rec(ctx, FV_PLACE, r->symbol, NULL, r);
}
static inline int fv_cancel(void *ctx, const char *sym, const char *cl, int64_t id)
{
    (void)id;
    return fv_rec(ctx, FV_CANCEL, sym, cl, NULL);
}
static inline int fv_cancel_many(void *ctx, const char *sym, const char *const *ids, size_t n)
{
    struct fakevenue *f = ctx;
    if (f->refuse) return -1;
    for (size_t i = 0; i < n; i++) fv_rec(f, FV_CANCEL_MANY, sym, ids[i], NULL);
    return 0;
}
static inline int fv_qoo(void *ctx, const char *sym) { return fv_rec(ctx, FV_QOO, sym, NULL, NULL); }
static inline int fv_qorder(void *ctx, const char *cl) { return fv_rec(ctx, FV_QORDER, NULL, cl, NULL); }
static inline int fv_qpos(void *ctx, const char *sym) { return fv_rec(ctx, FV_QPOS, sym, NULL, NULL); }

static const struct venue_ops fv_ops = {fv_place, fv_cancel, fv_cancel_many, fv_qoo, fv_qorder, fv_qpos};

static inline struct venue fv_venue(struct fakevenue *f)
{
    struct venue v = {&fv_ops, f};
    return v;
}

static inline int fv_count(const struct fakevenue *f, enum fv_op op)
{
    int n = 0;
    for (int i = 0; i < f->n; i++) n += f->calls[i].op == op;
    return n;
}

/* Was cl cancelled (single or batch)?  Returns the call index or -1. */
static inline int fv_cancelled(const struct fakevenue *f, const char *cl)
{
    for (int i = 0; i < f->n; i++)
        if ((f->calls[i].op == FV_CANCEL || f->calls[i].op == FV_CANCEL_MANY) &&
            strcmp(f->calls[i].cl, cl) == 0)
            return i;
    return -1;
}

/* Index of the k-th (0-based) place call on side (and -1). */
static inline int fv_nth_place(const struct fakevenue *f, enum side side, int k)
{
    for (int i = 0; i < f->n; i++)
        if (f->calls[i].op == FV_PLACE && f->calls[i].req.side == side && k-- == 0) return i;
    return -1;
}

static inline const struct order_req *fv_last_place(const struct fakevenue *f, enum side side)
{
    for (int i = f->n - 1; i >= 0; i--)
        if (f->calls[i].op == FV_PLACE && f->calls[i].req.side == side) return &f->calls[i].req;
    return NULL;
}

/* ---- events ---- */

static inline struct venue_event fv_ev_order(const char *sym, const char *cl, int64_t id,
                                             enum side side, dec_t px, dec_t qty, dec_t fill,
                                             enum order_status st, const char *reason)
{
    struct venue_event e;
    memset(&e, 0, sizeof e);
    e.type = VEV_ORDER;
    snprintf(e.symbol, sizeof e.symbol, "%s", sym);
    struct venue_order *o = &e.u.order;
    o->id = id;
    snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", cl);
    snprintf(o->symbol, sizeof o->symbol, "%s", sym);
    o->side = side;
    o->tif = TIF_ALO;
    o->price = px;
    o->qty = qty;
    o->fill_qty = fill;
    o->fill_avg_price = fill > 0 ? px : 0;
    o->status = st;
    if (reason) snprintf(o->reason, sizeof o->reason, "%s", reason);
    return e;
}

static inline struct venue_event fv_ev_fill(const char *sym, const char *cl, int64_t trade_id,
                                            enum side side, dec_t px, dec_t qty)
{
    struct venue_event e;
    memset(&e, 0, sizeof e);
    e.type = VEV_FILL;
    snprintf(e.symbol, sizeof e.symbol, "%s", sym);
    e.u.fill.trade_id = trade_id;
    snprintf(e.u.fill.cl_ord_id, sizeof e.u.fill.cl_ord_id, "%s", cl);
    snprintf(e.u.fill.symbol, sizeof e.u.fill.symbol, "%s", sym);
    e.u.fill.side = side;
    e.u.fill.price = px;
    e.u.fill.qty = qty;
    return e;
}

static inline struct venue_event fv_ev_position(const char *sym, dec_t qty, dec_t entry)
{
    struct venue_event e;
    memset(&e, 0, sizeof e);
    e.type = VEV_POSITION;
    snprintf(e.symbol, sizeof e.symbol, "%s", sym);
    snprintf(e.u.position.symbol, sizeof e.u.position.symbol, "%s", sym);
    e.u.position.qty = qty;
    e.u.position.entry_price = entry;
    return e;
}

static inline struct venue_event fv_ev_open_orders(const char *sym, const struct venue_order *l,
                                                   size_t n)
{
    struct venue_event e;
    memset(&e, 0, sizeof e);
    e.type = VEV_OPEN_ORDERS;
    snprintf(e.symbol, sizeof e.symbol, "%s", sym);
    e.u.list.orders = l;
    e.u.list.n = n;
    e.found = true;
    return e;
}

/* The list query failed (network, budget): the list is unknown, not empty. */
static inline struct venue_event fv_ev_open_orders_failed(const char *sym)
{
    struct venue_event e = fv_ev_open_orders(sym, NULL, 0);
    e.found = false;
    return e;
}

static inline struct venue_event fv_ev_result(enum venue_ev_type type, const char *cl,
                                              enum venue_result r, const char *msg)
{
    struct venue_event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    snprintf(e.u.result.cl_ord_id, sizeof e.u.result.cl_ord_id, "%s", cl);
    e.u.result.outcome = r;
    if (msg) snprintf(e.u.result.message, sizeof e.u.result.message, "%s", msg);
    return e;
}

/* A query_order answer as the adapter gives it: found (o), or not found:
 * the venue does not know cl (status canceled). */
static inline struct venue_event fv_ev_query(const char *cl, bool found, const struct venue_order *o)
{
    struct venue_event e;
    memset(&e, 0, sizeof e);
    e.type = VEV_QUERY_ORDER;
    e.found = found;
    if (o) e.u.order = *o;
    else {
        snprintf(e.u.order.cl_ord_id, sizeof e.u.order.cl_ord_id, "%s", cl);
        e.u.order.status = OS_CANCELED;
    }
    return e;
}

/* A query_order that failed (5xx, timeout): nothing is known. */
static inline struct venue_event fv_ev_query_failed(const char *cl)
{
    struct venue_event e = fv_ev_query(cl, false, NULL);
    e.u.order.status = OS_UNKNOWN;
    return e;
}

#endif
