/* cmd-uptime — "uptime [task]": uptime per UTC hour (last 24) of one task or all. */
#include "dispatch.h"

static void cmd_uptime(struct rpc_call *c, json_t *params)
{
    rpc_task_query(c, params, rpc_call_env(c)->be->uptime);
}

const struct rpc_cmd rpc_cmd_uptime = {"uptime", "[task]", "uptime per UTC hour (last 24) of one task or all", 1, cmd_uptime};
