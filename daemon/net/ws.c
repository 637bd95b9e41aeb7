/* ws — WebSocket connections: libwebsockets in ONE dedicated thread (Debian's
 * lws 4.1.6 cannot join libevent), reconnection policy on the main thread.
 *
 * Threads share exactly two bounded queues:
 *   inbox  (lws -> main): up / message / pong / down events, woken by an
 *          eventfd that libevent watches;
 *   outbox (main -> lws): connect / send / ping / close commands, woken by
 *          lws_cancel_service() (LWS_CALLBACK_EVENT_WAIT_CANCELLED).
 * The lws thread decides nothing: it connects, writes, reads and reports.
 * Each connection attempt has a generation number; events of an older
 * generation are ignored, so a reconnect never mixes two sockets' data.
 *
 * Policy (main thread): reconnect with a doubling, jittered backoff that never
 * gives up, reset by a healthy connection; ping; declare a silent connection
 * dead; rotate before the venue's 24 h limit.  The timings are struct
 * ws_knobs (ws.h; defaults and MMD_WS_* variables in daemon/knobs.c).
 * Inbox bound: 65536 events / 64 MiB.  When full, messages of `lossy`
 * connections (market data) are dropped and counted; other connections make
 * the lws thread wait for room, so account events are never dropped.
 * Outbox bound: 8192 commands / 16 MiB (wsmgr_send fails beyond).
 * Status per connection: state, attempts (consecutive failures), reconnects,
 * last_error (kept after recovery, with its age), last message age. */
#include "ws.h"

#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define WS_MAX_CONNS 64
#define WS_MAX_MSG (8u * 1024 * 1024)
#define INBOX_MAX_N 65536
#define INBOX_MAX_BYTES (64u * 1024 * 1024)
#define OUTBOX_MAX_N 8192
#define OUTBOX_MAX_BYTES (16u * 1024 * 1024)

enum ws_state { WS_IDLE = 0, WS_CONNECTING, WS_UP, WS_BACKING_OFF };

enum wsq_op { Q_UP = 1, Q_MSG, Q_PONG, Q_DOWN, C_CONNECT, C_SEND, C_PING, C_CLOSE };

struct wsq_item {
    enum wsq_op op;
    int id;
    unsigned gen;
    bool lossy;                 /* C_CONNECT */
    uint64_t dropped;           /* Q_MSG: lossy messages dropped just before this one */
    int64_t recv_us;            /* Q_MSG: when the lws thread had it whole */
    char *data;                 /* message / url / reason */
    size_t len;
    struct wsq_item *next;
};

struct wsq {
    struct wsq_item *head, *tail;
    size_t n, bytes;
};

/* lws-thread side of one connection attempt. */
struct wsl {
    int id;
    unsigned gen;
    bool lossy, down_sent, ping_pending, closing;
    struct lws *wsi;
    char *url;
    struct wsq tx;              /* pending outgoing texts */
    char *rx;
    size_t rx_len, rx_cap;
    bool rx_too_big;
    uint64_t dropped;
    struct wsl *next;
};

/* main-thread side of one logical connection. */
struct ws_conn {
    int id;
    char *name, *url;
    bool lossy;
    struct ws_handlers h;
    void *ud;
    enum ws_state st;
    unsigned gen;
    int failures;
    int64_t up_since_us, last_rx_us, last_ping_us, attempt_start_us, retry_at_us, last_err_us;
    uint64_t reconnects, msgs_in, msgs_out, dropped;
    double retry_delay_s;       /* the last backoff delay chosen */
    char last_err[128];
    struct event *retry_ev;
    struct wsmgr *m;
};

struct wsmgr {
    struct event_base *base;
    struct lws_context *ctx;
    pthread_t thr;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t room;
    struct wsq inbox, outbox;
    volatile int stop;
    int efd;
    struct event *wake_ev, *tick_ev;
    struct ws_conn *conns[WS_MAX_CONNS];
    int next_id;
    struct wsl *lconns;         /* lws thread only */
    struct ws_knobs k;
    struct ws_newrate newrate;  /* new connections per minute, all connections */
    uint64_t spread;            /* attempts delayed by it */
};

/* ---- queues --------------------------------------------------------------- */

static void q_push(struct wsq *q, struct wsq_item *it)
{
    it->next = NULL;
    if (q->tail) q->tail->next = it;
    else q->head = it;
    q->tail = it;
    q->n++;
    q->bytes += it->len;
}

static struct wsq_item *q_pop(struct wsq *q)
{
    struct wsq_item *it = q->head;
    if (!it) return NULL;
    q->head = it->next;
    if (!q->head) q->tail = NULL;
    q->n--;
    q->bytes -= it->len;
    return it;
}

static void item_free(struct wsq_item *it)
{
    if (!it) return;
    if (it->data && it->op == C_SEND) explicit_bzero(it->data, it->len);   /* may hold the JWT */
    free(it->data);
    free(it);
}

static void q_clear(struct wsq *q)
{
    struct wsq_item *it;
    while ((it = q_pop(q))) item_free(it);
}

static struct wsq_item *item_new(enum wsq_op op, int id, unsigned gen, const char *data, size_t len)
{
    struct wsq_item *it = calloc(1, sizeof *it);
    if (!it) return NULL;
    it->op = op;
    it->id = id;
    it->gen = gen;
    if (data) {
        it->data = malloc(len + 1);
        if (!it->data) { free(it); return NULL; }
        memcpy(it->data, data, len);
        it->data[len] = 0;
        it->len = len;
    }
    return it;
}

/* ---- lws thread ----------------------------------------------------------- */

/* Pushes an event to the main thread.  Lossy messages are dropped when the
 * inbox is full; everything else waits for room. */
static void inbox_push(struct wsmgr *m, struct wsl *l, enum wsq_op op, const char *d, size_t len)
{
    struct wsq_item *it = item_new(op, l->id, l->gen, d, len);
    if (!it) { l->dropped++; return; }
    if (op == Q_MSG) it->recv_us = clock_mono_us();
    pthread_mutex_lock(&m->mu);
    while (!m->stop && (m->inbox.n >= INBOX_MAX_N || m->inbox.bytes + len > INBOX_MAX_BYTES)) {
        if (op == Q_MSG && l->lossy) {
            pthread_mutex_unlock(&m->mu);
            l->dropped++;
            item_free(it);
            return;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
        pthread_cond_timedwait(&m->room, &m->mu, &ts);
    }
    if (op == Q_MSG) { it->dropped = l->dropped; l->dropped = 0; }
    q_push(&m->inbox, it);
    pthread_mutex_unlock(&m->mu);
    uint64_t one = 1;
    ssize_t w = write(m->efd, &one, sizeof one);
    (void)w;
}

static void wsl_report_down(struct wsmgr *m, struct wsl *l, const char *why)
{
    if (l->down_sent || l->closing) return;
    l->down_sent = true;
    inbox_push(m, l, Q_DOWN, why, strlen(why));
}

static void wsl_free(struct wsmgr *m, struct wsl *l)
{
    for (struct wsl **pp = &m->lconns; *pp; pp = &(*pp)->next)
        if (*pp == l) { *pp = l->next; break; }
    q_clear(&l->tx);
    free(l->rx);
    free(l->url);
    free(l);
}

static struct wsl *wsl_find(struct wsmgr *m, int id, unsigned gen)
{
    for (struct wsl *l = m->lconns; l; l = l->next)
        if (l->id == id && l->gen == gen) return l;
    return NULL;
}

static bool wsl_alive(struct wsmgr *m, const struct wsl *p)
{
    for (struct wsl *l = m->lconns; l; l = l->next)
        if (l == p) return true;
    return false;
}

static void wsl_connect(struct wsmgr *m, struct wsq_item *it)
{
    struct wsl *l = calloc(1, sizeof *l);
    if (!l) return;
    l->id = it->id;
    l->gen = it->gen;
    l->lossy = it->lossy;
    l->url = it->data;          /* take ownership; lws_parse_uri cuts it up */
    it->data = NULL;
    l->next = m->lconns;
    m->lconns = l;
    char *url = strdup(l->url);
    const char *proto = NULL, *addr = NULL, *path = NULL;
    int port = 0;
    if (!url || lws_parse_uri(url, &proto, &addr, &port, &path) != 0) {
        free(url);
        wsl_report_down(m, l, "bad url");
        wsl_free(m, l);
        return;
    }
    bool tls = !strcmp(proto, "wss") || !strcmp(proto, "https");
    char fullpath[1024];
    snprintf(fullpath, sizeof fullpath, "/%s", path);
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = m->ctx;
    ci.address = addr;
    ci.port = port ? port : (tls ? 443 : 80);
    ci.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
    ci.path = fullpath;
    ci.host = addr;
    ci.origin = NULL;            /* no Origin header: no live StandX client sends one */
    ci.ietf_version_or_minus_one = -1;
    ci.local_protocol_name = "mmd-ws";
    ci.opaque_user_data = l;
    struct lws *w = lws_client_connect_via_info(&ci);
    free(url);
    if (!wsl_alive(m, l)) return;   /* failed synchronously and already reported */
    if (!w) {
        wsl_report_down(m, l, "connect failed");
        wsl_free(m, l);
        return;
    }
    l->wsi = w;
}

static void wsl_command(struct wsmgr *m, struct wsq_item *it)
{
    if (it->op == C_CONNECT) { wsl_connect(m, it); item_free(it); return; }
    struct wsl *l = wsl_find(m, it->id, it->gen);
    if (!l) { item_free(it); return; }   /* an older attempt: gone already */
    if (it->op == C_SEND) {
        q_push(&l->tx, it);
        if (l->wsi) lws_callback_on_writable(l->wsi);
        return;   /* ownership moved */
    }
    if (it->op == C_PING) {
        l->ping_pending = true;
        if (l->wsi) lws_callback_on_writable(l->wsi);
    } else if (it->op == C_CLOSE) {
        l->closing = true;
        if (l->wsi) lws_set_timeout(l->wsi, 1, LWS_TO_KILL_ASYNC);
        else wsl_free(m, l);
    }
    item_free(it);
}

static void drain_outbox(struct wsmgr *m)
{
    pthread_mutex_lock(&m->mu);
    struct wsq q = m->outbox;
    memset(&m->outbox, 0, sizeof m->outbox);
    pthread_mutex_unlock(&m->mu);
    struct wsq_item *it;
    while ((it = q_pop(&q))) wsl_command(m, it);
}

static int wsl_writeable(struct wsl *l, struct lws *wsi)
{
    if (l->closing) return -1;
    if (l->ping_pending) {
        uint8_t buf[LWS_PRE + 4];
        l->ping_pending = false;
        if (lws_write(wsi, buf + LWS_PRE, 0, LWS_WRITE_PING) < 0) return -1;
    } else {
        struct wsq_item *it = q_pop(&l->tx);
        if (!it) return 0;
        uint8_t *buf = malloc(LWS_PRE + it->len + 1);
        if (!buf) { item_free(it); return -1; }
        memcpy(buf + LWS_PRE, it->data, it->len);
        int w = lws_write(wsi, buf + LWS_PRE, it->len, LWS_WRITE_TEXT);
        explicit_bzero(buf + LWS_PRE, it->len);
        free(buf);
        item_free(it);
        if (w < 0) return -1;
    }
    if (l->ping_pending || l->tx.head) lws_callback_on_writable(wsi);
    return 0;
}

static void wsl_receive(struct wsmgr *m, struct wsl *l, struct lws *wsi, const void *in, size_t len)
{
    if (!l->rx_too_big) {
        if (l->rx_len + len > WS_MAX_MSG) {
            l->rx_too_big = true;
        } else {
            if (l->rx_len + len + 1 > l->rx_cap) {
                size_t cap = l->rx_cap ? l->rx_cap : 8192;
                while (cap < l->rx_len + len + 1) cap *= 2;
                char *nb = realloc(l->rx, cap);
                if (!nb) l->rx_too_big = true;
                else { l->rx = nb; l->rx_cap = cap; }
            }
            if (!l->rx_too_big) { memcpy(l->rx + l->rx_len, in, len); l->rx_len += len; }
        }
    }
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
        if (!l->rx_too_big) inbox_push(m, l, Q_MSG, l->rx ? l->rx : "", l->rx_len);
        else LOGW("ws", "conn %d: dropped an oversized message", l->id);
        l->rx_len = 0;
        l->rx_too_big = false;
    }
}

static int lws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void)user;
    struct lws_context *ctx = lws_get_context(wsi);
    struct wsmgr *m = ctx ? lws_context_user(ctx) : NULL;
    struct wsl *l = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    if (m && l && !wsl_alive(m, l)) l = NULL;
    char why[160];
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (m) drain_outbox(m);
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (l) l->wsi = wsi;
        if (l && !l->closing) {
            inbox_push(m, l, Q_UP, NULL, 0);
            if (l->tx.head || l->ping_pending) lws_callback_on_writable(wsi);
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (l) {
            snprintf(why, sizeof why, "connect error: %.100s", in ? (const char *)in : "unknown");
            wsl_report_down(m, l, why);
            lws_set_opaque_user_data(wsi, NULL);
            wsl_free(m, l);
        }
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (l && !l->closing) wsl_receive(m, l, wsi, in, len);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        if (l && !l->closing) inbox_push(m, l, Q_PONG, NULL, 0);
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (l) return wsl_writeable(l, wsi);
        return -1;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (l) {
            int code = len >= 2 ? (((const uint8_t *)in)[0] << 8 | ((const uint8_t *)in)[1]) : 0;
            snprintf(why, sizeof why, "closed by peer (%d)", code);
            wsl_report_down(m, l, why);
        }
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (l) wsl_report_down(m, l, "connection closed");
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        if (l) {
            wsl_report_down(m, l, "connection lost");
            l->wsi = NULL;
            lws_set_opaque_user_data(wsi, NULL);
            wsl_free(m, l);
        }
        break;
    default:
        break;
    }
    return 0;
}

static void *ws_thread(void *arg)
{
    struct wsmgr *m = arg;
    while (!m->stop)
        if (lws_service(m->ctx, 0) < 0) break;
    return NULL;
}

/* ---- main thread: events -------------------------------------------------- */

static struct ws_conn *conn_get(const struct wsmgr *m, int id)
{
    for (int i = 0; i < WS_MAX_CONNS; i++)
        if (m->conns[i] && m->conns[i]->id == id) return m->conns[i];
    return NULL;
}

static int outbox_push(struct wsmgr *m, enum wsq_op op, int id, unsigned gen, const char *d, size_t len,
                       bool lossy)
{
    struct wsq_item *it = item_new(op, id, gen, d, len);
    if (!it) return -1;
    it->lossy = lossy;
    pthread_mutex_lock(&m->mu);
    bool full = op == C_SEND &&
                (m->outbox.n >= OUTBOX_MAX_N || m->outbox.bytes + len > OUTBOX_MAX_BYTES);
    if (!full) q_push(&m->outbox, it);
    pthread_mutex_unlock(&m->mu);
    if (full) { item_free(it); return -1; }
    lws_cancel_service(m->ctx);
    return 0;
}

static void conn_try(struct ws_conn *c)
{
    struct wsmgr *m = c->m;
    int64_t now = clock_mono_us();
    double wait = ws_new_conn_wait(&m->newrate, now);
    if (wait > 0) {   /* spread: the venue refuses more than 30 new connections a minute */
        wait += (double)random() / RAND_MAX;
        m->spread++;
        c->st = WS_BACKING_OFF;
        c->retry_delay_s = wait;
        c->retry_at_us = now + (int64_t)(wait * 1e6);
        LOGI("ws", "%s: new-connection budget (%.0f a minute) used up: connecting in %.2f s", c->name,
             m->newrate.per_min, wait);
        struct timeval tv = clock_tv_s(wait);
        evtimer_add(c->retry_ev, &tv);
        return;
    }
    c->gen++;
    c->st = WS_CONNECTING;
    c->attempt_start_us = clock_mono_us();
    LOGD("ws", "%s: connecting to %s (attempt %d)", c->name, c->url, c->failures + 1);
    if (outbox_push(c->m, C_CONNECT, c->id, c->gen, c->url, strlen(c->url), c->lossy) != 0) {
        c->st = WS_BACKING_OFF;   /* out of memory: the tick retries */
        c->retry_at_us = clock_mono_us() + 1000000;
    }
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    conn_try(arg);
}

void ws_newrate_init(struct ws_newrate *r, double per_min, int64_t now_us)
{
    r->tokens = WS_NEW_BURST;
    r->per_min = per_min > 0 ? per_min : WS_NEW_PER_MIN;
    r->last_us = now_us;
}

double ws_new_conn_wait(struct ws_newrate *r, int64_t now_us)
{
    const double per_s = r->per_min / 60.0;
    if (now_us > r->last_us) {
        r->tokens += (double)(now_us - r->last_us) / 1e6 * per_s;
        if (r->tokens > WS_NEW_BURST) r->tokens = WS_NEW_BURST;
        r->last_us = now_us;
    }
    if (r->tokens >= 1.0) {
        r->tokens -= 1.0;
        return 0;
    }
    return (1.0 - r->tokens) / per_s;
}

double ws_backoff_s(double min_s, double max_s, int failures, double u01)
{
    double d = min_s;
    for (int i = 1; i < failures && d < max_s; i++) d *= 2;
    if (d > max_s) d = max_s;
    return d * (0.75 + 0.5 * u01);
}

/* The current attempt is over: tell the thread (if needed), notify, back off. */
static void conn_lost(struct ws_conn *c, const char *why, bool tell_thread, bool immediate)
{
    struct wsmgr *m = c->m;
    int64_t now = clock_mono_us();
    bool was_up = c->st == WS_UP;
    if (tell_thread) outbox_push(m, C_CLOSE, c->id, c->gen, NULL, 0, false);
    c->gen++;   /* ignore anything still queued from that socket */
    snprintf(c->last_err, sizeof c->last_err, "%s", why);
    c->last_err_us = now;
    if (was_up && now - c->up_since_us >= (int64_t)(m->k.healthy_s * 1e6)) c->failures = 0;
    if (immediate) c->failures = 0;   /* planned rotation: not a failure */
    else c->failures++;
    double delay = immediate ? 0 : ws_backoff_s(m->k.backoff_min_s, m->k.backoff_max_s, c->failures,
                                                (double)random() / RAND_MAX);
    c->st = WS_BACKING_OFF;
    c->retry_delay_s = delay;
    c->retry_at_us = now + (int64_t)(delay * 1e6);
    if (was_up) c->reconnects++;
    log_msg(was_up ? LOG_WARN : LOG_DEBUG, "ws", "%s: %s; reconnecting in %.2f s", c->name, why, delay);
    struct timeval tv = clock_tv_s(delay);
    evtimer_add(c->retry_ev, &tv);
    int id = c->id;
    if (was_up && c->h.on_down) c->h.on_down(c->ud, id, why);   /* may close c */
}

static void dispatch(struct wsmgr *m, struct wsq_item *it)
{
    struct ws_conn *c = conn_get(m, it->id);
    if (!c || it->gen != c->gen) return;
    int64_t now = clock_mono_us();
    switch (it->op) {
    case Q_UP:
        c->st = WS_UP;
        c->up_since_us = c->last_rx_us = c->last_ping_us = now;
        LOGI("ws", "%s: connected", c->name);
        if (c->h.on_up) c->h.on_up(c->ud, c->id);
        break;
    case Q_MSG:
        c->last_rx_us = now;
        c->msgs_in++;
        c->dropped += it->dropped;
        if (c->h.on_msg) c->h.on_msg(c->ud, c->id, it->data ? it->data : "", it->len, it->recv_us);
        break;
    case Q_PONG:
        c->last_rx_us = now;
        break;
    case Q_DOWN:
        if (c->st == WS_CONNECTING || c->st == WS_UP)
            conn_lost(c, it->data ? it->data : "closed", false, false);
        break;
    default:
        break;
    }
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct wsmgr *m = arg;
    uint64_t v;
    ssize_t r = read(fd, &v, sizeof v);
    (void)r;
    pthread_mutex_lock(&m->mu);
    struct wsq q = m->inbox;
    memset(&m->inbox, 0, sizeof m->inbox);
    pthread_cond_broadcast(&m->room);
    pthread_mutex_unlock(&m->mu);
    struct wsq_item *it;
    while ((it = q_pop(&q))) {
        dispatch(m, it);
        item_free(it);
    }
}

static void conn_check(struct wsmgr *m, struct ws_conn *c, int64_t now)
{
    char why[96];
    if (c->st == WS_CONNECTING && now - c->attempt_start_us > (int64_t)(m->k.connect_s * 1e6)) {
        conn_lost(c, "connect timeout", true, false);
    } else if (c->st == WS_UP && now - c->last_rx_us > (int64_t)(m->k.dead_s * 1e6)) {
        snprintf(why, sizeof why, "no inbound frame for %.1f s", (double)(now - c->last_rx_us) / 1e6);
        conn_lost(c, why, true, false);
    } else if (c->st == WS_UP && now - c->up_since_us > (int64_t)(m->k.rotate_s * 1e6)) {
        conn_lost(c, "rotating before the 24 h limit", true, true);
    } else if (c->st == WS_UP && now - c->last_ping_us >= (int64_t)(m->k.ping_s * 1e6)) {
        c->last_ping_us = now;
        outbox_push(m, C_PING, c->id, c->gen, NULL, 0, false);
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct wsmgr *m = arg;
    int64_t now = clock_mono_us();
    for (int i = 0; i < WS_MAX_CONNS; i++)
        if (m->conns[i]) conn_check(m, m->conns[i], now);   /* may free conns[i] via callback */
}

/* ---- public --------------------------------------------------------------- */

static void lws_log_emit(int level, const char *line)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", line);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
    if (level & LLL_ERR) LOGD("lws", "%s", buf);
    else LOGD("lws", "%s", buf);
}

static const struct lws_protocols ws_protocols[] = {
    {"mmd-ws", lws_cb, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

struct wsmgr *wsmgr_new(struct event_base *base, const struct ws_knobs *k)
{
    struct wsmgr *m = k ? calloc(1, sizeof *m) : NULL;
    if (!m) return NULL;
    m->base = base;
    m->efd = -1;
    m->next_id = 1;
    m->k = *k;
    ws_newrate_init(&m->newrate, k->new_per_min, clock_mono_us());
    srandom((unsigned)clock_wall_us());
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->room, NULL);
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);
    struct lws_context_creation_info ci;
    memset(&ci, 0, sizeof ci);
    ci.port = CONTEXT_PORT_NO_LISTEN;
    ci.protocols = ws_protocols;
    ci.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    ci.user = m;
    ci.gid = -1;
    ci.uid = -1;
    ci.timeout_secs = (unsigned)(m->k.connect_s + 1);
    m->ctx = lws_create_context(&ci);
    m->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!m->ctx || m->efd < 0) { wsmgr_free(m); return NULL; }
    m->wake_ev = event_new(base, m->efd, EV_READ | EV_PERSIST, on_wake, m);
    m->tick_ev = event_new(base, -1, EV_PERSIST, on_tick, m);
    double tick = m->k.dead_s / 4;
    if (tick > m->k.ping_s / 2) tick = m->k.ping_s / 2;
    if (tick > 1) tick = 1;
    if (tick < 0.05) tick = 0.05;
    struct timeval tv = clock_tv_s(tick);
    if (!m->wake_ev || !m->tick_ev || event_add(m->wake_ev, NULL) || event_add(m->tick_ev, &tv)) {
        wsmgr_free(m);
        return NULL;
    }
    if (pthread_create(&m->thr, NULL, ws_thread, m) != 0) { wsmgr_free(m); return NULL; }
    m->thread_started = true;
    return m;
}

static void conn_free(struct ws_conn *c)
{
    if (c->retry_ev) event_free(c->retry_ev);
    free(c->name);
    free(c->url);
    free(c);
}

void wsmgr_free(struct wsmgr *m)
{
    if (!m) return;
    if (m->thread_started) {
        pthread_mutex_lock(&m->mu);
        m->stop = 1;
        pthread_cond_broadcast(&m->room);
        pthread_mutex_unlock(&m->mu);
        lws_cancel_service(m->ctx);
        pthread_join(m->thr, NULL);
    }
    if (m->ctx) lws_context_destroy(m->ctx);   /* frees every wsi (and so every wsl) */
    while (m->lconns) wsl_free(m, m->lconns);
    for (int i = 0; i < WS_MAX_CONNS; i++)
        if (m->conns[i]) conn_free(m->conns[i]);
    q_clear(&m->inbox);
    q_clear(&m->outbox);
    if (m->wake_ev) event_free(m->wake_ev);
    if (m->tick_ev) event_free(m->tick_ev);
    if (m->efd >= 0) close(m->efd);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->room);
    free(m);
}

int wsmgr_open(struct wsmgr *m, const char *name, const char *url, bool lossy,
               const struct ws_handlers *h, void *ud)
{
    if (!m || !url || !h) return -1;
    int slot = -1;
    for (int i = 0; i < WS_MAX_CONNS && slot < 0; i++)
        if (!m->conns[i]) slot = i;
    if (slot < 0) return -1;
    struct ws_conn *c = calloc(1, sizeof *c);
    if (!c) return -1;
    c->m = m;
    c->id = m->next_id++;
    c->name = strdup(name ? name : "ws");
    c->url = strdup(url);
    c->lossy = lossy;
    c->h = *h;
    c->ud = ud;
    c->retry_ev = evtimer_new(m->base, on_retry, c);
    if (!c->name || !c->url || !c->retry_ev) { conn_free(c); return -1; }
    m->conns[slot] = c;
    conn_try(c);
    return c->id;
}

int wsmgr_send(struct wsmgr *m, int id, const char *txt, size_t len)
{
    struct ws_conn *c = m ? conn_get(m, id) : NULL;
    if (!c || c->st != WS_UP) return -1;
    if (outbox_push(m, C_SEND, c->id, c->gen, txt, len, false) != 0) return -1;
    c->msgs_out++;
    return 0;
}

void wsmgr_reconnect(struct wsmgr *m, int id, const char *why)
{
    struct ws_conn *c = m ? conn_get(m, id) : NULL;
    if (!c || (c->st != WS_UP && c->st != WS_CONNECTING)) return;
    conn_lost(c, why ? why : "reconnect requested", true, false);
}

void wsmgr_reconnect_now(struct wsmgr *m, int id, const char *why)
{
    struct ws_conn *c = m ? conn_get(m, id) : NULL;
    if (!c) return;
    if (c->st == WS_UP || c->st == WS_CONNECTING) {
        conn_lost(c, why ? why : "reconnect requested", true, true);
    } else if (c->st == WS_BACKING_OFF) {
        c->failures = 0;
        evtimer_del(c->retry_ev);
        conn_try(c);
    }
}

void wsmgr_close(struct wsmgr *m, int id)
{
    for (int i = 0; m && i < WS_MAX_CONNS; i++) {
        struct ws_conn *c = m->conns[i];
        if (!c || c->id != id) continue;
        if (c->st == WS_UP || c->st == WS_CONNECTING)
            outbox_push(m, C_CLOSE, c->id, c->gen, NULL, 0, false);
        m->conns[i] = NULL;
        conn_free(c);
        return;
    }
}

static const char *ws_state_name(enum ws_state s)
{
    switch (s) {
    case WS_IDLE: return "idle";
    case WS_CONNECTING: return "connecting";
    case WS_UP: return "up";
    case WS_BACKING_OFF: return "backing_off";
    }
    return "?";
}

static json_t *age_s(int64_t now, int64_t t, bool valid)
{
    return valid && t ? json_real((double)(now - t) / 1e6) : json_null();
}

/* The one shape of a connection object, also without a connection. */
static json_t *conn_json(const char *name, const char *url, const char *state)
{
    json_t *j = json_pack("{s:s?,s:s?,s:s,s:i,s:I,s:I,s:I,s:I}", "name", name, "url", url, "state", state,
                          "attempts", 0, "reconnects", (json_int_t)0, "msgs_in", (json_int_t)0,
                          "msgs_out", (json_int_t)0, "dropped", (json_int_t)0);
    static const char *const nulls[] = {"last_error", "last_error_age_s", "last_msg_age_s", "up_for_s",
                                        "retry_in_s", "retry_delay_s"};
    for (size_t i = 0; j && i < sizeof nulls / sizeof nulls[0]; i++) json_object_set_new(j, nulls[i], json_null());
    return j;
}

json_t *wsmgr_conn_status_json(const struct wsmgr *m, int id)
{
    const struct ws_conn *c = m && id ? conn_get(m, id) : NULL;
    if (!c) return conn_json(NULL, NULL, id ? "closed" : "idle");
    int64_t now = clock_mono_us();
    bool backing_off = c->st == WS_BACKING_OFF;
    json_t *j = conn_json(c->name, c->url, ws_state_name(c->st));
    if (!j) return NULL;
    json_object_set_new(j, "attempts", json_integer(c->failures));
    json_object_set_new(j, "reconnects", json_integer((json_int_t)c->reconnects));
    json_object_set_new(j, "msgs_in", json_integer((json_int_t)c->msgs_in));
    json_object_set_new(j, "msgs_out", json_integer((json_int_t)c->msgs_out));
    json_object_set_new(j, "dropped", json_integer((json_int_t)c->dropped));
    json_object_set_new(j, "last_error", c->last_err[0] ? json_string(c->last_err) : json_null());
    json_object_set_new(j, "last_error_age_s", age_s(now, c->last_err_us, true));
    json_object_set_new(j, "last_msg_age_s", age_s(now, c->last_rx_us, true));
    json_object_set_new(j, "up_for_s", age_s(now, c->up_since_us, c->st == WS_UP));
    json_object_set_new(j, "retry_in_s",
                        backing_off ? json_real((double)(c->retry_at_us - now) / 1e6) : json_null());
    json_object_set_new(j, "retry_delay_s", backing_off ? json_real(c->retry_delay_s) : json_null());
    return j;
}

json_t *wsmgr_status_json(const struct wsmgr *m)
{
    json_t *a = json_array();
    for (int i = 0; m && a && i < WS_MAX_CONNS; i++)
        if (m->conns[i]) json_array_append_new(a, wsmgr_conn_status_json(m, m->conns[i]->id));
    return a;
}
