/* cmd-shutdown — "shutdown": graceful stop, as SIGTERM (cancel all orders,
 * optionally close positions, exit).  The answer is queued before the stop
 * starts.  Refused with -1101 when the backend is already shutting down,
 * whatever started it (SIGTERM, SIGINT or an earlier request). */
#include "dispatch.h"

static struct rpc_result cmd_shutdown(struct rpc_call *c, json_t *params)
{
    if (!rpc_params_str(c, params, NULL, 0, NULL)) return rpc_param_failed(c);
    const struct backend *be = rpc_call_env(c)->be;
    if (be->shutting_down(be->ud))
        return rpc_fail(c, RPC_ERR_SHUTTING_DOWN, "mmd is already shutting down");
    struct rpc_result r = rpc_ok(c, json_pack("{s:b}", "shutting_down", 1));
    be->shutdown(be->ud);
    return r;
}

const struct rpc_cmd rpc_cmd_shutdown = {
    .name = "shutdown",
    .params = "",
    .summary = "graceful stop (as SIGTERM)",
    .readonly = false,
    .fn = cmd_shutdown,
};
