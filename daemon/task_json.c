/* task_json — the JSON views of one task for the control plane
 * (mmd-rpc(7)): status, open orders, position and uptime. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "task_int.h"

static json_t *jdec(dec_t v, int decimals)
{
    char b[40];
    return json_string(decimals >= 0 ? dec_fmt(v, decimals, b, sizeof b) : dec_str(v, b, sizeof b));
}

static json_t *jprice(const struct task *t, dec_t v)
{
    return v > 0 ? jdec(v, t->si.price_decimals) : json_null();
}

static json_t *quote_json(const struct task *t, const struct slot *s)
{
    const struct ord *o = ord_find(&t->book, s->cur);
    if (!ord_is_live(o)) o = ord_find(&t->book, s->repl);
    if (!ord_is_live(o)) return json_null();
    return json_pack("{s:o, s:o, s:f, s:s}", "price", jdec(o->price, t->si.price_decimals),
                     "qty", jdec(ord_open_qty(o), t->si.qty_decimals), "dist_bps",
                     t->mark > 0 ? strat_dist_bps(o->price, t->mark) : 0.0, "status",
                     order_status_name(o->status));
}

static json_t *tiers_json(const struct task *t)
{
    json_t *a = json_array();
    for (int i = 0; i < t->cfg.tiers; i++)
        json_array_append_new(a, json_pack("{s:i, s:[f,f], s:o, s:o}", "tier", i + 1, "band_bps",
                                           t->cfg.bands[i].min_bps, t->cfg.bands[i].max_bps, "bid",
                                           quote_json(t, &t->slots[i][SIDE_BUY]), "ask",
                                           quote_json(t, &t->slots[i][SIDE_SELL])));
    return a;
}

static json_t *risk_json(const struct task *t)
{
    json_t *r = json_array();
    for (int i = 0; i < t->risk.nreasons; i++) json_array_append_new(r, json_string(t->risk.reasons[i]));
    return json_pack("{s:s, s:o, s:b}", "state", risk_state_name(t->risk.verdict.state), "reasons", r,
                     "operator_halt", t->risk.op_halt);
}

json_t *task_status_json(const struct task *t, int64_t now_us, int64_t wall_ms)
{
    (void)now_us;
    int q = up_hour_seconds(&t->up);
    json_t *up = json_pack("{s:i, s:s, s:s, s:b}", "hour_minutes", q / 60, "hour_tier",
                           up_tier_name(up_on_track_seconds(&t->up, wall_ms)), "hour_tier_reached",
                           up_tier_name(q), "both_sides_now", t->up.both_now);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", t->cfg.id, "symbol",
                          t->cfg.symbol, "state", task_state_name(t), "state_reason",
                          t->state_reason, "risk", risk_json(t), "mark", jprice(t, t->mark),
                          "best_bid", jprice(t, t->best_bid), "best_ask", jprice(t, t->best_ask));
    json_object_set_new(j, "tiers", tiers_json(t));
    json_object_set_new(j, "position", jdec(ord_position(&t->book), t->si.qty_decimals));
    json_object_set_new(j, "entry_price", jdec(t->book.entry_price, -1));
    json_object_set_new(j, "upnl", jdec(t->book.upnl, -1));
    json_object_set_new(up, "maker_points_hour", json_real(t->up.mp_hour));
    json_object_set_new(j, "uptime", up);
    json_object_set_new(j, "fills_today", json_integer(t->fills_today));
    json_object_set_new(j, "orders_open", json_integer(ord_live_count(&t->book)));
    json_object_set_new(j, "rejects", json_integer(t->rejects));
    json_object_set_new(j, "alo_rejects", json_integer(t->alo_rejects));
    json_object_set_new(j, "last_reason", json_string(t->last_reason));
    return j;
}

json_t *task_orders_json(const struct task *t)
{
    json_t *a = json_array();
    for (int i = 0; i < t->book.n; i++) {
        const struct ord *o = ord_at(&t->book, i);
        if (!ord_is_live(o)) continue;   /* finished ones linger briefly: not open */
        json_t *e = json_pack("{s:s, s:I, s:s, s:s, s:o, s:o, s:o, s:s, s:b, s:s}", "cl_ord_id",
                              o->cl_ord_id, "order_id", (json_int_t)o->order_id, "side",
                              side_name(o->side), "tif", tif_name(o->tif), "price",
                              jdec(o->price, t->si.price_decimals), "qty",
                              jdec(o->qty, t->si.qty_decimals), "fill_qty",
                              jdec(o->fill_qty, t->si.qty_decimals), "status",
                              order_status_name(o->status), "reduce_only", o->reduce_only,
                              "reason", o->reason);
        json_object_set_new(e, "tier", o->tier >= 0 ? json_integer(o->tier + 1) : json_null());
        json_array_append_new(a, e);
    }
    return json_pack("{s:s, s:s, s:o}", "id", t->cfg.id, "symbol", t->cfg.symbol, "orders", a);
}

json_t *task_position_json(const struct task *t)
{
    dec_t pos = ord_position(&t->book);
    dec_t notional = dec_mul(pos < 0 ? -pos : pos, t->mark);
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "id", t->cfg.id,
                     "symbol", t->cfg.symbol, "position", jdec(pos, t->si.qty_decimals),
                     "reported_position", jdec(t->book.pos_exch, t->si.qty_decimals),
                     "unreported_fills", jdec(t->book.pos_adj, t->si.qty_decimals),
                     "entry_price", jdec(t->book.entry_price, -1), "upnl",
                     jdec(t->book.upnl, -1), "realized_pnl", jdec(t->book.realized_pnl, -1),
                     "notional_usd", jdec(notional, 2), "reported", t->book.have_pos);
}

static json_t *hour_json(int64_t hour, const struct up_hour *h)
{
    char ts[40];
    clock_fmt_rfc3339(hour * 3600000000LL, ts, sizeof ts);
    int q = h ? h->qual_s : 0;
    json_t *j = json_pack("{s:s, s:f, s:i, s:s, s:o, s:o, s:f}", "hour", ts, "minutes", q / 60.0,
                          "seconds", q, "tier", up_tier_name(q), "x70", jdec(h ? h->x70 : 0, -1),
                          "x50", jdec(h ? h->x50 : 0, -1), "maker_hours", h ? h->mh : 0.0);
    /* the 3 s rule and the Maker Points estimate (engine/uptime.h) */
    json_object_set_new(j, "seconds_3s", json_integer(h ? h->qual3_s : 0));
    json_object_set_new(j, "samples", json_integer(h ? h->samples : 0));
    json_object_set_new(j, "maker_points", json_real(h ? h->maker_points : 0.0));
    return j;
}

json_t *task_uptime_json(const struct task *t, int64_t wall_ms)
{
    int64_t hour = wall_ms / 3600000;
    struct up_hour cur;
    up_current(&t->up, &cur);
    bool have_cur = t->up.cur_hour == hour;
    json_t *hours = json_array();
    for (int64_t h = hour - 23; h < hour; h++)
        json_array_append_new(hours, hour_json(h, up_past(&t->up, h)));
    json_array_append_new(hours, hour_json(hour, have_cur ? &cur : NULL));
    json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:f, s:b, s:o, s:o}", "id", t->cfg.id, "symbol",
                          t->cfg.symbol, "cap", jdec(t->up.cap, -1), "this_hour",
                          hour_json(hour, have_cur ? &cur : NULL), "month_to_date_mh",
                          up_month_mh(&t->up, wall_ms), "both_sides_now", t->up.both_now,
                          "bid_qty_now", jdec(t->up.bid_now, t->si.qty_decimals), "ask_qty_now",
                          jdec(t->up.ask_now, t->si.qty_decimals));
    json_object_set_new(j, "hours", hours);
    json_object_set_new(j, "maker_points_total", json_real(t->up.mp_total));
    return j;
}
