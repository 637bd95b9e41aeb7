/* metrics — see metrics.h.  Owns the HTTP listener and the exposition text.
 * The figures are read from the same views the control socket answers
 * (the backend's status; each task's position and uptime), so a scrape and
 * `mmctl -j status` taken together agree; a few come straight from the
 * daemon's own state (position limits, latency histogram).  Every family is
 * written whole (HELP, TYPE, then all its samples) before the next starts;
 * label values are escaped as the format says.  Only GET and HEAD of
 * /metrics are served; anything else is 404 or 405. */
#include "metrics.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lat.h"
#include "log.h"
#include "mmd.h"
#include "task.h"

struct metrics {
    struct mmd *d;
    struct evhttp *http;
    char listen[CFG_LISTEN_MAX];
};

/* ---- the text format ---- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Appends name="value" (escaped) to a label set being built in buf. */
static void label(char *buf, size_t cap, const char *name, const char *value)
{
    size_t n = strlen(buf);
    if (n + 1 >= cap) return;
    n += (size_t)snprintf(buf + n, cap - n, "%s%s=\"", n ? "," : "", name);
    for (const char *p = value ? value : ""; *p && n + 3 < cap; p++) {
        if (*p == '\\' || *p == '"') buf[n++] = '\\', buf[n++] = *p;
        else if (*p == '\n') buf[n++] = '\\', buf[n++] = 'n';
        else buf[n++] = *p;
    }
    if (n + 1 < cap) buf[n++] = '"';
    buf[n < cap ? n : cap - 1] = 0;
}

static void emit(FILE *f, const char *name, const char *labels, double v)
{
    fprintf(f, "%s%s%s%s %.17g\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "", v);
}

/* A sample from a JSON number or decimal string; nothing for null or
 * anything else (a figure the daemon does not have yet). */
static void emit_json(FILE *f, const char *name, const char *labels, const json_t *v)
{
    if (json_is_integer(v)) {
        fprintf(f, "%s%s%s%s %lld\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
                (long long)json_integer_value(v));
    } else if (json_is_number(v)) {
        emit(f, name, labels, json_number_value(v));
    } else if (json_is_string(v)) {
        char *end = NULL;
        double x = strtod(json_string_value(v), &end);
        if (end != json_string_value(v) && !*end) emit(f, name, labels, x);
    } else if (json_is_boolean(v)) {
        emit(f, name, labels, json_is_true(v));
    }
}

static const json_t *path(const json_t *j, const char *a, const char *b)
{
    const json_t *v = json_object_get(j, a);
    return b ? json_object_get(v, b) : v;
}

/* ---- per task ---- */

struct tview {                 /* one task's views, taken once per scrape */
    const struct d_task *dt;
    json_t *st, *pos, *up;     /* status entry (borrowed), position, uptime (owned; may be NULL) */
    char lb[256];              /* task="...",symbol="..." */
};

static const char *const TASK_STATES[] = {"starting", "quoting", "halted", "paused", "stopping", "stopped",
                                          "failed", NULL};
static const char *const RISK_STATES[] = {"safe", "caution", "halt", NULL};

static void stateset(FILE *f, const char *name, const char *base, const char *const *states,
                     const char *cur)
{
    for (int k = 0; states[k]; k++) {
        char lb[320];
        snprintf(lb, sizeof lb, "%s", base);
        label(lb, sizeof lb, "state", states[k]);
        emit(f, name, lb, cur && !strcmp(cur, states[k]));
    }
}

static void task_families(FILE *f, struct tview *tv, size_t n)
{
    family(f, "mmd_task_state", "gauge", "1 for the task's current state (starting, quoting, halted, paused, "
           "stopping, stopped, failed)");
    for (size_t i = 0; i < n; i++)
        stateset(f, "mmd_task_state", tv[i].lb, TASK_STATES, json_string_value(path(tv[i].st, "state", NULL)));
    family(f, "mmd_task_quoting", "gauge", "1 while the task is quoting (state quoting)");
    for (size_t i = 0; i < n; i++)
        emit(f, "mmd_task_quoting", tv[i].lb, !strcmp(json_string_value(path(tv[i].st, "state", NULL)) ?: "", "quoting"));
    family(f, "mmd_task_risk_state", "gauge", "1 for the task's current risk verdict (safe, caution, halt)");
    for (size_t i = 0; i < n; i++)
        stateset(f, "mmd_task_risk_state", tv[i].lb, RISK_STATES,
                 json_string_value(path(path(tv[i].st, "risk", NULL), "state", NULL)));
    family(f, "mmd_task_operator_halt", "gauge", "1 while the task is halted by the operator");
    for (size_t i = 0; i < n; i++) emit_json(f, "mmd_task_operator_halt", tv[i].lb, path(tv[i].st, "risk", "operator_halt"));
    family(f, "mmd_task_two_sided", "gauge", "1 while both sides are resting at the minimum size");
    for (size_t i = 0; i < n; i++) emit_json(f, "mmd_task_two_sided", tv[i].lb, path(tv[i].st, "uptime", "both_sides_now"));
    family(f, "mmd_task_two_sided_seconds_this_hour", "gauge", "qualifying two-sided seconds in the current UTC hour");
    for (size_t i = 0; i < n; i++)
        emit_json(f, "mmd_task_two_sided_seconds_this_hour", tv[i].lb, path(tv[i].up, "this_hour", "seconds"));
    family(f, "mmd_task_maker_hours_month_to_date", "gauge", "Maker Hours earned this UTC month");
    for (size_t i = 0; i < n; i++)
        emit_json(f, "mmd_task_maker_hours_month_to_date", tv[i].lb, path(tv[i].up, "month_to_date_mh", NULL));
    family(f, "mmd_task_position", "gauge", "position in the base asset (negative: short)");
    for (size_t i = 0; i < n; i++) emit_json(f, "mmd_task_position", tv[i].lb, path(tv[i].st, "position", NULL));
    family(f, "mmd_task_position_notional_usd", "gauge", "absolute position notional at the mark, USD");
    for (size_t i = 0; i < n; i++)
        emit_json(f, "mmd_task_position_notional_usd", tv[i].lb, path(tv[i].pos, "notional_usd", NULL));
    family(f, "mmd_task_position_limit_usd", "gauge", "risk.max_position_usd of the task");
    for (size_t i = 0; i < n; i++) {
        char b[48];
        emit(f, "mmd_task_position_limit_usd", tv[i].lb, strtod(dec_str(tv[i].dt->ct->max_position_usd, b, sizeof b), NULL));
    }
    family(f, "mmd_task_unrealized_pnl_usd", "gauge", "unrealized PnL of the position at the mark, USD");
    for (size_t i = 0; i < n; i++) emit_json(f, "mmd_task_unrealized_pnl_usd", tv[i].lb, path(tv[i].st, "upnl", NULL));
    family(f, "mmd_task_realized_pnl_usd", "gauge", "realized PnL since the task started, USD");
    for (size_t i = 0; i < n; i++)
        emit_json(f, "mmd_task_realized_pnl_usd", tv[i].lb, path(tv[i].pos, "realized_pnl", NULL));
    family(f, "mmd_task_orders_open", "gauge", "the task's open orders");
    for (size_t i = 0; i < n; i++) emit_json(f, "mmd_task_orders_open", tv[i].lb, path(tv[i].st, "orders_open", NULL));
    family(f, "mmd_task_fills_today", "gauge", "fills of the task this UTC day");
    for (size_t i = 0; i < n; i++) emit_json(f, "mmd_task_fills_today", tv[i].lb, path(tv[i].st, "fills_today", NULL));
    family(f, "mmd_task_rejects_total", "counter", "orders of the task the exchange rejected");
    for (size_t i = 0; i < n; i++) emit_json(f, "mmd_task_rejects_total", tv[i].lb, path(tv[i].st, "rejects", NULL));
    family(f, "mmd_task_alo_rejects_total", "counter", "post-only orders of the task rejected for crossing");
    for (size_t i = 0; i < n; i++) emit_json(f, "mmd_task_alo_rejects_total", tv[i].lb, path(tv[i].st, "alo_rejects", NULL));
}

/* ---- accounts and connections ---- */

static const char *const ACCOUNT_COUNTERS[][3] = {
    {"places", "mmd_account_orders_placed_total", "order requests sent"},
    {"cancels", "mmd_account_cancels_total", "cancel requests sent"},
    {"rejects", "mmd_account_rejects_total", "orders the exchange rejected"},
    {"fills", "mmd_account_fills_total", "fills received"},
    {"rate_limited", "mmd_account_rate_limited_total", "requests answered 429 (rate limited)"},
    {"auth_failures", "mmd_account_auth_failures_total", "authentication failures of the account stream"},
    {"http_auth_errors", "mmd_account_http_auth_errors_total", "requests answered 401 or 403"},
    {"queries", "mmd_account_queries_total", "query requests sent"},
};

static void account_families(FILE *f, const json_t *accts)
{
    static const char *const ACC_STATES[] = {"waiting", "checking", "ready", "failed", NULL};
    const char *id;
    const json_t *a;
    family(f, "mmd_account_state", "gauge", "1 for the account's current state (waiting, checking, ready, failed)");
    json_object_foreach((json_t *)accts, id, a) {
        char lb[160] = "";
        label(lb, sizeof lb, "account", id);
        stateset(f, "mmd_account_state", lb, ACC_STATES, json_string_value(json_object_get(a, "state")));
    }
    for (size_t k = 0; k < sizeof ACCOUNT_COUNTERS / sizeof ACCOUNT_COUNTERS[0]; k++) {
        family(f, ACCOUNT_COUNTERS[k][1], "counter", ACCOUNT_COUNTERS[k][2]);
        json_object_foreach((json_t *)accts, id, a) {
            char lb[160] = "";
            label(lb, sizeof lb, "account", id);
            emit_json(f, ACCOUNT_COUNTERS[k][1], lb, path(a, "counters", ACCOUNT_COUNTERS[k][0]));
        }
    }
    family(f, "mmd_account_request_credits", "gauge", "request-budget credits available now (rate bucket)");
    json_object_foreach((json_t *)accts, id, a) {
        char lb[160] = "";
        label(lb, sizeof lb, "account", id);
        emit_json(f, "mmd_account_request_credits", lb, path(a, "rate_bucket", "credits"));
    }
    family(f, "mmd_account_request_credits_capacity", "gauge", "request-budget capacity (rate bucket)");
    json_object_foreach((json_t *)accts, id, a) {
        char lb[160] = "";
        label(lb, sizeof lb, "account", id);
        emit_json(f, "mmd_account_request_credits_capacity", lb, path(a, "rate_bucket", "capacity"));
    }
    family(f, "mmd_account_jwt_expires_in_seconds", "gauge", "seconds until the account's JWT expires");
    json_object_foreach((json_t *)accts, id, a) {
        char lb[160] = "";
        label(lb, sizeof lb, "account", id);
        emit_json(f, "mmd_account_jwt_expires_in_seconds", lb, json_object_get(a, "jwt_expires_in_s"));
    }
}

/* The market stream and every account stream: label connection = its name. */
static void connection_families(FILE *f, const json_t *market, const json_t *accts)
{
    static const char *const KEYS[][4] = {
        {"mmd_connection_up", "gauge", "1 while the WebSocket connection is up", NULL},
        {"mmd_connection_reconnects_total", "counter", "reconnections of the WebSocket connection", "reconnects"},
        {"mmd_connection_messages_received_total", "counter", "messages received on the connection", "msgs_in"},
        {"mmd_connection_messages_sent_total", "counter", "messages sent on the connection", "msgs_out"},
    };
    for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++) {
        family(f, KEYS[k][0], KEYS[k][1], KEYS[k][2]);
        const json_t *conns[1 + 256];
        size_t nc = 0;
        conns[nc++] = json_object_get(market, "connection");
        const char *id;
        const json_t *a;
        json_object_foreach((json_t *)accts, id, a) if (nc < sizeof conns / sizeof conns[0]) conns[nc++] = json_object_get(a, "connection");
        for (size_t i = 0; i < nc; i++) {
            const char *name = json_string_value(json_object_get(conns[i], "name"));
            if (!name) continue;
            char lb[200] = "";
            label(lb, sizeof lb, "connection", name);
            if (KEYS[k][3]) emit_json(f, KEYS[k][0], lb, json_object_get(conns[i], KEYS[k][3]));
            else emit(f, KEYS[k][0], lb, !strcmp(json_string_value(json_object_get(conns[i], "state")) ?: "", "up"));
        }
    }
    family(f, "mmd_market_frames_total", "counter", "market-data frames received");
    emit_json(f, "mmd_market_frames_total", "", json_object_get(market, "frames"));
    family(f, "mmd_market_bad_frames_total", "counter", "market-data frames that could not be parsed");
    emit_json(f, "mmd_market_bad_frames_total", "", json_object_get(market, "bad_frames"));
}

/* The per-IP request budget, when the status carries one ("ip_budget"): a
 * number, or an object whose numeric members are its figures. */
static void ip_budget_family(FILE *f, const json_t *b)
{
    if (!b) return;
    family(f, "mmd_ip_budget", "gauge", "the per-IP request budget (status ip_budget; label figure)");
    if (json_is_number(b)) {
        emit_json(f, "mmd_ip_budget", "figure=\"credits\"", b);
        return;
    }
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)b, k, v) {
        char lb[160] = "";
        label(lb, sizeof lb, "figure", k);
        emit_json(f, "mmd_ip_budget", lb, v);
    }
}

static void latency_family(FILE *f, const struct lat *l)
{
    static const char *const STAGES[] = {"recv_to_parse", "parse_to_decision", "decision_to_write", "total"};
    const char *name = "mmd_reaction_latency_seconds";
    family(f, name, "histogram", "market data to order request latency per stage (every sample since start)");
    for (int s = 0; s < 4; s++) {
        uint64_t counts[LAT_NB + 1];
        int64_t sum;
        lat_histogram(l, s, counts, &sum);
        for (int k = 0; k <= LAT_NB; k++) {
            char le[32];
            if (k < LAT_NB) snprintf(le, sizeof le, "%g", (double)lat_bounds_us[k] / 1e6);
            else snprintf(le, sizeof le, "+Inf");
            fprintf(f, "%s_bucket{stage=\"%s\",le=\"%s\"} %llu\n", name, STAGES[s], le, (unsigned long long)counts[k]);
        }
        fprintf(f, "%s_sum{stage=\"%s\"} %.17g\n", name, STAGES[s], (double)sum / 1e6);
        fprintf(f, "%s_count{stage=\"%s\"} %llu\n", name, STAGES[s], (unsigned long long)counts[LAT_NB]);
    }
}

char *metrics_text(struct mmd *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    json_t *st = d->be.status(d);
    const json_t *tasks = json_object_get(st, "tasks");
    size_t n = d->n_tasks;
    struct tview *tv = calloc(n ? n : 1, sizeof *tv);
    for (size_t i = 0; tv && i < n; i++) {
        tv[i].dt = d->tasks[i];
        tv[i].st = json_array_get(tasks, i);
        if (d->tasks[i]->t) {
            tv[i].pos = task_position_json(d->tasks[i]->t);
            tv[i].up = task_uptime_json(d->tasks[i]->t, wall_ms());
        }
        label(tv[i].lb, sizeof tv[i].lb, "task", d->tasks[i]->ct->id);
        label(tv[i].lb, sizeof tv[i].lb, "symbol", d->tasks[i]->ct->symbol);
    }
    char lb[160] = "";
    label(lb, sizeof lb, "version", MMD_VERSION);
    family(f, "mmd_build_info", "gauge", "always 1; label version: git describe of the build");
    emit(f, "mmd_build_info", lb, 1);
    family(f, "mmd_uptime_seconds", "gauge", "seconds since mmd started");
    emit_json(f, "mmd_uptime_seconds", "", json_object_get(st, "uptime_s"));
    family(f, "mmd_shutting_down", "gauge", "1 once a shutdown started");
    emit_json(f, "mmd_shutting_down", "", json_object_get(st, "shutting_down"));
    family(f, "mmd_tasks", "gauge", "configured tasks");
    emit(f, "mmd_tasks", "", (double)n);
    if (tv) task_families(f, tv, n);
    account_families(f, path(st, "connections", "accounts"));
    connection_families(f, path(st, "connections", "market"), path(st, "connections", "accounts"));
    ip_budget_family(f, json_object_get(st, "ip_budget"));
    latency_family(f, d->lat);
    for (size_t i = 0; tv && i < n; i++) {
        json_decref(tv[i].pos);
        json_decref(tv[i].up);
    }
    free(tv);
    json_decref(st);
    if (fclose(f) != 0) { free(buf); return NULL; }
    return buf;
}

/* ---- HTTP ---- */

static void http_cb(struct evhttp_request *req, void *ud)
{
    struct metrics *m = ud;
    const char *uri = evhttp_request_get_uri(req);
    struct evbuffer *out = evhttp_request_get_output_buffer(req);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        evhttp_add_header(h, "Allow", "GET, HEAD");
        evhttp_send_reply(req, 405, "Method Not Allowed", NULL);
        return;
    }
    size_t plen = strcspn(uri ? uri : "", "?");
    if (!uri || plen != 8 || strncmp(uri, "/metrics", 8) != 0) {
        evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
        evbuffer_add_printf(out, "mmd: only /metrics is served here\n");
        evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", out);
        return;
    }
    char *text = metrics_text(m->d);
    if (!text) {
        evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
        return;
    }
    evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    evbuffer_add(out, text, strlen(text));
    free(text);
    evhttp_send_reply(req, HTTP_OK, "OK", out);
}

struct metrics *metrics_new(struct mmd *d, const char *listen, char *err, size_t errlen)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (!m) { snprintf(err, errlen, "out of memory"); return NULL; }
    m->d = d;
    snprintf(m->listen, sizeof m->listen, "%s", listen);
    char host[CFG_LISTEN_MAX];
    const char *colon = strrchr(listen, ':');
    snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - listen) : 0, listen);
    if (host[0] == '[') { memmove(host, host + 1, strlen(host)); host[strlen(host) - 1] = 0; }
    int port = colon ? atoi(colon + 1) : 0;
    m->http = evhttp_new(d->base);
    if (!m->http) { snprintf(err, errlen, "cannot create the metrics HTTP server"); free(m); return NULL; }
    evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_timeout(m->http, 10);
    evhttp_set_max_headers_size(m->http, 16384);
    evhttp_set_max_body_size(m->http, 4096);
    evhttp_set_gencb(m->http, http_cb, m);
    errno = 0;
    if (!evhttp_bind_socket_with_handle(m->http, host, (ev_uint16_t)port)) {
        snprintf(err, errlen, "cannot listen for metrics on %s: %s; choose a free address in metrics.listen "
                 "(mmd.yaml(5)) or remove the metrics section", listen, errno ? strerror(errno) : "bind failed");
        evhttp_free(m->http);
        free(m);
        return NULL;
    }
    LOGI("metrics", "serving Prometheus metrics on http://%s/metrics", listen);
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m) return;
    evhttp_free(m->http);
    free(m);
}
