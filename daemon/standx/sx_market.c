/* sx_market — StandX market stream: URL, subscribe messages and frame
 * parsing for the hub (see sx_market.h); the one URL joiner of the adapter.
 *
 * Decisions:
 *  - Channels `price` and `depth_book` per symbol, one message each:
 *    {"subscribe":{"channel":C,"symbol":S}} (and "unsubscribe").  Symbols
 *    go into the JSON text unescaped, so only [A-Za-z0-9._-] is accepted.
 *  - Frames without channel+data carrying a code (e.g. 408 "disconnecting")
 *    are notices; public_trade and the account channels are ignored. */
#include "sx_market.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "sxparse.h"

static const char sx_stream_path[] = "/ws-stream/v1";
static const char *const sxm_chans[] = {"price", "depth_book"};

char *sx_join_url(const char *base, const char *path)
{
    size_t n = strlen(base), pl = strlen(path);
    while (n && base[n - 1] == '/') n--;
    if (pl && n >= pl && !strncmp(base + n - pl, path, pl)) n -= pl;   /* a full URL was given */
    char *s = malloc(n + pl + 1);
    if (s) { memcpy(s, base, n); strcpy(s + n, path); }
    return s;
}

char *sx_stream_url(const char *base) { return sx_join_url(base, sx_stream_path); }

char *sx_api_url(const char *base) { return sx_join_url(base, "/ws-api/v1"); }

int sxm_sub_msg(bool on, const char *symbol, int i, char *buf, size_t cap)
{
    if (!id_ok(symbol, SYM_MAX)) return -1;   /* goes into JSON unescaped */
    if (i < 0 || (size_t)i >= sizeof sxm_chans / sizeof sxm_chans[0]) return 0;
    int n = snprintf(buf, cap, "{\"%s\":{\"channel\":\"%s\",\"symbol\":\"%s\"}}",
                     on ? "subscribe" : "unsubscribe", sxm_chans[i], symbol);
    return n > 0 && (size_t)n < cap ? n : -1;
}

static void sxm_price(const struct sx_msg *m, struct md_snapshot *u)
{
    const struct sx_price *p = &m->u.price;
    u->mark = p->mark;
    u->index = p->index;
    u->last = p->last;
    u->mid = p->mid;
    u->best_bid = p->bid;
    u->best_ask = p->ask;
    u->exch_time_ms = p->time_ms;
    u->price_seq = m->seq;
}

static void sxm_depth(const struct sx_msg *m, struct md_snapshot *u)
{
    const struct sx_depth *d = &m->u.depth;
    u->n_bids = d->n_bids;
    u->n_asks = d->n_asks;
    memcpy(u->bids, d->bids, (size_t)d->n_bids * sizeof d->bids[0]);
    memcpy(u->asks, d->asks, (size_t)d->n_asks * sizeof d->asks[0]);
    u->depth_seq = m->seq;
}

static int sxm_classify(int rc, const struct sx_msg *m, char *note, size_t cap)
{
    if (rc == SXP_ENODATA) {
        if (!m->u.auth.code) return SXM_NONE;
        snprintf(note, cap, "code %d %s", m->u.auth.code, m->u.auth.msg);
        return SXM_NOTICE;
    }
    if (rc != SXP_OK) {
        snprintf(note, cap, "%d", rc);
        return SXM_BAD;
    }
    return m->chan == SXC_PRICE ? SXM_PRICE : m->chan == SXC_DEPTH ? SXM_DEPTH : SXM_NONE;
}

int sxm_parse(const char *txt, size_t len, struct md_snapshot *u, char *note, size_t cap)
{
    struct sx_msg *m = malloc(sizeof *m);
    if (cap) note[0] = 0;
    if (!m) return SXM_NONE;
    int k = sxm_classify(sxp_ws_frame(txt, len, m), m, note, cap);
    if (k == SXM_PRICE || k == SXM_DEPTH) {
        memset(u, 0, sizeof *u);
        snprintf(u->symbol, sizeof u->symbol, "%s", m->symbol);
        if (k == SXM_PRICE) sxm_price(m, u);
        else sxm_depth(m, u);
    }
    free(m);
    return k;
}
