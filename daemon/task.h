/* task — one configured trading task: owns its engine state (order book,
 * risk, uptime, per-tier quote slots), executes the pure modules' decisions
 * through a struct venue, runs start-up reconciliation, the circuit breaker,
 * operator halt/resume and the graceful stop sequence, and renders status
 * JSON (mmd-rpc(7)).  Tasks share nothing: a failure in one never touches
 * another.  Time is always passed in (now_us monotonic, wall_ms epoch).
 *
 * What the task expects of the venue layer:
 *  - every query_positions(symbol) is answered by a VEV_POSITION for that
 *    symbol, with qty 0 when flat (start-up waits for it before quoting);
 *  - every query_open_orders(symbol) by one VEV_OPEN_ORDERS (n may be 0);
 *  - query_order(cl_ord_id) by a VEV_QUERY_ORDER whose u.order.cl_ord_id is
 *    set even when !found;
 *  - VEV_PLACE_RESULT / VEV_CANCEL_RESULT carry u.result.cl_ord_id;
 *  - order, fill and position events carry cl_ord_id (or the venue order id
 *    the task learnt from a PLACE_RESULT / order event).
 * Quoting needs sym_info.trading; the status "state" is one of starting,
 * quoting, halted, paused, stopping, stopped, failed, with "state_reason"
 * saying why for paused ("circuit breaker (N rejects: msg)") and failed. */
#ifndef MMD_TASK_H
#define MMD_TASK_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "venue.h"

#define TASK_REQUERY_US 5000000      /* open orders reconciliation period */
#define TASK_UNCONFIRMED_US 3000000  /* query_order anything unconfirmed this long */
#define TASK_CB_REJECTS 5            /* circuit breaker: rejects ... */
#define TASK_CB_WINDOW_US 60000000   /* ... within this window */

struct task;

struct task *task_new(const struct cfg_task *cfg, const struct sym_info *si, struct venue venue,
                      int64_t now_us, int64_t wall_ms);
void task_free(struct task *t);
/* Records the task in the ledger from now on and continues its uptime and
 * finished orders from it (task_ledger.c); before task_start. */
struct ledger;
void task_set_ledger(struct task *t, struct ledger *lg, const char *account, int64_t now_us, int64_t wall_ms);
/* New parameters for a running task (same id, symbol and account): quotes
 * that no longer fit are replaced make-before-break; tiers no longer
 * configured are cancelled; risk state (halts, cooldowns) is kept. */
void task_reconfigure(struct task *t, const struct cfg_task *cfg, int64_t now_us);
/* The task's parameters: the one copy, which strategy and risk read on every
 * call (tiers clamped to 1..CFG_MAX_TIERS).  Valid until task_reconfigure. */
const struct cfg_task *task_cfg(const struct task *t);
const char *task_id(const struct task *t);
const char *task_symbol(const struct task *t);
void task_start(struct task *t, int64_t now_us, int64_t wall_ms);
void task_on_md(struct task *t, const struct md_snapshot *s, int64_t now_us, int64_t wall_ms);
void task_on_event(struct task *t, const struct venue_event *ev, int64_t now_us, int64_t wall_ms);
void task_on_timer(struct task *t, int64_t now_us, int64_t wall_ms);
void task_halt(struct task *t, const char *reason, int64_t now_us);
void task_resume(struct task *t, int64_t now_us);
bool task_orders_settled(const struct task *t);
void task_stop(struct task *t, int64_t now_us);
/* A stop that ended without confirming everything (summary not empty)
 * starts over with a new deadline; otherwise nothing. */
void task_stop_again(struct task *t, int64_t now_us);
bool task_stop_done(const struct task *t);
const char *task_stop_summary(const struct task *t);
void task_fail(struct task *t, const char *reason);
/* "starting", "quoting", "halted", "paused", "stopping", "stopped", "failed" */
const char *task_state_name(const struct task *t);
/* Whether cl_ord_id belongs to this task (its prefix and id shape). */
bool task_owns_cloid(const struct task *t, const char *cl_ord_id);
json_t *task_status_json(const struct task *t, int64_t now_us, int64_t wall_ms);
json_t *task_orders_json(const struct task *t);
json_t *task_position_json(const struct task *t);
json_t *task_uptime_json(const struct task *t, int64_t wall_ms);

#endif
