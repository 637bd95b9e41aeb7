/* codec — base58 (Bitcoin alphabet), base64 (standard with padding out;
 * standard or URL-safe, padded or not, in) and hex.  Encoders return the
 * string length (NUL-terminated) or -1 if the buffer is too small; decoders
 * return the byte count or -1 on bad input / small buffer. */
#ifndef MMD_CODEC_H
#define MMD_CODEC_H
#include <stddef.h>
#include <stdint.h>

int b58_encode(const uint8_t *in, size_t n, char *out, size_t cap);
int b58_decode(const char *in, uint8_t *out, size_t cap);
int b64_encode(const uint8_t *in, size_t n, char *out, size_t cap);
int b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap); /* no padding */
int b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);
int hex_encode(const uint8_t *in, size_t n, char *out, size_t cap);
int hex_decode(const char *in, uint8_t *out, size_t cap);
/* The one id charset: task, account and client order ids and symbols go into
 * JSON text, URL queries and log lines unescaped, so they are 1 to cap-1
 * characters of [A-Za-z0-9._-]. */
#define ID_CHARSET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
int id_ok(const char *s, size_t cap);   /* 1 if s is such an id, else 0 */
#define B64_LEN(n) ((((n) + 2) / 3) * 4 + 1)
#endif
