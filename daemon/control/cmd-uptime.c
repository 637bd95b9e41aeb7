/* cmd-uptime — "uptime [task]": uptime per UTC hour (last 24) of one task or all. */
#include "dispatch.h"

static struct rpc_result cmd_uptime(struct rpc_call *c, json_t *params)
{
    return rpc_task_query(c, params, rpc_call_env(c)->be->uptime);
}

const struct rpc_cmd rpc_cmd_uptime = {
    .name = "uptime",
    .params = "[task]",
    .summary = "uptime per UTC hour (last 24) of one task or all",
    .readonly = true,
    .fn = cmd_uptime,
};
