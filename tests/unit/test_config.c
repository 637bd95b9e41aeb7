/* Unit tests: the mmd.yaml loader (common/config.c).  Each malformed config
 * is written to a temp file and must produce the specific message at the
 * specific FILE:LINE:COL; valid ones must load with the documented defaults,
 * and the -n summary must never show a secret. */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "config.h"
#include "rpc.h"
#include "sign.h"

#define JWT      "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"

static char g_dir[64];
static char g_last[256];      /* path of the last written config */
static char *g_errs;          /* errors of the last load */

/* ---- helpers ---------------------------------------------------------------- */

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static const char *write_cfg(const char *yaml, mode_t mode)
{
    snprintf(g_last, sizeof g_last, "%s/cfgXXXXXX", g_dir);
    int fd = mkstemp(g_last);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    assert_int_equal(chmod(g_last, mode), 0);
    return g_last;
}

static struct cfg *load_mode(const char *yaml, mode_t mode)
{
    const char *path = write_cfg(yaml, mode);
    free(g_errs);
    struct memout m;
    struct cfg *c = cfg_load(path, memout_open(&m));
    g_errs = memout_text(&m);
    return c;
}

static struct cfg *load(const char *yaml) { return load_mode(yaml, 0600); }

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++) n += *s == '\n';
    return n;
}

/* Asserts that the last load printed an error containing `want` at
 * line (and col, unless 0), with the FILE:LINE:COL: prefix. */
static void assert_error_at(const char *want, int line, int col)
{
    const char *hit = strstr(g_errs ? g_errs : "", want);
    if (!hit) fail_msg("expected error containing '%s', got:\n%s", want, g_errs ? g_errs : "");
    const char *bol = hit;
    while (bol > g_errs && bol[-1] != '\n') bol--;
    size_t n = strlen(g_last);
    if (strncmp(bol, g_last, n) != 0 || bol[n] != ':') fail_msg("no FILE: prefix in: %.200s", bol);
    int l = 0, c = 0;
    assert_int_equal(sscanf(bol + n, ":%d:%d:", &l, &c), 2);
    if (l != line || (col && c != col))
        fail_msg("'%s' at %d:%d, expected %d:%d\n%s", want, l, c, line, col, g_errs);
}

static void expect_error(const char *yaml, const char *want, int line, int col)
{
    struct cfg *c = load(yaml);
    if (c) fail_msg("config loaded but should fail with '%s'", want);
    assert_error_at(want, line, col);
}

static int setup(void **st)
{
    (void)st;
    snprintf(g_dir, sizeof g_dir, "/tmp/mmd-cfgtest-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    assert_int_equal(sign_init(), 0);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) return -1;
    free(g_errs);
    return 0;
}

/* The seed shape of the brief, with a real key unless a placeholder is wanted. */
#define TASK_HEAD "tasks:\n  - id: \"btc-mm\"\n    symbol: \"BTC-USD\"\n"
#define CREDS                                                                            \
    "    credentials:\n      jwt_token: \"" JWT "\"\n      signing_key: \"" SEED_B58 "\"\n"
#define SIZING "    sizing:\n      base_qty: \"0.1\"\n      tiers: 2\n"

/* ---- malformed configs ----------------------------------------------------- */

static void t_yaml_syntax(void **st)
{
    (void)st;
    expect_error("tasks:\n  - id: a\n   symbol: x\n", "YAML syntax error", 3, 4);
    expect_error("tasks: [a, b\n", "YAML syntax error", 2, 1);
}

static void t_unknown_key_hint(void **st)
{
    (void)st;
    expect_error(TASK_HEAD CREDS "    risk:\n      level: moderate\n      max_postion_usd: \"5\"\n" SIZING,
                 "tasks[0].risk: unknown key 'max_postion_usd', did you mean 'max_position_usd'?", 9, 7);
    expect_error("taks: []\n", "unknown key 'taks', did you mean 'tasks'?", 1, 1);
}

static void t_unknown_key_no_hint(void **st)
{
    (void)st;
    expect_error(TASK_HEAD CREDS SIZING "    colour: red\n", "tasks[0]: unknown key 'colour' (known keys:", 10, 5);
    assert_null(strstr(g_errs, "did you mean"));
    /* a key that belongs one level down says where */
    expect_error(TASK_HEAD CREDS SIZING "    max_spread_bps: 5\n", "it belongs under 'risk:'", 10, 5);
}

static void t_bad_level(void **st)
{
    (void)st;
    expect_error("# line 1\n" TASK_HEAD CREDS "    risk:\n      level: \"bold\"\n" SIZING,
                 "tasks[0].risk.level: expected one of conservative, moderate, aggressive, got \"bold\"",
                 9, 14);
}

static void t_tiers_range(void **st)
{
    (void)st;
    expect_error(TASK_HEAD CREDS "    sizing:\n      base_qty: \"0.1\"\n      tiers: 0\n",
                 "tasks[0].sizing.tiers: must be between 1 and 3, got 0", 9, 14);
    expect_error(TASK_HEAD CREDS "    sizing:\n      base_qty: \"0.1\"\n      tiers: 4\n",
                 "tasks[0].sizing.tiers: must be between 1 and 3, got 4", 9, 14);
    expect_error(TASK_HEAD CREDS "    sizing:\n      base_qty: \"0.1\"\n      tiers: 2.5\n",
                 "tasks[0].sizing.tiers: expected a whole number, got 2.5", 9, 14);
}

static void t_band_order(void **st)
{
    (void)st;
    expect_error(TASK_HEAD CREDS SIZING "    strategy:\n      tiers_bps: [[5, 10], [12, 12]]\n",
                 "tasks[0].strategy.tiers_bps[1]: band min (12 bps) must be below its max (12 bps)", 11, 28);
    expect_error(TASK_HEAD CREDS SIZING "    strategy:\n      tiers_bps: [[5, 10], [12, 101]]\n",
                 "tasks[0].strategy.tiers_bps[1][1]: must be at most 100, got 101", 11, 33);
    expect_error(TASK_HEAD CREDS SIZING "    strategy:\n      tiers_bps: [[5, 10]]\n",
                 "tasks[0].strategy.tiers_bps: has 1 band but sizing.tiers is 2", 11, 18);
    expect_error(TASK_HEAD CREDS SIZING "    strategy:\n      tiers_bps: [[5, 10, 15], [1, 2]]\n",
                 "tasks[0].strategy.tiers_bps[0]: expected a [min, max] pair of bps", 11, 19);
}

/* The keys of issue 15: min_rest_s, inventory_skew_bps, resume_calm_s --
 * each range-checked with the place and the field; values reach the task. */
static void t_rest_skew_resume(void **st)
{
    (void)st;
    expect_error(TASK_HEAD CREDS SIZING "    strategy:\n      min_rest_s: -1\n",
                 "tasks[0].strategy.min_rest_s: must be at least 0, got -1", 11, 19);
    expect_error(TASK_HEAD CREDS SIZING "    strategy:\n      min_rest_s: 3601\n",
                 "tasks[0].strategy.min_rest_s: must be at most 3600, got 3601", 11, 19);
    expect_error(TASK_HEAD CREDS SIZING "    strategy:\n      inventory_skew_bps: 101\n",
                 "tasks[0].strategy.inventory_skew_bps: must be at most 100, got 101", 11, 27);
    expect_error(TASK_HEAD CREDS SIZING "    risk:\n      resume_calm_s: \"soon\"\n",
                 "tasks[0].risk.resume_calm_s: expected a number", 11, 22);
    struct cfg *c = load(TASK_HEAD CREDS SIZING "    strategy:\n      min_rest_s: 0\n      inventory_skew_bps: 2\n"
                         "    risk:\n      level: moderate\n      resume_calm_s: 7\n");
    assert_non_null(c);
    assert_true(c->tasks[0].min_rest_s == 0 && c->tasks[0].inventory_skew_bps == 2);
    assert_true(c->tasks[0].resume_calm_s == 7);
    cfg_free(c);
    c = load(TASK_HEAD CREDS SIZING "    risk:\n      level: aggressive\n");
    assert_non_null(c);
    assert_true(c->tasks[0].min_rest_s == 3 && c->tasks[0].inventory_skew_bps == 0);
    assert_true(c->tasks[0].resume_calm_s == 3);
    cfg_free(c);
}

static void t_bad_qty(void **st)
{
    (void)st;
    const char *fmt = TASK_HEAD CREDS "    sizing:\n      base_qty: %s\n";
    struct { const char *v, *msg; } cases[] = {
        {"\"-0.1\"", "tasks[0].sizing.base_qty: must be positive, got \"-0.1\""},
        {"0", "tasks[0].sizing.base_qty: must be positive, got 0"},
        {"\"abc\"", "tasks[0].sizing.base_qty: expected a positive decimal number such as \"0.1\", got \"abc\""},
        {"1e-3", "expected a positive decimal number such as \"0.1\", got 1e-3"},
        {"\"0.0000000001\"", "tasks[0].sizing.base_qty: \"0.0000000001\" has more than 9 decimal places"},
        {"true", "expected a positive decimal number such as \"0.1\", got true"},
        {"{a: 1}", "tasks[0].sizing.base_qty: expected a positive decimal number such as \"0.1\", got a mapping"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char y[1024];
        snprintf(y, sizeof y, fmt, cases[i].v);
        expect_error(y, cases[i].msg, 8, 17);
    }
    /* plain numbers are fine and exact */
    char y[1024];
    snprintf(y, sizeof y, fmt, "0.000000001");
    struct cfg *c = load(y);
    assert_non_null(c);
    assert_int_equal(c->tasks[0].base_qty, 1);
    cfg_free(c);
}

static void t_id_number(void **st)
{
    (void)st;
    expect_error("tasks:\n  - id: 123\n    symbol: BTC-USD\n" CREDS SIZING,
                 "tasks[0].id: expected a string, got the number 123 (quote it", 2, 9);
    expect_error("tasks:\n  - id: \"has space\"\n    symbol: BTC-USD\n" CREDS SIZING,
                 "tasks[0].id: expected 1 to 32 letters, digits", 2, 9);
    /* quoted digits are a string */
    struct cfg *c = load("tasks:\n  - id: \"123\"\n    symbol: BTC-USD\n" CREDS SIZING);
    assert_non_null(c);
    assert_string_equal(c->tasks[0].id, "123");
    cfg_free(c);
}

static void t_duplicate_task(void **st)
{
    (void)st;
    expect_error(TASK_HEAD CREDS SIZING "  - id: btc-mm\n    symbol: ETH-USD\n" CREDS SIZING,
                 "tasks[1].id: duplicate task id 'btc-mm' (first at line 2)", 10, 9);
}

static void t_bad_symbol(void **st)
{
    (void)st;
    const char *bad[] = {"btc-usd", "BTCUSD", "B-USD", "BTC-EUR", "ABCDEFGHIJKLM-USD"};
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        char y[1024];
        snprintf(y, sizeof y, "tasks:\n  - id: a\n    symbol: %s\n" CREDS SIZING, bad[i]);
        expect_error(y, "tasks[0].symbol: expected a symbol such as \"BTC-USD\"", 3, 13);
    }
}

static void t_missing_required(void **st)
{
    (void)st;
    expect_error("tasks:\n  - symbol: BTC-USD\n" CREDS SIZING, "tasks[0]: missing required key 'id'", 2, 5);
    expect_error("tasks:\n  - id: a\n" CREDS SIZING, "tasks[0]: missing required key 'symbol'", 2, 5);
    expect_error(TASK_HEAD CREDS "    sizing:\n      tiers: 2\n",
                 "tasks[0].sizing: missing required key 'base_qty'", 8, 7);
    expect_error(TASK_HEAD SIZING,
                 "tasks[0]: missing required key 'credentials' (or 'account'", 2, 5);
    expect_error("log: {level: info}\n", "missing required key 'tasks'", 1, 1);
}

static void t_creds_and_account(void **st)
{
    (void)st;
    expect_error("accounts:\n  - id: main\n    jwt_token: " JWT "\n    signing_key: " SEED_B58 "\n"
                 TASK_HEAD "    account: main\n" CREDS SIZING,
                 "tasks[0]: give either 'credentials' or 'account', not both", 9, 5);
}

static void t_unknown_account(void **st)
{
    (void)st;
    expect_error("accounts:\n  - id: main\n    jwt_token: " JWT "\n    signing_key: " SEED_B58 "\n"
                 TASK_HEAD "    account: mian\n" SIZING,
                 "tasks[0].account: no account 'mian' in 'accounts' (defined: main)", 8, 14);
}

static void t_same_account_symbol(void **st)
{
    (void)st;
    expect_error("accounts:\n  - id: main\n    jwt_token: " JWT "\n    signing_key: " SEED_B58 "\n"
                 "tasks:\n"
                 "  - id: one\n    symbol: ETH-USD\n    account: main\n" SIZING
                 "  - id: two\n    symbol: ETH-USD\n    account: main\n" SIZING,
                 "tasks[1].symbol: tasks 'one' (line 6) and 'two' both trade ETH-USD on account 'main'", 13, 13);
}

static void t_bad_signing_key(void **st)
{
    (void)st;
    expect_error(TASK_HEAD "    credentials:\n      jwt_token: " JWT "\n      signing_key: \"notakey\"\n" SIZING,
                 "tasks[0].credentials.signing_key: signing key is not base58, base64 or hex", 6, 20);
    assert_null(strstr(g_errs, "notakey"));   /* never echoed */
}

static void t_env_unset(void **st)
{
    (void)st;
    unsetenv("MMD_TEST_NO_SUCH_VAR");
    expect_error(TASK_HEAD "    credentials:\n      jwt_token_env: MMD_TEST_NO_SUCH_VAR\n"
                 "      signing_key: " SEED_B58 "\n" SIZING,
                 "tasks[0].credentials.jwt_token_env: environment variable MMD_TEST_NO_SUCH_VAR is not set",
                 5, 22);
    setenv("MMD_TEST_EMPTY_VAR", "", 1);
    expect_error(TASK_HEAD "    credentials:\n      jwt_token_env: MMD_TEST_EMPTY_VAR\n"
                 "      signing_key: " SEED_B58 "\n" SIZING,
                 "environment variable MMD_TEST_EMPTY_VAR is empty", 5, 22);
}

static void t_secret_file_missing(void **st)
{
    (void)st;
    expect_error(TASK_HEAD "    credentials:\n      jwt_token: " JWT "\n"
                 "      signing_key_file: no-such.key\n" SIZING,
                 "tasks[0].credentials.signing_key_file: cannot open secret file ", 6, 25);
    assert_non_null(strstr(g_errs, "no-such.key: No such file or directory"));
}

static void t_world_readable_inline(void **st)
{
    (void)st;
    assert_null(load_mode(TASK_HEAD CREDS SIZING, 0644));
    assert_error_at("tasks[0].credentials.jwt_token: ", 5, 18);
    assert_non_null(strstr(g_errs, "run: chmod 600 "));
    assert_non_null(strstr(g_errs, "(mode 0644)"));
    assert_null(strstr(g_errs, JWT));
    /* the same with placeholders is fine */
    struct cfg *c = load_mode(TASK_HEAD "    credentials:\n      jwt_token: your-jwt-token\n"
                              "      signing_key: your-ed25519-key\n" SIZING, 0644);
    assert_non_null(c);
    cfg_free(c);
}

static void t_group_readable_secret_file(void **st)
{
    (void)st;
    char key[128], y[1024];
    snprintf(key, sizeof key, "%s/grp.key", g_dir);
    write_file(key, SEED_B58 "\n", 0640);
    snprintf(y, sizeof y, TASK_HEAD "    credentials:\n      jwt_token: %s\n      signing_key_file: grp.key\n" SIZING,
             JWT);
    expect_error(y, "tasks[0].credentials.signing_key_file: secret file ", 6, 25);
    assert_non_null(strstr(g_errs, "grp.key is accessible by group or others (mode 0640); run: chmod 600"));
}

/* F9: a FIFO named as a secret file (or as the config itself) must be
 * refused at once, not block the loader (a SIGHUP would freeze the daemon).
 * alarm() turns a hang into a failure. */
static void t_fifo_secret_refused(void **st)
{
    (void)st;
    char fifo[128], y[1024];
    snprintf(fifo, sizeof fifo, "%s/pipe.jwt", g_dir);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(y, sizeof y, TASK_HEAD "    credentials:\n      jwt_token_file: pipe.jwt\n"
             "      signing_key: %s\n" SIZING, SEED_B58);
    alarm(5);
    expect_error(y, "tasks[0].credentials.jwt_token_file: ", 5, 23);
    assert_non_null(strstr(g_errs, "pipe.jwt is not a regular file"));
    free(g_errs);
    struct memout m;
    assert_null(cfg_load(fifo, memout_open(&m)));          /* the config file itself */
    g_errs = memout_text(&m);
    alarm(0);
    assert_non_null(strstr(g_errs, "not a regular file"));
    unlink(fifo);
}

/* state.dir: relative to the config's directory; by default from the environment. */
static void t_state_dir(void **st)
{
    (void)st;
    struct cfg *c = load("state:\n  dir: \"st\"\n" TASK_HEAD CREDS SIZING);
    assert_non_null(c);
    char want[256];
    snprintf(want, sizeof want, "%s/st", g_dir);
    assert_string_equal(c->state_dir, want);
    cfg_free(c);
    setenv("XDG_STATE_HOME", "/var/tmp/xdg", 1);
    unsetenv("STATE_DIRECTORY");
    c = load(TASK_HEAD CREDS SIZING);
    assert_non_null(c);
    assert_string_equal(c->state_dir, "/var/tmp/xdg/mmd");
    cfg_free(c);
    unsetenv("XDG_STATE_HOME");
    expect_error("state:\n  dir: \"\"\n" TASK_HEAD CREDS SIZING, "state.dir: is empty", 2, 8);
}

static void t_wrong_type(void **st)
{
    (void)st;
    expect_error(TASK_HEAD CREDS "    sizing:\n      - base_qty: 1\n",
                 "tasks[0].sizing: expected a mapping, got a sequence", 8, 7);
    expect_error("tasks:\n  id: a\n", "tasks: expected a sequence, got a mapping", 2, 3);
    expect_error("tasks:\n  - just-a-string\n", "tasks[0]: expected a mapping, got a string", 2, 5);
    expect_error(TASK_HEAD CREDS SIZING "    risk:\n      level: [moderate]\n",
                 "tasks[0].risk.level: expected one of conservative, moderate, aggressive, got a sequence", 11, 14);
    expect_error("- a\n- b\n", "expected a mapping with a 'tasks' list at the top level, got a sequence", 1, 1);
    expect_error(TASK_HEAD CREDS SIZING "    risk:\n      price_jump_threshold_bps: fast\n",
                 "tasks[0].risk.price_jump_threshold_bps: expected a number such as 5 or 2.5, got \"fast\"", 11, 33);
    expect_error(TASK_HEAD CREDS SIZING "    shutdown:\n      close_positions: yes\n",
                 "tasks[0].shutdown.close_positions: expected true or false, got \"yes\"", 11, 24);
    expect_error(TASK_HEAD CREDS SIZING "    risk:\n      max_fills_per_minute: 2.5\n",
                 "tasks[0].risk.max_fills_per_minute: expected a whole number, got 2.5", 11, 29);
}

static void t_multiple_errors(void **st)
{
    (void)st;
    struct cfg *c = load(TASK_HEAD CREDS "    risk:\n      level: bold\n"
                         "    sizing:\n      base_qty: \"-1\"\n      tiers: 9\n");
    assert_null(c);
    assert_int_equal(count_lines(g_errs), 3);
    assert_error_at("tasks[0].risk.level: expected one of", 8, 14);
    assert_error_at("tasks[0].sizing.base_qty: must be positive", 10, 17);
    assert_error_at("tasks[0].sizing.tiers: must be between 1 and 3", 11, 14);
    /* errors across tasks, printed in file order */
    c = load("tasks:\n  - id: a\n    symbol: bad\n" CREDS SIZING "  - id: b\n    symbol: BTC-USD\n" CREDS
             "    sizing:\n      base_qty: x\n");
    assert_null(c);
    assert_int_equal(count_lines(g_errs), 2);
    assert_error_at("tasks[0].symbol", 3, 13);
    assert_error_at("tasks[1].sizing.base_qty", 16, 17);
    assert_true(strstr(g_errs, "tasks[0].symbol") < strstr(g_errs, "tasks[1].sizing"));
}

static void t_bad_url(void **st)
{
    (void)st;
    expect_error("exchange:\n  rest_url: \"ftp://perps.standx.com\"\n" TASK_HEAD CREDS SIZING,
                 "exchange.rest_url: expected an http:// or https:// URL", 2, 13);
    expect_error("exchange:\n  ws_url: \"gopher://x\"\n" TASK_HEAD CREDS SIZING,
                 "exchange.ws_url: expected a ws://, wss://, http:// or https:// URL", 2, 11);
    expect_error("exchange:\n  rest_url: \"https://\"\n" TASK_HEAD CREDS SIZING,
                 "exchange.rest_url: expected an http:// or https:// URL", 2, 13);
}

static void t_bad_log_level(void **st)
{
    (void)st;
    expect_error("log:\n  level: loud\n" TASK_HEAD CREDS SIZING,
                 "log.level: expected one of debug, info, warn, error, got \"loud\"", 2, 10);
}

static void t_misc_errors(void **st)
{
    (void)st;
    expect_error("", "the file is empty", 1, 1);
    expect_error("tasks: []\n", "tasks: at least one task is required", 1, 8);
    expect_error(TASK_HEAD CREDS SIZING "    sizing:\n      base_qty: 1\n",
                 "tasks[0]: duplicate key 'sizing' (first given at line 7)", 10, 5);
    expect_error(TASK_HEAD "    credentials:\n      jwt_token: " JWT "\n      jwt_token_env: HOME\n"
                 "      signing_key: " SEED_B58 "\n" SIZING,
                 "tasks[0].credentials: give only one of jwt_token, jwt_token_file or jwt_token_env", 6, 7);
    expect_error(TASK_HEAD "    credentials:\n      jwt_token: " JWT "\n" SIZING,
                 "tasks[0].credentials: missing required key 'signing_key'", 5, 7);
    expect_error(TASK_HEAD "    credentials:\n      jwt_token: \"a b\"\n      signing_key: " SEED_B58 "\n" SIZING,
                 "tasks[0].credentials.jwt_token: the JWT contains spaces or control characters", 5, 18);
    /* an inline-credentials task named like an explicit account */
    expect_error("accounts:\n  - id: btc-mm\n    jwt_token: " JWT "\n    signing_key: " SEED_B58 "\n"
                 TASK_HEAD CREDS SIZING,
                 "task 'btc-mm' has inline credentials but 'accounts' also defines an account 'btc-mm'", 9, 7);
    expect_error("tasks:\n  - &a {id: x}\n---\ntasks: []\n", "only one YAML document", 4, 1);
    expect_error(TASK_HEAD CREDS SIZING "    strategy:\n      tier_qty_multipliers: [1, 0]\n",
                 "tasks[0].strategy.tier_qty_multipliers[1]: must be positive, got 0", 11, 33);
    expect_error("control:\n  socket: \"/tmp/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\"\n" TASK_HEAD CREDS SIZING,
                 "is too long for a Unix socket", 2, 11);
    /* bounded: no quadratic work on a huge file */
    char *many = malloc(8 + 257 * 7);
    assert_non_null(many);
    strcpy(many, "tasks:\n");
    for (int i = 0; i < 257; i++) strcat(many, "  - {}\n");
    expect_error(many, "too many tasks (at most 256)", 1, 1);
    free(many);
    /* values are echoed as UTF-8, control characters masked */
    expect_error(TASK_HEAD CREDS "    sizing:\n      base_qty: \"\xef\xbc\x91\\t\"\n",
                 "got \"\xef\xbc\x91?\"", 8, 17);
}

/* ---- valid configs ----------------------------------------------------------- */

static void t_seed_shape(void **st)
{
    (void)st;
    struct cfg *c = load(TASK_HEAD CREDS "    risk:\n      level: \"conservative\"\n"
                         "      max_position_usd: \"50000\"\n      price_jump_threshold_bps: 5\n" SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_int_equal(c->n_tasks, 1);
    assert_int_equal(c->n_accounts, 1);
    const struct cfg_task *t = &c->tasks[0];
    const struct cfg_account *a = &c->accounts[0];
    assert_string_equal(t->id, "btc-mm");
    assert_string_equal(t->symbol, "BTC-USD");
    assert_int_equal(t->account, 0);
    assert_true(a->implicit);
    assert_false(a->placeholder);
    assert_string_equal(a->id, "btc-mm");
    assert_string_equal(a->jwt, JWT);
    assert_non_null(a->signer);
    assert_string_equal(signer_pubkey_b58(a->signer), PK_B58);
    assert_int_equal(t->level, RISK_CONSERVATIVE);
    assert_int_equal(t->base_qty, DEC_ONE / 10);
    assert_int_equal(t->tiers, 2);
    assert_int_equal(t->max_position_usd, dec_from_int(50000));
    assert_true(t->price_jump_threshold_bps == 5);
    assert_true(t->bands[0].min_bps == 5 && t->bands[0].max_bps == 10);
    assert_true(t->bands[1].min_bps == 10 && t->bands[1].max_bps == 15);
    assert_int_equal(t->min_depth_usd, dec_from_int(10000));
    assert_int_equal(t->max_fills_per_minute, 3);
    assert_true(t->max_spread_bps == 20);
    assert_int_equal(t->stale_data_ms, 3000);
    assert_true(t->halt_cooldown_s == 60);
    assert_true(t->requote_drift_bps == 3 && t->fill_cooldown_s == 10);
    assert_true(t->tier_qty_mult[0] == 1 && t->tier_qty_mult[1] == 1.5 && t->tier_qty_mult[2] == 2);
    assert_true(t->close_positions);
    assert_true(t->shutdown_timeout_s == 30);
    assert_string_equal(c->rest_url, "https://perps.standx.com");
    assert_string_equal(c->ws_url, "wss://perps.standx.com");
    assert_false(c->log_level_set);
    char sock[256];
    rpc_default_socket(sock, sizeof sock);
    assert_string_equal(c->control_socket, sock);
    cfg_free(c);
}

static void t_level_defaults(void **st)
{
    (void)st;
    static const struct {
        const char *name;
        double b[3][2];
        int64_t maxpos, depth;
        double jump, spread, halt;
        int fills, stale;
    } L[] = {
        {"conservative", {{5, 10}, {10, 15}, {15, 20}}, 10000, 10000, 5, 20, 60, 3, 3000},
        {"moderate", {{2.5, 8.5}, {6, 14}, {12, 20}}, 25000, 5000, 10, 40, 30, 6, 5000},
        {"aggressive", {{0, 5}, {5, 10}, {10, 20}}, 50000, 2000, 20, 80, 15, 12, 10000},
    };
    for (int i = 0; i < 3; i++) {
        char y[2048];
        snprintf(y, sizeof y, TASK_HEAD CREDS "    risk:\n      level: %s\n" SIZING, L[i].name);
        struct cfg *c = load(y);
        if (!c) fail_msg("%s", g_errs);
        const struct cfg_task *t = &c->tasks[0];
        assert_int_equal(t->level, i);
        assert_string_equal(cfg_risk_level_name(t->level), L[i].name);
        for (int k = 0; k < 3; k++)
            assert_true(t->bands[k].min_bps == L[i].b[k][0] && t->bands[k].max_bps == L[i].b[k][1]);
        assert_int_equal(t->max_position_usd, dec_from_int(L[i].maxpos));
        assert_int_equal(t->min_depth_usd, dec_from_int(L[i].depth));
        assert_true(t->price_jump_threshold_bps == L[i].jump);
        assert_true(t->max_spread_bps == L[i].spread);
        assert_true(t->halt_cooldown_s == L[i].halt);
        assert_int_equal(t->max_fills_per_minute, L[i].fills);
        assert_int_equal(t->stale_data_ms, L[i].stale);
        cfg_free(c);
    }
    /* no risk section at all: conservative */
    struct cfg *c = load(TASK_HEAD CREDS SIZING);
    assert_non_null(c);
    assert_int_equal(c->tasks[0].level, RISK_CONSERVATIVE);
    cfg_free(c);
}

static void t_override_order(void **st)
{
    (void)st;
    const char *before = TASK_HEAD CREDS SIZING
        "    risk:\n      max_spread_bps: 33\n      stale_data_ms: 1234\n      level: aggressive\n"
        "    strategy:\n      tiers_bps: [[1, 2], [2, 4]]\n      requote_drift_bps: 0.5\n";
    const char *after = TASK_HEAD CREDS SIZING
        "    strategy:\n      requote_drift_bps: 0.5\n      tiers_bps: [[1, 2], [2, 4]]\n"
        "    risk:\n      level: aggressive\n      stale_data_ms: 1234\n      max_spread_bps: 33\n";
    const char *docs[] = {before, after};
    for (int i = 0; i < 2; i++) {
        struct cfg *c = load(docs[i]);
        if (!c) fail_msg("%s", g_errs);
        const struct cfg_task *t = &c->tasks[0];
        assert_int_equal(t->level, RISK_AGGRESSIVE);
        assert_true(t->max_spread_bps == 33);
        assert_int_equal(t->stale_data_ms, 1234);
        assert_int_equal(t->max_fills_per_minute, 12);         /* from the level */
        assert_true(t->bands[0].min_bps == 1 && t->bands[1].max_bps == 4);
        assert_true(t->bands[2].min_bps == 10 && t->bands[2].max_bps == 20);   /* level's L3 */
        assert_true(t->requote_drift_bps == 0.5);
        cfg_free(c);
    }
}

static void t_file_and_env(void **st)
{
    (void)st;
    char jwtf[128], keyf[128], y[2048];
    snprintf(jwtf, sizeof jwtf, "%s/acct.jwt", g_dir);
    snprintf(keyf, sizeof keyf, "%s/sub/acct.key", g_dir);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", g_dir);
    mkdir(sub, 0700);
    write_file(jwtf, JWT "\n\n", 0600);
    write_file(keyf, SEED_B58 "  \n", 0400);
    setenv("MMD_TEST_JWT", JWT, 1);
    setenv("MMD_TEST_KEY", SEED_B58, 1);
    snprintf(y, sizeof y,
             "accounts:\n"
             "  - id: files\n    jwt_token_file: acct.jwt\n    signing_key_file: %s\n"
             "  - id: env\n    jwt_token_env: MMD_TEST_JWT\n    signing_key_env: MMD_TEST_KEY\n"
             "tasks:\n"
             "  - id: a\n    symbol: BTC-USD\n    account: files\n" SIZING
             "  - id: b\n    symbol: ETH-USD\n    account: files\n" SIZING
             "  - id: c\n    symbol: BTC-USD\n    account: env\n" SIZING,
             keyf);
    /* 0644 is fine: no inline secrets in the file */
    struct cfg *c = load_mode(y, 0644);
    if (!c) fail_msg("%s", g_errs);
    assert_int_equal(c->n_accounts, 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(c->accounts[i].jwt, JWT);
        assert_non_null(c->accounts[i].signer);
        assert_string_equal(signer_pubkey_b58(c->accounts[i].signer), PK_B58);
        assert_false(c->accounts[i].implicit);
    }
    assert_int_equal(c->tasks[0].account, 0);
    assert_int_equal(c->tasks[1].account, 0);
    assert_int_equal(c->tasks[2].account, 1);
    assert_string_equal(c->tasks[2].account_id, "env");
    cfg_free(c);
    /* relative secret paths are relative to the config file, not the cwd */
    snprintf(y, sizeof y, TASK_HEAD "    credentials:\n      jwt_token_file: acct.jwt\n"
             "      signing_key_file: sub/acct.key\n" SIZING);
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    c = load(y);
    assert_int_equal(chdir(cwd), 0);
    if (!c) fail_msg("%s", g_errs);
    cfg_free(c);
}

static void t_summary_hides_secrets(void **st)
{
    (void)st;
    struct cfg *c = load("log:\n  level: debug\n" TASK_HEAD CREDS SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_int_equal(c->log_level, LOG_DEBUG);
    assert_true(c->log_level_set);
    struct memout m;
    cfg_print_summary(c, memout_open(&m));
    char *s = memout_text(&m);
    assert_non_null(strstr(s, "jwt <set>"));
    assert_non_null(strstr(s, "signing key <set>"));
    assert_non_null(strstr(s, PK_B58));
    assert_non_null(strstr(s, "BTC-USD"));
    assert_non_null(strstr(s, "5-10 bps"));
    assert_non_null(strstr(s, "qty 0.15"));
    assert_null(strstr(s, JWT));
    assert_null(strstr(s, "eyJ"));
    assert_null(strstr(s, SEED_B58));
    assert_null(strstr(s, "placeholder"));
    free(s);
    cfg_free(c);
}

static void t_placeholders(void **st)
{
    (void)st;
    struct cfg *c = load_mode(TASK_HEAD "    credentials:\n      jwt_token: \"your-jwt-token\"\n"
                              "      signing_key: \"your-ed25519-key\"\n" SIZING, 0644);
    if (!c) fail_msg("%s", g_errs);
    assert_true(c->accounts[0].placeholder);
    assert_null(c->accounts[0].signer);
    assert_string_equal(c->accounts[0].jwt, "your-jwt-token");
    assert_true(cfg_has_placeholders(c));
    struct memout m;
    cfg_print_summary(c, memout_open(&m));
    char *s = memout_text(&m);
    assert_non_null(strstr(s, "jwt <placeholder>"));
    assert_non_null(strstr(s, "signing key <placeholder>"));
    assert_non_null(strstr(s, "refuse to trade"));
    free(s);
    cfg_free(c);
}

static void t_urls_socket(void **st)
{
    (void)st;
    struct cfg *c = load("exchange:\n  rest_url: \"http://127.0.0.1:8080/\"\n"
                         "  ws_url: \"wss://example.test/ws-stream/v1\"\n"
                         "control:\n  socket: run/mmd.sock\n" TASK_HEAD CREDS SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_string_equal(c->rest_url, "http://127.0.0.1:8080");
    assert_string_equal(c->ws_url, "wss://example.test");
    char want[512];
    char real[256];
    assert_non_null(realpath(g_dir, real));
    snprintf(want, sizeof want, "%s/run/mmd.sock", real);
    assert_string_equal(c->control_socket, want);
    cfg_free(c);
    c = load("exchange:\n  ws_url: \"http://127.0.0.1:9000\"\ncontrol:\nlog:\n" TASK_HEAD CREDS SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_string_equal(c->ws_url, "ws://127.0.0.1:9000");
    cfg_free(c);
}

/* exchange.order_entry / order_session / max_ws_connections /
 * ip_requests_per_s, and the WebSocket cap per IP. */
static char *n_tasks_yaml(const char *exchange, int n)
{
    static char buf[8192];
    size_t p = (size_t)snprintf(buf, sizeof buf, "%stasks:\n", exchange);
    for (int i = 0; i < n; i++)
        p += (size_t)snprintf(buf + p, sizeof buf - p, "  - id: \"t%d\"\n    symbol: \"BTC-USD\"\n" CREDS SIZING, i);
    return buf;
}

static void t_order_entry(void **st)
{
    (void)st;
    struct cfg *c = load(TASK_HEAD CREDS SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_true(c->ws_orders && c->order_session);
    assert_int_equal(c->max_ws_connections, 10);
    assert_true(c->ip_requests_per_s == 44);
    assert_int_equal(cfg_ws_connections(c), 3);   /* market + stream + session */
    cfg_free(c);
    c = load("exchange:\n  order_entry: rest\n  ip_requests_per_s: 20\n" TASK_HEAD CREDS SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_false(c->ws_orders);
    assert_true(c->order_session && c->ip_requests_per_s == 20);
    cfg_free(c);
    expect_error("exchange:\n  order_entry: fix\n" TASK_HEAD CREDS SIZING,
                 "exchange.order_entry: expected websocket (orders over the ws-api session, REST while it is "
                 "down) or rest, got \"fix\"", 2, 16);
    expect_error("exchange:\n  order_session: false\n" TASK_HEAD CREDS SIZING,
                 "exchange.order_session: is false, but order_entry is websocket (the default), which needs "
                 "the session; set order_entry: rest as well", 2, 18);
    expect_error("exchange:\n  ip_requests_per_s: 0\n" TASK_HEAD CREDS SIZING, "exchange.ip_requests_per_s", 2, 22);
    /* 5 accounts: 1 + 5 x 2 = 11 connections > 10 */
    c = load(n_tasks_yaml("", 5));
    if (c) fail_msg("5 accounts with order sessions loaded");
    assert_non_null(strstr(g_errs, "this configuration needs 11 WebSocket connections (the market feed, and 2 per "
                                   "account used by a task), but the venue allows 10 per IP"));
    assert_non_null(strstr(g_errs, "set exchange.order_session: false and order_entry: rest"));
    c = load(n_tasks_yaml("", 4));
    if (!c) fail_msg("%s", g_errs);
    assert_int_equal(cfg_ws_connections(c), 9);
    cfg_free(c);
    c = load(n_tasks_yaml("exchange:\n  order_entry: rest\n  order_session: false\n", 9));
    if (!c) fail_msg("%s", g_errs);
    assert_int_equal(cfg_ws_connections(c), 10);
    assert_false(c->order_session);
    cfg_free(c);
    c = load(n_tasks_yaml("exchange:\n  max_ws_connections: 20\n", 9));
    if (!c) fail_msg("%s", g_errs);
    assert_int_equal(cfg_ws_connections(c), 19);
    cfg_free(c);
}

static void t_default_socket(void **st)
{
    (void)st;
    char buf[256], want[64];
    char *old = getenv("XDG_RUNTIME_DIR") ? strdup(getenv("XDG_RUNTIME_DIR")) : NULL;
    setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
    rpc_default_socket(buf, sizeof buf);
    assert_string_equal(buf, "/run/user/4242/mmd.sock");
    unsetenv("XDG_RUNTIME_DIR");
    rpc_default_socket(buf, sizeof buf);
    snprintf(want, sizeof want, "/tmp/mmd-%u/mmd.sock", (unsigned)getuid());
    assert_string_equal(buf, want);
    if (old) setenv("XDG_RUNTIME_DIR", old, 1);
    free(old);
}

static void t_examples(void **st)
{
    (void)st;
    /* the committed examples load from the repo root (tests run there) */
    const char *ex[] = {"examples/single_task.yaml", "examples/multi_account.yaml"};
    for (int i = 0; i < 2; i++) {
        if (access(ex[i], R_OK) != 0) { skip(); }
        struct memout m;
        struct cfg *c = cfg_load(ex[i], memout_open(&m));
        char *e = memout_text(&m);
        if (!c) fail_msg("%s: %s", ex[i], e);
        free(e);
        cfg_free(c);
    }
}

/* jwt_expiry_margin_s: default 300 s, per account or task credentials, >= 0. */
static void t_jwt_margin(void **st)
{
    (void)st;
    struct cfg *c = load(TASK_HEAD CREDS SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_true(c->accounts[0].jwt_expiry_margin_s == CFG_JWT_MARGIN_S);
    assert_true(CFG_JWT_MARGIN_S == 300.0);
    cfg_free(c);
    c = load(TASK_HEAD CREDS "      jwt_expiry_margin_s: 60\n" SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_true(c->accounts[0].jwt_expiry_margin_s == 60.0);
    cfg_free(c);
    c = load("accounts:\n  - id: a\n    jwt_token: \"" JWT "\"\n    signing_key: \"" SEED_B58 "\"\n"
             "    jwt_expiry_margin_s: 0\n"
             "tasks:\n  - id: t\n    symbol: BTC-USD\n    account: a\n" SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_true(c->accounts[0].jwt_expiry_margin_s == 0.0);
    cfg_free(c);
    expect_error(TASK_HEAD CREDS "      jwt_expiry_margin_s: -5\n" SIZING,
                 "tasks[0].credentials.jwt_expiry_margin_s: must be at least 0", 7, 28);
}

/* cfg_scrub_env: a *_env value is overwritten where it lived and unset; a
 * later load (a reload) that finds the variable gone uses the kept value. */
static void t_env_scrub(void **st)
{
    (void)st;
    setenv("MMD_TEST_SCRUB_JWT", JWT, 1);
    setenv("MMD_TEST_SCRUB_KEY", SEED_B58, 1);
    char *where = getenv("MMD_TEST_SCRUB_JWT");
    size_t n = strlen(where);
    const char *y = TASK_HEAD "    credentials:\n      jwt_token_env: MMD_TEST_SCRUB_JWT\n"
                              "      signing_key_env: MMD_TEST_SCRUB_KEY\n" SIZING;
    cfg_scrub_env(true);
    for (int i = 0; i < 2; i++) {   /* the start, then a reload */
        struct cfg *c = load(y);
        if (!c) fail_msg("load %d: %s", i, g_errs);
        assert_string_equal(c->accounts[0].jwt, JWT);
        assert_string_equal(signer_pubkey_b58(c->accounts[0].signer), PK_B58);
        assert_null(getenv("MMD_TEST_SCRUB_JWT"));
        assert_null(getenv("MMD_TEST_SCRUB_KEY"));
        for (size_t k = 0; k < n; k++) assert_int_equal(where[k], 0);
        cfg_free(c);
    }
    cfg_scrub_env(false);
    setenv("MMD_TEST_NOSCRUB", JWT, 1);   /* off: left alone */
    struct cfg *c = load(TASK_HEAD "    credentials:\n      jwt_token_env: MMD_TEST_NOSCRUB\n"
                         "      signing_key: \"" SEED_B58 "\"\n" SIZING);
    if (!c) fail_msg("%s", g_errs);
    assert_string_equal(getenv("MMD_TEST_NOSCRUB"), JWT);
    cfg_free(c);
    unsetenv("MMD_TEST_NOSCRUB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_yaml_syntax),
        cmocka_unit_test(t_unknown_key_hint),
        cmocka_unit_test(t_unknown_key_no_hint),
        cmocka_unit_test(t_bad_level),
        cmocka_unit_test(t_tiers_range),
        cmocka_unit_test(t_band_order),
        cmocka_unit_test(t_rest_skew_resume),
        cmocka_unit_test(t_bad_qty),
        cmocka_unit_test(t_id_number),
        cmocka_unit_test(t_duplicate_task),
        cmocka_unit_test(t_bad_symbol),
        cmocka_unit_test(t_missing_required),
        cmocka_unit_test(t_creds_and_account),
        cmocka_unit_test(t_unknown_account),
        cmocka_unit_test(t_same_account_symbol),
        cmocka_unit_test(t_bad_signing_key),
        cmocka_unit_test(t_env_unset),
        cmocka_unit_test(t_secret_file_missing),
        cmocka_unit_test(t_world_readable_inline),
        cmocka_unit_test(t_group_readable_secret_file),
        cmocka_unit_test(t_fifo_secret_refused),
        cmocka_unit_test(t_state_dir),
        cmocka_unit_test(t_wrong_type),
        cmocka_unit_test(t_multiple_errors),
        cmocka_unit_test(t_bad_url),
        cmocka_unit_test(t_bad_log_level),
        cmocka_unit_test(t_misc_errors),
        cmocka_unit_test(t_seed_shape),
        cmocka_unit_test(t_level_defaults),
        cmocka_unit_test(t_override_order),
        cmocka_unit_test(t_file_and_env),
        cmocka_unit_test(t_summary_hides_secrets),
        cmocka_unit_test(t_placeholders),
        cmocka_unit_test(t_urls_socket),
        cmocka_unit_test(t_default_socket),
        cmocka_unit_test(t_order_entry),
        cmocka_unit_test(t_examples),
        cmocka_unit_test(t_jwt_margin),
        cmocka_unit_test(t_env_scrub),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
