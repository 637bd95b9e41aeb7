/* Unit tests for the standx-sim network server's pure helpers: SHA-1 and the
 * RFC 6455 accept key, JWT mint/verify (round trip, tampering, expiry,
 * wrong secret), account addresses. */
#include "testutil.h"

#include "codec.h"
#include "sign.h"
#include "sim_net.h"

static void hex20(const uint8_t d[20], char out[41]) { hex_encode(d, 20, out, 41); }

static void test_sha1(void **st)
{
    (void)st;
    uint8_t d[20];
    char h[41];
    sim_sha1((const uint8_t *)"abc", 3, d);
    hex20(d, h);
    assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sim_sha1((const uint8_t *)"", 0, d);
    hex20(d, h);
    assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";   /* 56 bytes */
    sim_sha1((const uint8_t *)m, strlen(m), d);
    hex20(d, h);
    assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

static void test_ws_accept(void **st)
{
    (void)st;
    const char *k = "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    uint8_t d[20];
    char b[64];
    sim_sha1((const uint8_t *)k, strlen(k), d);
    b64_encode(d, 20, b, sizeof b);
    assert_string_equal(b, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");   /* RFC 6455 §1.3 */
}

static void test_jwt(void **st)
{
    (void)st;
    char addr[43], got[96];
    uint8_t pk[32], want[32];
    sim_jwt_address("alice", addr);
    assert_int_equal(strlen(addr), 42);
    assert_memory_equal(addr, "0x", 2);
    char again[43];
    sim_jwt_address(addr, again);
    assert_string_equal(addr, again);
    char *t = sim_jwt_mint("s3cret", addr, PK_B58, 1000000, 3600);
    assert_non_null(t);
    assert_int_equal(sim_jwt_verify("s3cret", t, 1000001, got, sizeof got, pk), 0);
    assert_string_equal(got, addr);
    assert_int_equal(b58_decode(PK_B58, want, sizeof want), 32);
    assert_memory_equal(pk, want, 32);
    assert_int_equal(sim_jwt_verify("other", t, 1000001, got, sizeof got, pk), -2);
    assert_int_equal(sim_jwt_verify("s3cret", t, 1003600, got, sizeof got, pk), -3);
    char *bad = strdup(t);
    char *dot = strchr(bad, '.');
    dot[3] = dot[3] == 'A' ? 'B' : 'A';   /* payload byte changed */
    assert_int_not_equal(sim_jwt_verify("s3cret", bad, 1000001, got, sizeof got, pk), 0);
    free(bad);
    assert_int_equal(sim_jwt_verify("s3cret", "a.b", 0, got, sizeof got, pk), -1);
    assert_int_equal(sim_jwt_verify("s3cret", "", 0, got, sizeof got, pk), -1);
    assert_int_equal(sim_jwt_verify("s3cret", NULL, 0, got, sizeof got, pk), -1);
    free(t);
}

int main(void)
{
    sign_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1),
        cmocka_unit_test(test_ws_accept),
        cmocka_unit_test(test_jwt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
