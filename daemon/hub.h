/* hub — the market-data hub: ONE public market-stream connection for every
 * task, newest snapshot per symbol, watchers called on the main thread.
 * Policy in hub.c. */
#ifndef MMD_HUB_H
#define MMD_HUB_H
#include <event2/event.h>
#include <jansson.h>

#include "venue.h"
#include "ws.h"

struct hub;
/* Called on the main thread after frames were applied (several frames drained
 * together give one call: newest wins) and on stale transitions.  `s` is a
 * copy valid during the call only; hub_snapshot() gives the live one.  A
 * callback may watch/unwatch (itself included). */
typedef void (*hub_cb)(void *ud, const struct md_snapshot *s);

struct hub *hub_new(struct event_base *base, struct wsmgr *ws, const char *ws_base_url);
/* Subscribes if the symbol is new.  0 ok, -1 error. */
int hub_watch(struct hub *h, const char *symbol, hub_cb cb, void *ud);
/* Unsubscribes if it was the last watcher of the symbol. */
void hub_unwatch(struct hub *h, const char *symbol, hub_cb cb, void *ud);
const struct md_snapshot *hub_snapshot(const struct hub *h, const char *symbol);
json_t *hub_status_json(const struct hub *h);   /* connection state, per-symbol age/seq/conflated */
void hub_free(struct hub *h);   /* not from inside a watcher callback */

#endif
