/* Unit tests: base58/base64/hex codecs and the StandX request signer, against
 * the exact vectors of shared/standx-protocol.md §2.5. */
#include "testutil.h"

#include "codec.h"
#include "sign.h"

static const char *BODY2 =
    "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"order_type\":\"limit\",\"qty\":\"0.0010\","
    "\"price\":\"65000.00\",\"time_in_force\":\"alo\",\"reduce_only\":false,\"cl_ord_id\":\"mm-000001\"}";

static void test_b58(void **st)
{
    (void)st;
    uint8_t seed[32], back[64];
    char s[128];
    assert_int_equal(hex_decode(SEED_HEX, seed, sizeof seed), 32);
    assert_int_equal(b58_encode(seed, 32, s, sizeof s), (int)strlen(SEED_B58));
    assert_string_equal(s, SEED_B58);
    assert_int_equal(b58_decode(SEED_B58, back, sizeof back), 32);
    assert_memory_equal(back, seed, 32);
    /* leading zero bytes become '1's and back */
    uint8_t z[4] = {0, 0, 1, 2};
    assert_true(b58_encode(z, 4, s, sizeof s) > 0);
    assert_true(s[0] == '1' && s[1] == '1');
    assert_int_equal(b58_decode(s, back, sizeof back), 4);
    assert_memory_equal(back, z, 4);
    assert_int_equal(b58_decode("0OIl", back, sizeof back), -1);   /* not in the alphabet */
    assert_int_equal(b58_decode("", back, sizeof back), -1);
    assert_int_equal(b58_encode(seed, 32, s, 10), -1);             /* buffer too small */
}

static void test_b64_hex(void **st)
{
    (void)st;
    char s[64];
    uint8_t b[64];
    assert_int_equal(b64_encode((const uint8_t *)"foob", 4, s, sizeof s), 8);
    assert_string_equal(s, "Zm9vYg==");
    assert_int_equal(b64_decode("Zm9vYg==", 8, b, sizeof b), 4);
    assert_memory_equal(b, "foob", 4);
    assert_int_equal(b64_decode("Zm9vYg", 6, b, sizeof b), 4);    /* unpadded */
    assert_int_equal(b64url_encode((const uint8_t *)"\xfb\xff", 2, s, sizeof s), 3);
    assert_string_equal(s, "-_8");
    assert_int_equal(b64_decode("-_8", 3, b, sizeof b), 2);
    assert_int_equal(b64_decode("Zm9v!g==", 8, b, sizeof b), -1);
    assert_int_equal(hex_encode((const uint8_t *)"\x01\xab", 2, s, sizeof s), 4);
    assert_string_equal(s, "01ab");
    assert_int_equal(hex_decode("0x01AB", b, sizeof b), 2);
    assert_int_equal(hex_decode("0g", b, sizeof b), -1);
    assert_int_equal(hex_decode("abc", b, sizeof b), -1);
}

static void check_sig(struct signer *s, const char *rid, int64_t ts, const char *body,
                      const char *want)
{
    char sig[SIGN_B64_LEN];
    assert_int_equal(signer_sign(s, rid, ts, body, strlen(body), sig), 0);
    assert_string_equal(sig, want);
    uint8_t pk[32];
    char tss[24];
    signer_pubkey(s, pk);
    snprintf(tss, sizeof tss, "%lld", (long long)ts);
    assert_int_equal(sign_verify(pk, rid, tss, body, strlen(body), sig), 0);
}

static void test_vectors(void **st)
{
    (void)st;
    char err[256];
    struct signer *s = signer_from_string(SEED_B58, err, sizeof err);
    assert_non_null(s);
    assert_string_equal(signer_pubkey_b58(s), PK_B58);
    check_sig(s, "0f1e2d3c-4b5a-4697-8877-665544332211", INT64_C(1760000000500),
              "{\"order_id\":11545819148}",
              "/F3BScnkEcbMk9dDl9SJ7VIPMCPT/RMRihpNV+nR5i9YPQWt2uRz8a+epOEqbP8sRtvXR2t76iFGE2QN2XVhBw==");
    check_sig(s, "7b0a2c1e-3f4d-4a5b-8c6d-9e0f1a2b3c4d", INT64_C(1760000000000), BODY2,
              "iBVLQR7URhQc+9omENxsbVszDd0cEaVuDyPCY9QjmikaVdaXAofVIzQQTlOWlYvvR3XMj0LOLvnaBaZljCRTCA==");
    check_sig(s, "7b0a2c1e-3f4d-4a5b-8c6d-9e0f1a2b3c4d", INT64_C(1760000000000), "",
              "2IKT6WrwRfMVV7/EfBsMQNm2enpURLgUUY2IvWD14pI3p0dkT7N3BU8YCHlR/HjmDi735n7JhoGlRY2lprneCA==");
    char seed58[64];
    assert_int_equal(signer_seed_b58(s, seed58, sizeof seed58), 0);
    assert_string_equal(seed58, SEED_B58);
    signer_free(s);
}

static void test_verify_rejects(void **st)
{
    (void)st;
    char err[256], sig[SIGN_B64_LEN];
    struct signer *s = signer_from_string(SEED_HEX, err, sizeof err);
    assert_non_null(s);
    uint8_t pk[32];
    signer_pubkey(s, pk);
    assert_int_equal(signer_sign(s, "id", 1, "{}", 2, sig), 0);
    assert_int_equal(sign_verify(pk, "id", "1", "{}", 2, sig), 0);
    assert_int_equal(sign_verify(pk, "id", "1", "{ }", 3, sig), -2);  /* tampered body */
    assert_int_equal(sign_verify(pk, "id", "2", "{}", 2, sig), -2);   /* other timestamp */
    assert_int_equal(sign_verify(pk, "id", "1", "{}", 2, "short"), -1);
    pk[0] ^= 1;
    assert_int_equal(sign_verify(pk, "id", "1", "{}", 2, sig), -2);   /* other key */
    signer_free(s);
}

static void test_key_formats(void **st)
{
    (void)st;
    char err[256], b64[100], sk58[120], skhex[140];
    uint8_t seed[32], sk[64];
    hex_decode(SEED_HEX, seed, 32);
    memcpy(sk, seed, 32);
    hex_decode(PK_HEX, sk + 32, 32);
    b64_encode(seed, 32, b64, sizeof b64);
    b58_encode(sk, 64, sk58, sizeof sk58);
    hex_encode(sk, 64, skhex, sizeof skhex);
    const char *ok[] = {SEED_B58, SEED_HEX, "0x" SEED_HEX, b64, sk58, skhex};
    for (size_t i = 0; i < N_ELEMS(ok); i++) {
        struct signer *s = signer_from_string(ok[i], err, sizeof err);
        if (!s) fail_msg("rejected format %zu: %s", i, err);
        assert_string_equal(signer_pubkey_b58(s), PK_B58);
        signer_free(s);
    }
    /* 64-byte key whose public half is not the seed's */
    sk[63] ^= 1;
    hex_encode(sk, 64, skhex, sizeof skhex);
    assert_null(signer_from_string(skhex, err, sizeof err));
    assert_non_null(strstr(err, "does not match"));
    const char *bad[] = {"", "abc", "your-ed25519-key", SEED_HEX "00"};
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        struct signer *s = signer_from_string(bad[i], err, sizeof err);
        if (s) fail_msg("accepted bad key '%s'", bad[i]);
        assert_true(strlen(err) > 0);
    }
}

static void test_uuid(void **st)
{
    (void)st;
    char a[37], b[37];
    sign_uuid4(a);
    sign_uuid4(b);
    assert_int_equal(strlen(a), 36);
    assert_true(a[14] == '4' && a[8] == '-' && a[23] == '-');
    assert_string_not_equal(a, b);
}

int main(void)
{
    assert_int_equal(sign_init(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b58),         cmocka_unit_test(test_b64_hex),
        cmocka_unit_test(test_vectors),     cmocka_unit_test(test_verify_rejects),
        cmocka_unit_test(test_key_formats), cmocka_unit_test(test_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
