/* standx — the StandX venue for one account: REST orders, cancels and
 * queries (signed, JWT bearer) and the account's private stream; plus the
 * start-up helpers sx_load_symbols, sx_check_balance and sx_jwt_exp.  This
 * file owns the account's life cycle (new, start, status, free), its event
 * FIFO and order-id map; sx_int.h lists the other files.  The decisions
 * below hold for all of them.
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
 *  - new_order is NEVER re-sent (libcurl's own re-send is disabled too: see
 *    rest.c).  HTTP 200 with code != 0 is a rejection; 429
 *    -> VR_RATE_LIMITED; "duplicate cl_ord_id" (the venue holds that id: the
 *    order is placed) -> VR_AMBIGUOUS, resolved as below, never VR_REJECTED;
 *    other 4xx -> VR_REJECTED; 5xx, timeouts and
 *    connection errors after the request may have left -> VR_AMBIGUOUS, then
 *    the order is resolved by GET query_order?cl_ord_id= (a few tries, spaced
 *    sx_knobs.resolve_ms, because acceptance is asynchronous);
 *    the outcome is delivered as VEV_QUERY_ORDER (and VEV_ORDER when found).
 *    A cancel for an order being resolved is held until the resolution ends.
 *    A connection error before anything was sent -> VR_FAILED.  Request
 *    timeout: sx_knobs.timeout_ms.
 *  - Cancel of an already-closed order ("order already closed", "order is not
 *    open") is success-equivalent: VR_OK with the venue's message.
 *  - Private stream: one authenticated connection per account (order, trade,
 *    position, balance).  Auth ack code 0 or 200 = up (VEV_STREAM up);
 *    anything else, or no ack within sx_knobs.auth_s, is logged naming
 *    the account (never the token) and the connection backs off.  Fills are
 *    passed on as the venue sends them, repeats included (de-duplication is
 *    the order book-keeping's, in the engine), with their cl_ord_id from the
 *    order events seen (last 4096 orders); a fill of an order not seen yet is
 *    held (at most 256) until its order event arrives or GET
 *    query_order?order_id= names it, then delivered after that order event.
 *    A balance event triggers a REST query_balance (the stream record has no
 *    equity; at most one per second) -> VEV_BALANCE. */
#include "sx_int.h"
#include "sx_market.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

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

void sx_emit_owned(struct sx_account *a, const struct venue_event *ev, struct venue_order *owned)
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

void sx_emit(struct sx_account *a, const struct venue_event *ev) { sx_emit_owned(a, ev, NULL); }

void sx_emit_result(struct sx_account *a, enum venue_ev_type t, const char *symbol, const char *cl_ord_id,
                    int64_t order_id, enum venue_result out, int http, const char *msg)
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
    sx_emit(a, &ev);
}

/* ---- id bookkeeping ------------------------------------------------------------ */

void sx_map_put(struct sx_account *a, int64_t order_id, const char *cl)
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

const char *sx_map_get(const struct sx_account *a, int64_t order_id)
{
    for (size_t i = 0; i < a->map_n; i++)
        if (a->map[i].order_id == order_id) return a->map[i].cl_ord_id;
    return NULL;
}

void sx_auth_news(struct sx_account *a, bool ok, int http, const char *msg)
{
    if (ok == !a->auth_refused) return;
    a->auth_refused = !ok;
    struct venue_event ev = {.type = VEV_AUTH};
    ev.u.auth.ok = ok;
    ev.u.auth.http_status = http;
    snprintf(ev.u.auth.message, sizeof ev.u.auth.message, "%.95s", msg ? msg : "");
    if (ok)
        LOGI("standx", "%s: the venue accepts the account's token again; its tasks resume", a->id);
    else
        LOGE("standx", "%s: the venue refuses the account's token (%d %s): revoked or expired. Its tasks "
             "are halted and keep trying to cancel their orders. To recover: put a new token in the "
             "account's jwt_file / jwt_env / jwt_token and restart mmd", a->id, http, msg ? msg : "");
    sx_emit(a, &ev);
}

/* ---- public ---------------------------------------------------------------------- */

struct sx_account *sx_account_new(struct event_base *base, struct rest *rest, struct wsmgr *ws,
                                  const struct sx_account_params *p)
{
    if (!base || !rest || !p || !p->rest_url || !p->jwt || !p->signer) return NULL;
    struct sx_account *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->base = base;
    a->rest = rest;
    a->ws = ws;
    a->signer = p->signer;
    a->sink = p->sink;
    a->sink_ud = p->sink_ud;
    a->rest_url = sx_join_url(p->rest_url, "");
    a->ws_url = p->stream_url ? strdup(p->stream_url) : NULL;
    a->id = strdup(p->account_id ? p->account_id : "account");
    a->jwt = strdup(p->jwt);
    if (sxp_jwt_exp(p->jwt, &a->jwt_exp_s) != 0) a->jwt_exp_s = 0;
    size_t hl = strlen(p->jwt) + 32;
    a->auth_hdr = malloc(hl);
    if (a->auth_hdr) snprintf(a->auth_hdr, hl, "Authorization: Bearer %s", p->jwt);
    a->flush_ev = event_new(base, -1, 0, on_flush, a);
    a->check_ev = event_new(base, -1, EV_PERSIST, sx_on_check, a);
    a->balance_ev = evtimer_new(base, sx_on_balance_timer, a);
    a->auth_s = p->knobs.auth_s;
    a->resolve_ms = p->knobs.resolve_ms;
    a->timeout_ms = p->knobs.timeout_ms;
    sx_bucket_init(&a->bucket, SX_CREDIT_BURST, SX_CREDIT_SAFE_REFILL, clock_mono_us());
    a->ip = p->ip;
    struct timeval tv = clock_tv_s(1.0);
    if (!a->rest_url || !a->id || !a->jwt || !a->auth_hdr || !a->flush_ev || !a->check_ev || !a->balance_ev ||
        (p->stream_url && !a->ws_url) || event_add(a->check_ev, &tv) != 0 ||
        sx_api_init(a, p->api_url, p->ws_orders) != 0) {
        sx_account_free(a);
        return NULL;
    }
    return a;
}

json_t *sx_account_status_json(const struct sx_account *a)
{
    if (!a) return json_null();
    struct sx_bucket b = a->bucket;
    sx_bucket_take(&b, 0, 0, clock_mono_us());   /* refill to now, take nothing */
    json_t *conn = wsmgr_conn_status_json(a->ws, a->conn);
    size_t nres = 0;
    for (const struct sx_resolve *r = a->resolves; r; r = r->next) nres++;
    json_t *cnt = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "places", (json_int_t)a->n.places,
        "cancels", (json_int_t)a->n.cancels, "queries", (json_int_t)a->n.queries, "rate_limited",
        (json_int_t)a->n.rate_limited, "ambiguous", (json_int_t)a->n.ambiguous, "resolved",
        (json_int_t)a->n.resolved, "unresolved", (json_int_t)a->n.unresolved, "rejects",
        (json_int_t)a->n.rejects, "fills", (json_int_t)a->n.fills,
        "bad_frames", (json_int_t)a->n.bad_frames, "auth_failures", (json_int_t)a->n.auth_failures,
        "events", (json_int_t)a->n.events);
    if (cnt) json_object_set_new(cnt, "http_auth_errors", json_integer((json_int_t)a->n.http_auth_errors));
    if (cnt) json_object_set_new(cnt, "held_fills", json_integer((json_int_t)a->n.held_fills));
    if (cnt) json_object_set_new(cnt, "merged_queries", json_integer((json_int_t)a->merged));
    if (cnt) json_object_set_new(cnt, "queued_queries", json_integer((json_int_t)a->queued_gets));
    if (cnt) json_object_set_new(cnt, "expired_queries", json_integer((json_int_t)a->expired_gets));
    json_t *j = json_pack("{s:s,s:o,s:b,s:{s:f,s:f,s:f,s:f},s:I,s:o,s:o}", "account", a->id, "connection", conn,
                          "authenticated", a->stream_up, "rate_bucket", "credits", b.level, "capacity",
                          b.cap, "per_s", b.refill_per_s, "requests_per_s", b.refill_per_s / SX_CREDIT_COST,
                          "resolving", (json_int_t)nres, "counters", cnt, "order_session",
                          sx_api_status_json(a));
    if (j)
        json_object_set_new(j, "jwt_expires_in_s",
                            a->jwt_exp_s ? json_integer(a->jwt_exp_s - clock_wall_ms() / 1000) : json_null());
    return j;
}

int sx_account_set_credentials(struct sx_account *a, const char *jwt, const struct signer *signer)
{
    if (!a || !jwt || !signer) return -1;
    size_t hl = strlen(jwt) + 32;
    char *nj = strdup(jwt), *nh = malloc(hl);
    if (!nj || !nh) {
        free(nj);
        free(nh);
        return -1;
    }
    snprintf(nh, hl, "Authorization: Bearer %s", jwt);
    if (a->jwt) { sodium_memzero(a->jwt, strlen(a->jwt)); free(a->jwt); }
    if (a->auth_hdr) { sodium_memzero(a->auth_hdr, strlen(a->auth_hdr)); free(a->auth_hdr); }
    a->jwt = nj;
    a->auth_hdr = nh;
    a->signer = signer;
    if (sxp_jwt_exp(jwt, &a->jwt_exp_s) != 0) a->jwt_exp_s = 0;
    if (a->conn) wsmgr_reconnect_now(a->ws, a->conn, "new credentials");
    if (a->api.conn) wsmgr_reconnect_now(a->ws, a->api.conn, "new credentials");
    return 0;
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
    sx_api_free(a);
    if (a->queue_ev) event_free(a->queue_ev);
    while (a->ops) {
        rest_cancel(a->rest, a->ops->rid);
        sx_op_free(a->ops);
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

int sx_load_symbols(struct rest *rest, const char *rest_url, long timeout_ms, sx_symbols_cb cb, void *ud)
{
    if (!rest || !rest_url || !cb) return -1;
    struct sx_symctx *c = malloc(sizeof *c);
    char *url = sx_join_url(rest_url, "/api/query_symbol_info");
    if (!c || !url) { free(c); free(url); return -1; }
    c->cb = cb;
    c->ud = ud;
    int rc = rest_request(rest, "GET", url, NULL, NULL, 0, timeout_ms, on_symbols, c);
    free(url);
    if (rc != 0) free(c);
    return rc;
}

int sx_check_balance(struct sx_account *a, sx_balance_cb cb, void *ud)
{
    if (!a || !cb) return -1;
    struct sx_op *o = sx_op_new(a, OPK_CHECK_BALANCE);
    if (!o) return -1;
    o->bcb = cb;
    o->bud = ud;
    return sx_get(a, o, "/api/query_balance");
}

int sx_jwt_exp(const char *jwt, int64_t *exp_s) { return sxp_jwt_exp(jwt, exp_s); }
