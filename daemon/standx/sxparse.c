/* sxparse — defensive StandX message parsers; decisions in sxparse.h. */
#include "sxparse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "codec.h"

/* ---- field helpers ---------------------------------------------------- */

int sxp_dec(const json_t *v, dec_t *out)
{
    if (!v) return -1;
    if (json_is_string(v)) return dec_parse_lenient(json_string_value(v), out);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i > DEC_MAX / DEC_ONE || i < -(DEC_MAX / DEC_ONE)) return -1;
        *out = (dec_t)i * DEC_ONE;
        return 0;
    }
    if (json_is_real(v)) {
        char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
        if (!txt) return -1;
        int rc = -1;
        if (!strpbrk(txt, "eEnN")) rc = dec_parse_lenient(txt, out);   /* no exponent / nan */
        free(txt);
        return rc;
    }
    return -1;
}

/* Optional decimal: absent, null or "" -> 0 (ok); junk -> -1. */
static int opt_dec(const json_t *o, const char *k, dec_t *out)
{
    const json_t *v = json_object_get(o, k);
    *out = 0;
    if (!v || json_is_null(v)) return 0;
    if (json_is_string(v) && json_string_value(v)[0] == 0) return 0;
    return sxp_dec(v, out);
}

static int req_dec(const json_t *o, const char *k, dec_t *out)
{
    return sxp_dec(json_object_get(o, k), out);
}

int sxp_i64(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) { *out = (int64_t)json_integer_value(v); return 0; }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!*s || strlen(s) > 19) return -1;
        for (const char *p = s; *p; p++)
            if (!isdigit((unsigned char)*p)) return -1;
        *out = (int64_t)strtoll(s, NULL, 10);
        return 0;
    }
    return -1;
}

int sxp_time_ms(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) { *out = (int64_t)json_integer_value(v); return 0; }
    if (json_is_string(v)) {
        int64_t us;
        if (clock_parse_rfc3339(json_string_value(v), &us) != 0) return -1;
        *out = us / 1000;
        return 0;
    }
    return -1;
}

/* Copies a required string field of bounded length. */
static int req_str(const json_t *o, const char *k, char *out, size_t cap)
{
    const char *s = json_string_value(json_object_get(o, k));
    if (!s || !*s || strlen(s) >= cap) return -1;
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

static void opt_str(const json_t *o, const char *k, char *out, size_t cap)
{
    const char *s = json_string_value(json_object_get(o, k));
    if (s && cap) snprintf(out, cap, "%s", s);
}

static int parse_side(const json_t *v, enum side *out)
{
    const char *s = json_string_value(v);
    if (!s) return -1;
    if (!strcasecmp(s, "buy")) { *out = SIDE_BUY; return 0; }
    if (!strcasecmp(s, "sell")) { *out = SIDE_SELL; return 0; }
    return -1;
}

int sxp_status(const char *s, dec_t fill_qty, enum order_status *out)
{
    if (!s) return -1;
    if (!strcmp(s, "new") || !strcmp(s, "open") || !strcmp(s, "untriggered"))
        *out = fill_qty > 0 ? OS_PARTIAL : OS_OPEN;
    else if (!strcmp(s, "partially_filled") || !strcmp(s, "partial_filled"))
        *out = OS_PARTIAL;
    else if (!strcmp(s, "filled"))
        *out = OS_FILLED;
    else if (!strcmp(s, "canceled") || !strcmp(s, "cancelled") || !strcmp(s, "expired"))
        *out = OS_CANCELED;
    else if (!strcmp(s, "rejected"))
        *out = OS_REJECTED;
    else
        return -1;
    return 0;
}

/* ---- market payloads -------------------------------------------------- */

int sxp_price(const json_t *d, struct sx_price *p)
{
    memset(p, 0, sizeof *p);
    if (!json_is_object(d)) return SXP_ESHAPE;
    if (req_str(d, "symbol", p->symbol, sizeof p->symbol) != 0) return SXP_ESHAPE;
    if (req_dec(d, "mark_price", &p->mark) != 0 || p->mark <= 0) return SXP_ESHAPE;
    if (opt_dec(d, "index_price", &p->index) || opt_dec(d, "last_price", &p->last) ||
        opt_dec(d, "mid_price", &p->mid))
        return SXP_ESHAPE;
    const json_t *sp = json_object_get(d, "spread");
    if (json_is_array(sp) && json_array_size(sp) == 2) {
        const json_t *b = json_array_get(sp, 0), *a = json_array_get(sp, 1);
        if (!json_is_null(b) && sxp_dec(b, &p->bid) != 0) return SXP_ESHAPE;
        if (!json_is_null(a) && sxp_dec(a, &p->ask) != 0) return SXP_ESHAPE;
    } else if (sp && !json_is_null(sp)) {
        return SXP_ESHAPE;
    } else if (opt_dec(d, "spread_bid", &p->bid) || opt_dec(d, "spread_ask", &p->ask)) {
        return SXP_ESHAPE;
    }
    const json_t *t = json_object_get(d, "time");
    if (t && sxp_time_ms(t, &p->time_ms) != 0) p->time_ms = 0;
    return SXP_OK;
}

static int cmp_desc(const void *a, const void *b)
{
    dec_t x = ((const struct md_level *)a)->px, y = ((const struct md_level *)b)->px;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_asc(const void *a, const void *b) { return -cmp_desc(a, b); }

/* Parses one side, sorts it best-first and keeps the best MD_MAX_LEVELS. */
static int parse_levels(const json_t *arr, bool bids, struct md_level *out, int *n)
{
    *n = 0;
    if (json_is_null(arr) || !arr) return 0;
    if (!json_is_array(arr)) return -1;
    size_t cnt = json_array_size(arr);
    if (cnt > 100000) return -1;
    struct md_level *tmp = malloc((cnt ? cnt : 1) * sizeof *tmp);
    if (!tmp) return -1;
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        const json_t *lv = json_array_get(arr, i);
        if (!json_is_array(lv) || json_array_size(lv) < 2) { free(tmp); return -1; }
        if (sxp_dec(json_array_get(lv, 0), &tmp[k].px) != 0 ||
            sxp_dec(json_array_get(lv, 1), &tmp[k].qty) != 0 || tmp[k].px <= 0 || tmp[k].qty < 0) {
            free(tmp);
            return -1;
        }
        if (tmp[k].qty > 0) k++;   /* zero-size levels carry no liquidity */
    }
    qsort(tmp, k, sizeof *tmp, bids ? cmp_desc : cmp_asc);
    *n = (int)(k < MD_MAX_LEVELS ? k : MD_MAX_LEVELS);
    memcpy(out, tmp, (size_t)*n * sizeof *tmp);
    free(tmp);
    return 0;
}

int sxp_depth(const json_t *d, struct sx_depth *p)
{
    memset(p, 0, sizeof *p);
    if (!json_is_object(d)) return SXP_ESHAPE;
    if (req_str(d, "symbol", p->symbol, sizeof p->symbol) != 0) return SXP_ESHAPE;
    const json_t *b = json_object_get(d, "bids"), *a = json_object_get(d, "asks");
    if (!b && !a) return SXP_ESHAPE;
    if (parse_levels(b, true, p->bids, &p->n_bids) != 0) return SXP_ESHAPE;
    if (parse_levels(a, false, p->asks, &p->n_asks) != 0) return SXP_ESHAPE;
    return SXP_OK;
}

int sxp_public_trade(const json_t *d, struct sx_ptrade *p)
{
    memset(p, 0, sizeof *p);
    if (!json_is_object(d)) return SXP_ESHAPE;
    if (req_str(d, "symbol", p->symbol, sizeof p->symbol) != 0) return SXP_ESHAPE;
    if (req_dec(d, "price", &p->price) != 0 || req_dec(d, "qty", &p->qty) != 0) return SXP_ESHAPE;
    const json_t *id = json_object_get(d, "id");
    if (id && sxp_i64(id, &p->id) != 0) return SXP_ESHAPE;
    const json_t *side = json_object_get(d, "side"), *ibt = json_object_get(d, "is_buyer_taker");
    if (side) {
        if (parse_side(side, &p->taker_side) != 0) return SXP_ESHAPE;
    } else if (json_is_boolean(ibt)) {
        p->taker_side = json_is_true(ibt) ? SIDE_BUY : SIDE_SELL;
    } else {
        return SXP_ESHAPE;
    }
    const json_t *t = json_object_get(d, "time");
    if (t && sxp_time_ms(t, &p->time_ms) != 0) return SXP_ESHAPE;
    return SXP_OK;
}

/* ---- account payloads ------------------------------------------------- */

static int parse_tif(const json_t *v, enum tif *out)
{
    const char *s = json_string_value(v);
    *out = TIF_GTC;
    if (!s) return 0;   /* optional */
    if (!strcasecmp(s, "gtc")) *out = TIF_GTC;
    else if (!strcasecmp(s, "ioc")) *out = TIF_IOC;
    else if (!strcasecmp(s, "alo")) *out = TIF_ALO;
    else if (!strcasecmp(s, "fok")) *out = TIF_IOC;
    else return -1;
    return 0;
}

int sxp_order(const json_t *d, struct venue_order *o)
{
    memset(o, 0, sizeof *o);
    if (!json_is_object(d)) return SXP_ESHAPE;
    if (sxp_i64(json_object_get(d, "id"), &o->id) != 0) return SXP_ESHAPE;
    opt_str(d, "cl_ord_id", o->cl_ord_id, sizeof o->cl_ord_id);
    if (req_str(d, "symbol", o->symbol, sizeof o->symbol) != 0) return SXP_ESHAPE;
    if (parse_side(json_object_get(d, "side"), &o->side) != 0) return SXP_ESHAPE;
    if (parse_tif(json_object_get(d, "time_in_force"), &o->tif) != 0) return SXP_ESHAPE;
    o->reduce_only = json_is_true(json_object_get(d, "reduce_only"));
    if (req_dec(d, "qty", &o->qty) != 0) return SXP_ESHAPE;
    if (opt_dec(d, "price", &o->price) || opt_dec(d, "fill_qty", &o->fill_qty) ||
        opt_dec(d, "fill_avg_price", &o->fill_avg_price))
        return SXP_ESHAPE;
    if (sxp_status(json_string_value(json_object_get(d, "status")), o->fill_qty, &o->status) != 0)
        return SXP_ESHAPE;
    opt_str(d, "remark", o->reason, sizeof o->reason);
    if (!o->reason[0]) opt_str(d, "reason", o->reason, sizeof o->reason);
    if (!o->reason[0]) opt_str(d, "message", o->reason, sizeof o->reason);
    return SXP_OK;
}

int sxp_trade(const json_t *d, struct venue_fill *f)
{
    memset(f, 0, sizeof *f);
    if (!json_is_object(d)) return SXP_ESHAPE;
    if (sxp_i64(json_object_get(d, "id"), &f->trade_id) != 0) return SXP_ESHAPE;
    if (sxp_i64(json_object_get(d, "order_id"), &f->order_id) != 0) return SXP_ESHAPE;
    if (req_str(d, "symbol", f->symbol, sizeof f->symbol) != 0) return SXP_ESHAPE;
    if (parse_side(json_object_get(d, "side"), &f->side) != 0) return SXP_ESHAPE;
    if (req_dec(d, "price", &f->price) != 0 || req_dec(d, "qty", &f->qty) != 0 || f->qty <= 0)
        return SXP_ESHAPE;
    if (opt_dec(d, "fee_qty", &f->fee) != 0) return SXP_ESHAPE;
    opt_str(d, "cl_ord_id", f->cl_ord_id, sizeof f->cl_ord_id);
    static const char *const tk[] = {"time", "created_at", "updated_at"};
    for (size_t i = 0; i < 3 && !f->time_ms; i++) {
        const json_t *t = json_object_get(d, tk[i]);
        if (t && sxp_time_ms(t, &f->time_ms) != 0) f->time_ms = 0;
    }
    return SXP_OK;
}

int sxp_position(const json_t *d, struct venue_position *p)
{
    memset(p, 0, sizeof *p);
    if (!json_is_object(d)) return SXP_ESHAPE;
    if (req_str(d, "symbol", p->symbol, sizeof p->symbol) != 0) return SXP_ESHAPE;
    if (req_dec(d, "qty", &p->qty) != 0) return SXP_ESHAPE;
    if (opt_dec(d, "entry_price", &p->entry_price) || opt_dec(d, "upnl", &p->upnl) ||
        opt_dec(d, "realized_pnl", &p->realized_pnl))
        return SXP_ESHAPE;
    /* an explicit short side with an unsigned qty */
    const char *side = json_string_value(json_object_get(d, "side"));
    if (side && (!strcasecmp(side, "sell") || !strcasecmp(side, "short")) && p->qty > 0)
        p->qty = -p->qty;
    return SXP_OK;
}

int sxp_balance(const json_t *d, struct sx_balance *b)
{
    memset(b, 0, sizeof *b);
    if (!json_is_object(d)) return SXP_ESHAPE;
    if (json_object_get(d, "equity")) {
        b->unified = true;
        if (req_dec(d, "equity", &b->equity) != 0) return SXP_ESHAPE;
        if (opt_dec(d, "cross_available", &b->available) || opt_dec(d, "balance", &b->balance) ||
            opt_dec(d, "upnl", &b->upnl) || opt_dec(d, "locked", &b->locked))
            return SXP_ESHAPE;
        return SXP_OK;
    }
    if (!json_object_get(d, "total") && !json_object_get(d, "free")) return SXP_ESHAPE;
    if (opt_dec(d, "free", &b->free) || opt_dec(d, "locked", &b->locked) ||
        opt_dec(d, "total", &b->total))
        return SXP_ESHAPE;
    return SXP_OK;
}

static int int_field(const json_t *o, const char *k, int *out)
{
    int64_t v;
    if (sxp_i64(json_object_get(o, k), &v) != 0 || v < 0 || v > 9) return -1;
    *out = (int)v;
    return 0;
}

int sxp_symbol_info(const json_t *d, struct sym_info *s)
{
    memset(s, 0, sizeof *s);
    if (!json_is_object(d)) return SXP_ESHAPE;
    if (req_str(d, "symbol", s->symbol, sizeof s->symbol) != 0) return SXP_ESHAPE;
    if (int_field(d, "price_tick_decimals", &s->price_decimals) != 0 ||
        int_field(d, "qty_tick_decimals", &s->qty_decimals) != 0)
        return SXP_ESHAPE;
    s->tick = dec_step(s->price_decimals);
    s->lot = dec_step(s->qty_decimals);
    if (opt_dec(d, "min_order_qty", &s->min_qty) || opt_dec(d, "max_order_qty", &s->max_qty))
        return SXP_ESHAPE;
    if (s->min_qty <= 0) s->min_qty = s->lot;
    const char *st = json_string_value(json_object_get(d, "status"));
    const json_t *en = json_object_get(d, "enabled");
    if (st) s->trading = !strcmp(st, "trading");
    else s->trading = json_is_true(en);
    return SXP_OK;
}

int sxp_auth_ack(const json_t *d, int *code, char *msg, size_t cap)
{
    *code = -1;
    if (msg && cap) msg[0] = 0;
    if (!json_is_object(d)) return SXP_ESHAPE;
    const json_t *c = json_object_get(d, "code");
    if (msg) {
        opt_str(d, "msg", msg, cap);
        if (!msg[0]) opt_str(d, "message", msg, cap);
    }
    if (!json_is_integer(c)) return SXP_ESHAPE;
    *code = (int)json_integer_value(c);
    return (*code == 0 || *code == 200) ? SXP_OK : SXP_ESHAPE;
}

/* ---- frames ----------------------------------------------------------- */

static enum sx_chan chan_of(const char *s)
{
    static const struct { const char *n; enum sx_chan c; } t[] = {
        {"auth", SXC_AUTH},   {"price", SXC_PRICE}, {"depth_book", SXC_DEPTH},
        {"public_trade", SXC_PTRADE}, {"order", SXC_ORDER}, {"trade", SXC_TRADE},
        {"position", SXC_POSITION}, {"balance", SXC_BALANCE}};
    for (size_t i = 0; s && i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(s, t[i].n)) return t[i].c;
    return SXC_NONE;
}

static int parse_payload(enum sx_chan c, const json_t *d, struct sx_msg *m)
{
    switch (c) {
    case SXC_PRICE: return sxp_price(d, &m->u.price);
    case SXC_DEPTH: return sxp_depth(d, &m->u.depth);
    case SXC_PTRADE: return sxp_public_trade(d, &m->u.ptrade);
    case SXC_ORDER: return sxp_order(d, &m->u.order);
    case SXC_TRADE: return sxp_trade(d, &m->u.fill);
    case SXC_POSITION: return sxp_position(d, &m->u.position);
    case SXC_BALANCE: return sxp_balance(d, &m->u.balance);
    case SXC_AUTH:
        sxp_auth_ack(d, &m->u.auth.code, m->u.auth.msg, sizeof m->u.auth.msg);
        return m->u.auth.code == -1 ? SXP_ESHAPE : SXP_OK;   /* caller judges the code */
    case SXC_NONE: break;
    }
    return SXP_ENODATA;
}

int sxp_ws_frame(const char *txt, size_t len, struct sx_msg *m)
{
    memset(m, 0, sizeof *m);
    m->seq = -1;
    json_error_t e;
    json_t *root = json_loadb(txt, len, 0, &e);
    if (!json_is_object(root)) { json_decref(root); return SXP_EJSON; }
    const json_t *ch = json_object_get(root, "channel"), *d = json_object_get(root, "data");
    int rc;
    if (!json_is_string(ch) || !d) {
        rc = SXP_ENODATA;
        const json_t *code = json_object_get(root, "code");
        if (json_is_integer(code)) {
            m->u.auth.code = (int)json_integer_value(code);
            opt_str(root, "message", m->u.auth.msg, sizeof m->u.auth.msg);
        }
    } else {
        m->chan = chan_of(json_string_value(ch));
        opt_str(root, "symbol", m->symbol, sizeof m->symbol);
        const json_t *seq = json_object_get(root, "seq");
        if (seq && sxp_i64(seq, &m->seq) != 0) m->seq = -1;
        rc = parse_payload(m->chan, d, m);
        if (rc == SXP_OK && !m->symbol[0]) {
            const char *sym = m->chan == SXC_PRICE    ? m->u.price.symbol
                              : m->chan == SXC_DEPTH  ? m->u.depth.symbol
                              : m->chan == SXC_PTRADE ? m->u.ptrade.symbol
                                                      : "";
            snprintf(m->symbol, sizeof m->symbol, "%s", sym);
        }
    }
    json_decref(root);
    return rc;
}

/* ---- REST bodies ------------------------------------------------------ */

int sxp_api_result(const char *body, size_t len, int *code, char *msg, size_t cap)
{
    *code = 0;
    if (cap) msg[0] = 0;
    json_error_t e;
    json_t *root = body ? json_loadb(body, len, 0, &e) : NULL;
    if (!json_is_object(root)) {
        if (cap && body) {
            size_t n = len < cap - 1 ? len : cap - 1;
            for (size_t i = 0; i < n; i++)
                msg[i] = isprint((unsigned char)body[i]) ? body[i] : ' ';
            msg[n] = 0;
        }
        json_decref(root);
        return SXP_EJSON;
    }
    const json_t *c = json_object_get(root, "code");
    if (json_is_integer(c)) *code = (int)json_integer_value(c);
    opt_str(root, "message", msg, cap);
    if (cap && !msg[0]) opt_str(root, "msg", msg, cap);
    json_decref(root);
    return SXP_OK;
}

int sxp_api_frame(const char *txt, size_t len, int *code, char *msg, size_t cap, char *rid,
                  size_t rcap)
{
    *code = 0;
    if (cap) msg[0] = 0;
    if (rcap) rid[0] = 0;
    json_t *root = txt ? json_loadb(txt, len, 0, NULL) : NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        return SXP_EJSON;
    }
    const json_t *c = json_object_get(root, "code");
    const char *r = json_string_value(json_object_get(root, "request_id"));
    int rc = json_is_integer(c) && r && *r && strlen(r) < rcap ? SXP_OK : SXP_ESHAPE;
    if (json_is_integer(c)) *code = (int)json_integer_value(c);
    if (r && rcap) snprintf(rid, rcap, "%s", r);
    opt_str(root, "message", msg, cap);
    json_decref(root);
    return rc;
}

static json_t *load_list(const char *body, size_t len, json_t **root)
{
    json_error_t e;
    *root = body ? json_loadb(body, len, 0, &e) : NULL;
    if (json_is_array(*root)) return *root;
    if (json_is_object(*root)) {
        json_t *r = json_object_get(*root, "result");
        if (json_is_array(r)) return r;
    }
    return NULL;
}

typedef int (*row_fn)(const json_t *d, void *out);

/* Parses every row with fn into a malloc'd array; a bad row fails the list
 * (a partial picture of open orders or positions would be worse than none). */
static int parse_list(const char *body, size_t len, row_fn fn, size_t elsz, void **out, size_t *n)
{
    json_t *root;
    *out = NULL;
    *n = 0;
    json_t *arr = load_list(body, len, &root);
    if (!arr) { json_decref(root); return root ? SXP_ESHAPE : SXP_EJSON; }
    size_t cnt = json_array_size(arr);
    char *buf = calloc(cnt ? cnt : 1, elsz);
    if (!buf) { json_decref(root); return SXP_ESHAPE; }
    for (size_t i = 0; i < cnt; i++) {
        if (fn(json_array_get(arr, i), buf + i * elsz) != SXP_OK) {
            free(buf);
            json_decref(root);
            return SXP_ESHAPE;
        }
    }
    json_decref(root);
    *out = buf;
    *n = cnt;
    return SXP_OK;
}

int sxp_order_list(const char *body, size_t len, struct venue_order **out, size_t *n)
{
    return parse_list(body, len, (row_fn)sxp_order, sizeof **out, (void **)out, n);
}

int sxp_position_list(const char *body, size_t len, struct venue_position **out, size_t *n)
{
    return parse_list(body, len, (row_fn)sxp_position, sizeof **out, (void **)out, n);
}

/* Symbol lists skip malformed rows instead (one odd market must not stop us). */
int sxp_symbol_list(const char *body, size_t len, struct sym_info **out, size_t *n)
{
    json_t *root;
    *out = NULL;
    *n = 0;
    json_t *arr = load_list(body, len, &root);
    if (!arr) { json_decref(root); return root ? SXP_ESHAPE : SXP_EJSON; }
    size_t cnt = json_array_size(arr), k = 0;
    struct sym_info *buf = calloc(cnt ? cnt : 1, sizeof *buf);
    if (!buf) { json_decref(root); return SXP_ESHAPE; }
    for (size_t i = 0; i < cnt; i++)
        if (sxp_symbol_info(json_array_get(arr, i), &buf[k]) == SXP_OK) k++;
    json_decref(root);
    *out = buf;
    *n = k;
    return SXP_OK;
}

static int parse_obj(const char *body, size_t len, row_fn fn, void *out)
{
    json_error_t e;
    json_t *root = body ? json_loadb(body, len, 0, &e) : NULL;
    if (!json_is_object(root)) { json_decref(root); return SXP_EJSON; }
    json_t *d = root, *r = json_object_get(root, "result");
    if (json_is_object(r)) d = r;
    else if (json_is_object(json_object_get(root, "data"))) d = json_object_get(root, "data");
    int rc = fn(d, out);
    json_decref(root);
    return rc;
}

int sxp_order_obj(const char *body, size_t len, struct venue_order *out)
{
    return parse_obj(body, len, (row_fn)sxp_order, out);
}

int sxp_balance_obj(const char *body, size_t len, struct sx_balance *out)
{
    return parse_obj(body, len, (row_fn)sxp_balance, out);
}

/* ---- JWT -------------------------------------------------------------- */

int sxp_jwt_exp(const char *jwt, int64_t *exp_s)
{
    if (!jwt) return -1;
    const char *a = strchr(jwt, '.');
    const char *b = a ? strchr(a + 1, '.') : NULL;
    if (!a || !b || b - a - 1 <= 0 || b - a - 1 > 8192) return -1;
    size_t n = (size_t)(b - a - 1);
    uint8_t *buf = malloc(n);
    if (!buf) return -1;
    int got = b64_decode(a + 1, n, buf, n);
    int rc = -1;
    if (got > 0) {
        json_error_t e;
        json_t *root = json_loadb((const char *)buf, (size_t)got, 0, &e);
        const json_t *exp = json_object_get(root, "exp");
        if (json_is_integer(exp)) { *exp_s = (int64_t)json_integer_value(exp); rc = 0; }
        else if (json_is_real(exp)) { *exp_s = (int64_t)json_real_value(exp); rc = 0; }
        json_decref(root);
    }
    free(buf);
    return rc;
}
