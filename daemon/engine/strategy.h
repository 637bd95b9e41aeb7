/* strategy — pure quote pricing for one task: where each tier's bid and ask
 * sit (middle of the tier's band around the MARK, rounded to the tick away
 * from the touch, never touching the opposite best; shifted by Caution's
 * widening or the inventory skew, inside the band), how big they are (base
 * qty x tier multiplier, floored to the lot, >= min qty), and the task's
 * cl_ord_id scheme "<task-id>-<base36 seed>-<n>" (whether a resting quote must
 * be re-quoted is engine/requote.h's table).  No I/O, no clock, no globals. */
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
/* The same shift_bps farther from the mark than the band's middle (< 0:
 * closer), the distance kept at least a quarter of the band's width inside
 * each edge (strat_shifted_bps). */
void strat_quote_shift(const struct cfg_task *c, const struct sym_info *si, int tier, enum side side,
                       dec_t mark, dec_t best_bid, dec_t best_ask, double shift_bps,
                       struct strat_quote *q);
double strat_shifted_bps(const struct cfg_task *c, int tier, double shift_bps);
/* Caution's widening: the shift that puts a quote a quarter of the band's
 * width inside its outer edge. */
double strat_widen_bps(const struct cfg_task *c, int tier);
/* The outward bias of a tier whose band ends inside the 10 bps reward band:
 * min(a quarter of the band's width, half the room between its outer edge
 * and 10 bps).  A quote that later leaves the band outward still counts in
 * that room (the handover keeps it while its replacement rests); one that
 * leaves inward is adverse and goes at once -- so the quote starts farther
 * from the inner edge.  0 for bands reaching 10 bps. */
double strat_rest_bias_bps(const struct cfg_task *c, int tier);
/* Inventory skew for side: c->inventory_skew_bps x min(1, |position| x mark
 * / max_position_usd), positive (farther) on the side that would grow the
 * position, negative (closer) on the other; 0 when off, flat or no limit. */
double strat_skew_bps(const struct cfg_task *c, enum side side, dec_t position, dec_t mark);
/* Client order ids.  "<tag>-<session>-<n>", at most CLOID_LIMIT characters
 * of [A-Za-z0-9._-] for every valid task id:
 *   tag      the task id itself when it has at most CLOID_TAG_MAX characters
 *            and no '.', else its first 7 characters, '.', and 4 base36
 *            characters of a hash of the whole id (short, still the task's,
 *            the same at every start so reconciliation finds its orders);
 *   session  base36 wall milliseconds at start + 2 base36 characters of a
 *            random salt: two starts never share it (whole seconds did);
 *   n        base36 counter. */
#define CLOID_LIMIT 32
#define CLOID_TAG_MAX 12
void strat_cloid_tag(const char *task_id, char *buf, size_t len);
void strat_session36(int64_t wall_ms, uint32_t salt, char *buf, size_t len);
/* Returns 0, or -1 when the id would exceed CLOID_LIMIT or len. */
int strat_cloid(char *buf, size_t len, const char *tag, const char *session, uint64_t n);
/* Whether cl_ord_id has exactly the shape strat_cloid makes for this tag
 * ("<tag>-[0-9a-z]+-[0-9a-z]+"), so tag "a" never claims tag "a-b"'s ids. */
bool strat_cloid_ours(const char *tag, const char *cl_ord_id);

#endif
