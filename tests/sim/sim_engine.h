/* sim_engine — the pure core of standx-sim: scenario, seeded market model,
 * order books with price-time matching, accounts, positions, fees, reduce-only
 * caps and the per-account rate limiter.  No sockets, no clocks, no JSON: the
 * server (tests/sim/main.c, server*.c) passes the current wall time in, calls
 * the order/cancel/query functions from its REST and ws-api handlers, calls
 * sim_advance() periodically (every 50-100 ms wall) and drains the typed
 * event queue with sim_event_next() to push WebSocket frames.
 *
 * Conventions
 *   - Money and quantities are dec_t (common/dec.h); format prices with the
 *     symbol's price_decimals and quantities with qty_decimals (dec_fmt), or
 *     use sim_fmt_price()/sim_fmt_qty().  Fees, PnL, balances: any decimals
 *     (dec_str gives the shortest exact form).
 *   - Times passed in and reported (now_us, *_us fields) are WALL-CLOCK
 *     microseconds since the epoch (clock_wall_us()); format them with
 *     clock_fmt_rfc3339().  Scenario times ("at", "duration") are SIM seconds:
 *     sim time = speed x (wall time since sim_engine_new).
 *   - Accounts are keyed by an address string chosen by the server (derived
 *     from the JWT); an account is created with the scenario's start balance
 *     the first time any function names it.
 *   - Synchronous errors (return -1 + message) are the HTTP 400 cases:
 *     validation, unknown order, already closed.  Everything that happens
 *     during matching (fills, ALO rejection, reduce-only rejection, injected
 *     rejections) is reported through events and in the order's final state.
 *   - Pointers returned by query functions (const sim_symbol *, ...) stay
 *     valid until sim_engine_free(); copies (sim_order, sim_depth, ...) are
 *     the caller's.
 *
 * Only additions will be made to this header from now on. */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dec.h"

#define SIM_SYM_MAX      16    /* "BTC-USD" */
#define SIM_ACCT_MAX     96    /* account address */
#define SIM_CLID_MAX     64    /* cl_ord_id incl. NUL (longer ids are rejected) */
#define SIM_REASON_MAX   96
#define SIM_MAX_SYMBOLS  16
#define SIM_DEPTH_MAX    256   /* levels per side in a depth snapshot */
#define SIM_HISTORY_MAX  1000  /* finished orders / trades kept per account */

/* ------------------------------------------------------------------ enums */

typedef enum { SIM_BUY = 0, SIM_SELL = 1 } sim_side;
typedef enum { SIM_LIMIT = 0, SIM_MARKET = 1 } sim_otype;
typedef enum { SIM_GTC = 0, SIM_IOC = 1, SIM_ALO = 2 } sim_tif;
typedef enum {
    SIM_OPEN = 0,       /* resting (possibly partly filled: fill_qty > 0) */
    SIM_FILLED,
    SIM_CANCELED,       /* incl. the unfilled remainder of an IOC/market order */
    SIM_REJECTED        /* reason says why ("alo order rejected", ...) */
} sim_status;

/* Wire spellings: "buy"/"sell", "limit"/"market", "gtc"/"ioc"/"alo",
 * "open"/"filled"/"canceled"/"rejected". */
const char *sim_side_str(sim_side s);
const char *sim_otype_str(sim_otype t);
const char *sim_tif_str(sim_tif t);
const char *sim_status_str(sim_status s);

/* ------------------------------------------------------------ scenario */

/* Kinds of scheduled scenario events.  The first four are executed by the
 * ENGINE (market model); the rest are FAULTS executed by the SERVER, which
 * learns about them through SIM_EV_FAULT events (and sim_scenario.events).
 * SIM_K_STALE_FEED and SIM_K_REJECT_NEXT are executed by the engine AND
 * reported as SIM_EV_FAULT so the server can log them. */
typedef enum {
    SIM_K_JUMP = 0,           /* mark *= 1 + bps/1e4 at `at` (symbol or all) */
    SIM_K_DEPTH_DRAIN,        /* synthetic depth within `bps` (default 50) of mark
                                 shrinks to min qty for `duration` */
    SIM_K_SPREAD_BLOWOUT,     /* synthetic spread widened to `bps` for `duration` */
    SIM_K_STALE_FEED,         /* engine queues no price/depth/public_trade events
                                 for `duration` (REST queries stay live) */
    SIM_K_DROP_WS,            /* server: close every WebSocket connection now */
    SIM_K_DELAY_MS,           /* server: add `ms` latency to replies for `duration` */
    SIM_K_HTTP_ERROR,         /* server: answer HTTP `status` (500/502/503) to the
                                 next `count` requests, or for `duration` if count 0 */
    SIM_K_RATE_LIMIT_BURST,   /* server: answer 429 to every private request for `duration` */
    SIM_K_REFUSE_CONNECTIONS, /* server: refuse/close new connections for `duration` */
    SIM_K_LAG_OPEN_ORDERS,    /* server: query_open_orders lags `seconds` behind (use
                                 sim_open_orders_lagged) for `duration` (0 = rest of run) */
    SIM_K_REJECT_NEXT,        /* engine: reject the next `count` new orders with `message` */
    SIM_K__COUNT
} sim_kind;

/* YAML spelling ("jump", "depth_drain", ..., "reject_next"). */
const char *sim_kind_str(sim_kind k);

/* One scheduled event / fault.  Fields not used by a kind are 0/"". */
typedef struct sim_sched {
    sim_kind kind;
    double at;                    /* sim seconds from start */
    char symbol[SIM_SYM_MAX];     /* "" = every symbol (market kinds) */
    double bps;                   /* jump size (signed); drain band; blowout spread */
    double duration;              /* sim seconds; 0 = instantaneous / see kind */
    int status;                   /* http_error status (default 503) */
    int count;                    /* http_error request count; reject_next N */
    int ms;                       /* delay_ms latency in milliseconds */
    double seconds;               /* lag_open_orders lag in seconds (default 15) */
    char message[SIM_REASON_MAX]; /* reject_next reason */
    double every;                 /* > 0: repeat every `every` sim seconds */
    double until;                 /* last repetition time (0 = forever) */
    bool random_sign;             /* jump: sign drawn from the seeded RNG each time */
    int line;                     /* YAML line (for messages), 0 if built in */
} sim_sched;

/* Per-symbol trading rules and market-model parameters (all overridable in
 * the scenario's `symbols:` map; unknown symbols there are added). */
typedef struct sim_symbol_cfg {
    char name[SIM_SYM_MAX];       /* "BTC-USD" */
    int price_decimals;           /* tick = 10^-price_decimals */
    int qty_decimals;             /* lot  = 10^-qty_decimals */
    dec_t min_qty, max_qty;
    dec_t maker_fee, taker_fee;   /* fractions of notional: 0.0001 / 0.0004 */
    dec_t mark;                   /* starting mark price */
    double volatility_bps;        /* random-walk sigma, bps per sqrt(sim second) */
    double trend_bps_per_min;     /* drift */
    double spread_bps;            /* synthetic best ask - best bid, in bps of mark */
    int depth_levels;             /* synthetic levels per side */
    dec_t level_qty;              /* mean qty per synthetic level */
    double level_step_bps;        /* distance between synthetic levels */
    double trade_rate_per_s;      /* public trades per sim second (Poisson) */
    dec_t trade_qty;              /* max public trade qty (default level_qty / 4) */
    double fill_fraction;         /* trade-through: share of the remaining qty
                                     filled per model step (1.0 = all at once;
                                     actual share is uniform in [f/2, f]) */
    double index_bps;             /* index = mark * (1 + N(0, index_bps)/1e4) */
    int max_leverage, def_leverage;
    int max_open_orders;          /* per account and symbol */
    dec_t depth_step;             /* depth levels aggregated to this price step
                                     (0 = the tick); set by the profile unless
                                     depth_step_set (the scenario named it) */
    bool depth_step_set;
} sim_symbol_cfg;

/* Protocol variants (shared/standx-protocol.md §11); the server applies them. */
typedef struct sim_switches {
    int auth_ack_code;            /* ws auth success data.code: 0 (default) or 200 */
    bool list_status_new;         /* open-order lists show "new" instead of "open" */
    int max_conn_age_s;           /* 86400 */
    int ping_interval_s;          /* 10 */
    int pong_timeout_s;           /* 300 */
    int sig_window_s;             /* 30: allowed |x-request-timestamp - now| */
    /* Live-venue quirks (standx-sim(1) LIVE PROFILE).  The profile sets them
     * unless the scenario names them (SIM_SW_* bit in `set`).  ideal / live: */
    double open_orders_lag_s;     /* 0 / 15: finished orders linger in query_open_orders */
    double open_orders_new_lag_s; /* 0 / 1.5: new orders appear there this late */
    bool alo_reject_on_account_stream; /* true / false: ALO rejection on the order channel */
    int ip_rps;                   /* 0 (unlimited) / 50: REST requests per second per IP */
    int ip_ws_max;                /* 0 / 10: open WebSocket connections per IP */
    int ip_ws_new_per_min;        /* 0 / 30: new WebSocket connections per minute per IP */
    double market_hz;             /* 0 (every model step) / 2: price+depth frames per second */
    int cl_ord_id_max;            /* 63 / 32: longest accepted cl_ord_id */
    bool cl_ord_id_strict;        /* false / true: cl_ord_id only of [A-Za-z0-9._-] */
    double cancel_race_s;         /* 0 / 3: cancel of an order closed this recently
                                     answers "order is not open" */
    int symbol_info_fields;       /* sim_syminfo: BOTH / STATUS */
    uint32_t set;                 /* SIM_SW_* bits: named in the scenario */
} sim_switches;

typedef struct sim_scenario {
    char name[64];                /* file stem or `name:` key */
    uint64_t seed;                /* 42 */
    double speed;                 /* sim seconds per wall second (1) */
    dec_t start_balance;          /* "100000" DUSD */
    int nsymbols;
    sim_symbol_cfg symbols[SIM_MAX_SYMBOLS];
    int nevents;
    sim_sched *events;            /* heap, sorted by `at` */
    sim_switches sw;
    int rate_cost;                /* credits per request (45) */
    int rate_burst;               /* bucket capacity (900) */
    int rate_refill_per_s;        /* credits per second (1000) */
    int profile;                  /* sim_profile (SIM_PROFILE_DEFAULT) */
} sim_scenario;

/* Built-in defaults: BTC-USD, ETH-USD, SOL-USD, no events. */
void sim_scenario_defaults(sim_scenario *sc);
/* Loads YAML (defaults first, then the file's keys).  On error returns -1
 * and writes "file:LINE:COL: message" (e.g. "unknown key 'volatilty_bps'")
 * to err.  sc must be freed with sim_scenario_free() in both cases. */
int sim_scenario_load(const char *path, sim_scenario *sc, char *err, size_t errlen);
/* Same from a string (tests); `name` is used in messages. */
int sim_scenario_load_str(const char *yaml, const char *name, sim_scenario *sc,
                          char *err, size_t errlen);
void sim_scenario_free(sim_scenario *sc);

/* ------------------------------------------------------------ objects */

typedef struct sim_symbol {
    sim_symbol_cfg cfg;
    dec_t tick, lot;              /* 10^-decimals */
    const char *base;             /* "BTC" */
    const char *quote;            /* "DUSD" */
    const char *status;           /* "trading" */
    dec_t max_position;           /* 10 x max_qty */
    double price_cap_ratio;       /* 0.3: limit price must be within mark +-30% */
    int64_t created_us;
} sim_symbol;

typedef struct sim_order {
    int64_t id;                   /* > 2^32, increasing */
    char cl_ord_id[SIM_CLID_MAX]; /* given, or a generated 26-char ULID */
    char symbol[SIM_SYM_MAX];
    char account[SIM_ACCT_MAX];
    sim_side side;
    sim_otype type;
    sim_tif tif;                  /* market orders are ioc */
    bool reduce_only;
    dec_t price;                  /* limit price; market: mark at arrival */
    dec_t qty;                    /* reduce-only: possibly capped */
    dec_t fill_qty;               /* cumulative */
    dec_t fill_avg_price;         /* cumulative average (0 when nothing filled) */
    sim_status status;
    char reason[SIM_REASON_MAX];  /* "" unless rejected / canceled by the engine */
    int leverage;
    dec_t margin;                 /* fill_qty * fill_avg_price / leverage */
    dec_t avail_locked;           /* remaining qty * price / leverage while open */
    int64_t position_id;
    int64_t created_us, updated_us;
    int64_t closed_us;            /* 0 while open */
} sim_order;

/* One execution of a user order. */
typedef struct sim_trade {
    int64_t id;
    int64_t order_id;
    char cl_ord_id[SIM_CLID_MAX];
    char symbol[SIM_SYM_MAX];
    char account[SIM_ACCT_MAX];
    sim_side side;
    dec_t price, qty;
    dec_t value;                  /* price * qty */
    dec_t fee;                    /* DUSD charged (negative = rebate) */
    dec_t pnl;                    /* realized PnL of this execution */
    bool maker;
    int64_t time_us;
} sim_trade;

typedef struct sim_position {
    int64_t id;
    char symbol[SIM_SYM_MAX];
    char account[SIM_ACCT_MAX];
    dec_t qty;                    /* signed: negative = short */
    dec_t entry_price;            /* 0 when flat */
    dec_t entry_value;            /* |qty| * entry_price */
    dec_t mark_price;
    dec_t position_value;         /* |qty| * mark */
    dec_t upnl;                   /* qty * (mark - entry) */
    dec_t realized_pnl;           /* cumulative */
    dec_t initial_margin;         /* position_value / leverage */
    int leverage;
    const char *margin_mode;      /* "cross" / "isolated" */
    bool open;                    /* status "open" / "closed" */
    int64_t created_us, updated_us;
} sim_position;

typedef struct sim_balance {
    char account[SIM_ACCT_MAX];
    dec_t balance;                /* cash: start + realized PnL - fees */
    dec_t upnl;                   /* sum over positions */
    dec_t equity;                 /* balance + upnl */
    dec_t margin;                 /* sum of position initial margins */
    dec_t locked;                 /* sum of open-order avail_locked */
    dec_t available;              /* balance - margin - locked + upnl */
    dec_t realized_pnl;           /* cumulative over all symbols */
    dec_t fees_paid;              /* cumulative */
    int64_t updated_us;
} sim_balance;

typedef struct sim_price {
    char symbol[SIM_SYM_MAX];
    dec_t mark, index;
    dec_t last;                   /* last public/user trade price; 0 = none yet */
    dec_t mid;                    /* (best_bid + best_ask) / 2 on the tick */
    dec_t best_bid, best_ask;     /* incl. user resting orders */
    int64_t time_us;
} sim_price;

typedef struct sim_level { dec_t price, qty; } sim_level;

/* Full snapshot: synthetic levels plus user resting orders aggregated by
 * price; sorted best first (bids descending, asks ascending). */
typedef struct sim_depth {
    char symbol[SIM_SYM_MAX];
    int nbids, nasks;
    sim_level bids[SIM_DEPTH_MAX], asks[SIM_DEPTH_MAX];
    int64_t time_us;
} sim_depth;

typedef struct sim_public_trade {
    int64_t id;
    char symbol[SIM_SYM_MAX];
    sim_side side;                /* taker side */
    dec_t price, qty;
    int64_t time_us;
} sim_public_trade;

/* query_symbol_market: price plus approximate 24 h statistics. */
typedef struct sim_summary {
    sim_price px;
    dec_t high_24h, low_24h;      /* since start when younger than 24 h */
    dec_t volume_24h;             /* base qty of public + user trades */
    dec_t open_interest;          /* sum of |user positions| */
    dec_t funding_rate;           /* constant 0.0000125 (interest baseline) */
    int64_t next_funding_us;      /* next whole wall-clock hour */
} sim_summary;

/* ------------------------------------------------------------ events */

typedef enum {
    SIM_EV_ORDER = 0,     /* u.order: new state of a user order (account set) */
    SIM_EV_TRADE,         /* u.trade: one execution (account set) */
    SIM_EV_POSITION,      /* u.position (account set) */
    SIM_EV_BALANCE,       /* u.balance (account set) */
    SIM_EV_PRICE,         /* u.price (symbol set) */
    SIM_EV_DEPTH,         /* symbol set; fetch the snapshot with sim_depth_get() */
    SIM_EV_PUBLIC_TRADE,  /* u.ptrade (symbol set) */
    SIM_EV_FAULT          /* u.fault: a scheduled fault starts now (see sim_kind) */
} sim_ev_type;

typedef struct sim_fault_ev {
    sim_sched s;                  /* the scenario entry */
    int64_t start_us;             /* wall time it fired */
    int64_t end_us;               /* start + duration/speed (== start if none) */
} sim_fault_ev;

typedef struct sim_event {
    sim_ev_type type;
    char account[SIM_ACCT_MAX];   /* private events; "" for public */
    char symbol[SIM_SYM_MAX];     /* "" for balance / fault without symbol */
    union {
        sim_order order;
        sim_trade trade;
        sim_position position;
        sim_balance balance;
        sim_price price;
        sim_public_trade ptrade;
        sim_fault_ev fault;
    } u;
} sim_event;

/* Private events are never dropped; market events are conflated by
 * sim_advance (one price + one depth per symbol per call, at most 32 public
 * trades per symbol per call).  Order of private events for one account is
 * causal: ORDER (accepted/open), TRADE, ORDER (filled/...), POSITION, BALANCE.
 * A new order always yields at least one SIM_EV_ORDER. */

/* ------------------------------------------------------------ engine */

typedef struct sim_engine sim_engine;

/* Takes a copy of the scenario (caller still frees its own).  `now_us` is
 * the wall time of sim time 0.  NULL on allocation failure only. */
sim_engine *sim_engine_new(const sim_scenario *sc, int64_t now_us);
void sim_engine_free(sim_engine *e);

const sim_scenario *sim_engine_scenario(const sim_engine *e);
const sim_switches *sim_engine_switches(const sim_engine *e);
/* Sim seconds elapsed at the last sim_advance(). */
double sim_time_s(const sim_engine *e);
/* Wall time -> sim seconds (speed applied). */
double sim_sim_time_at(const sim_engine *e, int64_t now_us);
/* True while a stale_feed window is active (no market events are queued). */
bool sim_market_stale(const sim_engine *e);

/* Steps the market model (fixed 100 ms sim-time grid, so the mark path
 * depends only on scenario + seed, not on the call cadence) up to now_us:
 * applies scheduled events, random walk, synthetic book, public trades and
 * trade-through fills of resting user orders, and queues the resulting
 * events.  Times earlier than the last call are ignored.
 * The synthetic book is regenerated once per call (at the final step):
 * liquidity taken by user orders between calls stays taken until then. */
void sim_advance(sim_engine *e, int64_t now_us);

/* Pops the oldest queued event into *ev; returns 1, or 0 when empty. */
int sim_event_next(sim_engine *e, sim_event *ev);
size_t sim_event_pending(const sim_engine *e);

/* ------------------------------------------------------------ symbols */

int sim_symbol_count(const sim_engine *e);
const sim_symbol *sim_symbol_at(const sim_engine *e, int i);
const sim_symbol *sim_symbol_get(const sim_engine *e, const char *name); /* NULL unknown */
/* Formats with the symbol's decimals into buf (>= 32 bytes); returns buf. */
char *sim_fmt_price(const sim_symbol *s, dec_t v, char *buf, size_t len);
char *sim_fmt_qty(const sim_symbol *s, dec_t v, char *buf, size_t len);

/* ------------------------------------------------------------ market queries */

int sim_price_get(const sim_engine *e, const char *symbol, sim_price *out);     /* -1 unknown */
int sim_depth_get(const sim_engine *e, const char *symbol, sim_depth *out);     /* -1 unknown */
int sim_summary_get(const sim_engine *e, const char *symbol, sim_summary *out); /* -1 unknown */
/* Newest public trades (newest first), up to max; returns the count. */
size_t sim_recent_trades(const sim_engine *e, const char *symbol, sim_public_trade *out, size_t max);

/* ------------------------------------------------------------ orders */

/* A new_order request as received; strings are the JSON values (NULL when
 * absent).  The engine validates everything and answers with StandX-like
 * messages: "symbol is required", "unknown symbol", "invalid side",
 * "invalid order_type", "invalid time_in_force", "invalid qty",
 * "qty not on lot (step 0.0001)", "qty below min_order_qty 0.0001",
 * "qty above max_order_qty 100", "price is required for limit order",
 * "invalid price", "price not on tick (0.01)", "price out of range",
 * "duplicate cl_ord_id", "cl_ord_id too long", "max open orders exceeded". */
typedef struct sim_order_req {
    const char *symbol;
    const char *side;             /* "buy" / "sell" */
    const char *order_type;       /* "limit" / "market" */
    const char *time_in_force;    /* "gtc" / "ioc" / "alo"; NULL: market->ioc, limit->gtc */
    const char *qty;              /* decimal string */
    const char *price;            /* decimal string; ignored for market */
    bool reduce_only;
    const char *cl_ord_id;        /* NULL/"" -> generated ULID */
} sim_order_req;

/* Validates, then matches immediately (events queued).  Returns 0 and the
 * order's state after matching in *out (status open / filled / canceled /
 * rejected; out may be NULL), or -1 with the message in err (HTTP 400,
 * nothing queued).  Async rejections (reason in out->reason):
 * "alo order rejected", "reduce only order rejected" (nothing to reduce),
 * injected reject_next messages. */
int sim_order_new(sim_engine *e, const char *account, const sim_order_req *req,
                  int64_t now_us, sim_order *out, char *err, size_t errlen);

/* Cancels by order_id (> 0) or else by cl_ord_id.  0 = canceled (events
 * queued, final state in *out if non-NULL); -1 with "order not found" or
 * "order already closed". */
int sim_order_cancel(sim_engine *e, const char *account, int64_t order_id,
                     const char *cl_ord_id, int64_t now_us, sim_order *out,
                     char *err, size_t errlen);

/* ------------------------------------------------------------ account queries */

/* Order by id (> 0) or cl_ord_id, live or finished (bounded history): 0 found, -1 not. */
int sim_order_find(const sim_engine *e, const char *account, int64_t order_id,
                   const char *cl_ord_id, sim_order *out);
/* Open orders (symbol NULL/"" = all), oldest first; copies up to max, returns
 * the total number available. */
size_t sim_open_orders(const sim_engine *e, const char *account, const char *symbol,
                       sim_order *out, size_t max);
/* As sim_open_orders, but as the list looked lag_s seconds ago: orders closed
 * within the last lag_s (wall) still appear, with status SIM_OPEN. */
size_t sim_open_orders_lagged(const sim_engine *e, const char *account, const char *symbol,
                              double lag_s, int64_t now_us, sim_order *out, size_t max);
/* All orders (live and finished), newest first. */
size_t sim_orders_history(const sim_engine *e, const char *account, const char *symbol,
                          sim_order *out, size_t max);
/* User trades, newest first. */
size_t sim_trades_history(const sim_engine *e, const char *account, const char *symbol,
                          sim_trade *out, size_t max);
/* Positions (every symbol ever traded, flat ones with open=false), marked
 * to the current mark. */
size_t sim_positions(const sim_engine *e, const char *account, const char *symbol,
                     sim_position *out, size_t max);
/* Creates the account on first use. 0 ok, -1 on allocation failure. */
int sim_balance_get(sim_engine *e, const char *account, sim_balance *out);
bool sim_account_exists(const sim_engine *e, const char *account);
/* Leverage per account+symbol (default def_leverage; 1..max_leverage) and
 * margin mode ("cross"/"isolated", bookkeeping only). -1 + err on bad input. */
int sim_set_leverage(sim_engine *e, const char *account, const char *symbol, int leverage,
                     char *err, size_t errlen);
int sim_set_margin_mode(sim_engine *e, const char *account, const char *symbol,
                        const char *mode, char *err, size_t errlen);
int sim_get_leverage(const sim_engine *e, const char *account, const char *symbol,
                     int *leverage, const char **mode);

/* Per-account token bucket (scenario rate_cost/burst/refill: 45 / 900 /
 * 1000 per s -> 20-request burst, ~22 req/s sustained).  Call once per
 * private request; returns true if allowed, false -> answer 429. */
bool sim_rate_take(sim_engine *e, const char *account, int64_t now_us);

/* ------------------------------------------------------------ state / admin */

size_t sim_account_count(const sim_engine *e);
const char *sim_account_name(const sim_engine *e, size_t i);  /* NULL out of range */

/* Sets the mark now (a jump: trade-throughs fill at once, events queued). */
int sim_admin_set_mark(sim_engine *e, const char *symbol, dec_t mark, int64_t now_us);
/* Fills a resting order (any account) as maker at its price; qty 0 = all
 * remaining.  -1 + "order not found" / "order already closed" / "invalid qty". */
int sim_admin_force_fill(sim_engine *e, int64_t order_id, dec_t qty, int64_t now_us,
                         char *err, size_t errlen);
/* The next n new orders (any account) are rejected with `message`
 * (NULL -> "rejected by simulator"). */
void sim_admin_reject_next(sim_engine *e, int n, const char *message);
/* Counters for /_sim/state. */
typedef struct sim_stats {
    uint64_t orders, fills, cancels, rejects, public_trades, steps;
    uint64_t rate_limited;
    size_t events_pending;
} sim_stats;
void sim_stats_get(const sim_engine *e, sim_stats *out);

/* ------------------------------------------------------------ live profile */

/* `profile: ideal` keeps the kind behaviour the simulator always had (for
 * benchmarks); `profile: live` turns on what clients observed on the real
 * venue (shared/standx-protocol.md §12).  The default is this one constant. */
typedef enum { SIM_PROFILE_IDEAL = 0, SIM_PROFILE_LIVE = 1 } sim_profile;
#ifndef SIM_PROFILE_DEFAULT   /* live: the simulator is as hard as the venue unless told otherwise */
#define SIM_PROFILE_DEFAULT SIM_PROFILE_LIVE
#endif

/* What query_symbol_info says about trading state. */
typedef enum { SIM_SYMINFO_BOTH = 0, SIM_SYMINFO_STATUS, SIM_SYMINFO_ENABLED } sim_syminfo;

/* Bits of sim_switches.set. */
enum {
    SIM_SW_OO_LAG = 1u << 0, SIM_SW_OO_NEW_LAG = 1u << 1, SIM_SW_ALO_ACCT = 1u << 2,
    SIM_SW_IP_RPS = 1u << 3, SIM_SW_IP_WS_MAX = 1u << 4, SIM_SW_IP_WS_NEW = 1u << 5,
    SIM_SW_MARKET_HZ = 1u << 6, SIM_SW_CLID_MAX = 1u << 7, SIM_SW_CLID_CHARSET = 1u << 8,
    SIM_SW_CANCEL_RACE = 1u << 9, SIM_SW_SYMINFO = 1u << 10,
};

const char *sim_profile_str(int profile);              /* "ideal" / "live" */
int sim_profile_parse(const char *s, int *profile);    /* 0, or -1 unknown */
/* Sets every live-quirk switch (and symbol depth_step) the scenario did not
 * name to the profile's value, and sc->profile. */
void sim_scenario_set_profile(sim_scenario *sc, int profile);

/* query_open_orders as the venue shows it: orders closed within closed_lag_s
 * still listed (status open), orders younger than new_lag_s not yet listed. */
size_t sim_open_orders_view(const sim_engine *e, const char *account, const char *symbol,
                            double closed_lag_s, double new_lag_s, int64_t now_us,
                            sim_order *out, size_t max);

/* Aggregates a depth snapshot to price buckets of `step` (bids down, asks
 * up to a multiple of step; quantities summed, order kept).  step <= 0: no-op. */
void sim_depth_aggregate(sim_depth *d, dec_t step);

/* Replaces the engine's switches (runtime change by the admin API). */
void sim_engine_set_switches(sim_engine *e, const sim_switches *w);

#endif
