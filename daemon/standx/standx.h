/* standx — the StandX venue: one sx_account per configured account (REST
 * orders/cancels/queries signed with the account's key, JWT bearer, and the
 * account's private stream), plus the start-up helpers.  Main thread only.
 * Policy in standx.c.
 *
 * Event conventions beyond venue.h:
 *  - VEV_OPEN_ORDERS: found = true on success; found = false (n = 0) when the
 *    query failed (the list is then unknown, NOT empty).
 *  - VEV_QUERY_ORDER: found = true with .order; found = false with
 *    .order.cl_ord_id set and .order.status = OS_CANCELED when the venue does
 *    not know the order, or OS_UNKNOWN when the query itself failed.
 *  - VEV_CANCEL_RESULT for cancel_many: one event per cl_ord_id.
 *  - The REST reply and the private stream are independent: the VEV_ORDER of a
 *    new order may arrive before its VEV_PLACE_RESULT.  A fill whose order was
 *    not seen yet is held until the order is known (order event or a REST
 *    lookup) and delivered after that order's VEV_ORDER; if the lookup fails it
 *    is delivered with cl_ord_id "" (order_id is always set).
 *  - Events are delivered from a libevent callback, never from inside a
 *    venue op.  After sx_account_free nothing more is delivered. */
#ifndef MMD_STANDX_H
#define MMD_STANDX_H
#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rest.h"
#include "sx_bucket.h"
#include "sign.h"
#include "venue.h"
#include "ws.h"

struct sx_knobs {
    double auth_s;              /* the private stream's auth ack must come this fast */
    long resolve_ms;            /* spacing of the queries resolving an ambiguous order */
    long timeout_ms;            /* REST request timeout */
};

/* The venue's per-IP limit (50 requests/s across accounts) as one
 * process-wide budget the daemon owns and every account draws from:
 * requests, not credits.  Burst SX_IP_BURST, refill per_s. */
struct sx_ipbudget {
    struct sx_bucket b;
    uint64_t taken, refused;
};
#define SX_IP_BURST 50.0
#define SX_IP_REFILL 44.0        /* any 10 s window stays under 50/s */
void sx_ipbudget_init(struct sx_ipbudget *ip, double per_s, int64_t now_us);
json_t *sx_ipbudget_json(const struct sx_ipbudget *ip);

struct sx_account_params {
    const char *rest_url, *stream_url;   /* stream_url: sx_stream_url(), NULL: no stream */
    const char *api_url;                 /* sx_api_url(): the ws-api session, NULL: none */
    bool ws_orders;                      /* order entry over the ws-api session */
    struct sx_ipbudget *ip;              /* shared per-IP budget, NULL: none */
    const char *account_id, *jwt;
    const struct signer *signer;
    venue_sink_fn sink;
    void *sink_ud;
    struct sx_knobs knobs;
};

struct sx_account;
struct sx_account *sx_account_new(struct event_base *base, struct rest *rest, struct wsmgr *ws,
                                  const struct sx_account_params *p);
struct venue sx_account_venue(struct sx_account *a);
void sx_account_start(struct sx_account *a);    /* connects the private stream */
json_t *sx_account_status_json(const struct sx_account *a);
/* The market-data notification the account's tasks react to (latency marks,
 * daemon/lat.c): the glue sets it around a watcher call and clears it (NULL)
 * after.  The first order op (place, cancel) meanwhile stamps the decision;
 * the first request queued after that carries the marks to `written`. */
struct sx_reaction {
    struct rest_marks m;        /* recv_us, parse_us of the snapshot; decide_us */
    bool decided, taken;
    rest_marks_fn written;      /* where the sample goes once written */
    void *written_ud;
};
/* A new notification; not sampled unless both stamps are > 0. */
void sx_reaction_begin(struct sx_reaction *r, int64_t recv_us, int64_t parse_us);
void sx_reaction_decide(struct sx_reaction *r, int64_t now_us);   /* first decision only */
bool sx_reaction_take(struct sx_reaction *r, struct rest_marks *m);   /* first request only */
void sx_account_react(struct sx_account *a, struct sx_reaction *r);   /* stream state, rate bucket, counters */
void sx_account_free(struct sx_account *a);   /* also allowed from inside the sink */
/* New credentials (a reload): later requests use them; the stream and the
 * order session log in again with them at once.  Orders, maps and pending
 * work are kept.  0, or -1 out of memory (nothing changed). */
int sx_account_set_credentials(struct sx_account *a, const char *jwt, const struct signer *signer);

typedef void (*sx_symbols_cb)(void *ud, int ok, const struct sym_info *infos, size_t n,
                              const char *err);
int sx_load_symbols(struct rest *rest, const char *rest_url, long timeout_ms, sx_symbols_cb cb, void *ud);
typedef void (*sx_balance_cb)(void *ud, int status /* 0 ok, 404 unfunded, 401/403 credentials refused, -1 other */, dec_t equity,
                              const char *err);
int sx_check_balance(struct sx_account *a, sx_balance_cb cb, void *ud);
int sx_jwt_exp(const char *jwt, int64_t *exp_s);   /* decode the middle segment (base64url, no verify) */

/* Credits (exchange bucket: 45 per request, 900 burst, 1000/s refill). */
#define SX_CREDIT_COST 45.0
#define SX_CREDIT_BURST 900.0
#define SX_CREDIT_REFILL 1000.0
/* Our mirror refills slower than the venue (880/s = 19.6 requests/s), so
 * that any 10 s window stays under the venue's 22 requests/s. */
#define SX_CREDIT_SAFE_REFILL 880.0
#define SX_PLACE_RESERVE 135.0   /* new orders leave this much for cancels */
#define SX_QUERY_RESERVE 90.0    /* GETs leave this much for cancels */

#endif
