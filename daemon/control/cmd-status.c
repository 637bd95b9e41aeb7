/* cmd-status — "status": the full daemon snapshot (shape in mmd-rpc(7)). */
#include "dispatch.h"

static void cmd_status(struct rpc_call *c, json_t *params)
{
    if (rpc_params_str(c, params, NULL, 0, NULL) < 0) return;
    const struct backend *be = rpc_call_env(c)->be;
    json_t *s = be->status(be->ud);
    if (s)
        rpc_ok(c, s);
    else
        rpc_fail(c, RPC_INTERNAL_ERROR, "status unavailable");
}

const struct rpc_cmd rpc_cmd_status = {"status", "",
                                       "daemon uptime, connections and every task's state", 1,
                                       cmd_status};
