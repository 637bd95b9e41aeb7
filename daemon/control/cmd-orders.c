/* cmd-orders — "orders [task]": open orders of one task or all. */
#include "dispatch.h"

static struct rpc_result cmd_orders(struct rpc_call *c, json_t *params)
{
    return rpc_task_query(c, params, rpc_call_env(c)->be->orders);
}

const struct rpc_cmd rpc_cmd_orders = {
    .name = "orders",
    .params = "[task]",
    .summary = "open orders of one task or all",
    .readonly = true,
    .fn = cmd_orders,
};
