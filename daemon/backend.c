/* backend — what the control plane may ask of the daemon (backend.h):
 * status, tasks, orders, positions, uptime, halt, resume, shutdown and
 * whether the daemon is shutting down (mmd.shutting_down, the one flag).  A halt
 * is answered once its tasks' orders have settled or HALT_WAIT_US passed
 * (pending operations, checked on every tick). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "lat.h"
#include "log.h"
#include "metrics.h"
#include "mmd.h"
#include "rpc.h"
#include "standx.h"
#include "task.h"

/* A task that could not be created (or waits for its account): the same
 * keys as task_status_json(), so a status has one task shape. */
static json_t *dead_task_json(const struct d_task *dt)
{
    const char *why = dt->fail[0] ? dt->fail
                      : (dt->acct->state == ACC_FAILED ? dt->acct->err : "waiting for the exchange");
    bool failed = dt->fail[0] || dt->acct->state == ACC_FAILED;
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:[s], s:b}, s:n, s:n, s:n, s:[]}", "id",
                          dt->ct->id, "symbol", dt->ct->symbol, "state", failed ? "failed" : "starting",
                          "state_reason", why, "risk", "state", failed ? "halt" : "caution", "reasons",
                          why, "operator_halt", 0, "mark", "best_bid", "best_ask", "tiers");
    json_t *rest = json_pack("{s:s, s:s, s:s, s:{s:i, s:s, s:s, s:b}, s:i, s:i, s:i, s:i, s:s}",
                             "position", "0", "entry_price", "0", "upnl", "0", "uptime", "hour_minutes", 0,
                             "hour_tier", "none", "hour_tier_reached", "none", "both_sides_now", 0,
                             "fills_today", 0, "orders_open", 0, "rejects", 0, "alo_rejects", 0,
                             "last_reason", why);
    json_object_update(j, rest);
    json_decref(rest);
    return j;
}

/* The connection object of a stream that does not exist (its account could
 * not be created): the keys of wsmgr_conn_status_json(). */
static json_t *no_connection_json(const char *name, const char *url)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:n, s:n, s:n, s:n}", "name", name, "url",
                     url ? url : "", "state", "idle", "attempts", 0, "reconnects", 0, "msgs_in", 0,
                     "msgs_out", 0, "dropped", 0, "last_error", "last_error_age_s", "last_msg_age_s",
                     "up_for_s");
}

static json_t *account_json(const struct mmd *d, const struct d_acct *a)
{
    static const char *const st[] = {"waiting", "checking", "ready", "failed"};
    json_t *j = a->sx ? sx_account_status_json(a->sx) : NULL;
    if (!j) {
        char name[96];
        snprintf(name, sizeof name, "account:%s", a->ca->id);
        j = json_pack("{s:o}", "connection", no_connection_json(name, d->cfg->ws_url));
    }
    json_object_set_new(j, "state", json_string(st[a->state]));
    if (a->err[0]) json_object_set_new(j, "error", json_string(a->err));
    return j;
}

static json_t *be_status(void *ud)
{
    struct mmd *d = ud;
    int64_t now = now_us(), wall = wall_ms();
    json_t *accts = json_object(), *tasks = json_array();
    for (size_t i = 0; i < d->n_accts; i++)
        json_object_set_new(accts, d->accts[i]->ca->id, account_json(d, d->accts[i]));
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        json_array_append_new(tasks, dt->t ? task_status_json(dt->t, now, wall) : dead_task_json(dt));
    }
    json_t *market = hub_status_json(d->hub);
    json_t *j = json_pack("{s:s, s:I, s:b, s:{s:o, s:o}, s:o, s:o}", "version", MMD_VERSION, "uptime_s",
                          (json_int_t)((now - d->start_us) / 1000000), "shutting_down", d->shutting_down,
                          "connections", "market", market ? market : json_object(), "accounts", accts,
                          "tasks", tasks, "latency", lat_status_json(d->lat));
    if (j) json_object_set_new(j, "ip_budget", sx_ipbudget_json(&d->ip));
    return j;
}

static json_t *be_tasks(void *ud)
{
    struct mmd *d = ud;
    json_t *arr = json_array();
    for (size_t i = 0; i < d->n_tasks; i++) {
        const struct cfg_task *ct = d->tasks[i]->ct;
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
        if (task && strcmp(task, dt->ct->id) != 0) continue;
        json_t *j = dt->t ? fn(d, dt) : json_null();
        json_object_set_new(out, dt->ct->id, j ? j : json_null());
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
    if (!task || mmd_find_task(d, task)) return true;
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
        if (task && strcmp(task, dt->ct->id) != 0) continue;
        if (dt->t) task_halt(dt->t, why, now_us());
        op->tasks[op->n++] = dt;
        json_array_append_new(ids, json_string(dt->ct->id));
        LOGI("mmd", "task %s: operator halt (%s)", dt->ct->id, why);
    }
    op->deadline_us = now_us() + HALT_WAIT_US;
    op->done = done;
    op->arg = arg;
    op->next = d->pending;
    d->pending = op;
    mmd_pending_check(d, now_us());
}

/* What resume acts on: a task halted by the operator or by risk, or paused
 * by its circuit breaker. */
static bool task_is_halted(const struct d_task *dt)
{
    if (!dt->t) return false;
    const char *st = task_state_name(dt->t);
    if (!strcmp(st, "halted") || !strcmp(st, "paused")) return true;
    json_t *j = task_status_json(dt->t, now_us(), wall_ms());
    bool op = json_is_true(json_object_get(json_object_get(j, "risk"), "operator_halt"));
    json_decref(j);
    return op;
}

/* False (and done() called with -1003) when `task` names a task not halted. */
static bool halted_task(struct mmd *d, const char *task, backend_done_fn done, void *arg)
{
    const struct d_task *dt = task ? mmd_find_task(d, task) : NULL;
    if (!dt || task_is_halted(dt)) return true;
    char msg[160];
    snprintf(msg, sizeof msg, "task '%s' is not halted (%s)", task,
             dt->t ? task_state_name(dt->t) : "not running");
    done(arg, RPC_ERR_TASK_NOT_HALTED, msg, NULL);
    return false;
}

static void be_resume(void *ud, const char *task, backend_done_fn done, void *arg)
{
    struct mmd *d = ud;
    if (!known_task(d, task, done, arg) || !halted_task(d, task, done, arg)) return;
    json_t *ids = json_array();
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if ((task && strcmp(task, dt->ct->id) != 0) || !task_is_halted(dt)) continue;
        task_resume(dt->t, now_us());
        json_array_append_new(ids, json_string(dt->ct->id));
        LOGI("mmd", "task %s: operator resume", dt->ct->id);
    }
    done(arg, 0, NULL, json_pack("{s:o}", "resumed", ids));
}

static void be_shutdown(void *ud) { mmd_begin_shutdown(ud, "shutdown request"); }

static bool be_shutting_down(void *ud) { return ((const struct mmd *)ud)->shutting_down; }

static json_t *be_reload(void *ud) { return mmd_reload(ud, "reload RPC"); }

static char *be_metrics(void *ud) { return metrics_text(ud); }

void mmd_pending_check(struct mmd *d, int64_t now)
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

struct backend mmd_backend(struct mmd *d)
{
    return (struct backend){
        .ud = d,
        .status = be_status,
        .tasks = be_tasks,
        .orders = be_orders,
        .positions = be_positions,
        .uptime = be_uptime,
        .halt = be_halt,
        .resume = be_resume,
        .shutdown = be_shutdown,
        .shutting_down = be_shutting_down,
        .reload = be_reload,
        .metrics = be_metrics,
    };
}

/* A task is about to be freed (reload.c): no pending halt may keep it.  Its
 * orders are settled by then (it is freed only once its stop is done). */
void mmd_pending_forget(struct mmd *d, const struct d_task *dt)
{
    for (struct pending_op *op = d->pending; op; op = op->next) {
        size_t k = 0;
        for (size_t i = 0; i < op->n; i++)
            if (op->tasks[i] != dt) op->tasks[k++] = op->tasks[i];
        op->n = k;
    }
}
