/* dec — see dec.h.  All arithmetic on the integer mantissa; __int128 for
 * products so a price × quantity never overflows silently. */
#include "dec.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const int64_t pow10_tab[10] = {1, 10, 100, 1000, 10000, 100000, 1000000,
                                      10000000, 100000000, 1000000000};

static int parse(const char *s, size_t n, dec_t *out, int lenient)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || (lenient && s[i] == '+'))) { neg = s[i] == '-'; i++; }
    __int128 v = 0;
    int int_digits = 0, frac_digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        v = v * 10 + (s[i] - '0');
        if (v > (__int128)INT64_MAX) return -1;
        i++; int_digits++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (frac_digits < DEC_SCALE) {
                v = v * 10 + (s[i] - '0');
            } else if (s[i] != '0' && !lenient) {
                return -1;
            }
            i++; frac_digits++;
        }
        if (frac_digits == 0) return -1;
    }
    if (i != n || (int_digits == 0 && frac_digits == 0)) return -1;
    int used = frac_digits < DEC_SCALE ? frac_digits : DEC_SCALE;
    v *= pow10_tab[DEC_SCALE - used];
    if (v > (__int128)INT64_MAX) return -1;
    *out = neg ? -(dec_t)v : (dec_t)v;
    return 0;
}

int dec_parse_n(const char *s, size_t n, dec_t *out) { return s ? parse(s, n, out, 0) : -1; }
int dec_parse(const char *s, dec_t *out) { return s ? parse(s, strlen(s), out, 0) : -1; }
int dec_parse_lenient(const char *s, dec_t *out) { return s ? parse(s, strlen(s), out, 1) : -1; }

char *dec_fmt(dec_t v, int decimals, char *buf, size_t len)
{
    if (decimals < 0) decimals = 0;
    if (decimals > DEC_SCALE) decimals = DEC_SCALE;
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t ip = a / (uint64_t)DEC_ONE, fp = a % (uint64_t)DEC_ONE;
    fp /= (uint64_t)pow10_tab[DEC_SCALE - decimals];
    int neg = v < 0 && (ip != 0 || fp != 0);
    if (decimals == 0)
        snprintf(buf, len, "%s%llu", neg ? "-" : "", (unsigned long long)ip);
    else
        snprintf(buf, len, "%s%llu.%0*llu", neg ? "-" : "", (unsigned long long)ip, decimals,
                 (unsigned long long)fp);
    return buf;
}

char *dec_str(dec_t v, char *buf, size_t len)
{
    int d = DEC_SCALE;
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;   /* INT64_MIN too */
    while (d > 0 && a % 10 == 0) { a /= 10; d--; }
    return dec_fmt(v, d, buf, len);
}

dec_t dec_step(int d) { return (d < 0 || d > DEC_SCALE) ? 0 : pow10_tab[DEC_SCALE - d]; }

dec_t dec_round(dec_t v, dec_t step, enum dec_round mode)
{
    if (step <= 0) return v;
    dec_t q = v / step, r = v % step;   /* C truncates toward zero */
    if (r == 0) return v;
    switch (mode) {
    case DEC_FLOOR:       if (v < 0) q--; break;
    case DEC_CEIL:        if (v > 0) q++; break;
    case DEC_TOWARD_ZERO: break;
    case DEC_AWAY_ZERO:   q += v > 0 ? 1 : -1; break;
    }
    /* near ±DEC_MAX the next multiple may not fit: the last one that does */
    __int128 m = (__int128)q * step;
    if (m > DEC_MAX) m = DEC_MAX / step * step;
    if (m < -DEC_MAX) m = -(DEC_MAX / step * step);
    return (dec_t)m;
}

static dec_t sat(__int128 x)
{
    if (x > (__int128)DEC_MAX) return DEC_MAX;
    if (x < -(__int128)DEC_MAX) return -DEC_MAX;
    return (dec_t)x;
}

dec_t dec_mul(dec_t a, dec_t b) { return sat((__int128)a * b / DEC_ONE); }
dec_t dec_div(dec_t a, dec_t b) { return b == 0 ? 0 : sat((__int128)a * DEC_ONE / b); }

dec_t dec_mul_f(dec_t a, double f)
{
    double r = nearbyint((double)a * f);
    if (r >= 9.2e18) return DEC_MAX;
    if (r <= -9.2e18) return -DEC_MAX;
    return (dec_t)r;
}

double dec_to_double(dec_t v) { return (double)v / (double)DEC_ONE; }
dec_t dec_from_int(int64_t i) { return sat((__int128)i * DEC_ONE); }

double dec_bps(dec_t a, dec_t b) { return b == 0 ? 0.0 : (double)(a - b) / (double)b * 1e4; }
