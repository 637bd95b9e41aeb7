/* fuzz_sx_rest — libFuzzer target for the REST response parsers of
 * daemon/standx/sxparse.h: the same body is given to every body-level helper
 * (api_result / error bodies, ws-api frames, order list, position list, symbol list, single
 * order, balance), then, if it is JSON, every payload parser (symbol info,
 * order, trade, position, balance, price, depth, public trade, auth ack and
 * the field helpers) runs on it and on each element of an array / each
 * member of an object.  Lists must come back with n == 0 or a real array. */
#include "fuzz_util.h"
#include "sxparse.h"

static void check_info(const struct sym_info *s) { FZ_CHECK(fz_terminated(s->symbol, SYM_MAX)); }

static void bodies(const char *b, size_t n)
{
    int code;
    char msg[128];
    sxp_api_result(b, n, &code, msg, sizeof msg);
    FZ_CHECK(fz_terminated(msg, sizeof msg));
    char rid[40];   /* a ws-api order-response frame */
    if (sxp_api_frame(b, n, &code, msg, sizeof msg, rid, sizeof rid) == SXP_OK) FZ_CHECK(rid[0] != 0);
    FZ_CHECK(fz_terminated(msg, sizeof msg) && fz_terminated(rid, sizeof rid));

    struct venue_order *ol = NULL;
    size_t on = 0;
    if (sxp_order_list(b, n, &ol, &on) == SXP_OK)
        for (size_t i = 0; i < on; i++) FZ_CHECK(fz_terminated(ol[i].cl_ord_id, CLOID_MAX));
    free(ol);

    struct venue_position *pl = NULL;
    size_t pn = 0;
    if (sxp_position_list(b, n, &pl, &pn) == SXP_OK)
        for (size_t i = 0; i < pn; i++) FZ_CHECK(fz_terminated(pl[i].symbol, SYM_MAX));
    free(pl);

    struct sym_info *sl = NULL;
    size_t sn = 0;
    if (sxp_symbol_list(b, n, &sl, &sn) == SXP_OK)
        for (size_t i = 0; i < sn; i++) check_info(&sl[i]);
    free(sl);

    struct venue_order o;
    sxp_order_obj(b, n, &o);
    struct sx_balance bal;
    sxp_balance_obj(b, n, &bal);
}

static void payloads(const json_t *v)
{
    struct sym_info si;
    if (sxp_symbol_info(v, &si) == SXP_OK) check_info(&si);
    struct venue_order o;
    sxp_order(v, &o);
    struct venue_fill f;
    sxp_trade(v, &f);
    struct venue_position p;
    sxp_position(v, &p);
    struct sx_balance b;
    sxp_balance(v, &b);
    struct sx_price pr;
    sxp_price(v, &pr);
    struct sx_depth d;
    if (sxp_depth(v, &d) == SXP_OK)
        FZ_CHECK(d.n_bids >= 0 && d.n_bids <= MD_MAX_LEVELS && d.n_asks >= 0 &&
                 d.n_asks <= MD_MAX_LEVELS);
    struct sx_ptrade t;
    sxp_public_trade(v, &t);
    int code;
    char msg[64];
    sxp_auth_ack(v, &code, msg, sizeof msg);
    dec_t x;
    int64_t i64;
    sxp_dec(v, &x);
    sxp_i64(v, &i64);
    sxp_time_ms(v, &i64);
    if (json_is_string(v)) {
        enum order_status st;
        sxp_status(json_string_value(v), 0, &st);
        sxp_jwt_exp(json_string_value(v), &i64);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *b = fz_strdup(data, size);
    bodies(b, size);
    int64_t exp;
    sxp_jwt_exp(b, &exp);     /* the token text itself is also "input" */
    json_error_t e;
    json_t *root = json_loadb(b, size, JSON_DECODE_ANY, &e);
    if (root) {
        payloads(root);
        size_t i;
        json_t *v;
        const char *k;
        if (json_is_array(root)) json_array_foreach(root, i, v) payloads(v);
        if (json_is_object(root)) json_object_foreach(root, k, v) payloads(v);
        json_decref(root);
    }
    free(b);
    return 0;
}
