/* fuzz_codec — libFuzzer target for the text decoders that read operator and
 * exchange input outside JSON: base58 / base64 / hex (common/codec.h; signing
 * keys in the config), signer_from_string (common/sign.h), RFC 3339 times
 * (common/clock.h; exchange timestamps) and the JWT exp claim
 * (sxp_jwt_exp).  Checks exact round trips: decode -> encode -> decode gives
 * the same bytes, and a parsed time formats and parses back to itself when
 * it is in the formatter's range. */
#include "clock.h"
#include "codec.h"
#include "fuzz_util.h"
#include "sign.h"
#include "sxparse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sign_init();
    return 0;
}

static void b58(const char *s)
{
    uint8_t a[256], b[256];
    char txt[512];
    int n = b58_decode(s, a, sizeof a);
    if (n < 0) return;
    FZ_CHECK(n <= (int)sizeof a);
    if (n > 128) return;   /* b58_encode's work buffer holds ~184 bytes: -1 beyond is by design */
    FZ_CHECK(b58_encode(a, (size_t)n, txt, sizeof txt) >= 0);
    FZ_CHECK(b58_decode(txt, b, sizeof b) == n && !memcmp(a, b, (size_t)n));
}

static void b64(const char *s, size_t len)
{
    uint8_t a[256], b[256];
    char txt[B64_LEN(256)], url[B64_LEN(256)];
    int n = b64_decode(s, len, a, sizeof a);
    if (n < 0) return;
    FZ_CHECK(n <= (int)sizeof a);
    int t = b64_encode(a, (size_t)n, txt, sizeof txt);
    FZ_CHECK(t >= 0 && b64_decode(txt, (size_t)t, b, sizeof b) == n && !memcmp(a, b, (size_t)n));
    t = b64url_encode(a, (size_t)n, url, sizeof url);
    FZ_CHECK(t >= 0 && b64_decode(url, (size_t)t, b, sizeof b) == n && !memcmp(a, b, (size_t)n));
}

static void hex(const char *s)
{
    uint8_t a[256], b[256];
    char txt[520];
    int n = hex_decode(s, a, sizeof a);
    if (n < 0) return;
    FZ_CHECK(n <= (int)sizeof a);
    FZ_CHECK(hex_encode(a, (size_t)n, txt, sizeof txt) >= 0);
    FZ_CHECK(hex_decode(txt, b, sizeof b) == n && !memcmp(a, b, (size_t)n));
}

static void rfc3339(const char *s)
{
    int64_t us, back;
    if (clock_parse_rfc3339(s, &us) != 0) return;
    /* 1970..9999 only: the formatter writes four-digit years and is not
     * meant for times before the epoch (its fraction would come out negative) */
    if (us < 0 || us > INT64_C(253402300799999999)) return;
    char buf[64];
    clock_fmt_rfc3339(us, buf, sizeof buf);
    FZ_CHECK(clock_parse_rfc3339(buf, &back) == 0 && back == us);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_strdup(data, size);
    b58(s);
    b64(s, strlen(s));
    hex(s);
    rfc3339(s);
    char err[160];
    struct signer *k = signer_from_string(s, err, sizeof err);
    if (k) signer_free(k);
    else FZ_CHECK(fz_terminated(err, sizeof err));
    int64_t exp;
    sxp_jwt_exp(s, &exp);
    free(s);
    return 0;
}
