/* cmd-status — "status": the full daemon snapshot (shape in mmd-rpc(7) and
 * man/rpc-schema/status.json). */
#include "dispatch.h"

static struct rpc_result cmd_status(struct rpc_call *c, json_t *params)
{
    if (!rpc_params_str(c, params, NULL, 0, NULL)) return rpc_param_failed(c);
    const struct backend *be = rpc_call_env(c)->be;
    return rpc_result_or_fail(c, be->status(be->ud), RPC_INTERNAL_ERROR, "status unavailable");
}

const struct rpc_cmd rpc_cmd_status = {
    .name = "status",
    .params = "",
    .summary = "daemon uptime, connections and every task's state",
    .readonly = true,
    .fn = cmd_status,
};
