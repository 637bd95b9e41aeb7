/* fakemmd — the real control socket (daemon/control/: control.c, dispatch.c, cmd-*.c) over
 * a FAKE backend, for conformance tests of the protocol, mmctl and mmtop.
 * Three fake tasks (btc-1, eth-1, sol-1) produce the shapes mmd-rpc(7)
 * documents, checked by the same JSON Schemas as the daemon's replies
 * (man/rpc-schema/, tests/ctl/test_rpc_schema.py).  halt flips the task to
 * "halted" at once, as the daemon does, and answers after a delay
 * (--halt-delay-ms, default 300); resume flips it back at once (-1003 for a
 * named task not halted); shutdown (RPC, SIGTERM, SIGINT) exits after
 * 100 ms, refusing further shutdown/resume requests with -1101.
 * --caution TASK puts that task in risk Caution (still quoting, one reason);
 * --tasks N adds SOL-USD clones t-04.. up to N tasks (paging in mmtop).
 *   fakemmd -s SOCKET [--halt-delay-ms N] [--caution TASK] [--tasks N] */
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include "clock.h"
#include "control.h"
#include "dec.h"
#include "rpc.h"

struct fake_task {
    const char *id, *symbol, *account;
    int price_dec, qty_dec;
    dec_t mark, pos, entry, qty;
    int halted, caution;
    char reason[128];
    int fills;
    const char *max_usd;
};

#define FAKE_MAX_TASKS 60
static struct fake_task tasks[FAKE_MAX_TASKS] = {
    {.id = "btc-1", .symbol = "BTC-USD", .account = "main", .price_dec = 2, .qty_dec = 4, .fills = 3,
     .max_usd = "5000.00"},
    {.id = "eth-1", .symbol = "ETH-USD", .account = "main", .price_dec = 2, .qty_dec = 3, .fills = 1,
     .max_usd = "2000.00"},
    {.id = "sol-1", .symbol = "SOL-USD", .account = "alt", .price_dec = 3, .qty_dec = 2, .fills = 0,
     .max_usd = "1000.00"},
};
static size_t ntasks = 3;
#define NTASKS ntasks

static struct event_base *base;
static int64_t start_ms;
static int halt_delay_ms = 300;
static int halts_pending;
static bool stopping;   /* the backend's one shutdown flag */

static void init_tasks(void)
{
    dec_parse("65000.10", &tasks[0].mark);
    dec_parse("0.0100", &tasks[0].pos);
    dec_parse("64950.00", &tasks[0].entry);
    dec_parse("0.0050", &tasks[0].qty);
    dec_parse("3000.55", &tasks[1].mark);
    dec_parse("-0.200", &tasks[1].pos);
    dec_parse("3010.00", &tasks[1].entry);
    dec_parse("0.100", &tasks[1].qty);
    dec_parse("150.125", &tasks[2].mark);
    dec_parse("0", &tasks[2].pos);
    dec_parse("0", &tasks[2].entry);
    dec_parse("2.00", &tasks[2].qty);
}

/* SOL-USD clones t-04 .. t-N, for paging. */
static void add_tasks(int n)
{
    static char ids[FAKE_MAX_TASKS][16];
    for (; (int)ntasks < n && ntasks < FAKE_MAX_TASKS; ntasks++) {
        snprintf(ids[ntasks], sizeof ids[ntasks], "t-%02zu", ntasks + 1);
        tasks[ntasks] = tasks[2];
        tasks[ntasks].id = ids[ntasks];
        tasks[ntasks].account = "alt";
    }
}

static struct fake_task *find(const char *id)
{
    for (size_t i = 0; i < NTASKS; i++)
        if (!strcmp(tasks[i].id, id)) return &tasks[i];
    return NULL;
}

static json_t *money(dec_t v, int decimals)
{
    char b[40];
    return json_string(dec_fmt(v, decimals, b, sizeof b));
}

static json_t *quote_side(const struct fake_task *t, int tier, int ask)
{
    if (t->halted) return json_null();
    double bps = 4.0 + 6.0 * tier;
    dec_t step = dec_step(t->price_dec);
    dec_t px = dec_round(dec_mul_f(t->mark, 1.0 + (ask ? bps : -bps) / 1e4), step,
                         ask ? DEC_CEIL : DEC_FLOOR);
    dec_t qty = t->qty * (tier + 1);
    return json_pack("{s:o, s:o, s:f, s:s}", "price", money(px, t->price_dec), "qty",
                     money(qty, t->qty_dec), "dist_bps", round(dec_bps(px, t->mark) * (ask ? 1 : -1) * 100) / 100,
                     "status", "open");
}

static json_t *tiers_json(const struct fake_task *t)
{
    json_t *a = json_array();
    static const double band[3][2] = {{0, 10}, {10, 20}, {20, 40}};
    for (int i = 0; i < 2; i++)
        json_array_append_new(a, json_pack("{s:i, s:[f,f], s:o, s:o}", "tier", i + 1, "band_bps",
                                           band[i][0], band[i][1], "bid", quote_side(t, i, 0),
                                           "ask", quote_side(t, i, 1)));
    return a;
}

static dec_t upnl(const struct fake_task *t) { return dec_mul(t->mark - t->entry, t->pos); }

static double hour_minutes(void)
{
    int64_t s = clock_wall_ms() / 1000;
    return round((double)(s % 3600) / 60.0 * 0.8 * 10) / 10;   /* to 0.1, as mmd */
}

static const char *tier_name(double m)
{
    return m >= 42 ? "boosted" : m >= 30 ? "standard" : "none";
}

static void cockpit_extras(const struct fake_task *t, json_t *j);

static json_t *task_status(const struct fake_task *t)
{
    double hm = hour_minutes();
    json_t *reasons = json_array();
    if (t->halted) json_array_append_new(reasons, json_string(t->reason));
    else if (t->caution) json_array_append_new(reasons, json_string("spread 38.5 bps > 30 (caution)"));
    char spread[2][40];
    dec_t half = dec_mul_f(t->mark, 0.0001);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:s, s:o, s:b}, s:o, s:s, s:s, s:o, s:o, s:o, s:o,"
        " s:{s:f, s:s, s:s, s:b}, s:i, s:i, s:i, s:i, s:s}",
        "id", t->id, "symbol", t->symbol, "state", t->halted ? "halted" : "quoting", "state_reason", "",
        "risk",
        "state", t->halted ? "halt" : t->caution ? "caution" : "safe", "reasons", reasons, "operator_halt", t->halted,
        "mark", money(t->mark, t->price_dec), "best_bid",
        dec_fmt(dec_round(t->mark - half, dec_step(t->price_dec), DEC_FLOOR), t->price_dec,
                spread[0], 40),
        "best_ask",
        dec_fmt(dec_round(t->mark + half, dec_step(t->price_dec), DEC_CEIL), t->price_dec,
                spread[1], 40),
        "tiers", tiers_json(t), "position", money(t->pos, t->qty_dec), "entry_price",
        money(t->entry, t->price_dec), "upnl", money(dec_round(upnl(t), dec_step(2), DEC_FLOOR), 2),
        "uptime", "hour_minutes", hm, "hour_tier", tier_name(hm), "hour_tier_reached",
        tier_name(hm), "both_sides_now", !t->halted, "fills_today", t->fills, "orders_open",
        t->halted ? 0 : 4,
        "rejects", 0, "alo_rejects", 1, "last_reason", t->halted ? t->reason : "requote: drift");
    cockpit_extras(t, j);
    return j;
}

/* The cockpit's extras of a task (position in USD vs its limit, PnL today,
 * uptime history, recent fills and events), as task_json.c adds them. */
static void cockpit_extras(const struct fake_task *t, json_t *j)
{
    dec_t usd = dec_mul(t->pos, t->mark), lim;
    dec_parse(t->max_usd, &lim);
    double share = lim > 0 ? (double)(usd < 0 ? -usd : usd) / (double)lim : 0;
    json_object_set_new(j, "position_usd", money(dec_round(usd, dec_step(2), DEC_FLOOR), 2));
    json_object_set_new(j, "max_position_usd", json_string(t->max_usd));
    json_object_set_new(j, "position_share", json_real(round(share * 1000) / 1000));
    json_object_set_new(j, "pnl_today", money(dec_round(upnl(t), dec_step(2), DEC_FLOOR) + t->fills * 125000000LL, 2));
    json_t *up = json_object_get(j, "uptime"), *last = json_array();
    for (int i = 23; i >= 1; i--)
        json_array_append_new(last, json_real((double)((i * 7 + (int)strlen(t->symbol)) % 61)));
    json_array_append_new(last, json_real(round(hour_minutes() * 10) / 10));
    json_object_set_new(up, "hour_seconds", json_integer((int)(hour_minutes() * 60)));
    json_object_set_new(up, "hour_tier_on_track", json_string(tier_name(hour_minutes())));
    json_object_set_new(up, "month_to_date_mh", json_real(12.5));
    json_object_set_new(up, "month_mh_projected", json_real(380.2));
    json_object_set_new(up, "fee_tier_on_track", json_string("MM1"));
    json_object_set_new(up, "last_24h_minutes", last);
    char ts[40];
    clock_fmt_rfc3339(clock_wall_us() - 90 * INT64_C(1000000), ts, sizeof ts);
    json_t *fills = json_array(), *events = json_array();
    for (int i = 0; i < t->fills; i++)
        json_array_append_new(fills, json_pack("{s:s, s:s, s:o, s:o, s:f}", "time", ts, "side",
                                               i % 2 ? "sell" : "buy", "qty", money(t->qty, t->qty_dec),
                                               "price", money(t->mark, t->price_dec), "markout_bps",
                                               i % 2 ? -1.25 : 2.5));
    if (t->halted)
        json_array_append_new(events, json_pack("{s:s, s:s+}", "time", ts, "text", "halt by ", t->reason));
    if (t->caution)
        json_array_append_new(events, json_pack("{s:s, s:s}", "time", ts, "text",
                                                "risk safe -> caution: spread 38.5 bps > 30"));
    json_array_append_new(events, json_pack("{s:s, s:s}", "time", ts, "text", "market stream reconnected"));
    json_object_set_new(j, "recent", json_pack("{s:o, s:o}", "fills", fills, "events", events));
}

static void wiggle(void)
{
    int64_t ms = clock_wall_ms();
    for (size_t i = 0; i < NTASKS; i++) {
        dec_t step = dec_step(tasks[i].price_dec);
        tasks[i].mark += ((ms / 250) % 3 - 1) * step;
    }
}

/* A WebSocket connection object, with the keys of the daemon's (ws.c). */
static json_t *conn_json(const char *name)
{
    double up = (double)(clock_mono_ms() - start_ms) / 1000.0;
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:n, s:n, s:f, s:f, s:n, s:n}", "name", name,
                     "url", "ws://127.0.0.1:1/ws-stream/v1", "state", "up", "attempts", 0,
                     "reconnects", 0, "msgs_in", 42, "msgs_out", 2, "dropped", 0, "last_error",
                     "last_error_age_s", "last_msg_age_s", 0.05, "up_for_s", up, "retry_in_s",
                     "retry_delay_s");
}

static json_t *market_json(void)
{
    json_t *syms = json_object();
    for (size_t i = 0; i < NTASKS; i++)
        json_object_set_new(syms, tasks[i].symbol,
                            json_pack("{s:i, s:b, s:i, s:i, s:i, s:i, s:o, s:f, s:f}", "watchers", 1,
                                      "stale", 0, "price_seq", 7, "depth_seq", 7, "updates", 14,
                                      "conflated", 0, "mark", money(tasks[i].mark, tasks[i].price_dec),
                                      "price_age_s", 0.05, "depth_age_s", 0.05));
    return json_pack("{s:o, s:o, s:i, s:i, s:i}", "connection", conn_json("market"), "symbols", syms,
                     "frames", 42, "bad_frames", 0, "notices", 0);
}

static json_t *account_json(const char *id)
{
    char name[64];
    snprintf(name, sizeof name, "account:%s", id);
    return json_pack("{s:s, s:o, s:b, s:{s:f, s:f}, s:i, s:{s:i, s:i, s:i}, s:i, s:s}", "account",
                     id, "connection", conn_json(name), "authenticated", 1, "rate_bucket", "credits",
                     800.0, "capacity", 900.0, "resolving", 0, "counters", "places", 4, "cancels", 0,
                     "fills", 0, "jwt_expires_in_s", 604800, "state", "ready");
}

/* status.latency: four stages, p50/p99 in microseconds. */
static json_t *latency_json(void)
{
    return json_pack("{s:i, s:{s:i, s:i}, s:{s:i, s:i}, s:{s:i, s:i}, s:{s:i, s:i}}", "samples", 812,
                     "recv_to_parse_us", "p50", 12, "p99", 60, "parse_to_decision_us", "p50", 20,
                     "p99", 150, "decision_to_write_us", "p50", 55, "p99", 240, "total_us", "p50",
                     90, "p99", 420);
}

static json_t *fb_status(void *ud)
{
    (void)ud;
    wiggle();
    json_t *ts = json_array();
    for (size_t i = 0; i < NTASKS; i++) json_array_append_new(ts, task_status(&tasks[i]));
    return json_pack("{s:s, s:I, s:b, s:{s:o, s:{s:o, s:o}}, s:o, s:o}", "version", MMD_VERSION,
                     "uptime_s", (json_int_t)((clock_mono_ms() - start_ms) / 1000), "shutting_down",
                     stopping, "connections", "market", market_json(), "accounts", "main",
                     account_json("main"), "alt", account_json("alt"), "tasks", ts, "latency",
                     latency_json());
}

static json_t *fb_tasks(void *ud)
{
    (void)ud;
    json_t *a = json_array();
    for (size_t i = 0; i < NTASKS; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", tasks[i].id,
                                           "symbol", tasks[i].symbol, "account", tasks[i].account,
                                           "level", "moderate", "tiers", 2));
    return a;
}

/* Builds one task's entry for orders/positions/uptime (new reference). */
typedef json_t *(*per_task_fn)(const struct fake_task *t);

/* One task or all, keyed by task id, as daemon.c does. */
static json_t *each(const char *task, int *err, char *msg, size_t len, per_task_fn fn)
{
    if (task && !find(task)) {
        *err = RPC_ERR_UNKNOWN_TASK;
        snprintf(msg, len, "unknown task '%s'", task);
        return NULL;
    }
    json_t *o = json_object();
    for (size_t i = 0; i < NTASKS; i++)
        if (!task || !strcmp(task, tasks[i].id)) json_object_set_new(o, tasks[i].id, fn(&tasks[i]));
    return o;
}

static json_t *orders_of(const struct fake_task *t)
{
    json_t *list = json_array();
    for (int tier = 0; tier < 2 && !t->halted; tier++)
        for (int ask = 0; ask < 2; ask++) {
            json_t *q = quote_side(t, tier, ask);
            char cl[64];
            snprintf(cl, sizeof cl, "%s-fake-%d", t->id, tier * 2 + ask + 1);
            json_array_append_new(
                list, json_pack("{s:s, s:I, s:s, s:s, s:O, s:O, s:s, s:s, s:b, s:s, s:i}",
                                "cl_ord_id", cl, "order_id", (json_int_t)(5000 + tier * 2 + ask),
                                "side", ask ? "sell" : "buy", "tif", "alo", "price",
                                json_object_get(q, "price"), "qty", json_object_get(q, "qty"),
                                "fill_qty", "0", "status", "open", "reduce_only", 0, "reason", "",
                                "tier", tier + 1));
            json_t *o = json_array_get(list, json_array_size(list) - 1);
            json_object_set(o, "dist_bps", json_object_get(q, "dist_bps"));
            json_object_set_new(o, "age_s", json_real(12.5 + tier * 30 + ask));
            json_decref(q);
        }
    return json_pack("{s:s, s:s, s:o}", "id", t->id, "symbol", t->symbol, "orders", list);
}

static json_t *position_of(const struct fake_task *t)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:s, s:s, s:b}", "id", t->id, "symbol",
                     t->symbol, "position", money(t->pos, t->qty_dec), "reported_position",
                     money(t->pos, t->qty_dec), "unreported_fills", "0", "entry_price",
                     money(t->entry, t->price_dec), "upnl",
                     money(dec_round(upnl(t), dec_step(2), DEC_FLOOR), 2), "realized_pnl", "0",
                     "notional_usd", "0.00", "reported", 1);
}

static json_t *hour_json(const char *ts, double m)
{
    return json_pack("{s:s, s:f, s:i, s:s, s:s, s:s, s:f}", "hour", ts, "minutes", m, "seconds",
                     (int)(m * 60), "tier", tier_name(m), "x70", "0", "x50", "0", "maker_hours", 0.0);
}

static json_t *uptime_of(const struct fake_task *t)
{
    json_t *hours = json_array();
    int64_t now_h = clock_wall_ms() / 3600000;
    char ts[40];
    for (int i = 23; i >= 0; i--) {
        clock_fmt_rfc3339((now_h - i) * 3600 * INT64_C(1000000), ts, sizeof ts);
        double m = i == 0 ? hour_minutes() : (double)((i * 7 + (int)strlen(t->symbol)) % 61);
        json_array_append_new(hours, hour_json(ts, m));
    }
    double hm = hour_minutes();
    return json_pack("{s:s, s:s, s:s, s:o, s:f, s:b, s:s, s:s, s:o}", "id", t->id, "symbol",
                     t->symbol, "cap", "0", "this_hour", hour_json(ts, hm), "month_to_date_mh", 0.0,
                     "both_sides_now", !t->halted, "bid_qty_now", "0", "ask_qty_now", "0", "hours",
                     hours);
}

static json_t *fb_orders(void *ud, const char *task, int *err, char *msg, size_t len)
{
    (void)ud;
    return each(task, err, msg, len, orders_of);
}

static json_t *fb_positions(void *ud, const char *task, int *err, char *msg, size_t len)
{
    (void)ud;
    return each(task, err, msg, len, position_of);
}

static json_t *fb_uptime(void *ud, const char *task, int *err, char *msg, size_t len)
{
    (void)ud;
    return each(task, err, msg, len, uptime_of);
}

struct pending_halt {
    struct event *ev;
    json_t *ids;              /* the halted tasks (the answer) */
    backend_done_fn done;
    void *arg;
};

static void halt_fire(evutil_socket_t fd, short what, void *p)
{
    (void)fd;
    (void)what;
    struct pending_halt *h = p;
    h->done(h->arg, 0, NULL, json_pack("{s:o, s:b}", "halted", h->ids, "orders_settled", 1));
    event_free(h->ev);
    free(h);
    halts_pending--;
}

static bool unknown_task(const char *task, backend_done_fn done, void *arg)
{
    if (!task || find(task)) return false;
    char msg[128];
    snprintf(msg, sizeof msg, "unknown task '%s'", task);
    done(arg, RPC_ERR_UNKNOWN_TASK, msg, NULL);
    return true;
}

/* Halts at once (as the daemon's task_halt); answers after the delay. */
static void fb_halt(void *ud, const char *task, const char *reason, backend_done_fn done, void *arg)
{
    (void)ud;
    if (unknown_task(task, done, arg)) return;
    struct pending_halt *h = calloc(1, sizeof *h);
    h->ids = json_array();
    for (size_t i = 0; i < NTASKS; i++) {
        if (task && strcmp(tasks[i].id, task)) continue;
        tasks[i].halted = 1;
        snprintf(tasks[i].reason, sizeof tasks[i].reason, "operator: %s", reason ? reason : "operator");
        json_array_append_new(h->ids, json_string(tasks[i].id));
    }
    h->done = done;
    h->arg = arg;
    h->ev = evtimer_new(base, halt_fire, h);
    struct timeval tv = {halt_delay_ms / 1000, (halt_delay_ms % 1000) * 1000};
    evtimer_add(h->ev, &tv);
    halts_pending++;
}

/* As the daemon: -1003 for a named task not halted; all = the halted ones. */
/* A reload that applies and changes nothing (the fake has no file). */
static json_t *fb_reload(void *ud)
{
    (void)ud;
    return json_pack("{s:b, s:s, s:[], s:[], s:[], s:[], s:[]}", "applied", 1, "config", "fakemmd.yaml", "added",
                     "removed", "changed", "refused", "credentials");
}

static void fb_resume(void *ud, const char *task, backend_done_fn done, void *arg)
{
    (void)ud;
    if (unknown_task(task, done, arg)) return;
    if (task && !find(task)->halted) {
        char msg[128];
        snprintf(msg, sizeof msg, "task '%s' is not halted (quoting)", task);
        done(arg, RPC_ERR_TASK_NOT_HALTED, msg, NULL);
        return;
    }
    json_t *ids = json_array();
    for (size_t i = 0; i < NTASKS; i++) {
        if ((task && strcmp(tasks[i].id, task)) || !tasks[i].halted) continue;
        tasks[i].halted = 0;
        tasks[i].reason[0] = 0;
        json_array_append_new(ids, json_string(tasks[i].id));
    }
    done(arg, 0, NULL, json_pack("{s:o}", "resumed", ids));
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    event_base_loopexit(base, NULL);
}

static bool fb_shutting_down(void *ud)
{
    (void)ud;
    return stopping;
}

static void fb_shutdown(void *ud)
{
    (void)ud;
    stopping = true;
    struct timeval tv = {0, 100000};
    event_base_once(base, -1, EV_TIMEOUT, stop_cb, NULL, &tv);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    (void)arg;
    event_base_loopexit(base, NULL);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{.name = "socket", .has_arg = required_argument, .val = 's'},
                                         {.name = "halt-delay-ms", .has_arg = required_argument, .val = 'd'},
                                         {.name = "idle-timeout-ms", .has_arg = required_argument, .val = 'i'},
                                         {.name = "caution", .has_arg = required_argument, .val = 'c'},
                                         {.name = "tasks", .has_arg = required_argument, .val = 'n'},
                                         {.name = NULL}};
    const char *path = NULL;
    int c, idle_ms = 0, n = 0;
    const char *caution = NULL;
    while ((c = getopt_long(argc, argv, "s:d:i:c:n:", opts, NULL)) != -1) {
        if (c == 's') path = optarg;
        else if (c == 'c') caution = optarg;
        else if (c == 'n') n = atoi(optarg);
        else if (c == 'd') halt_delay_ms = atoi(optarg);
        else if (c == 'i') idle_ms = atoi(optarg);
        else return 3;
    }
    if (!path) {
        fprintf(stderr, "usage: fakemmd -s SOCKET [--halt-delay-ms N] [--idle-timeout-ms N]\n");
        return 3;
    }
    init_tasks();
    add_tasks(n);
    if (caution && find(caution)) find(caution)->caution = 1;
    start_ms = clock_mono_ms();
    base = event_base_new();
    static const struct backend be = {
        .status = fb_status,
        .tasks = fb_tasks,
        .orders = fb_orders,
        .positions = fb_positions,
        .uptime = fb_uptime,
        .halt = fb_halt,
        .resume = fb_resume,
        .shutdown = fb_shutdown,
        .shutting_down = fb_shutting_down,
        .reload = fb_reload,
    };
    /* signals first: a SIGTERM right after the socket appears must still clean up */
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, NULL);
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, NULL);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);
    char err[256];
    struct control *ctl = control_new(base, path, &be, err, sizeof err);
    if (!ctl) {
        fprintf(stderr, "fakemmd: %s\n", err);
        event_free(sigterm);
        event_free(sigint);
        event_base_free(base);
        return 1;
    }
    if (idle_ms > 0) control_set_idle_timeout(ctl, idle_ms);
    printf("fakemmd: listening on %s\n", path);
    fflush(stdout);
    event_base_dispatch(base);
    control_free(ctl);
    event_free(sigterm);
    event_free(sigint);
    event_base_free(base);
    return 0;
}
