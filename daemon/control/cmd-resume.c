/* cmd-resume — "resume [task]": clears an operator halt (or a paused
 * circuit breaker) so the task quotes again; every halted task when none is
 * named.  A named task that is not halted: -1003 (from the backend).
 * Refused with -1101 while the daemon shuts down (the backend's flag). */
#include "dispatch.h"

static struct rpc_result cmd_resume(struct rpc_call *c, json_t *params)
{
    static const char *const names[] = {"task"};
    const char *task;
    if (!rpc_params_str(c, params, names, 1, &task)) return rpc_param_failed(c);
    const struct backend *be = rpc_call_env(c)->be;
    if (be->shutting_down(be->ud)) return rpc_fail(c, RPC_ERR_SHUTTING_DOWN, "mmd is shutting down");
    struct rpc_result r = rpc_pending(c);   /* before: the backend may answer at once */
    if (be->requested_by) be->requested_by(be->ud, rpc_call_env(c)->who);
    be->resume(be->ud, task, rpc_backend_done, c);
    return r;
}

const struct rpc_cmd rpc_cmd_resume = {
    .name = "resume",
    .params = "[task]",
    .summary = "resume a halted task (or all)",
    .readonly = false,
    .fn = cmd_resume,
};
