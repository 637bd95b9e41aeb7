/* mmd.h — the running daemon's own state, shared by the files of daemon/
 * that make it up (not a public interface):
 *   daemon.c   event loop, signals, the 100 ms tick, shutdown, life cycle
 *   accounts.c routing of account and market events to tasks; start-up:
 *              symbol rules, per-account credential and balance checks,
 *              task creation
 *   reload.c   SIGHUP: validate a new configuration, apply it task by task,
 *              reap removed tasks once their stop is confirmed
 *   backend.c  the control plane's backend (status, halt, resume, ...)
 *   notify.c   systemd: READY/STATUS/STOPPING, the watchdog timer
 *   metrics.c  the Prometheus endpoint and the metrics text
 * struct mmd owns every long-lived object; each d_task and d_acct belongs to
 * it and is freed only by reload.c (removed tasks) or daemon.c (exit). */
#ifndef MMD_MMD_H
#define MMD_MMD_H
#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "clock.h"
#include "config.h"
#include "knobs.h"
#include "standx.h"
#include "venue.h"

#define TICK_US 100000
#define RETRY_S 5
#define HALT_WAIT_US (10 * 1000000LL)

struct mmd;

enum acct_state { ACC_WAIT_SYMBOLS, ACC_CHECKING, ACC_READY, ACC_FAILED };

struct d_acct {
    struct mmd *d;
    const struct cfg_account *ca;
    struct sx_account *sx;
    enum acct_state state;
    struct event *retry;
    int lock_fd;                 /* holds the account lock (locks.c), -1 without one */
    bool jwt_armed;              /* its JWT expiry check is scheduled */
    char err[200];
};

struct d_task {
    struct mmd *d;
    const struct cfg_task *ct;   /* its entry in the configuration that defined it (kept while
                                    anything points into it); the task holds the one copy */
    struct d_acct *acct;
    bool removing;               /* dropped by a reload: stopping, then freed */
    bool jwt_halted;             /* halted by its account's JWT expiry check */
    struct task *t;          /* NULL until created (or if it could not be) */
    char fail[200];          /* why it could not be created */
    bool watching;
};

struct pending_op {          /* a halt waiting for its tasks' orders to settle */
    struct pending_op *next;
    struct d_task **tasks;
    size_t n;
    int64_t deadline_us;
    backend_done_fn done;
    void *arg;
    json_t *result;
};

struct mmd {
    struct event_base *base;
    struct cfg *cfg;
    struct mmd_knobs knobs;      /* MMD_* timing variables, read once at start */
    struct rest *rest;
    struct wsmgr *ws;
    struct hub *hub;
    char *stream_url;            /* the venue's WebSocket stream (market and accounts) */
    char *api_url;               /* the order-response sessions (ws-api), NULL: none */
    struct sx_ipbudget ip;       /* the requests every account takes from the per-IP limit */
    struct lat *lat;             /* latency samples of the market-data -> order path */
    struct {                     /* the notification being reacted to (lat.c) */
        char symbol[SYM_MAX];
        struct sx_reaction r;
    } react;
    struct control *ctl;
    struct control *ctl_ro;      /* control.readonly_socket, NULL without one */
    struct notify *notify;       /* systemd sd_notify (notify.c) */
    struct metrics *metrics;     /* the Prometheus endpoint (metrics.c), NULL when off */
    struct backend be;
    struct d_acct **accts;
    size_t n_accts;
    struct d_task **tasks;
    size_t n_tasks;
    struct cfg_hold { struct cfg *c; struct cfg_hold *next; } *old_cfgs;   /* accounts point into them */
    struct sym_info *syms;
    size_t n_syms;
    bool syms_loaded;
    struct event *tick, *sym_retry, *sig_term, *sig_int, *sig_hup;
    struct pending_op *pending;
    int64_t start_us;
    bool shutting_down;
    int64_t shutdown_deadline_us;
    int exit_code;
};

static inline int64_t now_us(void) { return clock_mono_us(); }
static inline int64_t wall_ms(void) { return clock_wall_ms(); }

/* accounts.c */
void mmd_md_cb(void *ud, const struct md_snapshot *s);
void mmd_load_symbols(struct mmd *d);
void mmd_sym_retry_cb(evutil_socket_t fd, short what, void *ud);
void mmd_acct_begin(struct d_acct *a);
/* New credentials for an existing account (reload): it logs in again with
 * them, keeping its orders and tasks; a failed account starts over. */
void mmd_acct_credentials(struct d_acct *a, const struct cfg_account *na);
struct d_acct *mmd_add_account(struct mmd *d, const struct cfg_account *ca);
struct d_task *mmd_add_task(struct mmd *d, const struct cfg_task *ct, const struct cfg *cfg);
struct d_task *mmd_find_task(struct mmd *d, const char *id);
struct d_acct *mmd_find_acct(struct mmd *d, const char *id);

/* reload.c */
/* Re-reads the configuration file and applies it (why: "SIGHUP", "reload
 * RPC").  Returns the report the reload RPC answers with (mmd-rpc(7)):
 * applied, the tasks added, removed and changed, and what was refused and
 * why.  The caller owns it. */
json_t *mmd_reload(struct mmd *d, const char *why);
void mmd_reap_removed(struct mmd *d);

/* backend.c */
struct backend mmd_backend(struct mmd *d);
void mmd_pending_check(struct mmd *d, int64_t now);
void mmd_pending_forget(struct mmd *d, const struct d_task *dt);

/* daemon.c */
void mmd_begin_shutdown(struct mmd *d, const char *why);

#endif
