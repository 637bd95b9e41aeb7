/* requote — the one rest-aware re-quote decision for a resting quote of one
 * tier: keep it or replace it now, and which rule of the table said so.
 * The table (mmd.yaml(5), "Re-quoting"), first matching row wins:
 *   1 wrong side    a bid above the mark or an ask below it: replace now
 *   2 inner edge    the mark moved toward it past the band's inner edge
 *                   (closer than min bps: adverse selection): replace now
 *   3 outer edge    farther than the band's max bps: replace now
 *   4 reward band   its tier is meant to count for the 10 bps reward band
 *                   (the band's middle is inside 10 bps) and it is no
 *                   longer within 10 bps of the mark: replace now
 *   5 resting       in its band but rested less than min_rest_s since the
 *                   venue acknowledged it: keep (a drift waits)
 *   6 drift         the mark moved more than requote_drift_bps since it was
 *                   placed: replace (make-before-break, as every row)
 *   7 in band       keep
 * Handover (make-before-break, extended): once the replacement is
 * acknowledged the old quote is cancelled -- unless it was replaced by row 3
 * or 6 and still counts (right side, not inside its inner edge, within the
 * 10 bps reward band): then it stays until the replacement itself has rested
 * min_rest_s, so the side keeps an order that counts under the 3 s rule
 * (rq_hold_old).
 * Parameters are read from the task's struct cfg_task on every call.  Pure:
 * no I/O, no clock, no globals. */
#ifndef MMD_REQUOTE_H
#define MMD_REQUOTE_H
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "venue.h"

#define RQ_REWARD_BAND_BPS 10   /* the uptime / Maker Points band, inclusive */

enum rq_rule {
    RQ_WRONG_SIDE = 1, RQ_INNER_EDGE, RQ_OUTER_EDGE, RQ_REWARD_BAND, RQ_RESTING, RQ_DRIFT, RQ_IN_BAND
};

/* The resting quote, as the decision sees it. */
struct rq_quote {
    int tier;                   /* 0.. */
    enum side side;
    dec_t price;
    dec_t mark_at_place;        /* 0: unknown (the drift rule does not fire) */
    int64_t rest_since_us;      /* venue acknowledgement; 0: unknown (counts as rested) */
};

struct rq_decision {
    bool replace;
    enum rq_rule rule;
    char why[160];
};

/* Decides for q at mark `mark` and time now_us; always fills d. */
void rq_decide(const struct cfg_task *c, const struct rq_quote *q, dec_t mark, int64_t now_us,
               struct rq_decision *d);
/* Whether a replaced quote old (replaced by `rule`) is still kept at mark,
 * now_us, its replacement acknowledged at repl_ack_us (see Handover). */
bool rq_hold_old(const struct cfg_task *c, const struct rq_quote *old, enum rq_rule rule, dec_t mark,
                 int64_t repl_ack_us, int64_t now_us);
/* Whether the tier's band is meant to count for the reward band (row 4). */
bool rq_tier_counts(const struct cfg_task *c, int tier);
/* |price - mark| <= RQ_REWARD_BAND_BPS of mark, exactly (no rounding at the edge). */
bool rq_within_reward_band(dec_t price, dec_t mark);
const char *rq_rule_name(enum rq_rule r);   /* "wrong side", "inner edge", ... */

#endif
