/* cmd-halt — "halt [task] [reason]": stops quoting and cancels the task's
 * orders (every task when none is named).  Left pending until the backend
 * reports the cancels confirmed or timed out; the reply may come long after. */
#include "dispatch.h"

static struct rpc_result cmd_halt(struct rpc_call *c, json_t *params)
{
    static const char *const names[] = {"task", "reason"};
    const char *a[2];
    if (!rpc_params_str(c, params, names, 2, a)) return rpc_param_failed(c);
    const struct backend *be = rpc_call_env(c)->be;
    struct rpc_result r = rpc_pending(c);   /* before: the backend may answer at once */
    if (be->requested_by) be->requested_by(be->ud, rpc_call_env(c)->who);
    be->halt(be->ud, a[0], a[1] ? a[1] : "operator", rpc_backend_done, c);
    return r;
}

const struct rpc_cmd rpc_cmd_halt = {
    .name = "halt",
    .params = "[task] [reason]",
    .summary = "halt a task (or all) and cancel its orders",
    .readonly = false,
    .fn = cmd_halt,
};
