/* admin — the test-only control API of standx-sim under /_sim/ (loopback
 * peers only, checked by server.c): GET /_sim/state (market, accounts, live
 * orders, counters, connection counts), POST /_sim/mark, /_sim/fault and
 * /_sim/fill.  Not part of the StandX protocol. */
#include "sim_net.h"

#include "clock.h"

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
    json_t *j = json_pack("{s:I,s:f,s:o,s:o,s:o,s:o}", "time_ms", (json_int_t)sim_now_ms(),
                          "sim_time_s", sim_time_s(s->eng), "symbols", symbols_state(s),
                          "accounts", accts, "counters", cnt, "connections", conns);
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

void sim_admin_handle(struct sim_conn *c, struct sim_req *r)
{
    const char *p = r->path + 6;
    if (!strcmp(p, "state")) {
        if (strcmp(r->method, "GET")) sim_http_error(c, r, 405, "use GET");
        else get_state(c, r);
        return;
    }
    bool known = !strcmp(p, "mark") || !strcmp(p, "fill") || !strcmp(p, "fault") ||
                 !strcmp(p, "advance");
    if (!known) { sim_http_error(c, r, 404, "not found"); return; }
    if (strcmp(r->method, "POST")) { sim_http_error(c, r, 405, "use POST"); return; }
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    if (!json_is_object(j)) sim_http_error(c, r, 400, "invalid json body");
    else if (!strcmp(p, "mark")) post_mark(c, r, j);
    else if (!strcmp(p, "fill")) post_fill(c, r, j);
    else if (!strcmp(p, "advance")) post_advance(c, r, j);
    else post_fault(c, r, j);
    json_decref(j);
}
