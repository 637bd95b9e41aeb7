/* risk — guard evaluation and Safe/Caution/Halt state (see risk.h). */
#include "risk.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *risk_state_name(enum risk_state s)
{
    return s == RISK_HALT ? "halt" : s == RISK_CAUTION ? "caution" : "safe";
}

void risk_init(struct risk *r)
{
    memset(r, 0, sizeof *r);
    r->spread_bps = -1;
}

/* Depth (sum qty x px) within bps of mark on one side of a snapshot. */
static dec_t depth_usd(const struct md_snapshot *s, enum side side, dec_t mark, double bps)
{
    dec_t sum = 0;
    dec_t lo = dec_mul_f(mark, 1.0 - bps / 1e4), hi = dec_mul_f(mark, 1.0 + bps / 1e4);
    int n = side == SIDE_BUY ? s->n_bids : s->n_asks;
    const struct md_level *lv = side == SIDE_BUY ? s->bids : s->asks;
    if (n > MD_MAX_LEVELS) n = MD_MAX_LEVELS;
    for (int i = 0; i < n; i++) {
        bool in = side == SIDE_BUY ? lv[i].px >= lo : lv[i].px <= hi;
        if (in && lv[i].qty > 0) sum += dec_mul(lv[i].qty, lv[i].px);
    }
    return sum;
}

/* Keeps the marks of the last second and, as the window's reference, the
 * newest one before it (the mark in effect when the window opened): at
 * 1-3 Hz the window may hold one frame, and a move between two frames a
 * second apart must still count. */
static void push_mark(struct risk *r, int64_t now_us, dec_t mark)
{
    int keep = 0, ref = -1;
    for (int i = 0; i < r->nmarks; i++)
        if (now_us - r->marks[i].us > 1000000) ref = i;   /* in time order: the newest old one */
    for (int i = 0; i < r->nmarks; i++)
        if (i == ref || now_us - r->marks[i].us <= 1000000) r->marks[keep++] = r->marks[i];
    r->nmarks = keep;
    if (r->nmarks == RISK_MARKS) {
        memmove(&r->marks[0], &r->marks[1], sizeof r->marks[0] * (RISK_MARKS - 1));
        r->nmarks--;
    }
    r->marks[r->nmarks].us = now_us;
    r->marks[r->nmarks].mark = mark;
    r->nmarks++;
}

void risk_on_md(struct risk *r, const struct md_snapshot *s, int64_t now_us)
{
    int64_t t = s->price_recv_us > s->depth_recv_us ? s->price_recv_us : s->depth_recv_us;
    r->last_md_us = t > 0 ? t : now_us;
    r->have_md = true;
    r->feed_stale = s->stale;
    if (!s->stale) r->had_fresh = true;
    if (s->mark > 0) {
        r->mark = s->mark;
        push_mark(r, now_us, s->mark);
    }
    r->spread_bps = -1;
    if (s->best_bid > 0 && s->best_ask > 0) {
        dec_t mid = (s->best_bid + s->best_ask) / 2;
        r->spread_bps = mid > 0 ? dec_to_double(s->best_ask - s->best_bid) /
                                      dec_to_double(mid) * 1e4 : -1;
    }
    r->have_depth = s->depth_recv_us > 0 || s->n_bids > 0 || s->n_asks > 0;
    if (r->have_depth && r->mark > 0) {
        r->depth_bid_usd = depth_usd(s, SIDE_BUY, r->mark, RISK_DEPTH_BPS);
        r->depth_ask_usd = depth_usd(s, SIDE_SELL, r->mark, RISK_DEPTH_BPS);
    }
}

void risk_on_fill(struct risk *r, int64_t now_us)
{
    r->fills[r->fill_next] = now_us;
    r->fill_next = (r->fill_next + 1) % RISK_FILLS;
    if (r->nfills < RISK_FILLS) r->nfills++;
}

/* Fills in the last 60 s. */
static int fills_last_minute(const struct risk *r, int64_t now_us)
{
    int n = 0;
    for (int i = 0; i < r->nfills; i++)
        if (now_us - r->fills[i] < 60000000) n++;
    return n;
}

bool risk_position_allows(dec_t limit_usd, enum side side, dec_t position, dec_t resting_same,
                          dec_t qty, dec_t mark)
{
    if (limit_usd <= 0) return true;
    dec_t after = side == SIDE_BUY ? position + resting_same + qty
                                   : position - resting_same - qty;
    if (after < 0) after = -after;
    dec_t now = position < 0 ? -position : position;
    /* within the limit, or not adding to the exposure (the reducing side) */
    return dec_mul(after, mark) <= limit_usd || after <= now;
}

bool risk_order_allowed(const struct risk *r, const struct cfg_task *c, const struct risk_pos *p,
                        enum side side, dec_t qty)
{
    dec_t resting = side == SIDE_BUY ? p->resting_buy : p->resting_sell;
    return risk_position_allows(c->max_position_usd, side, p->position, resting, qty, r->mark);
}

static void reason(struct risk *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason(struct risk *r, const char *fmt, ...)
{
    if (r->nreasons >= RISK_MAX_REASONS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reasons[r->nreasons++], sizeof r->reasons[0], fmt, ap);
    va_end(ap);
}

/* The largest move among the marks of the last second and the mark in
 * effect when it began. */
static double jump_bps(const struct risk *r, int64_t now_us)
{
    dec_t lo = 0, hi = 0;
    int ref = -1;
    for (int i = 0; i < r->nmarks; i++)
        if (now_us - r->marks[i].us > 1000000) ref = i;
    for (int i = 0; i < r->nmarks; i++) {
        if (i != ref && now_us - r->marks[i].us > 1000000) continue;
        dec_t m = r->marks[i].mark;
        if (lo == 0 || m < lo) lo = m;
        if (m > hi) hi = m;
    }
    return lo > 0 ? dec_bps(hi, lo) : 0.0;
}

/* A book thinner than min_depth_usd within 10 bps, for RISK_DEPTH_PERSIST_US. */
static void depth_guard(struct risk *r, const struct cfg_task *c, int64_t now_us)
{
    char a[32], b[32];
    dec_t min_depth = c->min_depth_usd;
    bool thin = min_depth > 0 && r->have_depth && r->mark > 0 &&
                (r->depth_bid_usd < min_depth || r->depth_ask_usd < min_depth);
    if (!thin) r->depth_low_since_us = 0;
    else if (!r->depth_low_since_us) r->depth_low_since_us = now_us;
    if (!thin || now_us - r->depth_low_since_us < RISK_DEPTH_PERSIST_US) return;
    if (r->depth_bid_usd < min_depth)
        reason(r, "depth: bid side %s USD within 10 bps < %s", dec_fmt(r->depth_bid_usd, 0, a, 32),
               dec_fmt(min_depth, 0, b, 32));
    if (r->depth_ask_usd < min_depth)
        reason(r, "depth: ask side %s USD within 10 bps < %s", dec_fmt(r->depth_ask_usd, 0, a, 32),
               dec_fmt(min_depth, 0, b, 32));
}

/* Before the first complete snapshot we only wait (see caution_guards): a
 * feed that was never up is not a reason for a halt and its cooldown. */
static void stale_guard(struct risk *r, const struct cfg_task *c, int64_t now_us)
{
    r->stale_now = false;
    if (r->have_md && r->feed_stale && r->had_fresh) {
        reason(r, "stale data: market feed lost");
        r->stale_now = true;
    } else if (r->have_md && c->stale_data_ms > 0 &&
               now_us - r->last_md_us > (int64_t)c->stale_data_ms * 1000) {
        reason(r, "stale data: no market update for %lld ms (limit %d)",
               (long long)((now_us - r->last_md_us) / 1000), c->stale_data_ms);
        r->stale_now = true;
    }
}

/* The Halt guards; returns how many are active. */
static int halt_guards(struct risk *r, const struct cfg_task *c, int64_t now_us)
{
    int before = r->nreasons;
    double j = r->jump_now;
    if (c->price_jump_threshold_bps > 0 && j > c->price_jump_threshold_bps) {
        reason(r, "price jump: mark moved %.1f bps within 1 s (limit %g)", j,
               c->price_jump_threshold_bps);
        r->halt_causes |= RISK_CAUSE_JUMP;
    }
    depth_guard(r, c, now_us);
    int f = r->fills_now;
    if (c->max_fills_per_minute > 0 && f > c->max_fills_per_minute) {
        reason(r, "fill rate: %d fills in the last 60 s (limit %d)", f, c->max_fills_per_minute);
        r->halt_causes |= RISK_CAUSE_FILLS;
    }
    stale_guard(r, c, now_us);
    return r->nreasons - before;
}

/* Whether the position rule refuses the next order on side (p->next_qty, or
 * the smallest representable qty); if so, says so as a reason. */
static bool side_blocked(struct risk *r, const struct cfg_task *c, const struct risk_pos *p,
                         enum side side, char *buf, size_t len)
{
    dec_t qty = p->next_qty > 0 ? p->next_qty : 1;
    if (c->max_position_usd <= 0 || r->mark <= 0 || risk_order_allowed(r, c, p, side, qty))
        return false;
    char lim[32];
    dec_t rest = side == SIDE_BUY ? p->resting_buy : p->resting_sell;
    dec_t after = side == SIDE_BUY ? p->position + rest + qty : p->position - rest - qty;
    reason(r, "position: %s USD with resting and next order > limit %s, %s side blocked",
           dec_fmt(dec_mul(after < 0 ? -after : after, r->mark), 0, buf, len),
           dec_fmt(c->max_position_usd, 0, lim, sizeof lim), side_name(side));
    return true;
}

static void caution_guards(struct risk *r, const struct cfg_task *c, const struct risk_pos *p)
{
    struct risk_verdict *v = &r->verdict;
    char a[32];
    if (!r->had_fresh) {
        v->no_quote = true;
        reason(r, "waiting for market data");
    }
    double j = r->jump_now;
    if (c->price_jump_threshold_bps > 0 && j >= RISK_REARM * c->price_jump_threshold_bps &&
        j <= c->price_jump_threshold_bps) {
        v->widen = true;
        reason(r, "price moving: %.1f bps within 1 s (caution from %g): new quotes wider", j,
               RISK_REARM * c->price_jump_threshold_bps);
    }
    int f = r->fills_now;
    if (c->max_fills_per_minute > 0 && f > (int)(RISK_REARM * c->max_fills_per_minute) &&
        f <= c->max_fills_per_minute) {
        v->thin = true;
        reason(r, "fill rate: %d fills in the last 60 s (caution above %d): new quotes half size", f,
               (int)(RISK_REARM * c->max_fills_per_minute));
    }
    if (c->max_spread_bps > 0 && r->spread_bps > c->max_spread_bps) {
        v->no_quote = true;
        reason(r, "spread: %.1f bps > %g, not quoting", r->spread_bps, c->max_spread_bps);
    }
    if (!p) return;
    if (p->disputed) {
        char vq[32], fq[32];
        reason(r, "position: the venue reports %s, our fills say %s; limits use the larger (check the "
                  "account; a restart adopts the venue's figure)",
               dec_str(p->venue_position, vq, sizeof vq), dec_str(p->fills_position, fq, sizeof fq));
    }
    v->block_buy = side_blocked(r, c, p, SIDE_BUY, a, sizeof a);
    v->block_sell = side_blocked(r, c, p, SIDE_SELL, a, sizeof a);
}

/* Hysteresis: every metric that triggered the current halt under RISK_REARM
 * of its limit (the others, and the depth and stale guards, are calm when
 * they do not fire). */
static bool metrics_quiet(const struct risk *r, const struct cfg_task *c)
{
    if ((r->halt_causes & RISK_CAUSE_JUMP) && c->price_jump_threshold_bps > 0 &&
        r->jump_now >= RISK_REARM * c->price_jump_threshold_bps)
        return false;
    if ((r->halt_causes & RISK_CAUSE_FILLS) && c->max_fills_per_minute > 0 &&
        r->fills_now > (int)(RISK_REARM * c->max_fills_per_minute))
        return false;
    return true;
}

/* The automatic halt: set by any halt guard, lifted by calm (see risk.h). */
static void update_auto_halt(struct risk *r, const struct cfg_task *c, int fired, int64_t now_us)
{
    bool quiet = fired == 0 && metrics_quiet(r, c);
    if (!quiet) r->quiet_since_us = 0;
    else if (!r->quiet_since_us) r->quiet_since_us = now_us;
    if (fired > 0) {
        /* A halt caused by stale data alone lifts as soon as fresh data
         * flows again (the jump guard still compares against the marks seen
         * before the gap); any other cause needs halt_cooldown_s of calm. */
        if (!r->auto_halt) r->halt_stale_only = true;
        if (fired > (r->stale_now ? 1 : 0)) r->halt_stale_only = false;
        r->auto_halt = true;
        r->calm_since_us = 0;
    } else if (r->auto_halt && r->halt_stale_only) {
        r->auto_halt = false;
        r->halt_causes = 0;
    } else if (r->auto_halt) {
        if (r->calm_since_us == 0) r->calm_since_us = now_us;
        double calm = (double)(now_us - r->calm_since_us) / 1e6;
        double left = c->halt_cooldown_s - calm;
        if (c->resume_calm_s > 0 && r->quiet_since_us) {
            double q = c->resume_calm_s - (double)(now_us - r->quiet_since_us) / 1e6;
            if (q < left) left = q;
        }
        if (left <= 0) {
            r->auto_halt = false;
            r->halt_causes = 0;
        }
        else reason(r, "halt cooldown: %.1f s of calm left", left);
    }
}

const struct risk_verdict *risk_eval(struct risk *r, const struct cfg_task *c,
                                     const struct risk_pos *p, int64_t now_us)
{
    struct risk_verdict *v = &r->verdict;
    memset(v, 0, sizeof *v);
    r->nreasons = 0;
    r->jump_now = jump_bps(r, now_us);           /* once per evaluation: every guard reads these */
    r->fills_now = fills_last_minute(r, now_us);
    update_auto_halt(r, c, halt_guards(r, c, now_us), now_us);
    if (r->op_halt) reason(r, "operator halt: %s", r->op_reason[0] ? r->op_reason : "(no reason)");
    if (r->venue_halt) reason(r, "%s", r->venue_reason);
    int halt_n = r->nreasons;
    caution_guards(r, c, p);
    if (r->auto_halt || r->op_halt || r->venue_halt) v->state = RISK_HALT;
    else v->state = r->nreasons > halt_n ? RISK_CAUTION : RISK_SAFE;
    snprintf(v->reason, sizeof v->reason, "%s", r->nreasons ? r->reasons[0] : "");
    return v;
}

void risk_operator_halt(struct risk *r, const char *why)
{
    r->op_halt = true;
    snprintf(r->op_reason, sizeof r->op_reason, "%s", why ? why : "");
}

void risk_venue_halt(struct risk *r, const char *why)
{
    r->venue_halt = true;
    snprintf(r->venue_reason, sizeof r->venue_reason, "%s", why ? why : "refused by the venue");
}

void risk_venue_clear(struct risk *r)
{
    r->venue_halt = false;
    r->venue_reason[0] = 0;
}

void risk_operator_resume(struct risk *r)
{
    r->op_halt = false;
    r->op_reason[0] = 0;
}
