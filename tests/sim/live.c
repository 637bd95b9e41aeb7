/* live — the server half of the live-venue quirks of standx-sim (switches in
 * sim_switches, defaults from `profile: live`, standx-sim(1) LIVE PROFILE):
 * the per-IP REST budget and WebSocket connection limits, server-side token
 * revocation (POST /_sim/revoke), switch changes at run time (POST
 * /_sim/switches), the market-data cadence (market_hz), the
 * lagging open-orders view, the trading-state fields of query_symbol_info
 * and depth aggregated to a coarser step.  The engine half (cl_ord_id rules,
 * the cancel race message, the open-orders view, depth aggregation) is in
 * orders.c and engine.c. */
#include "sim_net.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- per-IP limits ------------------------------------------------------ */

/* The entry of an IP (created full; the least recently used one is reused). */
static struct sim_ipent *ip_get(struct sim_srv *s, const char *ip)
{
    struct sim_ipent *old = &s->ips[0];
    int64_t now = sim_now_ms();
    for (int i = 0; i < SIM_IP_MAX; i++) {
        struct sim_ipent *e = &s->ips[i];
        if (e->ip[0] && !strcmp(e->ip, ip)) { e->used_ms = now; return e; }
        if (!e->ip[0] || (old->ip[0] && e->used_ms < old->used_ms)) old = e;
    }
    memset(old, 0, sizeof *old);
    snprintf(old->ip, sizeof old->ip, "%s", ip[0] ? ip : "-");
    old->req_tokens = s->sc.sw.ip_rps;
    old->ws_tokens = s->sc.sw.ip_ws_new_per_min;
    old->req_ms = old->ws_ms = old->used_ms = now;
    return old;
}

/* Token bucket of `cap` tokens refilled cap per `period_ms`; takes one. */
static bool bucket_take(double *tokens, int64_t *last_ms, double cap, double period_ms)
{
    int64_t now = sim_now_ms();
    *tokens += (double)(now - *last_ms) * cap / period_ms;
    if (*tokens > cap) *tokens = cap;
    *last_ms = now;
    if (*tokens < 1) return false;
    *tokens -= 1;
    return true;
}

bool sim_ip_take_request(struct sim_srv *s, const char *ip)
{
    int rps = s->sc.sw.ip_rps;
    if (rps <= 0) return true;
    struct sim_ipent *e = ip_get(s, ip);
    return bucket_take(&e->req_tokens, &e->req_ms, rps, 1000.0);
}

const char *sim_ip_ws_admit(struct sim_conn *c)
{
    struct sim_srv *s = c->srv;
    int max = s->sc.sw.ip_ws_max, per_min = s->sc.sw.ip_ws_new_per_min;
    if (max > 0) {
        int n = 0;
        for (struct sim_conn *k = s->conns; k; k = k->next)
            n += k != c && k->ws && !k->dead && !strcmp(k->peer, c->peer);
        if (n >= max) return "too many websocket connections from this IP";
    }
    if (per_min > 0) {
        struct sim_ipent *e = ip_get(s, c->peer);
        if (!bucket_take(&e->ws_tokens, &e->ws_ms, per_min, 60000.0))
            return "too many new websocket connections from this IP";
    }
    return NULL;
}

/* ---- token revocation ---------------------------------------------------- */

void sim_conn_note_token(struct sim_conn *c, const char *token)
{
    if (!token) return;
    sim_sha1((const uint8_t *)token, strlen(token), c->tok_sha);
    c->tok_iat = sim_jwt_iat(token);
    if (c->tok_iat <= 0) c->tok_iat = 1;
}

static bool rev_match(const struct sim_revoke *r, const uint8_t sha[20], int64_t iat, const char *address)
{
    if (r->by_token) return !memcmp(r->sha, sha, 20);
    return !strcasecmp(r->address, address) && iat <= r->iat_max;
}

bool sim_token_revoked(const struct sim_srv *s, const char *token, const char *address)
{
    if (!s->nrevoked || !token) return false;
    uint8_t sha[20];
    sim_sha1((const uint8_t *)token, strlen(token), sha);
    int64_t iat = sim_jwt_iat(token);
    for (int i = 0; i < s->nrevoked; i++)
        if (rev_match(&s->revoked[i], sha, iat, address)) return true;
    return false;
}

/* Closes the WebSocket connections authenticated with a revoked token. */
static int close_revoked(struct sim_srv *s, const struct sim_revoke *r)
{
    int n = 0;
    for (struct sim_conn *c = s->conns; c; c = c->next) {
        if (!c->ws || c->dead || !c->tok_iat || !rev_match(r, c->tok_sha, c->tok_iat, c->account)) continue;
        sim_ws_send_close(c, 1008, "token revoked");
        n++;
    }
    return n;
}

int sim_revoke_json(struct sim_srv *s, json_t *j, char *err, size_t cap)
{
    const char *acct = json_string_value(json_object_get(j, "account"));
    const char *tok = json_string_value(json_object_get(j, "token"));
    if (!acct == !tok) { snprintf(err, cap, "need {\"account\":NAME} or {\"token\":JWT}"); return -1; }
    if (s->nrevoked >= SIM_REVOKE_MAX) { snprintf(err, cap, "too many revocations"); return -1; }
    struct sim_revoke *r = &s->revoked[s->nrevoked++];
    memset(r, 0, sizeof *r);
    if (tok) {
        r->by_token = true;
        sim_sha1((const uint8_t *)tok, strlen(tok), r->sha);
    } else {
        char a[43];
        sim_jwt_address(acct, a);
        snprintf(r->address, sizeof r->address, "%s", a);
        r->iat_max = sim_now_ms() / 1000;
    }
    return close_revoked(s, r);
}

/* ---- runtime switch changes (POST /_sim/switches) ------------------------- */

struct sw_desc { const char *name; uint32_t bit; char kind; size_t off; double max; };

#define SWF(f) offsetof(sim_switches, f)
static const struct sw_desc sw_descs[] = {
    {"open_orders_lag_s", SIM_SW_OO_LAG, 'd', SWF(open_orders_lag_s), 3600},
    {"open_orders_new_lag_s", SIM_SW_OO_NEW_LAG, 'd', SWF(open_orders_new_lag_s), 3600},
    {"alo_reject_on_account_stream", SIM_SW_ALO_ACCT, 'b', SWF(alo_reject_on_account_stream), 1},
    {"ip_rps", SIM_SW_IP_RPS, 'i', SWF(ip_rps), 1000000},
    {"ip_ws_max", SIM_SW_IP_WS_MAX, 'i', SWF(ip_ws_max), 100000},
    {"ip_ws_new_per_min", SIM_SW_IP_WS_NEW, 'i', SWF(ip_ws_new_per_min), 1000000},
    {"market_hz", SIM_SW_MARKET_HZ, 'd', SWF(market_hz), 1000},
    {"cl_ord_id_max", SIM_SW_CLID_MAX, 'i', SWF(cl_ord_id_max), SIM_CLID_MAX - 1},
    {"cancel_race_s", SIM_SW_CANCEL_RACE, 'd', SWF(cancel_race_s), 3600},
};

/* One key into w; 0 ok, -1 bad value or unknown key. */
static int sw_set(sim_switches *w, const char *key, json_t *v)
{
    static const char *const syminfo[] = {"both", "status", "enabled"};
    const char *str = json_string_value(v);
    if (!strcmp(key, "cl_ord_id_charset") && str && (!strcmp(str, "any") || !strcmp(str, "safe"))) {
        w->cl_ord_id_strict = !strcmp(str, "safe");
        w->set |= SIM_SW_CLID_CHARSET;
        return 0;
    }
    for (int i = 0; !strcmp(key, "symbol_info_fields") && str && i < 3; i++)
        if (!strcmp(str, syminfo[i])) { w->symbol_info_fields = i; w->set |= SIM_SW_SYMINFO; return 0; }
    for (size_t i = 0; i < sizeof sw_descs / sizeof sw_descs[0]; i++) {
        const struct sw_desc *d = &sw_descs[i];
        if (strcmp(key, d->name)) continue;
        char *p = (char *)w + d->off;
        if (d->kind == 'b') {
            if (!json_is_boolean(v)) return -1;
            *(bool *)(void *)p = json_is_true(v);
        } else {
            double x = json_number_value(v);
            double min = d->bit == SIM_SW_CLID_MAX ? 1 : 0;
            if (!json_is_number(v) || x < min || x > d->max) return -1;
            if (d->kind == 'i') *(int *)(void *)p = (int)x;
            else *(double *)(void *)p = x;
        }
        w->set |= d->bit;
        return 0;
    }
    return -1;
}

int sim_switches_json(struct sim_srv *s, json_t *j, char *err, size_t cap)
{
    sim_switches w = s->sc.sw;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        if (sw_set(&w, key, v) != 0) {
            snprintf(err, cap, "bad or unknown switch '%s'", key);
            return -1;
        }
    }
    s->sc.sw = w;
    sim_engine_set_switches(s->eng, &w);
    if (json_object_get(j, "market_hz")) s->market_hz = w.market_hz;
    return 0;
}

/* ---- market data, open orders, symbol info, depth ----------------------- */

bool sim_md_due(struct sim_srv *s, const sim_event *ev)
{
    if (s->market_hz <= 0 || (ev->type != SIM_EV_PRICE && ev->type != SIM_EV_DEPTH)) return true;
    int idx = -1;
    for (int i = 0; i < sim_symbol_count(s->eng) && i < SIM_MAX_SYMBOLS; i++)
        if (!strcmp(sim_symbol_at(s->eng, i)->cfg.name, ev->symbol)) idx = i;
    if (idx < 0) return true;
    int64_t now = sim_eng_us(s) / 1000, *last = &s->md_last_ms[idx][ev->type == SIM_EV_DEPTH];
    if (*last && now - *last < (int64_t)(900.0 / s->market_hz)) return false;   /* 10% slack for jitter */
    *last = now;
    return true;
}

size_t sim_open_orders_now(struct sim_srv *s, const char *addr, const char *sym, sim_order *o, size_t max)
{
    const sim_switches *w = &s->sc.sw;
    double closed = w->open_orders_lag_s, fresh = w->open_orders_new_lag_s;
    bool fault = s->f.lag_open_orders_s > 0 && (!s->f.lag_until_ms || sim_now_ms() < s->f.lag_until_ms);
    if (fault && s->f.lag_open_orders_s > closed) closed = s->f.lag_open_orders_s;
    if (fault && s->f.lag_new_s > fresh) fresh = s->f.lag_new_s;
    return sim_open_orders_view(s->eng, addr, sym, closed, fresh, sim_eng_us(s), o, max);
}

void sim_symbol_info_state(const struct sim_srv *s, json_t *j, const char *status)
{
    int f = s->sc.sw.symbol_info_fields;
    if (f != SIM_SYMINFO_ENABLED) json_object_set_new(j, "status", json_string(status));
    if (f != SIM_SYMINFO_STATUS) json_object_set_new(j, "enabled", json_true());
}

void sim_depth_live(struct sim_srv *s, sim_depth *d)
{
    const sim_symbol *sy = sim_symbol_get(s->eng, d->symbol);
    if (sy && sy->cfg.depth_step > sy->tick) sim_depth_aggregate(d, sy->cfg.depth_step);
}
