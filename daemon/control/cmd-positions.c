/* cmd-positions — "positions [task]": positions of one task or all. */
#include "dispatch.h"

static struct rpc_result cmd_positions(struct rpc_call *c, json_t *params)
{
    return rpc_task_query(c, params, rpc_call_env(c)->be->positions);
}

const struct rpc_cmd rpc_cmd_positions = {
    .name = "positions",
    .params = "[task]",
    .summary = "positions of one task or all",
    .readonly = true,
    .fn = cmd_positions,
};
