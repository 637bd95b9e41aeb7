/* admin — the test-only control API of standx-sim under /_sim/ (loopback
 * peers only, checked by server.c): GET /_sim/state (market, accounts, live
 * orders, counters, connection counts, profile), POST /_sim/mark,
 * /_sim/fault, /_sim/fill, /_sim/revoke (server-side token revocation),
 * /_sim/switches (live-quirk switches at run time) and /_sim/flood
 * (market-data frames back to back, for the benchmark).  Not part of the
 * StandX protocol. */
#include "sim_net.h"

#include "clock.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static json_t *px(struct sim_srv *s, const char *sym, dec_t v)
{
    char b[40];
    const sim_symbol *sy = sim_symbol_get(s->eng, sym);
    if (!v) return json_null();
    return json_string(sy ? sim_fmt_price(sy, v, b, sizeof b) : dec_str(v, b, sizeof b));
}

static json_t *symbols_state(struct sim_srv *s)
{
    json_t *o = json_object();
    for (int i = 0; i < sim_symbol_count(s->eng); i++) {
        const char *name = sim_symbol_at(s->eng, i)->cfg.name;
        sim_price p;
        if (sim_price_get(s->eng, name, &p) != 0) continue;
        json_object_set_new(o, name, json_pack("{s:o,s:o,s:o}", "mark", px(s, name, p.mark),
                                               "best_bid", px(s, name, p.best_bid), "best_ask",
                                               px(s, name, p.best_ask)));
    }
    return o;
}

static json_t *account_state(struct sim_srv *s, const char *acct, sim_order *buf, size_t max)
{
    sim_balance b;
    sim_position pos[SIM_MAX_SYMBOLS];
    json_t *ps = json_array(), *os = json_array();
    sim_balance_get(s->eng, acct, &b);
    size_t n = sim_positions(s->eng, acct, NULL, pos, SIM_MAX_SYMBOLS);
    for (size_t i = 0; i < n && i < SIM_MAX_SYMBOLS; i++) {
        const sim_symbol *sy = sim_symbol_get(s->eng, pos[i].symbol);
        char q[40];
        json_array_append_new(ps, json_pack("{s:s,s:s,s:o}", "symbol", pos[i].symbol, "qty",
                                            sy ? sim_fmt_qty(sy, pos[i].qty, q, sizeof q)
                                               : dec_str(pos[i].qty, q, sizeof q),
                                            "entry_price", sim_dec_json(pos[i].entry_price)));
    }
    n = sim_open_orders(s->eng, acct, NULL, buf, max);
    for (size_t i = 0; i < n && i < max; i++) {
        json_t *o = sim_json_order(s, &buf[i], false), *k = json_object();
        const char *keys[] = {"symbol", "side", "price", "qty", "fill_qty", "cl_ord_id", "id", "status"};
        for (size_t x = 0; x < sizeof keys / sizeof keys[0]; x++)
            json_object_set(k, keys[x], json_object_get(o, keys[x]));
        json_decref(o);
        json_array_append_new(os, k);
    }
    return json_pack("{s:o,s:o,s:o}", "balance", sim_dec_json(b.balance), "positions", ps,
                     "open_orders", os);
}

static void get_state(struct sim_conn *c, struct sim_req *r)
{
    struct sim_srv *s = c->srv;
    size_t max = 1200;
    sim_order *buf = malloc(sizeof *buf * max);
    if (!buf) { sim_http_error(c, r, 500, "out of memory"); return; }
    json_t *accts = json_object();
    for (size_t i = 0; i < sim_account_count(s->eng); i++) {
        const char *a = sim_account_name(s->eng, i);
        if (a) json_object_set_new(accts, a, account_state(s, a, buf, max));
    }
    free(buf);
    sim_stats st;
    sim_stats_get(s->eng, &st);
    json_t *cnt = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "requests", (json_int_t)s->cnt.requests,
                            "orders", (json_int_t)st.orders, "cancels", (json_int_t)st.cancels,
                            "rejects", (json_int_t)st.rejects, "fills", (json_int_t)st.fills,
                            "rate_limited", (json_int_t)s->cnt.rate_limited);
    json_t *conns = json_pack("{s:i,s:i,s:I}", "ws_stream", s->n_stream, "ws_api", s->n_api,
                              "ws_stream_total", (json_int_t)s->n_stream_total);
    json_t *j = json_pack("{s:I,s:f,s:o,s:o,s:o,s:o,s:s}", "time_ms", (json_int_t)sim_now_ms(),
                          "sim_time_s", sim_time_s(s->eng), "symbols", symbols_state(s),
                          "accounts", accts, "counters", cnt, "connections", conns, "profile",
                          sim_profile_str(s->sc.profile));
    sim_http_json(c, r, 200, j);
}

static void post_mark(struct sim_conn *c, struct sim_req *r, json_t *j)
{
    const char *sym = json_string_value(json_object_get(j, "symbol"));
    const char *m = json_string_value(json_object_get(j, "mark"));
    dec_t v;
    if (!sym || !m || dec_parse(m, &v) != 0 || v <= 0) {
        sim_http_error(c, r, 400, "need {\"symbol\":S,\"mark\":\"decimal string\"}");
        return;
    }
    if (sim_admin_set_mark(c->srv->eng, sym, v, sim_eng_us(c->srv)) != 0) {
        sim_http_error(c, r, 400, "unknown symbol");
        return;
    }
    sim_srv_kick(c->srv);
    sim_http_json(c, r, 200, json_pack("{s:i,s:s}", "code", 0, "message", "success"));
}

/* order_id, or cl_ord_id searched over every account. */
static int64_t find_order_id(struct sim_srv *s, json_t *j)
{
    json_t *id = json_object_get(j, "order_id");
    if (json_is_integer(id)) return json_integer_value(id);
    const char *cl = json_string_value(json_object_get(j, "cl_ord_id"));
    sim_order o;
    for (size_t i = 0; cl && i < sim_account_count(s->eng); i++) {
        const char *a = sim_account_name(s->eng, i);
        if (a && sim_order_find(s->eng, a, 0, cl, &o) == 0) return o.id;
    }
    return -1;
}

static void post_fill(struct sim_conn *c, struct sim_req *r, json_t *j)
{
    int64_t id = find_order_id(c->srv, j);
    const char *q = json_string_value(json_object_get(j, "qty"));
    dec_t qty = 0;
    char err[SIM_REASON_MAX];
    if (id < 0) { sim_http_error(c, r, 400, "order not found"); return; }
    if (q && (dec_parse(q, &qty) != 0 || qty < 0)) { sim_http_error(c, r, 400, "invalid qty"); return; }
    if (sim_admin_force_fill(c->srv->eng, id, qty, sim_eng_us(c->srv), err, sizeof err) != 0) {
        sim_http_error(c, r, 400, err);
        return;
    }
    sim_srv_kick(c->srv);
    sim_http_json(c, r, 200, json_pack("{s:i,s:s,s:I}", "code", 0, "message", "success",
                                       "order_id", (json_int_t)id));
}

static void post_advance(struct sim_conn *c, struct sim_req *r, json_t *j)
{
    json_t *ms = json_object_get(j, "ms");
    if (!json_is_integer(ms) || json_integer_value(ms) < 0 || json_integer_value(ms) > 86400000) {
        sim_http_error(c, r, 400, "need {\"ms\": 0..86400000}");
        return;
    }
    if (sim_srv_advance(c->srv, json_integer_value(ms)) != 0) {
        sim_http_error(c, r, 400, "advance needs --manual-clock");
        return;
    }
    sim_http_json(c, r, 200, json_pack("{s:i,s:s,s:f}", "code", 0, "message", "success",
                                       "sim_time_s", sim_time_s(c->srv->eng)));
}

static void post_fault(struct sim_conn *c, struct sim_req *r, json_t *j)
{
    char err[160];
    if (sim_fault_apply_json(c->srv, j, err, sizeof err) != 0) {
        sim_http_error(c, r, 400, err);
        return;
    }
    sim_http_json(c, r, 200, json_pack("{s:i,s:s}", "code", 0, "message", "success"));
}

/* Server-side token revocation: later requests 401, streams closed. */
static void post_revoke(struct sim_conn *c, struct sim_req *r, json_t *j)
{
    char err[160];
    int n = sim_revoke_json(c->srv, j, err, sizeof err);
    if (n < 0) { sim_http_error(c, r, 400, err); return; }
    sim_http_json(c, r, 200, json_pack("{s:i,s:s,s:i}", "code", 0, "message", "success", "closed", n));
}

/* Live-quirk switches changed at run time. */
static void post_switches(struct sim_conn *c, struct sim_req *r, json_t *j)
{
    char err[160];
    if (sim_switches_json(c->srv, j, err, sizeof err) != 0) { sim_http_error(c, r, 400, err); return; }
    sim_http_json(c, r, 200, json_pack("{s:i,s:s}", "code", 0, "message", "success"));
}

/* ---- flood: N identical-content frames (fresh seq) to every subscriber ---- */

#define FLOOD_MAX 2000000
#define FLOOD_OUT_HIGH (2 * 1024 * 1024)   /* pause a turn above this much queued */
#define FLOOD_BATCH 4096

struct sim_flood {
    struct sim_srv *srv;
    struct event *ev;
    char symbol[32];
    const char *channel;
    int ch;
    long left;
    char *data;            /* the data object, JSON text */
    char *buf;
    size_t cap;
};

static void flood_end(struct sim_srv *s)
{
    struct sim_flood *f = s->flood;
    if (!f) return;
    if (f->ev) event_free(f->ev);
    free(f->data);
    free(f->buf);
    free(f);
    s->flood = NULL;
}

void sim_admin_free(struct sim_srv *s) { flood_end(s); }

/* Writes one frame to every subscriber; false when none is left. */
static bool flood_one(struct sim_flood *f, bool *full)
{
    bool any = false;
    for (struct sim_conn *c = f->srv->conns; c; c = c->next) {
        if (!sim_stream_subscribed(c, f->channel, f->symbol)) continue;
        any = true;
        int n = snprintf(f->buf, f->cap, "{\"seq\":%llu,\"channel\":\"%s\",\"symbol\":\"%s\",\"data\":%s}",
                         (unsigned long long)++c->seq[f->ch], f->channel, f->symbol, f->data);
        if (n > 0 && (size_t)n < f->cap) sim_ws_send_text_nolog(c, f->buf, (size_t)n);
        if (sim_conn_out_len(c) > FLOOD_OUT_HIGH) *full = true;
    }
    return any;
}

static void flood_step(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct sim_flood *f = arg;
    bool full = false;
    for (int i = 0; i < FLOOD_BATCH && f->left > 0 && !full; i++, f->left--)
        if (!flood_one(f, &full)) f->left = 0;
    if (f->left <= 0) { flood_end(f->srv); return; }
    struct timeval tv = {0, full ? 200 : 0};
    event_add(f->ev, &tv);
}

static char *flood_data(struct sim_srv *s, const char *sym, int ch, int levels)
{
    json_t *j = NULL;
    if (ch == SIM_CH_PRICE) {
        sim_price p;
        if (sim_price_get(s->eng, sym, &p) == 0) j = sim_json_price(s, &p, false);
    } else {
        sim_depth *d = malloc(sizeof *d);
        if (d && sim_depth_get(s->eng, sym, d) == 0) {
            if (d->nbids > levels) d->nbids = levels;
            if (d->nasks > levels) d->nasks = levels;
            j = sim_json_depth(s, d, false);
        }
        free(d);
    }
    char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return txt;
}

static void post_flood(struct sim_conn *c, struct sim_req *r, json_t *j)
{
    struct sim_srv *s = c->srv;
    const char *sym = json_string_value(json_object_get(j, "symbol"));
    const char *chn = json_string_value(json_object_get(j, "channel"));
    json_t *cnt = json_object_get(j, "count"), *lv = json_object_get(j, "levels");
    int ch = chn && !strcmp(chn, "price") ? SIM_CH_PRICE : chn && !strcmp(chn, "depth_book") ? SIM_CH_DEPTH : -1;
    long n = json_is_integer(cnt) ? (long)json_integer_value(cnt) : -1;
    long levels = lv ? (json_is_integer(lv) ? (long)json_integer_value(lv) : -1) : 20;
    if (!sym || !sim_symbol_get(s->eng, sym) || strlen(sym) >= 32 || ch < 0 || n < 1 || n > FLOOD_MAX ||
        levels < 1 || levels > SIM_DEPTH_MAX) {
        sim_http_error(c, r, 400, "need {\"symbol\":S,\"channel\":\"price\"|\"depth_book\","
                                  "\"count\":1..2000000,\"levels\":1..N}");
        return;
    }
    if (s->flood) { sim_http_error(c, r, 409, "a flood is already running"); return; }
    struct sim_flood *f = calloc(1, sizeof *f);
    if (!f) { sim_http_error(c, r, 500, "out of memory"); return; }
    s->flood = f;
    f->srv = s;
    f->ch = ch;
    f->channel = ch == SIM_CH_PRICE ? "price" : "depth_book";
    snprintf(f->symbol, sizeof f->symbol, "%s", sym);
    f->left = n;
    f->data = flood_data(s, sym, ch, (int)levels);
    f->cap = f->data ? strlen(f->data) + 160 : 0;
    f->buf = f->cap ? malloc(f->cap) : NULL;
    f->ev = event_new(s->base, -1, 0, flood_step, f);
    struct timeval tv = {0, 0};
    if (!f->data || !f->buf || !f->ev || event_add(f->ev, &tv) != 0) {
        flood_end(s);
        sim_http_error(c, r, 500, "cannot start the flood");
        return;
    }
    int subs = 0;
    for (struct sim_conn *k = s->conns; k; k = k->next) subs += sim_stream_subscribed(k, f->channel, sym);
    sim_http_json(c, r, 200, json_pack("{s:i,s:s,s:I,s:i}", "code", 0, "message", "success", "count",
                                       (json_int_t)n, "connections", subs));
}

/* {"account": NAME}: an account started with --unfunded is funded now
 * (query_balance answers 200 from here on). */
static void post_fund(struct sim_conn *c, struct sim_req *r, json_t *j)
{
    struct sim_srv *s = c->srv;
    const char *name = json_string_value(json_object_get(j, "account"));
    if (!name) { sim_http_error(c, r, 400, "need {\"account\":NAME}"); return; }
    int k = 0, n = 0;
    for (int i = 0; i < s->o.nunfunded; i++) {
        if (!strcmp(s->o.unfunded[i], name)) { n++; continue; }
        s->o.unfunded[k++] = s->o.unfunded[i];
    }
    s->o.nunfunded = k;
    if (!n) { sim_http_error(c, r, 404, "account is not unfunded"); return; }
    sim_http_json(c, r, 200, json_pack("{s:s}", "funded", name));
}

void sim_admin_handle(struct sim_conn *c, struct sim_req *r)
{
    const char *p = r->path + 6;
    if (!strcmp(p, "state")) {
        if (strcmp(r->method, "GET")) sim_http_error(c, r, 405, "use GET");
        else get_state(c, r);
        return;
    }
    bool known = !strcmp(p, "mark") || !strcmp(p, "fill") || !strcmp(p, "fault") ||
                 !strcmp(p, "advance") || !strcmp(p, "flood") || !strcmp(p, "revoke") ||
                 !strcmp(p, "switches") || !strcmp(p, "fund");
    if (!known) { sim_http_error(c, r, 404, "not found"); return; }
    if (strcmp(r->method, "POST")) { sim_http_error(c, r, 405, "use POST"); return; }
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    if (!json_is_object(j)) sim_http_error(c, r, 400, "invalid json body");
    else if (!strcmp(p, "mark")) post_mark(c, r, j);
    else if (!strcmp(p, "fill")) post_fill(c, r, j);
    else if (!strcmp(p, "advance")) post_advance(c, r, j);
    else if (!strcmp(p, "flood")) post_flood(c, r, j);
    else if (!strcmp(p, "revoke")) post_revoke(c, r, j);
    else if (!strcmp(p, "switches")) post_switches(c, r, j);
    else if (!strcmp(p, "fund")) post_fund(c, r, j);
    else post_fault(c, r, j);
    json_decref(j);
}
