/* cmd-version — "version": the daemon's version and the RPC API level. */
#include "dispatch.h"

static void cmd_version(struct rpc_call *c, json_t *params)
{
    if (rpc_params_str(c, params, NULL, 0, NULL) < 0) return;
    rpc_ok(c, json_pack("{s:s, s:i}", "daemon", MMD_VERSION, "api", RPC_API_VERSION));
}

const struct rpc_cmd rpc_cmd_version = {"version", "", "daemon version and RPC API level", 1,
                                        cmd_version};
