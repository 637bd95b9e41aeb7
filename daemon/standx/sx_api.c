/* sx_api — the account's order-response session (wss://…/ws-api/v1): this
 * file owns it: the connection, the auth:login with a session id that stays
 * the same for the account's life, order entry over it (order:new,
 * order:cancel), and the table of orders and cancels whose frames we wait
 * for — sent here, or over REST with x-session-id — keyed by request id.
 *
 * Decisions (shared/standx-protocol.md §6, §12):
 *  - The venue answers a command with up to two frames, same request_id:
 *    a gateway ack {code 0, "accepted"} and a terminal one ({code 0,
 *    "success"} or a refusal such as {code 400, "alo order rejected"}).
 *    Either may come alone.  The first frame of an order sent here is its
 *    VEV_PLACE_RESULT (code 0: VR_OK; 429: VR_RATE_LIMITED; else
 *    VR_REJECTED, "duplicate cl_ord_id": VR_AMBIGUOUS and resolved); a
 *    refusal of an order (either frame, either path) is also a VEV_ORDER
 *    with status rejected — this is how an ALO rejection reaches the task
 *    on the live venue, whose account stream never shows it.
 *  - A cancel sent here: its first code-0 frame is VR_OK; a refusal that
 *    says the order is gone ("already closed", "not open") is VR_OK; any
 *    other refusal is VR_REJECTED (the task then asks query_order).
 *  - Nothing is re-sent.  A command sent here with no frame within the
 *    request timeout, or pending when the connection drops, is VR_AMBIGUOUS
 *    (orders are then resolved by query_order).  Entries of REST calls and
 *    acknowledged commands are forgotten silently after the timeout.
 *  - Login: the jwt, the account's session id; code 0 within auth_s = up.
 *    A refusal or no answer: logged naming the account, the connection
 *    backs off and retries (ws.c's policy).  While the session is down,
 *    orders go over REST (fallback), without x-session-id.
 *  - ws-api commands take credits from the same buckets as REST requests:
 *    whether the venue counts them is undocumented, so we assume it does. */
#include "sx_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

#define SWEEP_MS 100

static const char *kind_name(enum sx_op_kind k) { return k == OPK_PLACE ? "order:new" : "order:cancel"; }

/* ---- pending table ------------------------------------------------------ */

static struct sx_pend *pend_find(struct sx_api *s, const char *rid)
{
    for (struct sx_pend *p = s->pend; p; p = p->next)
        if (!strcmp(p->rid, rid)) return p;
    return NULL;
}

static void pend_drop(struct sx_api *s, struct sx_pend *p)
{
    for (struct sx_pend **pp = &s->pend; *pp; pp = &(*pp)->next)
        if (*pp == p) { *pp = p->next; s->n_pend--; free(p); return; }
}

static struct sx_pend *pend_add(struct sx_api *s, const char *rid, enum sx_op_kind k, const char *cl,
                                const char *symbol, int64_t order_id, bool via_ws)
{
    if (s->n_pend >= SX_MAX_PEND) return NULL;
    struct sx_pend *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    snprintf(p->rid, sizeof p->rid, "%s", rid);
    p->kind = k;
    p->via_ws = via_ws;
    snprintf(p->cl_ord_id, sizeof p->cl_ord_id, "%s", cl ? cl : "");
    snprintf(p->symbol, sizeof p->symbol, "%s", symbol ? symbol : "");
    p->order_id = order_id;
    p->sent_us = clock_mono_us();
    p->next = s->pend;
    s->pend = p;
    s->n_pend++;
    return p;
}

/* ---- outcomes ----------------------------------------------------------- */

static void emit_rejected_order(struct sx_account *a, const struct sx_pend *p, const char *msg)
{
    struct venue_event ev = {.type = VEV_ORDER};
    snprintf(ev.symbol, sizeof ev.symbol, "%s", p->symbol);
    snprintf(ev.u.order.cl_ord_id, sizeof ev.u.order.cl_ord_id, "%s", p->cl_ord_id);
    snprintf(ev.u.order.symbol, sizeof ev.u.order.symbol, "%s", p->symbol);
    ev.u.order.status = OS_REJECTED;
    snprintf(ev.u.order.reason, sizeof ev.u.order.reason, "%.95s", msg[0] ? msg : "rejected");
    sx_emit(a, &ev);
}

static void place_frame(struct sx_account *a, struct sx_pend *p, int code, const char *msg)
{
    bool first = !p->accepted;
    p->accepted = true;
    if (code == 0) {
        if (first && p->via_ws) sx_emit_result(a, VEV_PLACE_RESULT, p->symbol, p->cl_ord_id, 0, VR_OK, 200, msg);
        return;
    }
    if (p->via_ws && first) {
        if (sx_already_placed(msg)) {
            LOGW("standx", "%s: order:new %s: the venue already holds this cl_ord_id (%s): resolving it",
                 a->id, p->cl_ord_id, msg);
            sx_emit_result(a, VEV_PLACE_RESULT, p->symbol, p->cl_ord_id, 0, VR_AMBIGUOUS, code, msg);
            a->n.ambiguous++;
            sx_resolve_start(a, p->cl_ord_id, p->symbol);
            return;
        }
        if (code == 429) {
            a->n.rate_limited++;
            sx_emit_result(a, VEV_PLACE_RESULT, p->symbol, p->cl_ord_id, 0, VR_RATE_LIMITED, code, msg);
            return;
        }
        sx_emit_result(a, VEV_PLACE_RESULT, p->symbol, p->cl_ord_id, 0, VR_REJECTED, code, msg);
    }
    a->n.rejects++;
    a->api.n.rejects++;
    if (strstr(msg, "alo")) a->api.n.alo_rejects++;
    LOGD("standx", "%s: order %s refused on the order-response stream: %d %s", a->id, p->cl_ord_id, code,
         msg);
    emit_rejected_order(a, p, msg);
}

static void cancel_frame(struct sx_account *a, struct sx_pend *p, int code, const char *msg)
{
    bool first = !p->accepted;
    p->accepted = true;
    enum venue_result out = code == 0 || sx_cancel_gone(msg) ? VR_OK
                          : code == 429 && first ? VR_RATE_LIMITED : VR_REJECTED;
    if (out == VR_OK && !first) return;   /* the terminal "success" after "accepted" */
    if (out != VR_OK) LOGI("standx", "%s: cancel %s refused: %d %s", a->id, p->cl_ord_id, code, msg);
    if (!p->via_ws && out == VR_OK) return;   /* REST already answered */
    sx_emit_result(a, VEV_CANCEL_RESULT, p->symbol, p->cl_ord_id, p->order_id, out, code, msg);
}

static bool terminal_msg(int code, const char *msg)
{
    return code != 0 || strcmp(msg, "accepted") != 0;
}

static void on_frame(struct sx_account *a, const char *txt, size_t len)
{
    struct sx_api *s = &a->api;
    int code;
    char msg[128], rid[40];
    int rc = sxp_api_frame(txt, len, &code, msg, sizeof msg, rid, sizeof rid);
    if (rc != SXP_OK) {
        s->n.bad_frames++;
        LOGD("standx", "%s: dropped a malformed order-response frame (%d)", a->id, rc);
        return;
    }
    if (!strcmp(rid, s->login_rid)) {
        if (code == 0) {
            s->up = true;
            s->up_us = clock_mono_us();
            s->n.logins++;
            sx_auth_news(a, true, 0, "");
            LOGI("standx", "%s: order-response session logged in (order entry over %s)", a->id,
                 s->orders ? "ws-api" : "REST");
        } else {
            s->n.login_failures++;
            a->n.auth_failures++;
            LOGE("standx", "%s: order-response session login refused: code %d %s", a->id, code, msg);
            if (code == 401 || code == 403) sx_auth_news(a, false, code, "order session login refused");
            s->connected = false;
            wsmgr_reconnect(a->ws, s->conn, "login refused");
        }
        s->login_rid[0] = 0;
        return;
    }
    struct sx_pend *p = pend_find(s, rid);
    if (!p) { s->n.unmatched++; return; }
    if (terminal_msg(code, msg)) s->n.results++;
    else s->n.accepted++;
    if (p->kind == OPK_PLACE) place_frame(a, p, code, msg);
    else cancel_frame(a, p, code, msg);
    if (terminal_msg(code, msg)) pend_drop(s, p);
}

/* A command sent here that will never be answered: ambiguous. */
static void lost(struct sx_account *a, struct sx_pend *p, const char *why)
{
    a->api.n.lost++;
    LOGW("standx", "%s: %s %s: %s: outcome unknown", a->id, kind_name(p->kind), p->cl_ord_id, why);
    if (p->kind == OPK_PLACE) {
        a->n.ambiguous++;
        sx_emit_result(a, VEV_PLACE_RESULT, p->symbol, p->cl_ord_id, 0, VR_AMBIGUOUS, 0, why);
        sx_resolve_start(a, p->cl_ord_id, p->symbol);
    } else {
        sx_emit_result(a, VEV_CANCEL_RESULT, p->symbol, p->cl_ord_id, p->order_id, VR_AMBIGUOUS, 0, why);
    }
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct sx_account *a = arg;
    struct sx_api *s = &a->api;
    int64_t now = clock_mono_us(), tmo = (int64_t)a->timeout_ms * 1000;
    if (s->connected && !s->up && s->login_rid[0] && now - s->connected_us > (int64_t)(a->auth_s * 1e6)) {
        s->n.login_failures++;
        a->n.auth_failures++;
        LOGE("standx", "%s: no answer to the order-response session login", a->id);
        s->connected = false;
        s->login_rid[0] = 0;
        wsmgr_reconnect(a->ws, s->conn, "no login answer");
    }
    for (struct sx_pend *p = s->pend, *nx; p; p = nx) {
        nx = p->next;
        if (now - p->sent_us < tmo) continue;
        if (p->via_ws && !p->accepted) {
            s->n.timeouts++;
            lost(a, p, "no answer on the order-response stream");
        }
        pend_drop(s, p);
    }
}

/* ---- connection --------------------------------------------------------- */

static void api_up(void *ud, int id)
{
    struct sx_account *a = ud;
    struct sx_api *s = &a->api;
    s->connected = true;
    s->connected_us = clock_mono_us();
    sign_uuid4(s->login_rid);
    json_t *p = json_pack("{s:s}", "token", a->jwt);
    char *ps = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    json_t *j = ps ? json_pack("{s:s,s:s,s:s,s:s}", "session_id", s->session_id, "request_id", s->login_rid,
                               "method", "auth:login", "params", ps)
                   : NULL;
    char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!txt || wsmgr_send(a->ws, id, txt, strlen(txt)) != 0)
        LOGW("standx", "%s: cannot send the order-response session login", a->id);
    if (ps) { sodium_memzero(ps, strlen(ps)); free(ps); }
    if (txt) { sodium_memzero(txt, strlen(txt)); free(txt); }
}

static void api_down(void *ud, int id, const char *why)
{
    (void)id;
    struct sx_account *a = ud;
    struct sx_api *s = &a->api;
    if (s->up) LOGW("standx", "%s: order-response session down: %s (orders go over REST meanwhile)", a->id, why);
    s->connected = s->up = false;
    s->login_rid[0] = 0;
    for (struct sx_pend *p = s->pend, *nx; p; p = nx) {
        nx = p->next;
        if (p->via_ws && !p->accepted) lost(a, p, "order-response session lost before an answer");
        pend_drop(s, p);
    }
}

static void api_msg(void *ud, int id, const char *txt, size_t len, int64_t recv_us)
{
    (void)id; (void)recv_us;
    on_frame(ud, txt, len);
}

static const struct ws_handlers api_handlers = {api_up, api_msg, api_down};

int sx_api_init(struct sx_account *a, const char *url, bool orders)
{
    struct sx_api *s = &a->api;
    memset(s, 0, sizeof *s);
    if (!url) return 0;
    s->url = strdup(url);
    s->orders = orders;
    sign_uuid4(s->session_id);
    s->sweep_ev = event_new(a->base, -1, EV_PERSIST, on_sweep, a);
    struct timeval tv = clock_tv_us(SWEEP_MS * 1000);
    return s->url && s->sweep_ev && event_add(s->sweep_ev, &tv) == 0 ? 0 : -1;
}

void sx_api_start(struct sx_account *a)
{
    struct sx_api *s = &a->api;
    if (!s->url || s->conn || !a->ws) return;
    char name[96];
    snprintf(name, sizeof name, "orders:%s", a->id);
    s->conn = wsmgr_open(a->ws, name, s->url, false, &api_handlers, a);
    if (s->conn < 0) {
        s->conn = 0;
        LOGE("standx", "%s: cannot open the order-response session", a->id);
    }
}

void sx_api_free(struct sx_account *a)
{
    struct sx_api *s = &a->api;
    if (s->conn) wsmgr_close(a->ws, s->conn);
    while (s->pend) pend_drop(s, s->pend);
    if (s->sweep_ev) event_free(s->sweep_ev);
    free(s->url);
    memset(s, 0, sizeof *s);
}

const char *sx_api_session(const struct sx_account *a) { return a->api.up ? a->api.session_id : NULL; }

void sx_api_expect(struct sx_account *a, const char *rid, enum sx_op_kind k, const char *cl,
                   const char *symbol, int64_t order_id)
{
    if (a->api.up) pend_add(&a->api, rid, k, cl, symbol, order_id, false);
}

int sx_api_send(struct sx_account *a, enum sx_op_kind k, const char *params, const char *cl,
                const char *symbol, int64_t order_id)
{
    struct sx_api *s = &a->api;
    if (!s->orders || !s->up || s->n_pend >= SX_MAX_PEND) {
        if (s->orders && s->url) s->n.fallbacks++;
        return -1;
    }
    char rid[37], ts[32], sig[SIGN_B64_LEN];
    sign_uuid4(rid);
    int64_t now_ms = clock_wall_ms();
    snprintf(ts, sizeof ts, "%lld", (long long)now_ms);
    if (signer_sign(a->signer, rid, now_ms, params, strlen(params), sig) != 0) return -1;
    json_t *j = json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s},s:s}", "session_id", s->session_id,
                          "request_id", rid, "method", kind_name(k), "header", "x-request-sign-version", "v1",
                          "x-request-id", rid, "x-request-timestamp", ts, "x-request-signature", sig,
                          "params", params);
    sodium_memzero(sig, sizeof sig);
    char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    int rc = -1;
    if (txt && pend_add(s, rid, k, cl, symbol, order_id, true)) {
        rc = wsmgr_send(a->ws, s->conn, txt, strlen(txt));
        if (rc != 0) pend_drop(s, pend_find(s, rid));
    }
    free(txt);
    if (rc != 0) {
        s->n.fallbacks++;
        return -1;
    }
    if (k == OPK_PLACE) s->n.orders++;
    else s->n.cancels++;
    return 0;
}

json_t *sx_api_status_json(const struct sx_account *a)
{
    const struct sx_api *s = &a->api;
    if (!s->url) return json_null();
    int64_t now = clock_mono_us();
    json_t *conn = wsmgr_conn_status_json(a->ws, s->conn);
    json_t *cnt = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
                            "logins", (json_int_t)s->n.logins, "login_failures", (json_int_t)s->n.login_failures,
                            "orders", (json_int_t)s->n.orders, "cancels", (json_int_t)s->n.cancels,
                            "fallbacks", (json_int_t)s->n.fallbacks, "accepted", (json_int_t)s->n.accepted,
                            "results", (json_int_t)s->n.results, "rejects", (json_int_t)s->n.rejects,
                            "alo_rejects", (json_int_t)s->n.alo_rejects, "timeouts", (json_int_t)s->n.timeouts,
                            "lost", (json_int_t)s->n.lost, "bad_frames", (json_int_t)s->n.bad_frames,
                            "unmatched", (json_int_t)s->n.unmatched);
    return json_pack("{s:s,s:s,s:o,s:o,s:I,s:o}", "state", s->up ? "up" : s->connected ? "login" : "down",
                     "order_entry", s->orders ? (s->up ? "ws-api" : "rest (session down)") : "rest",
                     "connection", conn, "up_for_s",
                     s->up ? json_real((double)(now - s->up_us) / 1e6) : json_null(), "pending",
                     (json_int_t)s->n_pend, "counters", cnt);
}
