/* cmd-help — "help": every method with its parameters and a one-line summary. */
#include "dispatch.h"

static void cmd_help(struct rpc_call *c, json_t *params)
{
    if (rpc_params_str(c, params, NULL, 0, NULL) < 0) return;
    json_t *a = json_array();
    for (int i = 0; rpc_commands[i]; i++) {
        const struct rpc_cmd *m = rpc_commands[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "method", m->name, "params",
                                           m->params, "summary", m->summary, "readonly",
                                           m->readonly));
    }
    rpc_ok(c, a);
}

const struct rpc_cmd rpc_cmd_help = {"help", "", "list methods with parameters", 1, cmd_help};
