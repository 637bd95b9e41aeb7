/* jwt — the simulator's access tokens: HS256 JWTs (HMAC-SHA256 from
 * libsodium, base64url without padding).  Payload claims: address, requestId
 * (base58 ed25519 public key that signs request bodies), exp, iat, chain.
 * Real StandX tokens are issued by StandX; here any token signed with the
 * simulator's secret and not expired is accepted. */
#include "sim_net.h"

#include "codec.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *b64url_dup(const void *p, size_t n)
{
    size_t cap = B64_LEN(n) + 4;
    char *o = malloc(cap);
    if (o && b64url_encode(p, n, o, cap) < 0) { free(o); o = NULL; }
    return o;
}

static void hs256(const char *secret, const char *msg, size_t len, uint8_t mac[32])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, len);
    crypto_auth_hmacsha256_final(&st, mac);
}

void sim_jwt_address(const char *name, char out[43])
{
    size_t n = strlen(name);
    if (n == 42 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X') &&
        strspn(name + 2, "0123456789abcdefABCDEF") == 40) {
        memcpy(out, name, 43);
        return;
    }
    uint8_t h[32];
    crypto_hash_sha256(h, (const unsigned char *)name, n);
    out[0] = '0'; out[1] = 'x';
    hex_encode(h, 20, out + 2, 41);
}

char *sim_jwt_mint(const char *secret, const char *address, const char *pubkey_b58,
                   int64_t now_s, int64_t ttl_s)
{
    static const char hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    json_t *pl = json_pack("{s:s,s:s,s:s,s:I,s:I}", "address", address, "requestId", pubkey_b58,
                           "chain", "bsc", "iat", (json_int_t)now_s, "exp",
                           (json_int_t)(now_s + ttl_s));
    char *pls = pl ? json_dumps(pl, JSON_COMPACT) : NULL;
    json_decref(pl);
    char *h64 = b64url_dup(hdr, strlen(hdr));
    char *p64 = pls ? b64url_dup(pls, strlen(pls)) : NULL;
    free(pls);
    char *tok = NULL;
    if (h64 && p64) {
        size_t n = strlen(h64) + 1 + strlen(p64);
        tok = malloc(n + 1 + 64);
        if (tok) {
            uint8_t mac[32];
            snprintf(tok, n + 1, "%s.%s", h64, p64);
            hs256(secret, tok, n, mac);
            tok[n] = '.';
            b64url_encode(mac, 32, tok + n + 1, 64);
        }
    }
    free(h64);
    free(p64);
    return tok;
}

int sim_jwt_verify(const char *secret, const char *token, int64_t now_s, char *address,
                   size_t acap, uint8_t pubkey[32])
{
    if (!token) return -1;
    const char *d1 = strchr(token, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.') || strlen(token) > 4096) return -1;
    uint8_t mac[32], got[40];
    hs256(secret, token, (size_t)(d2 - token), mac);
    if (b64_decode(d2 + 1, strlen(d2 + 1), got, sizeof got) != 32) return -1;
    if (sodium_memcmp(mac, got, 32) != 0) return -2;
    size_t plen = (size_t)(d2 - d1 - 1);
    uint8_t *pl = malloc(plen + 4);
    if (!pl) return -1;
    int n = b64_decode(d1 + 1, plen, pl, plen + 4);
    json_t *j = n > 0 ? json_loadb((const char *)pl, (size_t)n, 0, NULL) : NULL;
    free(pl);
    if (!j) return -1;
    int rc = 0;
    json_t *addr = json_object_get(j, "address"), *rid = json_object_get(j, "requestId");
    json_t *exp = json_object_get(j, "exp");
    if (!json_is_string(addr) || !json_is_string(rid) || !json_is_integer(exp)) rc = -4;
    else if (json_integer_value(exp) <= now_s) rc = -3;
    else if (b58_decode(json_string_value(rid), pubkey, 32) != 32) rc = -4;
    else if (strlen(json_string_value(addr)) + 1 > acap || !json_string_length(addr)) rc = -4;
    else snprintf(address, acap, "%s", json_string_value(addr));
    json_decref(j);
    return rc;
}

int64_t sim_jwt_iat(const char *token)
{
    const char *d1 = token ? strchr(token, '.') : NULL;
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2 || strlen(token) > 4096) return 0;
    size_t plen = (size_t)(d2 - d1 - 1);
    uint8_t *pl = malloc(plen + 4);
    if (!pl) return 0;
    int n = b64_decode(d1 + 1, plen, pl, plen + 4);
    json_t *j = n > 0 ? json_loadb((const char *)pl, (size_t)n, 0, NULL) : NULL;
    free(pl);
    int64_t iat = json_is_integer(json_object_get(j, "iat")) ? json_integer_value(json_object_get(j, "iat")) : 0;
    json_decref(j);
    return iat;
}
