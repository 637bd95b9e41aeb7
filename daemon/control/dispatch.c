/* dispatch — JSON-RPC 2.0 validation and dispatch for the control socket.  A
 * struct rpc_req is one input line (single request or batch); a struct
 * rpc_call is one request inside it.  The req answers once every call has
 * finished, keeping batch replies in request order and sending nothing for
 * notifications.  Also the explicit command table, the handler contract
 * (struct rpc_result: each call answered exactly once, checked here) and the
 * parameter helpers. */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

extern const struct rpc_cmd rpc_cmd_version, rpc_cmd_help, rpc_cmd_status, rpc_cmd_tasks,
    rpc_cmd_orders, rpc_cmd_positions, rpc_cmd_uptime, rpc_cmd_halt, rpc_cmd_resume,
    rpc_cmd_subscribe, rpc_cmd_unsubscribe, rpc_cmd_shutdown;
extern const struct rpc_cmd rpc_cmd_reload, rpc_cmd_log_level, rpc_cmd_metrics;

const struct rpc_cmd *const rpc_commands[] = {
    &rpc_cmd_version, &rpc_cmd_help,   &rpc_cmd_status,    &rpc_cmd_tasks,
    &rpc_cmd_orders,  &rpc_cmd_positions, &rpc_cmd_uptime, &rpc_cmd_halt,
    &rpc_cmd_resume,  &rpc_cmd_subscribe, &rpc_cmd_unsubscribe, &rpc_cmd_shutdown,
    &rpc_cmd_reload,  &rpc_cmd_log_level, &rpc_cmd_metrics,
    NULL,
};

const struct rpc_cmd *rpc_cmd_find(const struct rpc_env *env, const char *name)
{
    const struct rpc_cmd *const *t = env && env->commands ? env->commands : rpc_commands;
    for (int i = 0; t[i]; i++)
        if (!strcmp(t[i]->name, name)) return t[i];
    return NULL;
}

struct rpc_req {
    struct rpc_env env;
    rpc_reply_fn fn;
    void *arg;
    int batch;
    size_t n;            /* entries (1 for a single request) */
    json_t **replies;    /* per entry; NULL = nothing to send */
    int pending;         /* calls outstanding, +1 while dispatching */
};

enum call_state { CALL_RUNNING, CALL_PENDING, CALL_ANSWERED };

struct rpc_call {
    struct rpc_req *req;
    size_t index;
    json_t *id;          /* NULL for a notification */
    const char *method;
    enum call_state st;
    bool was_pending;    /* answered after rpc_pending() */
    bool in_handler;     /* the handler has not returned yet */
    json_t *reply;       /* the framed-to-be reply; NULL for a notification */
};

static void req_finish(struct rpc_req *r)
{
    json_t *out = NULL;
    if (r->batch) {
        out = json_array();
        for (size_t i = 0; i < r->n; i++)
            if (r->replies[i]) json_array_append_new(out, r->replies[i]);
        if (!json_array_size(out)) {
            json_decref(out);
            out = NULL;
        }
    } else {
        out = r->replies[0];
    }
    rpc_reply_fn fn = r->fn;
    void *arg = r->arg;
    free(r->replies);
    free(r);
    fn(arg, out);
}

static void req_unref(struct rpc_req *r)
{
    if (--r->pending == 0) req_finish(r);
}

static void set_reply(struct rpc_req *r, size_t i, json_t *reply)
{
    json_decref(r->replies[i]);
    r->replies[i] = reply;
}

const struct rpc_env *rpc_call_env(const struct rpc_call *c) { return &c->req->env; }

/* ---- the handler contract ---- */

static void contract_broken(const struct rpc_call *c, const char *what)
{
    LOGE("control", "RPC handler for \"%s\" broke its contract: %s", c ? c->method : "?", what);
    abort();
}

static void call_end(struct rpc_call *c)
{
    struct rpc_req *r = c->req;
    if (c->id)
        set_reply(r, c->index, c->reply);
    else
        json_decref(c->reply);
    json_decref(c->id);
    free(c);
    req_unref(r);
}

static struct rpc_result answer(struct rpc_call *c, json_t *reply)
{
    if (c->st == CALL_ANSWERED) contract_broken(c, "answered twice");
    c->was_pending = c->st == CALL_PENDING;
    c->st = CALL_ANSWERED;
    c->reply = reply;
    return (struct rpc_result){.call_ = c};
}

struct rpc_result rpc_ok(struct rpc_call *c, json_t *result)
{
    if (!c->id) {
        json_decref(result);
        return answer(c, NULL);
    }
    return answer(c, rpc_make_result(c->id, result));
}

struct rpc_result rpc_fail(struct rpc_call *c, int code, const char *msg)
{
    return answer(c, c->id ? rpc_make_error(c->id, code, msg) : NULL);
}

struct rpc_result rpc_pending(struct rpc_call *c)
{
    if (c->st != CALL_RUNNING) contract_broken(c, "pending after an answer");
    c->st = CALL_PENDING;
    return (struct rpc_result){.call_ = c};
}

void rpc_was_pending(struct rpc_result r)
{
    struct rpc_call *c = r.call_;
    if (!c || c->st != CALL_ANSWERED || !c->was_pending)
        contract_broken(c, "completed a call that was not pending");
    if (!c->in_handler) call_end(c);   /* else run_handler() ends it */
}

struct rpc_result rpc_param_failed(struct rpc_call *c)
{
    if (c->st != CALL_ANSWERED) contract_broken(c, "rpc_param_failed without a failed parameter check");
    return (struct rpc_result){.call_ = c};
}

/* Runs the handler and checks how it ended. */
static void run_handler(struct rpc_call *c, const struct rpc_cmd *cmd, json_t *params)
{
    c->in_handler = true;
    struct rpc_result res = cmd->fn(c, params);
    c->in_handler = false;
    if (res.call_ != c) contract_broken(c, "returned another call's result");
    if (c->st == CALL_ANSWERED) call_end(c);
    else if (c->st != CALL_PENDING) contract_broken(c, "returned without an answer");
}

static int valid_id(json_t *id)
{
    return json_is_string(id) || json_is_number(id) || json_is_null(id);
}

/* Checks the envelope; returns 0 or an error message. */
static const char *check_request(json_t *v)
{
    if (!json_is_object(v)) return "Invalid Request: not an object";
    json_t *ver = json_object_get(v, "jsonrpc");
    if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0"))
        return "Invalid Request: \"jsonrpc\" must be \"2.0\"";
    if (!json_is_string(json_object_get(v, "method")))
        return "Invalid Request: \"method\" must be a string";
    json_t *id = json_object_get(v, "id");
    if (id && !valid_id(id)) return "Invalid Request: \"id\" must be a string, number or null";
    json_t *p = json_object_get(v, "params");
    if (p && !json_is_array(p) && !json_is_object(p))
        return "Invalid Request: \"params\" must be an array or object";
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        if (strcmp(key, "jsonrpc") && strcmp(key, "method") && strcmp(key, "id") &&
            strcmp(key, "params"))
            return "Invalid Request: unexpected member";
    }
    return NULL;
}

static void dispatch_one(struct rpc_req *r, size_t i, json_t *v)
{
    const char *bad = check_request(v);
    json_t *id = json_is_object(v) ? json_object_get(v, "id") : NULL;
    if (bad) {
        set_reply(r, i, rpc_make_error(id && valid_id(id) ? id : NULL, RPC_INVALID_REQUEST, bad));
        return;
    }
    const char *name = json_string_value(json_object_get(v, "method"));
    const struct rpc_cmd *cmd = rpc_cmd_find(&r->env, name);
    if (!cmd) {
        if (id) {
            char msg[160];
            snprintf(msg, sizeof msg, "Method not found: %.100s", name);
            set_reply(r, i, rpc_make_error(id, RPC_METHOD_NOT_FOUND, msg));
        }
        return;
    }
    if (r->env.readonly && !cmd->readonly) {
        if (id) {
            char msg[200];
            snprintf(msg, sizeof msg, "Permission denied: \"%.60s\" changes the daemon; the read-only "
                     "socket answers read-only methods only (use the control socket)", name);
            set_reply(r, i, rpc_make_error(id, RPC_ERR_PERMISSION, msg));
        }
        return;
    }
    struct rpc_call *c = calloc(1, sizeof *c);
    if (!c) {
        if (id) set_reply(r, i, rpc_make_error(id, RPC_INTERNAL_ERROR, "out of memory"));
        return;
    }
    c->req = r;
    c->index = i;
    c->id = id ? json_incref(id) : NULL;
    c->method = cmd->name;
    r->pending++;
    run_handler(c, cmd, json_object_get(v, "params"));
}

static struct rpc_req *req_new(const struct rpc_env *env, size_t n, rpc_reply_fn fn, void *arg)
{
    struct rpc_req *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->replies = calloc(n ? n : 1, sizeof *r->replies);
    if (!r->replies) {
        free(r);
        return NULL;
    }
    r->env = *env;
    r->fn = fn;
    r->arg = arg;
    r->n = n ? n : 1;
    r->pending = 1;
    return r;
}

/* rpc_handle_line for an already parsed value (borrowed). */
static void handle_value(const struct rpc_env *env, json_t *v, rpc_reply_fn fn, void *arg)
{
    if (json_is_array(v) && json_array_size(v) == 0) {
        fn(arg, rpc_make_error(NULL, RPC_INVALID_REQUEST, "Invalid Request: empty batch"));
        return;
    }
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (n > RPC_MAX_BATCH) {   /* refused before any work: bounded work and reply per line */
        char msg[128];
        snprintf(msg, sizeof msg, "Invalid Request: batch of %zu requests; at most %d per batch",
                 n, RPC_MAX_BATCH);
        fn(arg, rpc_make_error(NULL, RPC_INVALID_REQUEST, msg));
        return;
    }
    struct rpc_req *r = req_new(env, n, fn, arg);
    if (!r) {
        fn(arg, rpc_make_error(NULL, RPC_INTERNAL_ERROR, "out of memory"));
        return;
    }
    if (json_is_array(v)) {
        r->batch = 1;
        for (size_t i = 0; i < n; i++) dispatch_one(r, i, json_array_get(v, i));
    } else {
        dispatch_one(r, 0, v);
    }
    req_unref(r);
}

void rpc_handle_line(const struct rpc_env *env, const char *line, size_t len, rpc_reply_fn fn,
                     void *arg)
{
    json_error_t e;
    json_t *v = json_loadb(line, len, JSON_DECODE_ANY, &e);
    if (!v) {
        char msg[256];
        snprintf(msg, sizeof msg, "Parse error: %s at column %d", e.text, e.column);
        fn(arg, rpc_make_error(NULL, RPC_PARSE_ERROR, msg));
        return;
    }
    handle_value(env, v, fn, arg);
    json_decref(v);
}

static bool params_bad(struct rpc_call *c, const char *fmt, const char *what)
{
    char msg[200];
    snprintf(msg, sizeof msg, fmt, what);
    (void)answer(c, c->id ? rpc_make_error(c->id, RPC_INVALID_PARAMS, msg) : NULL);
    return false;
}

static int str_or_null(json_t *v) { return json_is_string(v) || json_is_null(v); }

bool rpc_params_str(struct rpc_call *c, json_t *params, const char *const names[], int n,
                    const char *out[])
{
    for (int i = 0; i < n; i++) out[i] = NULL;
    if (!params || json_is_null(params)) return true;
    if (json_is_array(params)) {
        if (json_array_size(params) > (size_t)n)
            return params_bad(c, "Invalid params: too many parameters%s", "");
        for (size_t i = 0; i < json_array_size(params); i++) {
            json_t *v = json_array_get(params, i);
            if (!str_or_null(v))
                return params_bad(c, "Invalid params: '%s' must be a string", names[i]);
            out[i] = json_string_value(v);
        }
        return true;
    }
    const char *key;
    json_t *v;
    json_object_foreach(params, key, v) {
        int k = 0;
        while (k < n && strcmp(names[k], key)) k++;
        if (k == n) return params_bad(c, "Invalid params: unknown parameter '%.64s'", key);
        if (!str_or_null(v)) return params_bad(c, "Invalid params: '%s' must be a string", names[k]);
        out[k] = json_string_value(v);
    }
    return true;
}

struct rpc_result rpc_result_or_fail(struct rpc_call *c, json_t *result, int err, const char *msg)
{
    if (result) return rpc_ok(c, result);
    return rpc_fail(c, err ? err : RPC_INTERNAL_ERROR, msg && *msg ? msg : NULL);
}

struct rpc_result rpc_task_query(struct rpc_call *c, json_t *params, rpc_task_query_fn fn)
{
    static const char *const names[] = {"task"};
    const char *task;
    if (!rpc_params_str(c, params, names, 1, &task)) return rpc_param_failed(c);
    const struct backend *be = rpc_call_env(c)->be;
    int err = 0;
    char msg[256] = "";
    json_t *r = fn(be->ud, task, &err, msg, sizeof msg);
    return rpc_result_or_fail(c, r, err, msg);
}

void rpc_backend_done(void *arg, int err, const char *errmsg, json_t *result)
{
    struct rpc_call *c = arg;
    if (err) {
        json_decref(result);
        rpc_was_pending(rpc_fail(c, err, errmsg));
    } else {
        rpc_was_pending(rpc_ok(c, result ? result : json_object()));
    }
}
