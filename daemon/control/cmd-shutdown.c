/* cmd-shutdown — "shutdown": graceful stop, as SIGTERM (cancel all orders,
 * optionally close positions, exit).  Replies first, then starts the stop. */
#include "dispatch.h"

static void cmd_shutdown(struct rpc_call *c, json_t *params)
{
    if (rpc_params_str(c, params, NULL, 0, NULL) < 0) return;
    const struct rpc_env *env = rpc_call_env(c);
    if (env->stopping && *env->stopping) {
        rpc_fail(c, RPC_ERR_SHUTTING_DOWN, "mmd is already shutting down");
        return;
    }
    const struct backend *be = env->be;
    if (env->stopping) *env->stopping = 1;
    rpc_ok(c, json_pack("{s:b}", "shutting_down", 1));   /* c is gone now */
    be->shutdown(be->ud);
}

const struct rpc_cmd rpc_cmd_shutdown = {"shutdown", "", "graceful stop (as SIGTERM)", 0,
                                         cmd_shutdown};
