/* dispatch (daemon side) — JSON-RPC 2.0 request validation and dispatch,
 * independent of the transport.  One input line (a request, a notification
 * or a batch) is answered through one callback, exactly once, possibly after
 * the call returns (halt waits for the exchange).  Commands live one per
 * file (cmd-<name>.c) and are listed in the table in dispatch.c.
 *
 * The handler contract is a type (as Core Lightning's command_result): a
 * handler returns a struct rpc_result, which only rpc_ok(), rpc_fail(),
 * rpc_pending() and rpc_param_failed() make, all warn_unused_result.  A
 * handler that forgets to answer does not compile (-Wreturn-type, -Werror);
 * one that answers twice, or returns another call's result, aborts.  A call
 * left pending is answered later by rpc_ok()/rpc_fail() handed to
 * rpc_was_pending(). */
#ifndef MMD_DISPATCH_H
#define MMD_DISPATCH_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "rpc.h"               /* common/rpc.h: codes, framing */

#define RPC_WUR __attribute__((warn_unused_result))

struct rpc_cmd;

/* What a command may reach.  Copied into every request, so it may live in
 * the (short-lived) client that sent it. */
struct rpc_env {
    const struct backend *be;
    void *client;                  /* transport client (for subscribe) */
    int (*subscribe)(void *client, int on);   /* 0 ok, else an RPC error code */
    const struct rpc_cmd *const *commands;    /* NULL-terminated; NULL = rpc_commands */
    bool readonly;                 /* the read-only socket: methods not marked readonly answer -1201 */
};

struct rpc_call;
/* How a handler ended.  Opaque: made only by the functions below. */
struct rpc_result {
    struct rpc_call *call_;
};
typedef struct rpc_result (*rpc_cmd_fn)(struct rpc_call *call, json_t *params);

struct rpc_cmd {
    const char *name;
    const char *params;     /* synopsis, e.g. "[task] [reason]" */
    const char *summary;    /* one line */
    bool readonly;          /* changes nothing */
    rpc_cmd_fn fn;
};

/* NULL-terminated command table, and lookup by name in env's table. */
extern const struct rpc_cmd *const rpc_commands[];
const struct rpc_cmd *rpc_cmd_find(const struct rpc_env *env, const char *name);

/* Delivers the answer to one input line: a reply object, a reply array
 * (batch), or NULL when nothing is to be sent.  Takes ownership of reply. */
typedef void (*rpc_reply_fn)(void *arg, json_t *reply);

void rpc_handle_line(const struct rpc_env *env, const char *line, size_t len, rpc_reply_fn fn,
                     void *arg);

/* ---- for command handlers ---- */
const struct rpc_env *rpc_call_env(const struct rpc_call *c);
/* The answers; each call gets exactly one. */
struct rpc_result rpc_ok(struct rpc_call *c, json_t *result) RPC_WUR;   /* steals result */
struct rpc_result rpc_fail(struct rpc_call *c, int code, const char *msg) RPC_WUR;
/* The answer comes later: call this BEFORE starting the work that answers
 * (it may answer at once), then return its result. */
struct rpc_result rpc_pending(struct rpc_call *c) RPC_WUR;
/* Completes a pending call with the result of rpc_ok()/rpc_fail(). */
void rpc_was_pending(struct rpc_result r);
/* Named-or-positional string parameters: params may be absent, an array of
 * at most n strings/nulls, or an object whose keys are among names with
 * string/null values.  Fills out[] (NULL when absent).  Returns true, or
 * false after answering the call with -32602: the handler then returns
 * rpc_param_failed(c). */
bool rpc_params_str(struct rpc_call *c, json_t *params, const char *const names[], int n,
                    const char *out[]) RPC_WUR;
struct rpc_result rpc_param_failed(struct rpc_call *c) RPC_WUR;
/* Answers with result if non-NULL, else with error err (-32603 if 0) and msg. */
struct rpc_result rpc_result_or_fail(struct rpc_call *c, json_t *result, int err,
                                     const char *msg) RPC_WUR;
/* The body of the read-only "[task]" queries (orders, positions, uptime):
 * takes the optional task param and answers with fn's result or error. */
typedef json_t *(*rpc_task_query_fn)(void *ud, const char *task, int *err, char *msg, size_t len);
struct rpc_result rpc_task_query(struct rpc_call *c, json_t *params, rpc_task_query_fn fn) RPC_WUR;
/* backend_done_fn for calls left pending on the backend (halt, resume):
 * answers with the result (taking ownership) or the error.  arg is the call. */
void rpc_backend_done(void *arg, int err, const char *errmsg, json_t *result);

#endif
