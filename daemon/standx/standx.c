/* standx — the StandX venue for one account: REST orders, cancels and
 * queries (signed, JWT bearer) and the account's private stream; plus the
 * start-up helpers sx_load_symbols, sx_check_balance and sx_jwt_exp.
 *
 * Decisions:
 *  - Every event reaches the sink through one FIFO flushed from a libevent
 *    callback: in order, never dropped, and never re-entrantly from inside a
 *    venue op (place() returning 0 may already have queued its result).
 *  - Signing: the exact body bytes sent are signed (signer_sign); headers
 *    x-request-sign-version v1, x-request-id (uuid4), x-request-timestamp (wall
 *    ms), x-request-signature, Authorization: Bearer, Content-Type JSON.  GETs
 *    carry only the bearer.  The JWT and signatures are never logged.
 *  - Order bodies are compact JSON built by hand in the documented key order;
 *    decimals are strings with exactly the symbol's decimals (dec_fmt);
 *    symbol and cl_ord_id must be [A-Za-z0-9._:-] (no escaping needed).
 *  - Rate limit: a token bucket mirroring the exchange (45 credits/request, 900
 *    burst, 1000/s).  New orders need 45 + 135 credits available, so cancels
 *    (45) are never starved by quoting; a place that cannot get credits is
 *    reported VR_RATE_LIMITED and nothing is sent.  Cancels and queries are
 *    always sent (they take credits when available).
 *  - new_order is NEVER re-sent.  HTTP 200 with code != 0 is a rejection; 429
 *    -> VR_RATE_LIMITED; other 4xx -> VR_REJECTED; 5xx, timeouts and
 *    connection errors after the request may have left -> VR_AMBIGUOUS, then
 *    the order is resolved by GET query_order?cl_ord_id= (a few tries, spaced
 *    MMD_SX_RESOLVE_MS, default 300 ms, because acceptance is asynchronous);
 *    the outcome is delivered as VEV_QUERY_ORDER (and VEV_ORDER when found).
 *    A cancel for an order being resolved is held until the resolution ends.
 *    A connection error before anything was sent -> VR_FAILED.  Request
 *    timeout: MMD_SX_TIMEOUT_MS (default 10000).
 *  - Cancel of an already-closed order ("order already closed", "order is not
 *    open") is success-equivalent: VR_OK with the venue's message.
 *  - Private stream: one authenticated connection per account (order, trade,
 *    position, balance).  Auth ack code 0 or 200 = up (VEV_STREAM up);
 *    anything else, or no ack within MMD_SX_AUTH_S (10 s), is logged naming
 *    the account (never the token) and the connection backs off.  Fills are
 *    de-duplicated by trade id (last 4096) and get their cl_ord_id from the
 *    order events seen (last 4096 orders); a fill of an order not seen yet is
 *    held (at most 256) until its order event arrives or GET
 *    query_order?order_id= names it, then delivered after that order event.  A balance event triggers a REST
 *    query_balance (the stream record has no equity; at most one per second)
 *    -> VEV_BALANCE. */
#include "standx.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lat.h"
#include "log.h"
#include "sxparse.h"

#define SX_RING 4096
#define SX_RESOLVE_TRIES 5

enum sx_op_kind { OPK_PLACE = 1, OPK_CANCEL, OPK_CANCEL_MANY, OPK_OPEN_ORDERS, OPK_QUERY_ORDER,
                  OPK_RESOLVE, OPK_POSITIONS, OPK_BALANCE, OPK_CHECK_BALANCE, OPK_ORDER_BY_ID };

/* A fill whose order we cannot name yet (trade frame before the order frame). */
struct sx_pfill {
    struct venue_fill f;
    struct sx_pfill *next;
};
#define SX_MAX_HELD 256

struct sx_op {
    struct sx_account *a;
    uint64_t rid;
    enum sx_op_kind kind;
    char cl_ord_id[CLOID_MAX];
    char symbol[SYM_MAX];
    int64_t order_id;
    char (*cloids)[CLOID_MAX];
    size_t n;
    sx_balance_cb bcb;
    void *bud;
    struct sx_op *next, *prev;
};

struct sx_resolve {
    char cl_ord_id[CLOID_MAX];
    char symbol[SYM_MAX];
    int tries;
    bool cancel_pending;
    int64_t cancel_order_id;
    struct event *ev;
    struct sx_account *a;
    struct sx_resolve *next;
};

struct sx_evq {
    struct venue_event ev;
    struct venue_order *owned;      /* list storage of VEV_OPEN_ORDERS */
    struct sx_evq *next;
};

struct sx_map { int64_t order_id; char cl_ord_id[CLOID_MAX]; };

struct sx_account {
    struct event_base *base;
    struct rest *rest;
    struct wsmgr *ws;
    char *rest_url, *ws_url, *id;
    char *auth_hdr;                 /* "Authorization: Bearer <jwt>" (secret) */
    char *jwt;                      /* secret */
    const struct signer *signer;
    venue_sink_fn sink;
    void *sink_ud;
    int conn;
    bool stream_up, connected;
    int64_t connected_us;
    struct sx_bucket bucket;
    struct sx_op *ops;
    struct sx_resolve *resolves;
    struct sx_evq *evq_head, *evq_tail;
    struct event *flush_ev, *check_ev;
    bool balance_inflight, balance_again;
    int64_t balance_last_us;
    struct event *balance_ev;       /* deferred refresh (at most one per second) */
    struct sx_idset seen_trades;
    struct sx_pfill *held;          /* fills waiting for their cl_ord_id, in arrival order */
    size_t n_held;
    struct sx_map map[SX_RING];
    size_t map_n, map_pos;
    double auth_s;
    long resolve_ms, timeout_ms;
    struct {
        uint64_t places, cancels, queries, rate_limited, ambiguous, resolved, unresolved, rejects,
            fills, dup_fills, bad_frames, orders, auth_failures, events, http_auth_errors, held_fills;
    } n;
    int64_t auth_err_logged_us;
    bool in_flush, dying;           /* sx_account_free from inside the sink */
    int64_t jwt_exp_s;              /* exp claim, 0 if unknown */
};

/* ---- events ------------------------------------------------------------------ */

static void account_destroy(struct sx_account *a);

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct sx_account *a = arg;
    a->in_flush = true;
    while (a->evq_head && !a->dying) {
        struct sx_evq *q = a->evq_head;
        a->evq_head = q->next;
        if (!a->evq_head) a->evq_tail = NULL;
        a->n.events++;
        if (a->sink) a->sink(a->sink_ud, &q->ev);   /* may call sx_account_free */
        free(q->owned);
        free(q);
    }
    a->in_flush = false;
    if (a->dying) account_destroy(a);
}

static void emit_owned(struct sx_account *a, const struct venue_event *ev, struct venue_order *owned)
{
    struct sx_evq *q = calloc(1, sizeof *q);
    if (!q) { LOGE("standx", "%s: out of memory: event lost", a->id); free(owned); return; }
    q->ev = *ev;
    q->owned = owned;
    if (a->evq_tail) a->evq_tail->next = q;
    else a->evq_head = q;
    a->evq_tail = q;
    event_active(a->flush_ev, EV_TIMEOUT, 0);
}

static void emit(struct sx_account *a, const struct venue_event *ev) { emit_owned(a, ev, NULL); }

static void emit_result(struct sx_account *a, enum venue_ev_type t, const char *symbol,
                        const char *cl_ord_id, int64_t order_id, enum venue_result out, int http,
                        const char *msg)
{
    struct venue_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = t;
    snprintf(ev.symbol, sizeof ev.symbol, "%s", symbol ? symbol : "");
    snprintf(ev.u.result.cl_ord_id, sizeof ev.u.result.cl_ord_id, "%s", cl_ord_id ? cl_ord_id : "");
    ev.u.result.order_id = order_id;
    ev.u.result.outcome = out;
    ev.u.result.http_status = http;
    snprintf(ev.u.result.message, sizeof ev.u.result.message, "%s", msg ? msg : "");
    emit(a, &ev);
}

/* ---- id bookkeeping ------------------------------------------------------------ */

static void map_put(struct sx_account *a, int64_t order_id, const char *cl)
{
    if (!order_id || !cl || !*cl) return;
    for (size_t i = 0; i < a->map_n; i++)
        if (a->map[i].order_id == order_id) return;
    struct sx_map *m = &a->map[a->map_pos];
    m->order_id = order_id;
    snprintf(m->cl_ord_id, sizeof m->cl_ord_id, "%s", cl);
    a->map_pos = (a->map_pos + 1) % SX_RING;
    if (a->map_n < SX_RING) a->map_n++;
}

static const char *map_get(const struct sx_account *a, int64_t order_id)
{
    for (size_t i = 0; i < a->map_n; i++)
        if (a->map[i].order_id == order_id) return a->map[i].cl_ord_id;
    return NULL;
}

/* ---- REST plumbing ---------------------------------------------------------------- */

static struct sx_op *op_new(struct sx_account *a, enum sx_op_kind k)
{
    struct sx_op *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->a = a;
    o->kind = k;
    o->next = a->ops;
    if (a->ops) a->ops->prev = o;
    a->ops = o;
    return o;
}

static void op_free(struct sx_op *o)
{
    struct sx_account *a = o->a;
    if (o->prev) o->prev->next = o->next;
    else a->ops = o->next;
    if (o->next) o->next->prev = o->prev;
    free(o->cloids);
    free(o);
}

static void on_rest(void *ud, const struct rest_resp *r);

static int sx_get(struct sx_account *a, struct sx_op *o, const char *path_query)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", a->rest_url, path_query);
    const char *hdrs[] = {a->auth_hdr, NULL};
    a->n.queries++;
    sx_bucket_take(&a->bucket, SX_CREDIT_COST, 0, clock_mono_us());
    o->rid = rest_submit(a->rest, "GET", url, hdrs, NULL, 0, a->timeout_ms, on_rest, o);
    if (!o->rid) { op_free(o); return -1; }
    return 0;
}

static int sx_post(struct sx_account *a, struct sx_op *o, const char *path, const char *body)
{
    char url[1024], rid[37], ts[32], sig[SIGN_B64_LEN];
    char h_id[64], h_ts[64], h_sig[128];
    snprintf(url, sizeof url, "%s%s", a->rest_url, path);
    sign_uuid4(rid);
    int64_t now_ms = clock_wall_ms();
    snprintf(ts, sizeof ts, "%lld", (long long)now_ms);
    size_t len = strlen(body);
    if (signer_sign(a->signer, rid, now_ms, body, len, sig) != 0) {
        LOGE("standx", "%s: cannot sign a request", a->id);
        op_free(o);
        return -1;
    }
    snprintf(h_id, sizeof h_id, "x-request-id: %s", rid);
    snprintf(h_ts, sizeof h_ts, "x-request-timestamp: %s", ts);
    snprintf(h_sig, sizeof h_sig, "x-request-signature: %s", sig);
    const char *hdrs[] = {"x-request-sign-version: v1", h_id, h_ts, h_sig, a->auth_hdr,
                          "Content-Type: application/json", NULL};
    o->rid = rest_submit(a->rest, "POST", url, hdrs, body, len, a->timeout_ms, on_rest, o);
    sodium_memzero(h_sig, sizeof h_sig);
    sodium_memzero(sig, sizeof sig);
    if (!o->rid) { op_free(o); return -1; }
    return 0;
}

static bool safe_id(const char *s, size_t cap)
{
    if (!s || !*s || strlen(s) >= cap) return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._:-", *p)) return false;
    return true;
}

static void url_param(char *out, size_t cap, const char *path, const char *k, const char *v)
{
    char *e = v ? curl_easy_escape(NULL, v, 0) : NULL;
    if (e) snprintf(out, cap, "%s?%s=%s", path, k, e);
    else snprintf(out, cap, "%s", path);
    curl_free(e);
}

/* Outcome of an order/cancel POST. */
static enum venue_result classify(const struct rest_resp *r, int code, bool *ambiguous)
{
    *ambiguous = false;
    if (r->curl_code != CURLE_OK || r->status == 0) {
        if (!r->sent) return VR_FAILED;
        *ambiguous = true;
        return VR_AMBIGUOUS;
    }
    if (r->status == 429) return VR_RATE_LIMITED;
    if (r->status >= 500) { *ambiguous = true; return VR_AMBIGUOUS; }
    if (r->status >= 400) return VR_REJECTED;
    if (r->status >= 200 && r->status < 300) return code == 0 ? VR_OK : VR_REJECTED;
    return VR_REJECTED;
}

static void resp_message(const struct rest_resp *r, int *code, char *msg, size_t cap)
{
    *code = 0;
    if (r->curl_code != CURLE_OK) {
        snprintf(msg, cap, "%s", curl_easy_strerror(r->curl_code));
        *code = -1;
        return;
    }
    sxp_api_result(r->body, r->body_len, code, msg, cap);
}

/* ---- ambiguous orders ----------------------------------------------------------- */

static void resolve_send(evutil_socket_t fd, short what, void *arg);

static struct sx_resolve *resolve_find(struct sx_account *a, const char *cl)
{
    for (struct sx_resolve *r = a->resolves; r; r = r->next)
        if (!strcmp(r->cl_ord_id, cl)) return r;
    return NULL;
}

static void resolve_start(struct sx_account *a, const char *cl, const char *symbol)
{
    if (resolve_find(a, cl)) return;
    struct sx_resolve *r = calloc(1, sizeof *r);
    if (!r) return;
    r->a = a;
    snprintf(r->cl_ord_id, sizeof r->cl_ord_id, "%s", cl);
    snprintf(r->symbol, sizeof r->symbol, "%s", symbol);
    r->ev = evtimer_new(a->base, resolve_send, r);
    r->next = a->resolves;
    a->resolves = r;
    long ms = a->resolve_ms;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (r->ev) evtimer_add(r->ev, &tv);
}

static int sx_cancel(void *ctx, const char *symbol, const char *cl_ord_id, int64_t order_id);

static void resolve_end(struct sx_account *a, struct sx_resolve *r)
{
    for (struct sx_resolve **pp = &a->resolves; *pp; pp = &(*pp)->next)
        if (*pp == r) { *pp = r->next; break; }
    bool cancel = r->cancel_pending;
    char cl[CLOID_MAX], sym[SYM_MAX];
    int64_t oid = r->cancel_order_id;
    snprintf(cl, sizeof cl, "%s", r->cl_ord_id);
    snprintf(sym, sizeof sym, "%s", r->symbol);
    if (r->ev) event_free(r->ev);
    free(r);
    if (cancel) sx_cancel(a, sym, cl, oid);
}

static void resolve_send(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct sx_resolve *r = arg;
    struct sx_account *a = r->a;
    struct sx_op *o = op_new(a, OPK_RESOLVE);
    char pq[256];
    r->tries++;
    if (o) {
        snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", r->cl_ord_id);
        snprintf(o->symbol, sizeof o->symbol, "%s", r->symbol);
        url_param(pq, sizeof pq, "/api/query_order", "cl_ord_id", r->cl_ord_id);
        if (sx_get(a, o, pq) == 0) return;
    }
    long ms = a->resolve_ms;   /* could not even send: try again later */
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(r->ev, &tv);
}

static void emit_query(struct sx_account *a, const char *cl, const char *symbol, bool found,
                       const struct venue_order *o, enum order_status st)
{
    struct venue_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = VEV_QUERY_ORDER;
    ev.found = found;
    if (found) ev.u.order = *o;
    else {
        snprintf(ev.u.order.cl_ord_id, sizeof ev.u.order.cl_ord_id, "%s", cl);
        snprintf(ev.u.order.symbol, sizeof ev.u.order.symbol, "%s", symbol);
        ev.u.order.status = st;
    }
    snprintf(ev.symbol, sizeof ev.symbol, "%s", found ? o->symbol : symbol);
    emit(a, &ev);
}

/* 1 found (*o filled), 0 venue says unknown, -1 query failed */
static int query_outcome(const struct rest_resp *r, struct venue_order *o, char *msg, size_t cap)
{
    int code = 0;
    resp_message(r, &code, msg, cap);
    if (r->curl_code == CURLE_OK && r->status == 200 && code == 0 &&
        sxp_order_obj(r->body, r->body_len, o) == SXP_OK)
        return 1;
    if (r->curl_code == CURLE_OK && (r->status == 404 || (r->status == 400 && strstr(msg, "not found")) ||
                                     (r->status == 200 && code != 0 && strstr(msg, "not found"))))
        return 0;
    if (r->curl_code == CURLE_OK && r->status == 200 && (!r->body_len || !strcmp(r->body, "null")))
        return 0;
    return -1;
}

static void on_resolve(struct sx_account *a, struct sx_op *op, const struct rest_resp *r)
{
    struct sx_resolve *rs = resolve_find(a, op->cl_ord_id);
    struct venue_order o;
    char msg[128];
    int found = query_outcome(r, &o, msg, sizeof msg);
    if (found == 1) {
        a->n.resolved++;
        map_put(a, o.id, o.cl_ord_id);
        LOGI("standx", "%s: ambiguous order %s resolved: %s", a->id, o.cl_ord_id,
             order_status_name(o.status));
        emit_query(a, op->cl_ord_id, op->symbol, true, &o, o.status);
        struct venue_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = VEV_ORDER;
        snprintf(ev.symbol, sizeof ev.symbol, "%s", o.symbol);
        ev.u.order = o;
        emit(a, &ev);
    } else if (rs && rs->tries < SX_RESOLVE_TRIES) {
        long ms = a->resolve_ms * rs->tries;
        struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
        evtimer_add(rs->ev, &tv);
        return;
    } else {
        a->n.unresolved++;
        LOGW("standx", "%s: ambiguous order %s: %s after %d queries", a->id, op->cl_ord_id,
             found == 0 ? "not on the venue" : "still unknown", rs ? rs->tries : 0);
        emit_query(a, op->cl_ord_id, op->symbol, false, NULL, found == 0 ? OS_CANCELED : OS_UNKNOWN);
    }
    if (rs) resolve_end(a, rs);
}

/* ---- completions ---------------------------------------------------------------- */

static void on_place(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    int code;
    char msg[128];
    bool amb;
    resp_message(r, &code, msg, sizeof msg);
    enum venue_result out = classify(r, code, &amb);
    if (out == VR_REJECTED) a->n.rejects++;
    if (out == VR_RATE_LIMITED) a->n.rate_limited++;
    if (out != VR_OK)
        LOGI("standx", "%s: new_order %s: %s (http %ld) %s", a->id, o->cl_ord_id,
             out == VR_AMBIGUOUS ? "ambiguous" : out == VR_FAILED ? "not sent" : "refused",
             r->status, msg);
    emit_result(a, VEV_PLACE_RESULT, o->symbol, o->cl_ord_id, 0, out, (int)r->status, msg);
    if (amb) {
        a->n.ambiguous++;
        resolve_start(a, o->cl_ord_id, o->symbol);
    }
}

static bool already_closed(const char *msg)
{
    return strstr(msg, "already closed") || strstr(msg, "not open") || strstr(msg, "already canceled") ||
           strstr(msg, "already cancelled");
}

static void on_cancel(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    int code;
    char msg[128];
    bool amb;
    resp_message(r, &code, msg, sizeof msg);
    enum venue_result out = classify(r, code, &amb);
    if (out == VR_REJECTED && already_closed(msg)) out = VR_OK;
    if (out != VR_OK) LOGI("standx", "%s: cancel: http %ld %s", a->id, r->status, msg);
    if (o->kind == OPK_CANCEL) {
        emit_result(a, VEV_CANCEL_RESULT, o->symbol, o->cl_ord_id, o->order_id, out, (int)r->status, msg);
        return;
    }
    for (size_t i = 0; i < o->n; i++)
        emit_result(a, VEV_CANCEL_RESULT, o->symbol, o->cloids[i], 0, out, (int)r->status, msg);
}

static void on_open_orders(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    struct venue_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = VEV_OPEN_ORDERS;
    snprintf(ev.symbol, sizeof ev.symbol, "%s", o->symbol);
    struct venue_order *list = NULL;
    size_t n = 0;
    int code = 0;
    char msg[128];
    resp_message(r, &code, msg, sizeof msg);
    if (r->curl_code == CURLE_OK && r->status == 200 && code == 0 &&
        sxp_order_list(r->body, r->body_len, &list, &n) == SXP_OK) {
        size_t k = 0;   /* keep this symbol's orders only */
        for (size_t i = 0; i < n; i++) {
            map_put(a, list[i].id, list[i].cl_ord_id);
            if (!o->symbol[0] || !strcmp(list[i].symbol, o->symbol)) list[k++] = list[i];
        }
        ev.found = true;
        ev.u.list.orders = list;
        ev.u.list.n = k;
    } else {
        LOGW("standx", "%s: query_open_orders %s failed: http %ld %s", a->id, o->symbol, r->status, msg);
    }
    emit_owned(a, &ev, list);
}

static void on_query_order(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    struct venue_order vo;
    char msg[128];
    int found = query_outcome(r, &vo, msg, sizeof msg);
    if (found == 1) map_put(a, vo.id, vo.cl_ord_id);
    if (found < 0) LOGW("standx", "%s: query_order %s failed: http %ld %s", a->id, o->cl_ord_id, r->status, msg);
    emit_query(a, o->cl_ord_id, o->symbol, found == 1, &vo, found == 0 ? OS_CANCELED : OS_UNKNOWN);
}

static void on_positions(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    struct venue_position *list = NULL;
    size_t n = 0;
    int code = 0;
    char msg[128];
    resp_message(r, &code, msg, sizeof msg);
    if (r->curl_code != CURLE_OK || r->status != 200 || code != 0 ||
        sxp_position_list(r->body, r->body_len, &list, &n) != SXP_OK) {
        LOGW("standx", "%s: query_positions %s failed: http %ld %s", a->id, o->symbol, r->status, msg);
        return;
    }
    bool seen = false;
    for (size_t i = 0; i < n; i++) {
        if (o->symbol[0] && strcmp(list[i].symbol, o->symbol) != 0) continue;
        seen = seen || !strcmp(list[i].symbol, o->symbol);
        struct venue_event ev = {.type = VEV_POSITION};
        snprintf(ev.symbol, sizeof ev.symbol, "%s", list[i].symbol);
        ev.u.position = list[i];
        emit(a, &ev);
    }
    if (o->symbol[0] && !seen) {   /* no row: flat */
        struct venue_event ev = {.type = VEV_POSITION};
        snprintf(ev.symbol, sizeof ev.symbol, "%s", o->symbol);
        snprintf(ev.u.position.symbol, sizeof ev.u.position.symbol, "%s", o->symbol);
        emit(a, &ev);
    }
    free(list);
}

static void balance_refresh(struct sx_account *a);
static void on_order_by_id(struct sx_account *a, struct sx_op *o, const struct rest_resp *r);

static void on_balance(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    struct sx_balance b;
    int code = 0;
    char msg[128];
    resp_message(r, &code, msg, sizeof msg);
    bool ok = r->curl_code == CURLE_OK && r->status == 200 && code == 0 &&
              sxp_balance_obj(r->body, r->body_len, &b) == SXP_OK && b.unified;
    if (o->kind == OPK_CHECK_BALANCE) {
        if (ok) o->bcb(o->bud, 0, b.equity, NULL);
        else if (r->status == 404) o->bcb(o->bud, 404, 0, "account not funded");
        else if (r->status == 401 || r->status == 403)
            o->bcb(o->bud, (int)r->status, 0, msg[0] ? msg : "credentials refused");
        else o->bcb(o->bud, -1, 0, msg[0] ? msg : "query_balance failed");
        return;
    }
    a->balance_inflight = false;
    if (ok) {
        struct venue_event ev = {.type = VEV_BALANCE};
        ev.u.balance.equity = b.equity;
        ev.u.balance.available = b.available;
        emit(a, &ev);
    } else {
        LOGD("standx", "%s: query_balance failed: http %ld %s", a->id, r->status, msg);
    }
    if (a->balance_again) balance_refresh(a);
}

static void on_rest(void *ud, const struct rest_resp *r)
{
    struct sx_op *o = ud;
    struct sx_account *a = o->a;
    if (r->status == 401 || r->status == 403) {
        a->n.http_auth_errors++;
        int64_t now = clock_mono_us();
        if (!a->auth_err_logged_us || now - a->auth_err_logged_us > 60 * INT64_C(1000000)) {
            a->auth_err_logged_us = now;
            LOGE("standx", "%s: REST %s refused with HTTP %ld (%s): check the token / key / clock",
                 a->id, o->kind == OPK_PLACE ? "new_order" : "request", r->status,
                 r->status == 401 ? "token invalid or expired" : "signature refused");
        }
    }
    /* The exchange's bucket is the truth: after a 429 ours is empty too (our
     * mirror can drift when requests queue up in curl and arrive together). */
    if (r->status == 429) {
        a->bucket.level = 0;
        a->bucket.last_us = clock_mono_us();
    }
    switch (o->kind) {
    case OPK_PLACE: on_place(a, o, r); break;
    case OPK_CANCEL:
    case OPK_CANCEL_MANY: on_cancel(a, o, r); break;
    case OPK_OPEN_ORDERS: on_open_orders(a, o, r); break;
    case OPK_QUERY_ORDER: on_query_order(a, o, r); break;
    case OPK_RESOLVE: on_resolve(a, o, r); break;
    case OPK_POSITIONS: on_positions(a, o, r); break;
    case OPK_BALANCE:
    case OPK_CHECK_BALANCE: on_balance(a, o, r); break;
    case OPK_ORDER_BY_ID: on_order_by_id(a, o, r); break;
    }
    op_free(o);
}

/* ---- venue ops ---------------------------------------------------------------- */

static int build_order_body(const struct order_req *q, char *out, size_t cap)
{
    char qty[32], px[32];
    if (q->qty_decimals < 0 || q->qty_decimals > 9 || q->price_decimals < 0 || q->price_decimals > 9 ||
        q->qty <= 0 || (!q->market && q->price <= 0))
        return -1;
    dec_fmt(q->qty, q->qty_decimals, qty, sizeof qty);
    int n;
    if (q->market)
        n = snprintf(out, cap,
                     "{\"symbol\":\"%s\",\"side\":\"%s\",\"order_type\":\"market\",\"qty\":\"%s\","
                     "\"time_in_force\":\"ioc\",\"reduce_only\":%s,\"cl_ord_id\":\"%s\"}",
                     q->symbol, side_name(q->side), qty, q->reduce_only ? "true" : "false", q->cl_ord_id);
    else
        n = snprintf(out, cap,
                     "{\"symbol\":\"%s\",\"side\":\"%s\",\"order_type\":\"limit\",\"qty\":\"%s\","
                     "\"price\":\"%s\",\"time_in_force\":\"%s\",\"reduce_only\":%s,\"cl_ord_id\":\"%s\"}",
                     q->symbol, side_name(q->side), qty, dec_fmt(q->price, q->price_decimals, px, sizeof px),
                     tif_name(q->tif), q->reduce_only ? "true" : "false", q->cl_ord_id);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int sx_place(void *ctx, const struct order_req *q)
{
    struct sx_account *a = ctx;
    char body[512];
    lat_decide();
    if (!q || !safe_id(q->cl_ord_id, CLOID_MAX) || !safe_id(q->symbol, SYM_MAX) ||
        build_order_body(q, body, sizeof body) != 0)
        return -1;
    a->n.places++;
    if (!sx_bucket_take(&a->bucket, SX_CREDIT_COST, SX_PLACE_RESERVE, clock_mono_us())) {
        a->n.rate_limited++;
        emit_result(a, VEV_PLACE_RESULT, q->symbol, q->cl_ord_id, 0, VR_RATE_LIMITED, 0,
                    "local rate limit: not sent");
        return 0;
    }
    struct sx_op *o = op_new(a, OPK_PLACE);
    if (!o) return -1;
    snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", q->cl_ord_id);
    snprintf(o->symbol, sizeof o->symbol, "%s", q->symbol);
    return sx_post(a, o, "/api/new_order", body);
}

static int sx_cancel(void *ctx, const char *symbol, const char *cl_ord_id, int64_t order_id)
{
    struct sx_account *a = ctx;
    char body[160];
    lat_decide();
    bool by_cl = cl_ord_id && *cl_ord_id;
    if (!by_cl && order_id <= 0) return -1;
    if (by_cl && !safe_id(cl_ord_id, CLOID_MAX)) return -1;
    struct sx_resolve *rs = by_cl ? resolve_find(a, cl_ord_id) : NULL;
    if (rs) {   /* held until we know what happened to the order */
        rs->cancel_pending = true;
        rs->cancel_order_id = order_id;
        return 0;
    }
    if (order_id > 0) snprintf(body, sizeof body, "{\"order_id\":%lld}", (long long)order_id);
    else snprintf(body, sizeof body, "{\"cl_ord_id\":\"%s\"}", cl_ord_id);
    a->n.cancels++;
    /* Cancels need no reserve, but one sent into an empty bucket would only
     * earn a 429: refuse it here (the task retries shortly). */
    if (!sx_bucket_take(&a->bucket, SX_CREDIT_COST, 0, clock_mono_us())) {
        a->n.rate_limited++;
        emit_result(a, VEV_CANCEL_RESULT, symbol, by_cl ? cl_ord_id : "", order_id, VR_RATE_LIMITED, 0,
                    "local rate limit: not sent");
        return 0;
    }
    struct sx_op *o = op_new(a, OPK_CANCEL);
    if (!o) return -1;
    snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", by_cl ? cl_ord_id : "");
    snprintf(o->symbol, sizeof o->symbol, "%s", symbol ? symbol : "");
    o->order_id = order_id;
    return sx_post(a, o, "/api/cancel_order", body);
}

static int sx_cancel_many(void *ctx, const char *symbol, const char *const *ids, size_t n)
{
    struct sx_account *a = ctx;
    if (!ids || n == 0 || n > 1000) return -1;
    for (size_t i = 0; i < n; i++)
        if (!safe_id(ids[i], CLOID_MAX)) return -1;
    if (!sx_bucket_take(&a->bucket, SX_CREDIT_COST, 0, clock_mono_us())) {
        a->n.rate_limited++;
        for (size_t i = 0; i < n; i++)
            emit_result(a, VEV_CANCEL_RESULT, symbol, ids[i], 0, VR_RATE_LIMITED, 0,
                        "local rate limit: not sent");
        return 0;
    }
    size_t cap = 64 + n * (CLOID_MAX + 3);
    char *body = malloc(cap);
    struct sx_op *o = op_new(a, OPK_CANCEL_MANY);
    if (!body || !o || !(o->cloids = calloc(n, sizeof *o->cloids))) {
        free(body);
        if (o) op_free(o);
        return -1;
    }
    size_t p = (size_t)snprintf(body, cap, "{\"cl_ord_id_list\":[");
    for (size_t i = 0; i < n; i++) {
        p += (size_t)snprintf(body + p, cap - p, "%s\"%s\"", i ? "," : "", ids[i]);
        snprintf(o->cloids[i], CLOID_MAX, "%s", ids[i]);
    }
    snprintf(body + p, cap - p, "]}");
    o->n = n;
    snprintf(o->symbol, sizeof o->symbol, "%s", symbol ? symbol : "");
    a->n.cancels++;
    int rc = sx_post(a, o, "/api/cancel_orders", body);
    free(body);
    return rc;
}

static int sx_query_open_orders(void *ctx, const char *symbol)
{
    struct sx_account *a = ctx;
    struct sx_op *o = op_new(a, OPK_OPEN_ORDERS);
    if (!o) return -1;
    snprintf(o->symbol, sizeof o->symbol, "%s", symbol ? symbol : "");
    char pq[256];
    url_param(pq, sizeof pq, "/api/query_open_orders", "symbol", symbol && *symbol ? symbol : NULL);
    return sx_get(a, o, pq);
}

static int sx_query_order(void *ctx, const char *cl_ord_id)
{
    struct sx_account *a = ctx;
    if (!cl_ord_id || !*cl_ord_id || strlen(cl_ord_id) >= CLOID_MAX) return -1;
    struct sx_op *o = op_new(a, OPK_QUERY_ORDER);
    if (!o) return -1;
    snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", cl_ord_id);
    char pq[256];
    url_param(pq, sizeof pq, "/api/query_order", "cl_ord_id", cl_ord_id);
    return sx_get(a, o, pq);
}

static int sx_query_positions(void *ctx, const char *symbol)
{
    struct sx_account *a = ctx;
    struct sx_op *o = op_new(a, OPK_POSITIONS);
    if (!o) return -1;
    snprintf(o->symbol, sizeof o->symbol, "%s", symbol ? symbol : "");
    char pq[256];
    url_param(pq, sizeof pq, "/api/query_positions", "symbol", symbol && *symbol ? symbol : NULL);
    return sx_get(a, o, pq);
}

/* REST query_balance, at most one in flight and one per second. */
static void balance_refresh(struct sx_account *a)
{
    a->balance_again = false;
    if (a->balance_inflight) { a->balance_again = true; return; }
    int64_t now = clock_mono_us(), wait = a->balance_last_us + 1000000 - now;
    if (a->balance_last_us && wait > 0) {
        if (!evtimer_pending(a->balance_ev, NULL)) {
            struct timeval tv = {0, (suseconds_t)wait};
            evtimer_add(a->balance_ev, &tv);
        }
        return;
    }
    struct sx_op *o = op_new(a, OPK_BALANCE);
    if (!o) return;
    a->balance_last_us = now;
    if (sx_get(a, o, "/api/query_balance") == 0) a->balance_inflight = true;
}

static void on_balance_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    balance_refresh(arg);
}

static const struct venue_ops sx_ops = {sx_place, sx_cancel, sx_cancel_many, sx_query_open_orders,
                                        sx_query_order, sx_query_positions};

/* ---- fills of not-yet-known orders ------------------------------------------------ */

static void emit_fill(struct sx_account *a, const struct venue_fill *f)
{
    struct venue_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = VEV_FILL;
    ev.u.fill = *f;
    snprintf(ev.symbol, sizeof ev.symbol, "%s", f->symbol);
    emit(a, &ev);
}

/* Delivers the held fills of order_id (all of them when order_id is 0). */
static void release_fills(struct sx_account *a, int64_t order_id)
{
    for (struct sx_pfill **pp = &a->held; *pp;) {
        struct sx_pfill *p = *pp;
        if (order_id && p->f.order_id != order_id) { pp = &p->next; continue; }
        const char *cl = map_get(a, p->f.order_id);
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
    struct sx_op *o = op_new(a, OPK_ORDER_BY_ID);
    char pq[96];
    snprintf(pq, sizeof pq, "/api/query_order?order_id=%lld", (long long)f->order_id);
    if (o) o->order_id = f->order_id;
    if (!o || sx_get(a, o, pq) != 0) release_fills(a, f->order_id);
}

static void on_order_by_id(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    struct venue_order vo;
    char msg[128];
    if (query_outcome(r, &vo, msg, sizeof msg) == 1) map_put(a, vo.id, vo.cl_ord_id);
    release_fills(a, o->order_id);
}

/* ---- private stream ---------------------------------------------------------------- */

static void stream_set(struct sx_account *a, bool up)
{
    if (a->stream_up == up) return;
    a->stream_up = up;
    struct venue_event ev = {.type = VEV_STREAM};
    ev.u.stream_up = up;
    emit(a, &ev);
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

static void st_frame(struct sx_account *a, struct sx_msg *m)
{
    struct venue_event ev;
    memset(&ev, 0, sizeof ev);
    switch (m->chan) {
    case SXC_AUTH:
        if (m->u.auth.code == 0 || m->u.auth.code == 200) {
            LOGI("standx", "%s: account stream authenticated", a->id);
            stream_set(a, true);
            balance_refresh(a);
        } else {
            a->n.auth_failures++;
            LOGE("standx", "%s: account stream auth refused: code %d %s", a->id, m->u.auth.code,
                 m->u.auth.msg);
            wsmgr_reconnect(a->ws, a->conn, "auth refused");
        }
        return;
    case SXC_ORDER:
        a->n.orders++;
        map_put(a, m->u.order.id, m->u.order.cl_ord_id);
        ev.type = VEV_ORDER;
        ev.u.order = m->u.order;
        snprintf(ev.symbol, sizeof ev.symbol, "%s", m->u.order.symbol);
        emit(a, &ev);
        if (a->n_held) release_fills(a, m->u.order.id);   /* after the order event */
        return;
    case SXC_TRADE: {
        struct venue_fill *f = &m->u.fill;
        if (!sx_idset_add(&a->seen_trades, f->trade_id)) { a->n.dup_fills++; return; }
        a->n.fills++;
        const char *cl = f->cl_ord_id[0] ? f->cl_ord_id : map_get(a, f->order_id);
        if (!cl) {
            a->n.held_fills++;
            hold_fill(a, f);
            return;
        }
        if (cl != f->cl_ord_id) snprintf(f->cl_ord_id, sizeof f->cl_ord_id, "%s", cl);
        emit_fill(a, f);
        return;
    }
    case SXC_POSITION:
        ev.type = VEV_POSITION;
        ev.u.position = m->u.position;
        snprintf(ev.symbol, sizeof ev.symbol, "%s", m->u.position.symbol);
        break;
    case SXC_BALANCE:
        balance_refresh(a);
        return;
    default:
        return;
    }
    emit(a, &ev);
}

static void st_msg(void *ud, int id, const char *txt, size_t len)
{
    (void)id;
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

static void on_check(evutil_socket_t fd, short what, void *arg)
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

/* ---- public ---------------------------------------------------------------------- */

/* base (trailing '/' and an already present `path` suffix dropped) + path */
static char *join_url(const char *base, const char *path)
{
    size_t n = strlen(base), pl = strlen(path);
    while (n && base[n - 1] == '/') n--;
    if (pl && n >= pl && !strncmp(base + n - pl, path, pl)) n -= pl;
    char *s = malloc(n + strlen(path) + 1);
    if (s) { memcpy(s, base, n); strcpy(s + n, path); }
    return s;
}

static double env_d(const char *name, double def)
{
    const char *s = getenv(name);
    char *end;
    double v = s ? strtod(s, &end) : 0;
    return (!s || !*s || *end || v <= 0) ? def : v;
}

struct sx_account *sx_account_new(struct event_base *base, struct rest *rest, struct wsmgr *ws,
                                  const char *rest_url, const char *ws_base_url,
                                  const char *account_id, const char *jwt,
                                  const struct signer *signer, venue_sink_fn sink, void *sink_ud)
{
    if (!base || !rest || !rest_url || !jwt || !signer) return NULL;
    struct sx_account *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->base = base;
    a->rest = rest;
    a->ws = ws;
    a->signer = signer;
    a->sink = sink;
    a->sink_ud = sink_ud;
    a->rest_url = join_url(rest_url, "");
    a->ws_url = ws_base_url ? join_url(ws_base_url, "/ws-stream/v1") : NULL;
    a->id = strdup(account_id ? account_id : "account");
    a->jwt = strdup(jwt);
    if (sxp_jwt_exp(jwt, &a->jwt_exp_s) != 0) a->jwt_exp_s = 0;
    size_t hl = strlen(jwt) + 32;
    a->auth_hdr = malloc(hl);
    if (a->auth_hdr) snprintf(a->auth_hdr, hl, "Authorization: Bearer %s", jwt);
    a->flush_ev = event_new(base, -1, 0, on_flush, a);
    a->check_ev = event_new(base, -1, EV_PERSIST, on_check, a);
    a->balance_ev = evtimer_new(base, on_balance_timer, a);
    a->auth_s = env_d("MMD_SX_AUTH_S", 10);
    a->resolve_ms = (long)env_d("MMD_SX_RESOLVE_MS", 300);
    a->timeout_ms = (long)env_d("MMD_SX_TIMEOUT_MS", 10000);
    sx_bucket_init(&a->bucket, SX_CREDIT_BURST, SX_CREDIT_REFILL, clock_mono_us());
    struct timeval tv = {1, 0};
    if (!a->rest_url || !a->id || !a->jwt || !a->auth_hdr || !a->flush_ev || !a->check_ev || !a->balance_ev ||
        (ws_base_url && !a->ws_url) || event_add(a->check_ev, &tv) != 0) {
        sx_account_free(a);
        return NULL;
    }
    return a;
}

struct venue sx_account_venue(struct sx_account *a) { return (struct venue){&sx_ops, a}; }

static const struct ws_handlers st_handlers = {st_up, st_msg, st_down};

void sx_account_start(struct sx_account *a)
{
    if (!a || a->conn || !a->ws || !a->ws_url) return;
    char name[96];
    snprintf(name, sizeof name, "account:%s", a->id);
    a->conn = wsmgr_open(a->ws, name, a->ws_url, false, &st_handlers, a);
    if (a->conn < 0) {
        a->conn = 0;
        LOGE("standx", "%s: cannot open the account stream", a->id);
    }
}

json_t *sx_account_status_json(const struct sx_account *a)
{
    if (!a) return json_null();
    struct sx_bucket b = a->bucket;
    sx_bucket_take(&b, 0, 0, clock_mono_us());   /* refill to now, take nothing */
    json_t *stream = a->conn ? wsmgr_conn_status_json(a->ws, a->conn) : json_pack("{s:s}", "state", "idle");
    size_t nres = 0;
    for (const struct sx_resolve *r = a->resolves; r; r = r->next) nres++;
    json_t *cnt = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "places", (json_int_t)a->n.places,
        "cancels", (json_int_t)a->n.cancels, "queries", (json_int_t)a->n.queries, "rate_limited",
        (json_int_t)a->n.rate_limited, "ambiguous", (json_int_t)a->n.ambiguous, "resolved",
        (json_int_t)a->n.resolved, "unresolved", (json_int_t)a->n.unresolved, "rejects",
        (json_int_t)a->n.rejects, "fills", (json_int_t)a->n.fills, "dup_fills", (json_int_t)a->n.dup_fills,
        "bad_frames", (json_int_t)a->n.bad_frames, "auth_failures", (json_int_t)a->n.auth_failures,
        "events", (json_int_t)a->n.events);
    if (cnt) json_object_set_new(cnt, "http_auth_errors", json_integer((json_int_t)a->n.http_auth_errors));
    if (cnt) json_object_set_new(cnt, "held_fills", json_integer((json_int_t)a->n.held_fills));
    json_t *j = json_pack("{s:s,s:o,s:b,s:{s:f,s:f},s:I,s:o}", "account", a->id, "stream", stream,
                          "authenticated", a->stream_up, "rate_bucket", "credits", b.level, "capacity",
                          b.cap, "resolving", (json_int_t)nres, "counters", cnt);
    if (j)
        json_object_set_new(j, "jwt_expires_in_s",
                            a->jwt_exp_s ? json_integer(a->jwt_exp_s - clock_wall_ms() / 1000) : json_null());
    return j;
}

void sx_account_free(struct sx_account *a)
{
    if (!a) return;
    if (a->in_flush) { a->dying = true; return; }   /* finished by on_flush */
    account_destroy(a);
}

static void account_destroy(struct sx_account *a)
{
    if (a->conn) wsmgr_close(a->ws, a->conn);
    while (a->ops) {
        rest_cancel(a->rest, a->ops->rid);
        op_free(a->ops);
    }
    while (a->held) {
        struct sx_pfill *p = a->held;
        a->held = p->next;
        free(p);
    }
    while (a->resolves) {
        struct sx_resolve *r = a->resolves;
        a->resolves = r->next;
        if (r->ev) event_free(r->ev);
        free(r);
    }
    while (a->evq_head) {
        struct sx_evq *q = a->evq_head;
        a->evq_head = q->next;
        free(q->owned);
        free(q);
    }
    if (a->flush_ev) event_free(a->flush_ev);
    if (a->check_ev) event_free(a->check_ev);
    if (a->balance_ev) event_free(a->balance_ev);
    if (a->jwt) { sodium_memzero(a->jwt, strlen(a->jwt)); free(a->jwt); }
    if (a->auth_hdr) { sodium_memzero(a->auth_hdr, strlen(a->auth_hdr)); free(a->auth_hdr); }
    free(a->rest_url);
    free(a->ws_url);
    free(a->id);
    free(a);
}

/* ---- start-up helpers ---------------------------------------------------------------- */

struct sx_symctx { sx_symbols_cb cb; void *ud; };

static void on_symbols(void *ud, const struct rest_resp *r)
{
    struct sx_symctx *c = ud;
    struct sym_info *list = NULL;
    size_t n = 0;
    char err[160];
    if (r->curl_code != CURLE_OK) {
        snprintf(err, sizeof err, "query_symbol_info: %s", curl_easy_strerror(r->curl_code));
        c->cb(c->ud, 0, NULL, 0, err);
    } else if (r->status != 200) {
        snprintf(err, sizeof err, "query_symbol_info: HTTP %ld", r->status);
        c->cb(c->ud, 0, NULL, 0, err);
    } else if (sxp_symbol_list(r->body, r->body_len, &list, &n) != SXP_OK) {
        c->cb(c->ud, 0, NULL, 0, "query_symbol_info: malformed reply");
    } else {
        c->cb(c->ud, 1, list, n, NULL);
    }
    free(list);
    free(c);
}

int sx_load_symbols(struct rest *rest, const char *rest_url, sx_symbols_cb cb, void *ud)
{
    if (!rest || !rest_url || !cb) return -1;
    struct sx_symctx *c = malloc(sizeof *c);
    char *url = join_url(rest_url, "/api/query_symbol_info");
    if (!c || !url) { free(c); free(url); return -1; }
    c->cb = cb;
    c->ud = ud;
    int rc = rest_request(rest, "GET", url, NULL, NULL, 0, (long)env_d("MMD_SX_TIMEOUT_MS", 10000),
                          on_symbols, c);
    free(url);
    if (rc != 0) free(c);
    return rc;
}

int sx_check_balance(struct sx_account *a, sx_balance_cb cb, void *ud)
{
    if (!a || !cb) return -1;
    struct sx_op *o = op_new(a, OPK_CHECK_BALANCE);
    if (!o) return -1;
    o->bcb = cb;
    o->bud = ud;
    return sx_get(a, o, "/api/query_balance");
}

int sx_jwt_exp(const char *jwt, int64_t *exp_s) { return sxp_jwt_exp(jwt, exp_s); }
