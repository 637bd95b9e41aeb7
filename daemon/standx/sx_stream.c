/* sx_stream — a StandX account's private stream (auth, order, trade,
 * position, balance), fills held until their order is known, and the
 * balance refresh a balance event triggers.  Decisions: see standx.c. */
#include "sx_int.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

/* REST query_balance, at most one in flight and one per second. */
void sx_balance_refresh(struct sx_account *a)
{
    a->balance_again = false;
    if (a->balance_inflight) { a->balance_again = true; return; }
    int64_t now = clock_mono_us(), wait = a->balance_last_us + 1000000 - now;
    if (a->balance_last_us && wait > 0) {
        if (!evtimer_pending(a->balance_ev, NULL)) {
            struct timeval tv = clock_tv_us((int64_t)wait);
            evtimer_add(a->balance_ev, &tv);
        }
        return;
    }
    struct sx_op *o = sx_op_new(a, OPK_BALANCE);
    if (!o) return;
    a->balance_last_us = now;
    if (sx_get(a, o, "/api/query_balance") == 0) a->balance_inflight = true;
}

void sx_on_balance_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    sx_balance_refresh(arg);
}
/* ---- fills of not-yet-known orders ------------------------------------------------ */

static void emit_fill(struct sx_account *a, const struct venue_fill *f)
{
    struct venue_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = VEV_FILL;
    ev.u.fill = *f;
    snprintf(ev.symbol, sizeof ev.symbol, "%s", f->symbol);
    sx_emit(a, &ev);
}

/* Delivers the held fills of order_id (all of them when order_id is 0). */
static void release_fills(struct sx_account *a, int64_t order_id)
{
    for (struct sx_pfill **pp = &a->held; *pp;) {
        struct sx_pfill *p = *pp;
        if (order_id && p->f.order_id != order_id) { pp = &p->next; continue; }
        const char *cl = sx_map_get(a, p->f.order_id);
        if (cl) snprintf(p->f.cl_ord_id, sizeof p->f.cl_ord_id, "%s", cl);
        else LOGW("standx", "%s: fill %lld of unknown order %lld delivered without cl_ord_id", a->id,
                  (long long)p->f.trade_id, (long long)p->f.order_id);
        emit_fill(a, &p->f);
        *pp = p->next;
        a->n_held--;
        free(p);
    }
}

/* Holds a fill until the order's cl_ord_id is known: from an order event or
 * from GET query_order?order_id=, whichever comes first. */
static void hold_fill(struct sx_account *a, const struct venue_fill *f)
{
    struct sx_pfill *p = a->n_held < SX_MAX_HELD ? calloc(1, sizeof *p) : NULL;
    if (!p) { emit_fill(a, f); return; }
    bool asked = false;
    for (struct sx_pfill *q = a->held; q; q = q->next) asked = asked || q->f.order_id == f->order_id;
    p->f = *f;
    struct sx_pfill **pp = &a->held;
    while (*pp) pp = &(*pp)->next;
    *pp = p;
    a->n_held++;
    if (asked) return;
    struct sx_op *o = sx_op_new(a, OPK_ORDER_BY_ID);
    char pq[96];
    snprintf(pq, sizeof pq, "/api/query_order?order_id=%lld", (long long)f->order_id);
    if (o) o->order_id = f->order_id;
    if (!o || sx_get(a, o, pq) != 0) release_fills(a, f->order_id);
}

void sx_on_order_by_id(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    struct venue_order vo;
    char msg[128];
    if (sx_query_outcome(r, &vo, msg, sizeof msg) == 1) sx_map_put(a, vo.id, vo.cl_ord_id);
    release_fills(a, o->order_id);
}

/* ---- private stream ---------------------------------------------------------------- */

static void stream_set(struct sx_account *a, bool up)
{
    if (a->stream_up == up) return;
    a->stream_up = up;
    struct venue_event ev = {.type = VEV_STREAM};
    ev.u.stream_up = up;
    sx_emit(a, &ev);
}

static void st_up(void *ud, int id)
{
    struct sx_account *a = ud;
    a->connected = true;
    a->connected_us = clock_mono_us();
    json_t *j = json_pack("{s:{s:s,s:[{s:s},{s:s},{s:s},{s:s}]}}", "auth", "token", a->jwt, "streams",
                          "channel", "order", "channel", "trade", "channel", "position", "channel",
                          "balance");
    char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!txt || wsmgr_send(a->ws, id, txt, strlen(txt)) != 0)
        LOGW("standx", "%s: cannot send the stream auth message", a->id);
    if (txt) { sodium_memzero(txt, strlen(txt)); free(txt); }
}

static void st_down(void *ud, int id, const char *why)
{
    (void)id;
    struct sx_account *a = ud;
    a->connected = false;
    LOGW("standx", "%s: account stream down: %s", a->id, why);
    stream_set(a, false);
}

static void st_auth(struct sx_account *a, const struct sx_msg *m)
{
    if (m->u.auth.code == 0 || m->u.auth.code == 200) {
        LOGI("standx", "%s: account stream authenticated", a->id);
        sx_auth_news(a, true, 0, "");
        stream_set(a, true);
        sx_balance_refresh(a);
        return;
    }
    a->n.auth_failures++;
    LOGE("standx", "%s: account stream auth refused: code %d %s", a->id, m->u.auth.code, m->u.auth.msg);
    if (m->u.auth.code == 401 || m->u.auth.code == 403) sx_auth_news(a, false, m->u.auth.code, "stream login refused");
    wsmgr_reconnect(a->ws, a->conn, "auth refused");
}

static void st_order(struct sx_account *a, const struct venue_order *o)
{
    struct venue_event ev = {.type = VEV_ORDER};
    a->n.orders++;
    sx_map_put(a, o->id, o->cl_ord_id);
    ev.u.order = *o;
    snprintf(ev.symbol, sizeof ev.symbol, "%s", o->symbol);
    sx_emit(a, &ev);
    if (a->n_held) release_fills(a, o->id);   /* after the order event */
}

/* Passed on as sent (repeats included: the engine de-duplicates), named
 * from the order events seen, or held until its order is known. */
static void st_trade(struct sx_account *a, struct venue_fill *f)
{
    a->n.fills++;
    const char *cl = f->cl_ord_id[0] ? f->cl_ord_id : sx_map_get(a, f->order_id);
    if (!cl) {
        a->n.held_fills++;
        hold_fill(a, f);
        return;
    }
    if (cl != f->cl_ord_id) snprintf(f->cl_ord_id, sizeof f->cl_ord_id, "%s", cl);
    emit_fill(a, f);
}

static void st_frame(struct sx_account *a, struct sx_msg *m)
{
    struct venue_event ev = {.type = VEV_POSITION};
    switch (m->chan) {
    case SXC_AUTH: st_auth(a, m); break;
    case SXC_ORDER: st_order(a, &m->u.order); break;
    case SXC_TRADE: st_trade(a, &m->u.fill); break;
    case SXC_POSITION:
        ev.u.position = m->u.position;
        snprintf(ev.symbol, sizeof ev.symbol, "%s", m->u.position.symbol);
        sx_emit(a, &ev);
        break;
    case SXC_BALANCE: sx_balance_refresh(a); break;
    default: break;
    }
}

static void st_msg(void *ud, int id, const char *txt, size_t len, int64_t recv_us)
{
    (void)id; (void)recv_us;
    struct sx_account *a = ud;
    struct sx_msg *m = malloc(sizeof *m);
    if (!m) return;
    int rc = sxp_ws_frame(txt, len, m);
    if (rc == SXP_OK) {
        st_frame(a, m);
    } else if (rc == SXP_ENODATA) {
        if (m->u.auth.code) LOGW("standx", "%s: stream notice: code %d %s", a->id, m->u.auth.code, m->u.auth.msg);
    } else {
        a->n.bad_frames++;
        LOGD("standx", "%s: dropped a malformed account frame (%d)", a->id, rc);
    }
    free(m);
}

void sx_on_check(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct sx_account *a = arg;
    if (a->connected && !a->stream_up && clock_mono_us() - a->connected_us > (int64_t)(a->auth_s * 1e6)) {
        a->n.auth_failures++;
        LOGE("standx", "%s: no auth acknowledgement on the account stream", a->id);
        wsmgr_reconnect(a->ws, a->conn, "no auth ack");
        a->connected = false;
    }
}

static const struct ws_handlers st_handlers = {st_up, st_msg, st_down};

void sx_account_start(struct sx_account *a)
{
    if (a) sx_api_start(a);
    if (!a || a->conn || !a->ws || !a->ws_url) return;
    char name[96];
    snprintf(name, sizeof name, "account:%s", a->id);
    a->conn = wsmgr_open(a->ws, name, a->ws_url, false, &st_handlers, a);
    if (a->conn < 0) {
        a->conn = 0;
        LOGE("standx", "%s: cannot open the account stream", a->id);
    }}
