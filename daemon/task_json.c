/* task_json — the JSON views of one task for the control plane
 * (mmd-rpc(7)): status, open orders, position and uptime.  Floats carry the
 * precision they mean (bps to 0.01, minutes to 0.1); money is a decimal
 * string (USD to the cent, prices to the tick, quantities to the lot). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* v to a multiple of unit (0.01, 0.1, 0.001): the double nearest that decimal. */
static double round_to(double v, double unit)
{
    double s = round(1.0 / unit);
    return round(v * s) / s;
}

static json_t *quote_json(const struct task *t, const struct slot *s)
{
    const struct ord *o = ord_find(&t->book, s->cur);
    if (!ord_is_live(o)) o = ord_find(&t->book, s->repl);
    if (!ord_is_live(o)) return json_null();
    return json_pack("{s:o, s:o, s:f, s:s}", "price", jdec(o->price, t->si.price_decimals),
                     "qty", jdec(ord_open_qty(o), t->si.qty_decimals), "dist_bps",
                     t->mark > 0 ? round_to(strat_dist_bps(o->price, t->mark), 0.01) : 0.0, "status",
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

/* Hours in the UTC month of wall_ms, and how many of them have begun. */
static void month_hours(int64_t wall_ms, double *total, double *elapsed)
{
    time_t s = (time_t)(wall_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = tm.tm_year + 1900, d = days[tm.tm_mon];
    if (tm.tm_mon == 1 && ((y % 4 == 0 && y % 100) || y % 400 == 0)) d = 29;
    *total = d * 24.0;
    *elapsed = (tm.tm_mday - 1) * 24.0 + tm.tm_hour + 1;
}

/* StandX fee tiers unlocked by a month's Maker Hours (protocol notes §9.2). */
static const char *fee_tier(double mh) { return mh > 504 ? "MM2" : mh > 360 ? "MM1" : "none"; }

static json_t *uptime_status_json(const struct task *t, int64_t wall_ms)
{
    int q = up_hour_seconds(&t->up);
    const char *track = up_tier_name(up_on_track_seconds(&t->up, wall_ms));
    double mtd = up_month_mh(&t->up, wall_ms), total, elapsed;
    month_hours(wall_ms, &total, &elapsed);
    double proj = mtd * total / elapsed;
    json_t *last = json_array();
    int64_t hour = wall_ms / 3600000;
    for (int64_t h = hour - 23; h < hour; h++) {
        const struct up_hour *p = up_past(&t->up, h);
        json_array_append_new(last, json_real(round_to((p ? p->qual_s : 0) / 60.0, 0.1)));
    }
    json_array_append_new(last, json_real(t->up.cur_hour == hour ? round_to(q / 60.0, 0.1) : 0.0));
    json_t *up = json_pack("{s:f, s:i, s:s, s:s, s:s, s:b, s:f, s:f, s:s, s:o}", "hour_minutes",
                           round_to(q / 60.0, 0.1), "hour_seconds", q, "hour_tier", track,
                           "hour_tier_on_track", track, "hour_tier_reached", up_tier_name(q),
                           "both_sides_now", t->up.both_now, "month_to_date_mh",
                           round_to(mtd, 0.001), "month_mh_projected", round_to(proj, 0.1),
                           "fee_tier_on_track", fee_tier(proj), "last_24h_minutes", last);
    return up;
}

/* Position in USD at the mark (signed), the limit, and |usd| / limit. */
static void position_usd_json(const struct task *t, json_t *j)
{
    dec_t pos = ord_position(&t->book);
    dec_t usd = dec_mul(pos, t->mark);
    dec_t lim = t->cfg.max_position_usd;
    double share = lim > 0 ? fabs(dec_to_double(usd)) / dec_to_double(lim) : 0.0;
    json_object_set_new(j, "position_usd", jdec(usd, 2));
    json_object_set_new(j, "max_position_usd", jdec(lim, 2));
    json_object_set_new(j, "position_share", json_real(round_to(share, 0.001)));
}

json_t *task_status_json(const struct task *t, int64_t now_us, int64_t wall_ms)
{
    (void)now_us;
    json_t *up = uptime_status_json(t, wall_ms);
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
    position_usd_json(t, j);
    json_object_set_new(j, "pnl_today", jdec(task_pnl_today(t), 2));
    json_object_set_new(j, "recent", task_recent_json(t));
    return j;
}

json_t *task_orders_json(const struct task *t)
{
    json_t *a = json_array();
    int64_t now = clock_mono_us();   /* the same clock as the book's sent_us/ack_us */
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
        /* the ladder view: distance from the mark (positive = on its own side) and age */
        double d = t->mark > 0 ? dec_bps(o->price, t->mark) * (o->side == SIDE_BUY ? -1 : 1) : 0.0;
        int64_t since = o->ack_us ? o->ack_us : o->sent_us;
        json_object_set_new(e, "dist_bps", t->mark > 0 ? json_real(round_to(d, 0.01)) : json_null());
        json_object_set_new(e, "age_s", since > 0 ? json_real(round_to((now - since) / 1e6, 0.1))
                                                  : json_null());
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
    json_t *j = json_pack("{s:s, s:f, s:i, s:s, s:o, s:o, s:f}", "hour", ts, "minutes", round_to(q / 60.0, 0.1),
                          "seconds", q, "tier", up_tier_name(q), "x70", jdec(h ? h->x70 : 0, -1),
                          "x50", jdec(h ? h->x50 : 0, -1), "maker_hours", round_to(h ? h->mh : 0.0, 0.001));
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
                          round_to(up_month_mh(&t->up, wall_ms), 0.001), "both_sides_now", t->up.both_now,
                          "bid_qty_now", jdec(t->up.bid_now, t->si.qty_decimals), "ask_qty_now",
                          jdec(t->up.ask_now, t->si.qty_decimals));
    json_object_set_new(j, "hours", hours);
    double total, elapsed, proj;
    month_hours(wall_ms, &total, &elapsed);
    proj = up_month_mh(&t->up, wall_ms) * total / elapsed;
    json_object_set_new(j, "month_mh_projected", json_real(round_to(proj, 0.1)));
    json_object_set_new(j, "fee_tier_on_track", json_string(fee_tier(proj)));
    json_object_set_new(j, "maker_points_total", json_real(t->up.mp_total));
    return j;
}
