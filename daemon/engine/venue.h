/* venue — the boundary between the pure trading engine and the exchange.
 *
 * The engine (strategy, order book-keeping, risk, uptime) never calls libcurl,
 * libwebsockets or jansson.  It sees:
 *   - market data as struct md_snapshot (from the hub, newest wins), and
 *   - account/exchange happenings as struct venue_event,
 * and it asks for things through struct venue (place, cancel, queries), whose
 * results come back later as venue_events.  daemon/standx/standx.c implements a venue
 * for StandX over REST + WebSocket; tests implement an in-memory fake.
 *
 * All money is dec_t (see common/dec.h).  Times: *_us fields are CLOCK_MONOTONIC
 * microseconds (clock_mono_us), *_ms wall-clock epoch milliseconds. */
#ifndef MMD_VENUE_H
#define MMD_VENUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dec.h"

#define SYM_MAX 32
#define CLOID_MAX 64
#define MD_MAX_LEVELS 64

enum side { SIDE_BUY = 0, SIDE_SELL = 1 };
enum tif { TIF_GTC = 0, TIF_IOC, TIF_ALO };

/* Static trading rules of a symbol (query_symbol_info). */
struct sym_info {
    char symbol[SYM_MAX];
    int price_decimals;         /* price_tick_decimals */
    int qty_decimals;           /* qty_tick_decimals */
    dec_t tick;                 /* 10^-price_decimals */
    dec_t lot;                  /* 10^-qty_decimals */
    dec_t min_qty, max_qty;
    bool trading;               /* status == "trading" or enabled == true */
};

struct md_level { dec_t px, qty; };

/* Newest market picture of one symbol, as kept by the hub. */
struct md_snapshot {
    char symbol[SYM_MAX];
    dec_t mark, index, last, mid;       /* 0 when unknown */
    dec_t best_bid, best_ask;           /* exact touch from price.spread (0 unknown) */
    int n_bids, n_asks;                 /* depth, sorted best first */
    struct md_level bids[MD_MAX_LEVELS], asks[MD_MAX_LEVELS];
    int64_t price_recv_us, depth_recv_us;   /* when last price / depth frame arrived */
    int64_t price_seq, depth_seq;
    int64_t exch_time_ms;               /* exchange timestamp of the last price frame */
    uint64_t updates, conflated;        /* frames applied / frames superseded unseen */
    bool stale;                         /* feed lost; cleared by a fresh snapshot */
    int64_t recv_us, applied_us;        /* newest frame: received by the ws thread / applied by the hub */
};

enum order_status {
    OS_PENDING_NEW = 0,   /* sent, not yet acknowledged */
    OS_OPEN,              /* resting, nothing filled (venue "new"/"open") */
    OS_PARTIAL,           /* resting, fill_qty > 0 */
    OS_PENDING_CANCEL,    /* cancel sent */
    OS_FILLED,
    OS_CANCELED,
    OS_REJECTED,
    OS_UNKNOWN            /* ambiguous send: resolve by query_order */
};

/* An order as the venue reports it (order stream, query_order, open orders). */
struct venue_order {
    int64_t id;                 /* venue order id (0 if unknown) */
    char cl_ord_id[CLOID_MAX];
    char symbol[SYM_MAX];
    enum side side;
    enum tif tif;
    bool reduce_only;
    dec_t price, qty, fill_qty, fill_avg_price;
    enum order_status status;   /* OPEN, PARTIAL, FILLED, CANCELED, REJECTED */
    char reason[96];            /* e.g. "alo order rejected" */
};

/* One execution of one of our orders (trade stream; de-duplicated by id). */
struct venue_fill {
    int64_t trade_id, order_id;
    char cl_ord_id[CLOID_MAX];  /* filled in by the venue layer when it knows it */
    char symbol[SYM_MAX];
    enum side side;
    dec_t price, qty, fee;
    int64_t time_ms;
};

struct venue_position {
    char symbol[SYM_MAX];
    dec_t qty;                  /* signed: negative = short */
    dec_t entry_price, upnl, realized_pnl;
};

enum venue_result {
    VR_OK = 0,            /* accepted for processing */
    VR_REJECTED,          /* definitive refusal (4xx other than 429) */
    VR_RATE_LIMITED,      /* 429 or our own bucket: nothing was sent */
    VR_AMBIGUOUS,         /* may or may not have reached the venue (timeout after send) */
    VR_FAILED             /* not sent at all (network down before send) */
};

enum venue_ev_type {
    VEV_ORDER = 1,        /* .order: a state change of one order */
    VEV_FILL,             /* .fill */
    VEV_POSITION,         /* .position (stream or REST) */
    VEV_BALANCE,          /* .balance: account equity / available */
    VEV_PLACE_RESULT,     /* .result for a place(): cl_ord_id + outcome */
    VEV_CANCEL_RESULT,    /* .result for a cancel() */
    VEV_OPEN_ORDERS,      /* .list: every open order on .symbol (REST snapshot) */
    VEV_QUERY_ORDER,      /* for query_order(cl_ord_id): .order if .found; else .order
                             names the order and its .status says why: OS_CANCELED the
                             venue does not know it, OS_UNKNOWN the query failed */
    VEV_STREAM,           /* .stream_up: the account's private stream went up/down */
    VEV_AUTH              /* .auth: the venue refused the account's credentials (ok false,
                             HTTP 401 on a request or a refused login) or accepts them again */
};

struct venue_event {
    enum venue_ev_type type;
    char symbol[SYM_MAX];
    union {
        struct venue_order order;
        struct venue_fill fill;
        struct venue_position position;
        struct { dec_t equity, available; } balance;
        struct {
            char cl_ord_id[CLOID_MAX];
            int64_t order_id;
            enum venue_result outcome;
            int http_status;
            char message[128];
        } result;
        struct { const struct venue_order *orders; size_t n; } list;
        bool stream_up;
        struct { bool ok; int http_status; char message[96]; } auth;
    } u;
    bool found;                 /* VEV_QUERY_ORDER */
};

struct order_req {
    char cl_ord_id[CLOID_MAX];
    char symbol[SYM_MAX];
    enum side side;
    bool market;                /* market + ioc; price ignored */
    enum tif tif;
    bool reduce_only;
    dec_t price, qty;
    int price_decimals, qty_decimals;   /* how to format on the wire */
};

/* Operations.  All are asynchronous: 0 means "queued", the outcome arrives as
 * a venue_event through the sink.  -1 means refused at once (nothing queued). */
struct venue_ops {
    int (*place)(void *ctx, const struct order_req *r);
    int (*cancel)(void *ctx, const char *symbol, const char *cl_ord_id, int64_t order_id);
    int (*cancel_many)(void *ctx, const char *symbol, const char *const *cl_ord_ids, size_t n);
    int (*query_open_orders)(void *ctx, const char *symbol);
    int (*query_order)(void *ctx, const char *cl_ord_id);
    int (*query_positions)(void *ctx, const char *symbol);
};

struct venue {
    const struct venue_ops *ops;
    void *ctx;
};

typedef void (*venue_sink_fn)(void *ud, const struct venue_event *ev);

const char *side_name(enum side s);                  /* "buy" / "sell" */
const char *tif_name(enum tif t);                    /* "gtc" / "ioc" / "alo" */
const char *order_status_name(enum order_status s);  /* "pending_new", "open", ... */

#endif
