/* strategy — pure quote pricing, sizing and the cl_ord_id
 * scheme for one task (see strategy.h). */
#include "strategy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double strat_dist_bps(dec_t price, dec_t mark)
{
    return fabs(dec_bps(price, mark));
}

dec_t strat_fit_qty(const struct sym_info *si, dec_t q)
{
    if (si->lot > 0) q = dec_round(q, si->lot, DEC_FLOOR);
    if (si->max_qty > 0 && q > si->max_qty) q = dec_round(si->max_qty, si->lot, DEC_FLOOR);
    if (q <= 0 || q < si->min_qty) return 0;
    return q;
}

dec_t strat_tier_qty(const struct cfg_task *c, const struct sym_info *si, int tier,
                     char *why, size_t whylen)
{
    double mult = (tier >= 0 && tier < CFG_MAX_TIERS && c->tier_qty_mult[tier] > 0)
                      ? c->tier_qty_mult[tier] : 1.0;
    dec_t raw = dec_mul_f(c->base_qty, mult);
    dec_t q = strat_fit_qty(si, raw);
    if (q == 0 && why) {
        char a[32], b[32];
        snprintf(why, whylen, "tier %d skipped: size %s below min qty %s", tier + 1,
                 dec_str(raw, a, sizeof a), dec_str(si->min_qty, b, sizeof b));
    }
    return q;
}

double strat_shifted_bps(const struct cfg_task *c, int tier, double shift_bps)
{
    double lo = c->bands[tier].min_bps, hi = c->bands[tier].max_bps, q = (hi - lo) / 4.0;
    double d = (lo + hi) / 2.0 + shift_bps;
    if (d < lo + q) d = lo + q;
    if (d > hi - q) d = hi - q;
    return d;
}

double strat_widen_bps(const struct cfg_task *c, int tier)
{
    return (c->bands[tier].max_bps - c->bands[tier].min_bps) / 4.0;
}

double strat_rest_bias_bps(const struct cfg_task *c, int tier)
{
    double w = c->bands[tier].max_bps - c->bands[tier].min_bps, room = 10.0 - c->bands[tier].max_bps;
    if (room <= 0) return 0;
    return room / 2 < w / 4 ? room / 2 : w / 4;
}

double strat_skew_bps(const struct cfg_task *c, enum side side, dec_t position, dec_t mark)
{
    if (c->inventory_skew_bps <= 0 || c->max_position_usd <= 0 || position == 0 || mark <= 0) return 0;
    dec_t abs_pos = position < 0 ? -position : position;
    double f = dec_to_double(dec_mul(abs_pos, mark)) / dec_to_double(c->max_position_usd);
    if (f > 1) f = 1;
    bool grows = (position > 0) == (side == SIDE_BUY);
    return (grows ? 1 : -1) * c->inventory_skew_bps * f;
}

static dec_t tier_price_at(const struct sym_info *si, double dist_bps, enum side side, dec_t mark,
                           dec_t best_bid, dec_t best_ask);

dec_t strat_tier_price(const struct cfg_task *c, const struct sym_info *si, int tier,
                       enum side side, dec_t mark, dec_t best_bid, dec_t best_ask)
{
    double mid_bps = (c->bands[tier].min_bps + c->bands[tier].max_bps) / 2.0;
    return tier_price_at(si, mid_bps, side, mark, best_bid, best_ask);
}

/* dist_bps from mark, rounded away from the touch, never crossing the
 * opposite best. */
static dec_t tier_price_at(const struct sym_info *si, double mid_bps, enum side side, dec_t mark,
                           dec_t best_bid, dec_t best_ask)
{
    dec_t tick = si->tick > 0 ? si->tick : 1;
    if (side == SIDE_BUY) {
        dec_t p = dec_round(dec_mul_f(mark, 1.0 - mid_bps / 1e4), tick, DEC_FLOOR);
        if (best_ask > 0 && p >= best_ask) p = dec_round(best_ask, tick, DEC_CEIL) - tick;
        return p;
    }
    dec_t p = dec_round(dec_mul_f(mark, 1.0 + mid_bps / 1e4), tick, DEC_CEIL);
    if (best_bid > 0 && p <= best_bid) p = dec_round(best_bid, tick, DEC_FLOOR) + tick;
    return p;
}

void strat_quote(const struct cfg_task *c, const struct sym_info *si, int tier, enum side side,
                 dec_t mark, dec_t best_bid, dec_t best_ask, struct strat_quote *q)
{
    strat_quote_shift(c, si, tier, side, mark, best_bid, best_ask, 0.0, q);
}

void strat_quote_shift(const struct cfg_task *c, const struct sym_info *si, int tier, enum side side,
                       dec_t mark, dec_t best_bid, dec_t best_ask, double shift_bps,
                       struct strat_quote *q)
{
    memset(q, 0, sizeof *q);
    if (mark <= 0) {
        snprintf(q->why, sizeof q->why, "no mark price");
        return;
    }
    q->qty = strat_tier_qty(c, si, tier, q->why, sizeof q->why);
    if (q->qty == 0) return;
    q->price = shift_bps == 0.0
                   ? strat_tier_price(c, si, tier, side, mark, best_bid, best_ask)
                   : tier_price_at(si, strat_shifted_bps(c, tier, shift_bps), side, mark, best_bid, best_ask);
    if (q->price <= 0) {
        snprintf(q->why, sizeof q->why, "tier %d %s: price not positive", tier + 1,
                 side_name(side));
        return;
    }
    q->ok = true;
}

static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* Base36 of v into buf (most significant first). */
static void base36(uint64_t v, char *buf, size_t len)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = b36[v % 36];
        v /= 36;
    } while (v && n < (int)sizeof tmp);
    size_t i = 0;
    for (; n > 0 && i + 1 < len; i++) buf[i] = tmp[--n];
    if (len) buf[i] = 0;
}

void strat_cloid_tag(const char *task_id, char *buf, size_t len)
{
    size_t n = strlen(task_id);
    if (n <= CLOID_TAG_MAX && !strchr(task_id, '.')) {
        snprintf(buf, len, "%s", task_id);
        return;
    }
    uint64_t h = 1469598103934665603ULL;          /* FNV-1a of the whole id */
    for (const char *p = task_id; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    char hs[5];
    for (int i = 3; i >= 0; i--, h /= 36) hs[i] = b36[h % 36];
    hs[4] = 0;
    snprintf(buf, len, "%.7s.%s", task_id, hs);
}

void strat_session36(int64_t wall_ms, uint32_t salt, char *buf, size_t len)
{
    char ms[16];
    base36(wall_ms > 0 ? (uint64_t)wall_ms : 0, ms, sizeof ms);
    snprintf(buf, len, "%s%c%c", ms, b36[salt % 36], b36[(salt / 36) % 36]);
}

int strat_cloid(char *buf, size_t len, const char *tag, const char *session, uint64_t n)
{
    char num[16];
    base36(n, num, sizeof num);
    int w = snprintf(buf, len, "%s-%s-%s", tag, session, num);
    return (w < 0 || (size_t)w >= len || w > CLOID_LIMIT) ? -1 : 0;
}

static bool all_of(const char *s, size_t n, const char *set)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr(set, s[i]) || s[i] == 0) return false;
    return true;
}

bool strat_cloid_ours(const char *tag, const char *cl)
{
    size_t tl = strlen(tag);
    if (!cl || strncmp(cl, tag, tl) != 0 || cl[tl] != '-') return false;
    const char *seed = cl + tl + 1;
    const char *dash = strchr(seed, '-');
    if (!dash) return false;
    const char *num = dash + 1;
    return all_of(seed, (size_t)(dash - seed), b36) && all_of(num, strlen(num), b36);
}
