/* streams — the two WebSocket endpoints of standx-sim.
 * /ws-stream/v1: subscribe/unsubscribe to public channels (price, depth_book,
 * public_trade per symbol), auth with a JWT for the private channels (order,
 * trade, position, balance), envelopes {seq, channel, symbol?, data} with a
 * per-connection-per-channel increasing seq.  /ws-api/v1: auth:login,
 * order:new and order:cancel (signed header over the params string) answered
 * with the accepted -> terminal two-frame pattern (protocol doc §5, §6). */
#include "sim_net.h"

#include "clock.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const chan_names[SIM_CH_N] = {"auth", "price", "depth_book", "public_trade",
                                                 "order", "trade", "position", "balance"};

static int chan_of(const char *name)
{
    for (int i = 0; i < SIM_CH_N; i++)
        if (name && !strcmp(name, chan_names[i])) return i;
    return -1;
}

static bool is_public(int ch) { return ch == SIM_CH_PRICE || ch == SIM_CH_DEPTH || ch == SIM_CH_PTRADE; }

static void send_env(struct sim_conn *c, int ch, const char *symbol, json_t *data)
{
    json_t *env = json_pack("{s:I,s:s}", "seq", (json_int_t)++c->seq[ch], "channel", chan_names[ch]);
    if (!env) return;
    if (symbol) json_object_set_new(env, "symbol", json_string(symbol));
    json_object_set(env, "data", data);
    sim_ws_send_json(c, env);
}

static void send_err(struct sim_conn *c, int code, const char *msg)
{
    sim_ws_send_json(c, json_pack("{s:i,s:s}", "code", code, "message", msg));
}

static int find_sub(const struct sim_conn *c, const char *ch, const char *sym)
{
    for (int i = 0; i < c->nsubs; i++)
        if (!strcmp(c->subs[i].channel, ch) && !strcmp(c->subs[i].symbol, sym)) return i;
    return -1;
}

bool sim_stream_subscribed(const struct sim_conn *c, const char *channel, const char *symbol)
{
    return c->kind == SIM_CONN_WS_STREAM && !c->dead && find_sub(c, channel, symbol) >= 0;
}

/* First snapshot right after a price/depth subscription. */
static void send_snapshot(struct sim_conn *c, int ch, const char *sym)
{
    struct sim_srv *s = c->srv;
    if (sim_now_ms() < s->f.stale_until_ms || sim_market_stale(s->eng)) return;
    if (ch == SIM_CH_PRICE) {
        sim_price p;
        if (sim_price_get(s->eng, sym, &p) == 0) {
            json_t *d = sim_json_price(s, &p, false);
            send_env(c, ch, sym, d);
            json_decref(d);
        }
    } else if (ch == SIM_CH_DEPTH) {
        sim_depth *d = malloc(sizeof *d);
        if (d && sim_depth_get(s->eng, sym, d) == 0) {
            json_t *j = sim_json_depth(s, d, true);
            send_env(c, ch, sym, j);
            json_decref(j);
        }
        free(d);
    }
}

static void subscribe(struct sim_conn *c, json_t *o, bool on)
{
    const char *chn = json_string_value(json_object_get(o, "channel"));
    const char *sym = json_string_value(json_object_get(o, "symbol"));
    int ch = chan_of(chn);
    if (ch <= 0) { send_err(c, 400, "unknown channel"); return; }
    if (!is_public(ch)) {
        if (!c->account[0] && on) { send_err(c, 401, "authenticate first"); return; }
        c->priv[ch] = on;
        return;
    }
    if (!sym || !sim_symbol_get(c->srv->eng, sym)) { send_err(c, 400, "unknown symbol"); return; }
    int i = find_sub(c, chn, sym);
    if (!on) {
        if (i >= 0) c->subs[i] = c->subs[--c->nsubs];
        return;
    }
    if (i >= 0) return;
    if (c->nsubs >= SIM_MAX_SUBS) { send_err(c, 400, "too many subscriptions"); return; }
    snprintf(c->subs[c->nsubs].channel, sizeof c->subs[0].channel, "%s", chn);
    snprintf(c->subs[c->nsubs].symbol, sizeof c->subs[0].symbol, "%s", sym);
    c->nsubs++;
    send_snapshot(c, ch, sym);
}

static void stream_auth(struct sim_conn *c, json_t *o)
{
    uint8_t pk[32];
    char addr[SIM_ADDR_MAX];
    const char *tok = json_string_value(json_object_get(o, "token"));
    int rc = sim_jwt_verify(c->srv->o.secret, tok, sim_now_ms() / 1000, addr, sizeof addr, pk);
    if (rc == 0 && sim_token_revoked(c->srv, tok, addr)) rc = -2;
    json_t *d;
    if (rc != 0) {
        d = json_pack("{s:i,s:s}", "code", 401, "msg", rc == -3 ? "token expired" : "invalid token");
    } else {
        snprintf(c->account, sizeof c->account, "%s", addr);
        sim_conn_note_token(c, tok);
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(o, "streams"), i, v) {
            int ch = chan_of(json_string_value(json_object_get(v, "channel")));
            if (ch > 0 && !is_public(ch)) c->priv[ch] = true;
        }
        d = json_pack("{s:i,s:s}", "code", c->srv->auth_code, "msg", "success");
    }
    send_env(c, SIM_CH_AUTH, NULL, d);
    json_decref(d);
}

void sim_stream_on_text(struct sim_conn *c, const char *txt, size_t len)
{
    json_t *j = json_loadb(txt, len, 0, NULL);
    json_t *v;
    if (!json_is_object(j)) send_err(c, 400, "invalid json");
    else if (json_is_object(v = json_object_get(j, "subscribe"))) subscribe(c, v, true);
    else if (json_is_object(v = json_object_get(j, "unsubscribe"))) subscribe(c, v, false);
    else if (json_is_object(v = json_object_get(j, "auth"))) stream_auth(c, v);
    else send_err(c, 400, "unknown message");
    json_decref(j);
}

/* ---- publishing engine events ------------------------------------------- */

static void publish_public(struct sim_srv *s, int ch, const char *sym, json_t *data)
{
    for (struct sim_conn *c = s->conns; c; c = c->next)
        if (c->kind == SIM_CONN_WS_STREAM && !c->dead && find_sub(c, chan_names[ch], sym) >= 0)
            send_env(c, ch, sym, data);
}

static void publish_private(struct sim_srv *s, int ch, const char *account, json_t *data)
{
    for (struct sim_conn *c = s->conns; c; c = c->next)
        if (c->kind == SIM_CONN_WS_STREAM && !c->dead && c->priv[ch] &&
            !strcmp(c->account, account))
            send_env(c, ch, NULL, data);
}

static bool anyone_on(struct sim_srv *s, int ch, const char *sym)
{
    for (struct sim_conn *c = s->conns; c; c = c->next)
        if (c->kind == SIM_CONN_WS_STREAM && !c->dead && find_sub(c, chan_names[ch], sym) >= 0)
            return true;
    return false;
}

void sim_stream_publish(struct sim_srv *s, const sim_event *ev)
{
    json_t *d = NULL;
    int ch = -1;
    if (ev->type == SIM_EV_ORDER && !s->sc.sw.alo_reject_on_account_stream &&
        ev->u.order.status == SIM_REJECTED && !strcmp(ev->u.order.reason, "alo order rejected"))
        return;   /* live: only the order-response stream and query_order tell */
    switch (ev->type) {
    case SIM_EV_ORDER: ch = SIM_CH_ORDER; d = sim_json_order(s, &ev->u.order, false); break;
    case SIM_EV_TRADE: ch = SIM_CH_TRADE; d = sim_json_trade(s, &ev->u.trade, false); break;
    case SIM_EV_POSITION: ch = SIM_CH_POSITION; d = sim_json_position(s, &ev->u.position, false); break;
    case SIM_EV_BALANCE: ch = SIM_CH_BALANCE; d = sim_json_balance_ws(&ev->u.balance); break;
    case SIM_EV_PRICE:
        ch = SIM_CH_PRICE;
        if (anyone_on(s, ch, ev->symbol)) d = sim_json_price(s, &ev->u.price, false);
        break;
    case SIM_EV_PUBLIC_TRADE:
        ch = SIM_CH_PTRADE;
        if (anyone_on(s, ch, ev->symbol)) d = sim_json_ptrade(s, &ev->u.ptrade);
        break;
    case SIM_EV_DEPTH:
        ch = SIM_CH_DEPTH;
        if (anyone_on(s, ch, ev->symbol)) {
            sim_depth *dp = malloc(sizeof *dp);
            if (dp && sim_depth_get(s->eng, ev->symbol, dp) == 0) d = sim_json_depth(s, dp, true);
            free(dp);
        }
        break;
    default: break;
    }
    if (!d) return;
    if (is_public(ch)) publish_public(s, ch, ev->symbol, d);
    else publish_private(s, ch, ev->account, d);
    json_decref(d);
}

/* ---- ws-api ------------------------------------------------------------- */

static json_t *api_reply(int code, const char *msg, const char *rid)
{
    return json_pack("{s:i,s:s,s:s}", "code", code, "message", msg, "request_id", rid);
}

static void api_login(struct sim_conn *c, json_t *params, const char *rid, const char *sid)
{
    char addr[SIM_ADDR_MAX];
    const char *tok = json_string_value(json_object_get(params, "token"));
    if (sim_jwt_verify(c->srv->o.secret, tok, sim_now_ms() / 1000, addr, sizeof addr, c->pk) != 0 ||
        sim_token_revoked(c->srv, tok, addr)) {
        sim_ws_send_json(c, api_reply(401, "invalid token", rid));
        return;
    }
    snprintf(c->account, sizeof c->account, "%s", addr);
    sim_conn_note_token(c, tok);
    if (sid) snprintf(c->session_id, sizeof c->session_id, "%s", sid);
    sim_srv_log_acct(c->srv, c, addr, rid);
    sim_ws_send_json(c, api_reply(0, "success", rid));
}

static void api_order(struct sim_conn *c, json_t *req, const char *params, const char *rid,
                      bool cancel)
{
    json_t *h = json_object_get(req, "header");
    char msg[SIM_REASON_MAX + 32];
    if (!c->account[0]) { sim_ws_send_json(c, api_reply(401, "not logged in", rid)); return; }
    const char *ver = json_string_value(json_object_get(h, "x-request-sign-version"));
    int st = sim_check_sig(c->srv, c->pk, ver, json_string_value(json_object_get(h, "x-request-id")),
                           json_string_value(json_object_get(h, "x-request-timestamp")),
                           json_string_value(json_object_get(h, "x-request-signature")), params,
                           strlen(params), msg, sizeof msg);
    if (st) { sim_ws_send_json(c, api_reply(st, msg, rid)); return; }
    sim_order o;
    if (!cancel && c->srv->f.drop_after_process > 0) {   /* fault: processed, then the session dies unanswered */
        c->srv->f.drop_after_process--;
        sim_cmd_new(c->srv, c->account, params, &o, msg, sizeof msg);
        sim_srv_log(c->srv, "close", c, "fault drop_after_process", params, strlen(params));
        sim_conn_kill(c);
        return;
    }
    sim_ws_send_json(c, api_reply(0, "accepted", rid));
    int rc = cancel ? sim_cmd_cancel(c->srv, c->account, params, &o, msg, sizeof msg)
                    : sim_cmd_new(c->srv, c->account, params, &o, msg, sizeof msg);
    int code = rc ? rc : (!cancel && o.status == SIM_REJECTED) ? 400 : 0;
    sim_srv_push(c->srv, c->id, NULL, api_reply(code, msg, rid));
}

void sim_api_on_text(struct sim_conn *c, const char *txt, size_t len)
{
    json_t *j = json_loadb(txt, len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        sim_ws_send_json(c, api_reply(400, "invalid json", ""));
        return;
    }
    const char *rid = json_string_value(json_object_get(j, "request_id"));
    const char *sid = json_string_value(json_object_get(j, "session_id"));
    const char *method = json_string_value(json_object_get(j, "method"));
    const char *params = json_string_value(json_object_get(j, "params"));
    if (!rid) rid = "";
    if (!method) sim_ws_send_json(c, api_reply(400, "method is required", rid));
    else if (!params) sim_ws_send_json(c, api_reply(400, "params must be a JSON string", rid));
    else if (!strcmp(method, "auth:login")) {
        json_t *p = json_loads(params, 0, NULL);
        api_login(c, p, rid, sid);
        json_decref(p);
    } else if (!strcmp(method, "order:new")) api_order(c, j, params, rid, false);
    else if (!strcmp(method, "order:cancel")) api_order(c, j, params, rid, true);
    else sim_ws_send_json(c, api_reply(400, "unknown method", rid));
    json_decref(j);
}
