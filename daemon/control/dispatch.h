/* dispatch (daemon side) — JSON-RPC 2.0 request validation and dispatch,
 * independent of the transport.  One input line (a request, a notification
 * or a batch) is answered through one callback, exactly once, possibly after
 * the call returns (halt waits for the exchange).  Commands live one per
 * file (cmd-<name>.c) and are listed in the table in dispatch.c; each handler
 * ends in exactly one rpc_ok() or rpc_fail(), now or later. */
#ifndef MMD_DISPATCH_H
#define MMD_DISPATCH_H
#include <jansson.h>
#include <stddef.h>

#include "backend.h"
#include "rpc.h"               /* common/rpc.h: codes, framing */

/* What a command may reach.  Copied into every request, so it may live in
 * the (short-lived) client that sent it. */
struct rpc_env {
    const struct backend *be;
    int *stopping;                 /* set once shutdown was requested */
    void *client;                  /* transport client (for subscribe) */
    int (*subscribe)(void *client, int on);   /* 0 ok, else an RPC error code */
};

struct rpc_call;
typedef void (*rpc_cmd_fn)(struct rpc_call *call, json_t *params);

struct rpc_cmd {
    const char *name;
    const char *params;     /* synopsis, e.g. "[task] [reason]" */
    const char *summary;    /* one line */
    int readonly;           /* 1: changes nothing */
    rpc_cmd_fn fn;
};

/* NULL-terminated command table, and lookup by name. */
extern const struct rpc_cmd *const rpc_commands[];
const struct rpc_cmd *rpc_cmd_find(const char *name);

/* Delivers the answer to one input line: a reply object, a reply array
 * (batch), or NULL when nothing is to be sent.  Takes ownership of reply. */
typedef void (*rpc_reply_fn)(void *arg, json_t *reply);

void rpc_handle_line(const struct rpc_env *env, const char *line, size_t len, rpc_reply_fn fn,
                     void *arg);
/* Same for an already parsed value (borrowed). */
void rpc_handle_value(const struct rpc_env *env, json_t *v, rpc_reply_fn fn, void *arg);

/* For command handlers. */
const struct rpc_env *rpc_call_env(const struct rpc_call *c);
void rpc_ok(struct rpc_call *c, json_t *result);          /* steals result */
void rpc_fail(struct rpc_call *c, int code, const char *msg);
/* Named-or-positional string parameters: params may be absent, an array of
 * at most n strings/nulls, or an object whose keys are among names with
 * string/null values.  Fills out[] (NULL when absent).  Returns 0, or -1
 * after answering the call with -32602. */
int rpc_params_str(struct rpc_call *c, json_t *params, const char *const names[], int n,
                   const char *out[]);
/* Answers with result if non-NULL, else with error err (-32603 if 0) and msg. */
void rpc_result_or_fail(struct rpc_call *c, json_t *result, int err, const char *msg);
/* The body of the read-only "[task]" queries (orders, positions, uptime):
 * takes the optional task param and answers with fn's result or error. */
/* backend_done_fn for commands that wait on the backend (halt, resume): replies
 * with the result (taking ownership) or the error.  arg is the rpc_call. */
void rpc_backend_done(void *arg, int err, const char *errmsg, json_t *result);
typedef json_t *(*rpc_task_query_fn)(void *ud, const char *task, int *err, char *msg, size_t len);
void rpc_task_query(struct rpc_call *c, json_t *params, rpc_task_query_fn fn);

#endif
