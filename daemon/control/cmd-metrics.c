/* cmd-metrics — "metrics": the same Prometheus text exposition the metrics
 * endpoint serves (metrics.listen), over the control socket, so mmctl
 * metrics works with the endpoint off. */
#include <stdlib.h>

#include "dispatch.h"

static struct rpc_result cmd_metrics(struct rpc_call *c, json_t *params)
{
    if (!rpc_params_str(c, params, NULL, 0, NULL)) return rpc_param_failed(c);
    const struct backend *be = rpc_call_env(c)->be;
    char *text = be->metrics ? be->metrics(be->ud) : NULL;
    if (!text) return rpc_fail(c, RPC_INTERNAL_ERROR, "metrics unavailable");
    json_t *r = json_pack("{s:s, s:s}", "format", "prometheus-text-0.0.4", "text", text);
    free(text);
    return rpc_result_or_fail(c, r, RPC_INTERNAL_ERROR, "metrics unavailable: out of memory");
}

const struct rpc_cmd rpc_cmd_metrics = {
    .name = "metrics",
    .params = "",
    .summary = "the Prometheus text exposition of the daemon's figures",
    .readonly = true,
    .fn = cmd_metrics,
};
