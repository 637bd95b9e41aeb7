/* requote — the rest-aware re-quote decision table (see requote.h and
 * mmd.yaml(5) "Re-quoting"). */
#include "requote.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "strategy.h"

#define RQ_EPS 1e-9

const char *rq_rule_name(enum rq_rule r)
{
    switch (r) {
    case RQ_WRONG_SIDE: return "wrong side";
    case RQ_INNER_EDGE: return "inner edge";
    case RQ_OUTER_EDGE: return "outer edge";
    case RQ_REWARD_BAND: return "reward band";
    case RQ_RESTING: return "resting";
    case RQ_DRIFT: return "drift";
    case RQ_IN_BAND: return "in band";
    }
    return "?";
}

bool rq_within_reward_band(dec_t price, dec_t mark)
{
    __int128 d = (__int128)price - mark;
    if (d < 0) d = -d;
    return mark > 0 && d * 10000 <= (__int128)mark * RQ_REWARD_BAND_BPS;
}

bool rq_tier_counts(const struct cfg_task *c, int tier)
{
    return (c->bands[tier].min_bps + c->bands[tier].max_bps) / 2.0 < RQ_REWARD_BAND_BPS - RQ_EPS;
}

static bool wrong_side(enum side side, dec_t price, dec_t mark)
{
    return (side == SIDE_BUY && price > mark) || (side == SIDE_SELL && price < mark);
}

static void set(struct rq_decision *d, bool replace, enum rq_rule rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set(struct rq_decision *d, bool replace, enum rq_rule rule, const char *fmt, ...)
{
    d->replace = replace;
    d->rule = rule;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->why, sizeof d->why, fmt, ap);
    va_end(ap);
}

void rq_decide(const struct cfg_task *c, const struct rq_quote *q, dec_t mark, int64_t now_us,
               struct rq_decision *d)
{
    const struct cfg_band *b = &c->bands[q->tier];
    int t = q->tier + 1;
    double dist = strat_dist_bps(q->price, mark);
    memset(d, 0, sizeof *d);
    if (wrong_side(q->side, q->price, mark)) {
        set(d, true, RQ_WRONG_SIDE, "tier %d: %s on the wrong side of the mark", t,
            q->side == SIDE_BUY ? "bid" : "ask");
        return;
    }
    if (dist < b->min_bps - RQ_EPS) {
        set(d, true, RQ_INNER_EDGE, "tier %d: mark moved toward the quote, %.2f bps < inner edge %g", t,
            dist, b->min_bps);
        return;
    }
    if (dist > b->max_bps + RQ_EPS) {
        set(d, true, RQ_OUTER_EDGE, "tier %d: quote %.2f bps from mark, outside band [%g, %g]", t, dist,
            b->min_bps, b->max_bps);
        return;
    }
    if (rq_tier_counts(c, q->tier) && !rq_within_reward_band(q->price, mark)) {
        set(d, true, RQ_REWARD_BAND, "tier %d: quote %.2f bps from mark, outside the %d bps reward band", t,
            dist, RQ_REWARD_BAND_BPS);
        return;
    }
    double rested = q->rest_since_us > 0 ? (double)(now_us - q->rest_since_us) / 1e6 : 1e18;
    double drift = q->mark_at_place > 0 ? strat_dist_bps(mark, q->mark_at_place) : 0.0;
    bool drifted = q->mark_at_place > 0 && drift > c->requote_drift_bps;
    if (drifted && rested < c->min_rest_s) {
        set(d, false, RQ_RESTING, "tier %d: mark drifted %.2f bps, quote rested %.1f s of %g", t, drift,
            rested, c->min_rest_s);
        return;
    }
    if (drifted) {
        set(d, true, RQ_DRIFT, "tier %d: mark drifted %.2f bps (> %g) since quoting", t, drift,
            c->requote_drift_bps);
        return;
    }
    set(d, false, RQ_IN_BAND, "tier %d: in band", t);
}

bool rq_hold_old(const struct cfg_task *c, const struct rq_quote *old, enum rq_rule rule, dec_t mark,
                 int64_t repl_ack_us, int64_t now_us)
{
    if (rule != RQ_OUTER_EDGE && rule != RQ_DRIFT) return false;
    if (c->min_rest_s <= 0 || repl_ack_us <= 0 || mark <= 0) return false;
    if ((double)(now_us - repl_ack_us) / 1e6 >= c->min_rest_s) return false;
    if (wrong_side(old->side, old->price, mark)) return false;
    if (strat_dist_bps(old->price, mark) < c->bands[old->tier].min_bps - RQ_EPS) return false;
    return rq_within_reward_band(old->price, mark);
}
