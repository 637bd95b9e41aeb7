/* rest — the StandX REST API of standx-sim (/api/...): public market data,
 * JWT-authenticated account queries, and signed order entry (bearer JWT +
 * ed25519 body signature, shared/standx-protocol.md §2.5, §4).  Also the JSON
 * shapes of orders, trades, positions, balances and market data that the
 * WebSocket streams reuse.  Order entry runs the engine synchronously (so
 * validation errors are HTTP 400) but the resulting stream frames go out on
 * the next loop turn, after the HTTP reply. */
#include "sim_net.h"

#include "clock.h"
#include "codec.h"
#include "sign.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LIST_MAX 1200

/* ---- JSON helpers ------------------------------------------------------ */

json_t *sim_dec_json(dec_t v)
{
    char b[40];
    return json_string(dec_str(v, b, sizeof b));
}

static json_t *px_json(const sim_symbol *sy, dec_t v)
{
    char b[40];
    return json_string(sy ? sim_fmt_price(sy, v, b, sizeof b) : dec_str(v, b, sizeof b));
}

static json_t *qty_json(const sim_symbol *sy, dec_t v)
{
    char b[40];
    return json_string(sy ? sim_fmt_qty(sy, v, b, sizeof b) : dec_str(v, b, sizeof b));
}

static json_t *time_json(int64_t us)
{
    char b[64];
    return json_string(clock_fmt_rfc3339(us, b, sizeof b));
}

static json_t *user_json(const char *account)
{
    char b[SIM_ACCT_MAX + 8];
    snprintf(b, sizeof b, "bsc_%s", account);
    return json_string(b);
}

static json_t *list_json(json_t *arr)
{
    return json_pack("{s:i,s:s,s:I,s:I,s:o}", "code", 0, "message", "success", "page_size",
                     (json_int_t)json_array_size(arr), "total", (json_int_t)json_array_size(arr),
                     "result", arr);
}

json_t *sim_json_order(struct sim_srv *s, const sim_order *o, bool in_list)
{
    const sim_symbol *sy = sim_symbol_get(s->eng, o->symbol);
    const char *st = sim_status_str(o->status);
    if (in_list && o->status == SIM_OPEN && s->sc.sw.list_status_new) st = "new";
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(o->id));
    json_object_set_new(j, "cl_ord_id", json_string(o->cl_ord_id));
    json_object_set_new(j, "symbol", json_string(o->symbol));
    json_object_set_new(j, "side", json_string(sim_side_str(o->side)));
    json_object_set_new(j, "order_type", json_string(sim_otype_str(o->type)));
    json_object_set_new(j, "time_in_force", json_string(sim_tif_str(o->tif)));
    json_object_set_new(j, "reduce_only", json_boolean(o->reduce_only));
    json_object_set_new(j, "price", px_json(sy, o->price));
    json_object_set_new(j, "qty", qty_json(sy, o->qty));
    json_object_set_new(j, "fill_qty", qty_json(sy, o->fill_qty));
    json_object_set_new(j, "fill_avg_price", sim_dec_json(o->fill_avg_price));
    json_object_set_new(j, "status", json_string(st));
    json_object_set_new(j, "leverage", json_sprintf("%d", o->leverage));
    json_object_set_new(j, "margin", sim_dec_json(o->margin));
    json_object_set_new(j, "avail_locked", sim_dec_json(o->avail_locked));
    json_object_set_new(j, "position_id", json_integer(o->position_id));
    json_object_set_new(j, "liq_id", json_integer(0));
    json_object_set_new(j, "source", json_string("user"));
    json_object_set_new(j, "remark", json_string(o->reason));
    json_object_set_new(j, "payload", json_null());
    json_object_set_new(j, "created_block", json_integer(-1));
    json_object_set_new(j, "closed_block", json_integer(-1));
    json_object_set_new(j, "created_at", time_json(o->created_us));
    json_object_set_new(j, "updated_at", time_json(o->updated_us));
    json_object_set_new(j, "user", user_json(o->account));
    return j;
}

json_t *sim_json_trade(struct sim_srv *s, const sim_trade *t, bool rest)
{
    const sim_symbol *sy = sim_symbol_get(s->eng, t->symbol);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(t->id));
    json_object_set_new(j, "order_id", json_integer(t->order_id));
    json_object_set_new(j, "symbol", json_string(t->symbol));
    json_object_set_new(j, "side", json_string(sim_side_str(t->side)));
    json_object_set_new(j, "price", px_json(sy, t->price));
    json_object_set_new(j, "qty", qty_json(sy, t->qty));
    json_object_set_new(j, "created_at", time_json(t->time_us));
    if (rest) {
        json_object_set_new(j, "value", sim_dec_json(t->value));
        json_object_set_new(j, "fee_asset", json_string("DUSD"));
        json_object_set_new(j, "fee_qty", sim_dec_json(t->fee));
        json_object_set_new(j, "pnl", sim_dec_json(t->pnl));
        json_object_set_new(j, "updated_at", time_json(t->time_us));
        json_object_set_new(j, "user", user_json(t->account));
    }
    return j;
}

json_t *sim_json_position(struct sim_srv *s, const sim_position *p, bool rest)
{
    const sim_symbol *sy = sim_symbol_get(s->eng, p->symbol);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(p->id));
    json_object_set_new(j, "symbol", json_string(p->symbol));
    json_object_set_new(j, "status", json_string(p->open ? "open" : "closed"));
    json_object_set_new(j, "qty", qty_json(sy, p->qty));
    json_object_set_new(j, "entry_price", sim_dec_json(p->entry_price));
    json_object_set_new(j, "entry_value", sim_dec_json(p->entry_value));
    json_object_set_new(j, "initial_margin", sim_dec_json(p->initial_margin));
    json_object_set_new(j, "leverage", json_sprintf("%d", p->leverage));
    json_object_set_new(j, "margin_mode", json_string(p->margin_mode ? p->margin_mode : "cross"));
    json_object_set_new(j, "margin_asset", json_string("DUSD"));
    json_object_set_new(j, "realized_pnl", sim_dec_json(p->realized_pnl));
    json_object_set_new(j, "created_at", time_json(p->created_us));
    json_object_set_new(j, "updated_at", time_json(p->updated_us));
    json_object_set_new(j, "user", user_json(p->account));
    if (rest) {
        json_object_set_new(j, "mark_price", px_json(sy, p->mark_price));
        json_object_set_new(j, "position_value", sim_dec_json(p->position_value));
        json_object_set_new(j, "upnl", sim_dec_json(p->upnl));
        json_object_set_new(j, "holding_margin", sim_dec_json(p->initial_margin));
        json_object_set_new(j, "required_margin", sim_dec_json(p->initial_margin));
        json_object_set_new(j, "time", time_json(p->updated_us));
    }
    return j;
}

json_t *sim_json_balance_ws(const sim_balance *b)
{
    json_t *j = json_object(), *u = user_json(b->account);
    json_object_set_new(j, "account_type", json_string("perps"));
    json_object_set_new(j, "token", json_string("DUSD"));
    json_object_set(j, "id", u);
    json_object_set(j, "wallet_id", u);
    json_decref(u);
    json_object_set_new(j, "kind", json_string("user"));
    json_object_set_new(j, "free", sim_dec_json(b->available));
    json_object_set_new(j, "locked", sim_dec_json(b->locked));
    json_object_set_new(j, "occupied", sim_dec_json(b->margin));
    json_object_set_new(j, "total", sim_dec_json(b->balance));
    json_object_set_new(j, "inbound", json_string("0"));
    json_object_set_new(j, "outbound", json_string("0"));
    json_object_set_new(j, "is_enabled", json_true());
    json_object_set_new(j, "last_tx", json_string(""));
    json_object_set_new(j, "last_tx_updated_at", json_integer(0));
    json_object_set_new(j, "ref_id", json_integer(0));
    json_object_set_new(j, "version", json_integer(0));
    json_object_set_new(j, "created_at", time_json(b->updated_us));
    json_object_set_new(j, "updated_at", time_json(b->updated_us));
    return j;
}

static json_t *balance_rest(const sim_balance *b)
{
    json_t *j = json_object();
    json_object_set_new(j, "balance", sim_dec_json(b->balance));
    json_object_set_new(j, "equity", sim_dec_json(b->equity));
    json_object_set_new(j, "upnl", sim_dec_json(b->upnl));
    json_object_set_new(j, "cross_balance", sim_dec_json(b->balance));
    json_object_set_new(j, "cross_margin", sim_dec_json(b->margin));
    json_object_set_new(j, "cross_upnl", sim_dec_json(b->upnl));
    json_object_set_new(j, "cross_available", sim_dec_json(b->available));
    json_object_set_new(j, "isolated_balance", json_string("0"));
    json_object_set_new(j, "isolated_upnl", json_string("0"));
    json_object_set_new(j, "locked", sim_dec_json(b->locked));
    json_object_set_new(j, "pnl_freeze", sim_dec_json(b->realized_pnl));
    json_object_set_new(j, "pnl_24h", sim_dec_json(b->realized_pnl));
    return j;
}

/* Price object: stream form has spread [bid, ask]; flat (REST) has
 * spread_bid / spread_ask.  Missing values are null. */
json_t *sim_json_price(struct sim_srv *s, const sim_price *p, bool flat)
{
    const sim_symbol *sy = sim_symbol_get(s->eng, p->symbol);
    json_t *j = json_object();
    json_object_set_new(j, "symbol", json_string(p->symbol));
    json_object_set_new(j, "base", json_string(sy ? sy->base : ""));
    json_object_set_new(j, "quote", json_string(sy ? sy->quote : "DUSD"));
    json_object_set_new(j, "mark_price", px_json(sy, p->mark));
    json_object_set_new(j, "index_price", sim_dec_json(p->index));
    json_object_set_new(j, "last_price", p->last ? px_json(sy, p->last) : json_null());
    json_object_set_new(j, "mid_price", p->mid ? px_json(sy, p->mid) : json_null());
    json_t *bid = p->best_bid ? px_json(sy, p->best_bid) : json_null();
    json_t *ask = p->best_ask ? px_json(sy, p->best_ask) : json_null();
    if (flat) {
        json_object_set_new(j, "spread_bid", bid);
        json_object_set_new(j, "spread_ask", ask);
    } else {
        json_object_set_new(j, "spread", json_pack("[o,o]", bid, ask));
    }
    json_object_set_new(j, "time", time_json(p->time_us));
    return j;
}

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13; *x ^= *x >> 7; *x ^= *x << 17;
    return *x;
}

static json_t *levels_json(struct sim_srv *s, const sim_symbol *sy, const sim_level *l, int n,
                           bool shuffle)
{
    int idx[SIM_DEPTH_MAX];
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = n - 1; shuffle && i > 0; i--) {
        int k = (int)(rng_next(&s->rng) % (uint64_t)(i + 1)), t = idx[i];
        idx[i] = idx[k]; idx[k] = t;
    }
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("[o,o]", px_json(sy, l[idx[i]].price),
                                           qty_json(sy, l[idx[i]].qty)));
    return a;
}

json_t *sim_json_depth(struct sim_srv *s, const sim_depth *d, bool shuffle)
{
    const sim_symbol *sy = sim_symbol_get(s->eng, d->symbol);
    if (sy && sy->cfg.depth_step > sy->tick) {   /* live: coarser levels */
        sim_depth *agg = malloc(sizeof *agg);
        if (!agg) return json_object();
        *agg = *d;
        sim_depth_live(s, agg);
        json_t *j = json_pack("{s:s,s:o,s:o}", "symbol", d->symbol, "asks",
                              levels_json(s, sy, agg->asks, agg->nasks, shuffle), "bids",
                              levels_json(s, sy, agg->bids, agg->nbids, shuffle));
        free(agg);
        return j;
    }
    int na = d->nasks < SIM_DEPTH_MAX ? d->nasks : SIM_DEPTH_MAX;
    int nb = d->nbids < SIM_DEPTH_MAX ? d->nbids : SIM_DEPTH_MAX;
    return json_pack("{s:s,s:o,s:o}", "symbol", d->symbol, "asks",
                     levels_json(s, sy, d->asks, na, shuffle), "bids",
                     levels_json(s, sy, d->bids, nb, shuffle));
}

json_t *sim_json_ptrade(struct sim_srv *s, const sim_public_trade *t)
{
    const sim_symbol *sy = sim_symbol_get(s->eng, t->symbol);
    return json_pack("{s:I,s:s,s:o,s:o,s:s,s:I}", "id", (json_int_t)t->id, "symbol", t->symbol,
                     "price", px_json(sy, t->price), "qty", qty_json(sy, t->qty), "side",
                     sim_side_str(t->side), "time", (json_int_t)(t->time_us / 1000));
}

static json_t *symbol_info(const struct sim_srv *srv, const sim_symbol *sy)
{
    const sim_symbol_cfg *c = &sy->cfg;
    char ratio[32];
    snprintf(ratio, sizeof ratio, "%g", sy->price_cap_ratio);
    json_t *j = json_object();
    json_object_set_new(j, "symbol", json_string(c->name));
    json_object_set_new(j, "base_asset", json_string(sy->base));
    json_object_set_new(j, "quote_asset", json_string(sy->quote));
    json_object_set_new(j, "base_decimals", json_integer(9));
    json_object_set_new(j, "quote_decimals", json_integer(9));
    json_object_set_new(j, "price_tick_decimals", json_integer(c->price_decimals));
    json_object_set_new(j, "qty_tick_decimals", json_integer(c->qty_decimals));
    json_object_set_new(j, "min_order_qty", sim_dec_json(c->min_qty));
    json_object_set_new(j, "max_order_qty", sim_dec_json(c->max_qty));
    json_object_set_new(j, "max_position_size", sim_dec_json(sy->max_position));
    json_object_set_new(j, "max_open_orders", json_sprintf("%d", c->max_open_orders));
    json_object_set_new(j, "def_leverage", json_sprintf("%d", c->def_leverage));
    json_object_set_new(j, "max_leverage", json_sprintf("%d", c->max_leverage));
    json_object_set_new(j, "maker_fee", sim_dec_json(c->maker_fee));
    json_object_set_new(j, "taker_fee", sim_dec_json(c->taker_fee));
    json_object_set_new(j, "depth_ticks", json_string("0.01,0.1,1"));
    json_object_set_new(j, "price_cap_ratio", json_string(ratio));
    json_object_set_new(j, "price_floor_ratio", json_string(ratio));
    sim_symbol_info_state(srv, j, sy->status);
    json_object_set_new(j, "created_at", time_json(sy->created_us));
    json_object_set_new(j, "updated_at", time_json(sy->created_us));
    return j;
}

/* ---- public endpoints ---------------------------------------------------- */

/* The `symbol` parameter, required and known; else replies 400 and returns NULL. */
static const sim_symbol *want_symbol(struct sim_conn *c, struct sim_req *r, char *sym, size_t cap)
{
    if (!sim_req_param(r, "symbol", sym, cap) || !sym[0]) {
        sim_http_error(c, r, 400, "symbol is required");
        return NULL;
    }
    const sim_symbol *sy = sim_symbol_get(c->srv->eng, sym);
    if (!sy) sim_http_error(c, r, 400, "unknown symbol");
    return sy;
}

static void get_symbol_info(struct sim_conn *c, struct sim_req *r)
{
    char sym[64];
    sim_engine *e = c->srv->eng;
    json_t *a = json_array();
    bool one = sim_req_param(r, "symbol", sym, sizeof sym) && sym[0];
    for (int i = 0; i < sim_symbol_count(e); i++) {
        const sim_symbol *sy = sim_symbol_at(e, i);
        if (!one || !strcmp(sy->cfg.name, sym)) json_array_append_new(a, symbol_info(c->srv, sy));
    }
    sim_http_json(c, r, 200, a);
}

static void get_symbol_price(struct sim_conn *c, struct sim_req *r)
{
    char sym[64];
    sim_price p;
    if (!want_symbol(c, r, sym, sizeof sym)) return;
    sim_price_get(c->srv->eng, sym, &p);
    sim_http_json(c, r, 200, sim_json_price(c->srv, &p, true));
}

static void get_depth(struct sim_conn *c, struct sim_req *r)
{
    char sym[64];
    if (!want_symbol(c, r, sym, sizeof sym)) return;
    sim_depth *d = malloc(sizeof *d);
    if (!d) { sim_http_error(c, r, 500, "out of memory"); return; }
    sim_depth_get(c->srv->eng, sym, d);
    sim_http_json(c, r, 200, sim_json_depth(c->srv, d, true));
    free(d);
}

static void get_symbol_market(struct sim_conn *c, struct sim_req *r)
{
    char sym[64];
    sim_summary m;
    if (!want_symbol(c, r, sym, sizeof sym)) return;
    sim_summary_get(c->srv->eng, sym, &m);
    json_t *j = sim_json_price(c->srv, &m.px, false);
    json_object_set_new(j, "high_price_24h", sim_dec_json(m.high_24h));
    json_object_set_new(j, "low_price_24h", sim_dec_json(m.low_24h));
    json_object_set_new(j, "volume_24h", sim_dec_json(m.volume_24h));
    json_object_set_new(j, "open_interest", sim_dec_json(m.open_interest));
    json_object_set_new(j, "funding_rate", sim_dec_json(m.funding_rate));
    json_object_set_new(j, "next_funding_time", time_json(m.next_funding_us));
    sim_http_json(c, r, 200, j);
}

static void get_recent_trades(struct sim_conn *c, struct sim_req *r)
{
    char sym[64];
    sim_public_trade t[100];
    if (!want_symbol(c, r, sym, sizeof sym)) return;
    size_t n = sim_recent_trades(c->srv->eng, sym, t, 100);
    const sim_symbol *sy = sim_symbol_get(c->srv->eng, sym);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:b,s:o,s:o,s:o,s:s,s:o}", "is_buyer_taker",
                                           t[i].side == SIM_BUY, "price", px_json(sy, t[i].price),
                                           "qty", qty_json(sy, t[i].qty), "quote_qty",
                                           sim_dec_json(dec_mul(t[i].price, t[i].qty)), "symbol",
                                           sym, "time", time_json(t[i].time_us)));
    sim_http_json(c, r, 200, a);
}

/* ---- auth and signatures ------------------------------------------------- */

int sim_rest_auth(struct sim_conn *c, struct sim_req *r, char *addr, size_t cap, uint8_t pk[32])
{
    const char *h = sim_req_header(r, "authorization");
    if (!h || strncasecmp(h, "Bearer ", 7)) {
        sim_http_error(c, r, 401, "missing bearer token");
        return -1;
    }
    int rc = sim_jwt_verify(c->srv->o.secret, h + 7, sim_now_ms() / 1000, addr, cap, pk);
    if (rc == 0 && sim_token_revoked(c->srv, h + 7, addr)) rc = -2;
    if (rc == 0) return 0;
    sim_http_error(c, r, 401, rc == -3 ? "token expired" : "invalid token");
    return -1;
}

int sim_check_sig(struct sim_srv *s, const uint8_t pk[32], const char *ver, const char *rid,
                  const char *ts, const char *sig, const char *body, size_t len, char *msg,
                  size_t cap)
{
    if (ver && strcmp(ver, "v1")) { snprintf(msg, cap, "unsupported signature version"); return 403; }
    if (!rid || !rid[0] || !ts || !sig) { snprintf(msg, cap, "missing request signature"); return 403; }
    char *e = NULL;
    long long t = strtoll(ts, &e, 10);
    if (e == ts || *e) { snprintf(msg, cap, "invalid x-request-timestamp"); return 403; }
    long long d = (long long)sim_now_ms() - t;
    if (d > s->o.sig_window_ms || d < -s->o.sig_window_ms) {
        snprintf(msg, cap, "signature has expired");
        return 403;
    }
    int rc = sign_verify(pk, rid, ts, body, len, sig);
    if (rc == 0) return 0;
    snprintf(msg, cap, rc == -1 ? "invalid signature encoding" : "invalid signature");
    return 403;
}

/* ---- order entry (shared with ws-api) ---------------------------------- */

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) return NULL;
    return json_is_string(v) ? json_string_value(v) : "<not a string>";
}

int sim_cmd_new(struct sim_srv *s, const char *addr, const char *payload, sim_order *out,
                char *msg, size_t cap)
{
    json_t *j = json_loads(payload, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(msg, cap, "invalid json body");
        return 400;
    }
    json_t *ro = json_object_get(j, "reduce_only");
    if (ro && !json_is_boolean(ro)) {
        json_decref(j);
        snprintf(msg, cap, "invalid reduce_only");
        return 400;
    }
    sim_order_req q = {
        .symbol = jstr(j, "symbol"), .side = jstr(j, "side"), .order_type = jstr(j, "order_type"),
        .time_in_force = jstr(j, "time_in_force"), .qty = jstr(j, "qty"), .price = jstr(j, "price"),
        .reduce_only = json_is_true(ro), .cl_ord_id = jstr(j, "cl_ord_id"),
    };
    int rc = sim_order_new(s->eng, addr, &q, sim_eng_us(s), out, msg, cap);
    json_decref(j);
    sim_srv_kick(s);
    if (rc != 0) return 400;
    snprintf(msg, cap, "%s", out->status == SIM_REJECTED ? out->reason : "success");
    return 0;
}

int sim_cmd_cancel(struct sim_srv *s, const char *addr, const char *payload, sim_order *out,
                   char *msg, size_t cap)
{
    json_t *j = json_loads(payload, 0, NULL);
    json_t *id = json_object_get(j, "order_id");
    const char *cl = jstr(j, "cl_ord_id");
    int rc = 400;
    if (!json_is_object(j)) snprintf(msg, cap, "invalid json body");
    else if (id && !json_is_integer(id)) snprintf(msg, cap, "invalid order_id");
    else if (!id && !cl) snprintf(msg, cap, "order_id or cl_ord_id is required");
    else if (sim_order_cancel(s->eng, addr, id ? json_integer_value(id) : 0, cl, sim_eng_us(s),
                              out, msg, cap) == 0) {
        snprintf(msg, cap, "success");
        rc = 0;
    }
    json_decref(j);
    sim_srv_kick(s);
    return rc;
}

static void reply_ok(struct sim_conn *c, struct sim_req *r, const char *request_id)
{
    sim_http_json(c, r, 200, json_pack("{s:i,s:s,s:s}", "code", 0, "message", "success",
                                       "request_id", request_id));
}

/* Result frame for the ws-api connection named by x-session-id. */
static void push_session(struct sim_conn *c, struct sim_req *r, int code, const char *msg,
                         const char *request_id)
{
    const char *sid = sim_req_header(r, "x-session-id");
    if (sid && sid[0])
        sim_srv_push(c->srv, 0, sid, json_pack("{s:i,s:s,s:s}", "code", code, "message", msg,
                                               "request_id", request_id));
}

static void post_new_order(struct sim_conn *c, struct sim_req *r, const char *addr, const char *rid)
{
    sim_order o;
    char msg[SIM_REASON_MAX + 32];
    int rc = sim_cmd_new(c->srv, addr, r->body, &o, msg, sizeof msg);
    if (rc) { sim_http_error(c, r, rc, msg); return; }
    if (c->srv->f.drop_after_process > 0) {   /* fault: the order exists, the reply is lost */
        c->srv->f.drop_after_process--;
        sim_srv_log(c->srv, "close", c, "fault drop_after_process", r->body, r->body_len);
        sim_conn_kill(c);
    } else {
        reply_ok(c, r, rid);
    }
    push_session(c, r, o.status == SIM_REJECTED ? 400 : 0, msg, rid);
}

static void post_cancel(struct sim_conn *c, struct sim_req *r, const char *addr, const char *rid)
{
    sim_order o;
    char msg[SIM_REASON_MAX + 32];
    int rc = sim_cmd_cancel(c->srv, addr, r->body, &o, msg, sizeof msg);
    if (rc) { sim_http_error(c, r, rc, msg); return; }
    reply_ok(c, r, rid);
    push_session(c, r, 0, msg, rid);
}

static void post_cancel_orders(struct sim_conn *c, struct sim_req *r, const char *addr)
{
    json_t *j = json_loads(r->body, 0, NULL);
    json_t *ids = json_object_get(j, "order_id_list"), *cls = json_object_get(j, "cl_ord_id_list");
    if (!json_is_array(ids) && !json_is_array(cls)) {
        json_decref(j);
        sim_http_error(c, r, 400, "order_id_list or cl_ord_id_list is required");
        return;
    }
    char msg[SIM_REASON_MAX];
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
        if (json_is_integer(v))
            sim_order_cancel(c->srv->eng, addr, json_integer_value(v), NULL, sim_eng_us(c->srv), NULL,
                             msg, sizeof msg);
    json_array_foreach(cls, i, v)
        if (json_is_string(v))
            sim_order_cancel(c->srv->eng, addr, 0, json_string_value(v), sim_eng_us(c->srv), NULL,
                             msg, sizeof msg);
    json_decref(j);
    sim_srv_kick(c->srv);
    sim_http_reply(c, r, 200, "application/json", "[]", 2);
}

static void post_leverage(struct sim_conn *c, struct sim_req *r, const char *addr, const char *rid,
                          bool mode)
{
    json_t *j = json_loads(r->body, 0, NULL);
    const char *sym = jstr(j, "symbol");
    char err[SIM_REASON_MAX] = "invalid json body";
    int rc = -1;
    if (json_is_object(j) && mode)
        rc = sim_set_margin_mode(c->srv->eng, addr, sym ? sym : "", jstr(j, "margin_mode") ?
                                 jstr(j, "margin_mode") : "", err, sizeof err);
    else if (json_is_object(j))
        rc = sim_set_leverage(c->srv->eng, addr, sym ? sym : "",
                              (int)json_integer_value(json_object_get(j, "leverage")), err,
                              sizeof err);
    json_decref(j);
    if (rc) sim_http_error(c, r, 400, err);
    else reply_ok(c, r, rid);
}

/* ---- account queries ------------------------------------------------------ */

static size_t limit_param(struct sim_req *r, size_t def, size_t max)
{
    char b[32];
    if (!sim_req_param(r, "limit", b, sizeof b)) return def;
    long v = strtol(b, NULL, 10);
    return v <= 0 ? def : (size_t)v > max ? max : (size_t)v;
}

static void get_orders_list(struct sim_conn *c, struct sim_req *r, const char *addr, bool open)
{
    char sym[64] = "", status[32] = "";
    sim_req_param(r, "symbol", sym, sizeof sym);
    sim_req_param(r, "status", status, sizeof status);
    size_t lim = limit_param(r, open ? 500 : 100, open ? 1200 : 500);
    sim_order *o = malloc(sizeof *o * lim);
    if (!o) { sim_http_error(c, r, 500, "out of memory"); return; }
    struct sim_srv *s = c->srv;
    size_t n = !open ? sim_orders_history(s->eng, addr, sym, o, lim)
                     : sim_open_orders_now(s, addr, sym, o, lim);
    if (n > lim) n = lim;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        if (!status[0] || !strcmp(status, sim_status_str(o[i].status)))
            json_array_append_new(a, sim_json_order(s, &o[i], true));
    free(o);
    sim_http_json(c, r, 200, list_json(a));
}

static void get_order(struct sim_conn *c, struct sim_req *r, const char *addr)
{
    char id[32] = "", cl[SIM_CLID_MAX + 8] = "";
    sim_req_param(r, "order_id", id, sizeof id);
    sim_req_param(r, "cl_ord_id", cl, sizeof cl);
    if (!id[0] && !cl[0]) { sim_http_error(c, r, 400, "order_id or cl_ord_id is required"); return; }
    sim_order o;
    if (sim_order_find(c->srv->eng, addr, id[0] ? strtoll(id, NULL, 10) : 0, cl, &o) != 0) {
        sim_http_error(c, r, 400, "order not found");
        return;
    }
    sim_http_json(c, r, 200, sim_json_order(c->srv, &o, false));
}

static void get_trades(struct sim_conn *c, struct sim_req *r, const char *addr)
{
    char sym[64] = "";
    sim_req_param(r, "symbol", sym, sizeof sym);
    size_t lim = limit_param(r, 100, 500);
    sim_trade *t = malloc(sizeof *t * lim);
    if (!t) { sim_http_error(c, r, 500, "out of memory"); return; }
    size_t n = sim_trades_history(c->srv->eng, addr, sym, t, lim);
    if (n > lim) n = lim;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, sim_json_trade(c->srv, &t[i], true));
    free(t);
    sim_http_json(c, r, 200, list_json(a));
}

static void get_positions(struct sim_conn *c, struct sim_req *r, const char *addr)
{
    char sym[64] = "";
    sim_position p[SIM_MAX_SYMBOLS];
    sim_req_param(r, "symbol", sym, sizeof sym);
    size_t n = sim_positions(c->srv->eng, addr, sym, p, SIM_MAX_SYMBOLS);
    if (n > SIM_MAX_SYMBOLS) n = SIM_MAX_SYMBOLS;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, sim_json_position(c->srv, &p[i], true));
    sim_http_json(c, r, 200, a);
}

static void get_balance(struct sim_conn *c, struct sim_req *r, const char *addr)
{
    sim_balance b;
    if (sim_unfunded(c->srv, addr)) { sim_http_error(c, r, 404, "user balance not found"); return; }
    if (sim_balance_get(c->srv->eng, addr, &b) != 0) { sim_http_error(c, r, 500, "out of memory"); return; }
    sim_http_json(c, r, 200, balance_rest(&b));
}

static void get_position_config(struct sim_conn *c, struct sim_req *r, const char *addr)
{
    char sym[64];
    int lev = 0;
    const char *mode = "cross";
    if (!want_symbol(c, r, sym, sizeof sym)) return;
    sim_get_leverage(c->srv->eng, addr, sym, &lev, &mode);
    sim_http_json(c, r, 200, json_pack("{s:s,s:i,s:s}", "symbol", sym, "leverage", lev,
                                       "margin_mode", mode ? mode : "cross"));
}

/* ---- routing ------------------------------------------------------------- */

enum ep_kind { EP_PUBLIC, EP_PRIVATE, EP_SIGNED };
struct endpoint { const char *name; enum ep_kind kind; int id; };
enum { E_HEALTH, E_INFO, E_PRICE, E_DEPTH, E_MARKET, E_RECENT, E_ORDER, E_OPEN, E_ORDERS, E_TRADES,
       E_POS, E_BAL, E_POSCFG, E_NEW, E_CANCEL, E_CANCELS, E_LEV, E_MODE };
static const struct endpoint endpoints[] = {
    {"health", EP_PUBLIC, E_HEALTH}, {"query_symbol_info", EP_PUBLIC, E_INFO},
    {"query_symbol_price", EP_PUBLIC, E_PRICE}, {"query_depth_book", EP_PUBLIC, E_DEPTH},
    {"query_symbol_market", EP_PUBLIC, E_MARKET}, {"query_recent_trades", EP_PUBLIC, E_RECENT},
    {"query_order", EP_PRIVATE, E_ORDER}, {"query_open_orders", EP_PRIVATE, E_OPEN},
    {"query_orders", EP_PRIVATE, E_ORDERS}, {"query_trades", EP_PRIVATE, E_TRADES},
    {"query_positions", EP_PRIVATE, E_POS}, {"query_balance", EP_PRIVATE, E_BAL},
    {"query_position_config", EP_PRIVATE, E_POSCFG}, {"new_order", EP_SIGNED, E_NEW},
    {"cancel_order", EP_SIGNED, E_CANCEL}, {"cancel_orders", EP_SIGNED, E_CANCELS},
    {"change_leverage", EP_SIGNED, E_LEV}, {"change_margin_mode", EP_SIGNED, E_MODE},
};

static void run_public(struct sim_conn *c, struct sim_req *r, int id)
{
    switch (id) {
    case E_HEALTH: sim_http_reply(c, r, 200, "text/plain", "OK", 2); break;
    case E_INFO: get_symbol_info(c, r); break;
    case E_PRICE: get_symbol_price(c, r); break;
    case E_DEPTH: get_depth(c, r); break;
    case E_MARKET: get_symbol_market(c, r); break;
    case E_RECENT: get_recent_trades(c, r); break;
    }
}

static void run_private(struct sim_conn *c, struct sim_req *r, int id, const char *addr,
                        const char *rid)
{
    switch (id) {
    case E_ORDER: get_order(c, r, addr); break;
    case E_OPEN: get_orders_list(c, r, addr, true); break;
    case E_ORDERS: get_orders_list(c, r, addr, false); break;
    case E_TRADES: get_trades(c, r, addr); break;
    case E_POS: get_positions(c, r, addr); break;
    case E_BAL: get_balance(c, r, addr); break;
    case E_POSCFG: get_position_config(c, r, addr); break;
    case E_NEW: post_new_order(c, r, addr, rid); break;
    case E_CANCEL: post_cancel(c, r, addr, rid); break;
    case E_CANCELS: post_cancel_orders(c, r, addr); break;
    case E_LEV: post_leverage(c, r, addr, rid, false); break;
    case E_MODE: post_leverage(c, r, addr, rid, true); break;
    }
}

/* Injected http_error fault: true if this request got the error. */
static bool injected_error(struct sim_conn *c, struct sim_req *r)
{
    struct sim_faults *f = &c->srv->f;
    bool on = f->http_error_count > 0 || (f->http_error_until_ms && sim_now_ms() < f->http_error_until_ms);
    if (!on) return false;
    if (f->http_error_count > 0) f->http_error_count--;
    sim_http_error(c, r, f->http_error_status ? f->http_error_status : 503, "injected error");
    return true;
}

void sim_rest_handle(struct sim_conn *c, struct sim_req *r)
{
    struct sim_srv *s = c->srv;
    const struct endpoint *ep = NULL;
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
        if (!strcmp(r->path + 5, endpoints[i].name)) ep = &endpoints[i];
    if (!ep) { sim_http_error(c, r, 404, "not found"); return; }
    bool post = ep->kind == EP_SIGNED;
    if (strcmp(r->method, post ? "POST" : "GET")) {
        sim_http_error(c, r, 405, post ? "use POST" : "use GET");
        return;
    }
    if (!sim_ip_take_request(s, c->peer)) {
        s->cnt.rate_limited++;
        sim_http_error(c, r, 429, "rate limited");
        return;
    }
    if (ep->id != E_HEALTH && injected_error(c, r)) return;
    if (ep->kind == EP_PUBLIC) { run_public(c, r, ep->id); return; }
    char addr[SIM_ACCT_MAX];
    uint8_t pk[32];
    if (sim_rest_auth(c, r, addr, sizeof addr, pk) != 0) return;
    sim_srv_log_acct(s, c, addr, sim_req_header(r, "x-request-id"));
    if (sim_now_ms() < s->f.rate_limit_until_ms || !sim_rate_take(s->eng, addr, sim_eng_us(s))) {
        s->cnt.rate_limited++;
        sim_http_error(c, r, 429, "rate limited");
        return;
    }
    const char *rid = sim_req_header(r, "x-request-id");
    if (post) {
        char msg[128];
        const char *ver = sim_req_header(r, "x-request-sign-version");
        if (!ver) ver = sim_req_header(r, "x-request-version");
        int st = sim_check_sig(s, pk, ver, rid, sim_req_header(r, "x-request-timestamp"),
                               sim_req_header(r, "x-request-signature"), r->body, r->body_len,
                               msg, sizeof msg);
        if (st) { sim_http_error(c, r, st, msg); return; }
    }
    char gen[37];
    if (!rid || !rid[0]) { sign_uuid4(gen); rid = gen; }
    run_private(c, r, ep->id, addr, rid);
}
