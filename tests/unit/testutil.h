/* testutil.h — what the cmocka unit tests share, so that no test file
 * carries its own copy:
 *   - the include prologue cmocka needs (and the usual libc headers);
 *   - N_ELEMS(array);
 *   - the ed25519 test key of shared/standx-protocol.md §2.5 (SEED_HEX,
 *     SEED_B58, PK_HEX, PK_B58);
 *   - P("1.25"): a decimal literal of a test (fails the test if it does
 *     not parse);
 *   - struct memout: captures what a function prints to a FILE *.
 * Header-only (static inline), for tests/unit/test_*.c. */
#ifndef MMD_TESTUTIL_H
#define MMD_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The §2.5 signing key: 32-byte seed and its public key, hex and base58. */
#define SEED_HEX "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define SEED_B58 "BbMQkQYZspmkytduTWvXEtc4mMURjsekJDvty2WtKeSb"
#define PK_HEX   "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define PK_B58   "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z"

/* A decimal literal; the test fails if s is not a valid decimal. */
static inline dec_t P(const char *s)
{
    dec_t v = 0;
    assert_int_equal(dec_parse(s, &v), 0);
    return v;
}

/* What a function writes to a FILE *:
 *     struct memout m;
 *     cfg_print_summary(c, memout_open(&m));
 *     char *text = memout_text(&m);   ... free(text);            */
struct memout {
    char *text;
    size_t len;
    FILE *f;
};

static inline FILE *memout_open(struct memout *m)
{
    m->text = NULL;
    m->len = 0;
    m->f = open_memstream(&m->text, &m->len);
    assert_non_null(m->f);
    return m->f;
}

/* Closes the stream; returns the text written (NUL-terminated, caller frees). */
static inline char *memout_text(struct memout *m)
{
    fclose(m->f);
    m->f = NULL;
    return m->text;
}

#endif
