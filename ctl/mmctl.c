/* mmctl — control client for mmd: parses the command line into one JSON-RPC
 * call over the control socket and prints the result (tables, or raw JSON
 * with -j).  Exit: 0 ok, 1 the daemon returned an error, 2 cannot reach the
 * daemon, 3 usage.  See mmctl(8). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ops.h"
#include "rpc.h"

enum argkind { A_NONE, A_TASK, A_TASK_REASON, A_COUNT, A_RAW };

struct ctl_cmd {
    const char *name;
    enum argkind args;
    const char *synopsis;
    int (*run)(const struct ctl_opts *o, int n, char **w);   /* commands of ops.c */
};

static const struct ctl_cmd cmds[] = {
    {.name = "status", .args = A_NONE,
     .synopsis = "status                 daemon, connections and every task"},
    {.name = "tasks", .args = A_NONE, .synopsis = "tasks                  list tasks"},
    {.name = "orders", .args = A_TASK, .synopsis = "orders [TASK]          open orders"},
    {.name = "positions", .args = A_TASK,
     .synopsis = "positions [TASK]       positions and unrealized PnL"},
    {.name = "uptime", .args = A_TASK, .synopsis = "uptime [TASK]          uptime per UTC hour"},
    {.name = "halt", .args = A_TASK_REASON,
     .synopsis = "halt [TASK|all] [REASON...]  halt and cancel orders"},
    {.name = "resume", .args = A_TASK, .synopsis = "resume [TASK]          resume halted tasks"},
    {.name = "subscribe", .args = A_COUNT,
     .synopsis = "subscribe [COUNT]      print status snapshots as they come"},
    {.name = "version", .args = A_NONE, .synopsis = "version                daemon version"},
    {.name = "help", .args = A_NONE, .synopsis = "help                   the daemon's method list"},
    {.name = "shutdown", .args = A_NONE,
     .synopsis = "shutdown               graceful stop, as SIGTERM"},
    {.name = "raw", .args = A_RAW, .synopsis = "raw METHOD [JSON]      any method with raw params"},
    {.name = "check", .synopsis = "check                  monitoring: exit 0 all quoting+safe, 1 not, 2 unreachable",
     .run = ctl_run_check},
    {.name = "metrics", .synopsis = "metrics                Prometheus text exposition", .run = ctl_run_metrics},
    {.name = "reload", .synopsis = "reload                 re-read the config: applied, refused and why",
     .run = ctl_run_reload},
    {.name = "log-level", .synopsis = "log-level [LEVEL]      show or set debug|info|warn|error",
     .run = ctl_run_log_level},
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: mmctl [-j] [-s SOCKET] [-t SECONDS] COMMAND [ARGS]\n"
               "  -s, --socket PATH   control socket (default: $MMD_SOCKET, else as mmd)\n"
               "  -j, --json          print the raw JSON result\n"
               "  -t, --timeout SECS  wait at most this long for a reply (default 60)\n"
               "  -h, --help          this help\n"
               "  -V, --version       print the version\n"
               "commands:\n");
    for (size_t i = 0; i < NCMDS; i++) fprintf(f, "  %s\n", cmds[i].synopsis);
    fprintf(f, "exit status: 0 ok, 1 daemon error, 2 cannot reach mmd, 3 usage\n");
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "mmctl: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Try 'mmctl --help'.\n");
    return RPC_EXIT_USAGE;
}

static const struct ctl_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (!strcmp(cmds[i].name, name)) return &cmds[i];
    return NULL;
}

static char *join_words(int n, char **w)
{
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(w[i]) + 1;
    char *s = calloc(1, len);
    for (int i = 0; i < n; i++) {
        if (i) strcat(s, " ");
        strcat(s, w[i]);
    }
    return s;
}

/* Builds params from the words after the command; NULL params is fine.
 * Returns 0, or -1 on a usage error (message printed). */
static int build_params(const struct ctl_cmd *c, int n, char **w, json_t **params,
                        const char **method, long *count)
{
    *params = NULL;
    *method = c->name;
    switch (c->args) {
    case A_NONE:
        if (n) return usage_error("unexpected argument", w[0]), -1;
        return 0;
    case A_TASK:
        if (n > 1) return usage_error("unexpected argument", w[1]), -1;
        if (n) *params = json_pack("{s:s}", "task", w[0]);
        return 0;
    case A_TASK_REASON: {
        *params = json_object();
        if (n && strcmp(w[0], "all")) json_object_set_new(*params, "task", json_string(w[0]));
        if (n > 1) {
            char *r = join_words(n - 1, w + 1);
            json_object_set_new(*params, "reason", json_string(r));
            free(r);
        }
        return 0;
    }
    case A_COUNT: {
        if (n > 1) return usage_error("unexpected argument", w[1]), -1;
        char *end = NULL;
        if (n) *count = strtol(w[0], &end, 10);
        if (n && (*end || *count <= 0)) return usage_error("COUNT must be a positive number", w[0]), -1;
        return 0;
    }
    case A_RAW:
        if (n < 1 || n > 2) return usage_error("raw needs METHOD [JSON-PARAMS]", NULL), -1;
        *method = w[0];
        if (n == 2) {
            json_error_t e;
            *params = json_loads(w[1], 0, &e);
            if (!json_is_array(*params) && !json_is_object(*params)) {
                json_decref(*params);
                return usage_error("params must be a JSON array or object", w[1]), -1;
            }
        }
        return 0;
    }
    return -1;
}

static void default_socket(char *buf, size_t len)
{
    const char *env = getenv("MMD_SOCKET");
    if (env && *env) snprintf(buf, len, "%s", env);
    else rpc_default_socket(buf, len);
}

/* subscribe: print notifications until count reached or the daemon goes. */
static int run_subscribe(struct rpc_client *cl, const struct ctl_printer *pr, long count)
{
    long seen = 0;
    for (;;) {
        int closed = 0;
        json_t *m = rpc_client_next(cl, 1000, &closed);
        if (!m) {
            if (closed) {
                fprintf(stderr, "mmctl: connection closed by mmd\n");
                return RPC_EXIT_UNREACHABLE;
            }
            continue;
        }
        if (json_object_get(m, "method")) {
            pr->notification(stdout, m);
            seen++;
        }
        json_decref(m);
        if (count > 0 && seen >= count) return RPC_EXIT_OK;
    }
}

static int run(const char *sock, const struct ctl_printer *pr, int timeout_s, const char *method,
               json_t *params, long count)
{
    char err[512];
    struct rpc_client *cl = rpc_client_connect(sock, timeout_s * 1000, err, sizeof err);
    if (!cl) {
        if (pr == &ctl_print_json) pr->error(stdout, method, 0, err, sock);
        else fprintf(stderr, "mmctl: %s\n", err);
        return RPC_EXIT_UNREACHABLE;
    }
    json_t *res = NULL;
    int code = 0;
    char msg[1024];
    enum rpc_call_status st =
        rpc_client_call(cl, method, params, timeout_s * 1000, &res, &code, msg, sizeof msg);
    int rc = RPC_EXIT_OK;
    if (st == RPC_CALL_FAILED) {
        pr->error(stdout, method, 0, msg, sock);
        rc = RPC_EXIT_UNREACHABLE;
    } else if (st == RPC_CALL_ERROR) {
        pr->error(stdout, method, code, msg, sock);
        rc = RPC_EXIT_ERROR;
    } else if (!strcmp(method, "subscribe")) {
        rc = run_subscribe(cl, pr, count);
    } else {
        pr->result(stdout, method, res);
    }
    json_decref(res);
    rpc_client_close(cl);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {.name = "socket", .has_arg = required_argument, .val = 's'},
        {.name = "json", .has_arg = no_argument, .val = 'j'},
        {.name = "timeout", .has_arg = required_argument, .val = 't'},
        {.name = "help", .has_arg = no_argument, .val = 'h'},
        {.name = "version", .has_arg = no_argument, .val = 'V'},
        {.name = "commands", .has_arg = no_argument, .val = 'C'},   /* for completion */
        {.name = NULL},
    };
    char sock[256];
    int json = 0, timeout_s = 60, c;
    default_socket(sock, sizeof sock);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+s:jt:hV", opts, NULL)) != -1) {
        switch (c) {
        case 's': snprintf(sock, sizeof sock, "%s", optarg); break;
        case 'j': json = 1; break;
        case 't':
            timeout_s = atoi(optarg);
            if (timeout_s <= 0) return usage_error("bad timeout", optarg);
            break;
        case 'h': usage(stdout); return RPC_EXIT_OK;
        case 'V': printf("mmctl %s\n", MMD_VERSION); return RPC_EXIT_OK;
        case 'C':
            for (size_t i = 0; i < NCMDS; i++) printf("%s\n", cmds[i].name);
            return RPC_EXIT_OK;
        default: return usage_error("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (optind >= argc) return usage_error("no command given", NULL);
    const struct ctl_cmd *cmd = find_cmd(argv[optind]);
    if (!cmd) return usage_error("unknown command", argv[optind]);
    if (cmd->run)
        return cmd->run(&(struct ctl_opts){.sock = sock, .json = json, .timeout_s = timeout_s},
                        argc - optind - 1, argv + optind + 1);
    json_t *params;
    const char *method;
    long count = 0;
    if (build_params(cmd, argc - optind - 1, argv + optind + 1, &params, &method, &count) < 0)
        return RPC_EXIT_USAGE;
    int rc = run(sock, json ? &ctl_print_json : &ctl_print_text, timeout_s, method, params, count);
    json_decref(params);
    return rc;
}
