/* fuzz_util — tiny helpers shared by the libFuzzer targets in tests/fuzz/:
 * a NUL-terminated copy of the input and an abort-on-violation check that
 * libFuzzer reports as a crash (with the failing condition printed). */
#ifndef MMD_FUZZ_UTIL_H
#define MMD_FUZZ_UTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond)                                                                     \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* malloc'd copy of data with a terminating NUL (never NULL for small n). */
static inline char *fz_strdup(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) abort();
    if (n) memcpy(s, data, n);
    s[n] = 0;
    return s;
}

/* True when the fixed-size buffer holds a NUL (strings stay terminated). */
static inline int fz_terminated(const char *buf, size_t cap) { return memchr(buf, 0, cap) != NULL; }

#endif
