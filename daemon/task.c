/* task — one trading task: glue between the pure engine modules (strategy,
 * orders, risk, uptime) and a struct venue.  Owns construction, start-up
 * reconciliation, venue event handling, quote slots with make-before-break
 * replacement, periodic REST reconciliation, the reject circuit breaker,
 * operator halt/resume and the entry points (see task.h).  The graceful
 * stop sequence is in task_stop.c, the JSON views in task_json.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "task_int.h"

/* Bounded copy that may truncate (and says nothing about it). */
static void scopy(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l >= n) l = n - 1;
    memcpy(dst, src, l);
    dst[l] = 0;
}

void task_log(struct task *t, enum log_level lvl, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lvl >= LOG_WARN) scopy(t->last_reason, sizeof t->last_reason, msg);
    if (lvl >= log_get_level()) log_msg(lvl, "task", "%s: %s", t->cfg.id, msg);
}

static void step(struct task *t, int64_t now_us);

/* ---------- construction and accessors ---------- */

/* The one copy of the task's parameters (strategy and risk read it). */
static void set_cfg(struct task *t, const struct cfg_task *c)
{
    t->cfg = *c;
    if (t->cfg.tiers < 1) t->cfg.tiers = 1;
    if (t->cfg.tiers > CFG_MAX_TIERS) t->cfg.tiers = CFG_MAX_TIERS;
}

/* Random bits for the session part of cl_ord_ids (two starts in the same
 * millisecond still differ); the pid if the kernel has none to give. */
static uint32_t start_salt(void)
{
    uint32_t v;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v) return v;
    return (uint32_t)getpid() * 2654435761u;
}

struct task *task_new(const struct cfg_task *cfg, const struct sym_info *si, struct venue venue,
                      int64_t now_us, int64_t wall_ms)
{
    (void)now_us;
    if (!cfg || !si || !venue.ops) return NULL;
    struct task *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    set_cfg(t, cfg);
    t->si = *si;
    t->v = venue;
    t->wall_ms = wall_ms;
    strat_cloid_tag(cfg->id, t->tag, sizeof t->tag);
    strat_session36(wall_ms, start_salt(), t->seed, sizeof t->seed);
    ord_init(&t->book);
    risk_init(&t->risk);
    up_init(&t->up, cfg->symbol);
    t->st = TS_STARTING;
    t->fills_day = wall_ms / 86400000;
    return t;
}

void task_free(struct task *t)
{
    if (t) task_lg_free(t);
    free(t);
}

void task_reconfigure(struct task *t, const struct cfg_task *c, int64_t now_us)
{
    (void)now_us;
    if (!t || !c) return;
    int old_tiers = t->cfg.tiers;
    set_cfg(t, c);
    /* slots of tiers no longer configured forget their orders, which the
     * next step then cancels as unowned */
    for (int i = t->cfg.tiers; i < old_tiers; i++)
        memset(t->slots[i], 0, sizeof t->slots[i]);
    TLOG(t, "new parameters: %d tier(s), drift %g bps, cooldown %g s", t->cfg.tiers,
         t->cfg.requote_drift_bps, t->cfg.fill_cooldown_s);
}
const struct cfg_task *task_cfg(const struct task *t) { return &t->cfg; }
const char *task_id(const struct task *t) { return t->cfg.id; }
const char *task_symbol(const struct task *t) { return t->cfg.symbol; }
bool task_owns_cloid(const struct task *t, const char *cl) { return strat_cloid_ours(t->tag, cl); }
bool task_orders_settled(const struct task *t) { return ord_live_count(&t->book) == 0; }
bool task_stop_done(const struct task *t) { return t->stop_done; }
const char *task_stop_summary(const struct task *t) { return t->summary; }

const char *task_state_name(const struct task *t)
{
    switch (t->st) {
    case TS_STARTING: return "starting";
    case TS_QUOTING: return t->risk.verdict.state == RISK_HALT ? "halted" : "quoting";
    case TS_PAUSED: return "paused";
    case TS_STOPPING: return "stopping";
    case TS_STOPPED: return "stopped";
    case TS_FAILED: return "failed";
    }
    return "?";
}

/* ---------- venue requests ---------- */

const struct ord *task_send_order(struct task *t, enum side side, int tier, dec_t price, dec_t qty,
                              bool close, int64_t now_us)
{
    struct order_req r = {0};
    if (strat_cloid(r.cl_ord_id, sizeof r.cl_ord_id, t->tag, t->seed, ++t->seq) != 0) {
        TWARN(t, "cl_ord_id does not fit");
        return NULL;
    }
    snprintf(r.symbol, sizeof r.symbol, "%s", t->cfg.symbol);
    r.side = side;
    r.market = close;
    r.tif = close ? TIF_IOC : TIF_ALO;
    r.reduce_only = close;
    r.price = close ? 0 : price;
    r.qty = qty;
    r.price_decimals = t->si.price_decimals;
    r.qty_decimals = t->si.qty_decimals;
    const struct ord *o = ord_add(&t->book, &r, tier, t->mark, now_us);
    if (!o) {
        if (ord_find(&t->book, r.cl_ord_id))
            TWARN(t, "client order id %s is already in the book (an id collision): not placing", r.cl_ord_id);
        else
            TWARN(t, "order book full (%d orders, none finished to forget): not placing", ORD_MAX);
        return NULL;
    }
    task_lg_order(t, o, now_us);
    if (t->v.ops->place(t->v.ctx, &r) != 0) {
        ord_set_done(&t->book, o, OS_CANCELED, "place refused by venue layer", now_us);
        task_lg_order(t, o, now_us);
        TWARN(t, "place %s refused by venue layer", r.cl_ord_id);
        return NULL;
    }
    return o;
}

/* A cancel already sent is followed up by query_order (reconcile), and
 * re-sent only when the venue says the order is still open (force). */
static bool cancel_due(const struct ord *o)
{
    return ord_is_live(o) && o->status != OS_PENDING_CANCEL;
}

static void send_cancel(struct task *t, const struct ord *o, bool force, int64_t now_us)
{
    if (!ord_is_live(o) || (!force && !cancel_due(o))) return;
    if (!ord_cancel_allowed(o, now_us)) return;   /* rate limited: back off */
    if (t->v.ops->cancel(t->v.ctx, t->cfg.symbol, o->cl_ord_id, o->order_id) == 0)
        ord_mark_cancel(&t->book, o, now_us);
}

/* Cancels every live order of ours not already being cancelled. */
void task_cancel_all(struct task *t, int64_t now_us)
{
    const char *ids[ORD_MAX];
    const struct ord *os[ORD_MAX];
    size_t n = 0;
    for (int i = 0; i < t->book.n; i++) {
        const struct ord *o = ord_at(&t->book, i);
        if (cancel_due(o) && ord_cancel_allowed(o, now_us)) {
            os[n] = o;
            ids[n++] = o->cl_ord_id;
        }
    }
    if (n == 0) return;
    if (t->v.ops->cancel_many(t->v.ctx, t->cfg.symbol, ids, n) == 0) {
        for (size_t i = 0; i < n; i++) ord_mark_cancel(&t->book, os[i], now_us);
        TLOG(t, "cancel sent for %zu order(s)", n);
        return;
    }
    for (size_t i = 0; i < n; i++) send_cancel(t, os[i], false, now_us);
}

void task_query_open_orders(struct task *t, int64_t now_us)
{
    t->last_oo_us = now_us;
    t->v.ops->query_open_orders(t->v.ctx, t->cfg.symbol);
}

void task_query_positions(struct task *t, int64_t now_us)
{
    t->last_pos_us = now_us;
    t->v.ops->query_positions(t->v.ctx, t->cfg.symbol);
}

static void query_order(struct task *t, const struct ord *o, int64_t now_us)
{
    ord_mark_queried(&t->book, o, now_us);
    t->v.ops->query_order(t->v.ctx, o->cl_ord_id);
}

/* ---------- fills, rejects, circuit breaker ---------- */

static struct slot *slot_of(struct task *t, const char *cl)
{
    if (!cl || !*cl) return NULL;
    for (int i = 0; i < CFG_MAX_TIERS; i++)
        for (int s = 0; s < 2; s++)
            if (strcmp(t->slots[i][s].cur, cl) == 0 || strcmp(t->slots[i][s].repl, cl) == 0 ||
                strcmp(t->slots[i][s].held, cl) == 0)
                return &t->slots[i][s];
    return NULL;
}

static bool is_alo_reject(const char *msg)
{
    char low[128];
    size_t i = 0;
    for (; msg[i] && i + 1 < sizeof low; i++)
        low[i] = (char)(msg[i] >= 'A' && msg[i] <= 'Z' ? msg[i] + 32 : msg[i]);
    low[i] = 0;
    return strstr(low, "alo") || strstr(low, "post only") || strstr(low, "post-only");
}

static void pause_task(struct task *t, int n, int64_t now_us)
{
    snprintf(t->state_reason, sizeof t->state_reason, "circuit breaker (%d rejects: %s)", n,
             t->last_reject);
    t->st = TS_PAUSED;
    TWARN(t, "paused: %s", t->state_reason);
    task_note_event(t, "paused: %s", t->state_reason);
    task_lg_event(t, "paused", "%s", t->state_reason);
    task_cancel_all(t, now_us);
}

static void on_reject(struct task *t, const struct ord *o, int64_t now_us)
{
    if (is_alo_reject(o->reason)) {
        t->alo_rejects++;
        return;
    }
    t->rejects++;
    snprintf(t->last_reject, sizeof t->last_reject, "%s", o->reason[0] ? o->reason : "rejected");
    TWARN(t, "order %s rejected: %s", o->cl_ord_id, t->last_reject);
    t->rej_times[t->rej_next] = now_us;
    t->rej_next = (t->rej_next + 1) % TASK_CB_REJECTS;
    int n = 0;
    for (int i = 0; i < TASK_CB_REJECTS; i++)
        if (t->rej_times[i] && now_us - t->rej_times[i] <= TASK_CB_WINDOW_US) n++;
    if (n >= TASK_CB_REJECTS && t->st == TS_QUOTING) pause_task(t, n, now_us);
}

/* first: the order's first fill -- the fill-rate guard counts orders hit,
 * not the partial fills of one sweep through an order. */
static void count_fill(struct task *t, bool first, int64_t now_us)
{
    int64_t day = t->wall_ms / 86400000;
    if (day != t->fills_day) {
        t->fills_day = day;
        t->fills_today = 0;
    }
    t->fills_today++;
    if (first) risk_on_fill(&t->risk, now_us);
}

static void on_slot_fill(struct task *t, const struct ord *o, dec_t filled, int64_t now_us)
{
    struct slot *s = slot_of(t, o->cl_ord_id);
    if (!s || strcmp(s->held, o->cl_ord_id) == 0) return;   /* a held old quote: not the chain */
    s->remaining -= filled;
    if (strat_fit_qty(&t->si, s->remaining) > 0) return;
    s->remaining = 0;   /* chain complete: cool down, then a fresh full-size quote */
    s->cooldown_until_us = now_us + (int64_t)(t->cfg.fill_cooldown_s * 1e6);
    send_cancel(t, o, false, now_us);   /* unquotable residue */
    TLOG(t, "tier %d %s filled: cooling down %.1f s", o->tier + 1, side_name(o->side),
         t->cfg.fill_cooldown_s);
}

static void after_change(struct task *t, const struct ord_change *ch, int64_t now_us)
{
    const struct ord *o = ch->o;
    if (!o) return;
    if (ch->acked || ch->terminal || ch->filled > 0) task_lg_order(t, o, now_us);
    if (ch->revived) {           /* we had given it up; it rests: it is nobody's quote now */
        TWARN(t, "order %s is %s at the venue after all: cancelling it", o->cl_ord_id,
              order_status_name(o->status));
        send_cancel(t, o, true, now_us);
        return;
    }
    if (ch->filled > 0) {
        char q[32], p[32], f[32], n[32];
        TLOG(t, "fill %s %s %s @ %s (order %s, filled %s of %s)", side_name(o->side),
             dec_str(ch->filled, q, sizeof q), t->cfg.symbol, dec_str(o->fill_avg, p, sizeof p),
             o->cl_ord_id, dec_str(o->fill_qty, f, sizeof f), dec_str(o->qty, n, sizeof n));
        count_fill(t, o->fill_qty == ch->filled, now_us);
        task_note_fill(t, o->side, ch->filled, o->fill_avg);
        on_slot_fill(t, o, ch->filled, now_us);
    }
    if (ch->terminal && o->status == OS_REJECTED) on_reject(t, o, now_us);
}

/* ---------- event handlers ---------- */

static void adopt_orphan(struct task *t, const struct venue_order *v, int64_t now_us)
{
    const struct ord *o = ord_adopt(&t->book, v, now_us);
    if (!o || !ord_is_live(o)) return;
    TLOG(t, "cancelling orphan order %s (%s %s)", v->cl_ord_id, side_name(v->side),
         order_status_name(v->status));
    send_cancel(t, o, false, now_us);
}

static void on_order(struct task *t, const struct venue_order *v, int64_t now_us)
{
    bool ours = task_owns_cloid(t, v->cl_ord_id);
    if (!ours && !ord_find_id(&t->book, v->id)) return;
    struct ord_change ch;
    ord_apply_order(&t->book, v, now_us, &ch);
    if (!ch.o) {
        if (ours && ord_status_live(v->status)) adopt_orphan(t, v, now_us);
        return;
    }
    after_change(t, &ch, now_us);
}

static void on_fill(struct task *t, const struct venue_fill *f, int64_t now_us)
{
    bool ours = task_owns_cloid(t, f->cl_ord_id) || ord_find_id(&t->book, f->order_id);
    if (!ours) return;
    struct ord_change ch;
    ord_apply_fill(&t->book, f, now_us, &ch);
    if (ch.duplicate) return;
    task_lg_fill(t, f, ch.o);
    if (!ch.o) {
        count_fill(t, true, now_us);   /* an order we no longer remember: count it, the */
        return;                  /* position report will carry it */
    }
    after_change(t, &ch, now_us);
}

static void maybe_start_quoting(struct task *t)
{
    if (t->st != TS_STARTING || !t->got_orders || !t->got_pos) return;
    char p[32];
    t->st = TS_QUOTING;
    TLOG(t, "reconciled: position %s adopted, %d orphan order(s) being cancelled; quoting",
         dec_str(ord_position(&t->book), p, sizeof p), ord_live_count(&t->book));
}

static void on_position(struct task *t, const struct venue_event *ev)
{
    const struct venue_position *p = &ev->u.position;
    const char *sym = p->symbol[0] ? p->symbol : ev->symbol;
    if (strcmp(sym, t->cfg.symbol) != 0) return;
    ord_apply_position(&t->book, p);
    task_lg_position(t, p);
    if (t->st == TS_STARTING && !t->got_pos) {
        char q[32];
        TLOG(t, "start-up: position %s adopted", dec_str(p->qty, q, sizeof q));
        t->got_pos = true;
        maybe_start_quoting(t);
    }
    if (t->st == TS_STOPPING) task_stop_on_position(t, p->qty);
}

/* Acked orders absent from a list requested 3 s after they were sent may
 * have filled or been cancelled unseen: ask for each one. */
static void check_missing(struct task *t, const struct venue_order *l, size_t n, int64_t now_us)
{
    for (int i = 0; i < t->book.n; i++) {
        const struct ord *o = ord_at(&t->book, i);
        if (!ord_is_acked(o) || t->last_oo_us - o->sent_us < TASK_UNCONFIRMED_US) continue;
        bool listed = false;
        for (size_t k = 0; k < n && !listed; k++) listed = strcmp(l[k].cl_ord_id, o->cl_ord_id) == 0;
        if (!listed && ord_query_due(o, now_us, TASK_UNCONFIRMED_US)) query_order(t, o, now_us);
    }
}

/* Whether cl is one of this start's ids ("<tag>-<session>-"). */
static bool this_session(const struct task *t, const char *cl)
{
    size_t a = strlen(t->tag), b = strlen(t->seed);
    return !strncmp(cl, t->tag, a) && cl[a] == '-' && !strncmp(cl + a + 1, t->seed, b) && cl[a + 1 + b] == '-';
}

/* Asks the venue about an order the book does not know, at most once per
 * TASK_UNCONFIRMED_US for the same id. */
static void query_unknown(struct task *t, const char *cl, int64_t now_us)
{
    for (size_t i = 0; i < sizeof t->asked / sizeof t->asked[0]; i++)
        if (!strcmp(t->asked[i].cl, cl) && now_us - t->asked[i].us < TASK_UNCONFIRMED_US) return;
    snprintf(t->asked[t->asked_next].cl, sizeof t->asked[0].cl, "%s", cl);
    t->asked[t->asked_next].us = now_us;
    t->asked_next = (t->asked_next + 1) % (int)(sizeof t->asked / sizeof t->asked[0]);
    t->v.ops->query_order(t->v.ctx, cl);
}

/* An order of ours the list shows and the book does not know.  Finished
 * (a tombstone): the list lags, nothing to do.  Of this session: forgotten,
 * so ask the venue (query_order) before touching it.  Of an earlier run: an
 * orphan to cancel -- true. */
static bool unknown_listed(struct task *t, const struct venue_order *v, int64_t now_us)
{
    if (ord_recently_done(&t->book, v->cl_ord_id, now_us)) return false;
    if (!this_session(t, v->cl_ord_id)) {
        if (t->st != TS_STARTING && !t->warned_foreign)
            TWARN(t, "orders with this task's tag but another session keep appearing (%s): is another mmd "
                     "trading this account with the same task? cancelling them", v->cl_ord_id);
        t->warned_foreign |= t->st != TS_STARTING;
        return true;
    }
    if (t->st == TS_STARTING) return true;
    query_unknown(t, v->cl_ord_id, now_us);
    return false;
}

static void on_open_orders(struct task *t, const struct venue_order *l, size_t n, int64_t now_us)
{
    if (!l) n = 0;
    int orphans = 0, foreign = 0;
    bool clean = true;
    size_t k = 0;
    t->stop_listed[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const struct venue_order *v = &l[i];
        if (!task_owns_cloid(t, v->cl_ord_id)) {
            foreign++;
            continue;
        }
        if (k < sizeof t->stop_listed)
            k += (size_t)snprintf(t->stop_listed + k, sizeof t->stop_listed - k, " %s", v->cl_ord_id);
        const struct ord *o = ord_find(&t->book, v->cl_ord_id);
        /* the list lags: an order the venue itself reported finished may
         * still be listed for ~15 s; any other listed order of ours is not
         * clean, whatever the book guesses */
        if (o ? ord_is_live(o) || o->guessed : !ord_recently_done(&t->book, v->cl_ord_id, now_us)) clean = false;
        if (!o && unknown_listed(t, v, now_us)) {
            orphans++;
            adopt_orphan(t, v, now_us);
        } else if (o) {          /* live: news; terminal by our guess: revived */
            struct ord_change ch;
            ord_apply_order(&t->book, v, now_us, &ch);
            after_change(t, &ch, now_us);
        }
    }
    if (t->st == TS_STARTING && !t->got_orders) {
        TLOG(t, "start-up: %zu open order(s): %d ours (orphans, cancelling), %d not ours (left alone)",
             n, orphans, foreign);
        if (t->last_oo_us - t->started_us < TASK_LIST_SETTLE_US) {   /* asked too early to be complete */
            if (!t->relist_us) TLOG(t, "start-up: asking for the list again 2 s after start (the venue lists new "
                                       "orders late)");
            t->relist_us = t->started_us + TASK_LIST_SETTLE_US;
            return;
        }
        t->got_orders = true;
        maybe_start_quoting(t);
    } else if (t->st == TS_STOPPING) {
        t->stop_list_clean = clean;
    } else {
        check_missing(t, l, n, now_us);
    }
}

static void on_query_order(struct task *t, const struct venue_event *ev, int64_t now_us)
{
    const struct venue_order *v = &ev->u.order;
    struct ord_change ch;
    ord_query_result(&t->book, v->cl_ord_id, ev->found, v, now_us, TASK_UNCONFIRMED_US, &ch);
    if (!ch.o) {
        if (ev->found && task_owns_cloid(t, v->cl_ord_id) && ord_status_live(v->status))
            adopt_orphan(t, v, now_us);
        return;
    }
    after_change(t, &ch, now_us);
    if (ev->found && ch.o->status == OS_PENDING_CANCEL && ord_status_live(v->status))
        send_cancel(t, ch.o, true, now_us);   /* still open at the venue: cancel again */
}

static void on_cancel_result(struct task *t, const struct venue_event *ev, int64_t now_us)
{
    const struct ord *o = ord_find(&t->book, ev->u.result.cl_ord_id);
    if (!o || !ord_is_live(o)) return;
    enum venue_result r = ev->u.result.outcome;
    if (r == VR_OK) return;
    if (ev->u.result.http_status == 401) {   /* credentials refused: keep trying, spaced */
        ord_cancel_refused(&t->book, o, now_us, TASK_AUTH_RETRY_US);
        return;
    }
    /* "order is not open" & co.: query the truth; refused sends: retry soon */
    if (r == VR_REJECTED || r == VR_AMBIGUOUS)
        query_order(t, o, now_us);
    else   /* nothing was done (429 or not sent): due again after a pause */
        ord_cancel_refused(&t->book, o, now_us, TASK_CANCEL_RETRY_US);
}

/* The venue refused the account's credentials (halt: cancel, quote
 * nothing) or accepts them again (the halt lifts by itself). */
static void on_auth(struct task *t, const struct venue_event *ev)
{
    if (ev->u.auth.ok == !t->risk.venue_halt) return;
    if (ev->u.auth.ok) {
        risk_venue_clear(&t->risk);
        TLOG(t, "the venue accepts the account's credentials again: halt lifted");
        return;
    }
    char why[112];
    snprintf(why, sizeof why, "token refused by the venue (%d): generate a new API token and restart mmd",
             ev->u.auth.http_status);
    risk_venue_halt(&t->risk, why);
    TWARN(t, "halted: %s; cancelling orders until the venue accepts the account again", why);
}

static void on_place_result(struct task *t, const struct venue_event *ev, int64_t now_us)
{
    struct ord_change ch;
    ord_place_result(&t->book, ev->u.result.cl_ord_id, ev->u.result.order_id,
                     ev->u.result.outcome, ev->u.result.message, now_us, &ch);
    enum venue_result r = ev->u.result.outcome;
    struct slot *sl = slot_of(t, ev->u.result.cl_ord_id);
    if (sl && (r == VR_RATE_LIMITED || r == VR_FAILED))   /* do not hammer a rate limit */
        sl->retry_us = now_us + TASK_PLACE_RETRY_US;
    after_change(t, &ch, now_us);
}

void task_on_event(struct task *t, const struct venue_event *ev, int64_t now_us, int64_t wall_ms)
{
    if (!t || !ev || t->st == TS_FAILED || t->st == TS_STOPPED) return;
    t->wall_ms = wall_ms;
    bool sym_ok = ev->symbol[0] == 0 || strcmp(ev->symbol, t->cfg.symbol) == 0;
    switch (ev->type) {
    case VEV_ORDER: on_order(t, &ev->u.order, now_us); break;
    case VEV_FILL: on_fill(t, &ev->u.fill, now_us); break;
    case VEV_POSITION: on_position(t, ev); break;
    case VEV_PLACE_RESULT: on_place_result(t, ev, now_us); break;
    case VEV_CANCEL_RESULT: on_cancel_result(t, ev, now_us); break;
    case VEV_OPEN_ORDERS:   /* a failed query: the list is unknown, not empty */
        if (sym_ok && ev->found) on_open_orders(t, ev->u.list.orders, ev->u.list.n, now_us);
        break;
    case VEV_QUERY_ORDER: on_query_order(t, ev, now_us); break;
    case VEV_STREAM:
        TLOG(t, "private stream %s", ev->u.stream_up ? "up" : "down");
        task_note_event(t, "private stream %s", ev->u.stream_up ? "up" : "down");
        task_lg_event(t, "stream", "private stream %s", ev->u.stream_up ? "up" : "down");
        if (ev->u.stream_up && t->st != TS_STARTING) {
            task_query_open_orders(t, now_us);
            task_query_positions(t, now_us);
        }
        break;
    case VEV_BALANCE: break;
    case VEV_AUTH: on_auth(t, ev); break;
    }
    step(t, now_us);
}

/* ---------- quoting ---------- */

/* The smallest full-size quote of the configured tiers (0: none quotable). */
static dec_t smallest_quote(const struct task *t)
{
    dec_t min = 0;
    for (int i = 0; i < t->cfg.tiers; i++) {
        dec_t q = strat_tier_qty(&t->cfg, &t->si, i, NULL, 0);
        if (q > 0 && (min == 0 || q < min)) min = q;
    }
    return min;
}

static struct risk_pos book_pos(const struct task *t)
{
    struct risk_pos p = {ord_position(&t->book), ord_resting(&t->book, SIDE_BUY),
                         ord_resting(&t->book, SIDE_SELL), smallest_quote(t), false, 0, 0};
    p.disputed = ord_position_disputed(&t->book, &p.venue_position, &p.fills_position);
    return p;
}

/* The position limit is risk's rule; every live order on the side counts,
 * the quote a replacement would replace included (make-before-break). */
static bool side_allows(const struct task *t, enum side side, dec_t qty)
{
    struct risk_pos p = book_pos(t);
    return risk_order_allowed(&t->risk, &t->cfg, &p, side, qty);
}

static void slot_note(struct task *t, struct slot *s, const char *why)
{
    if (strcmp(s->why, why) == 0) return;
    snprintf(s->why, sizeof s->why, "%s", why);
    if (*why) TLOG(t, "%s", why);
}

/* A slot's order as the re-quote table sees it (engine/requote.h). */
static struct rq_quote rq_of(const struct ord *o)
{
    return (struct rq_quote){o->tier, o->side, o->price, o->mark_at_place, o->ack_us};
}

/* Settles the slot's replacement: once acknowledged it becomes the current
 * quote and the old one is cancelled, or held (the handover, rq_hold_old).
 * Returns false while one is in flight. */
static bool settle_replacement(struct task *t, struct slot *s, int64_t now_us)
{
    if (!s->repl[0]) return true;
    const struct ord *rep = ord_find(&t->book, s->repl);
    if (rep && ord_is_acked(rep)) {
        const struct ord *cur = ord_find(&t->book, s->cur);
        const struct ord *held = ord_find(&t->book, s->held);
        /* one held quote per slot: an older one that still counts beats the
         * quote replaced now if that one has not rested min_rest_s yet */
        bool cur_young = cur && ord_is_acked(cur) &&
                         (double)(now_us - cur->ack_us) / 1e6 < t->cfg.min_rest_s;
        bool keep_held = false;
        if (held && ord_is_live(held) && held->tier >= 0 && cur_young) {
            struct rq_quote hq = rq_of(held);
            keep_held = rq_hold_old(&t->cfg, &hq, s->held_rule, t->mark, now_us, now_us);
        }
        if (keep_held) {
            send_cancel(t, cur, false, now_us);
        } else {
            if (held) send_cancel(t, held, false, now_us);
            s->held[0] = 0;
            if (cur && ord_is_acked(cur) && s->repl_rule && t->cfg.min_rest_s > 0) {
                memcpy(s->held, s->cur, sizeof s->held);     /* handover: step_held decides */
                s->held_rule = s->repl_rule;
            } else if (cur) {
                send_cancel(t, cur, false, now_us);
            }
        }
        memcpy(s->cur, s->repl, sizeof s->cur);
        s->repl[0] = 0;
        return true;
    }
    if (!rep || !ord_is_live(rep)) {
        s->repl[0] = 0;   /* replacement died (e.g. ALO reject): keep the old quote */
        return true;
    }
    return false;
}

static void place_new(struct task *t, struct slot *s, int tier, enum side side,
                      const struct strat_quote *q, dec_t qty, int64_t now_us)
{
    char why[128];
    if (!side_allows(t, side, qty)) {
        snprintf(why, sizeof why, "tier %d %s: blocked by position limit", tier + 1, side_name(side));
        slot_note(t, s, why);
        return;
    }
    const struct ord *o = task_send_order(t, side, tier, q->price, qty, false, now_us);
    if (o) memcpy(s->cur, o->cl_ord_id, sizeof s->cur);
    slot_note(t, s, "");
}

static void requote(struct task *t, struct slot *s, const struct ord *cur, int tier, enum side side,
                    const struct strat_quote *q, int64_t now_us)
{
    /* the rest-aware decision table (engine/requote.c, mmd.yaml(5)) */
    struct rq_quote rq = rq_of(cur);
    struct rq_decision dec;
    rq_decide(&t->cfg, &rq, t->mark, now_us, &dec);
    if (!dec.replace || q->price == cur->price) return;
    const char *why = dec.why;
    dec_t qty = strat_fit_qty(&t->si, ord_open_qty(cur));
    if (qty > 0 && side_allows(t, side, qty)) {
        const struct ord *o = task_send_order(t, side, tier, q->price, qty, false, now_us);
        if (o) memcpy(s->repl, o->cl_ord_id, sizeof s->repl);
        s->repl_rule = dec.rule;
        LOGD("task", "%s: requote %s (%s): %s placed first", t->cfg.id, cur->cl_ord_id, why,
             o ? o->cl_ord_id : "-");
        return;
    }
    /* make-before-break would exceed the limit counting both: break first */
    send_cancel(t, cur, false, now_us);
    LOGD("task", "%s: requote %s (%s): cancel first (position limit)", t->cfg.id, cur->cl_ord_id, why);
}

/* The replaced quote of a handover: cancelled once rq_hold_old says it is
 * no longer worth keeping (its replacement rested min_rest_s, or it turned
 * adverse or left the reward band). */
static void step_held(struct task *t, struct slot *s, int64_t now_us)
{
    if (!s->held[0]) return;
    const struct ord *h = ord_find(&t->book, s->held), *cur = ord_find(&t->book, s->cur);
    if (!ord_is_live(h)) {
        s->held[0] = 0;
        return;
    }
    struct rq_quote old = rq_of(h);
    if (cur && rq_hold_old(&t->cfg, &old, s->held_rule, t->mark, cur->ack_us, now_us)) return;
    send_cancel(t, h, false, now_us);
    if (!ord_is_live(h) || h->status == OS_PENDING_CANCEL) s->held[0] = 0;
}

static void slot_step(struct task *t, int tier, enum side side, int64_t now_us)
{
    struct slot *s = &t->slots[tier][side];
    const struct ord *cur = ord_find(&t->book, s->cur);
    if (!ord_is_live(cur)) {
        s->cur[0] = 0;
        cur = NULL;
    }
    bool settled = settle_replacement(t, s, now_us);
    step_held(t, s, now_us);
    if (!settled) return;
    cur = ord_find(&t->book, s->cur);
    if (cur && !ord_is_acked(cur)) return;    /* pending new / cancel / unknown */
    if (now_us < s->cooldown_until_us || now_us < s->retry_us) return;
    if (t->risk.verdict.no_quote) return;
    struct strat_quote q;
    /* Caution widens new quotes (a fast mark) or thins them (fast fills,
     * below); the optional inventory skew shifts them */
    double shift = (t->risk.verdict.widen ? strat_widen_bps(&t->cfg, tier)
                                          : strat_rest_bias_bps(&t->cfg, tier)) +
                   strat_skew_bps(&t->cfg, side, ord_position(&t->book), t->mark);
    strat_quote_shift(&t->cfg, &t->si, tier, side, t->mark, t->best_bid, t->best_ask, shift, &q);
    if (!q.ok) {
        slot_note(t, s, q.why);
        return;
    }
    if (cur) {
        requote(t, s, cur, tier, side, &q, now_us);
        return;
    }
    if (strat_fit_qty(&t->si, s->remaining) == 0) s->remaining = q.qty;
    dec_t qty = strat_fit_qty(&t->si, s->remaining);
    if (t->risk.verdict.thin) {               /* ... and new quotes at half size, where the lot allows */
        dec_t half = strat_fit_qty(&t->si, dec_mul_f(q.qty, 0.5));
        if (half > 0 && half < qty) qty = s->remaining = half;
    }
    place_new(t, s, tier, side, &q, qty, now_us);
}

/* Cancels live orders no slot owns any more (a replaced quote whose cancel
 * failed, an orphan): nothing of ours may rest unaccounted. */
static void sweep_unowned(struct task *t, int64_t now_us)
{
    for (int i = 0; i < t->book.n; i++) {
        const struct ord *o = ord_at(&t->book, i);
        if (cancel_due(o) && !slot_of(t, o->cl_ord_id)) send_cancel(t, o, false, now_us);
    }
}

/* A dispute between the venue's position reports and our fills is news
 * once it has lasted TASK_DISPUTE_US (a report racing a fill is not); the
 * limits use the larger exposure from the first moment (ord_position). */
static void note_dispute(struct task *t, struct risk_pos *p, int64_t now_us)
{
    if (!p->disputed) t->dispute_since_us = 0;
    else if (!t->dispute_since_us) t->dispute_since_us = now_us;
    p->disputed = p->disputed && now_us - t->dispute_since_us >= TASK_DISPUTE_US;
}

static void eval_risk(struct task *t, int64_t now_us)
{
    struct risk_pos p = book_pos(t);
    note_dispute(t, &p, now_us);
    struct risk_verdict before = t->risk.verdict;
    const struct risk_verdict *v = risk_eval(&t->risk, &t->cfg, &p, now_us);
    /* log changes of state or of the kind of reason (text before ':'), not
     * every tick of a countdown */
    size_t k1 = strcspn(before.reason, ":"), k2 = strcspn(v->reason, ":");
    if (v->state == before.state && k1 == k2 && strncmp(before.reason, v->reason, k1) == 0) return;
    task_lg_event(t, "risk", "%s -> %s: %s", risk_state_name(before.state), risk_state_name(v->state), v->reason);
    if (v->state == RISK_SAFE) TLOG(t, "risk %s -> safe", risk_state_name(before.state));
    else TWARN(t, "risk %s: %s", risk_state_name(v->state), v->reason);
    task_note_event(t, "risk %s -> %s%s%s", risk_state_name(before.state), risk_state_name(v->state),
                    v->state == RISK_SAFE ? "" : ": ", v->state == RISK_SAFE ? "" : v->reason);
}

static void step(struct task *t, int64_t now_us)
{
    if (t->st == TS_STOPPING) {
        task_stop_step(t, now_us);
        return;
    }
    if (t->st != TS_QUOTING && t->st != TS_PAUSED) return;
    eval_risk(t, now_us);
    if (t->st == TS_PAUSED || t->risk.verdict.state == RISK_HALT) {
        task_cancel_all(t, now_us);
        return;
    }
    sweep_unowned(t, now_us);
    if (!t->have_md || t->mark <= 0) return;
    if (!t->si.trading) {
        slot_note(t, &t->slots[0][SIDE_BUY], "symbol is not trading: not quoting");
        return;
    }
    for (int i = 0; i < t->cfg.tiers; i++) {
        slot_step(t, i, SIDE_BUY, now_us);
        slot_step(t, i, SIDE_SELL, now_us);
    }
}

/* ---------- entry points ---------- */

void task_start(struct task *t, int64_t now_us, int64_t wall_ms)
{
    if (t->st != TS_STARTING || t->started) return;
    t->wall_ms = wall_ms;
    t->started = true;
    t->start_query_us = t->started_us = now_us;
    TLOG(t, "start-up reconciliation: querying open orders and position of %s", t->cfg.symbol);
    task_query_open_orders(t, now_us);
    task_query_positions(t, now_us);
}

void task_on_md(struct task *t, const struct md_snapshot *s, int64_t now_us, int64_t wall_ms)
{
    if (!t || !s || strcmp(s->symbol, t->cfg.symbol) != 0) return;
    t->wall_ms = wall_ms;
    if (s->mark > 0) t->mark = s->mark;
    t->best_bid = s->best_bid;
    t->best_ask = s->best_ask;
    t->have_md = true;
    risk_on_md(&t->risk, s, now_us);
    step(t, now_us);
}

static void reconcile(struct task *t, int64_t now_us)
{
    if (now_us - t->last_oo_us >= TASK_REQUERY_US) task_query_open_orders(t, now_us);
    if (now_us - t->last_pos_us >= 2 * TASK_REQUERY_US) task_query_positions(t, now_us);
    for (int i = 0; i < t->book.n; i++) {
        const struct ord *o = ord_at(&t->book, i);
        if (ord_needs_query(o, now_us, TASK_UNCONFIRMED_US)) query_order(t, o, now_us);
    }
}

static void sample_uptime(struct task *t, int64_t now_us)
{
    /* As the exchange scores it: what rests on its book -- acknowledged and
     * not being cancelled (the exchange usually has a cancelled order gone
     * before it says so), whatever the task's state.  Measured second by
     * second against the simulator's book, under faults too (make
     * bench-rewards), this agrees better than also dropping seconds whose
     * mark is a few seconds old. */
    struct up_quote q[ORD_MAX];
    int n = 0;
    for (int i = 0; i < t->book.n; i++) {
        const struct ord *o = ord_at(&t->book, i);
        if (!ord_is_acked(o) || o->reduce_only) continue;
        q[n].side = o->side;
        q[n].price = o->price;
        q[n].qty = ord_open_qty(o);
        q[n].rested_ms = o->ack_us > 0 && now_us > o->ack_us ? (now_us - o->ack_us) / 1000 : 0;
        n++;
    }
    up_sample(&t->up, t->wall_ms, t->mark, q, n);
}

void task_on_timer(struct task *t, int64_t now_us, int64_t wall_ms)
{
    if (!t) return;
    t->wall_ms = wall_ms;
    ord_gc(&t->book, now_us);
    if (t->st == TS_STARTING && t->relist_us && now_us >= t->relist_us) {
        t->relist_us = 0;
        task_query_open_orders(t, now_us);
    }
    if (t->st == TS_STARTING && t->started && now_us - t->start_query_us > TASK_REQUERY_US) {
        t->start_query_us = now_us;
        TWARN(t, "start-up: still waiting for %s%s%s; asking again",
              t->got_orders ? "" : "open orders", !t->got_orders && !t->got_pos ? " and " : "",
              t->got_pos ? "" : "position");
        if (!t->got_orders) task_query_open_orders(t, now_us);
        if (!t->got_pos) task_query_positions(t, now_us);
    }
    if (t->st == TS_QUOTING || t->st == TS_PAUSED || t->st == TS_STOPPING) reconcile(t, now_us);
    step(t, now_us);
    sample_uptime(t, now_us);
    task_day_roll(t);
    task_lg_tick(t);
}

void task_halt(struct task *t, const char *reason, int64_t now_us)
{
    risk_operator_halt(&t->risk, reason && *reason ? reason : "operator");
    TWARN(t, "operator halt: %s", reason && *reason ? reason : "(no reason)");
    task_note_event(t, "halt by operator: %s", reason && *reason ? reason : "(no reason)");
    task_lg_event(t, "halt", "%s", reason && *reason ? reason : "operator");
    step(t, now_us);
}

void task_resume(struct task *t, int64_t now_us)
{
    risk_operator_resume(&t->risk);
    if (t->st == TS_PAUSED) {
        t->st = TS_QUOTING;
        t->state_reason[0] = 0;
        memset(t->rej_times, 0, sizeof t->rej_times);
    }
    TLOG(t, "resumed by operator");
    task_note_event(t, "resumed by operator");
    task_lg_event(t, "resume", "operator");
    step(t, now_us);
}

void task_fail(struct task *t, const char *reason)
{
    t->st = TS_FAILED;
    snprintf(t->state_reason, sizeof t->state_reason, "%s", reason ? reason : "failed");
    log_msg(LOG_ERROR, "task", "%s: failed: %s", t->cfg.id, t->state_reason);
    task_lg_event(t, "failed", "%s", t->state_reason);
    char m[256];
    snprintf(m, sizeof m, "failed: %s", t->state_reason);
    scopy(t->last_reason, sizeof t->last_reason, m);
}

