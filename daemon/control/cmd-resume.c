/* cmd-resume — "resume [task]": clears an operator halt so the task quotes
 * again (every task when none is named).  Refused while shutting down. */
#include "dispatch.h"

static void cmd_resume(struct rpc_call *c, json_t *params)
{
    static const char *const names[] = {"task"};
    const char *task;
    if (rpc_params_str(c, params, names, 1, &task) < 0) return;
    const struct rpc_env *env = rpc_call_env(c);
    if (env->stopping && *env->stopping) {
        rpc_fail(c, RPC_ERR_SHUTTING_DOWN, "mmd is shutting down");
        return;
    }
    env->be->resume(env->be->ud, task, rpc_backend_done, c);
}

const struct rpc_cmd rpc_cmd_resume = {"resume", "[task]", "resume a halted task (or all)", 0,
                                       cmd_resume};
