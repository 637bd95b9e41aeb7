/* cmd-orders — "orders [task]": open orders of one task or all. */
#include "dispatch.h"

static void cmd_orders(struct rpc_call *c, json_t *params)
{
    rpc_task_query(c, params, rpc_call_env(c)->be->orders);
}

const struct rpc_cmd rpc_cmd_orders = {"orders", "[task]", "open orders of one task or all", 1, cmd_orders};
