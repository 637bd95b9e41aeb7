/* cmd-history — "history [kind] [task] [since] [until] [limit]": rows of the
 * ledger, newest first: fills, orders, hours (uptime per task per UTC hour)
 * or events (risk changes, halts, resumes, stream changes).  limit may be a
 * number or a numeral (default 100, at most 10000). */
#include <stdio.h>

#include "dispatch.h"

/* {"limit": 50} is as good as {"limit": "50"}; the rest are strings. */
static json_t *limit_as_string(json_t *params)
{
    json_t *p = json_is_object(params) ? json_deep_copy(params) : json_incref(params);
    json_t *l = json_is_object(p) ? json_object_get(p, "limit") : NULL;
    if (json_is_integer(l)) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)json_integer_value(l));
        json_object_set_new(p, "limit", json_string(b));
    }
    return p;
}

static struct rpc_result cmd_history(struct rpc_call *c, json_t *params)
{
    static const char *const names[] = {"kind", "task", "since", "until", "limit"};
    const char *a[5];
    json_t *p = limit_as_string(params);
    if (!rpc_params_str(c, p, names, 5, a)) {
        json_decref(p);
        return rpc_param_failed(c);
    }
    const struct backend *be = rpc_call_env(c)->be;
    int err = 0;
    char msg[300] = "";
    json_t *r = be->history ? be->history(be->ud, a[0], a[1], a[2], a[3], a[4], &err, msg, sizeof msg) : NULL;
    json_decref(p);
    if (!be->history) return rpc_fail(c, RPC_INVALID_PARAMS, "this daemon keeps no ledger");
    return rpc_result_or_fail(c, r, err, msg);
}

const struct rpc_cmd rpc_cmd_history = {
    .name = "history",
    .params = "[fills|orders|hours|events] [task] [since] [until] [limit]",
    .summary = "the ledger's fills, orders, hourly uptime or events, newest first",
    .readonly = true,
    .fn = cmd_history,
};
