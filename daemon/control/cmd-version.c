/* cmd-version — "version": the daemon's version and the RPC API level. */
#include "dispatch.h"

static struct rpc_result cmd_version(struct rpc_call *c, json_t *params)
{
    if (!rpc_params_str(c, params, NULL, 0, NULL)) return rpc_param_failed(c);
    return rpc_ok(c, json_pack("{s:s, s:i}", "daemon", MMD_VERSION, "api", RPC_API_VERSION));
}

const struct rpc_cmd rpc_cmd_version = {
    .name = "version",
    .params = "",
    .summary = "daemon version and RPC API level",
    .readonly = true,
    .fn = cmd_version,
};
