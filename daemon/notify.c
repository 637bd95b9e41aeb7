/* notify — see notify.h.  Owns the sd_notify calls, the last STATUS= line
 * sent (so an unchanged line is not resent every tick) and the watchdog
 * timer.  The daemon decides when to call (daemon.c: ready after start-up,
 * status on the tick, stopping when shutdown starts; reload.c around a
 * reload); this file decides what goes on the wire. */
#include "notify.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "clock.h"
#include "log.h"
#include "mmd.h"
#include "task.h"

struct notify {
    bool on;                   /* $NOTIFY_SOCKET was set */
    uint64_t wd_usec;
    struct event *wd;
    char last[256];
};

static void send_msg(struct notify *n, const char *msg)
{
    if (!n || !n->on) return;
    int rc = sd_notify(0, msg);
    if (rc < 0) LOGD("notify", "sd_notify failed: %s", strerror(-rc));
}

static void wd_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    send_msg(ud, "WATCHDOG=1");
}

struct notify *notify_new(struct event_base *base)
{
    struct notify *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    const char *s = getenv("NOTIFY_SOCKET");
    n->on = s && *s;
    uint64_t usec = 0;
    if (n->on && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        n->wd_usec = usec;
        n->wd = event_new(base, -1, EV_PERSIST, wd_cb, n);
        struct timeval tv = clock_tv_us((int64_t)(usec / 2));
        if (!n->wd || event_add(n->wd, &tv) != 0) LOGE("notify", "cannot start the watchdog timer");
        else LOGI("notify", "systemd watchdog: pinging every %.3f s", (double)usec / 2e6);
    }
    return n;
}

void notify_free(struct notify *n)
{
    if (!n) return;
    if (n->wd) event_free(n->wd);
    free(n);
}

uint64_t notify_watchdog_usec(const struct notify *n) { return n ? n->wd_usec : 0; }

static void send_with_status(struct notify *n, const char *head, const char *status)
{
    if (!n) return;
    char msg[320];
    snprintf(msg, sizeof msg, "%s%sSTATUS=%s", head, head[0] ? "\n" : "", status);
    snprintf(n->last, sizeof n->last, "%s", status);
    send_msg(n, msg);
}

void notify_ready(struct notify *n, const char *status) { send_with_status(n, "READY=1", status); }

void notify_status(struct notify *n, const char *status)
{
    if (n && strcmp(n->last, status) != 0) send_with_status(n, "", status);
}

void notify_reloading(struct notify *n)
{
    char msg[64];
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%lld", (long long)clock_mono_us());
    send_msg(n, msg);
}

void notify_stopping(struct notify *n, const char *status)
{
    send_with_status(n, "STOPPING=1", status);
}

void mmd_status_line(const struct mmd *d, char *buf, size_t len)
{
    static const char *const names[] = {"quoting", "halted", "paused", "starting", "failed", "stopping",
                                        "stopped"};
    enum { NNAMES = sizeof names / sizeof names[0] };
    size_t count[NNAMES + 1] = {0}, ntasks = 0, ready = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {
        const struct d_task *dt = d->tasks[i];
        if (dt->removing) continue;
        ntasks++;
        const char *st = dt->t ? task_state_name(dt->t)
                         : (dt->fail[0] || dt->acct->state == ACC_FAILED ? "failed" : "starting");
        size_t k = 0;
        while (k < NNAMES && strcmp(names[k], st)) k++;
        count[k]++;
    }
    for (size_t i = 0; i < d->n_accts; i++) ready += d->accts[i]->state == ACC_READY;
    int n = snprintf(buf, len, "%s%zu task(s):", d->shutting_down ? "shutting down; " : "", ntasks);
    const char *sep = " ";
    for (size_t k = 0; k <= NNAMES && n >= 0 && (size_t)n < len; k++) {
        if (!count[k]) continue;
        n += snprintf(buf + n, len - (size_t)n, "%s%zu %s", sep, count[k], k < NNAMES ? names[k] : "other");
        sep = ", ";
    }
    if (n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, "; %zu/%zu account(s) ready", ready, d->n_accts);
}
