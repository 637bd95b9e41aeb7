/* sx_orders — StandX REST: signed requests, the venue order ops (place,
 * cancel, cancel_many, queries), their completions, and the resolution of
 * ambiguous orders; the latency marks a market-data reaction gives its first
 * request (struct sx_reaction).  Decisions: see standx.c. */
#include "sx_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "codec.h"
#include "log.h"

/* ---- REST plumbing ---------------------------------------------------------------- */

struct sx_op *sx_op_new(struct sx_account *a, enum sx_op_kind k)
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

void sx_op_free(struct sx_op *o)
{
    struct sx_account *a = o->a;
    if (o->prev) o->prev->next = o->next;
    else a->ops = o->next;
    if (o->next) o->next->prev = o->prev;
    free(o->cloids);
    free(o->queued);
    free(o);
}

static void on_rest(void *ud, const struct rest_resp *r);

/* ---- latency marks -------------------------------------------------------------- */

void sx_reaction_begin(struct sx_reaction *r, int64_t recv_us, int64_t parse_us)
{
    r->m = (struct rest_marks){recv_us, parse_us, 0};
    r->decided = r->taken = false;
}

void sx_reaction_decide(struct sx_reaction *r, int64_t now_us)
{
    if (r->m.recv_us <= 0 || r->m.parse_us <= 0 || r->decided) return;
    r->decided = true;
    r->m.decide_us = now_us;
}

bool sx_reaction_take(struct sx_reaction *r, struct rest_marks *m)
{
    if (!r->decided || r->taken) return false;
    r->taken = true;
    *m = r->m;
    return true;
}

void sx_account_react(struct sx_account *a, struct sx_reaction *r)
{
    if (a) a->react = r;
}

static void sx_decide(struct sx_account *a)
{
    if (a->react) sx_reaction_decide(a->react, clock_mono_us());
}

/* The options of a request: the timeout, and the reaction's marks if this is
 * the first request of the reaction. */
static struct rest_opts sx_opts(struct sx_account *a)
{
    struct rest_opts o = {.timeout_ms = a->timeout_ms};
    if (a->react && sx_reaction_take(a->react, &o.marks)) {
        o.written = a->react->written;
        o.written_ud = a->react->written_ud;
    }
    return o;
}

/* ---- request budget ------------------------------------------------------------ */

void sx_ipbudget_init(struct sx_ipbudget *ip, double per_s, int64_t now_us)
{
    memset(ip, 0, sizeof *ip);
    sx_bucket_init(&ip->b, SX_IP_BURST, per_s > 0 ? per_s : SX_IP_REFILL, now_us);
}

json_t *sx_ipbudget_json(const struct sx_ipbudget *ip)
{
    if (!ip) return json_null();
    struct sx_bucket b = ip->b;
    sx_bucket_take(&b, 0, 0, clock_mono_us());   /* refill to now, take nothing */
    return json_pack("{s:f,s:f,s:f,s:I,s:I}", "requests", b.level, "capacity", b.cap, "per_s", b.refill_per_s,
                     "taken", (json_int_t)ip->taken, "refused", (json_int_t)ip->refused);
}

/* What each class leaves for cancels: in the account's credits and in the
 * per-IP requests. */
static const struct { double credits, ip; } reserve[] = {
    [SXR_PLACE] = {SX_PLACE_RESERVE, 6}, [SXR_CANCEL] = {0, 0}, [SXR_QUERY] = {SX_QUERY_RESERVE, 4},
};

bool sx_budget_take(struct sx_account *a, enum sx_req_class c)
{
    int64_t now = clock_mono_us();
    if (!sx_bucket_take(&a->bucket, SX_CREDIT_COST, reserve[c].credits, now)) return false;
    if (a->ip && !sx_bucket_take(&a->ip->b, 1, reserve[c].ip, now)) {
        a->bucket.level += SX_CREDIT_COST;   /* give the account's credits back */
        a->ip->refused++;
        return false;
    }
    if (a->ip) a->ip->taken++;
    return true;
}

static bool budget_exempt(enum sx_op_kind k) { return k == OPK_CHECK_BALANCE || k == OPK_ORDER_BY_ID; }
static int get_now(struct sx_account *a, struct sx_op *o, const char *path_query);

/* The oldest GET waiting for the budget. */
static struct sx_op *queue_head(struct sx_account *a)
{
    struct sx_op *h = NULL;
    for (struct sx_op *o = a->ops; o; o = o->next)
        if (o->queued && (!h || o->queued_us < h->queued_us)) h = o;
    return h;
}

static void queue_arm(struct sx_account *a, int64_t wait_us)
{
    if (wait_us < 1000) wait_us = 1000;
    struct timeval tv = clock_tv_us(wait_us);
    if (a->queue_ev) evtimer_add(a->queue_ev, &tv);
}

/* Queued GETs go out oldest first as the budget refills; one that waited
 * SX_QUEUE_MAX_US fails as not sent. */
static void on_queue(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct sx_account *a = arg;
    static const char why[] = "local request budget exhausted: not sent";
    const struct rest_resp late = {.curl_code = CURLE_OK, .body = why, .body_len = sizeof why - 1};
    struct sx_op *o;
    while ((o = queue_head(a))) {
        int64_t now = clock_mono_us();
        if (now - o->queued_us > SX_QUEUE_MAX_US) {
            a->expired_gets++;
            free(o->queued);
            o->queued = NULL;
            on_rest(o, &late);
            continue;
        }
        if (!sx_budget_take(a, SXR_QUERY)) {
            queue_arm(a, a->ip && a->ip->b.level < 5 ? sx_bucket_wait_us(&a->ip->b, 1, 4, now)
                                                      : sx_bucket_wait_us(&a->bucket, SX_CREDIT_COST,
                                                                          SX_QUERY_RESERVE, now));
            return;
        }
        char *pq = o->queued;
        o->queued = NULL;
        if (get_now(a, o, pq) != 0) LOGW("standx", "%s: cannot send a queued request", a->id);   /* o freed */
        free(pq);
    }
}

/* A GET goes out when the budget allows, in order; until then it waits in
 * the queue (and answers identical queries: see merged()). */
int sx_get(struct sx_account *a, struct sx_op *o, const char *path_query)
{
    if (!sx_budget_take(a, SXR_QUERY)) {
        if (budget_exempt(o->kind)) {   /* start-up checks and held fills: send anyway */
            sx_bucket_take(&a->bucket, SX_CREDIT_COST, 0, clock_mono_us());
        } else {
            if (!a->queue_ev) a->queue_ev = evtimer_new(a->base, on_queue, a);
            o->queued = strdup(path_query);
            if (!a->queue_ev || !o->queued) { sx_op_free(o); return -1; }
            o->queued_us = clock_mono_us();
            a->queued_gets++;
            if (!evtimer_pending(a->queue_ev, NULL)) queue_arm(a, 50000);
            return 0;
        }
    }
    return get_now(a, o, path_query);
}

static int get_now(struct sx_account *a, struct sx_op *o, const char *path_query)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", a->rest_url, path_query);
    const char *hdrs[] = {a->auth_hdr, NULL};
    a->n.queries++;
    struct rest_opts opts = sx_opts(a);
    o->rid = rest_submit(a->rest, "GET", url, hdrs, NULL, 0, &opts, on_rest, o);
    if (!o->rid) { sx_op_free(o); return -1; }
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
        sx_op_free(o);
        return -1;
    }
    snprintf(h_id, sizeof h_id, "x-request-id: %s", rid);
    snprintf(h_ts, sizeof h_ts, "x-request-timestamp: %s", ts);
    snprintf(h_sig, sizeof h_sig, "x-request-signature: %s", sig);
    /* with the order-response session up, its frames tell this request's fate too */
    const char *sid = o->kind == OPK_CANCEL_MANY ? NULL : sx_api_session(a);
    char h_sid[64];
    snprintf(h_sid, sizeof h_sid, "x-session-id: %s", sid ? sid : "");
    const char *hdrs[] = {"x-request-sign-version: v1", h_id, h_ts, h_sig, a->auth_hdr,
                          "Content-Type: application/json", sid ? h_sid : NULL, NULL};
    struct rest_opts opts = sx_opts(a);
    o->rid = rest_submit(a->rest, "POST", url, hdrs, body, len, &opts, on_rest, o);
    sodium_memzero(h_sig, sizeof h_sig);
    sodium_memzero(sig, sizeof sig);
    if (!o->rid) { sx_op_free(o); return -1; }
    if (sid) sx_api_expect(a, rid, o->kind, o->cl_ord_id, o->symbol, o->order_id);
    return 0;
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

/* The next query of r in ms milliseconds. */
static void resolve_later(struct sx_resolve *r, long ms)
{
    struct timeval tv = clock_tv_us((int64_t)ms * 1000);
    if (r->ev) evtimer_add(r->ev, &tv);
}

static struct sx_resolve *resolve_find(struct sx_account *a, const char *cl)
{
    for (struct sx_resolve *r = a->resolves; r; r = r->next)
        if (!strcmp(r->cl_ord_id, cl)) return r;
    return NULL;
}

void sx_resolve_start(struct sx_account *a, const char *cl, const char *symbol)
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
    resolve_later(r, a->resolve_ms);
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
    struct sx_op *o = sx_op_new(a, OPK_RESOLVE);
    char pq[256];
    r->tries++;
    if (o) {
        snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", r->cl_ord_id);
        snprintf(o->symbol, sizeof o->symbol, "%s", r->symbol);
        url_param(pq, sizeof pq, "/api/query_order", "cl_ord_id", r->cl_ord_id);
        if (sx_get(a, o, pq) == 0) return;
    }
    resolve_later(r, a->resolve_ms);   /* could not even send: try again later */
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
    sx_emit(a, &ev);
}

int sx_query_outcome(const struct rest_resp *r, struct venue_order *o, char *msg, size_t cap)
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
    int found = sx_query_outcome(r, &o, msg, sizeof msg);
    if (found == 1) {
        a->n.resolved++;
        sx_map_put(a, o.id, o.cl_ord_id);
        LOGI("standx", "%s: ambiguous order %s resolved: %s", a->id, o.cl_ord_id,
             order_status_name(o.status));
        emit_query(a, op->cl_ord_id, op->symbol, true, &o, o.status);
        struct venue_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = VEV_ORDER;
        snprintf(ev.symbol, sizeof ev.symbol, "%s", o.symbol);
        ev.u.order = o;
        sx_emit(a, &ev);
    } else if (rs && rs->tries < SX_RESOLVE_TRIES) {
        resolve_later(rs, a->resolve_ms * rs->tries);
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

/* Outcome of an order/cancel POST, and the venue's message. */
static enum venue_result post_outcome(const struct rest_resp *r, char *msg, size_t cap, bool *ambiguous)
{
    int code;
    resp_message(r, &code, msg, cap);
    return classify(r, code, ambiguous);
}

/* The venue's answer to a cl_ord_id it already holds: the order IS placed
 * (an earlier copy of this very request got there), not refused. */
bool sx_already_placed(const char *msg)
{
    return strstr(msg, "duplicate cl_ord_id") || strstr(msg, "duplicate client order id") ||
           strstr(msg, "cl_ord_id already exists");
}

static void on_place(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    char msg[128];
    bool amb;
    enum venue_result out = post_outcome(r, msg, sizeof msg, &amb);
    if (out == VR_REJECTED && sx_already_placed(msg)) {
        LOGW("standx", "%s: new_order %s: the venue already holds this cl_ord_id (%s): resolving it by "
             "query_order, not a rejection", a->id, o->cl_ord_id, msg);
        out = VR_AMBIGUOUS;
        amb = true;
    }
    if (out == VR_REJECTED) a->n.rejects++;
    if (out == VR_RATE_LIMITED) a->n.rate_limited++;
    if (out != VR_OK)
        LOGI("standx", "%s: new_order %s: %s (http %ld) %s", a->id, o->cl_ord_id,
             out == VR_AMBIGUOUS ? "ambiguous" : out == VR_FAILED ? "not sent" : "refused",
             r->status, msg);
    sx_emit_result(a, VEV_PLACE_RESULT, o->symbol, o->cl_ord_id, 0, out, (int)r->status, msg);
    if (amb) {
        a->n.ambiguous++;
        sx_resolve_start(a, o->cl_ord_id, o->symbol);
    }
}

bool sx_cancel_gone(const char *msg)
{
    return strstr(msg, "already closed") || strstr(msg, "not open") || strstr(msg, "already canceled") ||
           strstr(msg, "already cancelled");
}

static void on_cancel(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    char msg[128];
    bool amb;
    enum venue_result out = post_outcome(r, msg, sizeof msg, &amb);
    if (out == VR_REJECTED && sx_cancel_gone(msg)) out = VR_OK;
    if (out != VR_OK) LOGI("standx", "%s: cancel: http %ld %s", a->id, r->status, msg);
    if (o->kind == OPK_CANCEL) {
        sx_emit_result(a, VEV_CANCEL_RESULT, o->symbol, o->cl_ord_id, o->order_id, out, (int)r->status, msg);
        return;
    }
    for (size_t i = 0; i < o->n; i++)
        sx_emit_result(a, VEV_CANCEL_RESULT, o->symbol, o->cloids[i], 0, out, (int)r->status, msg);
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
            sx_map_put(a, list[i].id, list[i].cl_ord_id);
            if (!o->symbol[0] || !strcmp(list[i].symbol, o->symbol)) list[k++] = list[i];
        }
        ev.found = true;
        ev.u.list.orders = list;
        ev.u.list.n = k;
    } else {
        LOGW("standx", "%s: query_open_orders %s failed: http %ld %s", a->id, o->symbol, r->status, msg);
    }
    sx_emit_owned(a, &ev, list);
}

static void on_query_order(struct sx_account *a, struct sx_op *o, const struct rest_resp *r)
{
    struct venue_order vo;
    char msg[128];
    int found = sx_query_outcome(r, &vo, msg, sizeof msg);
    if (found == 1) sx_map_put(a, vo.id, vo.cl_ord_id);
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
        sx_emit(a, &ev);
    }
    if (o->symbol[0] && !seen) {   /* no row: flat */
        struct venue_event ev = {.type = VEV_POSITION};
        snprintf(ev.symbol, sizeof ev.symbol, "%s", o->symbol);
        snprintf(ev.u.position.symbol, sizeof ev.u.position.symbol, "%s", o->symbol);
        sx_emit(a, &ev);
    }
    free(list);
}

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
        sx_emit(a, &ev);
    } else {
        LOGD("standx", "%s: query_balance failed: http %ld %s", a->id, r->status, msg);
    }
    if (a->balance_again) sx_balance_refresh(a);
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
    if (r->status == 401) sx_auth_news(a, false, 401, "HTTP 401 on a request");
    else if (r->status >= 200 && r->status < 300 && a->auth_refused) sx_auth_news(a, true, (int)r->status, "");
    /* The exchange's bucket is the truth: after a 429 ours is empty too (our
     * mirror can drift when requests queue up in curl and arrive together). */
    if (r->status == 429) {
        a->bucket.level = 0;
        a->bucket.last_us = clock_mono_us();
        if (a->ip) {   /* the per-IP limit answers 429 as well: we cannot tell them apart */
            a->ip->b.level = 0;
            a->ip->b.last_us = a->bucket.last_us;
        }
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
    case OPK_ORDER_BY_ID: sx_on_order_by_id(a, o, r); break;
    }
    sx_op_free(o);
}

/* ---- venue ops ---------------------------------------------------------------- */

/* A command went out over the ws-api session: the reaction's latency sample
 * (if this is its first request) is taken as written now. */
static void ws_sent(struct sx_account *a)
{
    struct rest_marks m;
    if (a->react && sx_reaction_take(a->react, &m) && a->react->written)
        a->react->written(a->react->written_ud, &m, clock_mono_us());
}

/* A query of the same kind and key already in flight answers this one too. */
static bool merged(struct sx_account *a, enum sx_op_kind k, const char *cl, const char *symbol)
{
    for (const struct sx_op *o = a->ops; o; o = o->next)
        if (o->kind == k && !strcmp(o->cl_ord_id, cl ? cl : "") &&
            !strcmp(o->symbol, symbol ? symbol : "")) {
            a->merged++;
            return true;
        }
    return false;
}

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
    sx_decide(a);
    if (!q || !id_ok(q->cl_ord_id, CLOID_MAX) || !id_ok(q->symbol, SYM_MAX) ||
        build_order_body(q, body, sizeof body) != 0)
        return -1;
    a->n.places++;
    if (!sx_budget_take(a, SXR_PLACE)) {
        a->n.rate_limited++;
        sx_emit_result(a, VEV_PLACE_RESULT, q->symbol, q->cl_ord_id, 0, VR_RATE_LIMITED, 0,
                    "local rate limit: not sent");
        return 0;
    }
    if (sx_api_send(a, OPK_PLACE, body, q->cl_ord_id, q->symbol, 0) == 0) {
        ws_sent(a);
        return 0;
    }
    struct sx_op *o = sx_op_new(a, OPK_PLACE);
    if (!o) return -1;
    snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", q->cl_ord_id);
    snprintf(o->symbol, sizeof o->symbol, "%s", q->symbol);
    return sx_post(a, o, "/api/new_order", body);
}

static int sx_cancel(void *ctx, const char *symbol, const char *cl_ord_id, int64_t order_id)
{
    struct sx_account *a = ctx;
    char body[160];
    sx_decide(a);
    bool by_cl = cl_ord_id && *cl_ord_id;
    if (!by_cl && order_id <= 0) return -1;
    if (by_cl && !id_ok(cl_ord_id, CLOID_MAX)) return -1;
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
    if (!sx_budget_take(a, SXR_CANCEL)) {
        a->n.rate_limited++;
        sx_emit_result(a, VEV_CANCEL_RESULT, symbol, by_cl ? cl_ord_id : "", order_id, VR_RATE_LIMITED, 0,
                    "local rate limit: not sent");
        return 0;
    }
    if (sx_api_send(a, OPK_CANCEL, body, by_cl ? cl_ord_id : "", symbol, order_id) == 0) {
        ws_sent(a);
        return 0;
    }
    struct sx_op *o = sx_op_new(a, OPK_CANCEL);
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
        if (!id_ok(ids[i], CLOID_MAX)) return -1;
    if (!sx_budget_take(a, SXR_CANCEL)) {
        a->n.rate_limited++;
        for (size_t i = 0; i < n; i++)
            sx_emit_result(a, VEV_CANCEL_RESULT, symbol, ids[i], 0, VR_RATE_LIMITED, 0,
                        "local rate limit: not sent");
        return 0;
    }
    size_t cap = 64 + n * (CLOID_MAX + 3);
    char *body = malloc(cap);
    struct sx_op *o = sx_op_new(a, OPK_CANCEL_MANY);
    if (!body || !o || !(o->cloids = calloc(n, sizeof *o->cloids))) {
        free(body);
        if (o) sx_op_free(o);
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

/* GET path?symbol= (no parameter for "" / NULL: every symbol). */
static int sx_symbol_query(struct sx_account *a, enum sx_op_kind k, const char *path, const char *symbol)
{
    if (k == OPK_OPEN_ORDERS && merged(a, k, NULL, symbol)) return 0;
    struct sx_op *o = sx_op_new(a, k);
    if (!o) return -1;
    snprintf(o->symbol, sizeof o->symbol, "%s", symbol ? symbol : "");
    char pq[256];
    url_param(pq, sizeof pq, path, "symbol", symbol && *symbol ? symbol : NULL);
    return sx_get(a, o, pq);
}

static int sx_query_open_orders(void *ctx, const char *symbol)
{
    return sx_symbol_query(ctx, OPK_OPEN_ORDERS, "/api/query_open_orders", symbol);
}

static int sx_query_order(void *ctx, const char *cl_ord_id)
{
    struct sx_account *a = ctx;
    if (!cl_ord_id || !*cl_ord_id || strlen(cl_ord_id) >= CLOID_MAX) return -1;
    if (merged(a, OPK_QUERY_ORDER, cl_ord_id, "")) return 0;
    struct sx_op *o = sx_op_new(a, OPK_QUERY_ORDER);
    if (!o) return -1;
    snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", cl_ord_id);
    char pq[256];
    url_param(pq, sizeof pq, "/api/query_order", "cl_ord_id", cl_ord_id);
    return sx_get(a, o, pq);
}

static int sx_query_positions(void *ctx, const char *symbol)
{
    return sx_symbol_query(ctx, OPK_POSITIONS, "/api/query_positions", symbol);
}

static const struct venue_ops sx_ops = {sx_place, sx_cancel, sx_cancel_many, sx_query_open_orders,
                                        sx_query_order, sx_query_positions};

struct venue sx_account_venue(struct sx_account *a) { return (struct venue){&sx_ops, a}; }
