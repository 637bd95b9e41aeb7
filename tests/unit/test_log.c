/* Unit tests: asynchronous logging (common/log.c).  With stderr on a full pipe
 * nobody reads, log_msg must return at once (alarm() turns a block into a
 * failure), drop what does not fit in its ring, and once the reader comes
 * back deliver the queued lines and say how many were dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static void fill(int fd)
{
    char junk[4096];
    memset(junk, 'x', sizeof junk);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    while (write(fd, junk, sizeof junk) > 0) {}
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

static void stuck_stderr_never_blocks(void **st)
{
    (void)st;
    int p[2], saved = dup(STDERR_FILENO);
    assert_int_equal(pipe(p), 0);
    fill(p[1]);
    assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
    close(p[1]);
    assert_int_equal(log_async_start(), 0);
    alarm(20);
    for (int i = 0; i < 20000; i++)          /* ~2 MB: twice the ring */
        LOGI("test", "line %d of a log that nobody reads %080d", i, 0);
    alarm(0);
    /* the reader comes back: drain while the writer flushes */
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    size_t cap = 8u << 20, got = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (int tries = 0; tries < 400; tries++) {
        ssize_t r = read(p[0], out + got, cap - got - 1);
        if (r > 0) { got += (size_t)r; tries = 0; continue; }
        if (strstr(out, "dropped")) break;
        usleep(5000);
        out[got] = 0;
    }
    out[got] = 0;
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    assert_int_equal(log_async_stop(2000), 0);
    assert_non_null(strstr(out, "line 0 of a log"));
    assert_non_null(strstr(out, "line(s) dropped: stderr was not keeping up"));
    free(out);
    close(p[0]);
}

static void synchronous_again_after_stop(void **st)
{
    (void)st;
    int p[2], saved = dup(STDERR_FILENO);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
    close(p[1]);
    assert_int_equal(log_async_start(), 0);
    LOGW("test", "queued");
    assert_int_equal(log_async_stop(2000), 0);
    LOGW("test", "direct");
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    char buf[512] = {0};
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    assert_true(n > 0);
    char *a = strstr(buf, "test: queued"), *b = strstr(buf, "test: direct");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    close(p[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stuck_stderr_never_blocks),
        cmocka_unit_test(synchronous_again_after_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
