/* daemon — see daemon.h.  Start-up order:
 *   1. control socket first (refuses to start over a live daemon),
 *   2. symbol rules via query_symbol_info (retried every 5 s until they load),
 *   3. per account: JWT expiry check (expired → that account's tasks fail,
 *      < 24 h → warning), balance check (404 → "account not funded" for that
 *      account's tasks only), then its private stream starts,
 *   4. per task: task_new + hub_watch + task_start (the task reconciles open
 *      orders and position before it quotes).
 * A failure in one account or task never stops the others.  Shutdown (SIGTERM,
 * SIGINT, the shutdown RPC) stops every task, waits until each confirms its
 * orders cancelled (and position closed where configured) or the largest
 * shutdown.timeout_s passes, and exits 0 only if everything was confirmed.
 * A second SIGINT during shutdown prints what is pending and exits 1. */
#include "daemon.h"

#include <event2/event.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clock.h"
#include "control.h"
#include "hub.h"
#include "lat.h"
#include "log.h"
#include "rest.h"
#include "dispatch.h"
#include "sign.h"
#include "standx.h"
#include "task.h"
#include "ws.h"

#define TICK_US 100000
#define RETRY_S 5
#define HALT_WAIT_US (10 * 1000000LL)

struct mmd;

enum acct_state { ACC_WAIT_SYMBOLS, ACC_CHECKING, ACC_READY, ACC_FAILED };

struct d_acct {
    struct mmd *d;
    const struct cfg_account *ca;
    struct sx_account *sx;
    enum acct_state state;
    struct event *retry;
    char err[200];
};

struct d_task {
    struct mmd *d;
    struct cfg_task ct;          /* own copy: survives a config reload */
    struct d_acct *acct;
    bool removing;               /* dropped by a reload: stopping, then freed */
    struct task *t;          /* NULL until created (or if it could not be) */
    char fail[200];          /* why it could not be created */
    bool watching;
};

struct pending_op {          /* a halt waiting for its tasks' orders to settle */
    struct pending_op *next;
    struct d_task **tasks;
    size_t n;
    int64_t deadline_us;
    backend_done_fn done;
    void *arg;
    json_t *result;
};

struct mmd {
    struct event_base *base;
    struct cfg *cfg;
    struct rest *rest;
    struct wsmgr *ws;
    struct hub *hub;
    struct control *ctl;
    struct backend be;
    struct d_acct **accts;
    size_t n_accts;
    struct d_task **tasks;
    size_t n_tasks;
    struct cfg_hold { struct cfg *c; struct cfg_hold *next; } *old_cfgs;   /* accounts point into them */
    struct sym_info *syms;
    size_t n_syms;
    bool syms_loaded;
    struct event *tick, *sym_retry, *sig_term, *sig_int, *sig_hup;
    struct pending_op *pending;
    int64_t start_us;
    bool shutting_down;
    int64_t shutdown_deadline_us;
    int exit_code;
};

static int64_t now_us(void) { return clock_mono_us(); }
static int64_t wall_ms(void) { return clock_wall_ms(); }

/* ---- routing ------------------------------------------------------------ */

static void md_cb(void *ud, const struct md_snapshot *s)
{
    struct d_task *dt = ud;
    if (dt->t) task_on_md(dt->t, s, now_us(), wall_ms());
}

/* The task an account event belongs to: by symbol when the event names one
 * (one task per account and symbol), else by the longest task-id prefix of
 * the client order id. */
static struct d_task *route(struct d_acct *a, const struct venue_event *ev)
{
    struct mmd *d = a->d;
    const char *cl = NULL;
    if (ev->type == VEV_PLACE_RESULT || ev->type == VEV_CANCEL_RESULT) cl = ev->u.result.cl_ord_id;
    else if (ev->type == VEV_ORDER || ev->type == VEV_QUERY_ORDER) cl = ev->u.order.cl_ord_id;
    else if (ev->type == VEV_FILL) cl = ev->u.fill.cl_ord_id;
    struct d_task *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (dt->acct != a || !dt->t) continue;
        if (ev->symbol[0]) {
            if (strcmp(ev->symbol, dt->ct.symbol) == 0) return dt;
            continue;
        }
        size_t n = strlen(dt->ct.id);
        if (cl && strncmp(cl, dt->ct.id, n) == 0 && cl[n] == '-' && n > best_len) {
            best = dt;
            best_len = n;
        }
    }
    return best;
}

static void acct_sink(void *ud, const struct venue_event *ev)
{
    struct d_acct *a = ud;
    struct mmd *d = a->d;
    int64_t now = now_us(), wall = wall_ms();
    if (ev->type == VEV_STREAM || ev->type == VEV_BALANCE) {
        for (size_t i = 0; i < d->n_tasks; i++)
            if (d->tasks[i]->acct == a && d->tasks[i]->t) task_on_event(d->tasks[i]->t, ev, now, wall);
        return;
    }
    struct d_task *dt = route(a, ev);
    if (dt) task_on_event(dt->t, ev, now, wall);
    else LOGD("mmd", "account %s: event type %d for no task (symbol '%s')", a->ca->id, ev->type, ev->symbol);
}

/* ---- start-up ----------------------------------------------------------- */

static const struct sym_info *find_sym(struct mmd *d, const char *sym)
{
    for (size_t i = 0; i < d->n_syms; i++)
        if (strcmp(d->syms[i].symbol, sym) == 0) return &d->syms[i];
    return NULL;
}

static void task_fail_slot(struct d_task *dt, const char *why)
{
    snprintf(dt->fail, sizeof dt->fail, "%s", why);
    if (dt->t) task_fail(dt->t, why);
    LOGE("mmd", "task %s: %s", dt->ct.id, why);
}

static void start_task(struct d_task *dt)
{
    struct mmd *d = dt->d;
    if (dt->t || d->shutting_down) return;
    const struct sym_info *si = find_sym(d, dt->ct.symbol);
    if (!si) { task_fail_slot(dt, "symbol not listed by the exchange"); return; }
    if (!si->trading) { task_fail_slot(dt, "symbol is not trading on the exchange"); return; }
    dt->t = task_new(&dt->ct, si, sx_account_venue(dt->acct->sx), now_us(), wall_ms());
    if (!dt->t) { task_fail_slot(dt, "cannot create task (out of memory)"); return; }
    dt->fail[0] = 0;
    if (hub_watch(d->hub, dt->ct.symbol, md_cb, dt) == 0) dt->watching = true;
    task_start(dt->t, now_us(), wall_ms());
}

static void acct_fail(struct d_acct *a, const char *why)
{
    struct mmd *d = a->d;
    a->state = ACC_FAILED;
    snprintf(a->err, sizeof a->err, "%s", why);
    LOGE("mmd", "account %s: %s; its tasks will not trade", a->ca->id, why);
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i]->acct == a) task_fail_slot(d->tasks[i], why);
}

static void acct_check(struct d_acct *a);

static void acct_retry_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    acct_check(ud);
}

static void balance_cb(void *ud, int status, dec_t equity, const char *err)
{
    struct d_acct *a = ud;
    struct mmd *d = a->d;
    if (d->shutting_down) return;
    if (status == 404) { acct_fail(a, "account not funded (query_balance: 404)"); return; }
    if (status == 401 || status == 403) {
        char why[200];
        snprintf(why, sizeof why, "bad credentials: the exchange refused them (HTTP %d: %s)", status,
                 err ? err : "");
        acct_fail(a, why);
        return;
    }
    if (status != 0) {
        LOGW("mmd", "account %s: balance check failed (%s); retrying in %d s", a->ca->id,
             err ? err : "error", RETRY_S);
        struct timeval tv = {RETRY_S, 0};
        evtimer_add(a->retry, &tv);
        return;
    }
    char eq[32];
    LOGI("mmd", "account %s: equity %s DUSD; starting its tasks", a->ca->id, dec_str(equity, eq, sizeof eq));
    a->state = ACC_READY;
    sx_account_start(a->sx);
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i]->acct == a) start_task(d->tasks[i]);
}

static void acct_check(struct d_acct *a)
{
    a->state = ACC_CHECKING;
    if (sx_check_balance(a->sx, balance_cb, a) != 0) {
        struct timeval tv = {RETRY_S, 0};
        evtimer_add(a->retry, &tv);
    }
}

static void acct_begin(struct d_acct *a)
{
    int64_t exp_s;
    if (a->state == ACC_FAILED) return;
    if (sx_jwt_exp(a->ca->jwt, &exp_s) == 0) {
        int64_t left = exp_s - wall_ms() / 1000;
        if (left <= 0) { acct_fail(a, "JWT has expired; generate a new API token"); return; }
        if (left < 24 * 3600)
            LOGW("mmd", "account %s: JWT expires in %lld h %lld min; renew it soon", a->ca->id,
                 (long long)(left / 3600), (long long)(left % 3600 / 60));
    } else {
        LOGW("mmd", "account %s: cannot read the JWT's expiry (not a JWT?)", a->ca->id);
    }
    acct_check(a);
}

static void load_symbols(struct mmd *d);

static void symbols_cb(void *ud, int ok, const struct sym_info *infos, size_t n, const char *err)
{
    struct mmd *d = ud;
    if (d->shutting_down) return;
    if (!ok) {
        LOGW("mmd", "cannot load symbol rules (%s); retrying in %d s", err ? err : "error", RETRY_S);
        struct timeval tv = {RETRY_S, 0};
        evtimer_add(d->sym_retry, &tv);
        return;
    }
    free(d->syms);
    d->syms = calloc(n ? n : 1, sizeof *d->syms);
    if (!d->syms) { LOGE("mmd", "out of memory"); event_base_loopbreak(d->base); return; }
    memcpy(d->syms, infos, n * sizeof *infos);
    d->n_syms = n;
    d->syms_loaded = true;
    LOGI("mmd", "loaded trading rules of %zu symbols", n);
    for (size_t i = 0; i < d->n_accts; i++) acct_begin(d->accts[i]);
}

static void sym_retry_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    load_symbols(ud);
}

static void load_symbols(struct mmd *d)
{
    if (sx_load_symbols(d->rest, d->cfg->rest_url, symbols_cb, d) != 0) {
        struct timeval tv = {RETRY_S, 0};
        evtimer_add(d->sym_retry, &tv);
    }
}

/* ---- shutdown ------------------------------------------------------------ */

static void begin_shutdown(struct mmd *d, const char *why)
{
    if (d->shutting_down) return;
    double tmax = 0;
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i]->ct.shutdown_timeout_s > tmax) tmax = d->tasks[i]->ct.shutdown_timeout_s;
    d->shutting_down = true;
    d->shutdown_deadline_us = now_us() + (int64_t)(tmax * 1e6);
    LOGI("mmd", "shutting down (%s): stopping quotes, cancelling every order (timeout %.0f s)", why, tmax);
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i]->t && !d->tasks[i]->removing) task_stop(d->tasks[i]->t, now_us());
}

/* Returns the number of tasks not yet confirmed; logs them if `say`. */
static size_t shutdown_pending(struct mmd *d, bool say)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (!dt->t) continue;
        if (!task_stop_done(dt->t)) {
            n++;
            if (say) LOGW("mmd", "task %s: still stopping (%s)", dt->ct.id,
                          task_stop_summary(dt->t)[0] ? task_stop_summary(dt->t) : "orders not yet confirmed cancelled");
        }
    }
    return n;
}

static void finish_shutdown(struct mmd *d)
{
    int bad = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (!dt->t) continue;
        const char *s = task_stop_summary(dt->t);
        if (!task_stop_done(dt->t) || s[0]) {
            bad++;
            LOGE("mmd", "task %s: NOT confirmed: %s", dt->ct.id, s[0] ? s : "timed out before the exchange confirmed");
        }
    }
    if (bad) LOGE("mmd", "shutdown finished with %d task(s) unconfirmed — check the exchange", bad);
    else LOGI("mmd", "shutdown complete: every order cancelled and confirmed");
    d->exit_code = bad ? 1 : 0;
    event_base_loopbreak(d->base);
}

static void reap_removed(struct mmd *d);

/* ---- periodic ------------------------------------------------------------ */

static void pending_ops_check(struct mmd *d, int64_t now)
{
    struct pending_op **pp = &d->pending;
    while (*pp) {
        struct pending_op *op = *pp;
        bool settled = true;
        for (size_t i = 0; i < op->n; i++)
            if (op->tasks[i]->t && !task_orders_settled(op->tasks[i]->t)) settled = false;
        if (!settled && now < op->deadline_us) { pp = &op->next; continue; }
        *pp = op->next;
        json_object_set_new(op->result, "orders_settled", json_boolean(settled));
        op->done(op->arg, 0, NULL, op->result);
        free(op->tasks);
        free(op);
    }
}

static void tick_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    struct mmd *d = ud;
    int64_t now = now_us(), wall = wall_ms();
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i]->t) task_on_timer(d->tasks[i]->t, now, wall);
    pending_ops_check(d, now);
    reap_removed(d);
    if (d->shutting_down && (shutdown_pending(d, false) == 0 || now >= d->shutdown_deadline_us))
        finish_shutdown(d);
}

static void reload(struct mmd *d);

/* ---- signals --------------------------------------------------------------- */

static void sig_cb(evutil_socket_t sig, short what, void *ud)
{
    (void)what;
    struct mmd *d = ud;
    if (sig == SIGHUP) {
        reload(d);
        return;
    }
    if (d->shutting_down && sig == SIGINT) {
        size_t n = shutdown_pending(d, true);
        LOGE("mmd", "second SIGINT: exiting now with %zu task(s) unconfirmed", n);
        d->exit_code = 1;
        event_base_loopbreak(d->base);
        return;
    }
    begin_shutdown(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* ---- control plane backend -------------------------------------------------- */

static struct d_task *find_task(struct mmd *d, const char *id)
{
    for (size_t i = 0; i < d->n_tasks; i++)
        if (strcmp(d->tasks[i]->ct.id, id) == 0) return d->tasks[i];
    return NULL;
}

static json_t *dead_task_json(const struct d_task *dt)
{
    const char *why = dt->fail[0] ? dt->fail
                      : (dt->acct->state == ACC_FAILED ? dt->acct->err : "waiting for the exchange");
    bool failed = dt->fail[0] || dt->acct->state == ACC_FAILED;
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:[s], s:b}, s:[]}", "id", dt->ct.id, "symbol",
                     dt->ct.symbol, "state", failed ? "failed" : "starting", "last_reason", why, "risk",
                     "state", failed ? "halt" : "caution", "reasons", why, "operator_halt", 0, "tiers");
}

static json_t *be_status(void *ud)
{
    struct mmd *d = ud;
    int64_t now = now_us(), wall = wall_ms();
    json_t *accts = json_object(), *tasks = json_array();
    for (size_t i = 0; i < d->n_accts; i++) {
        struct d_acct *a = d->accts[i];
        json_t *j = a->sx ? sx_account_status_json(a->sx) : json_object();
        if (!j) j = json_object();
        static const char *const st[] = {"waiting", "checking", "ready", "failed"};
        json_object_set_new(j, "state", json_string(st[a->state]));
        if (a->err[0]) json_object_set_new(j, "error", json_string(a->err));
        json_object_set_new(accts, a->ca->id, j);
    }
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        json_array_append_new(tasks, dt->t ? task_status_json(dt->t, now, wall) : dead_task_json(dt));
    }
    json_t *market = hub_status_json(d->hub);
    return json_pack("{s:s, s:I, s:b, s:{s:o, s:o}, s:o, s:o}", "version", MMD_VERSION, "uptime_s",
                     (json_int_t)((now - d->start_us) / 1000000), "shutting_down", d->shutting_down,
                     "connections", "market", market ? market : json_object(), "accounts", accts,
                     "tasks", tasks, "latency", lat_status_json());
}

static json_t *be_tasks(void *ud)
{
    struct mmd *d = ud;
    json_t *arr = json_array();
    for (size_t i = 0; i < d->n_tasks; i++) {
        const struct cfg_task *ct = &d->tasks[i]->ct;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", ct->id, "symbol", ct->symbol,
                                             "account", ct->account_id, "level",
                                             cfg_risk_level_name(ct->level), "tiers", ct->tiers));
    }
    return arr;
}

/* orders / positions / uptime: one task or all, keyed by task id. */
static json_t *per_task(struct mmd *d, const char *task, int *err, char *msg, size_t len,
                        json_t *(*fn)(struct mmd *, struct d_task *))
{
    json_t *out = json_object();
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (task && strcmp(task, dt->ct.id) != 0) continue;
        json_t *j = dt->t ? fn(d, dt) : json_null();
        json_object_set_new(out, dt->ct.id, j ? j : json_null());
    }
    if (task && json_object_size(out) == 0) {
        json_decref(out);
        *err = RPC_ERR_UNKNOWN_TASK;
        snprintf(msg, len, "unknown task '%s'", task);
        return NULL;
    }
    return out;
}

static json_t *orders_of(struct mmd *d, struct d_task *dt) { (void)d; return task_orders_json(dt->t); }
static json_t *pos_of(struct mmd *d, struct d_task *dt) { (void)d; return task_position_json(dt->t); }
static json_t *uptime_of(struct mmd *d, struct d_task *dt) { (void)d; return task_uptime_json(dt->t, wall_ms()); }

static json_t *be_orders(void *ud, const char *t, int *e, char *m, size_t l) { return per_task(ud, t, e, m, l, orders_of); }
static json_t *be_positions(void *ud, const char *t, int *e, char *m, size_t l) { return per_task(ud, t, e, m, l, pos_of); }
static json_t *be_uptime(void *ud, const char *t, int *e, char *m, size_t l) { return per_task(ud, t, e, m, l, uptime_of); }

/* False (and done() called with the error) when `task` names no task. */
static bool known_task(struct mmd *d, const char *task, backend_done_fn done, void *arg)
{
    char msg[128];
    if (!task || find_task(d, task)) return true;
    snprintf(msg, sizeof msg, "unknown task '%s'", task);
    done(arg, RPC_ERR_UNKNOWN_TASK, msg, NULL);
    return false;
}

static void be_halt(void *ud, const char *task, const char *reason, backend_done_fn done, void *arg)
{
    struct mmd *d = ud;
    if (!known_task(d, task, done, arg)) return;
    struct pending_op *op = calloc(1, sizeof *op);
    op->tasks = calloc(d->n_tasks, sizeof *op->tasks);
    op->result = json_pack("{s:[]}", "halted");
    json_t *ids = json_object_get(op->result, "halted");
    const char *why = reason && *reason ? reason : "operator";
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (task && strcmp(task, dt->ct.id) != 0) continue;
        if (dt->t) task_halt(dt->t, why, now_us());
        op->tasks[op->n++] = dt;
        json_array_append_new(ids, json_string(dt->ct.id));
        LOGI("mmd", "task %s: operator halt (%s)", dt->ct.id, why);
    }
    op->deadline_us = now_us() + HALT_WAIT_US;
    op->done = done;
    op->arg = arg;
    op->next = d->pending;
    d->pending = op;
    pending_ops_check(d, now_us());
}

static void be_resume(void *ud, const char *task, backend_done_fn done, void *arg)
{
    struct mmd *d = ud;
    if (!known_task(d, task, done, arg)) return;
    if (d->shutting_down) { done(arg, RPC_ERR_SHUTTING_DOWN, "mmd is shutting down", NULL); return; }
    json_t *ids = json_array();
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (task && strcmp(task, dt->ct.id) != 0) continue;
        if (dt->t) task_resume(dt->t, now_us());
        json_array_append_new(ids, json_string(dt->ct.id));
        LOGI("mmd", "task %s: operator resume", dt->ct.id);
    }
    done(arg, 0, NULL, json_pack("{s:o}", "resumed", ids));
}

static void be_shutdown(void *ud) { begin_shutdown(ud, "shutdown request"); }

/* ---- tasks and accounts: creation and config reload -------------------------- */

static struct d_acct *find_acct(struct mmd *d, const char *id)
{
    for (size_t i = 0; i < d->n_accts; i++)
        if (strcmp(d->accts[i]->ca->id, id) == 0) return d->accts[i];
    return NULL;
}

static struct d_acct *add_account(struct mmd *d, const struct cfg_account *ca)
{
    struct d_acct **arr = realloc(d->accts, (d->n_accts + 1) * sizeof *arr);
    if (arr) d->accts = arr;
    struct d_acct *a = arr ? calloc(1, sizeof *a) : NULL;
    if (!a) {
        LOGE("mmd", "out of memory adding account %s", ca->id);
        return NULL;
    }
    d->accts[d->n_accts++] = a;
    a->d = d;
    a->ca = ca;
    a->retry = evtimer_new(d->base, acct_retry_cb, a);
    a->sx = sx_account_new(d->base, d->rest, d->ws, d->cfg->rest_url, d->cfg->ws_url, ca->id, ca->jwt,
                           ca->signer, acct_sink, a);
    if (!a->sx) acct_fail(a, "cannot create the exchange connection");
    return a;
}

static struct d_task *add_task(struct mmd *d, const struct cfg_task *ct, const struct cfg *cfg)
{
    struct d_task **arr = realloc(d->tasks, (d->n_tasks + 1) * sizeof *arr);
    if (arr) d->tasks = arr;
    struct d_task *dt = arr ? calloc(1, sizeof *dt) : NULL;
    if (!dt) {
        LOGE("mmd", "out of memory adding task %s", ct->id);
        return NULL;
    }
    d->tasks[d->n_tasks++] = dt;
    dt->d = d;
    dt->ct = *ct;
    dt->acct = find_acct(d, cfg->accounts[ct->account].id);
    if (!dt->acct) { task_fail_slot(dt, "account missing (internal error)"); return dt; }
    if (dt->acct->state == ACC_READY) start_task(dt);
    else if (dt->acct->state == ACC_FAILED) task_fail_slot(dt, dt->acct->err);
    return dt;
}

/* Frees tasks a reload removed once their stop has been confirmed. */
static void reap_removed(struct mmd *d)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (dt->removing && (!dt->t || task_stop_done(dt->t))) {
            const char *sum = dt->t ? task_stop_summary(dt->t) : "";
            if (sum[0]) LOGW("mmd", "task %s removed, NOT confirmed: %s", dt->ct.id, sum);
            else LOGI("mmd", "task %s removed: its orders are cancelled", dt->ct.id);
            if (dt->watching) hub_unwatch(d->hub, dt->ct.symbol, md_cb, dt);
            task_free(dt->t);
            free(dt);
            continue;
        }
        d->tasks[k++] = dt;
    }
    d->n_tasks = k;
}

/* Checks that a reload can be applied without a restart; logs why not. */
static bool reload_allowed(struct mmd *d, const struct cfg *n)
{
    bool ok = true;
    if (strcmp(n->rest_url, d->cfg->rest_url) || strcmp(n->ws_url, d->cfg->ws_url) ||
        strcmp(n->control_socket, d->cfg->control_socket)) {
        LOGE("mmd", "reload: exchange URLs and the control socket can only change with a restart");
        ok = false;
    }
    for (size_t i = 0; i < n->n_accounts; i++) {
        const struct cfg_account *na = &n->accounts[i];
        struct d_acct *a = find_acct(d, na->id);
        if (na->placeholder || !na->signer) {
            LOGE("mmd", "reload: account %s has placeholder credentials", na->id);
            ok = false;
        } else if (a && (strcmp(a->ca->jwt, na->jwt) != 0 ||
                         strcmp(signer_pubkey_b58(a->ca->signer), signer_pubkey_b58(na->signer)) != 0)) {
            LOGE("mmd", "reload: account %s: new credentials need a restart", na->id);
            ok = false;
        }
    }
    for (size_t i = 0; i < n->n_tasks; i++) {
        const struct cfg_task *nt = &n->tasks[i];
        struct d_task *dt = find_task(d, nt->id);
        if (!dt) continue;
        if (dt->removing) {
            LOGE("mmd", "reload: task %s is still being removed; try again when it is gone", nt->id);
            ok = false;
        } else if (strcmp(dt->ct.symbol, nt->symbol) || strcmp(dt->ct.account_id, nt->account_id)) {
            LOGE("mmd", "reload: task %s changed symbol or account: remove it, reload, then add it back",
                 nt->id);
            ok = false;
        }
    }
    return ok;
}

static void reload(struct mmd *d)
{
    LOGI("mmd", "SIGHUP: re-reading %s", d->cfg->path);
    struct cfg *n = cfg_load(d->cfg->path, stderr);
    if (!n) { LOGE("mmd", "reload: %s is invalid; keeping the running configuration", d->cfg->path); return; }
    if (d->shutting_down || !reload_allowed(d, n)) {
        LOGE("mmd", "reload: not applied; keeping the running configuration");
        cfg_free(n);
        return;
    }
    int added = 0, removed = 0, changed = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {          /* removed tasks stop */
        struct d_task *dt = d->tasks[i];
        bool keep = false;
        for (size_t j = 0; j < n->n_tasks; j++) keep |= strcmp(n->tasks[j].id, dt->ct.id) == 0;
        if (keep || dt->removing) continue;
        dt->removing = true;
        removed++;
        LOGI("mmd", "reload: task %s removed: cancelling its orders", dt->ct.id);
        if (dt->t) task_stop(dt->t, now_us());
    }
    struct cfg *old = d->cfg;
    d->cfg = n;
    for (size_t i = 0; i < n->n_accounts; i++)         /* new accounts connect */
        if (!find_acct(d, n->accounts[i].id)) {
            struct d_acct *a = add_account(d, &n->accounts[i]);
            if (a && d->syms_loaded) acct_begin(a);
        }
    for (size_t i = 0; i < n->n_tasks; i++) {            /* changed tasks adapt, new ones start */
        struct d_task *dt = find_task(d, n->tasks[i].id);
        if (!dt) {
            added++;
            LOGI("mmd", "reload: task %s added", n->tasks[i].id);
            if (!add_task(d, &n->tasks[i], n)) LOGE("mmd", "reload: task %s could not be added", n->tasks[i].id);
        } else if (memcmp(&dt->ct, &n->tasks[i], sizeof dt->ct) != 0) {
            changed++;
            dt->ct = n->tasks[i];
            if (dt->t) task_reconfigure(dt->t, &dt->ct, now_us());
            LOGI("mmd", "reload: task %s: new parameters in effect", dt->ct.id);
        }
    }
    struct cfg_hold *h = calloc(1, sizeof *h);      /* accounts may still point into it */
    if (h) { h->c = old; h->next = d->old_cfgs; d->old_cfgs = h; }
    else LOGE("mmd", "out of memory: the previous configuration stays allocated");
    LOGI("mmd", "reload applied: %d task(s) added, %d removed, %d changed", added, removed, changed);
}

/* ---- life cycle ------------------------------------------------------------ */

static int refuse_placeholders(const struct cfg *cfg)
{
    int bad = 0;
    for (size_t i = 0; i < cfg->n_accounts; i++)
        if (cfg->accounts[i].placeholder || !cfg->accounts[i].signer) {
            fprintf(stderr, "mmd: account %s has placeholder credentials; put your real JWT and signing "
                            "key in the config (see mmd.yaml(5)) or use mmd -n to only check it\n",
                    cfg->accounts[i].id);
            bad = 1;
        }
    return bad;
}

static void teardown(struct mmd *d)
{
    while (d->pending) {
        struct pending_op *op = d->pending;
        d->pending = op->next;
        op->done(op->arg, RPC_ERR_SHUTTING_DOWN, "mmd is exiting", NULL);
        json_decref(op->result);
        free(op->tasks);
        free(op);
    }
    if (d->ctl) control_free(d->ctl);
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (dt->watching) hub_unwatch(d->hub, dt->ct.symbol, md_cb, dt);
        if (dt->t) task_free(dt->t);
        free(dt);
    }
    for (size_t i = 0; i < d->n_accts; i++) {
        if (d->accts[i]->sx) sx_account_free(d->accts[i]->sx);
        if (d->accts[i]->retry) event_free(d->accts[i]->retry);
        free(d->accts[i]);
    }
    if (d->hub) hub_free(d->hub);
    if (d->ws) wsmgr_free(d->ws);
    if (d->rest) rest_free(d->rest);
    struct event *evs[] = {d->tick, d->sym_retry, d->sig_term, d->sig_int, d->sig_hup};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i]) event_free(evs[i]);
    free(d->accts);
    free(d->tasks);
    free(d->syms);
    if (d->base) event_base_free(d->base);
    while (d->old_cfgs) {
        struct cfg_hold *h = d->old_cfgs;
        d->old_cfgs = h->next;
        cfg_free(h->c);
        free(h);
    }
    cfg_free(d->cfg);
}

int daemon_run(struct cfg *cfg)
{
    struct mmd dd, *d = &dd;
    char err[256];
    memset(d, 0, sizeof *d);
    d->cfg = cfg;
    d->exit_code = 1;
    d->start_us = now_us();
    if (refuse_placeholders(cfg)) { cfg_free(cfg); return 1; }
    signal(SIGPIPE, SIG_IGN);
    d->base = event_base_new();
    d->be = (struct backend){d, be_status, be_tasks, be_orders, be_positions, be_uptime,
                             be_halt, be_resume, be_shutdown};
    /* signals before the socket exists: a SIGTERM as soon as a client can
     * see us must already mean "shut down gracefully" */
    if (d->base) {
        d->sig_term = evsignal_new(d->base, SIGTERM, sig_cb, d);
        d->sig_int = evsignal_new(d->base, SIGINT, sig_cb, d);
        d->sig_hup = evsignal_new(d->base, SIGHUP, sig_cb, d);
        event_add(d->sig_term, NULL);
        event_add(d->sig_int, NULL);
        event_add(d->sig_hup, NULL);
    }
    d->ctl = d->base ? control_new(d->base, cfg->control_socket, &d->be, err, sizeof err) : NULL;
    if (!d->ctl) {
        fprintf(stderr, "mmd: %s\n", d->base ? err : "cannot create the event loop");
        teardown(d);
        return 1;
    }
    d->rest = rest_new(d->base);
    d->ws = wsmgr_new(d->base);
    d->hub = d->ws ? hub_new(d->base, d->ws, cfg->ws_url) : NULL;
    if (!d->rest || !d->ws || !d->hub) {
        fprintf(stderr, "mmd: cannot start the network layer\n");
        teardown(d);
        return 1;
    }
    for (size_t i = 0; i < cfg->n_accounts; i++)
        if (!add_account(d, &cfg->accounts[i])) { teardown(d); return 1; }
    for (size_t i = 0; i < cfg->n_tasks; i++)
        if (!add_task(d, &cfg->tasks[i], cfg)) { teardown(d); return 1; }
    d->tick = event_new(d->base, -1, EV_PERSIST, tick_cb, d);
    d->sym_retry = evtimer_new(d->base, sym_retry_cb, d);
    struct timeval tv = {0, TICK_US};
    event_add(d->tick, &tv);
    LOGI("mmd", "mmd %s started: %zu task(s), %zu account(s), control socket %s", MMD_VERSION,
         cfg->n_tasks, cfg->n_accounts, cfg->control_socket);
    load_symbols(d);
    event_base_dispatch(d->base);
    int rc = d->exit_code;
    teardown(d);
    return rc;
}
