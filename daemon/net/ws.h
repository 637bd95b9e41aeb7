/* ws — WebSocket client connections run by libwebsockets in one dedicated
 * thread, with reconnection handled on the main thread (see ws.c for the
 * policy; struct ws_knobs tunes it).  Every function here is for the
 * main thread; callbacks are called on the main thread from libevent. */
#ifndef MMD_WS_H
#define MMD_WS_H
#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wsmgr;

struct ws_handlers {
    void (*on_up)(void *ud, int id);                               /* (re)connected */
    /* one whole message; recv_us: clock_mono_us when the lws thread had it whole */
    void (*on_msg)(void *ud, int id, const char *txt, size_t len, int64_t recv_us);
    void (*on_down)(void *ud, int id, const char *why);            /* was up, now lost */
};

/* Reconnect delay after `failures` consecutive failures (>= 1): min doubled
 * per failure, capped at max, times a jitter factor 0.75 + 0.5 * u01. */
double ws_backoff_s(double min_s, double max_s, int failures, double u01);

/* New connections per minute across every connection of a manager (the
 * venue refuses more than 30 a minute per IP): a bucket of WS_NEW_BURST
 * attempts refilled at WS_NEW_PER_MIN a minute, so any 60 s holds at most
 * burst + per_min.  ws_new_conn_wait: 0 when an attempt may start at now_us
 * (it is counted), else the seconds until one may. */
#define WS_NEW_BURST 10.0
#define WS_NEW_PER_MIN 20.0
struct ws_newrate { double tokens, per_min; int64_t last_us; };
void ws_newrate_init(struct ws_newrate *r, double per_min, int64_t now_us);
double ws_new_conn_wait(struct ws_newrate *r, int64_t now_us);

/* Timing of every connection (seconds; daemon/knobs.c reads them). */
struct ws_knobs {
    double backoff_min_s;   /* first reconnect delay; doubles per failure, */
    double backoff_max_s;   /* capped here, with +-25 % jitter; never gives up */
    double healthy_s;       /* a connection up this long resets the backoff */
    double dead_s;          /* no inbound frame (data or pong) this long -> reconnect */
    double ping_s;          /* we ping this often (lws answers server pings) */
    double connect_s;       /* a connect attempt that takes longer fails */
    double rotate_s;        /* proactive reconnect before the venue's 24 h limit */
    double new_per_min;     /* new connections a minute after a burst of WS_NEW_BURST */
};

struct wsmgr *wsmgr_new(struct event_base *base, const struct ws_knobs *k);
void wsmgr_free(struct wsmgr *m);   /* stops the thread, closes everything; not from a callback */

/* Opens a connection that reconnects forever until wsmgr_close.  `lossy`:
 * messages may be dropped (and counted) when the inbox is full (market
 * data); otherwise the lws thread waits for room (account streams).
 * name is for logs and status.  Returns the connection id (> 0) or -1. */
int wsmgr_open(struct wsmgr *m, const char *name, const char *url, bool lossy,
               const struct ws_handlers *h, void *ud);
/* Queues a text message; -1 if the connection is not up or the outbox is full. */
int wsmgr_send(struct wsmgr *m, int id, const char *txt, size_t len);
/* Drops the current connection and reconnects after the backoff delay. */
void wsmgr_reconnect(struct wsmgr *m, int id, const char *why);
/* Drops the current connection (or the backoff wait) and connects again at
 * once, as a fresh start (new credentials: the old failures do not count). */
void wsmgr_reconnect_now(struct wsmgr *m, int id, const char *why);
void wsmgr_close(struct wsmgr *m, int id);
/* A connection object, always with the same keys: name, url, state, attempts,
 * reconnects, msgs_in, msgs_out, dropped, last_error, last_error_age_s,
 * last_msg_age_s, up_for_s, retry_in_s, retry_delay_s (null when they do not
 * apply).  id 0 (never opened): state "idle"; an id no longer open: "closed";
 * both with name/url null and counters 0. */
json_t *wsmgr_conn_status_json(const struct wsmgr *m, int id);
json_t *wsmgr_status_json(const struct wsmgr *m);   /* every connection */

#endif
