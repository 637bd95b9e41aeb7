/* orders — order entry and matching of the standx-sim core: validation with
 * StandX-like messages, injected rejections, reduce-only caps, ALO
 * rejection, price-time matching of takers against user resting orders and
 * the synthetic book (user orders first at equal price), IOC/market
 * remainder cancel, fills with fees and position/PnL accounting, cancels,
 * order queries and bounded histories. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_core_int.h"

static dec_t dabs(dec_t v) { return v < 0 ? -v : v; }
static dec_t dmin(dec_t a, dec_t b) { return a < b ? a : b; }

__attribute__((format(printf, 3, 4)))
static int bad(char *err, size_t len, const char *fmt, ...)
{
    if (err && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ------------------------------------------------------------ containers */

static int ptr_grow(sim_order ***v, size_t *cap, size_t n)
{
    if (n < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    sim_order **nv = realloc(*v, nc * sizeof *nv);
    if (!nv) return -1;
    *v = nv;
    *cap = nc;
    return 0;
}

static void ptr_remove(sim_order **v, size_t *n, const sim_order *o)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i] == o) {
            memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof *v);
            (*n)--;
            return;
        }
}

static sim_uside *side_of(sim_mkt *m, sim_side s) { return s == SIM_BUY ? &m->ub : &m->ua; }

/* Inserts after every order at a better or equal price (time priority). */
static int uside_insert(sim_uside *s, sim_order *o)
{
    if (ptr_grow(&s->v, &s->cap, s->n) != 0) return -1;
    bool bid = o->side == SIM_BUY;
    size_t i = 0;
    while (i < s->n && (bid ? s->v[i]->price >= o->price : s->v[i]->price <= o->price)) i++;
    memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof *s->v);
    s->v[i] = o;
    s->n++;
    return 0;
}

/* The rings are allocated on first use; on allocation failure the entry is lost. */
static void hist_push(sim_acct *a, const sim_order *o)
{
    if (!a->hist && !(a->hist = calloc(SIM_HISTORY_MAX, sizeof *a->hist))) return;
    a->hist[a->hist_head] = *o;
    a->hist_head = (a->hist_head + 1) % SIM_HISTORY_MAX;
    if (a->hist_n < SIM_HISTORY_MAX) a->hist_n++;
}

static const sim_order *hist_at(const sim_acct *a, size_t k) /* k = 0 newest */
{
    return &a->hist[(a->hist_head + SIM_HISTORY_MAX - 1 - k) % SIM_HISTORY_MAX];
}

static void trade_push(sim_acct *a, const sim_trade *t)
{
    if (!a->trades && !(a->trades = calloc(SIM_HISTORY_MAX, sizeof *a->trades))) return;
    a->trades[a->tr_head] = *t;
    a->tr_head = (a->tr_head + 1) % SIM_HISTORY_MAX;
    if (a->tr_n < SIM_HISTORY_MAX) a->tr_n++;
}

static bool id_match(const sim_order *o, int64_t id, const char *clid)
{
    return id > 0 ? o->id == id : (clid && clid[0] && !strcmp(o->cl_ord_id, clid));
}

static sim_order *live_find(const sim_acct *a, int64_t id, const char *clid)
{
    for (size_t i = 0; i < a->nlive; i++)
        if (id_match(a->live[i], id, clid)) return a->live[i];
    return NULL;
}

static const sim_order *hist_find(const sim_acct *a, int64_t id, const char *clid)
{
    for (size_t k = 0; k < a->hist_n; k++)
        if (id_match(hist_at(a, k), id, clid)) return hist_at(a, k);
    return NULL;
}

/* ------------------------------------------------------------ order state */

static void refresh(sim_order *o)
{
    o->avail_locked = sim_order_locked(o);
    o->margin = o->leverage > 0 ? dec_mul(o->fill_qty, o->fill_avg_price) / o->leverage : 0;
}

static void emit_order(sim_engine *e, const sim_order *o)
{
    sim_event *ev = sim_q_push(e, SIM_EV_ORDER, o->account, o->symbol);
    ev->u.order = *o;
}

/* Ends an order: out of book and live list, into history, one ORDER event, freed. */
static void finish(sim_engine *e, sim_mkt *m, sim_acct *a, sim_order *o, sim_status st, const char *why,
                   int64_t now_us)
{
    o->status = st;
    if (why) snprintf(o->reason, sizeof o->reason, "%s", why);
    o->updated_us = o->closed_us = now_us;
    refresh(o);
    sim_uside *s = side_of(m, o->side);
    ptr_remove(s->v, &s->n, o);
    ptr_remove(a->live, &a->nlive, o);
    hist_push(a, o);
    emit_order(e, o);
    if (st == SIM_CANCELED) e->st.cancels++;
    if (st == SIM_REJECTED) e->st.rejects++;
    free(o);
}

/* ------------------------------------------------------------ fills */

/* Applies an execution to a position; returns the realized PnL. */
static dec_t pos_apply(sim_pos *p, sim_side side, dec_t px, dec_t q)
{
    dec_t d = side == SIM_BUY ? q : -q, old = p->qty, realized = 0;
    if (old == 0 || (old > 0) == (d > 0)) {
        p->entry = dec_div(dec_mul(dabs(old), p->entry) + dec_mul(q, px), dabs(old) + q);
    } else {
        realized = dec_mul(dmin(q, dabs(old)), px - p->entry);
        if (old < 0) realized = -realized;
        if (q > dabs(old)) p->entry = px;
        else if (q == dabs(old)) p->entry = 0;
    }
    p->qty = old + d;
    p->realized += realized;
    return realized;
}

/* What a (reduce-only) order may still execute given the position. */
static dec_t ro_cap(const sim_acct *a, int idx, const sim_order *o)
{
    dec_t rem = o->qty - o->fill_qty;
    if (!o->reduce_only) return rem;
    dec_t pq = a->pos[idx].qty;
    return dmin(rem, o->side == SIM_SELL ? (pq > 0 ? pq : 0) : (pq < 0 ? -pq : 0));
}

static void record_trade(sim_engine *e, sim_acct *a, const sim_order *o, dec_t px, dec_t q, dec_t fee,
                         dec_t pnl, bool maker, int64_t now_us)
{
    sim_trade t;
    memset(&t, 0, sizeof t);
    t.id = e->next_tid++;
    t.order_id = o->id;
    memcpy(t.cl_ord_id, o->cl_ord_id, SIM_CLID_MAX);
    memcpy(t.symbol, o->symbol, SIM_SYM_MAX);
    memcpy(t.account, o->account, SIM_ACCT_MAX);
    t.side = o->side;
    t.price = px;
    t.qty = q;
    t.value = dec_mul(px, q);
    t.fee = fee;
    t.pnl = pnl;
    t.maker = maker;
    t.time_us = now_us;
    trade_push(a, &t);
    sim_event *ev = sim_q_push(e, SIM_EV_TRADE, o->account, o->symbol);
    ev->u.trade = t;
}

/* One execution: TRADE, ORDER, POSITION, BALANCE events.  Returns 1 if the
 * order is still live, 0 if it filled (and was freed). */
static int execute(sim_engine *e, sim_mkt *m, sim_order *o, dec_t px, dec_t q, bool maker, int64_t now_us)
{
    int idx = (int)(m - e->m);
    sim_acct *a = sim_acct_find(e, o->account);
    sim_pos *p = sim_pos_touch(e, a, idx, now_us);
    dec_t pnl = pos_apply(p, o->side, px, q);
    p->updated_us = now_us;
    dec_t notional = dec_mul(px, q);
    dec_t fee = dec_mul(notional, maker ? m->sym.cfg.maker_fee : m->sym.cfg.taker_fee);
    a->balance += pnl - fee;
    a->realized += pnl;
    a->fees += fee;
    a->updated_us = now_us;
    dec_t nf = o->fill_qty + q;
    o->fill_avg_price = dec_div(dec_mul(o->fill_qty, o->fill_avg_price) + notional, nf);
    o->fill_qty = nf;
    o->updated_us = now_us;
    o->position_id = p->id;
    record_trade(e, a, o, px, q, fee, pnl, maker, now_us);
    if (!maker) sim_mkt_public_trade(e, m, o->side, px, q, false, now_us);
    else if (!e->in_take) sim_mkt_public_trade(e, m, o->side == SIM_BUY ? SIM_SELL : SIM_BUY, px, q, false, now_us);
    e->st.fills++;
    int live = 1;
    if (o->fill_qty >= o->qty) {
        finish(e, m, a, o, SIM_FILLED, NULL, now_us);
        live = 0;
    } else {
        refresh(o);
        emit_order(e, o);
    }
    sim_emit_position(e, a, idx);
    sim_emit_balance(e, a);
    return live;
}

int sim_fill_maker(sim_engine *e, sim_mkt *m, sim_order *o, dec_t qty, int64_t now_us)
{
    sim_acct *a = sim_acct_find(e, o->account);
    dec_t q = dmin(qty, ro_cap(a, (int)(m - e->m), o));
    if (q <= 0) {
        finish(e, m, a, o, SIM_CANCELED, "reduce only order canceled", now_us);
        sim_emit_balance(e, a);
        return 0;
    }
    return execute(e, m, o, o->price, q, true, now_us);
}

/* ------------------------------------------------------------ matching */

static int first_level(const sim_level *lv, int n)
{
    for (int i = 0; i < n; i++)
        if (lv[i].qty > 0) return i;
    return -1;
}

/* Takes liquidity for the incoming order o (not in the book), best price
 * first, user orders before synthetic ones at an equal price.  Returns 1 if
 * o is still live (remainder), 0 if it filled. */
static int take(sim_engine *e, sim_mkt *m, sim_acct *a, sim_order *o, int64_t now_us)
{
    bool buy = o->side == SIM_BUY;
    sim_uside *us = buy ? &m->ua : &m->ub;
    sim_level *sl = buy ? m->sa : m->sb;
    int nsl = buy ? m->nsa : m->nsb, idx = (int)(m - e->m);
    for (int guard = 0; guard < 1000000; guard++) {
        dec_t want = ro_cap(a, idx, o);
        if (want <= 0) return 1;
        sim_order *mk = us->n ? us->v[0] : NULL;
        int li = first_level(sl, nsl);
        if (!mk && li < 0) return 1;
        bool user = mk && (li < 0 || (buy ? mk->price <= sl[li].price : mk->price >= sl[li].price));
        dec_t px = user ? mk->price : sl[li].price;
        if (o->type == SIM_LIMIT && (buy ? px > o->price : px < o->price)) return 1;
        dec_t q;
        if (user) {
            q = dmin(want, ro_cap(sim_acct_find(e, mk->account), idx, mk));
            sim_fill_maker(e, m, mk, q, now_us); /* q == 0 cancels a stale reduce-only maker */
            if (q <= 0) continue;
        } else {
            q = dmin(want, sl[li].qty);
            sl[li].qty -= q;
        }
        if (!execute(e, m, o, px, q, false, now_us)) return 0;
    }
    return 1;
}

static bool alo_crosses(const sim_mkt *m, const sim_order *o)
{
    dec_t bid, ask;
    sim_best(m, &bid, &ask);
    return o->side == SIM_BUY ? (ask && o->price >= ask) : (bid && o->price <= bid);
}

/* Room left for a new reduce-only order: position minus other pending ones. */
static dec_t ro_room(const sim_acct *a, int idx, const sim_order *o)
{
    dec_t pq = a->pos[idx].qty;
    dec_t room = o->side == SIM_SELL ? (pq > 0 ? pq : 0) : (pq < 0 ? -pq : 0);
    for (size_t i = 0; i < a->nlive; i++) {
        const sim_order *x = a->live[i];
        if (x->reduce_only && x->side == o->side && !strcmp(x->symbol, o->symbol)) room -= x->qty - x->fill_qty;
    }
    return room;
}

static const char *admission_check(sim_engine *e, sim_mkt *m, sim_acct *a, sim_order *o)
{
    if (e->reject_n > 0) {
        e->reject_n--;
        return e->reject_msg;
    }
    if (o->reduce_only) {
        dec_t room = dec_round(ro_room(a, (int)(m - e->m), o), m->sym.lot, DEC_FLOOR);
        if (room <= 0) return "reduce only order rejected";
        if (o->qty > room) o->qty = room;
    }
    if (o->tif == SIM_ALO && alo_crosses(m, o)) return "alo order rejected";
    return NULL;
}

static void admit(sim_engine *e, sim_mkt *m, sim_acct *a, sim_order *o, int64_t now_us)
{
    const char *why = admission_check(e, m, a, o);
    if (why) {
        finish(e, m, a, o, SIM_REJECTED, why, now_us);
        return;
    }
    refresh(o);
    emit_order(e, o);
    e->in_take = true;
    int live = take(e, m, a, o, now_us);
    e->in_take = false;
    if (!live) return;
    if (o->tif == SIM_IOC) {
        finish(e, m, a, o, SIM_CANCELED, NULL, now_us);
    } else if (ptr_grow(&a->live, &a->caplive, a->nlive) != 0 || uside_insert(side_of(m, o->side), o) != 0) {
        finish(e, m, a, o, SIM_CANCELED, "out of memory", now_us);
    } else {
        a->live[a->nlive++] = o;
        refresh(o);
    }
    sim_emit_balance(e, a);
}

/* ------------------------------------------------------------ validation */

typedef struct preq {
    int idx;
    sim_side side;
    sim_otype type;
    sim_tif tif;
    dec_t qty, price;
} preq;

static int parse_enums(const sim_order_req *r, preq *p, char *err, size_t len)
{
    if (!r->side || !r->side[0]) return bad(err, len, "side is required");
    if (!strcmp(r->side, "buy")) p->side = SIM_BUY;
    else if (!strcmp(r->side, "sell")) p->side = SIM_SELL;
    else return bad(err, len, "invalid side");
    if (!r->order_type || !r->order_type[0]) return bad(err, len, "order_type is required");
    if (!strcmp(r->order_type, "limit")) p->type = SIM_LIMIT;
    else if (!strcmp(r->order_type, "market")) p->type = SIM_MARKET;
    else return bad(err, len, "invalid order_type");
    const char *t = r->time_in_force;
    if (!t || !t[0]) p->tif = p->type == SIM_MARKET ? SIM_IOC : SIM_GTC;
    else if (!strcmp(t, "gtc")) p->tif = SIM_GTC;
    else if (!strcmp(t, "ioc")) p->tif = SIM_IOC;
    else if (!strcmp(t, "alo")) p->tif = SIM_ALO;
    else return bad(err, len, "invalid time_in_force");
    if (p->type == SIM_MARKET && p->tif == SIM_ALO) return bad(err, len, "invalid time_in_force for market order");
    if (p->type == SIM_MARKET) p->tif = SIM_IOC;
    return 0;
}

static int parse_amounts(const sim_mkt *m, const sim_order_req *r, preq *p, char *err, size_t len)
{
    const sim_symbol *s = &m->sym;
    char b[32];
    if (!r->qty || !r->qty[0]) return bad(err, len, "qty is required");
    if (dec_parse(r->qty, &p->qty) != 0 || p->qty <= 0) return bad(err, len, "invalid qty");
    if (p->qty % s->lot) return bad(err, len, "qty not on lot (step %s)", dec_str(s->lot, b, sizeof b));
    if (p->qty < s->cfg.min_qty)
        return bad(err, len, "qty below min_order_qty %s", dec_str(s->cfg.min_qty, b, sizeof b));
    if (p->qty > s->cfg.max_qty)
        return bad(err, len, "qty above max_order_qty %s", dec_str(s->cfg.max_qty, b, sizeof b));
    if (p->type == SIM_MARKET) {
        p->price = m->mark;
        return 0;
    }
    if (!r->price || !r->price[0]) return bad(err, len, "price is required for limit order");
    if (dec_parse(r->price, &p->price) != 0 || p->price <= 0) return bad(err, len, "invalid price");
    if (p->price % s->tick) return bad(err, len, "price not on tick (%s)", dec_str(s->tick, b, sizeof b));
    dec_t band = dec_mul_f(m->mark, s->price_cap_ratio);
    if (p->price > m->mark + band || p->price < m->mark - band) return bad(err, len, "price out of range");
    return 0;
}

/* cl_ord_id length (cl_ord_id_max) and, when strict, charset [A-Za-z0-9._-]. */
static int clid_check(const sim_switches *w, const char *id, char *err, size_t len)
{
    if (!id) return 0;
    int max = w->cl_ord_id_max > 0 && w->cl_ord_id_max < SIM_CLID_MAX ? w->cl_ord_id_max : SIM_CLID_MAX - 1;
    if (strlen(id) > (size_t)max) return bad(err, len, "cl_ord_id too long (max %d characters)", max);
    for (const char *p = id; w->cl_ord_id_strict && *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '.' || ch == '_' || ch == '-';
        if (!ok) return bad(err, len, "cl_ord_id has invalid characters (allowed: A-Z a-z 0-9 . _ -)");
    }
    return 0;
}

static int validate(const sim_engine *e, const sim_acct *a, const sim_order_req *r, preq *p, char *err,
                    size_t len)
{
    if (!r->symbol || !r->symbol[0]) return bad(err, len, "symbol is required");
    if ((p->idx = sim_mkt_index(e, r->symbol)) < 0) return bad(err, len, "unknown symbol");
    if (parse_enums(r, p, err, len) != 0) return -1;
    if (parse_amounts(&e->m[p->idx], r, p, err, len) != 0) return -1;
    if (clid_check(&e->sc.sw, r->cl_ord_id, err, len) != 0) return -1;
    if (r->cl_ord_id && r->cl_ord_id[0] && live_find(a, 0, r->cl_ord_id)) return bad(err, len, "duplicate cl_ord_id");
    if (p->tif == SIM_IOC) return 0; /* never rests */
    int open = 0;
    for (size_t i = 0; i < a->nlive; i++) open += !strcmp(a->live[i]->symbol, r->symbol);
    if (open >= e->m[p->idx].sym.cfg.max_open_orders) return bad(err, len, "max open orders exceeded");
    return 0;
}

/* 26-char Crockford base32 ULID: 48-bit ms time + 80 bits from the seed. */
static void gen_clid(sim_engine *e, int64_t now_us, char *out)
{
    static const char al[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint64_t t = (uint64_t)(now_us / 1000);
    for (int i = 9; i >= 0; i--, t >>= 5) out[i] = al[t & 31];
    uint64_t x = (e->sc.seed ^ ++e->ulid_ctr) * 0x9E3779B97F4A7C15ULL;
    for (int i = 10; i < 26; i++) {
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9ULL;
        out[i] = al[(x >> 40) & 31];
    }
    out[26] = 0;
}

/* ------------------------------------------------------------ public API */

int sim_order_new(sim_engine *e, const char *account, const sim_order_req *req, int64_t now_us, sim_order *out,
                  char *err, size_t errlen)
{
    preq p;
    memset(&p, 0, sizeof p);
    sim_acct *a = sim_acct_get(e, account);
    if (!a) return bad(err, errlen, "invalid account");
    if (!req) return bad(err, errlen, "invalid request");
    if (validate(e, a, req, &p, err, errlen) != 0) return -1;
    sim_mkt *m = &e->m[p.idx];
    sim_order *o = calloc(1, sizeof *o);
    if (!o) return bad(err, errlen, "out of memory");
    o->id = e->next_oid++;
    if (req->cl_ord_id && req->cl_ord_id[0]) snprintf(o->cl_ord_id, sizeof o->cl_ord_id, "%s", req->cl_ord_id);
    else gen_clid(e, now_us, o->cl_ord_id);
    memcpy(o->symbol, m->sym.cfg.name, SIM_SYM_MAX);
    snprintf(o->account, sizeof o->account, "%s", a->name);
    o->side = p.side;
    o->type = p.type;
    o->tif = p.tif;
    o->reduce_only = req->reduce_only;
    o->price = p.price;
    o->qty = p.qty;
    o->status = SIM_OPEN;
    o->leverage = sim_pos_leverage(e, a, p.idx);
    o->position_id = a->pos[p.idx].used ? a->pos[p.idx].id : 0;
    o->created_us = o->updated_us = now_us;
    e->st.orders++;
    int64_t id = o->id;
    admit(e, m, a, o, now_us);
    if (out) sim_order_find(e, account, id, NULL, out);
    return 0;
}

int sim_order_cancel(sim_engine *e, const char *account, int64_t order_id, const char *cl_ord_id, int64_t now_us,
                     sim_order *out, char *err, size_t errlen)
{
    if (order_id <= 0 && (!cl_ord_id || !cl_ord_id[0])) return bad(err, errlen, "order_id or cl_ord_id is required");
    sim_acct *a = sim_acct_find(e, account);
    sim_order *o = a ? live_find(a, order_id, cl_ord_id) : NULL;
    if (!o) {
        const sim_order *h = a ? hist_find(a, order_id, cl_ord_id) : NULL;
        if (!h) return bad(err, errlen, "order not found");
        double race = e->sc.sw.cancel_race_s;
        if (race > 0 && h->closed_us > now_us - (int64_t)(race * 1e6)) return bad(err, errlen, "order is not open");
        return bad(err, errlen, "order already closed");
    }
    int64_t id = o->id;
    finish(e, &e->m[sim_mkt_index(e, o->symbol)], a, o, SIM_CANCELED, NULL, now_us);
    sim_emit_balance(e, a);
    if (out) sim_order_find(e, account, id, NULL, out);
    return 0;
}

int sim_admin_force_fill(sim_engine *e, int64_t order_id, dec_t qty, int64_t now_us, char *err, size_t errlen)
{
    for (size_t i = 0; i < e->nacct; i++) {
        sim_order *o = live_find(e->acct[i], order_id, NULL);
        if (!o) continue;
        sim_mkt *m = &e->m[sim_mkt_index(e, o->symbol)];
        dec_t rem = o->qty - o->fill_qty;
        if (qty == 0) qty = rem;
        if (qty < 0 || qty > rem || qty % m->sym.lot) return bad(err, errlen, "invalid qty");
        sim_fill_maker(e, m, o, qty, now_us);
        return 0;
    }
    for (size_t i = 0; i < e->nacct; i++)
        if (hist_find(e->acct[i], order_id, NULL)) return bad(err, errlen, "order already closed");
    return bad(err, errlen, "order not found");
}

/* ------------------------------------------------------------ queries */

int sim_order_find(const sim_engine *e, const char *account, int64_t order_id, const char *cl_ord_id,
                   sim_order *out)
{
    const sim_acct *a = sim_acct_find(e, account);
    if (!a) return -1;
    const sim_order *o = live_find(a, order_id, cl_ord_id);
    if (!o) o = hist_find(a, order_id, cl_ord_id);
    if (!o) return -1;
    if (out) *out = *o;
    return 0;
}

static bool sym_ok(const sim_order *o, const char *symbol)
{
    return !symbol || !symbol[0] || !strcmp(o->symbol, symbol);
}

size_t sim_open_orders(const sim_engine *e, const char *account, const char *symbol, sim_order *out, size_t max)
{
    const sim_acct *a = sim_acct_find(e, account);
    size_t n = 0;
    for (size_t i = 0; a && i < a->nlive; i++) {
        if (!sym_ok(a->live[i], symbol)) continue;
        if (n < max) out[n] = *a->live[i];
        n++;
    }
    return n;
}

size_t sim_open_orders_lagged(const sim_engine *e, const char *account, const char *symbol, double lag_s,
                              int64_t now_us, sim_order *out, size_t max)
{
    size_t n = sim_open_orders(e, account, symbol, out, max);
    const sim_acct *a = sim_acct_find(e, account);
    int64_t since = now_us - (int64_t)(lag_s * 1e6);
    for (size_t k = 0; a && k < a->hist_n; k++) {
        const sim_order *o = hist_at(a, k);
        if (o->closed_us <= since || o->status == SIM_REJECTED || !sym_ok(o, symbol)) continue;
        if (o->type == SIM_MARKET || o->tif == SIM_IOC) continue; /* never rested */
        if (n < max) {
            out[n] = *o;
            out[n].status = SIM_OPEN;
            out[n].closed_us = 0;
        }
        n++;
    }
    return n;
}

size_t sim_open_orders_view(const sim_engine *e, const char *account, const char *symbol, double closed_lag_s,
                            double new_lag_s, int64_t now_us, sim_order *out, size_t max)
{
    const sim_acct *a = sim_acct_find(e, account);
    int64_t born_by = now_us - (int64_t)(new_lag_s * 1e6), closed_after = now_us - (int64_t)(closed_lag_s * 1e6);
    size_t n = 0;
    for (size_t i = 0; a && i < a->nlive; i++) {
        const sim_order *o = a->live[i];
        if (!sym_ok(o, symbol) || (new_lag_s > 0 && o->created_us > born_by)) continue;
        if (n < max) out[n] = *o;
        n++;
    }
    for (size_t k = 0; a && closed_lag_s > 0 && k < a->hist_n; k++) {
        const sim_order *o = hist_at(a, k);
        if (o->closed_us <= closed_after || o->status == SIM_REJECTED || !sym_ok(o, symbol)) continue;
        if (o->type == SIM_MARKET || o->tif == SIM_IOC) continue; /* never rested */
        if (new_lag_s > 0 && o->created_us > born_by) continue;   /* never listed */
        if (n < max) {
            out[n] = *o;
            out[n].status = SIM_OPEN;
            out[n].closed_us = 0;
        }
        n++;
    }
    return n;
}

static int id_desc(const void *x, const void *y)
{
    int64_t a = (*(const sim_order *const *)x)->id, b = (*(const sim_order *const *)y)->id;
    return a < b ? 1 : a > b ? -1 : 0;
}

size_t sim_orders_history(const sim_engine *e, const char *account, const char *symbol, sim_order *out,
                          size_t max)
{
    const sim_acct *a = sim_acct_find(e, account);
    if (!a) return 0;
    const sim_order **v = malloc((a->nlive + a->hist_n + 1) * sizeof *v);
    if (!v) return 0;
    size_t n = 0;
    for (size_t i = 0; i < a->nlive; i++)
        if (sym_ok(a->live[i], symbol)) v[n++] = a->live[i];
    for (size_t k = 0; k < a->hist_n; k++)
        if (sym_ok(hist_at(a, k), symbol)) v[n++] = hist_at(a, k);
    qsort(v, n, sizeof *v, id_desc);
    for (size_t i = 0; i < n && i < max; i++) out[i] = *v[i];
    free(v);
    return n;
}

size_t sim_trades_history(const sim_engine *e, const char *account, const char *symbol, sim_trade *out, size_t max)
{
    const sim_acct *a = sim_acct_find(e, account);
    size_t n = 0;
    for (size_t k = 0; a && k < a->tr_n; k++) {
        const sim_trade *t = &a->trades[(a->tr_head + SIM_HISTORY_MAX - 1 - k) % SIM_HISTORY_MAX];
        if (symbol && symbol[0] && strcmp(t->symbol, symbol)) continue;
        if (n < max) out[n] = *t;
        n++;
    }
    return n;
}
