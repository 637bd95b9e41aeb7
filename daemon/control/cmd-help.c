/* cmd-help — "help": every method with its parameters and a one-line summary. */
#include "dispatch.h"

static struct rpc_result cmd_help(struct rpc_call *c, json_t *params)
{
    if (!rpc_params_str(c, params, NULL, 0, NULL)) return rpc_param_failed(c);
    const struct rpc_env *env = rpc_call_env(c);
    const struct rpc_cmd *const *t = env->commands ? env->commands : rpc_commands;
    json_t *a = json_array();
    for (int i = 0; t[i]; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "method", t[i]->name, "params",
                                           t[i]->params, "summary", t[i]->summary, "readonly",
                                           t[i]->readonly));
    return rpc_ok(c, a);
}

const struct rpc_cmd rpc_cmd_help = {
    .name = "help",
    .params = "",
    .summary = "list methods with parameters",
    .readonly = true,
    .fn = cmd_help,
};
