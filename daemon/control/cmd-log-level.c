/* cmd-log-level — "log-level": the daemon's log level, and setting it at run
 * time (until the next restart; log.level in the file is read at start).
 * Without a level it only answers the current one. */
#include <stdio.h>

#include "dispatch.h"
#include "log.h"

static struct rpc_result cmd_log_level(struct rpc_call *c, json_t *params)
{
    static const char *const names[] = {"level"};
    const char *lv;
    if (!rpc_params_str(c, params, names, 1, &lv)) return rpc_param_failed(c);
    enum log_level prev = log_get_level(), want;
    if (!lv) return rpc_ok(c, json_pack("{s:s, s:s}", "level", log_level_name(prev), "previous",
                                        log_level_name(prev)));
    if (log_level_parse(lv, &want) != 0 || want == LOG_OFF) {
        char msg[160];
        snprintf(msg, sizeof msg, "Invalid params: level '%.40s' is not one of debug, info, warn, error", lv);
        return rpc_fail(c, RPC_INVALID_PARAMS, msg);
    }
    log_set_level(want);
    if (want != prev)
        log_msg(LOG_WARN, "control", "log level %s -> %s (log-level RPC)", log_level_name(prev),
                log_level_name(want));
    return rpc_ok(c, json_pack("{s:s, s:s}", "level", log_level_name(want), "previous", log_level_name(prev)));
}

const struct rpc_cmd rpc_cmd_log_level = {
    .name = "log-level",
    .params = "[level]",
    .summary = "show or set the log level (debug, info, warn, error) until restart",
    .readonly = false,
    .fn = cmd_log_level,
};
