/* Unit tests: JSON-RPC 2.0 framing (common/rpc.c) and request validation,
 * dispatch, batches, id echo and deferred replies (daemon/control/dispatch.c, cmd-*.c)
 * over a small fake backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dispatch.h"

/* ---- fake backend ---- */
static backend_done_fn held_done;
static void *held_arg;
static int shutdowns, subs;
static char last_reason[64], last_task[64];

static json_t *fb_status(void *ud) { (void)ud; return json_pack("{s:i, s:[]}", "uptime_s", 5, "tasks"); }
static json_t *fb_tasks(void *ud) { (void)ud; return json_pack("[{s:s}]", "id", "t1"); }
static json_t *fb_query(void *ud, const char *task, int *err, char *msg, size_t len)
{
    (void)ud;
    if (task && strcmp(task, "t1")) {
        *err = RPC_ERR_UNKNOWN_TASK;
        snprintf(msg, len, "unknown task '%s'", task);
        return NULL;
    }
    return json_pack("[{s:s}]", "task", "t1");
}
static void fb_halt(void *ud, const char *task, const char *reason, backend_done_fn done, void *arg)
{
    (void)ud;
    snprintf(last_task, sizeof last_task, "%s", task ? task : "(all)");
    snprintf(last_reason, sizeof last_reason, "%s", reason ? reason : "");
    held_done = done;   /* completes later, when the test says so */
    held_arg = arg;
}
static void fb_resume(void *ud, const char *task, backend_done_fn done, void *arg)
{
    (void)ud;
    if (task && strcmp(task, "t1")) done(arg, RPC_ERR_UNKNOWN_TASK, "unknown task", NULL);
    else done(arg, 0, NULL, json_pack("{s:[s]}", "resumed", "t1"));
}
static int signalled;   /* as SIGTERM: shutting down without a "shutdown" request */
static void fb_shutdown(void *ud) { (void)ud; shutdowns++; }
static bool fb_shutting_down(void *ud) { (void)ud; return shutdowns > 0 || signalled; }

static const struct backend be = {
    .status = fb_status,
    .tasks = fb_tasks,
    .orders = fb_query,
    .positions = fb_query,
    .uptime = fb_query,
    .halt = fb_halt,
    .resume = fb_resume,
    .shutdown = fb_shutdown,
    .shutting_down = fb_shutting_down,
};
static int fake_subscribe(void *client, int on) { (void)client; subs = on; return 0; }
static const struct rpc_env env = {.be = &be, .subscribe = fake_subscribe};

/* ---- reply capture ---- */
static json_t *got;
static int ncalls;
static void capture(void *arg, json_t *reply)
{
    (void)arg;
    json_decref(got);
    got = reply;
    ncalls++;
}

static json_t *ask(const char *line)
{
    json_decref(got);
    got = NULL;
    ncalls = 0;
    rpc_handle_line(&env, line, strlen(line), capture, NULL);
    return got;
}

static int err_code(json_t *r)
{
    return (int)json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
}

static void setup_state(void)
{
    signalled = 0;
    held_done = NULL;
    shutdowns = subs = 0;
}

static void test_version_and_id_echo(void **st)
{
    (void)st;
    setup_state();
    json_t *r = ask("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"version\"}");
    assert_int_equal(ncalls, 1);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "result"), "daemon")),
                        MMD_VERSION);
    r = ask("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"version\"}");
    assert_string_equal(json_string_value(json_object_get(r, "id")), "abc");
    r = ask("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"version\"}");
    assert_true(json_is_null(json_object_get(r, "id")));
    assert_non_null(json_object_get(r, "result"));
    r = ask("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"version\"}");
    assert_true(json_real_value(json_object_get(r, "id")) == 1.5);
    r = ask("{\"jsonrpc\":\"2.0\",\"id\":-3,\"method\":\"version\"}");
    assert_int_equal(json_integer_value(json_object_get(r, "id")), -3);
}

static void test_errors(void **st)
{
    (void)st;
    setup_state();
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,")), RPC_PARSE_ERROR);
    assert_true(json_is_null(json_object_get(got, "id")));
    assert_int_equal(err_code(ask("not json")), RPC_PARSE_ERROR);
    assert_int_equal(err_code(ask("[]")), RPC_INVALID_REQUEST);
    assert_int_equal(err_code(ask("42")), RPC_INVALID_REQUEST);
    assert_int_equal(err_code(ask("\"x\"")), RPC_INVALID_REQUEST);
    assert_int_equal(err_code(ask("{\"id\":1,\"method\":\"version\"}")), RPC_INVALID_REQUEST);
    assert_int_equal(json_integer_value(json_object_get(got, "id")), 1);
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"version\"}")),
                     RPC_INVALID_REQUEST);
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}")),
                     RPC_INVALID_REQUEST);
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"2.0\",\"method\":1,\"params\":\"bar\"}")),
                     RPC_INVALID_REQUEST);
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"version\"}")),
                     RPC_INVALID_REQUEST);
    assert_true(json_is_null(json_object_get(got, "id")));
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"version\"}")),
                     RPC_INVALID_REQUEST);
    assert_int_equal(
        err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"orders\",\"params\":\"t1\"}")),
        RPC_INVALID_REQUEST);
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}")),
                     RPC_METHOD_NOT_FOUND);
    assert_int_equal(
        err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"orders\",\"params\":[1]}")),
        RPC_INVALID_PARAMS);
    assert_int_equal(
        err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"orders\",\"params\":[\"a\",\"b\"]}")),
        RPC_INVALID_PARAMS);
    assert_int_equal(
        err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"orders\",\"params\":{\"x\":\"t1\"}}")),
        RPC_INVALID_PARAMS);
    assert_int_equal(
        err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"params\":[1]}")),
        RPC_INVALID_PARAMS);
    assert_int_equal(
        err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"orders\",\"params\":[\"zz\"]}")),
        RPC_ERR_UNKNOWN_TASK);
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(got, "error"), "message")),
                           "zz"));
}

static void test_notifications(void **st)
{
    (void)st;
    setup_state();
    assert_null(ask("{\"jsonrpc\":\"2.0\",\"method\":\"version\"}"));
    assert_int_equal(ncalls, 1);
    assert_null(ask("{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}"));          /* no reply even on error */
    assert_null(ask("{\"jsonrpc\":\"2.0\",\"method\":\"orders\",\"params\":[3]}"));
    assert_null(ask("[{\"jsonrpc\":\"2.0\",\"method\":\"version\"},{\"jsonrpc\":\"2.0\",\"method\":\"tasks\"}]"));
    assert_int_equal(ncalls, 1);
}

static void test_batch(void **st)
{
    (void)st;
    setup_state();
    json_t *r = ask("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\"},"
                    "{\"jsonrpc\":\"2.0\",\"method\":\"version\"},"
                    "{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"nope\"},"
                    "1,"
                    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks\",\"params\":[]}]");
    assert_true(json_is_array(r));
    assert_int_equal(json_array_size(r), 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "id")), 1);
    assert_int_equal(err_code(json_array_get(r, 1)), RPC_METHOD_NOT_FOUND);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 1), "id")), "b");
    assert_int_equal(err_code(json_array_get(r, 2)), RPC_INVALID_REQUEST);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 3), "id")), 3);
    r = ask("[1,2,3]");
    assert_int_equal(json_array_size(r), 3);
}

/* A batch of more than RPC_MAX_BATCH entries is refused as a whole; one of
 * exactly RPC_MAX_BATCH is answered in full. */
static void test_batch_limit(void **st)
{
    (void)st;
    setup_state();
    char line[8192] = "[";
    for (int i = 0; i <= RPC_MAX_BATCH; i++) {
        char one[80];
        snprintf(one, sizeof one, "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"version\"}",
                 i ? "," : "", i);
        strcat(line, one);
        if (i == RPC_MAX_BATCH - 1) {
            char at[sizeof line + 2];
            snprintf(at, sizeof at, "%s]", line);
            json_t *r = ask(at);
            assert_true(json_is_array(r));
            assert_int_equal(json_array_size(r), RPC_MAX_BATCH);
        }
    }
    strcat(line, "]");
    json_t *r = ask(line);
    assert_true(json_is_object(r));
    assert_int_equal(err_code(r), RPC_INVALID_REQUEST);
    assert_true(json_is_null(json_object_get(r, "id")));
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
                           "at most 64"));
}

/* rpc_socket_dir_check: a private directory passes; group/other writable,
 * a symlink, or a missing directory do not, and the message says why. */
static void test_socket_dir_check(void **st)
{
    (void)st;
    char dir[] = "/tmp/test-rpc-XXXXXX", sock[128], link[64], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(sock, sizeof sock, "%s/mmd.sock", dir);
    unsigned owner = 99;
    assert_int_equal(rpc_socket_dir_check(sock, 0, &owner, err, sizeof err), 0);
    assert_int_equal(owner, geteuid());
    assert_int_equal(chmod(dir, 0770), 0);
    assert_int_equal(rpc_socket_dir_check(sock, 1, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "0770"));
    assert_non_null(strstr(err, dir));
    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(rpc_socket_dir_check(sock, 0, NULL, err, sizeof err), 0);
    snprintf(link, sizeof link, "%s.lnk", dir);
    assert_int_equal(symlink(dir, link), 0);
    snprintf(sock, sizeof sock, "%s/mmd.sock", link);
    assert_int_equal(rpc_socket_dir_check(sock, 1, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "symlink"));
    unlink(link);
    rmdir(dir);
    assert_int_equal(rpc_socket_dir_check(sock, 0, NULL, err, sizeof err), -1);
}

static void test_deferred_halt(void **st)
{
    (void)st;
    setup_state();
    assert_null(ask("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"halt\",\"params\":{\"task\":\"t1\",\"reason\":\"why\"}}"));
    assert_int_equal(ncalls, 0);                 /* not yet */
    assert_string_equal(last_task, "t1");
    assert_string_equal(last_reason, "why");
    assert_non_null(held_done);
    held_done(held_arg, 0, NULL, json_pack("{s:[s]}", "halted", "t1"));
    assert_int_equal(ncalls, 1);
    assert_int_equal(json_integer_value(json_object_get(got, "id")), 9);
    assert_non_null(json_object_get(json_object_get(got, "result"), "halted"));
    /* positional, all tasks; a batch waits for its slowest member */
    json_decref(got);
    got = NULL;
    ncalls = 0;
    const char *b = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"halt\",\"params\":[null,\"r\"]},"
                    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"version\"}]";
    rpc_handle_line(&env, b, strlen(b), capture, NULL);
    assert_int_equal(ncalls, 0);
    assert_string_equal(last_task, "(all)");
    held_done(held_arg, RPC_ERR_SHUTTING_DOWN, "mmd is exiting", NULL);
    assert_int_equal(ncalls, 1);
    assert_int_equal(json_array_size(got), 2);
    assert_int_equal(err_code(json_array_get(got, 0)), RPC_ERR_SHUTTING_DOWN);
}

static void test_shutdown_subscribe(void **st)
{
    (void)st;
    setup_state();
    json_t *r = ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\"}");
    assert_non_null(json_object_get(r, "result"));
    assert_int_equal(subs, 1);
    ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unsubscribe\"}");
    assert_int_equal(subs, 0);
    r = ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resume\",\"params\":[\"t1\"]}");
    assert_non_null(json_object_get(r, "result"));
    r = ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}");
    assert_non_null(json_object_get(r, "result"));
    assert_int_equal(shutdowns, 1);
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resume\"}")),
                     RPC_ERR_SHUTTING_DOWN);
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}")),
                     RPC_ERR_SHUTTING_DOWN);
    assert_int_equal(shutdowns, 1);
}

/* SIGTERM (not a request) started the shutdown: the control plane asks the
 * backend, so "shutdown" and "resume" are refused with -1101 all the same. */
static void test_shutdown_after_signal(void **st)
{
    (void)st;
    setup_state();
    signalled = 1;
    assert_int_equal(err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}")),
                     RPC_ERR_SHUTTING_DOWN);
    assert_int_equal(
        err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resume\",\"params\":[\"t1\"]}")),
        RPC_ERR_SHUTTING_DOWN);
    assert_int_equal(shutdowns, 0);
    assert_non_null(json_object_get(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}"), "result"));
}

/* A pending call the backend answers before the handler returned (unknown
 * task) is answered once, with the backend's error. */
static void test_pending_answered_at_once(void **st)
{
    (void)st;
    setup_state();
    assert_int_equal(
        err_code(ask("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resume\",\"params\":[\"zz\"]}")),
        RPC_ERR_UNKNOWN_TASK);
    assert_int_equal(ncalls, 1);
    assert_int_equal(json_integer_value(json_object_get(got, "id")), 4);
}

/* ---- the handler contract: broken handlers abort (run in a child) ---- */
static struct rpc_result h_twice(struct rpc_call *c, json_t *p)
{
    (void)p;
    struct rpc_result r = rpc_ok(c, json_true());
    if (r.call_) r = rpc_fail(c, RPC_INTERNAL_ERROR, "again");
    return r;
}
static struct rpc_result h_pending_twice(struct rpc_call *c, json_t *p)
{
    (void)p;
    struct rpc_result r = rpc_pending(c);
    rpc_was_pending(rpc_ok(c, json_true()));
    rpc_was_pending(rpc_ok(c, json_true()));
    return r;
}
static struct rpc_result h_param_lie(struct rpc_call *c, json_t *p)
{
    (void)p;
    return rpc_param_failed(c);   /* no parameter check failed */
}
static struct rpc_result h_good(struct rpc_call *c, json_t *p)
{
    (void)p;
    return rpc_ok(c, json_string("fine"));
}
static const struct rpc_cmd c_twice = {.name = "twice", .params = "", .summary = "", .fn = h_twice};
static const struct rpc_cmd c_ptwice = {.name = "ptwice", .params = "", .summary = "", .fn = h_pending_twice};
static const struct rpc_cmd c_lie = {.name = "lie", .params = "", .summary = "", .fn = h_param_lie};
static const struct rpc_cmd c_good = {.name = "good", .params = "", .summary = "", .fn = h_good};
static const struct rpc_cmd *const bad_table[] = {&c_twice, &c_ptwice, &c_lie, &c_good, NULL};

/* Runs method from bad_table in a child; returns the signal it died of (0: none). */
static int child_signal(const char *method)
{
    char line[128];
    snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"}", method);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr)) _exit(2);
        struct rpc_env e = {.be = &be, .commands = bad_table};
        rpc_handle_line(&e, line, strlen(line), capture, NULL);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void test_handler_contract(void **st)
{
    (void)st;
    assert_int_equal(child_signal("twice"), SIGABRT);
    assert_int_equal(child_signal("ptwice"), SIGABRT);
    assert_int_equal(child_signal("lie"), SIGABRT);
    assert_int_equal(child_signal("good"), 0);
    struct rpc_env e = {.be = &be, .commands = bad_table};
    json_decref(got);
    got = NULL;
    rpc_handle_line(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"good\"}", 40, capture, NULL);
    assert_string_equal(json_string_value(json_object_get(got, "result")), "fine");
    assert_null(rpc_cmd_find(&e, "status"));
}

static void test_help_table(void **st)
{
    (void)st;
    json_t *r = ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"help\"}");
    json_t *list = json_object_get(r, "result");
    int n = 0;
    while (rpc_commands[n]) n++;
    assert_int_equal(json_array_size(list), n);
    assert_non_null(rpc_cmd_find(NULL, "status"));
    assert_true(rpc_cmd_find(NULL, "status")->readonly);
    assert_false(rpc_cmd_find(NULL, "halt")->readonly);
    assert_null(rpc_cmd_find(NULL, "bogus"));
}

static void test_framing(void **st)
{
    (void)st;
    json_t *v = json_pack("{s:s}", "a", "line\nbreak");
    size_t n;
    char *s = rpc_frame(v, &n);
    assert_int_equal(s[n - 1], '\n');
    assert_null(memchr(s, '\n', n - 1));
    free(s);
    json_decref(v);

    struct rpc_lines l;
    rpc_lines_init(&l);
    char *line;
    size_t len;
    rpc_lines_feed(&l, "{\"a\":1}\r\n{\"b\"", 13);
    assert_int_equal(rpc_lines_take(&l, &line, &len), 1);
    assert_string_equal(line, "{\"a\":1}");
    free(line);
    assert_int_equal(rpc_lines_take(&l, &line, &len), 0);
    rpc_lines_feed(&l, ":2}\n", 4);
    assert_int_equal(rpc_lines_take(&l, &line, &len), 1);
    assert_string_equal(line, "{\"b\":2}");
    free(line);
    /* a line over 1 MiB is refused, with or without its newline yet */
    char *big = malloc(RPC_MAX_LINE + 2);
    memset(big, 'x', RPC_MAX_LINE + 1);
    big[RPC_MAX_LINE + 1] = '\n';
    rpc_lines_feed(&l, big, RPC_MAX_LINE + 1);
    assert_int_equal(rpc_lines_take(&l, &line, &len), -1);
    assert_true(l.overlong);
    rpc_lines_free(&l);
    /* exactly 1 MiB is fine */
    rpc_lines_init(&l);
    big[RPC_MAX_LINE] = '\n';
    rpc_lines_feed(&l, big, RPC_MAX_LINE + 1);
    assert_int_equal(rpc_lines_take(&l, &line, &len), 1);
    assert_int_equal(len, RPC_MAX_LINE);
    free(line);
    free(big);
    rpc_lines_free(&l);
    assert_string_equal(rpc_strerror(RPC_PARSE_ERROR), "Parse error");
    assert_string_equal(rpc_strerror(RPC_ERR_UNKNOWN_TASK), "Unknown task");
}

/* What mmctl and mmtop show for the market and each account. */
static void test_conn_state(void **st)
{
    (void)st;
    json_t *c = json_pack("{s:{s:s}, s:{}}", "connection", "state", "up", "symbols");
    assert_string_equal(rpc_conn_state(c), "up");
    json_decref(c);
    c = json_pack("{s:s, s:{s:s}}", "state", "ready", "connection", "state", "backing_off");
    assert_string_equal(rpc_conn_state(c), "backing_off");
    json_decref(c);
    c = json_pack("{s:s, s:{s:s}}", "state", "checking", "connection", "state", "up");
    assert_string_equal(rpc_conn_state(c), "checking");
    json_decref(c);
    c = json_pack("{s:s}", "state", "ready");
    assert_string_equal(rpc_conn_state(c), "ready");
    json_decref(c);
    assert_string_equal(rpc_conn_state(NULL), "-");
}

static int teardown(void **st)
{
    (void)st;
    json_decref(got);
    got = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_id_echo), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_notifications),       cmocka_unit_test(test_batch),
        cmocka_unit_test(test_deferred_halt),       cmocka_unit_test(test_shutdown_subscribe),
        cmocka_unit_test(test_help_table),          cmocka_unit_test(test_framing),
        cmocka_unit_test(test_shutdown_after_signal), cmocka_unit_test(test_pending_answered_at_once),
        cmocka_unit_test(test_handler_contract),    cmocka_unit_test(test_conn_state),
        cmocka_unit_test(test_batch_limit),         cmocka_unit_test(test_socket_dir_check),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
