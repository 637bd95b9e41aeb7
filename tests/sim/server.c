/* server — the standx-sim event loop: scenario + engine setup, the market
 * timer (sim_advance every tick_ms, then the engine's events go out on the
 * streams), the ping/pong/age timer, the signal handlers, the JSON-lines
 * request log, fault state (admin and scenario faults), request routing and
 * the queue of ws-api reply frames sent on the next loop turn. */
#include "sim_net.h"

#include "clock.h"
#include "log.h"
#include "sign.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int64_t sim_now_ms(void) { return clock_wall_ms(); }
int64_t sim_eng_us(const struct sim_srv *s) { return s->o.manual_clock ? s->virt_us : clock_wall_us(); }
struct event_base *sim_srv_base(struct sim_srv *s) { return s->base; }

bool sim_srv_refusing(struct sim_srv *s) { return sim_now_ms() < s->f.refuse_until_ms; }

/* ---- request log ------------------------------------------------------ */

/* Copy of body with JWT values after a "token" key replaced by <redacted>
 * (also inside JSON-encoded strings such as ws-api params). */
static char *redact(const char *body, size_t len, size_t *olen)
{
    char *o = malloc(len + 16 * 12 + 1);
    size_t n = 0, i = 0, hits = 0;
    if (!o) return NULL;
    while (i < len) {
        if (hits < 16 && i + 7 <= len && !memcmp(body + i, "token", 5)) {
            size_t j = i + 5;
            while (j < len && body[j] && strchr("\\\":", body[j]) && j - i < 12) j++;
            size_t k = j;
            while (k < len && (isalnum((unsigned char)body[k]) || (body[k] && strchr("._-", body[k])))) k++;
            if (k - j >= 16) {
                memcpy(o + n, body + i, j - i);
                n += j - i;
                memcpy(o + n, "<redacted>", 10);
                n += 10;
                i = k;
                hits++;
                continue;
            }
        }
        o[n++] = body[i++];
    }
    *olen = n;
    return o;
}

/* --log-lean keeps what the benchmark needs: requests in (HTTP, ws-api)
 * and price frames out. */
static bool lean_keeps(const char *dir, const struct sim_conn *c, const char *body, size_t len)
{
    static const char pc[] = "\"channel\":\"price\"";
    if (!c || strcmp(dir, c->kind == SIM_CONN_WS_STREAM ? "out" : "in") != 0) return false;
    if (c->kind != SIM_CONN_WS_STREAM) return true;
    for (size_t i = 0; body && i + sizeof pc - 1 <= len && i < 64; i++)
        if (!memcmp(body + i, pc, sizeof pc - 1)) return true;
    return false;
}

void sim_srv_log(struct sim_srv *s, const char *dir, const struct sim_conn *c, const char *path,
                 const char *body, size_t len)
{
    if (!s->log) return;
    if (s->o.log_lean && !lean_keeps(dir, c, body, len)) return;
    const char *kind = !c ? "-" : c->kind == SIM_CONN_WS_STREAM ? "ws-stream"
                     : c->kind == SIM_CONN_WS_API ? "ws-api" : "http";
    json_t *j = json_pack("{s:I,s:s,s:I,s:s}", "ts_us", (json_int_t)clock_wall_us(), "dir", dir,
                          "conn", (json_int_t)(c ? c->id : 0), "kind", kind);
    if (!j) return;
    if (!path && c && c->ws) path = c->kind == SIM_CONN_WS_STREAM ? "/ws-stream/v1" : "/ws-api/v1";
    if (path) json_object_set_new(j, "path", json_string(path));
    size_t rl = 0;
    char *red = body ? redact(body, len, &rl) : NULL;
    if (red) json_object_set_new(j, "body", json_stringn_nocheck(red, rl));
    free(red);
    char *txt = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    if (txt) { fprintf(s->log, "%s\n", txt); fflush(s->log); }
    free(txt);
}

void sim_srv_log_acct(struct sim_srv *s, const struct sim_conn *c, const char *addr, const char *rid)
{
    if (!s->log) return;
    json_t *j = json_pack("{s:I,s:s,s:I,s:s,s:s}", "ts_us", (json_int_t)clock_wall_us(), "dir", "acct", "conn",
                          (json_int_t)(c ? c->id : 0), "kind",
                          c && c->kind == SIM_CONN_WS_API ? "ws-api" : "http", "account", addr ? addr : "");
    if (!j) return;
    if (rid) json_object_set_new(j, "rid", json_string(rid));
    char *txt = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    if (txt) { fprintf(s->log, "%s\n", txt); fflush(s->log); }
    free(txt);
}

/* ---- ws-api push queue ------------------------------------------------- */

void sim_srv_push(struct sim_srv *s, uint64_t conn_id, const char *session_id, json_t *j)
{
    struct sim_push *p = calloc(1, sizeof *p);
    if (!p) { json_decref(j); return; }
    p->conn_id = conn_id;
    snprintf(p->session_id, sizeof p->session_id, "%s", session_id ? session_id : "");
    p->json = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (s->push_tail) s->push_tail->next = p; else s->push_head = p;
    s->push_tail = p;
    sim_srv_kick(s);
}

static void deliver_push(struct sim_srv *s, const struct sim_push *p)
{
    if (!p->json) return;
    for (struct sim_conn *c = s->conns; c; c = c->next) {
        if (c->dead || c->kind != SIM_CONN_WS_API) continue;
        if (p->conn_id ? c->id == p->conn_id
                       : (p->session_id[0] && !strcmp(c->session_id, p->session_id) && c->account[0]))
            sim_ws_send_text(c, p->json, strlen(p->json));
    }
}

static void free_pushes(struct sim_srv *s)
{
    while (s->push_head) {
        struct sim_push *p = s->push_head;
        s->push_head = p->next;
        free(p->json);
        free(p);
    }
    s->push_tail = NULL;
}

/* ---- engine events ---------------------------------------------------- */

static void drain_events(struct sim_srv *s)
{
    sim_event *ev = malloc(sizeof *ev);
    if (!ev) return;
    bool stale = sim_now_ms() < s->f.stale_until_ms;
    for (int guard = 0; guard < 100000 && sim_event_next(s->eng, ev); guard++) {
        if (ev->type == SIM_EV_FAULT) { sim_fault_apply_sched(s, &ev->u.fault); continue; }
        bool market = ev->type == SIM_EV_PRICE || ev->type == SIM_EV_DEPTH ||
                      ev->type == SIM_EV_PUBLIC_TRADE;
        if (market && (stale || !sim_md_due(s, ev))) continue;
        sim_stream_publish(s, ev);
    }
    free(ev);
}

static void cmd_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct sim_srv *s = arg;
    drain_events(s);
    struct sim_push *p = s->push_head;
    s->push_head = s->push_tail = NULL;
    while (p) {
        struct sim_push *n = p->next;
        deliver_push(s, p);
        free(p->json);
        free(p);
        p = n;
    }
}

void sim_srv_kick(struct sim_srv *s)
{
    if (s->cmd_ev) event_active(s->cmd_ev, 0, 0);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct sim_srv *s = arg;
    if (!s->o.manual_clock) sim_advance(s->eng, clock_wall_us());
    cmd_cb(-1, 0, s);
}

int sim_srv_advance(struct sim_srv *s, int64_t ms)
{
    if (!s->o.manual_clock || ms < 0) return -1;
    for (int64_t done = 0; done < ms; done += 100) {   /* 100 ms steps keep events flowing */
        s->virt_us += (ms - done < 100 ? ms - done : 100) * 1000;
        sim_advance(s->eng, s->virt_us);
        cmd_cb(-1, 0, s);
    }
    return 0;
}

/* Pings, pong timeout (408 frame + close) and maximum connection age. */
static void ping_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct sim_srv *s = arg;
    int64_t now = clock_mono_ms();
    static const char t408[] =
        "{\"code\":408,\"message\":\"disconnecting due to not receive Pong within 5 minute period\"}";
    for (struct sim_conn *c = s->conns; c; c = c->next) {
        if (!c->ws || c->dead || c->closing) continue;
        if (now - c->created_ms >= s->o.max_conn_age_s * 1000) {
            sim_ws_send_close(c, 1000, "maximum connection age reached");
        } else if (now - c->last_pong_ms >= (int64_t)s->o.pong_timeout_s * 1000) {
            sim_ws_send_text(c, t408, strlen(t408));
            sim_ws_send_close(c, 1000, "pong timeout");
        } else if (now - (c->last_ping_ms ? c->last_ping_ms : c->created_ms) >=
                   (int64_t)s->o.ping_interval_s * 1000) {
            c->last_ping_ms = now;
            sim_ws_send_ping(c);
        }
    }
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct sim_srv *s = arg;
    LOGI("sim", "signal %d: shutting down", (int)sig);
    event_base_loopbreak(s->base);
}

/* ---- faults ----------------------------------------------------------- */

bool sim_unfunded(const struct sim_srv *s, const char *address)
{
    for (int i = 0; i < s->o.nunfunded; i++) {
        char a[43];
        sim_jwt_address(s->o.unfunded[i], a);
        if (!strcasecmp(a, address) || !strcmp(s->o.unfunded[i], address)) return true;
    }
    return false;
}

static void drop_ws(struct sim_srv *s)
{
    for (struct sim_conn *c = s->conns; c; c = c->next)
        if (c->ws && !c->dead) {
            sim_srv_log(s, "close", c, "fault drop_ws", NULL, 0);
            sim_conn_kill(c);
        }
}

static void clear_faults(struct sim_srv *s)
{
    memset(&s->f, 0, sizeof s->f);
    sim_admin_reject_next(s->eng, 0, NULL);
}

static int64_t until(double seconds) { return sim_now_ms() + (int64_t)(seconds * 1000.0); }

void sim_fault_apply_sched(struct sim_srv *s, const sim_fault_ev *f)
{
    const sim_sched *e = &f->s;
    int64_t end_ms = f->end_us / 1000;
    LOGI("sim", "scenario fault %s", sim_kind_str(e->kind));
    switch (e->kind) {
    case SIM_K_DROP_WS: drop_ws(s); break;
    case SIM_K_DELAY_MS: s->f.delay_ms = e->ms; s->f.delay_until_ms = end_ms; break;
    case SIM_K_HTTP_ERROR:
        s->f.http_error_status = e->status ? e->status : 503;
        s->f.http_error_count = e->count;
        s->f.http_error_until_ms = e->count ? 0 : end_ms;
        break;
    case SIM_K_RATE_LIMIT_BURST: s->f.rate_limit_until_ms = end_ms; break;
    case SIM_K_REFUSE_CONNECTIONS: s->f.refuse_until_ms = end_ms; break;
    case SIM_K_LAG_OPEN_ORDERS:
        s->f.lag_open_orders_s = e->seconds > 0 ? e->seconds : 15;
        s->f.lag_until_ms = e->duration > 0 ? end_ms : 0;
        break;
    default: break;   /* market kinds, stale_feed and reject_next: the engine's */
    }
}

static double num(json_t *j, const char *k, double def)
{
    json_t *v = json_object_get(j, k);
    return json_is_number(v) ? json_number_value(v) : def;
}

int sim_fault_apply_json(struct sim_srv *s, json_t *j, char *err, size_t cap)
{
    const char *t = json_string_value(json_object_get(j, "type"));
    double dur = num(j, "duration_s", 0);
    if (!t) { snprintf(err, cap, "fault needs a \"type\""); return -1; }
    if (!strcmp(t, "drop_ws")) drop_ws(s);
    else if (!strcmp(t, "stale_feed")) s->f.stale_until_ms = until(dur > 0 ? dur : 5);
    else if (!strcmp(t, "delay")) {
        s->f.delay_ms = (int)num(j, "ms", 300);
        if (s->f.delay_ms < 0 || s->f.delay_ms > 600000) { snprintf(err, cap, "bad ms"); return -1; }
        s->f.delay_until_ms = until(dur > 0 ? dur : 10);
    } else if (!strcmp(t, "http_error")) {
        s->f.http_error_status = (int)num(j, "status", 503);
        if (s->f.http_error_status < 400 || s->f.http_error_status > 599) {
            snprintf(err, cap, "status must be 400..599");
            return -1;
        }
        s->f.http_error_count = (int)num(j, "count", dur > 0 ? 0 : 1);
        s->f.http_error_until_ms = dur > 0 ? until(dur) : 0;
    } else if (!strcmp(t, "rate_limit")) s->f.rate_limit_until_ms = until(dur > 0 ? dur : 3);
    else if (!strcmp(t, "refuse_connections")) s->f.refuse_until_ms = until(dur > 0 ? dur : 5);
    else if (!strcmp(t, "lag_open_orders")) {
        s->f.lag_open_orders_s = num(j, "seconds", 15);
        s->f.lag_new_s = num(j, "new_seconds", 0);
        s->f.lag_until_ms = dur > 0 ? until(dur) : 0;
    } else if (!strcmp(t, "reject_next")) {
        const char *m = json_string_value(json_object_get(j, "message"));
        sim_admin_reject_next(s->eng, (int)num(j, "count", 1), m);
    } else if (!strcmp(t, "drop_after_process")) {
        s->f.drop_after_process = (int)num(j, "count", 1);
    } else if (!strcmp(t, "clear")) clear_faults(s);
    else { snprintf(err, cap, "unknown fault type '%s'", t); return -1; }
    LOGI("sim", "admin fault %s", t);
    return 0;
}

/* ---- routing ---------------------------------------------------------- */

void sim_srv_dispatch(struct sim_conn *c, struct sim_req *r)
{
    if (!strncmp(r->path, "/_sim/", 6)) {
        if (!c->loopback) sim_http_error(c, r, 403, "admin API is for loopback peers only");
        else sim_admin_handle(c, r);
    } else if (!strncmp(r->path, "/api/", 5)) {
        sim_rest_handle(c, r);
    } else {
        sim_http_error(c, r, 404, "not found");
    }
    sim_req_free(r);
}

void sim_srv_on_request(struct sim_conn *c, struct sim_req *r)
{
    struct sim_srv *s = c->srv;
    char tag[300];
    snprintf(tag, sizeof tag, "%s %s%s%s", r->method, r->path, r->query[0] ? "?" : "", r->query);
    sim_srv_log(s, "in", c, tag, r->body, r->body_len);
    s->cnt.requests++;
    bool admin = !strncmp(r->path, "/_sim/", 6);
    if (!admin && sim_now_ms() < s->f.delay_until_ms && s->f.delay_ms > 0) {
        sim_conn_defer(c, r, s->f.delay_ms);
        return;
    }
    sim_srv_dispatch(c, r);
}

void sim_srv_on_ws_text(struct sim_conn *c, const char *txt, size_t len)
{
    sim_srv_log(c->srv, "in", c, NULL, txt, len);
    if (c->kind == SIM_CONN_WS_STREAM) sim_stream_on_text(c, txt, len);
    else sim_api_on_text(c, txt, len);
}

void sim_srv_on_ws_open(struct sim_conn *c)
{
    if (c->kind == SIM_CONN_WS_STREAM) { c->srv->n_stream++; c->srv->n_stream_total++; }
    else c->srv->n_api++;
}

void sim_srv_on_conn_closed(struct sim_conn *c)
{
    if (!c->ws) return;
    if (c->kind == SIM_CONN_WS_STREAM) c->srv->n_stream--;
    else c->srv->n_api--;
}

/* ---- setup / run ------------------------------------------------------- */

static int load_scenario(struct sim_srv *s)
{
    char err[512];
    if (s->o.scenario) {
        if (sim_scenario_load(s->o.scenario, &s->sc, err, sizeof err) != 0) {
            fprintf(stderr, "standx-sim: %s\n", err);
            return -1;
        }
    } else {
        sim_scenario_defaults(&s->sc);
    }
    if (s->o.profile_set) sim_scenario_set_profile(&s->sc, s->o.profile);
    s->market_hz = s->o.market_hz_set ? s->o.market_hz : s->o.tick_set ? 0 : s->sc.sw.market_hz;
    if (s->o.seed_set) s->sc.seed = s->o.seed;
    if (s->o.speed_set) s->sc.speed = s->o.speed;
    const sim_switches *sw = &s->sc.sw;
    if (!s->o.sig_window_ms) s->o.sig_window_ms = (sw->sig_window_s > 0 ? sw->sig_window_s : 30) * 1000;
    if (!s->o.ping_interval_s) s->o.ping_interval_s = sw->ping_interval_s > 0 ? sw->ping_interval_s : 10;
    if (!s->o.pong_timeout_s) s->o.pong_timeout_s = sw->pong_timeout_s > 0 ? sw->pong_timeout_s : 300;
    if (!s->o.max_conn_age_s) s->o.max_conn_age_s = sw->max_conn_age_s > 0 ? sw->max_conn_age_s : 86400;
    s->auth_code = sw->auth_ack_code;
    s->rng = (s->sc.seed * 0x9E3779B97F4A7C15ULL) | 1;
    return 0;
}

static int add_timer(struct sim_srv *s, struct event **ev, event_callback_fn cb, int ms)
{
    *ev = event_new(s->base, -1, EV_PERSIST, cb, s);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return *ev && event_add(*ev, &tv) == 0 ? 0 : -1;
}

static int setup(struct sim_srv *s, int *port)
{
    if (load_scenario(s) != 0) return -1;
    if (s->o.log_path && !(s->log = fopen(s->o.log_path, "a"))) {
        fprintf(stderr, "standx-sim: cannot open log %s\n", s->o.log_path);
        return -1;
    }
    s->base = event_base_new();
    s->virt_us = clock_wall_us();
    s->eng = s->base ? sim_engine_new(&s->sc, s->virt_us) : NULL;
    if (!s->eng) { fprintf(stderr, "standx-sim: out of memory\n"); return -1; }
    if (sim_http_listen(s, s->o.host, s->o.port, port) != 0) return -1;
    s->cmd_ev = event_new(s->base, -1, 0, cmd_cb, s);
    s->sig_int = evsignal_new(s->base, SIGINT, signal_cb, s);
    s->sig_term = evsignal_new(s->base, SIGTERM, signal_cb, s);
    if (!s->cmd_ev || !s->sig_int || !s->sig_term || event_add(s->sig_int, NULL) ||
        event_add(s->sig_term, NULL))
        return -1;
    if (add_timer(s, &s->tick, tick_cb, s->o.tick_ms > 0 ? s->o.tick_ms : 50) ||
        add_timer(s, &s->pinger, ping_cb, 250))
        return -1;
    return 0;
}

static void teardown(struct sim_srv *s)
{
    sim_admin_free(s);
    sim_http_stop(s);
    struct event *evs[] = {s->tick, s->pinger, s->cmd_ev, s->sig_int, s->sig_term};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i]) event_free(evs[i]);
    free_pushes(s);
    if (s->eng) sim_engine_free(s->eng);
    sim_scenario_free(&s->sc);
    if (s->base) event_base_free(s->base);
    if (s->log) fclose(s->log);
}

int sim_server_run(const struct sim_opts *o)
{
    struct sim_srv *s = calloc(1, sizeof *s);
    if (!s) return 1;
    s->o = *o;
    s->start_wall_ms = sim_now_ms();
    signal(SIGPIPE, SIG_IGN);
    if (sign_init() != 0) { free(s); return 1; }
    int port = 0, rc = 1;
    if (setup(s, &port) == 0) {
        bool v6 = strchr(o->host, ':') != NULL;
        printf("listening %s%s%s:%d\n", v6 ? "[" : "", o->host, v6 ? "]" : "", port);
        fflush(stdout);
        LOGI("sim", "scenario %s, profile %s, seed %llu, speed %g", s->sc.name,
             sim_profile_str(s->sc.profile), (unsigned long long)s->sc.seed, s->sc.speed);
        event_base_dispatch(s->base);
        rc = 0;
    }
    teardown(s);
    free(s);
    return rc;
}
