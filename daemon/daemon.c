/* daemon — see daemon.h; the event loop, signals, the tick, shutdown and
 * life cycle live here, the rest of the daemon in the files mmd.h lists.
 * Start-up order (accounts.c):
 *   1. control socket first (refuses to start over a live daemon),
 *   2. symbol rules via query_symbol_info (retried every 5 s until they load),
 *   3. per account: JWT expiry check (expired → that account's tasks fail,
 *      < 24 h → warning), balance check (404 → "account not funded" for that
 *      account's tasks only), then its private stream starts,
 *   4. per task: task_new + hub_watch + task_start (the task reconciles open
 *      orders and position before it quotes).
 * A failure in one account or task never stops the others.  Shutdown (SIGTERM,
 * SIGINT, the shutdown RPC) stops every task, waits until each confirms its
 * orders cancelled (and position closed where configured) or the largest
 * shutdown.timeout_s passes, and exits 0 only if everything was confirmed.
 * A second SIGINT during shutdown prints what is pending and exits 1.
 * The layers are wired here: the MMD_* knobs are read once (knobs.c) and
 * handed to the constructors, the venue-neutral hub gets the StandX market
 * stream (standx/sx_market.h), and the stream URL is made once for the hub
 * and every account. */
#include "clock.h"
#include "daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "hub.h"
#include "lat.h"
#include "locks.h"
#include "log.h"
#include "metrics.h"
#include "mmd.h"
#include "notify.h"
#include "rest.h"
#include "rpc.h"
#include "standx.h"
#include "sx_market.h"
#include "task.h"
#include "ws.h"

static size_t shutdown_pending(struct mmd *d, bool say);

void mmd_begin_shutdown(struct mmd *d, const char *why)
{
    if (d->shutting_down) return;
    double tmax = 0;
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i]->ct->shutdown_timeout_s > tmax) tmax = d->tasks[i]->ct->shutdown_timeout_s;
    d->shutting_down = true;
    d->shutdown_deadline_us = now_us() + (int64_t)(tmax * 1e6);
    LOGI("mmd", "shutting down (%s): stopping quotes, cancelling every order (timeout %.0f s)", why, tmax);
    char line[256];
    snprintf(line, sizeof line, "shutting down (%s): cancelling every order", why);
    notify_stopping(d->notify, line);
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct task *t = d->tasks[i]->t;
        if (!t) continue;
        if (d->tasks[i]->removing) task_stop_again(t, now_us());   /* leftovers of a removed task */
        else task_stop(t, now_us());
    }
}

/* Returns the number of tasks not yet confirmed; logs them if `say`. */
static size_t shutdown_pending(struct mmd *d, bool say)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (!dt->t) continue;
        if (!task_stop_done(dt->t)) {
            n++;
            if (say) LOGW("mmd", "task %s: still stopping (%s)", dt->ct->id,
                          task_stop_summary(dt->t)[0] ? task_stop_summary(dt->t) : "orders not yet confirmed cancelled");
        }
    }
    return n;
}

static void finish_shutdown(struct mmd *d)
{
    int bad = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (!dt->t) continue;
        const char *s = task_stop_summary(dt->t);
        if (!task_stop_done(dt->t) || s[0]) {
            bad++;
            LOGE("mmd", "task %s: NOT confirmed: %s", dt->ct->id, s[0] ? s : "timed out before the exchange confirmed");
        }
    }
    if (bad) LOGE("mmd", "shutdown finished with %d task(s) unconfirmed — check the exchange", bad);
    else LOGI("mmd", "shutdown complete: every order cancelled and confirmed");
    d->exit_code = bad ? 1 : 0;
    event_base_loopbreak(d->base);
}

static void tick_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    struct mmd *d = ud;
    int64_t now = now_us(), wall = wall_ms();
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i]->t) task_on_timer(d->tasks[i]->t, now, wall);
    mmd_pending_check(d, now);
    mmd_reap_removed(d);
    if (!d->shutting_down) {
        char line[256];
        mmd_status_line(d, line, sizeof line);
        notify_status(d->notify, line);
    }
    if (d->shutting_down && (shutdown_pending(d, false) == 0 || now >= d->shutdown_deadline_us))
        finish_shutdown(d);
}

static void sig_cb(evutil_socket_t sig, short what, void *ud)
{
    (void)what;
    struct mmd *d = ud;
    if (sig == SIGHUP) {
        json_decref(mmd_reload(d, "SIGHUP"));
        return;
    }
    if (d->shutting_down && sig == SIGINT) {
        size_t n = shutdown_pending(d, true);
        LOGE("mmd", "second SIGINT: exiting now with %zu task(s) unconfirmed", n);
        d->exit_code = 1;
        event_base_loopbreak(d->base);
        return;
    }
    mmd_begin_shutdown(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* The hub gets the StandX market stream (URL, subscribe messages, frames). */
_Static_assert((int)HUB_F_NONE == SXM_NONE && (int)HUB_F_PRICE == SXM_PRICE &&
                   (int)HUB_F_DEPTH == SXM_DEPTH && (int)HUB_F_NOTICE == SXM_NOTICE &&
                   (int)HUB_F_BAD == SXM_BAD,
               "sx_market frame kinds are the hub's");

static struct hub *market_new(struct mmd *d)
{
    d->stream_url = sx_stream_url(d->cfg->ws_url);
    if (!d->stream_url) return NULL;
    const struct hub_feed feed = {d->stream_url, sxm_sub_msg, sxm_parse};
    return hub_new(d->base, d->ws, &feed, &d->knobs.hub);
}

/* The timing knobs, the latency ring, REST, WebSocket and the market hub. */
static bool net_start(struct mmd *d)
{
    knobs_from_env(&d->knobs);
    d->lat = lat_new();
    d->rest = rest_new(d->base, &d->knobs.rest);
    d->ws = wsmgr_new(d->base, &d->knobs.ws);
    d->hub = d->ws ? market_new(d) : NULL;
    sx_ipbudget_init(&d->ip, d->cfg->ip_requests_per_s, clock_mono_us());
    d->api_url = d->cfg->order_session ? sx_api_url(d->cfg->ws_url) : NULL;
    return d->lat && d->rest && d->ws && d->hub && (d->api_url || !d->cfg->order_session);
}

/* What operators run beside the control socket: systemd notification and
 * watchdog, the read-only socket, the metrics endpoint. */
static bool ops_start(struct mmd *d, char *err, size_t errlen)
{
    d->notify = notify_new(d->base);
    if (d->cfg->readonly_socket[0]) {
        d->ctl_ro = control_new_readonly(d->base, d->cfg->readonly_socket, &d->be, err, errlen);
        if (!d->ctl_ro) return false;
    }
    if (d->cfg->metrics_listen[0]) {
        d->metrics = metrics_new(d, d->cfg->metrics_listen, err, errlen);
        if (!d->metrics) return false;
    }
    return true;
}

static int refuse_placeholders(const struct cfg *cfg)
{
    int bad = 0;
    for (size_t i = 0; i < cfg->n_accounts; i++)
        if (cfg->accounts[i].placeholder || !cfg->accounts[i].signer) {
            fprintf(stderr, "mmd: account %s has placeholder credentials; put your real JWT and signing "
                            "key in the config (see mmd.yaml(5)) or use mmd -n to only check it\n",
                    cfg->accounts[i].id);
            bad = 1;
        }
    return bad;
}

static void teardown(struct mmd *d)
{
    while (d->pending) {
        struct pending_op *op = d->pending;
        d->pending = op->next;
        op->done(op->arg, RPC_ERR_SHUTTING_DOWN, "mmd is exiting", NULL);
        json_decref(op->result);
        free(op->tasks);
        free(op);
    }
    if (d->ctl) control_free(d->ctl);
    if (d->ctl_ro) control_free(d->ctl_ro);
    metrics_free(d->metrics);
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (dt->watching) hub_unwatch(d->hub, dt->ct->symbol, mmd_md_cb, dt);
        if (dt->t) task_free(dt->t);
        free(dt);
    }
    for (size_t i = 0; i < d->n_accts; i++) {
        if (d->accts[i]->sx) sx_account_free(d->accts[i]->sx);
        if (d->accts[i]->retry) event_free(d->accts[i]->retry);
        unlock_account(d->accts[i]->lock_fd);
        free(d->accts[i]);
    }
    if (d->hub) hub_free(d->hub);
    if (d->ws) wsmgr_free(d->ws);
    if (d->rest) rest_free(d->rest);
    lat_free(d->lat);
    struct event *evs[] = {d->tick, d->sym_retry, d->sig_term, d->sig_int, d->sig_hup};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i]) event_free(evs[i]);
    free(d->accts);
    free(d->tasks);
    free(d->syms);
    free(d->stream_url);
    free(d->api_url);
    notify_free(d->notify);
    if (d->base) event_base_free(d->base);
    while (d->old_cfgs) {
        struct cfg_hold *h = d->old_cfgs;
        d->old_cfgs = h->next;
        cfg_free(h->c);
        free(h);
    }
    cfg_free(d->cfg);
}

int daemon_run(struct cfg *cfg)
{
    struct mmd dd, *d = &dd;
    char err[256];
    memset(d, 0, sizeof *d);
    d->cfg = cfg;
    d->exit_code = 1;
    d->start_us = now_us();
    if (refuse_placeholders(cfg)) { cfg_free(cfg); return 1; }
    signal(SIGPIPE, SIG_IGN);
    d->base = event_base_new();
    d->be = mmd_backend(d);
    /* signals before the socket exists: a SIGTERM as soon as a client can
     * see us must already mean "shut down gracefully" */
    if (d->base) {
        d->sig_term = evsignal_new(d->base, SIGTERM, sig_cb, d);
        d->sig_int = evsignal_new(d->base, SIGINT, sig_cb, d);
        d->sig_hup = evsignal_new(d->base, SIGHUP, sig_cb, d);
        event_add(d->sig_term, NULL);
        event_add(d->sig_int, NULL);
        event_add(d->sig_hup, NULL);
    }
    d->ctl = d->base ? control_new(d->base, cfg->control_socket, &d->be, err, sizeof err) : NULL;
    if (!d->ctl) {
        fprintf(stderr, "mmd: %s\n", d->base ? err : "cannot create the event loop");
        teardown(d);
        return 1;
    }
    if (!ops_start(d, err, sizeof err)) {
        fprintf(stderr, "mmd: %s\n", err);
        teardown(d);
        return 1;
    }
    if (!net_start(d)) {
        fprintf(stderr, "mmd: cannot start the network layer\n");
        teardown(d);
        return 1;
    }
    for (size_t i = 0; i < cfg->n_accounts; i++)
        if (!mmd_add_account(d, &cfg->accounts[i])) { teardown(d); return 1; }
    for (size_t i = 0; i < cfg->n_tasks; i++)
        if (!mmd_add_task(d, &cfg->tasks[i], cfg)) { teardown(d); return 1; }
    d->tick = event_new(d->base, -1, EV_PERSIST, tick_cb, d);
    d->sym_retry = evtimer_new(d->base, mmd_sym_retry_cb, d);
    struct timeval tv = clock_tv_us(TICK_US);
    event_add(d->tick, &tv);
    LOGI("mmd", "mmd %s started: %zu task(s), %zu account(s), control socket %s", MMD_VERSION,
         cfg->n_tasks, cfg->n_accounts, cfg->control_socket);
    mmd_load_symbols(d);
    char line[256];
    mmd_status_line(d, line, sizeof line);
    notify_ready(d->notify, line);
    event_base_dispatch(d->base);
    int rc = d->exit_code;
    teardown(d);
    return rc;
}
