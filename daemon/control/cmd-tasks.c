/* cmd-tasks — "tasks": the configured tasks and their states. */
#include "dispatch.h"

static struct rpc_result cmd_tasks(struct rpc_call *c, json_t *params)
{
    if (!rpc_params_str(c, params, NULL, 0, NULL)) return rpc_param_failed(c);
    const struct backend *be = rpc_call_env(c)->be;
    return rpc_result_or_fail(c, be->tasks(be->ud), RPC_INTERNAL_ERROR, "tasks unavailable");
}

const struct rpc_cmd rpc_cmd_tasks = {
    .name = "tasks",
    .params = "",
    .summary = "list tasks with symbol and state",
    .readonly = true,
    .fn = cmd_tasks,
};
