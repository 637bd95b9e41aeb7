/* cmd-positions — "positions [task]": positions of one task or all. */
#include "rpc.h"

static void cmd_positions(struct rpc_call *c, json_t *params)
{
    static const char *const names[] = {"task"};
    const char *task;
    if (rpc_params_str(c, params, names, 1, &task) < 0) return;
    const struct backend *be = rpc_call_env(c)->be;
    int err = 0;
    char msg[256] = "";
    json_t *r = be->positions(be->ud, task, &err, msg, sizeof msg);
    rpc_result_or_fail(c, r, err, msg);
}

const struct rpc_cmd rpc_cmd_positions = {"positions", "[task]", "positions of one task or all", 1, cmd_positions};
