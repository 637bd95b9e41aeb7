/* mmd — the market-making daemon: command line, config check (-n), start-up.
 * Before any secret is read the process is made non-dumpable (no core file,
 * no ptrace or /proc/PID/mem, environ, maps by other processes of the same
 * uid) and *_env secrets are scrubbed from the environment once read
 * (cfg_scrub_env; see mmd(8) SECURITY). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "online.h"
#include "sign.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mmd [-nv] [--online] -c FILE\n"
            "  -c, --config FILE   configuration file (see mmd.yaml(5))\n"
            "  -n, --dry-run       check the configuration, print a summary and exit\n"
            "      --online        with -n: also check it against the exchange (symbols,\n"
            "                      token, funding) without trading\n"
            "  -v, --verbose       log at debug level (same as MMD_LOG=debug)\n"
            "  -h, --help          this help\n"
            "  -V, --version       print the version\n");
}

/* Started with fd 0, 1 or 2 closed, the first socket or pipe we open would
 * take its number and log lines would go into it: hold each on /dev/null. */
static int hold_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        int n = open("/dev/null", O_RDWR);
        if (n < 0) return -1;
        if (n != fd) { close(n); return -1; }   /* lowest free number: cannot happen */
    }
    return 0;
}

/* The JWT travels through curl's and libwebsockets' buffers, outside the
 * guarded memory the keys live in: no core dumps, no same-uid ptrace or
 * /proc/PID reads, from before the first secret is read; *_env secrets are
 * wiped from the environment once read. */
static void guard_secrets(void)
{
    struct rlimit no_core = {0, 0};
    if (setrlimit(RLIMIT_CORE, &no_core) != 0) fprintf(stderr, "mmd: warning: cannot disable core dumps\n");
    if (prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) != 0)
        fprintf(stderr, "mmd: warning: cannot make the process non-dumpable\n");
    cfg_scrub_env(true);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"dry-run", no_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {"online", no_argument, NULL, 'O'},
        {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int dry = 0, verbose = 0, online = 0, c;
    if (hold_std_fds() != 0) return 1;
    if (log_init_from_env() != 0)
        fprintf(stderr, "mmd: ignoring MMD_LOG=%s (expected debug, info, warn or error)\n",
                getenv("MMD_LOG"));
    while ((c = getopt_long(argc, argv, "c:nvhV", opts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'n': dry = 1; break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("mmd %s\n", MMD_VERSION); return 0;
        case 'O': online = 1; break;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mmd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (online && !dry) {
        fprintf(stderr, "mmd: --online only goes with -n (mmd -n --online -c FILE)\n");
        usage(stderr);
        return 2;
    }
    if (!path) {
        fprintf(stderr, "mmd: no configuration file given (-c FILE)\n");
        usage(stderr);
        return 2;
    }
    if (verbose) log_set_level(LOG_DEBUG);
    if (sign_init() != 0) {
        fprintf(stderr, "mmd: cannot initialise libsodium\n");
        return 1;
    }
    guard_secrets();
    struct cfg *cfg = cfg_load(path, stderr);
    if (!cfg) return 1;
    if (dry) {
        cfg_print_summary(cfg, stdout);
        int rc = online ? mmd_online_check(cfg, stdout) : 0;
        cfg_free(cfg);
        return rc;
    }
    if (cfg->log_level_set && !verbose && !getenv("MMD_LOG")) log_set_level(cfg->log_level);
    /* A stuck stderr (full pipe, paused terminal) must never stop trading. */
    if (log_async_start() != 0) LOGW("mmd", "cannot start the log writer; logging synchronously");
    int rc = daemon_run(cfg);
    (void)log_async_stop(2000);   /* a stuck stderr loses the last lines, not the exit status */
    return rc;
}
