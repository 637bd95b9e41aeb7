/* hub — market-data hub.
 *
 * Decisions:
 *  - Exactly ONE public market-stream connection (the feed's URL) for all
 *    tasks, opened at the first hub_watch, subscribed (the feed's messages)
 *    for every watched symbol; re-subscribed on every reconnect.  The last
 *    hub_unwatch of a symbol unsubscribes it.  The feed parses frames into
 *    price and depth updates; the hub applies them.
 *  - One md_snapshot per symbol.  Frames update it at once; watchers are
 *    called from a deferred libevent callback, so all frames drained from the
 *    inbox in one batch collapse into one notification (newest wins); frames
 *    superseded before their notification are counted in `conflated`.
 *  - `stale`: set when the connection drops, or when a symbol has had no
 *    price/depth frame for hub_knobs.stale_s (MMD_HUB_STALE_S); cleared only
 *    when a fresh price AND a fresh depth frame have both arrived since.
 *    Watchers are notified of both transitions.  If the connection is up but
 *    carries no market data at all for hub_knobs.dead_s (MMD_HUB_DEAD_S) the
 *    hub asks ws for a reconnect (a half-open or frozen feed that still
 *    answers pings).
 *  - Malformed frames are counted (bad_frames), logged at debug, dropped. */
#include "hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

struct hub_watcher { hub_cb cb; void *ud; };

struct hub_sym {
    struct md_snapshot snap;
    struct hub_watcher *w;
    int nw, capw;
    bool dirty, got_price, got_depth;
    int64_t last_data_us;
    struct hub_sym *next;
};

struct hub {
    struct event_base *base;
    struct wsmgr *ws;
    struct hub_feed feed;
    char *url;
    struct md_snapshot *upd;    /* scratch: the frame being applied */
    int conn;                   /* ws id, 0 until the first watch */
    bool up;
    struct hub_sym *syms;
    struct event *notify_ev, *check_ev;
    double stale_s, dead_s;
    int64_t last_data_us;
    uint64_t bad_frames, frames, notices;
};

static struct hub_sym *sym_find(const struct hub *h, const char *symbol)
{
    for (struct hub_sym *s = h->syms; s; s = s->next)
        if (!strcmp(s->snap.symbol, symbol)) return s;
    return NULL;
}

static void mark_dirty(struct hub *h, struct hub_sym *s)
{
    if (s->dirty) s->snap.conflated++;
    s->dirty = true;
    event_active(h->notify_ev, EV_TIMEOUT, 0);
}

static void set_stale(struct hub *h, struct hub_sym *s)
{
    s->got_price = s->got_depth = false;
    if (s->snap.stale) return;
    s->snap.stale = true;
    s->dirty = true;            /* a state change, not a conflated frame */
    event_active(h->notify_ev, EV_TIMEOUT, 0);
}

static void send_sub(struct hub *h, bool on, const char *symbol)
{
    char buf[256];
    int n;
    for (int i = 0; (n = h->feed.sub_msg(on, symbol, i, buf, sizeof buf)) > 0; i++)
        if (wsmgr_send(h->ws, h->conn, buf, (size_t)n) != 0)
            LOGD("hub", "cannot send %s now (will on reconnect)", buf);
}

/* ---- notification ---------------------------------------------------------- */

static bool still_watching(const struct hub *h, const char *symbol, const struct hub_watcher *w)
{
    const struct hub_sym *s = sym_find(h, symbol);
    for (int i = 0; s && i < s->nw; i++)
        if (s->w[i].cb == w->cb && s->w[i].ud == w->ud) return true;
    return false;
}

static void notify_sym(struct hub *h, struct hub_sym *s)
{
    s->dirty = false;
    int n = s->nw;
    struct hub_watcher *ws = malloc((size_t)(n ? n : 1) * sizeof *ws);
    struct md_snapshot *copy = malloc(sizeof *copy);
    if (ws && copy) {
        memcpy(ws, s->w, (size_t)n * sizeof *ws);
        *copy = s->snap;
        for (int i = 0; i < n; i++)   /* callbacks may watch/unwatch */
            if (still_watching(h, copy->symbol, &ws[i])) ws[i].cb(ws[i].ud, copy);
    }
    free(ws);
    free(copy);
}

static void on_notify(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct hub *h = arg;
    for (;;) {
        struct hub_sym *s = h->syms;
        while (s && !s->dirty) s = s->next;
        if (!s) return;
        notify_sym(h, s);
    }
}

/* ---- frames ------------------------------------------------------------------ */

static void apply_price(struct hub_sym *s, const struct md_snapshot *u, int64_t now)
{
    struct md_snapshot *sn = &s->snap;
    sn->mark = u->mark;
    if (u->index) sn->index = u->index;
    if (u->last) sn->last = u->last;
    if (u->mid) sn->mid = u->mid;
    sn->best_bid = u->best_bid;
    sn->best_ask = u->best_ask;
    if (!u->mid && u->best_bid && u->best_ask) sn->mid = (u->best_bid + u->best_ask) / 2;
    sn->price_recv_us = now;
    sn->price_seq = u->price_seq;
    sn->exch_time_ms = u->exch_time_ms;
    s->got_price = true;
}

static void apply_depth(struct hub_sym *s, const struct md_snapshot *u, int64_t now)
{
    struct md_snapshot *sn = &s->snap;
    sn->n_bids = u->n_bids;
    sn->n_asks = u->n_asks;
    memcpy(sn->bids, u->bids, (size_t)u->n_bids * sizeof u->bids[0]);
    memcpy(sn->asks, u->asks, (size_t)u->n_asks * sizeof u->asks[0]);
    sn->depth_recv_us = now;
    sn->depth_seq = u->depth_seq;
    s->got_depth = true;
}

static void log_bad_frame(const char *txt, size_t len, const char *why)
{
    char ex[100];
    size_t n = len < sizeof ex - 1 ? len : sizeof ex - 1;
    for (size_t i = 0; i < n; i++) ex[i] = txt[i] >= 0x20 && txt[i] < 0x7f ? txt[i] : '?';
    ex[n] = 0;
    LOGD("hub", "dropped a malformed market frame (%s): %s", why, ex);
}

static void apply_frame(struct hub *h, int kind, const struct md_snapshot *u, int64_t recv_us)
{
    struct hub_sym *s = sym_find(h, u->symbol);
    if (!s) return;
    int64_t now = clock_mono_us();
    h->frames++;
    h->last_data_us = s->last_data_us = now;
    if (kind == HUB_F_PRICE) apply_price(s, u, now);
    else apply_depth(s, u, now);
    s->snap.updates++;
    s->snap.recv_us = recv_us;
    s->snap.applied_us = clock_mono_us();
    if (s->snap.stale && s->got_price && s->got_depth) s->snap.stale = false;
    mark_dirty(h, s);
}

static void on_msg(void *ud, int id, const char *txt, size_t len, int64_t recv_us)
{
    (void)id;
    struct hub *h = ud;
    char note[128];
    int kind = h->feed.parse(txt, len, h->upd, note, sizeof note);
    if (kind == HUB_F_NOTICE) {
        h->notices++;
        LOGW("hub", "market stream notice: %s", note);
    } else if (kind == HUB_F_BAD) {
        h->bad_frames++;
        log_bad_frame(txt, len, note);
    } else if (kind == HUB_F_PRICE || kind == HUB_F_DEPTH) {
        apply_frame(h, kind, h->upd, recv_us);
    }
}

static void on_up(void *ud, int id)
{
    (void)id;
    struct hub *h = ud;
    h->up = true;
    h->last_data_us = clock_mono_us();
    for (struct hub_sym *s = h->syms; s; s = s->next) {
        s->got_price = s->got_depth = false;
        s->last_data_us = h->last_data_us;
        send_sub(h, true, s->snap.symbol);
    }
}

static void on_down(void *ud, int id, const char *why)
{
    (void)id;
    struct hub *h = ud;
    h->up = false;
    LOGW("hub", "market stream down (%s): every symbol is stale until fresh data", why);
    for (struct hub_sym *s = h->syms; s; s = s->next) set_stale(h, s);
}

static void on_check(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct hub *h = arg;
    if (!h->up) return;
    int64_t now = clock_mono_us();
    for (struct hub_sym *s = h->syms; s; s = s->next)
        if (!s->snap.stale && now - s->last_data_us > (int64_t)(h->stale_s * 1e6)) {
            LOGW("hub", "%s: no market data for %.1f s: stale", s->snap.symbol,
                 (double)(now - s->last_data_us) / 1e6);
            set_stale(h, s);
        }
    if (h->syms && now - h->last_data_us > (int64_t)(h->dead_s * 1e6)) {
        h->last_data_us = now;
        wsmgr_reconnect(h->ws, h->conn, "no market data");
    }
}

/* ---- public -------------------------------------------------------------------- */

struct hub *hub_new(struct event_base *base, struct wsmgr *ws, const struct hub_feed *feed,
                    const struct hub_knobs *k)
{
    if (!base || !ws || !feed || !feed->url || !feed->sub_msg || !feed->parse || !k) return NULL;
    struct hub *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->base = base;
    h->ws = ws;
    h->feed = *feed;
    h->url = strdup(feed->url);
    h->feed.url = h->url;
    h->upd = malloc(sizeof *h->upd);
    h->stale_s = k->stale_s;
    h->dead_s = k->dead_s;
    h->notify_ev = event_new(base, -1, 0, on_notify, h);
    h->check_ev = event_new(base, -1, EV_PERSIST, on_check, h);
    double p = h->stale_s / 4 < 1 ? h->stale_s / 4 : 1;
    struct timeval tv = clock_tv_s(p);
    if (!h->url || !h->upd || !h->notify_ev || !h->check_ev || event_add(h->check_ev, &tv) != 0) {
        hub_free(h);
        return NULL;
    }
    return h;
}

static const struct ws_handlers hub_handlers = {on_up, on_msg, on_down};

int hub_watch(struct hub *h, const char *symbol, hub_cb cb, void *ud)
{
    char buf[256];
    if (!h || !cb || !symbol || h->feed.sub_msg(true, symbol, 0, buf, sizeof buf) < 0) {
        LOGE("hub", "cannot watch an invalid symbol name");
        return -1;
    }
    if (!h->conn) {
        h->conn = wsmgr_open(h->ws, "market", h->url, true, &hub_handlers, h);
        if (h->conn < 0) { h->conn = 0; return -1; }
    }
    struct hub_sym *s = sym_find(h, symbol);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return -1;
        snprintf(s->snap.symbol, sizeof s->snap.symbol, "%s", symbol);
        s->snap.stale = true;
        s->snap.price_seq = s->snap.depth_seq = -1;
        s->last_data_us = clock_mono_us();
        s->next = h->syms;
        h->syms = s;
        if (h->up) send_sub(h, true, symbol);
    }
    if (s->nw == s->capw) {
        int cap = s->capw ? s->capw * 2 : 4;
        struct hub_watcher *nw = realloc(s->w, (size_t)cap * sizeof *nw);
        if (!nw) return -1;
        s->w = nw;
        s->capw = cap;
    }
    s->w[s->nw++] = (struct hub_watcher){cb, ud};
    return 0;
}

void hub_unwatch(struct hub *h, const char *symbol, hub_cb cb, void *ud)
{
    if (!h || !symbol) return;
    for (struct hub_sym **pp = &h->syms; *pp; pp = &(*pp)->next) {
        struct hub_sym *s = *pp;
        if (strcmp(s->snap.symbol, symbol) != 0) continue;
        for (int i = 0; i < s->nw; i++)
            if (s->w[i].cb == cb && s->w[i].ud == ud) {
                memmove(&s->w[i], &s->w[i + 1], (size_t)(s->nw - i - 1) * sizeof s->w[0]);
                s->nw--;
                break;
            }
        if (s->nw == 0) {
            if (h->up) send_sub(h, false, symbol);
            *pp = s->next;
            free(s->w);
            free(s);
        }
        return;
    }
}

static json_t *age(int64_t now, int64_t t)
{
    return t ? json_real((double)(now - t) / 1e6) : json_null();
}

json_t *hub_status_json(const struct hub *h)
{
    if (!h) return json_null();
    int64_t now = clock_mono_us();
    json_t *syms = json_object();
    for (const struct hub_sym *s = h->syms; s; s = s->next) {
        char mark[32];
        dec_str(s->snap.mark, mark, sizeof mark);
        json_t *j = json_pack("{s:i,s:b,s:I,s:I,s:I,s:I,s:s}", "watchers", s->nw, "stale",
                              s->snap.stale, "price_seq", (json_int_t)s->snap.price_seq, "depth_seq",
                              (json_int_t)s->snap.depth_seq, "updates", (json_int_t)s->snap.updates,
                              "conflated", (json_int_t)s->snap.conflated, "mark", mark);
        if (!j) continue;
        json_object_set_new(j, "price_age_s", age(now, s->snap.price_recv_us));
        json_object_set_new(j, "depth_age_s", age(now, s->snap.depth_recv_us));
        json_object_set_new(syms, s->snap.symbol, j);
    }
    json_t *conn = wsmgr_conn_status_json(h->ws, h->conn);
    return json_pack("{s:o,s:o,s:I,s:I,s:I}", "connection", conn, "symbols", syms, "frames",
                     (json_int_t)h->frames, "bad_frames", (json_int_t)h->bad_frames, "notices",
                     (json_int_t)h->notices);
}

void hub_free(struct hub *h)
{
    if (!h) return;
    if (h->conn) wsmgr_close(h->ws, h->conn);
    while (h->syms) {
        struct hub_sym *s = h->syms;
        h->syms = s->next;
        free(s->w);
        free(s);
    }
    if (h->notify_ev) event_free(h->notify_ev);
    if (h->check_ev) event_free(h->check_ev);
    free(h->url);
    free(h->upd);
    free(h);
}
