/* dec — exact fixed-point decimals for money.  A dec_t is a signed 64-bit
 * count of 10^-9 units, so every StandX price, quantity and USD amount with
 * up to nine decimals is exact (range ±9.2e9).  Parsing and formatting never
 * go through binary floating point; doubles are only produced on request for
 * ratios such as bps. */
#ifndef MMD_DEC_H
#define MMD_DEC_H
#include <stddef.h>
#include <stdint.h>

typedef int64_t dec_t;
#define DEC_SCALE 9
#define DEC_ONE   INT64_C(1000000000)
#define DEC_MAX   INT64_MAX

enum dec_round {
    DEC_FLOOR,        /* toward -infinity (bids: down, away from the touch) */
    DEC_CEIL,         /* toward +infinity (asks: up, away from the touch) */
    DEC_TOWARD_ZERO,  /* truncate (quantities: never more than asked) */
    DEC_AWAY_ZERO
};

/* Strict parse of "[-]digits[.digits]": no spaces, no exponent, at most nine
 * significant fractional digits (further digits must be zeros), no overflow.
 * Returns 0 on success, -1 on junk or overflow. */
int dec_parse(const char *s, dec_t *out);
int dec_parse_n(const char *s, size_t n, dec_t *out);
/* Like dec_parse but fractional digits beyond nine are truncated and a
 * leading '+' is allowed: for exchange messages (e.g. "3.9932238453666987"). */
int dec_parse_lenient(const char *s, dec_t *out);

/* Formats with exactly `decimals` (0..9) fractional digits.  The value must
 * already be a multiple of 10^-decimals, otherwise it is truncated toward
 * zero.  Returns buf.  buf needs 32 bytes. */
char *dec_fmt(dec_t v, int decimals, char *buf, size_t len);
/* Shortest exact form ("65000", "0.001"). */
char *dec_str(dec_t v, char *buf, size_t len);

/* 10^-d as a dec_t (d in 0..9); 0 if out of range. */
dec_t dec_step(int decimals);
/* Rounds v to a multiple of step (> 0) in the given direction. */
dec_t dec_round(dec_t v, dec_t step, enum dec_round mode);
/* a*b and a/b with 128-bit intermediates, truncated toward zero.  They
 * saturate at ±DEC_MAX on overflow (and dec_div by 0 gives 0). */
dec_t dec_mul(dec_t a, dec_t b);
dec_t dec_div(dec_t a, dec_t b);
/* Multiply by a double ratio (e.g. 1 + bps/1e4), rounded to nearest unit. */
dec_t dec_mul_f(dec_t a, double f);
double dec_to_double(dec_t v);
dec_t dec_from_int(int64_t i);
/* (a-b)/b in basis points, as a double. */
double dec_bps(dec_t a, dec_t b);

#endif
