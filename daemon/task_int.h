/* task_int — the internals of struct task shared by task.c (construction,
 * events, quoting, entry points), task_stop.c (the graceful stop sequence)
 * and task_json.c (the JSON views).  Private to those three files. */
#ifndef MMD_TASK_INT_H
#define MMD_TASK_INT_H
#include "log.h"
#include "orders.h"
#include "requote.h"
#include "risk.h"
#include "strategy.h"
#include "task.h"
#include "uptime.h"

enum tstate { TS_STARTING, TS_QUOTING, TS_PAUSED, TS_STOPPING, TS_STOPPED, TS_FAILED };
enum stop_phase { SP_CANCEL, SP_CLOSE };

/* What mmtop's detail pane shows until the ledger has it: the last fills
 * and events of this task, and the anchor of "PnL today" (task_recent.c). */
#define TASK_RECENT 8
struct task_recent {
    struct { int64_t wall_ms; enum side side; dec_t qty, price; } fills[TASK_RECENT];
    int fills_next, fills_n;
    struct { int64_t wall_ms; char text[112]; } events[TASK_RECENT];
    int events_next, events_n;
    int64_t pnl_day;            /* UTC day of realized_day0; 0 before the first position report */
    dec_t realized_day0;        /* realized PnL at the start of pnl_day (or at our start) */
};

/* One side of one tier: the resting quote and its in-flight replacement. */
struct slot {
    char cur[CLOID_MAX], repl[CLOID_MAX];
    char held[CLOID_MAX];       /* the replaced quote, kept while rq_hold_old says so */
    enum rq_rule repl_rule;     /* why repl was placed (rq_decide's row) */
    enum rq_rule held_rule;     /* why held was replaced */
    dec_t remaining;            /* qty still to quote in this chain (0: start a new one) */
    int64_t cooldown_until_us;
    int64_t retry_us;           /* a place refused unsent (rate limit): not before then */
    char why[128];              /* why this slot is not quoting, "" if it is */
};

struct task {
    struct cfg_task cfg;        /* the one copy of the parameters (task_cfg) */
    struct sym_info si;
    struct venue v;
    char tag[CLOID_TAG_MAX + 1];  /* its cl_ord_ids start "<tag>-" (strat_cloid_tag) */
    char seed[16];              /* this start's session part (strat_session36) */
    uint64_t seq;
    enum tstate st;
    bool started, got_orders, got_pos;
    int64_t start_query_us, wall_ms;
    int64_t started_us, relist_us;  /* task_start; the settling list query is due (0: none) */
    bool have_md;
    dec_t mark, best_bid, best_ask;
    struct ord_book book;
    struct risk risk;
    struct uptime up;
    struct slot slots[CFG_MAX_TIERS][2];
    int64_t last_oo_us, last_pos_us;
    int64_t dispute_since_us;
    struct { char cl[CLOID_MAX]; int64_t us; } asked[8];   /* unknown listed orders queried */
    int asked_next;
    bool warned_foreign;        /* said once: another session's orders with our tag appear */   /* position reports and fills disagree since (0: they agree) */
    int rejects, alo_rejects;
    int64_t rej_times[TASK_CB_REJECTS];
    int rej_next;
    char last_reject[128], last_reason[192], state_reason[192];
    int64_t fills_day;
    int fills_today;
    /* stop sequence */
    enum stop_phase stop_phase;
    int64_t stop_deadline_us, stop_oo_us;
    int64_t stop_close_anyway_us;   /* cancels still unconfirmed then: close the position anyway */
    bool stop_list_clean, stop_done, close_redo;
    char stop_listed[160];      /* our orders the venue's last list still showed */
    char close_id[CLOID_MAX];
    int close_attempts, flat_reports;
    int64_t close_next_us;      /* next close attempt not before (paced retries) */
    char summary[512];
    struct task_recent recent;  /* the cockpit's memory (task_recent.c) */
    struct task_lg *lg;         /* the ledger's view of this task (task_ledger.c), NULL: none */
};

#define TASK_DISPUTE_US 3000000    /* reports vs fills: news after 3 s */
#define TASK_CANCEL_RETRY_US 500000   /* pause after a refused cancel */
#define TASK_AUTH_RETRY_US 2000000    /* credentials refused: cancels retried this often */
/* The venue lists a new order up to ~1.5 s late: only a list asked for
 * this long after start-up shows every order a previous run placed. */
#define TASK_LIST_SETTLE_US 2000000
#define TASK_PLACE_RETRY_US 250000    /* pause a slot after a place refused unsent */
#define TASK_CLOSE_RETRY_US 250000    /* first pause between position-close attempts */
#define TLOG(t, ...) task_log(t, LOG_INFO, __VA_ARGS__)
#define TWARN(t, ...) task_log(t, LOG_WARN, __VA_ARGS__)

void task_log(struct task *t, enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* venue requests (task.c) */
const struct ord *task_send_order(struct task *t, enum side side, int tier, dec_t price, dec_t qty,
                                  bool close, int64_t now_us);
void task_cancel_all(struct task *t, int64_t now_us);
void task_query_open_orders(struct task *t, int64_t now_us);
void task_query_positions(struct task *t, int64_t now_us);
/* the ledger hooks (task_ledger.c): no-ops without a ledger */
void task_lg_order(struct task *t, const struct ord *o, int64_t now_us);
void task_lg_fill(struct task *t, const struct venue_fill *f, const struct ord *o);
void task_lg_event(struct task *t, const char *kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void task_lg_position(struct task *t, const struct venue_position *p);
void task_lg_tick(struct task *t);
void task_lg_free(struct task *t);
/* the stop sequence (task_stop.c): one step; a position report while stopping */
void task_stop_step(struct task *t, int64_t now_us);
void task_stop_on_position(struct task *t, dec_t qty);
/* the cockpit's memory (task_recent.c) */
void task_note_fill(struct task *t, enum side side, dec_t qty, dec_t price);
void task_note_event(struct task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void task_day_roll(struct task *t);
json_t *task_recent_json(const struct task *t);
dec_t task_pnl_today(const struct task *t);

#endif
