/* sx_int.h — the StandX adapter's private state, shared by the files of
 * daemon/standx/ that make it up (not a public interface):
 *   standx.c     account life cycle: new / free / status, the event FIFO,
 *                order-id bookkeeping, start-up helpers
 *   sx_orders.c  REST plumbing, venue order ops and their completions,
 *                ambiguous-order resolution
 *   sx_stream.c  the private stream, fills held until their order is known,
 *                balance refresh
 *   sx_api.c     the order-response session (ws-api): login, order entry,
 *                the accepted -> result frames of every order and cancel
 *   sx_bucket.c  token bucket (pure)
 * (sx_market.c, the public market stream for the hub, stands apart:
 * sx_market.h; sxparse.c parses every message.) */
#ifndef MMD_SX_INT_H
#define MMD_SX_INT_H
#include "standx.h"
#include "sx_bucket.h"
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
    char *queued;                   /* a GET waiting for the request budget: its path?query */
    int64_t queued_us;
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

/* An order or cancel whose order-response frames we wait for, by request id
 * (ws-api request_id, or the x-request-id of a REST call sent with
 * x-session-id). */
struct sx_pend {
    char rid[40];
    enum sx_op_kind kind;           /* OPK_PLACE or OPK_CANCEL */
    bool via_ws, accepted;
    char cl_ord_id[CLOID_MAX];
    char symbol[SYM_MAX];
    int64_t order_id, sent_us;
    struct sx_pend *next;
};
#define SX_MAX_PEND 512
#define SX_QUEUE_MAX_US 10000000    /* a GET waits this long for the budget, then fails */

/* The account's ws-api session. */
struct sx_api {
    char *url;                      /* NULL: no session */
    int conn;
    bool connected, up;             /* socket up / logged in */
    bool orders;                    /* order entry over it (else REST + x-session-id) */
    char session_id[40];            /* stable for the account's life */
    char login_rid[40];
    int64_t connected_us, up_us;
    struct sx_pend *pend;
    size_t n_pend;
    struct event *sweep_ev;
    struct {
        uint64_t logins, login_failures, orders, cancels, fallbacks, accepted, results, rejects,
            alo_rejects, timeouts, lost, bad_frames, unmatched;
    } n;
};
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
    struct sx_reaction *react;      /* set by the glue during a market-data notification */
    struct sx_op *ops;
    struct sx_resolve *resolves;
    struct sx_evq *evq_head, *evq_tail;
    struct event *flush_ev, *check_ev;
    bool balance_inflight, balance_again;
    int64_t balance_last_us;
    struct event *balance_ev;       /* deferred refresh (at most one per second) */
    struct sx_pfill *held;          /* fills waiting for their cl_ord_id, in arrival order */
    size_t n_held;
    struct sx_map map[SX_RING];
    size_t map_n, map_pos;
    double auth_s;
    long resolve_ms, timeout_ms;
    struct {
        uint64_t places, cancels, queries, rate_limited, ambiguous, resolved, unresolved, rejects,
            fills, bad_frames, orders, auth_failures, events, http_auth_errors, held_fills;
    } n;
    int64_t auth_err_logged_us;
    bool in_flush, dying;           /* sx_account_free from inside the sink */
    int64_t jwt_exp_s;              /* exp claim, 0 if unknown */
    struct sx_api api;
    struct sx_ipbudget *ip;         /* the daemon's per-IP budget (NULL: none) */
    struct event *queue_ev;         /* sends queued GETs as the budget allows */
    uint64_t queued_gets, expired_gets;
    uint64_t merged;                /* queries merged into one already in flight */
    bool auth_refused;              /* the venue answered 401 / refused a login; not since accepted */
};

/* standx.c */
void sx_emit_owned(struct sx_account *a, const struct venue_event *ev, struct venue_order *owned);
void sx_emit(struct sx_account *a, const struct venue_event *ev);
void sx_emit_result(struct sx_account *a, enum venue_ev_type t, const char *symbol, const char *cl_ord_id,
                    int64_t order_id, enum venue_result out, int http, const char *msg);
void sx_map_put(struct sx_account *a, int64_t order_id, const char *cl);
const char *sx_map_get(const struct sx_account *a, int64_t order_id);

/* sx_orders.c */
struct sx_op *sx_op_new(struct sx_account *a, enum sx_op_kind k);
void sx_op_free(struct sx_op *o);
int sx_get(struct sx_account *a, struct sx_op *o, const char *path_query);
/* True when a new_order refusal means "that cl_ord_id is already placed". */
bool sx_already_placed(const char *msg);
/* 1 found (*o filled), 0 venue says unknown, -1 query failed */
int sx_query_outcome(const struct rest_resp *r, struct venue_order *o, char *msg, size_t cap);

/* The venue refused (ok false: HTTP 401, a refused login) or accepted the
 * account's credentials: VEV_AUTH to its tasks on a change, and the log
 * says what the operator must do. */
void sx_auth_news(struct sx_account *a, bool ok, int http, const char *msg);

/* sx_orders.c: the request budget (account bucket + per-IP bucket) */
enum sx_req_class { SXR_PLACE, SXR_CANCEL, SXR_QUERY };
bool sx_budget_take(struct sx_account *a, enum sx_req_class c);
bool sx_cancel_gone(const char *msg);   /* "already closed" & co: the order is gone */
void sx_resolve_start(struct sx_account *a, const char *cl, const char *symbol);

/* sx_api.c */
int sx_api_init(struct sx_account *a, const char *url, bool orders);
void sx_api_start(struct sx_account *a);
void sx_api_free(struct sx_account *a);
/* The session id while logged in (for x-session-id), else NULL. */
const char *sx_api_session(const struct sx_account *a);
/* Sends method ("order:new"/"order:cancel") with params over the session;
 * 0 sent (frames will answer), -1 not sent (use REST). */
int sx_api_send(struct sx_account *a, enum sx_op_kind k, const char *params, const char *cl,
                const char *symbol, int64_t order_id);
/* A REST order/cancel sent with x-session-id: its frames carry rid. */
void sx_api_expect(struct sx_account *a, const char *rid, enum sx_op_kind k, const char *cl,
                   const char *symbol, int64_t order_id);
json_t *sx_api_status_json(const struct sx_account *a);

/* sx_stream.c */
void sx_balance_refresh(struct sx_account *a);
void sx_on_balance_timer(evutil_socket_t fd, short what, void *arg);
void sx_on_order_by_id(struct sx_account *a, struct sx_op *o, const struct rest_resp *r);
void sx_on_check(evutil_socket_t fd, short what, void *arg);

#endif
