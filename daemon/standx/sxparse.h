/* sxparse — defensive parsers of every StandX message into the structs of
 * venue.h (protocol doc §4, §5, §6).  Pure functions: text or a jansson value
 * in, a struct plus an error code out; no I/O, no globals, no clock reads.
 *
 * Decisions:
 *  - Decimals may arrive as JSON strings or numbers.  Strings go through
 *    dec_parse_lenient.  Integers are scaled exactly.  Reals are converted
 *    through their shortest text (json_dumps with 15 significant digits), never
 *    through double arithmetic on money.  null / "" mean "unknown" (0) for
 *    optional fields.
 *  - Unknown fields are ignored.  A missing or malformed REQUIRED field makes
 *    the whole message fail with SXP_ESHAPE (the caller counts and logs it at
 *    debug and drops it); nothing here aborts or asserts on input.
 *  - Order and trade ids are int64 (JSON integer or string of digits).
 *  - Status strings: new/open/untriggered -> OS_OPEN (OS_PARTIAL if
 *    fill_qty > 0); partially_filled/partial_filled -> OS_PARTIAL; filled ->
 *    OS_FILLED; canceled/cancelled/expired -> OS_CANCELED; rejected ->
 *    OS_REJECTED.  Anything else is a shape error.
 *  - public_trade accepts both the live shape {id, side, time ms} and the
 *    REST-like shape {is_buyer_taker, RFC 3339 time}.
 *  - depth_book levels are sorted locally, best first (bids descending, asks
 *    ascending); at most MD_MAX_LEVELS per side are kept (the best ones).
 *  - Times: RFC 3339 strings or integer epoch milliseconds. */
#ifndef MMD_SXPARSE_H
#define MMD_SXPARSE_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "venue.h"

enum sxp_err {
    SXP_OK = 0,
    SXP_EJSON = -1,     /* not JSON / not an object */
    SXP_ESHAPE = -2,    /* required field missing or malformed */
    SXP_ENODATA = -3    /* well-formed but not a data frame (ack, unknown channel) */
};

enum sx_chan {
    SXC_NONE = 0, SXC_AUTH, SXC_PRICE, SXC_DEPTH, SXC_PTRADE,
    SXC_ORDER, SXC_TRADE, SXC_POSITION, SXC_BALANCE
};

struct sx_price {
    char symbol[SYM_MAX];
    dec_t mark, index, last, mid, bid, ask;   /* 0 when absent/null */
    int64_t time_ms;                          /* 0 when absent */
};

struct sx_depth {
    char symbol[SYM_MAX];
    int n_bids, n_asks;
    struct md_level bids[MD_MAX_LEVELS], asks[MD_MAX_LEVELS];
};

struct sx_ptrade {
    int64_t id;                 /* 0 when the shape has none */
    char symbol[SYM_MAX];
    dec_t price, qty;
    enum side taker_side;
    int64_t time_ms;
};

/* balance: REST query_balance (unified) or the stream's wallet record. */
struct sx_balance {
    bool unified;               /* equity/available valid */
    dec_t equity, available, balance, upnl;
    dec_t free, locked, total;  /* stream record */
};

/* One ws-stream frame, parsed. */
struct sx_msg {
    enum sx_chan chan;
    int64_t seq;                /* -1 if absent */
    char symbol[SYM_MAX];       /* envelope symbol ("" for private channels) */
    union {
        struct sx_price price;
        struct sx_depth depth;
        struct sx_ptrade ptrade;
        struct venue_order order;
        struct venue_fill fill;
        struct venue_position position;
        struct sx_balance balance;
        struct { int code; char msg[96]; } auth;
    } u;
};

/* Whole ws-stream frame: text in, struct out.  SXP_ENODATA for frames without
 * channel+data (subscribe acks, 408 notices: *code set when present). */
int sxp_ws_frame(const char *txt, size_t len, struct sx_msg *out);

/* Individual payloads ("data" objects / REST rows). */
int sxp_price(const json_t *d, struct sx_price *out);
int sxp_depth(const json_t *d, struct sx_depth *out);
int sxp_public_trade(const json_t *d, struct sx_ptrade *out);
int sxp_order(const json_t *d, struct venue_order *out);
int sxp_trade(const json_t *d, struct venue_fill *out);
int sxp_position(const json_t *d, struct venue_position *out);
int sxp_balance(const json_t *d, struct sx_balance *out);
int sxp_symbol_info(const json_t *d, struct sym_info *out);
/* Auth ack data {code, msg}: SXP_OK if code is 0 or 200, else SXP_ESHAPE
 * (code -1 when missing / not numeric). */
int sxp_auth_ack(const json_t *d, int *code, char *msg, size_t cap);

/* REST response helpers (body text in). */
/* {code, message} object: code (0 if absent) and message ("" if absent).
 * SXP_EJSON if the body is not a JSON object (message gets a text excerpt). */
int sxp_api_result(const char *body, size_t len, int *code, char *msg, size_t cap);
/* A ws-api (order-response stream) frame {code, message, request_id}: SXP_OK
 * with all three (message may be ""), SXP_ESHAPE when code or request_id is
 * missing, SXP_EJSON when not a JSON object. */
int sxp_api_frame(const char *txt, size_t len, int *code, char *msg, size_t cap, char *rid,
                  size_t rcap);
/* Order list: {result:[…]} wrapper or a bare array.  *out malloc'd (free()). */
int sxp_order_list(const char *body, size_t len, struct venue_order **out, size_t *n);
int sxp_position_list(const char *body, size_t len, struct venue_position **out, size_t *n);
int sxp_symbol_list(const char *body, size_t len, struct sym_info **out, size_t *n);
int sxp_order_obj(const char *body, size_t len, struct venue_order *out);
int sxp_balance_obj(const char *body, size_t len, struct sx_balance *out);

/* Field helpers (exported for tests). */
int sxp_dec(const json_t *v, dec_t *out);            /* string or number */
int sxp_i64(const json_t *v, int64_t *out);          /* integer or digit string */
int sxp_time_ms(const json_t *v, int64_t *out);      /* RFC 3339 or epoch ms */
int sxp_status(const char *s, dec_t fill_qty, enum order_status *out);
/* JWT exp claim (middle segment, base64url, unverified). 0 ok, -1 on junk. */
int sxp_jwt_exp(const char *jwt, int64_t *exp_s);

#endif
