/* cmd-report — "report [task] [day|month] [at]": per task, from the ledger,
 * for the UTC day or month containing `at` (default now): uptime hours by
 * tier, uptime seconds, Maker Hours, estimated Maker Points, fills, volume
 * and maker volume, fees, realized PnL and average markouts. */
#include "dispatch.h"

static struct rpc_result cmd_report(struct rpc_call *c, json_t *params)
{
    static const char *const names[] = {"task", "period", "at"};
    const char *a[3];
    if (!rpc_params_str(c, params, names, 3, a)) return rpc_param_failed(c);
    const struct backend *be = rpc_call_env(c)->be;
    if (!be->report) return rpc_fail(c, RPC_INVALID_PARAMS, "this daemon keeps no ledger");
    int err = 0;
    char msg[300] = "";
    json_t *r = be->report(be->ud, a[0], a[1], a[2], &err, msg, sizeof msg);
    return rpc_result_or_fail(c, r, err, msg);
}

const struct rpc_cmd rpc_cmd_report = {
    .name = "report",
    .params = "[task] [day|month] [at]",
    .summary = "uptime, Maker Hours, fills, fees, PnL and markouts of a UTC day or month",
    .readonly = true,
    .fn = cmd_report,
};
