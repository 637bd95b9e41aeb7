/* cmd-positions — "positions [task]": positions of one task or all. */
#include "dispatch.h"

static void cmd_positions(struct rpc_call *c, json_t *params)
{
    rpc_task_query(c, params, rpc_call_env(c)->be->positions);
}

const struct rpc_cmd rpc_cmd_positions = {"positions", "[task]", "positions of one task or all", 1, cmd_positions};
