/* cmd-subscribe — "subscribe"/"unsubscribe": the connection receives (or
 * stops receiving) "status" notifications, at most four a second; a slow
 * reader gets only the newest snapshot. */
#include "dispatch.h"

static void set_sub(struct rpc_call *c, json_t *params, int on)
{
    if (rpc_params_str(c, params, NULL, 0, NULL) < 0) return;
    const struct rpc_env *env = rpc_call_env(c);
    int err = env->subscribe ? env->subscribe(env->client, on) : RPC_INTERNAL_ERROR;
    if (err)
        rpc_fail(c, err, NULL);
    else
        rpc_ok(c, json_pack("{s:b, s:s, s:i}", "subscribed", on, "method", "status",
                            "max_rate_hz", 4));
}

static void cmd_subscribe(struct rpc_call *c, json_t *params) { set_sub(c, params, 1); }
static void cmd_unsubscribe(struct rpc_call *c, json_t *params) { set_sub(c, params, 0); }

const struct rpc_cmd rpc_cmd_subscribe = {"subscribe", "",
                                          "push \"status\" notifications (at most 4/s)", 1,
                                          cmd_subscribe};
const struct rpc_cmd rpc_cmd_unsubscribe = {"unsubscribe", "", "stop \"status\" notifications", 1,
                                            cmd_unsubscribe};
