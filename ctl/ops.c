/* ops — see ops.h.  Owns what these commands print and how they exit:
 *   check      one Nagios-style summary line; exit 0 when every task is
 *              quoting and its risk is safe, 1 when any is not (or mmd is
 *              shutting down), 2 when mmd cannot be reached (or answers an
 *              error), 3 usage — the plugin convention OK/WARNING/CRITICAL
 *   metrics    the Prometheus text exposition, as the endpoint serves it
 *   reload     what was applied, what was refused and why; exit 1 when the
 *              reload was refused
 *   log-level  the level before and after
 * -j prints the raw JSON result instead (check: the status it judged). */
#include "ops.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "mmctl: %s%s%s\nTry 'mmctl --help'.\n", msg, arg ? ": " : "", arg ? arg : "");
    return RPC_EXIT_USAGE;
}

/* One call; prints a failure itself, on stdout for check (a monitoring
 * plugin's one line), else on stderr (prefix: how the line starts).
 * Returns the exit status and, when 0, the result in *res. */
static int call(const struct ctl_opts *o, const char *method, json_t *params, json_t **res, const char *prefix)
{
    FILE *ef = strcmp(method, "status") ? stderr : stdout;
    char err[512], msg[1024];
    int code = 0;
    *res = NULL;
    struct rpc_client *cl = rpc_client_connect(o->sock, o->timeout_s * 1000, err, sizeof err);
    if (!cl) {
        fprintf(ef, "%s%s\n", prefix, err);
        return RPC_EXIT_UNREACHABLE;
    }
    enum rpc_call_status st = rpc_client_call(cl, method, params, o->timeout_s * 1000, res, &code, msg, sizeof msg);
    rpc_client_close(cl);
    if (st == RPC_CALL_FAILED) {
        fprintf(ef, "%s%s (socket %s)\n", prefix, msg, o->sock);
        return RPC_EXIT_UNREACHABLE;
    }
    if (st == RPC_CALL_ERROR) {
        fprintf(ef, "%s%s: error %d: %s\n", prefix, method, code, msg);
        return RPC_EXIT_ERROR;
    }
    return RPC_EXIT_OK;
}

static void print_json(const json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (s) printf("%s\n", s);
    free(s);
}

/* ---- check ---- */

int ctl_run_check(const struct ctl_opts *o, int n, char **w)
{
    if (n) return usage_error("unexpected argument", w[0]);
    json_t *st;
    int rc = call(o, "status", NULL, &st, "MMD CRITICAL - ");
    if (rc == RPC_EXIT_ERROR) return RPC_EXIT_UNREACHABLE;   /* an error answer is no state to judge */
    if (rc) return rc;
    const json_t *tasks = json_object_get(st, "tasks");
    size_t total = json_array_size(tasks), good = 0;
    char bad[600] = "";
    for (size_t i = 0; i < total; i++) {
        const json_t *t = json_array_get(tasks, i);
        const char *state = json_string_value(json_object_get(t, "state"));
        const char *risk = json_string_value(json_object_get(json_object_get(t, "risk"), "state"));
        const char *why = json_string_value(json_object_get(t, "state_reason"));
        if (!why || !*why) why = json_string_value(json_array_get(json_object_get(json_object_get(t, "risk"), "reasons"), 0));
        if (state && risk && !strcmp(state, "quoting") && !strcmp(risk, "safe")) { good++; continue; }
        size_t k = strlen(bad);
        snprintf(bad + k, sizeof bad - k, "%s%s %s/%s%s%.60s%s", k ? "; " : "",
                 json_string_value(json_object_get(t, "id")) ?: "?", state ?: "?", risk ?: "?",
                 why && *why ? " (" : "", why && *why ? why : "", why && *why ? ")" : "");
    }
    bool stopping = json_is_true(json_object_get(st, "shutting_down"));
    rc = (good == total && !stopping) ? RPC_EXIT_OK : 1;
    if (o->json) print_json(st);
    else
        printf("MMD %s - %zu/%zu task(s) quoting and safe%s%s%s | quoting=%zu;;;0;%zu\n",
               rc ? "WARNING" : "OK", good, total, stopping ? "; shutting down" : "", bad[0] ? ": " : "", bad,
               good, total);
    json_decref(st);
    return rc;
}

/* ---- metrics ---- */

int ctl_run_metrics(const struct ctl_opts *o, int n, char **w)
{
    if (n) return usage_error("unexpected argument", w[0]);
    json_t *r;
    int rc = call(o, "metrics", NULL, &r, "mmctl: ");
    if (rc) return rc;
    if (o->json) print_json(r);
    else fputs(json_string_value(json_object_get(r, "text")) ?: "", stdout);
    json_decref(r);
    return RPC_EXIT_OK;
}

/* ---- reload ---- */

static void print_list(const char *what, const json_t *a)
{
    if (!json_array_size(a)) return;
    printf("%s:", what);
    for (size_t i = 0; i < json_array_size(a); i++) printf(" %s", json_string_value(json_array_get(a, i)));
    printf("\n");
}

int ctl_run_reload(const struct ctl_opts *o, int n, char **w)
{
    if (n) return usage_error("unexpected argument", w[0]);
    json_t *r;
    int rc = call(o, "reload", NULL, &r, "mmctl: ");
    if (rc) return rc;
    bool applied = json_is_true(json_object_get(r, "applied"));
    if (o->json) {
        print_json(r);
    } else {
        printf("reload of %s: %s\n", json_string_value(json_object_get(r, "config")) ?: "?",
               applied ? "applied" : "NOT applied; the running configuration stays");
        print_list("tasks added", json_object_get(r, "added"));
        print_list("tasks removed", json_object_get(r, "removed"));
        print_list("tasks changed", json_object_get(r, "changed"));
        const json_t *ref = json_object_get(r, "refused");
        for (size_t i = 0; i < json_array_size(ref); i++)
            printf("refused: %s\n", json_string_value(json_array_get(ref, i)));
    }
    json_decref(r);
    return applied ? RPC_EXIT_OK : RPC_EXIT_ERROR;
}

/* ---- log-level ---- */

int ctl_run_log_level(const struct ctl_opts *o, int n, char **w)
{
    if (n > 1) return usage_error("unexpected argument", w[1]);
    json_t *params = n ? json_pack("{s:s}", "level", w[0]) : NULL, *r;
    int rc = call(o, "log-level", params, &r, "mmctl: ");
    json_decref(params);
    if (rc) return rc;
    if (o->json) print_json(r);
    else if (n) printf("log level %s (was %s)\n", json_string_value(json_object_get(r, "level")),
                       json_string_value(json_object_get(r, "previous")));
    else printf("log level %s\n", json_string_value(json_object_get(r, "level")));
    json_decref(r);
    return RPC_EXIT_OK;
}
