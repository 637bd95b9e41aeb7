/* fuzz_config — libFuzzer target for the config loader (common/config.h
 * cfg_load).  Each input is written to one scratch file (mode 0600, in a
 * private directory made once per process under $TMPDIR or /tmp) and loaded
 * with errors going to /dev/null; a loaded config is printed (secrets as
 * <set>) to /dev/null and freed.  Checks: a config that loads has at least
 * one task, tiers in 1..3, and every task's account index in range. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_util.h"
#include "sign.h"

static char dir[256], path[300];
static FILE *devnull;

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/mmd-fuzz-cfg-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) abort();
    snprintf(path, sizeof path, "%s/mmd.yaml", dir);
    devnull = fopen("/dev/null", "w");
    if (!devnull) abort();
    sign_init();
}

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    atexit(cleanup);
    return 0;
}

static int write_all(const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    fchmod(fd, 0600);
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd);
    return off == size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (write_all(data, size) != 0) return 0;
    struct cfg *c = cfg_load(path, devnull);
    if (c) {
        FZ_CHECK(c->n_tasks >= 1 && c->n_accounts >= 1);
        for (size_t i = 0; i < c->n_tasks; i++) {
            FZ_CHECK(c->tasks[i].tiers >= 1 && c->tasks[i].tiers <= CFG_MAX_TIERS);
            FZ_CHECK(c->tasks[i].account < c->n_accounts);
            FZ_CHECK(fz_terminated(c->tasks[i].id, CFG_ID_MAX));
        }
        cfg_print_summary(c, devnull);
        cfg_free(c);
    }
    return 0;
}
