/* cmd-halt — "halt [task] [reason]": stops quoting and cancels the task's
 * orders (every task when none is named).  Replies once the backend reports
 * the cancels confirmed or timed out; the reply may come long after. */
#include "dispatch.h"

static void cmd_halt(struct rpc_call *c, json_t *params)
{
    static const char *const names[] = {"task", "reason"};
    const char *a[2];
    if (rpc_params_str(c, params, names, 2, a) < 0) return;
    const struct backend *be = rpc_call_env(c)->be;
    be->halt(be->ud, a[0], a[1] ? a[1] : "operator", rpc_backend_done, c);
}

const struct rpc_cmd rpc_cmd_halt = {"halt", "[task] [reason]",
                                     "halt a task (or all) and cancel its orders", 0, cmd_halt};
