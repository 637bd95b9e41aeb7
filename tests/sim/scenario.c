/* scenario — built-in defaults and the YAML scenario loader of standx-sim
 * (libyaml document API).  Every error names file:line:column.
 *
 * Scenario file format (all keys optional; unknown keys are errors):
 *
 *   name: calm                 # label (default: file stem)
 *   seed: 42                   # RNG seed; standx-sim --seed overrides it
 *   speed: 1                   # sim seconds per wall second (60 = an hour a minute)
 *   start_balance: "100000"    # DUSD given to every new account
 *   rate_limit: {cost: 45, burst: 900, refill_per_s: 1000}   # per-account bucket
 *   symbols:                   # override built-ins (BTC-USD, ETH-USD, SOL-USD) or add
 *     BTC-USD:
 *       mark: "65000"          # starting mark price
 *       price_decimals: 2      # tick 0.01
 *       qty_decimals: 4        # lot 0.0001
 *       min_qty: "0.0001"      # min_order_qty
 *       max_qty: "100"         # max_order_qty
 *       maker_fee: "0.0001"    # 1 bp of notional
 *       taker_fee: "0.0004"    # 4 bps
 *       volatility_bps: 2      # random walk sigma per sqrt(sim second)
 *       trend_bps_per_min: 0   # drift
 *       spread_bps: 1          # synthetic best ask - best bid
 *       depth_levels: 20       # synthetic levels per side (max 200)
 *       level_qty: "0.5"       # mean qty per level (sizes vary 0.5x..1.5x)
 *       level_step_bps: 1      # distance between levels
 *       trade_rate_per_s: 2    # public trades per sim second
 *       trade_qty: "0.1"       # max public trade qty (default level_qty/4)
 *       fill_fraction: 1.0     # trade-through: share of a resting user order
 *                              # filled per 100 ms step (uniform in [f/2, f])
 *       index_bps: 0.5         # index = mark +- N(0, index_bps)
 *       max_leverage: 40
 *       def_leverage: 10
 *       max_open_orders: 100   # per account and symbol
 *       depth_step: "1"        # depth levels aggregated to this step (see profile)
 *   events:                    # `at`/`duration`/`every`/`until` in SIM seconds
 *     - {at: 30, type: jump, symbol: BTC-USD, bps: 80}      # symbol omitted = all
 *     - {at: 10, every: 60, type: jump, bps: 40, random_sign: true}
 *     - {at: 60, type: depth_drain, symbol: BTC-USD, bps: 50, duration: 20}
 *     - {at: 90, type: spread_blowout, symbol: BTC-USD, bps: 50, duration: 10}
 *     - {at: 120, type: stale_feed, duration: 10}           # no ws market data
 *     - {at: 150, type: drop_ws}                            # server closes all ws
 *     - {at: 160, type: http_error, status: 503, duration: 5}   # or count: N
 *     - {at: 170, type: delay_ms, ms: 800, duration: 10}
 *     - {at: 180, type: rate_limit_burst, duration: 5}      # 429 on everything
 *     - {at: 190, type: refuse_connections, duration: 5}
 *     - {at: 200, type: lag_open_orders, seconds: 15, duration: 60}
 *     - {at: 210, type: reject_next, count: 3, message: "rejected by simulator"}
 *   switches:
 *     auth_ack_code: 0         # ws auth success code: 0 or 200
 *     list_status_new: false   # open-order lists say "new" instead of "open"
 *     max_conn_age_s: 86400    # ws connection lifetime cap
 *     ping_interval_s: 10      # server ping period
 *     pong_timeout_s: 300      # close (408 frame) without pong
 *     sig_window_s: 30         # accepted request-timestamp skew
 *     # live-venue quirks (value under profile ideal / live; named ones win):
 *     open_orders_lag_s: 15    # 0 / 15 finished orders linger in query_open_orders
 *     open_orders_new_lag_s: 1.5 # 0 / 1.5 new orders appear there late
 *     alo_reject_on_account_stream: false  # true / false
 *     ip_rps: 50               # 0 (unlimited) / 50 REST requests per second per IP
 *     ip_ws_max: 10            # 0 / 10 open WebSocket connections per IP
 *     ip_ws_new_per_min: 30    # 0 / 30 new WebSocket connections per minute per IP
 *     market_hz: 2             # 0 (every model step) / 2 price+depth frames a second
 *     cl_ord_id_max: 32        # 63 / 32
 *     cl_ord_id_charset: safe  # any / safe ([A-Za-z0-9._-])
 *     cancel_race_s: 3         # 0 / 3 "order is not open" for a just-closed order
 *     symbol_info_fields: status   # both / status / enabled
 *   profile: ideal             # ideal | live: sets the quirks not named above
 *                              # and symbols' depth_step ("0" = the tick; live:
 *                              # "1" where mark >= 10000)
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "sim_core_int.h"

static const char *const kind_names[SIM_K__COUNT] = {
    "jump", "depth_drain", "spread_blowout", "stale_feed", "drop_ws", "delay_ms",
    "http_error", "rate_limit_burst", "refuse_connections", "lag_open_orders", "reject_next",
};

const char *sim_kind_str(sim_kind k)
{
    return (unsigned)k < SIM_K__COUNT ? kind_names[k] : "?";
}

static dec_t D(const char *s)
{
    dec_t v = 0;
    dec_parse(s, &v);
    return v;
}

static void sym_default(sim_symbol_cfg *c, const char *name, int pd, int qd, const char *min,
                        const char *max, const char *mark, const char *lvl, const char *tq)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->price_decimals = pd;
    c->qty_decimals = qd;
    c->min_qty = D(min);
    c->max_qty = D(max);
    c->maker_fee = D("0.0001");
    c->taker_fee = D("0.0004");
    c->mark = D(mark);
    c->volatility_bps = 1.0;
    c->trend_bps_per_min = 0;
    c->spread_bps = 1.0;
    c->depth_levels = 20;
    c->level_qty = D(lvl);
    c->level_step_bps = 1.0;
    c->trade_rate_per_s = 2.0;
    c->trade_qty = D(tq);
    c->fill_fraction = 1.0;
    c->index_bps = 0.5;
    c->max_leverage = 40;
    c->def_leverage = 10;
    c->max_open_orders = 100;
    c->depth_step = 0;
    c->depth_step_set = false;
}

void sim_scenario_defaults(sim_scenario *sc)
{
    memset(sc, 0, sizeof *sc);
    snprintf(sc->name, sizeof sc->name, "default");
    sc->seed = 42;
    sc->speed = 1.0;
    sc->start_balance = D("100000");
    sym_default(&sc->symbols[0], "BTC-USD", 2, 4, "0.0001", "100", "65000", "0.5", "0.1");
    sym_default(&sc->symbols[1], "ETH-USD", 2, 3, "0.001", "1000", "3200", "8", "2");
    sym_default(&sc->symbols[2], "SOL-USD", 3, 2, "0.01", "10000", "150", "150", "40");
    sc->nsymbols = 3;
    sc->sw.auth_ack_code = 0;
    sc->sw.list_status_new = false;
    sc->sw.max_conn_age_s = 86400;
    sc->sw.ping_interval_s = 10;
    sc->sw.pong_timeout_s = 300;
    sc->sw.sig_window_s = 30;
    sc->rate_cost = 45;
    sc->rate_burst = 900;
    sc->rate_refill_per_s = 1000;
    sim_scenario_set_profile(sc, SIM_PROFILE_DEFAULT);
}

const char *sim_profile_str(int profile) { return profile == SIM_PROFILE_LIVE ? "live" : "ideal"; }

int sim_profile_parse(const char *s, int *profile)
{
    if (!s) return -1;
    if (!strcmp(s, "ideal")) *profile = SIM_PROFILE_IDEAL;
    else if (!strcmp(s, "live")) *profile = SIM_PROFILE_LIVE;
    else return -1;
    return 0;
}

/* Live: whole-dollar depth for symbols priced at 10000 or more (BTC). */
static void depth_profile(sim_symbol_cfg *c, bool live)
{
    if (c->depth_step_set) return;
    c->depth_step = live && c->mark >= 10000 * DEC_ONE && c->price_decimals > 0 ? DEC_ONE : 0;
}

void sim_scenario_set_profile(sim_scenario *sc, int profile)
{
    bool live = profile == SIM_PROFILE_LIVE;
    sim_switches *w = &sc->sw;
    uint32_t m = w->set;
    sc->profile = live ? SIM_PROFILE_LIVE : SIM_PROFILE_IDEAL;
    if (!(m & SIM_SW_OO_LAG)) w->open_orders_lag_s = live ? 15 : 0;
    if (!(m & SIM_SW_OO_NEW_LAG)) w->open_orders_new_lag_s = live ? 1.5 : 0;
    if (!(m & SIM_SW_ALO_ACCT)) w->alo_reject_on_account_stream = !live;
    if (!(m & SIM_SW_IP_RPS)) w->ip_rps = live ? 50 : 0;
    if (!(m & SIM_SW_IP_WS_MAX)) w->ip_ws_max = live ? 10 : 0;
    if (!(m & SIM_SW_IP_WS_NEW)) w->ip_ws_new_per_min = live ? 30 : 0;
    if (!(m & SIM_SW_MARKET_HZ)) w->market_hz = live ? 2 : 0;
    if (!(m & SIM_SW_CLID_MAX)) w->cl_ord_id_max = live ? 32 : SIM_CLID_MAX - 1;
    if (!(m & SIM_SW_CLID_CHARSET)) w->cl_ord_id_strict = live;
    if (!(m & SIM_SW_CANCEL_RACE)) w->cancel_race_s = live ? 3 : 0;
    if (!(m & SIM_SW_SYMINFO)) w->symbol_info_fields = live ? SIM_SYMINFO_STATUS : SIM_SYMINFO_BOTH;
    for (int i = 0; i < sc->nsymbols; i++) depth_profile(&sc->symbols[i], live);
}

void sim_scenario_free(sim_scenario *sc)
{
    if (!sc) return;
    free(sc->events);
    sc->events = NULL;
    sc->nevents = 0;
}

/* ------------------------------------------------------------ parsing */

typedef struct pctx {
    const char *name;
    yaml_document_t *doc;
    sim_scenario *sc;
    char *err;
    size_t errlen;
    int capevents;
} pctx;

__attribute__((format(printf, 3, 4)))
static int perr(pctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = n ? (int)n->start_mark.line + 1 : 0;
    int col = n ? (int)n->start_mark.column + 1 : 0;
    if (c->err && c->errlen) snprintf(c->err, c->errlen, "%s:%d:%d: %s", c->name, line, col, msg);
    return -1;
}

static yaml_node_t *node(pctx *c, int idx) { return yaml_document_get_node(c->doc, idx); }

static const char *scalar(pctx *c, yaml_node_t *n, const char *what)
{
    if (!n || n->type != YAML_SCALAR_NODE) {
        perr(c, n, "%s: expected a scalar value", what);
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

static int get_dec(pctx *c, yaml_node_t *n, const char *what, dec_t *out)
{
    const char *s = scalar(c, n, what);
    if (!s) return -1;
    if (dec_parse(s, out) != 0) return perr(c, n, "%s: invalid decimal '%s'", what, s);
    return 0;
}

static int get_double(pctx *c, yaml_node_t *n, const char *what, double *out)
{
    const char *s = scalar(c, n, what);
    if (!s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v)) return perr(c, n, "%s: invalid number '%s'", what, s);
    *out = v;
    return 0;
}

static int get_int(pctx *c, yaml_node_t *n, const char *what, int *out)
{
    const char *s = scalar(c, n, what);
    if (!s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < -1000000000L || v > 1000000000L)
        return perr(c, n, "%s: invalid integer '%s'", what, s);
    *out = (int)v;
    return 0;
}

static int get_bool(pctx *c, yaml_node_t *n, const char *what, bool *out)
{
    const char *s = scalar(c, n, what);
    if (!s) return -1;
    if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1")) *out = true;
    else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0")) *out = false;
    else return perr(c, n, "%s: expected true or false, got '%s'", what, s);
    return 0;
}

static int get_u64(pctx *c, yaml_node_t *n, const char *what, uint64_t *out)
{
    const char *s = scalar(c, n, what);
    if (!s) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *s == '-' || *end || errno) return perr(c, n, "%s: invalid unsigned integer '%s'", what, s);
    *out = v;
    return 0;
}

static int get_str(pctx *c, yaml_node_t *n, const char *what, char *buf, size_t len)
{
    const char *s = scalar(c, n, what);
    if (!s) return -1;
    if (strlen(s) >= len) return perr(c, n, "%s: value too long", what);
    snprintf(buf, len, "%s", s);
    return 0;
}

/* An empty value: "key:" alone, "~" or "null". */
static bool is_null(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE) return false;
    const char *v = (const char *)n->data.scalar.value;
    return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (!*v || !strcmp(v, "~") || !strcmp(v, "null"));
}

typedef int (*pair_fn)(pctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg);

/* Calls fn for every key of a mapping node. */
static int each_pair(pctx *c, yaml_node_t *map, const char *what, pair_fn fn, void *arg)
{
    if (is_null(map)) return 0;
    if (!map || map->type != YAML_MAPPING_NODE) return perr(c, map, "%s: expected a mapping", what);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *key = scalar(c, k, what);
        if (!key) return -1;
        if (fn(c, key, k, v, arg) != 0) return -1;
    }
    return 0;
}

/* ---- symbols */

#define IS(k) (!strcmp(key, (k)))

static int sym_pair(pctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    sim_symbol_cfg *s = arg;
    if (IS("mark")) return get_dec(c, v, key, &s->mark);
    if (IS("price_decimals")) return get_int(c, v, key, &s->price_decimals);
    if (IS("qty_decimals")) return get_int(c, v, key, &s->qty_decimals);
    if (IS("min_qty") || IS("min_order_qty")) return get_dec(c, v, key, &s->min_qty);
    if (IS("max_qty") || IS("max_order_qty")) return get_dec(c, v, key, &s->max_qty);
    if (IS("maker_fee")) return get_dec(c, v, key, &s->maker_fee);
    if (IS("taker_fee")) return get_dec(c, v, key, &s->taker_fee);
    if (IS("volatility_bps")) return get_double(c, v, key, &s->volatility_bps);
    if (IS("trend_bps_per_min")) return get_double(c, v, key, &s->trend_bps_per_min);
    if (IS("spread_bps")) return get_double(c, v, key, &s->spread_bps);
    if (IS("depth_levels")) return get_int(c, v, key, &s->depth_levels);
    if (IS("level_qty")) return get_dec(c, v, key, &s->level_qty);
    if (IS("level_step_bps")) return get_double(c, v, key, &s->level_step_bps);
    if (IS("trade_rate_per_s")) return get_double(c, v, key, &s->trade_rate_per_s);
    if (IS("trade_qty")) return get_dec(c, v, key, &s->trade_qty);
    if (IS("fill_fraction")) return get_double(c, v, key, &s->fill_fraction);
    if (IS("index_bps")) return get_double(c, v, key, &s->index_bps);
    if (IS("max_leverage")) return get_int(c, v, key, &s->max_leverage);
    if (IS("def_leverage")) return get_int(c, v, key, &s->def_leverage);
    if (IS("max_open_orders")) return get_int(c, v, key, &s->max_open_orders);
    if (IS("depth_step")) {
        s->depth_step_set = true;
        return get_dec(c, v, key, &s->depth_step);
    }
    return perr(c, k, "unknown key '%s' in symbol %s", key, s->name);
}

static int sym_check(pctx *c, yaml_node_t *n, const sim_symbol_cfg *s)
{
    const char *nm = s->name;
    if (s->price_decimals < 0 || s->price_decimals > 8 || s->qty_decimals < 0 || s->qty_decimals > 8)
        return perr(c, n, "%s: decimals must be 0..8", nm);
    dec_t lot = dec_step(s->qty_decimals), tick = dec_step(s->price_decimals);
    if (s->mark <= 0 || s->mark % tick) return perr(c, n, "%s: mark must be > 0 and on the tick", nm);
    if (s->min_qty <= 0 || s->min_qty % lot) return perr(c, n, "%s: min_qty must be > 0 and on the lot", nm);
    if (s->max_qty < s->min_qty) return perr(c, n, "%s: max_qty below min_qty", nm);
    if (s->level_qty <= 0 || s->trade_qty < 0) return perr(c, n, "%s: level_qty must be > 0", nm);
    if (s->depth_levels < 1 || s->depth_levels > 200) return perr(c, n, "%s: depth_levels must be 1..200", nm);
    if (s->volatility_bps < 0 || s->spread_bps <= 0 || s->level_step_bps <= 0 || s->trade_rate_per_s < 0 ||
        s->index_bps < 0)
        return perr(c, n, "%s: volatility/index >= 0, spread/step > 0, trade rate >= 0 required", nm);
    if (!(s->fill_fraction > 0 && s->fill_fraction <= 1)) return perr(c, n, "%s: fill_fraction must be in (0, 1]", nm);
    if (s->maker_fee < -DEC_ONE / 100 || s->taker_fee < 0 || s->taker_fee > DEC_ONE / 10)
        return perr(c, n, "%s: fees out of range", nm);
    if (s->max_leverage < 1 || s->def_leverage < 1 || s->def_leverage > s->max_leverage)
        return perr(c, n, "%s: need 1 <= def_leverage <= max_leverage", nm);
    if (s->max_open_orders < 1 || s->max_open_orders > 10000) return perr(c, n, "%s: max_open_orders 1..10000", nm);
    if (s->depth_step < 0 || (s->depth_step && s->depth_step % tick))
        return perr(c, n, "%s: depth_step must be >= 0 and a multiple of the tick", nm);
    return 0;
}

static int symbols_pair(pctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    (void)arg;
    sim_scenario *sc = c->sc;
    sim_symbol_cfg *s = NULL;
    for (int i = 0; i < sc->nsymbols; i++)
        if (!strcmp(sc->symbols[i].name, key)) s = &sc->symbols[i];
    if (!s) {
        if (sc->nsymbols >= SIM_MAX_SYMBOLS) return perr(c, k, "too many symbols (max %d)", SIM_MAX_SYMBOLS);
        if (strlen(key) >= SIM_SYM_MAX || !strchr(key, '-') || key[0] == '-')
            return perr(c, k, "bad symbol name '%s' (want BASE-USD)", key);
        s = &sc->symbols[sc->nsymbols++];
        sym_default(s, key, 2, 3, "0.001", "1000", "0", "1", "0.25");
    }
    if (each_pair(c, v, key, sym_pair, s) != 0) return -1;
    if (s->trade_qty == 0) s->trade_qty = s->level_qty / 4;
    return sym_check(c, v, s);
}

/* ---- events */

static int kind_parse(const char *s, sim_kind *k)
{
    for (int i = 0; i < SIM_K__COUNT; i++)
        if (!strcmp(s, kind_names[i])) { *k = (sim_kind)i; return 0; }
    return -1;
}

static int ev_pair(pctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    sim_sched *s = arg;
    if (IS("type")) {
        const char *t = scalar(c, v, key);
        if (!t) return -1;
        if (kind_parse(t, &s->kind) != 0) return perr(c, v, "unknown event type '%s'", t);
        if (s->line < 0) return perr(c, k, "duplicate key 'type'");
        s->line = -s->line; /* mark: type seen (restored later) */
        return 0;
    }
    if (IS("at")) return get_double(c, v, key, &s->at);
    if (IS("symbol")) return get_str(c, v, key, s->symbol, sizeof s->symbol);
    if (IS("bps")) return get_double(c, v, key, &s->bps);
    if (IS("duration")) return get_double(c, v, key, &s->duration);
    if (IS("status")) return get_int(c, v, key, &s->status);
    if (IS("count")) return get_int(c, v, key, &s->count);
    if (IS("ms")) return get_int(c, v, key, &s->ms);
    if (IS("seconds")) return get_double(c, v, key, &s->seconds);
    if (IS("message")) return get_str(c, v, key, s->message, sizeof s->message);
    if (IS("every")) return get_double(c, v, key, &s->every);
    if (IS("until")) return get_double(c, v, key, &s->until);
    if (IS("random_sign")) return get_bool(c, v, key, &s->random_sign);
    return perr(c, k, "unknown key '%s' in event", key);
}

static int ev_check(pctx *c, yaml_node_t *n, sim_sched *s)
{
    if (s->at < 0 || s->duration < 0 || s->every < 0 || s->until < 0)
        return perr(c, n, "%s: at/duration/every/until must be >= 0", sim_kind_str(s->kind));
    if (s->every > 0 && s->every < SIM_STEP_S) return perr(c, n, "every must be >= %.1f", SIM_STEP_S);
    switch (s->kind) {
    case SIM_K_JUMP:
        if (s->bps == 0 || fabs(s->bps) > 5000) return perr(c, n, "jump: bps must be non-zero, |bps| <= 5000");
        break;
    case SIM_K_DEPTH_DRAIN:
        if (s->bps == 0) s->bps = 50;
        /* fall through */
    case SIM_K_SPREAD_BLOWOUT:
        if (s->bps <= 0 || s->duration <= 0) return perr(c, n, "%s: needs bps > 0 and duration > 0", sim_kind_str(s->kind));
        break;
    case SIM_K_STALE_FEED: case SIM_K_RATE_LIMIT_BURST: case SIM_K_REFUSE_CONNECTIONS:
        if (s->duration <= 0) return perr(c, n, "%s: needs duration > 0", sim_kind_str(s->kind));
        break;
    case SIM_K_DELAY_MS:
        if (s->ms <= 0 || s->duration <= 0) return perr(c, n, "delay_ms: needs ms > 0 and duration > 0");
        break;
    case SIM_K_HTTP_ERROR:
        if (!s->status) s->status = 503;
        if (s->status < 400 || s->status > 599) return perr(c, n, "http_error: status must be 4xx/5xx");
        if (s->count <= 0 && s->duration <= 0) return perr(c, n, "http_error: needs count or duration");
        break;
    case SIM_K_LAG_OPEN_ORDERS:
        if (s->seconds == 0) s->seconds = 15;
        if (s->seconds < 0) return perr(c, n, "lag_open_orders: seconds must be > 0");
        break;
    case SIM_K_REJECT_NEXT:
        if (s->count == 0) s->count = 1;
        if (s->count < 0) return perr(c, n, "reject_next: count must be > 0");
        if (!s->message[0]) snprintf(s->message, sizeof s->message, "rejected by simulator");
        break;
    default: break;
    }
    return 0;
}

static int parse_event(pctx *c, yaml_node_t *n)
{
    sim_scenario *sc = c->sc;
    if (sc->nevents == c->capevents) {
        int cap = c->capevents ? c->capevents * 2 : 16;
        sim_sched *nv = realloc(sc->events, (size_t)cap * sizeof *nv);
        if (!nv) return perr(c, n, "out of memory");
        sc->events = nv;
        c->capevents = cap;
    }
    sim_sched s;
    memset(&s, 0, sizeof s);
    s.line = (int)n->start_mark.line + 1;
    if (each_pair(c, n, "event", ev_pair, &s) != 0) return -1;
    if (s.line > 0) return perr(c, n, "event without 'type'");
    s.line = -s.line;
    if (ev_check(c, n, &s) != 0) return -1;
    sc->events[sc->nevents++] = s;
    return 0;
}

static int parse_events(pctx *c, yaml_node_t *n)
{
    if (is_null(n)) return 0;
    if (n->type != YAML_SEQUENCE_NODE) return perr(c, n, "events: expected a list");
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
        if (parse_event(c, node(c, *it)) != 0) return -1;
    return 0;
}

/* ---- switches, rate limit, top level */

/* A non-negative number switch; marks it as named. */
static int sw_num(pctx *c, yaml_node_t *v, const char *key, double *out, double max)
{
    if (get_double(c, v, key, out) != 0) return -1;
    if (*out < 0 || *out > max) return perr(c, v, "%s must be in 0..%g", key, max);
    return 0;
}

static int sw_int(pctx *c, yaml_node_t *v, const char *key, int *out, int min, int max)
{
    if (get_int(c, v, key, out) != 0) return -1;
    if (*out < min || *out > max) return perr(c, v, "%s must be in %d..%d", key, min, max);
    return 0;
}

static int sw_enum(pctx *c, yaml_node_t *v, const char *key, const char *const *names, int n, int *out)
{
    const char *s = scalar(c, v, key);
    if (!s) return -1;
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) { *out = i; return 0; }
    return perr(c, v, "%s: unknown value '%s'", key, s);
}

/* The live-quirk switches; 1 = not one of them. */
static int sw_live(pctx *c, const char *key, yaml_node_t *v, sim_switches *w)
{
    static const char *const syminfo[] = {"both", "status", "enabled"};
    static const char *const charset[] = {"any", "safe"};
    int cs = 0, r;
    uint32_t bit = IS("open_orders_lag_s") ? SIM_SW_OO_LAG : IS("open_orders_new_lag_s") ? SIM_SW_OO_NEW_LAG
                 : IS("alo_reject_on_account_stream") ? SIM_SW_ALO_ACCT : IS("ip_rps") ? SIM_SW_IP_RPS
                 : IS("ip_ws_max") ? SIM_SW_IP_WS_MAX : IS("ip_ws_new_per_min") ? SIM_SW_IP_WS_NEW
                 : IS("market_hz") ? SIM_SW_MARKET_HZ : IS("cl_ord_id_max") ? SIM_SW_CLID_MAX
                 : IS("cl_ord_id_charset") ? SIM_SW_CLID_CHARSET : IS("cancel_race_s") ? SIM_SW_CANCEL_RACE
                 : IS("symbol_info_fields") ? SIM_SW_SYMINFO : 0;
    switch (bit) {
    case 0: return 1;
    case SIM_SW_OO_LAG: r = sw_num(c, v, key, &w->open_orders_lag_s, 3600); break;
    case SIM_SW_OO_NEW_LAG: r = sw_num(c, v, key, &w->open_orders_new_lag_s, 3600); break;
    case SIM_SW_ALO_ACCT: r = get_bool(c, v, key, &w->alo_reject_on_account_stream); break;
    case SIM_SW_IP_RPS: r = sw_int(c, v, key, &w->ip_rps, 0, 1000000); break;
    case SIM_SW_IP_WS_MAX: r = sw_int(c, v, key, &w->ip_ws_max, 0, 100000); break;
    case SIM_SW_IP_WS_NEW: r = sw_int(c, v, key, &w->ip_ws_new_per_min, 0, 1000000); break;
    case SIM_SW_MARKET_HZ: r = sw_num(c, v, key, &w->market_hz, 1000); break;
    case SIM_SW_CLID_MAX: r = sw_int(c, v, key, &w->cl_ord_id_max, 1, SIM_CLID_MAX - 1); break;
    case SIM_SW_CLID_CHARSET: r = sw_enum(c, v, key, charset, 2, &cs); w->cl_ord_id_strict = cs == 1; break;
    case SIM_SW_CANCEL_RACE: r = sw_num(c, v, key, &w->cancel_race_s, 3600); break;
    default: r = sw_enum(c, v, key, syminfo, 3, &w->symbol_info_fields); break;
    }
    if (r == 0) w->set |= bit;
    return r;
}

static int sw_pair(pctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    sim_switches *w = arg;
    int r;
    if ((r = sw_live(c, key, v, w)) <= 0) return r;
    if (IS("auth_ack_code")) {
        if ((r = get_int(c, v, key, &w->auth_ack_code)) != 0) return r;
        if (w->auth_ack_code != 0 && w->auth_ack_code != 200) return perr(c, v, "auth_ack_code must be 0 or 200");
        return 0;
    }
    if (IS("list_status_new")) return get_bool(c, v, key, &w->list_status_new);
    int *ip = IS("max_conn_age_s") ? &w->max_conn_age_s : IS("ping_interval_s") ? &w->ping_interval_s
            : IS("pong_timeout_s") ? &w->pong_timeout_s : IS("sig_window_s") ? &w->sig_window_s : NULL;
    if (!ip) return perr(c, k, "unknown key '%s' in switches", key);
    if ((r = get_int(c, v, key, ip)) != 0) return r;
    if (*ip < 1) return perr(c, v, "%s must be >= 1", key);
    return 0;
}

static int rate_pair(pctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    sim_scenario *sc = arg;
    int *ip = IS("cost") ? &sc->rate_cost : IS("burst") ? &sc->rate_burst
            : IS("refill_per_s") ? &sc->rate_refill_per_s : NULL;
    if (!ip) return perr(c, k, "unknown key '%s' in rate_limit", key);
    if (get_int(c, v, key, ip) != 0) return -1;
    if (*ip < 1) return perr(c, v, "%s must be >= 1", key);
    return 0;
}

static int top_pair(pctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    sim_scenario *sc = arg;
    if (IS("name")) return get_str(c, v, key, sc->name, sizeof sc->name);
    if (IS("seed")) return get_u64(c, v, key, &sc->seed);
    if (IS("speed")) {
        if (get_double(c, v, key, &sc->speed) != 0) return -1;
        if (sc->speed <= 0 || sc->speed > 100000) return perr(c, v, "speed must be in (0, 100000]");
        return 0;
    }
    if (IS("start_balance")) {
        if (get_dec(c, v, key, &sc->start_balance) != 0) return -1;
        if (sc->start_balance < 0) return perr(c, v, "start_balance must be >= 0");
        return 0;
    }
    if (IS("symbols")) return each_pair(c, v, key, symbols_pair, NULL);
    if (IS("events")) return parse_events(c, v);
    if (IS("switches")) return each_pair(c, v, key, sw_pair, &sc->sw);
    if (IS("rate_limit")) return each_pair(c, v, key, rate_pair, sc);
    if (IS("profile")) {
        const char *p = scalar(c, v, key);
        if (!p) return -1;
        if (sim_profile_parse(p, &sc->profile) != 0) return perr(c, v, "profile must be ideal or live, not '%s'", p);
        return 0;
    }
    return perr(c, k, "unknown key '%s'", key);
}

static int ev_cmp(const void *a, const void *b)
{
    const sim_sched *x = a, *y = b;
    if (x->at != y->at) return x->at < y->at ? -1 : 1;
    return x->line - y->line;
}

/* Event symbols must name a configured symbol (checked after all keys). */
static int events_final(pctx *c)
{
    sim_scenario *sc = c->sc;
    for (int i = 0; i < sc->nevents; i++) {
        sim_sched *s = &sc->events[i];
        if (!s->symbol[0]) continue;
        int ok = 0;
        for (int j = 0; j < sc->nsymbols; j++) ok |= !strcmp(sc->symbols[j].name, s->symbol);
        if (!ok) {
            if (c->err) snprintf(c->err, c->errlen, "%s:%d: unknown symbol '%s' in event", c->name, s->line, s->symbol);
            return -1;
        }
    }
    if (sc->nevents > 1) qsort(sc->events, (size_t)sc->nevents, sizeof *sc->events, ev_cmp);
    return 0;
}

static void stem(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strcspn(b, ".");
    if (n >= len) n = len - 1;
    memcpy(out, b, n);
    out[n] = 0;
}

int sim_scenario_load_str(const char *yaml, const char *name, sim_scenario *sc, char *err, size_t errlen)
{
    sim_scenario_defaults(sc);
    if (!name) name = "<scenario>";
    stem(name, sc->name, sizeof sc->name);
    yaml_parser_t p;
    yaml_document_t doc;
    pctx c = {.name = name, .doc = &doc, .sc = sc, .err = err, .errlen = errlen};
    if (!yaml_parser_initialize(&p)) {
        snprintf(err, errlen, "%s: cannot initialise YAML parser", name);
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)yaml, strlen(yaml));
    int rc = 0;
    if (!yaml_parser_load(&p, &doc)) {
        snprintf(err, errlen, "%s:%d:%d: YAML error: %s", name, (int)p.problem_mark.line + 1,
                 (int)p.problem_mark.column + 1, p.problem ? p.problem : "syntax error");
        yaml_parser_delete(&p);
        return -1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root) rc = each_pair(&c, root, "scenario", top_pair, sc);
    if (rc == 0) rc = events_final(&c);
    if (rc == 0) sim_scenario_set_profile(sc, sc->profile);
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    return rc;
}

int sim_scenario_load(const char *path, sim_scenario *sc, char *err, size_t errlen)
{
    sim_scenario_defaults(sc);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = cap < (1u << 24) ? realloc(buf, cap * 2) : NULL;
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        if (!r) break;
        n += r;
    }
    int ioerr = ferror(f);
    fclose(f);
    if (!buf || ioerr) {
        free(buf);
        snprintf(err, errlen, "%s: cannot read file (or larger than 16 MiB)", path);
        return -1;
    }
    buf[n] = 0;
    int rc = sim_scenario_load_str(buf, path, sc, err, errlen);
    free(buf);
    return rc;
}
