/* sign — StandX request signing (protocol doc §2.5).  The ed25519 secret key
 * lives in libsodium guarded memory (sodium_malloc, read-only except while
 * loading, wiped on free).  Message = "v1,<request-id>,<timestamp-ms>,<body>",
 * signature = standard base64 with padding of the 64-byte ed25519 signature. */
#ifndef MMD_SIGN_H
#define MMD_SIGN_H
#include <stddef.h>
#include <stdint.h>

struct signer;
#define SIGN_B64_LEN 89   /* 88 chars + NUL */

/* Must be called once before anything else here (calls sodium_init). */
int sign_init(void);
/* Accepts base58, base64 or hex of a 32-byte seed or a 64-byte secret key
 * (seed ‖ public key; the public half must match the seed).  On error returns
 * NULL and writes a message naming what was wrong into err. */
struct signer *signer_from_string(const char *key, char *err, size_t errlen);
struct signer *signer_from_seed(const uint8_t seed[32]);
struct signer *signer_generate(void);
void signer_free(struct signer *s);
void signer_pubkey(const struct signer *s, uint8_t pk[32]);
const char *signer_pubkey_b58(const struct signer *s);   /* the StandX requestId */
/* Base58 of the 32-byte seed (for standx-sim mint).  out needs 64 bytes. */
int signer_seed_b58(const struct signer *s, char *out, size_t cap);
int signer_sign(const struct signer *s, const char *request_id, int64_t ts_ms,
                const char *body, size_t body_len, char out_b64[SIGN_B64_LEN]);
/* Verifies a base64 signature; ts is the header string as received.
 * 0 valid, -1 bad encoding / length, -2 signature mismatch. */
int sign_verify(const uint8_t pk[32], const char *request_id, const char *ts,
                const char *body, size_t body_len, const char *sig_b64);
/* Random UUIDv4 string (x-request-id, request_id, session_id). */
void sign_uuid4(char out[37]);
#endif
