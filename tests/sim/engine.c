/* engine — lifecycle, event queue, accounts, positions and balances, market
 * queries, the per-account rate limiter and admin operations of the
 * standx-sim core.  Order entry and matching live in orders.c, the market
 * model in market.c, the scenario loader in scenario.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_core_int.h"

const char *sim_side_str(sim_side s) { return s == SIM_SELL ? "sell" : "buy"; }
const char *sim_otype_str(sim_otype t) { return t == SIM_MARKET ? "market" : "limit"; }

const char *sim_tif_str(sim_tif t)
{
    return t == SIM_IOC ? "ioc" : t == SIM_ALO ? "alo" : "gtc";
}

const char *sim_status_str(sim_status s)
{
    static const char *const n[] = {"open", "filled", "canceled", "rejected"};
    return (unsigned)s < 4 ? n[s] : "?";
}

/* ------------------------------------------------------------ lifecycle */

sim_engine *sim_engine_new(const sim_scenario *sc, int64_t now_us)
{
    sim_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->sc = *sc;
    e->sc.events = NULL;
    if (sc->nevents > 0) {
        e->sc.events = malloc((size_t)sc->nevents * sizeof *sc->events);
        e->sched_next = malloc((size_t)sc->nevents * sizeof *e->sched_next);
        if (!e->sc.events || !e->sched_next) {
            free(e->sc.events);
            free(e->sched_next);
            free(e);
            return NULL;
        }
        memcpy(e->sc.events, sc->events, (size_t)sc->nevents * sizeof *sc->events);
        for (int i = 0; i < sc->nevents; i++) e->sched_next[i] = sc->events[i].at;
    }
    if (e->sc.speed <= 0) e->sc.speed = 1;
    e->t0_us = e->last_us = now_us;
    e->next_oid = INT64_C(5000000000);
    e->next_tid = INT64_C(400000000);
    e->next_ptid = INT64_C(465000000);
    e->next_posid = 1;
    e->nm = sc->nsymbols < SIM_MAX_SYMBOLS ? sc->nsymbols : SIM_MAX_SYMBOLS;
    for (int i = 0; i < e->nm; i++) sim_mkt_init(e, &e->m[i], &sc->symbols[i], i, now_us);
    return e;
}

static void acct_free(sim_acct *a)
{
    for (size_t i = 0; i < a->nlive; i++) free(a->live[i]);
    free(a->live);
    free(a->hist);
    free(a->trades);
    free(a);
}

void sim_engine_free(sim_engine *e)
{
    if (!e) return;
    for (int i = 0; i < e->nm; i++) {
        free(e->m[i].ub.v);
        free(e->m[i].ua.v);
    }
    for (size_t i = 0; i < e->nacct; i++) acct_free(e->acct[i]);
    free(e->acct);
    free(e->q);
    free(e->sched_next);
    free(e->sc.events);
    free(e);
}

const sim_scenario *sim_engine_scenario(const sim_engine *e) { return &e->sc; }
const sim_switches *sim_engine_switches(const sim_engine *e) { return &e->sc.sw; }
void sim_engine_set_switches(sim_engine *e, const sim_switches *w) { e->sc.sw = *w; }
double sim_time_s(const sim_engine *e) { return e->sim_t; }
bool sim_market_stale(const sim_engine *e) { return e->stale_until > e->sim_t; }

double sim_sim_time_at(const sim_engine *e, int64_t now_us)
{
    return (double)(now_us - e->t0_us) / 1e6 * e->sc.speed;
}

int64_t sim_wall_at(const sim_engine *e, double sim_t)
{
    return e->t0_us + (int64_t)llround(sim_t / e->sc.speed * 1e6);
}

/* ------------------------------------------------------------ event queue */

static int q_grow(sim_engine *e)
{
    size_t cap = e->qcap ? e->qcap * 2 : 256;
    sim_event *nq = malloc(cap * sizeof *nq);
    if (!nq) return -1;
    for (size_t i = 0; i < e->qn; i++) nq[i] = e->q[(e->qhead + i) % e->qcap];
    free(e->q);
    e->q = nq;
    e->qcap = cap;
    e->qhead = 0;
    return 0;
}

sim_event *sim_q_push(sim_engine *e, sim_ev_type t, const char *account, const char *symbol)
{
    sim_event *ev = &e->scratch;
    if (e->qn < e->qcap || q_grow(e) == 0) {
        ev = &e->q[(e->qhead + e->qn) % e->qcap];
        e->qn++;
    } else {
        e->dropped++;
    }
    memset(ev, 0, sizeof *ev);
    ev->type = t;
    snprintf(ev->account, sizeof ev->account, "%s", account ? account : "");
    snprintf(ev->symbol, sizeof ev->symbol, "%s", symbol ? symbol : "");
    return ev;
}

int sim_event_next(sim_engine *e, sim_event *ev)
{
    if (!e->qn) return 0;
    *ev = e->q[e->qhead];
    e->qhead = (e->qhead + 1) % e->qcap;
    e->qn--;
    return 1;
}

size_t sim_event_pending(const sim_engine *e) { return e->qn; }

/* ------------------------------------------------------------ symbols */

int sim_symbol_count(const sim_engine *e) { return e->nm; }

const sim_symbol *sim_symbol_at(const sim_engine *e, int i)
{
    return i >= 0 && i < e->nm ? &e->m[i].sym : NULL;
}

int sim_mkt_index(const sim_engine *e, const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < e->nm; i++)
        if (!strcmp(e->m[i].sym.cfg.name, name)) return i;
    return -1;
}

const sim_symbol *sim_symbol_get(const sim_engine *e, const char *name)
{
    int i = sim_mkt_index(e, name);
    return i < 0 ? NULL : &e->m[i].sym;
}

char *sim_fmt_price(const sim_symbol *s, dec_t v, char *buf, size_t len)
{
    return dec_fmt(v, s->cfg.price_decimals, buf, len);
}

char *sim_fmt_qty(const sim_symbol *s, dec_t v, char *buf, size_t len)
{
    return dec_fmt(v, s->cfg.qty_decimals, buf, len);
}

/* ------------------------------------------------------------ accounts */

sim_acct *sim_acct_find(const sim_engine *e, const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < e->nacct; i++)
        if (!strcmp(e->acct[i]->name, name)) return e->acct[i];
    return NULL;
}

sim_acct *sim_acct_get(sim_engine *e, const char *name)
{
    sim_acct *a = sim_acct_find(e, name);
    if (a || !name || !name[0] || strlen(name) >= SIM_ACCT_MAX) return a;
    if (e->nacct == e->capacct) {
        size_t cap = e->capacct ? e->capacct * 2 : 8;
        sim_acct **na = realloc(e->acct, cap * sizeof *na);
        if (!na) return NULL;
        e->acct = na;
        e->capacct = cap;
    }
    a = calloc(1, sizeof *a);
    if (!a) return NULL;
    snprintf(a->name, sizeof a->name, "%s", name);
    a->balance = e->sc.start_balance;
    e->acct[e->nacct++] = a;
    return a;
}

bool sim_account_exists(const sim_engine *e, const char *account) { return sim_acct_find(e, account) != NULL; }
size_t sim_account_count(const sim_engine *e) { return e->nacct; }

const char *sim_account_name(const sim_engine *e, size_t i)
{
    return i < e->nacct ? e->acct[i]->name : NULL;
}

int sim_pos_leverage(const sim_engine *e, const sim_acct *a, int idx)
{
    int l = a->pos[idx].leverage;
    return l > 0 ? l : e->m[idx].sym.cfg.def_leverage;
}

sim_pos *sim_pos_touch(sim_engine *e, sim_acct *a, int idx, int64_t now_us)
{
    sim_pos *p = &a->pos[idx];
    if (!p->used) {
        p->used = true;
        p->id = e->next_posid++;
        p->created_us = now_us;
    }
    return p;
}

/* ------------------------------------------------------------ positions, balances */

static dec_t dabs(dec_t v) { return v < 0 ? -v : v; }

void sim_pos_view(const sim_engine *e, const sim_acct *a, int idx, sim_position *out)
{
    const sim_pos *p = &a->pos[idx];
    const sim_mkt *m = &e->m[idx];
    memset(out, 0, sizeof *out);
    out->id = p->id;
    memcpy(out->symbol, m->sym.cfg.name, SIM_SYM_MAX);
    memcpy(out->account, a->name, SIM_ACCT_MAX);
    out->qty = p->qty;
    out->entry_price = p->entry;
    out->entry_value = dec_mul(dabs(p->qty), p->entry);
    out->mark_price = m->mark;
    out->position_value = dec_mul(dabs(p->qty), m->mark);
    out->upnl = dec_mul(p->qty, m->mark - p->entry);
    out->realized_pnl = p->realized;
    out->leverage = sim_pos_leverage(e, a, idx);
    out->initial_margin = out->position_value / out->leverage;
    out->margin_mode = p->isolated ? "isolated" : "cross";
    out->open = p->qty != 0;
    out->created_us = p->created_us;
    out->updated_us = p->updated_us;
}

dec_t sim_order_locked(const sim_order *o)
{
    if (o->status != SIM_OPEN || o->leverage <= 0) return 0;
    return dec_mul(o->qty - o->fill_qty, o->price) / o->leverage;
}

void sim_bal_view(const sim_engine *e, const sim_acct *a, sim_balance *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->account, a->name, SIM_ACCT_MAX);
    for (int i = 0; i < e->nm; i++) {
        if (!a->pos[i].used) continue;
        sim_position p;
        sim_pos_view(e, a, i, &p);
        out->upnl += p.upnl;
        out->margin += p.initial_margin;
    }
    for (size_t i = 0; i < a->nlive; i++) out->locked += sim_order_locked(a->live[i]);
    out->balance = a->balance;
    out->equity = a->balance + out->upnl;
    out->available = a->balance - out->margin - out->locked + out->upnl;
    out->realized_pnl = a->realized;
    out->fees_paid = a->fees;
    out->updated_us = a->updated_us;
}

void sim_emit_balance(sim_engine *e, sim_acct *a)
{
    sim_event *ev = sim_q_push(e, SIM_EV_BALANCE, a->name, "");
    sim_bal_view(e, a, &ev->u.balance);
}

void sim_emit_position(sim_engine *e, sim_acct *a, int idx)
{
    sim_event *ev = sim_q_push(e, SIM_EV_POSITION, a->name, e->m[idx].sym.cfg.name);
    sim_pos_view(e, a, idx, &ev->u.position);
}

size_t sim_positions(const sim_engine *e, const char *account, const char *symbol, sim_position *out, size_t max)
{
    const sim_acct *a = sim_acct_find(e, account);
    size_t n = 0;
    if (!a) return 0;
    for (int i = 0; i < e->nm; i++) {
        if (!a->pos[i].used) continue;
        if (symbol && symbol[0] && strcmp(symbol, e->m[i].sym.cfg.name)) continue;
        if (n < max) sim_pos_view(e, a, i, &out[n]);
        n++;
    }
    return n;
}

int sim_balance_get(sim_engine *e, const char *account, sim_balance *out)
{
    sim_acct *a = sim_acct_get(e, account);
    if (!a) return -1;
    sim_bal_view(e, a, out);
    return 0;
}

int sim_set_leverage(sim_engine *e, const char *account, const char *symbol, int leverage, char *err, size_t errlen)
{
    int idx = sim_mkt_index(e, symbol);
    sim_acct *a = sim_acct_get(e, account);
    if (idx < 0) return snprintf(err, errlen, "unknown symbol"), -1;
    if (!a) return snprintf(err, errlen, "invalid account"), -1;
    if (leverage < 1 || leverage > e->m[idx].sym.cfg.max_leverage)
        return snprintf(err, errlen, "invalid leverage"), -1;
    a->pos[idx].leverage = leverage;
    return 0;
}

int sim_set_margin_mode(sim_engine *e, const char *account, const char *symbol, const char *mode, char *err,
                        size_t errlen)
{
    int idx = sim_mkt_index(e, symbol);
    sim_acct *a = sim_acct_get(e, account);
    if (idx < 0) return snprintf(err, errlen, "unknown symbol"), -1;
    if (!a) return snprintf(err, errlen, "invalid account"), -1;
    if (!mode || (strcmp(mode, "cross") && strcmp(mode, "isolated")))
        return snprintf(err, errlen, "invalid margin_mode"), -1;
    a->pos[idx].isolated = !strcmp(mode, "isolated");
    return 0;
}

int sim_get_leverage(const sim_engine *e, const char *account, const char *symbol, int *leverage, const char **mode)
{
    int idx = sim_mkt_index(e, symbol);
    if (idx < 0) return -1;
    const sim_acct *a = sim_acct_find(e, account);
    if (leverage) *leverage = a ? sim_pos_leverage(e, a, idx) : e->m[idx].sym.cfg.def_leverage;
    if (mode) *mode = a && a->pos[idx].isolated ? "isolated" : "cross";
    return 0;
}

/* ------------------------------------------------------------ market queries */

/* Best bid / ask over synthetic levels (qty > 0) and user orders; 0 if none. */
void sim_best(const sim_mkt *m, dec_t *bid, dec_t *ask)
{
    dec_t b = 0, a = 0;
    for (int i = 0; i < m->nsb; i++)
        if (m->sb[i].qty > 0) { b = m->sb[i].price; break; }
    for (int i = 0; i < m->nsa; i++)
        if (m->sa[i].qty > 0) { a = m->sa[i].price; break; }
    if (m->ub.n && m->ub.v[0]->price > b) b = m->ub.v[0]->price;
    if (m->ua.n && (!a || m->ua.v[0]->price < a)) a = m->ua.v[0]->price;
    *bid = b;
    *ask = a;
}

static void price_view(const sim_engine *e, const sim_mkt *m, sim_price *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->symbol, m->sym.cfg.name, SIM_SYM_MAX);
    out->mark = m->mark;
    out->index = m->index;
    out->last = m->last;
    sim_best(m, &out->best_bid, &out->best_ask);
    if (out->best_bid && out->best_ask)
        out->mid = dec_round((out->best_bid + out->best_ask) / 2, m->sym.tick, DEC_FLOOR);
    out->time_us = e->last_us;
}

int sim_price_get(const sim_engine *e, const char *symbol, sim_price *out)
{
    int i = sim_mkt_index(e, symbol);
    if (i < 0) return -1;
    price_view(e, &e->m[i], out);
    return 0;
}

static void add_level(sim_level *lv, int *n, dec_t px, dec_t q)
{
    for (int i = 0; i < *n; i++)
        if (lv[i].price == px) { lv[i].qty += q; return; }
    if (*n < SIM_DEPTH_MAX) lv[(*n)++] = (sim_level){px, q};
}

static int lv_desc(const void *a, const void *b)
{
    dec_t x = ((const sim_level *)a)->price, y = ((const sim_level *)b)->price;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int lv_asc(const void *a, const void *b) { return -lv_desc(a, b); }

int sim_depth_get(const sim_engine *e, const char *symbol, sim_depth *out)
{
    int idx = sim_mkt_index(e, symbol);
    if (idx < 0) return -1;
    const sim_mkt *m = &e->m[idx];
    memset(out, 0, offsetof(sim_depth, bids));
    memcpy(out->symbol, m->sym.cfg.name, SIM_SYM_MAX);
    out->time_us = e->last_us;
    for (size_t i = 0; i < m->ub.n; i++)
        add_level(out->bids, &out->nbids, m->ub.v[i]->price, m->ub.v[i]->qty - m->ub.v[i]->fill_qty);
    for (size_t i = 0; i < m->ua.n; i++)
        add_level(out->asks, &out->nasks, m->ua.v[i]->price, m->ua.v[i]->qty - m->ua.v[i]->fill_qty);
    for (int i = 0; i < m->nsb; i++)
        if (m->sb[i].qty > 0) add_level(out->bids, &out->nbids, m->sb[i].price, m->sb[i].qty);
    for (int i = 0; i < m->nsa; i++)
        if (m->sa[i].qty > 0) add_level(out->asks, &out->nasks, m->sa[i].price, m->sa[i].qty);
    qsort(out->bids, (size_t)out->nbids, sizeof out->bids[0], lv_desc);
    qsort(out->asks, (size_t)out->nasks, sizeof out->asks[0], lv_asc);
    return 0;
}

/* Buckets one side in place: price rounded down (bids) or up (asks) to step. */
static int agg_side(sim_level *lv, int n, dec_t step, bool up)
{
    int out = 0;
    for (int i = 0; i < n; i++) {
        dec_t px = lv[i].price - lv[i].price % step;
        if (up && px < lv[i].price) px += step;
        if (out > 0 && lv[out - 1].price == px) lv[out - 1].qty += lv[i].qty;
        else lv[out++] = (sim_level){px, lv[i].qty};
    }
    return out;
}

void sim_depth_aggregate(sim_depth *d, dec_t step)
{
    if (!d || step <= 0) return;
    d->nbids = agg_side(d->bids, d->nbids, step, false);
    d->nasks = agg_side(d->asks, d->nasks, step, true);
}

int sim_summary_get(const sim_engine *e, const char *symbol, sim_summary *out)
{
    int idx = sim_mkt_index(e, symbol);
    if (idx < 0) return -1;
    const sim_mkt *m = &e->m[idx];
    memset(out, 0, sizeof *out);
    price_view(e, m, &out->px);
    out->high_24h = m->hi;
    out->low_24h = m->lo;
    out->volume_24h = m->volume;
    for (size_t i = 0; i < e->nacct; i++) out->open_interest += dabs(e->acct[i]->pos[idx].qty);
    out->funding_rate = 12500; /* 0.0000125 */
    const int64_t hour = INT64_C(3600000000);
    out->next_funding_us = (e->last_us / hour + 1) * hour;
    return 0;
}

size_t sim_recent_trades(const sim_engine *e, const char *symbol, sim_public_trade *out, size_t max)
{
    int idx = sim_mkt_index(e, symbol);
    if (idx < 0) return 0;
    const sim_mkt *m = &e->m[idx];
    size_t n = 0;
    for (int k = 1; k <= m->nrecent && n < max; k++)
        out[n++] = m->recent[(m->recent_head - k + SIM_RECENT_MAX) % SIM_RECENT_MAX];
    return n;
}

void sim_queue_market(sim_engine *e, sim_mkt *m, int64_t now_us)
{
    if (sim_market_stale(e)) return;
    sim_event *ev = sim_q_push(e, SIM_EV_PRICE, "", m->sym.cfg.name);
    price_view(e, m, &ev->u.price);
    ev->u.price.time_us = now_us;
    sim_q_push(e, SIM_EV_DEPTH, "", m->sym.cfg.name);
}

/* ------------------------------------------------------------ advance */

static void fire_due(sim_engine *e, int64_t now_us)
{
    for (int i = 0; i < e->sc.nevents; i++) {
        const sim_sched *s = &e->sc.events[i];
        while (e->sched_next[i] >= 0 && e->sched_next[i] <= e->sim_t + 1e-6) {
            sim_sched_fire(e, s, now_us);
            if (s->every <= 0) e->sched_next[i] = -1;
            else e->sched_next[i] += s->every;
            if (s->until > 0 && e->sched_next[i] > s->until + 1e-6) e->sched_next[i] = -1;
        }
    }
}

static void step_all(sim_engine *e)
{
    e->sim_t = (double)(e->steps + 1) * SIM_STEP_S;
    int64_t now_us = sim_wall_at(e, e->sim_t);
    fire_due(e, now_us);
    for (int i = 0; i < e->nm; i++) sim_mkt_step(e, &e->m[i], now_us);
    e->steps++;
    e->st.steps++;
}

void sim_advance(sim_engine *e, int64_t now_us)
{
    if (now_us <= e->last_us) return;
    double target = sim_sim_time_at(e, now_us);
    for (int i = 0; i < e->nm; i++) e->m[i].pt_this_adv = 0;
    int64_t n = 0;
    while ((double)(e->steps + 1) * SIM_STEP_S <= target + 1e-9 && n < 2000000) {
        step_all(e);
        n++;
    }
    e->last_us = now_us;
    if (!n) return;
    for (int i = 0; i < e->nm; i++) {
        sim_mkt_rebuild(e, &e->m[i]);
        sim_queue_market(e, &e->m[i], now_us);
    }
}

/* ------------------------------------------------------------ rate limiter */

bool sim_rate_take(sim_engine *e, const char *account, int64_t now_us)
{
    sim_acct *a = sim_acct_get(e, account);
    if (!a) return false;
    int64_t cap = (int64_t)e->sc.rate_burst * 1000, cost = (int64_t)e->sc.rate_cost * 1000;
    if (!a->rate_init) {
        a->rate_init = true;
        a->credits_milli = cap;
    } else if (now_us > a->rate_last_us) {
        int64_t add = (now_us - a->rate_last_us) * e->sc.rate_refill_per_s / 1000;
        a->credits_milli = a->credits_milli + add > cap ? cap : a->credits_milli + add;
    }
    if (now_us > a->rate_last_us) a->rate_last_us = now_us;
    if (a->credits_milli < cost) {
        e->st.rate_limited++;
        return false;
    }
    a->credits_milli -= cost;
    return true;
}

/* ------------------------------------------------------------ admin, stats */

int sim_admin_set_mark(sim_engine *e, const char *symbol, dec_t mark, int64_t now_us)
{
    int idx = sim_mkt_index(e, symbol);
    if (idx < 0 || mark <= 0) return -1;
    sim_mkt *m = &e->m[idx];
    m->mark_raw = mark;
    m->mark = dec_round(mark + m->sym.tick / 2, m->sym.tick, DEC_FLOOR);
    if (m->mark <= 0) m->mark = m->sym.tick;
    sim_mkt_rebuild(e, m);
    sim_mkt_trade_through(e, m, now_us);
    sim_queue_market(e, m, now_us);
    return 0;
}

void sim_admin_reject_next(sim_engine *e, int n, const char *message)
{
    e->reject_n = n > 0 ? n : 0;
    snprintf(e->reject_msg, sizeof e->reject_msg, "%s", message && message[0] ? message : "rejected by simulator");
}

void sim_stats_get(const sim_engine *e, sim_stats *out)
{
    *out = e->st;
    out->events_pending = e->qn;
}
