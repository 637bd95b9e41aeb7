/* notify — mmd as a systemd Type=notify service: READY, STATUS, RELOADING,
 * STOPPING and WATCHDOG messages through libsystemd's sd_notify.  Without
 * $NOTIFY_SOCKET every call is a no-op.  With $WATCHDOG_USEC set (systemd's
 * WatchdogSec=) a timer on the daemon's event loop pings at half that
 * interval: a loop that stops turning stops the pings and systemd restarts
 * the service. */
#ifndef MMD_NOTIFY_H
#define MMD_NOTIFY_H
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct notify;
struct mmd;

/* Starts the watchdog timer when systemd asks for one; NULL only when out of
 * memory (then the other calls do nothing). */
struct notify *notify_new(struct event_base *base);
void notify_free(struct notify *n);
/* The watchdog interval systemd asked for, 0 when none. */
uint64_t notify_watchdog_usec(const struct notify *n);
/* READY=1 with a STATUS= line. */
void notify_ready(struct notify *n, const char *status);
/* STATUS= line, sent only when it differs from the last one sent. */
void notify_status(struct notify *n, const char *status);
/* RELOADING=1 (a reload starts); READY=1 follows with notify_ready. */
void notify_reloading(struct notify *n);
/* STOPPING=1 with a STATUS= line. */
void notify_stopping(struct notify *n, const char *status);

/* The daemon's one-line state for STATUS=: tasks by state and accounts
 * ready, e.g. "2 task(s): 2 quoting; 1/1 account(s) ready". */
void mmd_status_line(const struct mmd *d, char *buf, size_t len);

#endif
