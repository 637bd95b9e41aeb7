/* fuzz_dec — libFuzzer target for common/dec.h.  The input text goes to
 * dec_parse, dec_parse_n (no NUL) and dec_parse_lenient; every accepted value
 * must survive exact round trips: parse(fmt(x, 9)) == x and
 * parse(dec_str(x)) == x, and strict and lenient agree where both accept.
 * The first 8 bytes are also taken as a raw int64 for the formatter (any
 * representable value, the strict parser must read back what dec_fmt wrote,
 * truncated to the requested decimals), and accepted values are rounded to
 * every tick with dec_round (result a multiple of the tick, on the right
 * side of the value unless saturated at the last multiple within ±DEC_MAX). */
#include "dec.h"
#include "fuzz_util.h"

static void round_trip(dec_t v)
{
    char buf[48];
    dec_t back;
    dec_fmt(v, DEC_SCALE, buf, sizeof buf);
    FZ_CHECK(dec_parse(buf, &back) == 0 && back == v);
    dec_str(v, buf, sizeof buf);
    FZ_CHECK(dec_parse(buf, &back) == 0 && back == v);
}

static void rounding(dec_t v)
{
    for (int d = 0; d <= DEC_SCALE; d++) {
        dec_t step = dec_step(d);
        dec_t lo = dec_round(v, step, DEC_FLOOR), hi = dec_round(v, step, DEC_CEIL);
        dec_t tz = dec_round(v, step, DEC_TOWARD_ZERO);
        FZ_CHECK(lo % step == 0 && hi % step == 0 && tz % step == 0);
        dec_t top = DEC_MAX / step * step;   /* dec_round saturates there */
        FZ_CHECK((lo <= v || lo == -top) && (hi >= v || hi == top));
        FZ_CHECK(v >= 0 ? tz <= v : tz >= v);
    }
}

static void raw_value(const uint8_t *data, size_t size)
{
    if (size < 9) return;
    int64_t v;
    memcpy(&v, data, sizeof v);
    int d = data[8] % 12 - 1;        /* -1..10: out-of-range decimals are clamped */
    int dd = d < 0 ? 0 : d > DEC_SCALE ? DEC_SCALE : d;
    char buf[48];
    dec_fmt(v, d, buf, sizeof buf);
    dec_t back;
    if (v == INT64_MIN) {            /* no decimal reads back as this: only must not crash */
        dec_str(v, buf, sizeof buf);
        return;
    }
    FZ_CHECK(dec_parse(buf, &back) == 0);
    dec_t step = dec_step(dd);
    FZ_CHECK(back == v / step * step);
    round_trip(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_strdup(data, size);
    dec_t a = 0, b = 0, c = 0;
    int ra = dec_parse(s, &a);
    int rb = dec_parse_n((const char *)data, size, &b);
    int rc = dec_parse_lenient(s, &c);
    if (strlen(s) == size) FZ_CHECK(ra == rb && (ra != 0 || a == b));
    if (ra == 0) {
        FZ_CHECK(rc == 0 && a == c);     /* lenient accepts whatever strict accepts */
        round_trip(a);
        rounding(a);
    }
    if (rc == 0) {
        round_trip(c);
        rounding(c);
    }
    raw_value(data, size);
    free(s);
    return 0;
}
