/* mdprobe — test driver for mmd's exchange connectivity: runs wsmgr + hub (and
 * optionally one sx_account) against a StandX endpoint (normally standx-sim)
 * and prints one JSON line per hub notification, venue event and connection
 * state change on stdout.  Commands are read from stdin, one per line:
 *   place SYM SIDE PRICE QTY CLOID [gtc|ioc|alo]   market SYM SIDE QTY CLOID
 *   cancel SYM CLOID   cancel_id SYM ORDER_ID   cancel_many SYM CL1,CL2,...
 *   open_orders SYM   query_order CLOID   positions SYM   balance   symbols
 *   get PATH (raw GET through rest, prints status/attempts)   status
 *   watch SYM   unwatch SYM   quit
 * Decimals on the wire follow the text given (e.g. "65000.00" -> 2).
 *
 * usage: mdprobe --rest URL --ws URL [--watch SYM]... [--seconds S]
 *                [--jwt JWT --key KEY [--account NAME]] [--md-every N] */
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "hub.h"
#include "knobs.h"
#include "log.h"
#include "rest.h"
#include "sign.h"
#include "standx.h"
#include "sx_market.h"
#include "ws.h"

#define MAX_W 32

struct probe {
    struct event_base *base;
    struct rest *rest;
    struct wsmgr *ws;
    struct hub *hub;
    struct sx_account *acct;
    struct signer *signer;
    struct venue venue;
    const char *rest_url;
    long sx_timeout_ms;
    char wsyms[MAX_W][SYM_MAX];
    int wids[MAX_W];
    int nw;
    json_t *last_states;
    int md_every;
    uint64_t md_count;
    bool last_stale[MAX_W];
    char linebuf[8192];
    size_t linelen;
};

static struct probe *G;   /* the one probe (watcher ud is the watcher index) */

static void out(json_t *j)
{
    if (!j) return;
    json_object_set_new(j, "ts", json_real((double)clock_wall_ms() / 1000.0));
    char *s = json_dumps(j, JSON_COMPACT);
    if (s) { printf("%s\n", s); fflush(stdout); free(s); }
    json_decref(j);
}

static json_t *jdec(dec_t v)
{
    char b[40];
    return json_string(dec_str(v, b, sizeof b));
}

static void on_md(void *ud, const struct md_snapshot *s)
{
    int *wid = ud;
    struct probe *p = G;
    p->md_count++;
    bool stale_changed = p->last_stale[*wid] != s->stale;
    p->last_stale[*wid] = s->stale;
    if (!stale_changed && p->md_every > 1 && p->md_count % (uint64_t)p->md_every) return;
    json_t *j = json_pack("{s:s,s:i,s:s,s:o,s:o,s:o,s:b,s:I,s:I,s:i,s:i,s:I,s:I}", "t", "md", "w", *wid,
                          "symbol", s->symbol, "mark", jdec(s->mark), "bid", jdec(s->best_bid), "ask",
                          jdec(s->best_ask), "stale", s->stale, "updates", (json_int_t)s->updates,
                          "conflated", (json_int_t)s->conflated, "n_bids", s->n_bids, "n_asks", s->n_asks,
                          "price_seq", (json_int_t)s->price_seq, "depth_seq", (json_int_t)s->depth_seq);
    if (j && s->n_bids && s->n_asks) {
        json_object_set_new(j, "depth_bid", jdec(s->bids[0].px));
        json_object_set_new(j, "depth_ask", jdec(s->asks[0].px));
        json_object_set_new(j, "sorted", json_boolean((s->n_bids < 2 || s->bids[0].px > s->bids[1].px) &&
                                                      (s->n_asks < 2 || s->asks[0].px < s->asks[1].px)));
    }
    out(j);
}

static const char *ev_name(enum venue_ev_type t)
{
    static const char *const n[] = {"?", "order", "fill", "position", "balance", "place_result",
                                    "cancel_result", "open_orders", "query_order", "stream", "auth"};
    return (unsigned)t < sizeof n / sizeof n[0] ? n[t] : "?";
}

static const char *vr_name(enum venue_result r)
{
    static const char *const n[] = {"ok", "rejected", "rate_limited", "ambiguous", "failed"};
    return (unsigned)r < sizeof n / sizeof n[0] ? n[r] : "?";
}

static json_t *order_json(const struct venue_order *o)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:s}", "id", (json_int_t)o->id, "cl_ord_id",
                     o->cl_ord_id, "symbol", o->symbol, "side", side_name(o->side), "price", jdec(o->price),
                     "qty", jdec(o->qty), "fill_qty", jdec(o->fill_qty), "status",
                     order_status_name(o->status), "reason", o->reason);
}

static void on_event(void *ud, const struct venue_event *ev)
{
    (void)ud;
    json_t *j = json_pack("{s:s,s:s,s:s}", "t", "ev", "type", ev_name(ev->type), "symbol", ev->symbol);
    switch (ev->type) {
    case VEV_ORDER: json_object_set_new(j, "order", order_json(&ev->u.order)); break;
    case VEV_QUERY_ORDER:
        json_object_set_new(j, "found", json_boolean(ev->found));
        json_object_set_new(j, "order", order_json(&ev->u.order));
        break;
    case VEV_FILL:
        json_object_set_new(j, "fill", json_pack("{s:I,s:I,s:s,s:s,s:o,s:o}", "trade_id",
                                                 (json_int_t)ev->u.fill.trade_id, "order_id",
                                                 (json_int_t)ev->u.fill.order_id, "cl_ord_id",
                                                 ev->u.fill.cl_ord_id, "side", side_name(ev->u.fill.side),
                                                 "price", jdec(ev->u.fill.price), "qty", jdec(ev->u.fill.qty)));
        break;
    case VEV_POSITION:
        json_object_set_new(j, "qty", jdec(ev->u.position.qty));
        json_object_set_new(j, "entry_price", jdec(ev->u.position.entry_price));
        break;
    case VEV_BALANCE:
        json_object_set_new(j, "equity", jdec(ev->u.balance.equity));
        json_object_set_new(j, "available", jdec(ev->u.balance.available));
        break;
    case VEV_PLACE_RESULT:
    case VEV_CANCEL_RESULT:
        json_object_set_new(j, "cl_ord_id", json_string(ev->u.result.cl_ord_id));
        json_object_set_new(j, "order_id", json_integer(ev->u.result.order_id));
        json_object_set_new(j, "outcome", json_string(vr_name(ev->u.result.outcome)));
        json_object_set_new(j, "http", json_integer(ev->u.result.http_status));
        json_object_set_new(j, "message", json_string(ev->u.result.message));
        break;
    case VEV_OPEN_ORDERS: {
        json_t *a = json_array();
        for (size_t i = 0; i < ev->u.list.n; i++) json_array_append_new(a, order_json(&ev->u.list.orders[i]));
        json_object_set_new(j, "found", json_boolean(ev->found));
        json_object_set_new(j, "orders", a);
        break;
    }
    case VEV_STREAM: json_object_set_new(j, "up", json_boolean(ev->u.stream_up)); break;
    case VEV_AUTH:
        json_object_set_new(j, "ok", json_boolean(ev->u.auth.ok));
        json_object_set_new(j, "http", json_integer(ev->u.auth.http_status));
        break;
    }
    out(j);
}

/* Prints a line whenever a connection's state/attempts/reconnects change. */
static void on_poll(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct probe *p = arg;
    json_t *all = wsmgr_status_json(p->ws);
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        json_t *key = json_pack("{s:O,s:O,s:O}", "state", json_object_get(c, "state"), "attempts",
                                json_object_get(c, "attempts"), "reconnects", json_object_get(c, "reconnects"));
        json_t *prev = json_object_get(p->last_states, name);
        if (!prev || !json_equal(prev, key)) {
            json_object_set(p->last_states, name, key);
            json_t *j = json_deep_copy(c);
            json_object_set_new(j, "t", json_string("conn"));
            out(j);
        }
        json_decref(key);
    }
    json_decref(all);
}

static int decimals_of(const char *s)
{
    const char *d = strchr(s, '.');
    return d ? (int)strlen(d + 1) : 0;
}

static void on_get(void *ud, const struct rest_resp *r)
{
    char *path = ud;
    out(json_pack("{s:s,s:s,s:i,s:i,s:i,s:s#}", "t", "get", "path", path, "status", (int)r->status, "curl",
                  (int)r->curl_code, "attempts", r->attempts, "body", r->body, (int)(r->body_len > 300 ? 300 : r->body_len)));
    free(path);
}

static void on_symbols(void *ud, int ok, const struct sym_info *s, size_t n, const char *err)
{
    (void)ud;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:o,s:b}", "symbol", s[i].symbol, "price_decimals",
                                           s[i].price_decimals, "qty_decimals", s[i].qty_decimals, "min_qty",
                                           jdec(s[i].min_qty), "trading", s[i].trading));
    out(json_pack("{s:s,s:b,s:o,s:s}", "t", "symbols", "ok", ok, "symbols", a, "err", err ? err : ""));
}

static void on_balance(void *ud, int status, dec_t equity, const char *err)
{
    (void)ud;
    out(json_pack("{s:s,s:i,s:o,s:s}", "t", "balance", "status", status, "equity", jdec(equity), "err",
                  err ? err : ""));
}

static int watch(struct probe *p, const char *sym)
{
    if (p->nw >= MAX_W) return -1;
    int i = p->nw++;
    snprintf(p->wsyms[i], SYM_MAX, "%s", sym);
    p->wids[i] = i;
    p->last_stale[i] = true;
    return hub_watch(p->hub, sym, on_md, &p->wids[i]);
}

static int command(struct probe *p, char *line)
{
    char *argv[12];
    int argc = 0;
    for (char *t = strtok(line, " \t\r\n"); t && argc < 12; t = strtok(NULL, " \t\r\n")) argv[argc++] = t;
    if (argc == 0) return 0;
    const char *c = argv[0];
    bool have_acct = p->acct != NULL;
    if (!strcmp(c, "quit")) { event_base_loopexit(p->base, NULL); return 0; }
    if (!strcmp(c, "watch") && argc == 2) return watch(p, argv[1]);
    if (!strcmp(c, "unwatch") && argc == 2) {
        for (int i = p->nw - 1; i >= 0; i--)
            if (!strcmp(p->wsyms[i], argv[1]) && p->wsyms[i][0]) {
                hub_unwatch(p->hub, argv[1], on_md, &p->wids[i]);
                p->wsyms[i][0] = 0;
                return 0;
            }
        return -1;
    }
    if (!strcmp(c, "status")) {
        json_t *j = json_pack("{s:s,s:o,s:o,s:o}", "t", "status", "hub", hub_status_json(p->hub), "ws",
                              wsmgr_status_json(p->ws), "rest", rest_status_json(p->rest));
        if (have_acct) json_object_set_new(j, "account", sx_account_status_json(p->acct));
        out(j);
        return 0;
    }
    if (!strcmp(c, "get") && argc == 2) {
        char url[1024];
        snprintf(url, sizeof url, "%s%s", p->rest_url, argv[1]);
        char *path = strdup(argv[1]);
        return rest_request(p->rest, "GET", url, NULL, NULL, 0, 5000, on_get, path);
    }
    if (!strcmp(c, "symbols")) return sx_load_symbols(p->rest, p->rest_url, p->sx_timeout_ms, on_symbols, NULL);
    if (!have_acct) return -1;
    const struct venue_ops *ops = p->venue.ops;
    void *ctx = p->venue.ctx;
    if ((!strcmp(c, "place") && (argc == 6 || argc == 7)) || (!strcmp(c, "market") && argc == 5)) {
        struct order_req q;
        memset(&q, 0, sizeof q);
        bool mkt = !strcmp(c, "market");
        const char *px = mkt ? "0" : argv[3], *qty = mkt ? argv[3] : argv[4];
        snprintf(q.symbol, sizeof q.symbol, "%s", argv[1]);
        snprintf(q.cl_ord_id, sizeof q.cl_ord_id, "%s", mkt ? argv[4] : argv[5]);
        q.side = !strcmp(argv[2], "sell") ? SIDE_SELL : SIDE_BUY;
        q.market = mkt;
        q.tif = argc == 7 ? (!strcmp(argv[6], "alo") ? TIF_ALO : !strcmp(argv[6], "ioc") ? TIF_IOC : TIF_GTC)
                          : TIF_GTC;
        if (dec_parse(px, &q.price) != 0 || dec_parse(qty, &q.qty) != 0) return -1;
        q.price_decimals = decimals_of(px);
        q.qty_decimals = decimals_of(qty);
        return ops->place(ctx, &q);
    }
    if (!strcmp(c, "cancel") && argc == 3) return ops->cancel(ctx, argv[1], argv[2], 0);
    if (!strcmp(c, "cancel_id") && argc == 3) return ops->cancel(ctx, argv[1], NULL, atoll(argv[2]));
    if (!strcmp(c, "cancel_many") && argc == 3) {
        const char *ids[64];
        size_t n = 0;
        for (char *t = strtok(argv[2], ","); t && n < 64; t = strtok(NULL, ",")) ids[n++] = t;
        return ops->cancel_many(ctx, argv[1], ids, n);
    }
    if (!strcmp(c, "open_orders") && argc == 2) return ops->query_open_orders(ctx, argv[1]);
    if (!strcmp(c, "query_order") && argc == 2) return ops->query_order(ctx, argv[1]);
    if (!strcmp(c, "positions") && argc == 2) return ops->query_positions(ctx, argv[1]);
    if (!strcmp(c, "balance")) return sx_check_balance(p->acct, on_balance, NULL);
    return -1;
}

static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct probe *p = arg;
    ssize_t n = read(fd, p->linebuf + p->linelen, sizeof p->linebuf - 1 - p->linelen);
    if (n <= 0) { event_base_loopexit(p->base, NULL); return; }   /* EOF: done */
    p->linelen += (size_t)n;
    p->linebuf[p->linelen] = 0;
    char *nl;
    while ((nl = strchr(p->linebuf, '\n'))) {
        *nl = 0;
        char cmd[8192];
        snprintf(cmd, sizeof cmd, "%s", p->linebuf);
        char copy[8192];
        snprintf(copy, sizeof copy, "%s", p->linebuf);
        int rc = command(p, copy);
        out(json_pack("{s:s,s:s,s:i}", "t", "ack", "cmd", cmd, "rc", rc));
        size_t rest = p->linelen - (size_t)(nl + 1 - p->linebuf);
        memmove(p->linebuf, nl + 1, rest + 1);
        p->linelen = rest;
    }
    if (p->linelen >= sizeof p->linebuf - 1) p->linelen = 0;   /* overlong line: drop */
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rest", required_argument, NULL, 'r'}, {"ws", required_argument, NULL, 'w'},
        {"watch", required_argument, NULL, 's'}, {"seconds", required_argument, NULL, 't'},
        {"jwt", required_argument, NULL, 'j'},  {"key", required_argument, NULL, 'k'},
        {"account", required_argument, NULL, 'a'}, {"md-every", required_argument, NULL, 'm'},
        {"no-stdin", no_argument, NULL, 'n'},   {NULL, 0, NULL, 0}};
    const char *rest_url = NULL, *ws_url = NULL, *jwt = NULL, *key = NULL, *acct = "probe";
    const char *syms[MAX_W];
    int nsyms = 0, c, md_every = 1;
    bool use_stdin = true;
    double seconds = 10;
    log_init_from_env();
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rest_url = optarg; break;
        case 'w': ws_url = optarg; break;
        case 's': if (nsyms < MAX_W) syms[nsyms++] = optarg; break;
        case 't': seconds = atof(optarg); break;
        case 'j': jwt = optarg; break;
        case 'k': key = optarg; break;
        case 'a': acct = optarg; break;
        case 'm': md_every = atoi(optarg); break;
        case 'n': use_stdin = false; break;
        default: fprintf(stderr, "usage: mdprobe --rest URL --ws URL [--watch SYM]... [--seconds S] "
                                 "[--jwt JWT --key KEY]\n");
                 return 2;
        }
    }
    if (!rest_url || !ws_url) { fprintf(stderr, "mdprobe: --rest and --ws are required\n"); return 2; }
    if (sign_init() != 0) return 1;
    signal(SIGPIPE, SIG_IGN);
    struct probe p;
    memset(&p, 0, sizeof p);
    G = &p;
    p.rest_url = rest_url;
    p.md_every = md_every > 0 ? md_every : 1;
    p.base = event_base_new();
    struct mmd_knobs k;
    knobs_from_env(&k);
    p.sx_timeout_ms = k.sx.timeout_ms;
    p.rest = rest_new(p.base, &k.rest);
    p.ws = wsmgr_new(p.base, &k.ws);
    char *stream_url = sx_stream_url(ws_url);
    const struct hub_feed feed = {stream_url, sxm_sub_msg, sxm_parse};
    p.hub = p.ws && stream_url ? hub_new(p.base, p.ws, &feed, &k.hub) : NULL;
    p.last_states = json_object();
    if (!p.base || !p.rest || !p.ws || !p.hub) { fprintf(stderr, "mdprobe: init failed\n"); return 1; }
    if (jwt && key) {
        char err[128];
        p.signer = signer_from_string(key, err, sizeof err);
        if (!p.signer) { fprintf(stderr, "mdprobe: bad key: %s\n", err); return 1; }
        const struct sx_account_params ap = {.rest_url = rest_url, .stream_url = stream_url,
                                             .account_id = acct, .jwt = jwt, .signer = p.signer,
                                             .sink = on_event, .sink_ud = &p, .knobs = k.sx};
        p.acct = sx_account_new(p.base, p.rest, p.ws, &ap);
        if (!p.acct) { fprintf(stderr, "mdprobe: account init failed\n"); return 1; }
        p.venue = sx_account_venue(p.acct);
        sx_account_start(p.acct);
    }
    for (int i = 0; i < nsyms; i++) watch(&p, syms[i]);
    struct event *poll = event_new(p.base, -1, EV_PERSIST, on_poll, &p);
    struct timeval ptv = {0, 50000};
    event_add(poll, &ptv);
    struct event *in = use_stdin ? event_new(p.base, 0, EV_READ | EV_PERSIST, on_stdin, &p) : NULL;
    if (in) event_add(in, NULL);
    struct event *stop = evtimer_new(p.base, on_stop, p.base);
    struct timeval stv = {(time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
    evtimer_add(stop, &stv);
    struct event *sigt = evsignal_new(p.base, SIGTERM, on_stop, p.base);
    struct event *sigi = evsignal_new(p.base, SIGINT, on_stop, p.base);
    event_add(sigt, NULL);
    event_add(sigi, NULL);
    event_base_dispatch(p.base);
    out(json_pack("{s:s}", "t", "exit"));
    event_free(poll);
    if (in) event_free(in);
    event_free(stop);
    event_free(sigt);
    event_free(sigi);
    sx_account_free(p.acct);
    hub_free(p.hub);
    wsmgr_free(p.ws);
    rest_free(p.rest);
    free(stream_url);
    signer_free(p.signer);
    json_decref(p.last_states);
    event_base_free(p.base);
    libevent_global_shutdown();
    curl_global_cleanup();
    return 0;
}
