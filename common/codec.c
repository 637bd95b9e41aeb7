/* codec — see codec.h.  Plain table-driven code, no allocation. */
#include "codec.h"

#include <string.h>

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int b58_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t zeros = 0;
    while (zeros < n && in[zeros] == 0) zeros++;
    size_t size = (n - zeros) * 138 / 100 + 1, length = 0;
    uint8_t buf[256];
    if (size > sizeof buf) return -1;
    memset(buf, 0, size);
    for (size_t i = zeros; i < n; i++) {
        int carry = in[i];
        size_t k = 0;
        for (size_t j = size; (carry || k < length) && j-- > 0; k++) {
            carry += 256 * buf[j];
            buf[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        length = k;
    }
    size_t k = size - length;
    while (k < size && buf[k] == 0) k++;
    size_t outlen = zeros + (size - k);
    if (outlen + 1 > cap) return -1;
    memset(out, '1', zeros);
    for (size_t i = zeros; k < size; i++, k++) out[i] = B58[buf[k]];
    out[outlen] = 0;
    return (int)outlen;
}

int b58_decode(const char *in, uint8_t *out, size_t cap)
{
    size_t n = strlen(in), zeros = 0;
    while (zeros < n && in[zeros] == '1') zeros++;
    uint8_t buf[256];
    size_t size = n * 733 / 1000 + 1;
    if (size > sizeof buf || n == 0) return -1;
    memset(buf, 0, size);
    for (size_t i = zeros; i < n; i++) {
        const char *p = strchr(B58, in[i]);
        if (!p || !in[i]) return -1;
        int carry = (int)(p - B58);
        for (size_t j = size; j-- > 0;) {
            carry += 58 * buf[j];
            buf[j] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        if (carry) return -1;
    }
    size_t k = 0;
    while (k < size && buf[k] == 0) k++;
    size_t outlen = zeros + (size - k);
    if (outlen > cap) return -1;
    memset(out, 0, zeros);
    memcpy(out + zeros, buf + k, size - k);
    return (int)outlen;
}

static int b64_enc(const uint8_t *in, size_t n, char *out, size_t cap, const char *tab, int pad)
{
    size_t need = ((n + 2) / 3) * 4 + 1, o = 0;
    if (cap < need) return -1;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        if (i + 1 < n) out[o++] = tab[(v >> 6) & 63]; else if (pad) out[o++] = '=';
        if (i + 2 < n) out[o++] = tab[v & 63]; else if (pad) out[o++] = '=';
    }
    out[o] = 0;
    return (int)o;
}

int b64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    return b64_enc(in, n, out, cap,
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 1);
}

int b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    return b64_enc(in, n, out, cap,
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 0);
}

static int b64_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

int b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    while (len > 0 && in[len - 1] == '=') len--;
    if (len % 4 == 1) return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_val(in[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap) return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1))) return -1; /* non-canonical tail */
    return (int)o;
}

int hex_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    static const char H[] = "0123456789abcdef";
    if (cap < 2 * n + 1) return -1;
    for (size_t i = 0; i < n; i++) { out[2 * i] = H[in[i] >> 4]; out[2 * i + 1] = H[in[i] & 15]; }
    out[2 * n] = 0;
    return (int)(2 * n);
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int hex_decode(const char *in, uint8_t *out, size_t cap)
{
    size_t n = strlen(in);
    if (n >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) { in += 2; n -= 2; }
    if (n % 2 || n / 2 > cap || n == 0) return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int a = hexv(in[2 * i]), b = hexv(in[2 * i + 1]);
        if (a < 0 || b < 0) return -1;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return (int)(n / 2);
}

int id_ok(const char *s, size_t cap)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n < cap && strspn(s, ID_CHARSET) == n;
}
