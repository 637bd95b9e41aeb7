/* cmd-reload — "reload": re-read the configuration file and apply what can
 * change live, as SIGHUP does, answering what was applied, what was refused
 * and why (mmd-rpc(7), man/rpc-schema/reload.json).  A refused reload is a
 * result with applied false, not an error: the running configuration stays. */
#include "dispatch.h"

static struct rpc_result cmd_reload(struct rpc_call *c, json_t *params)
{
    if (!rpc_params_str(c, params, NULL, 0, NULL)) return rpc_param_failed(c);
    const struct backend *be = rpc_call_env(c)->be;
    if (be->shutting_down && be->shutting_down(be->ud))
        return rpc_fail(c, RPC_ERR_SHUTTING_DOWN, "mmd is shutting down: nothing to reload");
    if (!be->reload) return rpc_fail(c, RPC_INTERNAL_ERROR, "this daemon cannot reload");
    return rpc_result_or_fail(c, be->reload(be->ud), RPC_INTERNAL_ERROR, "reload failed: out of memory");
}

const struct rpc_cmd rpc_cmd_reload = {
    .name = "reload",
    .params = "",
    .summary = "re-read the configuration: what was applied, refused and why",
    .readonly = false,
    .fn = cmd_reload,
};
