/* risk — the guards of one task, evaluated on every market update, fill and
 * timer tick: price jump within 1 s, book depth within 10 bps of mark,
 * position limit (per side, resting orders counted as filled), fill rate
 * per minute, spread, stale data.  Each active guard contributes a reason
 * string; the state is Safe / Caution (keep quoting where allowed) / Halt
 * (cancel everything, quote nothing).  An automatic halt lifts after
 * resume_calm_s of calm by hysteresis -- the metrics that triggered it
 * below RISK_REARM of their thresholds all that time (the jump under half
 * its limit, the fill count at most half its limit), no guard firing
 * -- or at the latest after halt_cooldown_s with no guard firing; an
 * operator halt only on resume.  Before a halt, a mark moving more than
 * RISK_REARM of the jump limit within 1 s is Caution with `widen` set:
 * new quotes go to the outer part of their band; more fills in the last
 * minute than RISK_REARM of the fill-rate limit (but not over it) is
 * Caution with `thin` set: new quotes at half size.  Every risk
 * decision comes out of here: risk_eval's verdict (state, no_quote, the
 * sides the position limit blocks, the first reason) and risk_order_allowed,
 * the one position-limit rule.  The thresholds are read from the task's
 * parameters (struct cfg_task) on every call, never copied.  Pure: no I/O,
 * no clock, no globals. */
#ifndef MMD_RISK_H
#define MMD_RISK_H
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "venue.h"

enum risk_state { RISK_SAFE = 0, RISK_CAUTION, RISK_HALT };

#define RISK_MAX_REASONS 10
#define RISK_MARKS 256
#define RISK_FILLS 1024
#define RISK_DEPTH_BPS 10.0
#define RISK_REARM 0.5          /* hysteresis: a metric is calm below this share of its limit */
#define RISK_CAUSE_JUMP 1u
#define RISK_CAUSE_FILLS 2u

/* What risk_eval decided. */
struct risk_verdict {
    enum risk_state state;
    bool no_quote;              /* quote nothing (no data yet, spread too wide) */
    bool block_buy, block_sell; /* the position limit refuses the next order on that side */
    bool widen;                 /* Caution: the mark moves fast; new quotes go wider in band */
    bool thin;                  /* Caution: fills come fast; new quotes half size */
    char reason[128];           /* the first reason, "" when safe */
};

struct risk {
    /* inputs */
    struct { int64_t us; dec_t mark; } marks[RISK_MARKS];
    int nmarks;
    int64_t fills[RISK_FILLS];
    int fill_next, nfills;
    int64_t last_md_us;
    bool have_md, feed_stale, have_depth;
    bool had_fresh;             /* a non-stale snapshot was ever seen */
    bool stale_now;             /* the stale-data guard fired in this evaluation */
    bool halt_stale_only;       /* the current automatic halt had no other cause */
    int64_t depth_low_since_us; /* thin book first seen (0: not thin) */
    dec_t mark, depth_bid_usd, depth_ask_usd;
    double spread_bps;          /* < 0 unknown */
    /* outcome */
    bool auto_halt, op_halt;
    bool venue_halt;            /* the venue refuses the account (risk_venue_halt) */
    char venue_reason[112];
    int64_t calm_since_us;
    int64_t quiet_since_us;     /* the triggering metrics under RISK_REARM of their limits since (0: not) */
    unsigned halt_causes;       /* RISK_CAUSE_* that fired during the current automatic halt */
    double jump_now;            /* the current risk_eval's largest move within 1 s, bps */
    int fills_now;              /* ... and orders filled in the last minute */
    char op_reason[96];
    struct risk_verdict verdict;    /* of the last risk_eval */
    char reasons[RISK_MAX_REASONS][128];
    int nreasons;
};

struct risk_pos {               /* position guard inputs */
    dec_t position;             /* signed */
    dec_t resting_buy, resting_sell;   /* open qty of live orders, as if filled */
    dec_t next_qty;             /* the smallest order the task would add (0: the smallest
                                   representable): a side is blocked when even that is refused */
    bool disputed;              /* the venue's reports contradict our fills (then position
                                   is the larger exposure of the two) */
    dec_t venue_position, fills_position;
};

/* A thin book must persist this long before it halts: a price frame that
 * moved the mark arrives before the book rebuilt around it. */
#define RISK_DEPTH_PERSIST_US 500000

void risk_init(struct risk *r);
void risk_on_md(struct risk *r, const struct md_snapshot *s, int64_t now_us);
void risk_on_fill(struct risk *r, int64_t now_us);
/* Re-evaluates every guard with the thresholds of c; the verdict stays
 * valid (and in r->verdict) until the next call.  Halts, cooldowns and
 * history survive new parameters. */
const struct risk_verdict *risk_eval(struct risk *r, const struct cfg_task *c,
                                     const struct risk_pos *p, int64_t now_us);
void risk_operator_halt(struct risk *r, const char *reason);
void risk_operator_resume(struct risk *r);
/* A halt the venue imposes (credentials refused): lifted by
 * risk_venue_clear when the venue accepts the account again, not by resume. */
void risk_venue_halt(struct risk *r, const char *reason);
void risk_venue_clear(struct risk *r);
const char *risk_state_name(enum risk_state s);   /* "safe" / "caution" / "halt" */
/* The position limit, the one rule: a new order of qty on side is allowed
 * only if |position + resting same side + qty| x mark <= limit, or if that
 * absolute position is no larger than |position| now (the reducing side
 * always quotes).  limit 0 = none. */
bool risk_position_allows(dec_t limit_usd, enum side side, dec_t position, dec_t resting_same,
                          dec_t qty, dec_t mark);
/* The rule for this task: c->max_position_usd at the last mark seen, p's
 * resting counting every live order on the side -- including a quote this
 * order would replace, so make-before-break counts both, and when refused
 * the old quote must be cancelled first. */
bool risk_order_allowed(const struct risk *r, const struct cfg_task *c, const struct risk_pos *p,
                        enum side side, dec_t qty);

#endif
