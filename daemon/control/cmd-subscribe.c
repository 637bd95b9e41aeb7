/* cmd-subscribe — "subscribe"/"unsubscribe": the connection receives (or
 * stops receiving) "status" notifications, at most four a second; a slow
 * reader gets only the newest snapshot. */
#include "dispatch.h"

static struct rpc_result set_sub(struct rpc_call *c, json_t *params, int on)
{
    if (!rpc_params_str(c, params, NULL, 0, NULL)) return rpc_param_failed(c);
    const struct rpc_env *env = rpc_call_env(c);
    int err = env->subscribe ? env->subscribe(env->client, on) : RPC_INTERNAL_ERROR;
    if (err) return rpc_fail(c, err, NULL);
    return rpc_ok(c, json_pack("{s:b, s:s, s:i}", "subscribed", on, "method", "status",
                               "max_rate_hz", 4));
}

static struct rpc_result cmd_subscribe(struct rpc_call *c, json_t *params) { return set_sub(c, params, 1); }
static struct rpc_result cmd_unsubscribe(struct rpc_call *c, json_t *params) { return set_sub(c, params, 0); }

const struct rpc_cmd rpc_cmd_subscribe = {
    .name = "subscribe",
    .params = "",
    .summary = "push \"status\" notifications (at most 4/s)",
    .readonly = true,
    .fn = cmd_subscribe,
};
const struct rpc_cmd rpc_cmd_unsubscribe = {
    .name = "unsubscribe",
    .params = "",
    .summary = "stop \"status\" notifications",
    .readonly = true,
    .fn = cmd_unsubscribe,
};
