/* cmd-resume — "resume [task]": clears an operator halt so the task quotes
 * again (every task when none is named).  Refused while shutting down. */
#include "rpc.h"

static void resume_done(void *arg, int err, const char *errmsg, json_t *result)
{
    struct rpc_call *c = arg;
    if (err) {
        json_decref(result);
        rpc_fail(c, err, errmsg);
    } else {
        rpc_ok(c, result ? result : json_object());
    }
}

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
    env->be->resume(env->be->ud, task, resume_done, c);
}

const struct rpc_cmd rpc_cmd_resume = {"resume", "[task]", "resume a halted task (or all)", 0,
                                       cmd_resume};
