/* sign — see sign.h. */
#include "sign.h"
#include "codec.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct signer {
    unsigned char *sk;          /* 64 bytes, sodium_malloc, read-only */
    uint8_t pk[32];
    char pk_b58[64];
};

int sign_init(void) { return sodium_init() < 0 ? -1 : 0; }

struct signer *signer_from_seed(const uint8_t seed[32])
{
    if (sign_init() != 0) return NULL;
    struct signer *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (!s->sk) { free(s); return NULL; }
    crypto_sign_seed_keypair(s->pk, s->sk, seed);
    sodium_mprotect_readonly(s->sk);
    b58_encode(s->pk, 32, s->pk_b58, sizeof s->pk_b58);
    return s;
}

struct signer *signer_generate(void)
{
    uint8_t seed[32];
    if (sign_init() != 0) return NULL;
    randombytes_buf(seed, sizeof seed);
    struct signer *s = signer_from_seed(seed);
    sodium_memzero(seed, sizeof seed);
    return s;
}

static int all_hex(const char *k)
{
    if (k[0] == '0' && (k[1] == 'x' || k[1] == 'X')) k += 2;
    size_t n = strspn(k, "0123456789abcdefABCDEF");
    return k[n] == 0 && (n == 64 || n == 128);
}

struct signer *signer_from_string(const char *key, char *err, size_t errlen)
{
    uint8_t *raw = sodium_malloc(128);
    int n = -1;
    const char *how = NULL;
    if (!raw) { snprintf(err, errlen, "out of secure memory"); return NULL; }
    size_t len = strlen(key);
    if (len == 0) {
        snprintf(err, errlen, "signing key is empty");
        sodium_free(raw);
        return NULL;
    }
    if (all_hex(key)) { n = hex_decode(key, raw, 128); how = "hex"; }
    if (n != 32 && n != 64 && !strpbrk(key, "+/=_-")) { n = b58_decode(key, raw, 128); how = "base58"; }
    if (n != 32 && n != 64) { n = b64_decode(key, len, raw, 128); how = "base64"; }
    struct signer *s = NULL;
    if (n != 32 && n != 64) {
        snprintf(err, errlen, "signing key is not base58, base64 or hex of a 32-byte seed "
                 "or a 64-byte secret key (%zu characters)", len);
    } else {
        s = signer_from_seed(raw);
        if (s && n == 64 && memcmp(raw + 32, s->pk, 32) != 0) {
            snprintf(err, errlen, "signing key is a 64-byte %s secret key whose public half "
                     "does not match its seed", how);
            signer_free(s);
            s = NULL;
        } else if (!s) {
            snprintf(err, errlen, "cannot initialise libsodium");
        }
    }
    sodium_free(raw);
    return s;
}

void signer_free(struct signer *s)
{
    if (!s) return;
    sodium_free(s->sk);   /* wipes */
    sodium_memzero(s, sizeof *s);
    free(s);
}

void signer_pubkey(const struct signer *s, uint8_t pk[32]) { memcpy(pk, s->pk, 32); }
const char *signer_pubkey_b58(const struct signer *s) { return s->pk_b58; }

int signer_seed_b58(const struct signer *s, char *out, size_t cap)
{
    return b58_encode(s->sk, 32, out, cap) < 0 ? -1 : 0;   /* libsodium sk = seed ‖ pk */
}

static unsigned char *build_msg(const char *rid, const char *ts, const char *body, size_t blen,
                                size_t *mlen)
{
    size_t hl = strlen("v1,") + strlen(rid) + 1 + strlen(ts) + 1;
    unsigned char *m = malloc(hl + blen + 1);
    if (!m) return NULL;
    snprintf((char *)m, hl + 1, "v1,%s,%s,", rid, ts);
    if (blen) memcpy(m + hl, body, blen);
    *mlen = hl + blen;
    return m;
}

int signer_sign(const struct signer *s, const char *request_id, int64_t ts_ms, const char *body,
                size_t body_len, char out_b64[SIGN_B64_LEN])
{
    char ts[24];
    size_t mlen;
    snprintf(ts, sizeof ts, "%lld", (long long)ts_ms);
    unsigned char *m = build_msg(request_id, ts, body, body_len, &mlen);
    if (!m) return -1;
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, m, mlen, s->sk);
    free(m);
    return b64_encode(sig, sizeof sig, out_b64, SIGN_B64_LEN) < 0 ? -1 : 0;
}

int sign_verify(const uint8_t pk[32], const char *request_id, const char *ts, const char *body,
                size_t body_len, const char *sig_b64)
{
    uint8_t sig[80];
    if (!sig_b64 || b64_decode(sig_b64, strlen(sig_b64), sig, sizeof sig) != 64) return -1;
    size_t mlen;
    unsigned char *m = build_msg(request_id, ts, body, body_len, &mlen);
    if (!m) return -1;
    int rc = crypto_sign_verify_detached(sig, m, mlen, pk) == 0 ? 0 : -2;
    free(m);
    return rc;
}

void sign_uuid4(char out[37])
{
    uint8_t b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}
