/* fuzz_rpc — libFuzzer target for the daemon's JSON-RPC line handler
 * (daemon/control/dispatch.h rpc_handle_line, the real command table cmd-*.c) over a fake
 * backend in the spirit of tests/tools/fakemmd.c: two tasks, halt answering
 * LATER (queued, completed after the line was handled, as the exchange
 * would), resume at once.  The input is split by the NDJSON line splitter
 * (common/rpc.h rpc_lines_*) in uneven chunks, and each line is handled as
 * control.c does; the whole input is also handled as one line.  Checks:
 * exactly one answer per line, every reply a well-formed JSON-RPC 2.0
 * response (or a non-empty array of them) that rpc_frame turns into one
 * line. */
#include <jansson.h>

#include "fuzz_util.h"
#include "dispatch.h"

static const char *const task_ids[] = {"btc-1", "eth-1"};
#define NTASK 2

static int known(const char *t)
{
    for (int i = 0; i < NTASK; i++)
        if (!strcmp(t, task_ids[i])) return 1;
    return 0;
}

static json_t *fb_status(void *ud)
{
    (void)ud;
    return json_pack("{s:s, s:i, s:b, s:[{s:s, s:s}]}", "version", "fuzz", "uptime_s", 1,
                     "shutting_down", 0, "tasks", "id", "btc-1", "state", "quoting");
}

static json_t *fb_tasks(void *ud)
{
    (void)ud;
    return json_pack("[{s:s, s:s}, {s:s, s:s}]", "id", "btc-1", "symbol", "BTC-USD", "id",
                     "eth-1", "symbol", "ETH-USD");
}

static json_t *per_task(const char *task, int *err, char *msg, size_t len, const char *what)
{
    if (task && !known(task)) {
        *err = RPC_ERR_UNKNOWN_TASK;
        snprintf(msg, len, "unknown task '%s'", task);
        return NULL;
    }
    json_t *o = json_object();
    for (int i = 0; i < NTASK; i++)
        if (!task || !strcmp(task, task_ids[i]))
            json_object_set_new(o, task_ids[i], json_pack("{s:s, s:s}", "id", task_ids[i], "what", what));
    return o;
}

static json_t *fb_orders(void *ud, const char *t, int *e, char *m, size_t l)
{
    (void)ud;
    return per_task(t, e, m, l, "orders");
}
static json_t *fb_positions(void *ud, const char *t, int *e, char *m, size_t l)
{
    (void)ud;
    return per_task(t, e, m, l, "positions");
}
static json_t *fb_uptime(void *ud, const char *t, int *e, char *m, size_t l)
{
    (void)ud;
    return per_task(t, e, m, l, "uptime");
}

/* Halts complete after rpc_handle_line returned (as with a real exchange). */
#define MAX_PENDING 4096
static struct { backend_done_fn done; void *arg; int err; } pending[MAX_PENDING];
static int npending;

static void fb_halt(void *ud, const char *task, const char *reason, backend_done_fn done, void *arg)
{
    (void)ud;
    (void)reason;
    if (task && !known(task)) {
        done(arg, RPC_ERR_UNKNOWN_TASK, "unknown task", NULL);
        return;
    }
    if (npending == MAX_PENDING) {
        done(arg, RPC_ERR_SHUTTING_DOWN, "too many halts", NULL);
        return;
    }
    pending[npending].done = done;
    pending[npending].arg = arg;
    pending[npending].err = (int)(strlen(reason ? reason : "") % 3 == 2) * RPC_ERR_SHUTTING_DOWN;
    npending++;
}

static void fb_resume(void *ud, const char *task, backend_done_fn done, void *arg)
{
    (void)ud;
    if (task && !known(task)) {
        done(arg, RPC_ERR_UNKNOWN_TASK, "unknown task", NULL);
        return;
    }
    done(arg, 0, NULL, json_pack("{s:[s]}", "resumed", task ? task : "btc-1"));
}

static int stopping;   /* the backend's shutdown flag: set by "shutdown" */
static void fb_shutdown(void *ud) { (void)ud; stopping = 1; }
static bool fb_shutting_down(void *ud) { (void)ud; return stopping; }

static void flush_pending(void)
{
    for (int i = 0; i < npending; i++) {
        if (pending[i].err)
            pending[i].done(pending[i].arg, pending[i].err, "timed out", NULL);
        else
            pending[i].done(pending[i].arg, 0, NULL, json_pack("{s:[s], s:b}", "halted", "btc-1",
                                                               "orders_settled", 1));
    }
    npending = 0;
}

static int fake_subscribe(void *client, int on)
{
    (void)client;
    (void)on;
    return 0;
}

static const struct backend be = {
    .status = fb_status,
    .tasks = fb_tasks,
    .orders = fb_orders,
    .positions = fb_positions,
    .uptime = fb_uptime,
    .halt = fb_halt,
    .resume = fb_resume,
    .shutdown = fb_shutdown,
    .shutting_down = fb_shutting_down,
};

static void check_response(const json_t *r)
{
    FZ_CHECK(json_is_object(r));
    const json_t *v = json_object_get(r, "jsonrpc");
    FZ_CHECK(json_is_string(v) && !strcmp(json_string_value(v), "2.0"));
    FZ_CHECK(json_object_get(r, "id") != NULL);
    const json_t *res = json_object_get(r, "result"), *err = json_object_get(r, "error");
    FZ_CHECK((res != NULL) != (err != NULL));
    if (err) {
        FZ_CHECK(json_is_integer(json_object_get(err, "code")));
        FZ_CHECK(json_is_string(json_object_get(err, "message")));
    }
}

static int answers;

static void on_reply(void *arg, json_t *reply)
{
    (void)arg;
    answers++;
    if (!reply) return;
    if (json_is_array(reply)) {
        FZ_CHECK(json_array_size(reply) > 0);
        size_t i;
        json_t *v;
        json_array_foreach(reply, i, v) check_response(v);
    } else {
        check_response(reply);
    }
    size_t n = 0;
    char *line = rpc_frame(reply, &n);
    FZ_CHECK(line && n > 0 && line[n - 1] == '\n' && memchr(line, '\n', n) == line + n - 1);
    free(line);
    json_decref(reply);
}

static void handle(const struct rpc_env *env, const char *line, size_t n)
{
    answers = 0;
    rpc_handle_line(env, line, n, on_reply, NULL);
    flush_pending();
    FZ_CHECK(answers == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    stopping = 0;
    struct rpc_env env = {.be = &be, .subscribe = fake_subscribe};
    handle(&env, (const char *)data, size);

    stopping = 0;
    struct rpc_lines L;
    rpc_lines_init(&L);
    size_t off = 0, chunk = size % 7 + 1;
    while (off < size) {
        size_t k = size - off < chunk ? size - off : chunk;
        FZ_CHECK(rpc_lines_feed(&L, (const char *)data + off, k) == 0);
        off += k;
        char *line;
        size_t n;
        int r;
        while ((r = rpc_lines_take(&L, &line, &n)) == 1) {
            FZ_CHECK(strlen(line) <= n && line[n] == 0);
            handle(&env, line, n);
            free(line);
        }
        if (r < 0) break;
    }
    rpc_lines_free(&L);
    return 0;
}
