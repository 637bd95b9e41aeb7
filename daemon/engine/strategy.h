/* strategy — pure quote pricing for one task: where each tier's bid and ask
 * sit (middle of the tier's band around the MARK, rounded to the tick away
 * from the touch, never touching the opposite best), how big they are (base
 * qty x tier multiplier, floored to the lot, >= min qty), when a resting quote
 * must be re-quoted (band exit or mark drift), and the task's cl_ord_id
 * scheme "<task-id>-<base36 seed>-<n>".  No I/O, no clock, no globals. */
#ifndef MMD_STRATEGY_H
#define MMD_STRATEGY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "venue.h"

struct strat_quote {
    bool ok;            /* false: not quoted, why says so */
    dec_t price, qty;
    char why[128];
};

/* Distance of price from mark in bps (always >= 0). */
double strat_dist_bps(dec_t price, dec_t mark);
/* Tier quantity: base_qty x multiplier floored to the lot, clamped to
 * max_qty; 0 (and why) when below the symbol's min qty. */
dec_t strat_tier_qty(const struct cfg_task *c, const struct sym_info *si, int tier,
                     char *why, size_t whylen);
/* Floors q to the lot; 0 when below min qty. */
dec_t strat_fit_qty(const struct sym_info *si, dec_t q);
/* Price of one side of one tier (bands in c->bands[tier]). best_* 0 = unknown. */
dec_t strat_tier_price(const struct cfg_task *c, const struct sym_info *si, int tier,
                       enum side side, dec_t mark, dec_t best_bid, dec_t best_ask);
/* Full target (price + full tier size) for one side of one tier. */
void strat_quote(const struct cfg_task *c, const struct sym_info *si, int tier, enum side side,
                 dec_t mark, dec_t best_bid, dec_t best_ask, struct strat_quote *q);
bool strat_in_band(const struct cfg_task *c, int tier, enum side side, dec_t price, dec_t mark);
/* True (and why) when a quote at `price`, placed when the mark was
 * mark_at_place, must be replaced now that the mark is `mark`. */
bool strat_needs_requote(const struct cfg_task *c, int tier, enum side side, dec_t price,
                         dec_t mark_at_place, dec_t mark, char *why, size_t whylen);
/* cl_ord_id = "<task_id>-<seed36>-<n>"; seed36 = base36 of wall seconds.
 * Returns 0, or -1 when it does not fit in len. */
int strat_cloid(char *buf, size_t len, const char *task_id, const char *seed36, uint64_t n);
void strat_seed36(int64_t wall_ms, char *buf, size_t len);
/* Whether cl_ord_id was made by strat_cloid for this task id (exact shape
 * "<task_id>-[0-9a-z]+-[0-9]+", so task "a" never claims task "a-b"'s ids). */
bool strat_cloid_ours(const char *task_id, const char *cl_ord_id);

#endif
