/* sx_market — the StandX side of the public market stream, in the
 * venue-neutral terms of the market-data hub (daemon/hub.h, struct
 * hub_feed; the glue wires the two): the stream URL, the subscribe and
 * unsubscribe messages, and frames parsed into snapshot updates.  Pure: no
 * I/O, no clock reads. */
#ifndef MMD_SX_MARKET_H
#define MMD_SX_MARKET_H
#include <stdbool.h>
#include <stddef.h>

#include "venue.h"

/* base + path, with base's trailing '/' and an already present `path` suffix
 * dropped first.  malloc'd. */
char *sx_join_url(const char *base, const char *path);
/* The stream URL of a ws base URL: sx_join_url(base, "/ws-stream/v1"). */
char *sx_stream_url(const char *ws_base_url);
/* The order-response / order-entry session URL: base + /ws-api/v1 (malloc'd). */
char *sx_api_url(const char *ws_base_url);

/* The i-th (0-based) message that subscribes (on) or unsubscribes symbol:
 * its length, 0 when there is no i-th message, -1 when symbol cannot be
 * sent (empty, too long, or not [A-Za-z0-9._-]) or buf is too small. */
int sxm_sub_msg(bool on, const char *symbol, int i, char *buf, size_t cap);

/* What one market frame is (the values of hub.h's enum hub_frame). */
enum sxm_frame { SXM_NONE = 0, SXM_PRICE, SXM_DEPTH, SXM_NOTICE, SXM_BAD };
/* Parses one frame.  SXM_PRICE: u->symbol, mark, index, last, mid (0 when
 * absent), best_bid, best_ask, exch_time_ms, price_seq.  SXM_DEPTH:
 * u->symbol, levels (best first), depth_seq.  SXM_NOTICE: a venue notice,
 * text in note.  SXM_BAD: malformed, the reason in note.  SXM_NONE:
 * anything else (acks, other channels). */
int sxm_parse(const char *txt, size_t len, struct md_snapshot *u, char *note, size_t cap);

#endif
