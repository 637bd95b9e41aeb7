/* sim_core_int — private structures shared by the standx-sim core files
 * (engine.c: orders, accounts, matching; market.c: market model;
 * scenario.c: YAML).  Not for the server: use sim_engine.h. */
#ifndef SIM_CORE_INT_H
#define SIM_CORE_INT_H
#include "sim_engine.h"

#define SIM_STEP_S        0.1     /* market model step, sim seconds */
#define SIM_RECENT_MAX    64      /* public trades kept per symbol */
#define SIM_PT_PER_ADV    32      /* public trade events per symbol per advance */

/* xoshiro256** seeded through splitmix64 from (seed, stream). */
typedef struct sim_rng { uint64_t s[4]; } sim_rng;
void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(sim_rng *r);
double sim_rng_unit(sim_rng *r);     /* [0, 1) */
double sim_rng_normal(sim_rng *r);   /* N(0, 1) */

/* User resting orders of one side, best price first, then time. */
typedef struct sim_uside { sim_order **v; size_t n, cap; } sim_uside;

typedef struct sim_mkt {
    sim_symbol sym;
    char base[SIM_SYM_MAX];
    dec_t mark_raw;               /* unrounded model price (9 decimals) */
    dec_t mark, index, last;
    sim_rng rng_walk, rng_book, rng_trade, rng_fill, rng_sign;
    sim_level sb[SIM_DEPTH_MAX], sa[SIM_DEPTH_MAX];  /* synthetic levels */
    int nsb, nsa;
    sim_uside ub, ua;             /* user bids / asks */
    double drain_until, drain_bps;
    double blowout_until, blowout_bps;
    dec_t hi, lo, volume;
    sim_public_trade recent[SIM_RECENT_MAX];
    int nrecent, recent_head;     /* ring, head = next write */
    int pt_this_adv;
} sim_mkt;

typedef struct sim_pos {
    bool used;
    int64_t id;
    dec_t qty, entry, realized;
    int leverage;
    bool isolated;
    int64_t created_us, updated_us;
} sim_pos;

typedef struct sim_acct {
    char name[SIM_ACCT_MAX];
    dec_t balance, realized, fees;
    sim_pos pos[SIM_MAX_SYMBOLS];
    sim_order **live; size_t nlive, caplive;   /* oldest first */
    sim_order *hist; size_t hist_head, hist_n; /* finished orders ring */
    sim_trade *trades; size_t tr_head, tr_n;   /* trades ring */
    int64_t credits_milli, rate_last_us;
    bool rate_init;
    int64_t updated_us;
} sim_acct;

struct sim_engine {
    sim_scenario sc;
    int64_t t0_us, last_us;
    int64_t steps;                /* model steps done */
    double sim_t;
    int nm;
    sim_mkt m[SIM_MAX_SYMBOLS];
    sim_acct **acct; size_t nacct, capacct;
    sim_event *q; size_t qhead, qn, qcap;
    int64_t next_oid, next_tid, next_ptid, next_posid;
    double *sched_next;           /* next fire time per scenario event (<0 done) */
    double stale_until;
    int reject_n;
    char reject_msg[SIM_REASON_MAX];
    uint64_t ulid_ctr;
    sim_stats st;
    bool in_take;                 /* matching a user taker (maker fills are not public trades) */
    sim_event scratch;            /* target of pushes when allocation fails */
    uint64_t dropped;             /* events lost to allocation failure */
};

/* engine.c services used by market.c */
sim_event *sim_q_push(sim_engine *e, sim_ev_type t, const char *account, const char *symbol);
int64_t sim_wall_at(const sim_engine *e, double sim_t);
/* Fills a resting order as maker at its price (capped for reduce-only);
 * returns 1 if it still rests, 0 if it finished (and was freed). */
int sim_fill_maker(sim_engine *e, sim_mkt *m, sim_order *o, dec_t qty, int64_t now_us);
void sim_queue_market(sim_engine *e, sim_mkt *m, int64_t now_us);
void sim_best(const sim_mkt *m, dec_t *bid, dec_t *ask);

sim_acct *sim_acct_find(const sim_engine *e, const char *name);
sim_acct *sim_acct_get(sim_engine *e, const char *name);      /* creates; NULL bad name */
int sim_mkt_index(const sim_engine *e, const char *name);     /* -1 unknown */
int sim_pos_leverage(const sim_engine *e, const sim_acct *a, int idx);
sim_pos *sim_pos_touch(sim_engine *e, sim_acct *a, int idx, int64_t now_us);
void sim_pos_view(const sim_engine *e, const sim_acct *a, int idx, sim_position *out);
void sim_bal_view(const sim_engine *e, const sim_acct *a, sim_balance *out);
dec_t sim_order_locked(const sim_order *o);
void sim_emit_balance(sim_engine *e, sim_acct *a);
void sim_emit_position(sim_engine *e, sim_acct *a, int idx);

/* market.c */
void sim_mkt_init(sim_engine *e, sim_mkt *m, const sim_symbol_cfg *c, int idx, int64_t now_us);
void sim_mkt_rebuild(sim_engine *e, sim_mkt *m);
void sim_mkt_step(sim_engine *e, sim_mkt *m, int64_t now_us);
void sim_mkt_trade_through(sim_engine *e, sim_mkt *m, int64_t now_us);
void sim_mkt_apply_jump(sim_mkt *m, double bps);
void sim_mkt_note_trade(sim_mkt *m, dec_t px, dec_t qty);
/* Records a public trade (recent list, last/hi/lo/volume) and queues its
 * event unless the feed is stale (or, when capped, the per-advance cap hit). */
void sim_mkt_public_trade(sim_engine *e, sim_mkt *m, sim_side taker, dec_t px, dec_t q, bool capped,
                          int64_t now_us);
void sim_sched_fire(sim_engine *e, const sim_sched *s, int64_t now_us);

#endif
