/* cmd-tasks — "tasks": the configured tasks and their states. */
#include "dispatch.h"

static void cmd_tasks(struct rpc_call *c, json_t *params)
{
    if (rpc_params_str(c, params, NULL, 0, NULL) < 0) return;
    const struct backend *be = rpc_call_env(c)->be;
    json_t *t = be->tasks(be->ud);
    if (t)
        rpc_ok(c, t);
    else
        rpc_fail(c, RPC_INTERNAL_ERROR, "tasks unavailable");
}

const struct rpc_cmd rpc_cmd_tasks = {"tasks", "", "list tasks with symbol and state", 1, cmd_tasks};
