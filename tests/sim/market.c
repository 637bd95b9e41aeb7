/* market — the seeded market model of standx-sim: per-symbol random-walk
 * mark (volatility, trend, scripted jumps), index near mark, a synthetic
 * order book around the mark (spread, levels, sizes; depth drains and
 * spread blow-outs), Poisson public trades and trade-through fills of
 * resting user orders when the mark moves through their price.
 * Each random quantity has its own RNG stream so that the mark path depends
 * only on (scenario, seed), never on what users do. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_core_int.h"

/* ------------------------------------------------------------ RNG */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

double sim_rng_unit(sim_rng *r) { return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53; }

double sim_rng_normal(sim_rng *r)
{
    double u1 = sim_rng_unit(r), u2 = sim_rng_unit(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* ------------------------------------------------------------ helpers */

static dec_t by_bps(dec_t v, double bps) { return dec_mul_f(v, 1.0 + bps / 1e4); }

static dec_t to_tick(dec_t v, dec_t tick) { return dec_round(v + tick / 2, tick, DEC_FLOOR); }

static void set_mark_raw(sim_mkt *m, dec_t raw)
{
    dec_t tick = m->sym.tick;
    if (raw < tick) raw = tick;
    m->mark_raw = raw;
    m->mark = to_tick(raw, tick);
}

void sim_mkt_apply_jump(sim_mkt *m, double bps) { set_mark_raw(m, by_bps(m->mark_raw, bps)); }

void sim_mkt_note_trade(sim_mkt *m, dec_t px, dec_t qty)
{
    m->last = px;
    if (px > m->hi) m->hi = px;
    if (px < m->lo || !m->lo) m->lo = px;
    m->volume += qty;
}

void sim_mkt_init(sim_engine *e, sim_mkt *m, const sim_symbol_cfg *c, int idx, int64_t now_us)
{
    memset(m, 0, sizeof *m);
    m->sym.cfg = *c;
    m->sym.tick = dec_step(c->price_decimals);
    m->sym.lot = dec_step(c->qty_decimals);
    size_t n = strcspn(c->name, "-");
    memcpy(m->base, c->name, n < SIM_SYM_MAX ? n : SIM_SYM_MAX - 1);
    m->sym.base = m->base;
    m->sym.quote = "DUSD";
    m->sym.status = "trading";
    m->sym.max_position = c->max_qty * 10;
    m->sym.price_cap_ratio = 0.3;
    m->sym.created_us = now_us;
    uint64_t st = (uint64_t)idx * 16;
    sim_rng_seed(&m->rng_walk, e->sc.seed, st + 1);
    sim_rng_seed(&m->rng_book, e->sc.seed, st + 2);
    sim_rng_seed(&m->rng_trade, e->sc.seed, st + 3);
    sim_rng_seed(&m->rng_fill, e->sc.seed, st + 4);
    sim_rng_seed(&m->rng_sign, e->sc.seed, st + 5);
    set_mark_raw(m, c->mark);
    m->index = m->mark;
    m->hi = m->lo = m->mark;
    sim_mkt_rebuild(e, m);
}

/* ------------------------------------------------------------ synthetic book */

static dec_t level_qty(sim_engine *e, sim_mkt *m, dec_t px)
{
    const sim_symbol_cfg *c = &m->sym.cfg;
    double f = 0.5 + sim_rng_unit(&m->rng_book);
    dec_t q = dec_round(dec_mul_f(c->level_qty, f), m->sym.lot, DEC_FLOOR);
    if (m->drain_until > e->sim_t && fabs(dec_bps(px, m->mark)) <= m->drain_bps) q = c->min_qty;
    return q < c->min_qty ? c->min_qty : q;
}

/* One side: k-th level at half + k*step bps from mark, strictly monotone. */
static int build_side(sim_engine *e, sim_mkt *m, sim_level *lv, double half, int dir, dec_t first)
{
    const sim_symbol_cfg *c = &m->sym.cfg;
    dec_t tick = m->sym.tick;
    int n = 0;
    for (int k = 0; k < c->depth_levels && n < SIM_DEPTH_MAX; k++) {
        dec_t px = k == 0 ? first : by_bps(m->mark, dir * (half + k * c->level_step_bps));
        px = dec_round(px, tick, dir < 0 ? DEC_FLOOR : DEC_CEIL);
        if (n > 0 && (dir < 0 ? px >= lv[n - 1].price : px <= lv[n - 1].price))
            px = lv[n - 1].price + dir * tick;
        if (px <= 0) break;
        lv[n].price = px;
        lv[n].qty = level_qty(e, m, px);
        n++;
    }
    return n;
}

static double cur_half_spread(const sim_engine *e, const sim_mkt *m)
{
    return (m->blowout_until > e->sim_t ? m->blowout_bps : m->sym.cfg.spread_bps) / 2;
}

/* Synthetic touch: best bid / ask around the mark, at least a tick apart. */
static void touch(const sim_engine *e, const sim_mkt *m, dec_t *bid, dec_t *ask)
{
    double half = cur_half_spread(e, m);
    dec_t tick = m->sym.tick;
    *bid = dec_round(by_bps(m->mark, -half), tick, DEC_FLOOR);
    *ask = dec_round(by_bps(m->mark, half), tick, DEC_CEIL);
    if (*ask <= *bid) *ask = *bid + tick;
}

void sim_mkt_rebuild(sim_engine *e, sim_mkt *m)
{
    double half = cur_half_spread(e, m);
    dec_t bid, ask;
    touch(e, m, &bid, &ask);
    m->nsb = build_side(e, m, m->sb, half, -1, bid);
    m->nsa = build_side(e, m, m->sa, half, +1, ask);
}

/* ------------------------------------------------------------ public trades */

static int poisson(sim_rng *r, double lambda)
{
    if (lambda <= 0) return 0;
    double L = exp(-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= sim_rng_unit(r);
    } while (p > L && k < 50);
    return k - 1;
}

void sim_mkt_public_trade(sim_engine *e, sim_mkt *m, sim_side side, dec_t px, dec_t q, bool capped,
                          int64_t now_us)
{
    sim_public_trade *t = &m->recent[m->recent_head];
    memset(t, 0, sizeof *t);
    t->id = e->next_ptid++;
    memcpy(t->symbol, m->sym.cfg.name, SIM_SYM_MAX);
    t->side = side;
    t->price = px;
    t->qty = q;
    t->time_us = now_us;
    m->recent_head = (m->recent_head + 1) % SIM_RECENT_MAX;
    if (m->nrecent < SIM_RECENT_MAX) m->nrecent++;
    sim_mkt_note_trade(m, px, q);
    e->st.public_trades++;
    if (e->stale_until > e->sim_t || (capped && m->pt_this_adv >= SIM_PT_PER_ADV)) return;
    if (capped) m->pt_this_adv++;
    sim_event *ev = sim_q_push(e, SIM_EV_PUBLIC_TRADE, "", m->sym.cfg.name);
    ev->u.ptrade = *t;
}

/* A synthetic trade at the touch, random side and size. */
static void public_trade(sim_engine *e, sim_mkt *m, int64_t now_us)
{
    const sim_symbol_cfg *c = &m->sym.cfg;
    sim_side side = sim_rng_unit(&m->rng_trade) < 0.5 ? SIM_BUY : SIM_SELL;
    dec_t q = dec_round(dec_mul_f(c->trade_qty, sim_rng_unit(&m->rng_trade)), m->sym.lot, DEC_FLOOR);
    if (q < c->min_qty) q = c->min_qty;
    dec_t bid, ask;
    touch(e, m, &bid, &ask);
    sim_mkt_public_trade(e, m, side, side == SIM_BUY ? ask : bid, q, true, now_us);
}

/* ------------------------------------------------------------ trade-through */

static dec_t through_qty(sim_mkt *m, const sim_order *o)
{
    dec_t rem = o->qty - o->fill_qty;
    double f = m->sym.cfg.fill_fraction;
    if (f >= 1.0) return rem;
    double u = f * (0.5 + 0.5 * sim_rng_unit(&m->rng_fill));
    dec_t q = dec_round(dec_mul_f(rem, u), m->sym.lot, DEC_FLOOR);
    if (q <= 0) q = m->sym.lot;
    return q > rem ? rem : q;
}

/* Resting user bids at or above the mark, asks at or below it, fill as
 * maker at their own price. Sides are sorted best first. */
void sim_mkt_trade_through(sim_engine *e, sim_mkt *m, int64_t now_us)
{
    size_t i = 0;
    while (i < m->ub.n && m->ub.v[i]->price >= m->mark) {
        sim_order *o = m->ub.v[i];
        if (sim_fill_maker(e, m, o, through_qty(m, o), now_us)) i++;
    }
    i = 0;
    while (i < m->ua.n && m->ua.v[i]->price <= m->mark) {
        sim_order *o = m->ua.v[i];
        if (sim_fill_maker(e, m, o, through_qty(m, o), now_us)) i++;
    }
}

/* ------------------------------------------------------------ one step */

/* Mark, index, public trades and trade-throughs; the synthetic book itself
 * is rebuilt once per sim_advance (sim_mkt_rebuild), not every step. */
void sim_mkt_step(sim_engine *e, sim_mkt *m, int64_t now_us)
{
    const sim_symbol_cfg *c = &m->sym.cfg;
    double z = sim_rng_normal(&m->rng_walk);
    double bps = c->volatility_bps * sqrt(SIM_STEP_S) * z + c->trend_bps_per_min * SIM_STEP_S / 60.0;
    set_mark_raw(m, by_bps(m->mark_raw, bps));
    if (m->mark > m->hi) m->hi = m->mark;
    if (m->mark < m->lo) m->lo = m->mark;
    double iz = c->index_bps * sim_rng_normal(&m->rng_walk);
    m->index = to_tick(by_bps(m->mark, iz), m->sym.tick);
    int n = poisson(&m->rng_trade, c->trade_rate_per_s * SIM_STEP_S);
    for (int i = 0; i < n; i++) public_trade(e, m, now_us);
    sim_mkt_trade_through(e, m, now_us);
}

/* ------------------------------------------------------------ scheduled events */

static bool sym_match(const sim_sched *s, const sim_mkt *m)
{
    return !s->symbol[0] || !strcmp(s->symbol, m->sym.cfg.name);
}

static void fault_event(sim_engine *e, const sim_sched *s, int64_t now_us)
{
    sim_event *ev = sim_q_push(e, SIM_EV_FAULT, "", s->symbol);
    ev->u.fault.s = *s;
    ev->u.fault.start_us = now_us;
    ev->u.fault.end_us = now_us + (int64_t)(s->duration / e->sc.speed * 1e6);
}

void sim_sched_fire(sim_engine *e, const sim_sched *s, int64_t now_us)
{
    for (int i = 0; i < e->nm; i++) {
        sim_mkt *m = &e->m[i];
        if (!sym_match(s, m)) continue;
        if (s->kind == SIM_K_JUMP) {
            double bps = s->bps;
            if (s->random_sign && sim_rng_unit(&m->rng_sign) < 0.5) bps = -bps;
            sim_mkt_apply_jump(m, bps);
        } else if (s->kind == SIM_K_DEPTH_DRAIN) {
            m->drain_until = e->sim_t + s->duration;
            m->drain_bps = s->bps;
        } else if (s->kind == SIM_K_SPREAD_BLOWOUT) {
            m->blowout_until = e->sim_t + s->duration;
            m->blowout_bps = s->bps;
        }
    }
    if (s->kind == SIM_K_STALE_FEED) e->stale_until = e->sim_t + s->duration;
    if (s->kind == SIM_K_REJECT_NEXT) {
        e->reject_n = s->count;
        snprintf(e->reject_msg, sizeof e->reject_msg, "%s", s->message);
    }
    if (s->kind >= SIM_K_STALE_FEED) fault_event(e, s, now_us);
}
