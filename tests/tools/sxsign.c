/* sxsign — signs one StandX request for the python integration tests
 * (python's standard library has no ed25519):
 *   sxsign KEY REQUEST_ID TIMESTAMP_MS BODY   -> base64 signature on stdout
 * KEY is base58/base64/hex of a 32-byte seed (or 64-byte secret key).
 * BODY "-" reads the body from standard input (exact bytes). */
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_stdin(size_t *len)
{
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = cap < (64u << 20) ? realloc(b, cap *= 2) : NULL;
            if (!nb) { free(b); return NULL; }
            b = nb;
        }
    }
    *len = n;
    return b;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: sxsign KEY REQUEST_ID TIMESTAMP_MS BODY|-\n");
        return 2;
    }
    char err[256], *end = NULL;
    long long ts = strtoll(argv[3], &end, 10);
    if (end == argv[3] || *end) { fprintf(stderr, "sxsign: bad timestamp %s\n", argv[3]); return 2; }
    if (sign_init() != 0) { fprintf(stderr, "sxsign: cannot initialise libsodium\n"); return 1; }
    struct signer *s = signer_from_string(argv[1], err, sizeof err);
    if (!s) { fprintf(stderr, "sxsign: %s\n", err); return 2; }
    size_t blen = 0;
    char *body = strcmp(argv[4], "-") ? strdup(argv[4]) : read_stdin(&blen);
    if (body && strcmp(argv[4], "-")) blen = strlen(body);
    char sig[SIGN_B64_LEN];
    int rc = body ? signer_sign(s, argv[2], ts, body, blen, sig) : -1;
    signer_free(s);
    free(body);
    if (rc) { fprintf(stderr, "sxsign: signing failed\n"); return 1; }
    printf("%s\n", sig);
    return 0;
}
