/* hub — the market-data hub: ONE public market-stream connection for every
 * task, newest snapshot per symbol, watchers called on the main thread.
 * Venue-neutral: what the venue's stream looks like (URL, subscribe
 * messages, frames) comes in a struct hub_feed.  Policy in hub.c. */
#ifndef MMD_HUB_H
#define MMD_HUB_H
#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>

#include "venue.h"
#include "ws.h"

/* What a market frame is, as a feed's parse says. */
enum hub_frame { HUB_F_NONE = 0, HUB_F_PRICE, HUB_F_DEPTH, HUB_F_NOTICE, HUB_F_BAD };

/* A venue's market stream (e.g. standx/sx_market.h), wired by the glue. */
struct hub_feed {
    const char *url;   /* the stream URL (copied) */
    /* The i-th message that (un)subscribes symbol: its length, 0 when there
     * is no i-th, -1 when the symbol cannot be subscribed. */
    int (*sub_msg)(bool on, const char *symbol, int i, char *buf, size_t cap);
    /* One frame -> enum hub_frame; PRICE: u's symbol, mark, index, last, mid
     * (0 = absent), best_bid/ask, exch_time_ms, price_seq; DEPTH: symbol,
     * levels, depth_seq; NOTICE / BAD: text in note. */
    int (*parse)(const char *txt, size_t len, struct md_snapshot *u, char *note, size_t cap);
};

struct hub_knobs {
    double stale_s;    /* a symbol without price/depth frames this long is stale */
    double dead_s;     /* a connection carrying no market data this long is reconnected */
};

struct hub;
/* Called on the main thread after frames were applied (several frames drained
 * together give one call: newest wins) and on stale transitions.  `s` is a
 * copy valid during the call only.  A callback may watch/unwatch (itself
 * included). */
typedef void (*hub_cb)(void *ud, const struct md_snapshot *s);

struct hub *hub_new(struct event_base *base, struct wsmgr *ws, const struct hub_feed *feed,
                    const struct hub_knobs *k);
/* Subscribes if the symbol is new.  0 ok, -1 error. */
int hub_watch(struct hub *h, const char *symbol, hub_cb cb, void *ud);
/* Unsubscribes if it was the last watcher of the symbol. */
void hub_unwatch(struct hub *h, const char *symbol, hub_cb cb, void *ud);
json_t *hub_status_json(const struct hub *h);   /* connection state, per-symbol age/seq/conflated */
void hub_free(struct hub *h);   /* not from inside a watcher callback */

#endif
