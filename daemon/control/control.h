/* control — mmd's control socket: a Unix stream socket (mode 0600, in a
 * directory created 0700 if missing) speaking NDJSON JSON-RPC 2.0 to mmctl
 * and mmtop.  Only the daemon's uid and root may connect (SO_PEERCRED).
 * Replies on one connection go out in request order, even when an earlier
 * request (halt) is still waiting for the exchange.  Subscribers receive
 * "status" notifications at most 4 times a second, newest wins. */
#ifndef MMD_CONTROL_H
#define MMD_CONTROL_H
#include <stddef.h>

#include "backend.h"

struct event_base;
struct control;

/* Creates the socket and starts accepting.  Refuses ("another mmd is running
 * on PATH") when a live daemon answers there; removes a stale socket file.
 * Returns NULL with a message in err on failure.  be must outlive the
 * control.  Sets SIGPIPE to ignored (writes to vanished peers). */
struct control *control_new(struct event_base *base, const char *path, const struct backend *be,
                            char *err, size_t errlen);
/* The read-only socket (control.readonly_socket): mode 0660 (the daemon's
 * group may connect), its directory created 0750 if missing, any peer uid
 * accepted, only read-only methods answered (others: -1201). */
struct control *control_new_readonly(struct event_base *base, const char *path, const struct backend *be,
                                     char *err, size_t errlen);
/* Best-effort flush of pending replies, closes every client, unlinks the
 * socket.  Requests still pending in the backend complete harmlessly later. */
void control_free(struct control *c);
/* Closes idle clients (not subscribed, nothing unanswered) after ms without
 * traffic instead of the default 60 s (for tests). */
void control_set_idle_timeout(struct control *c, int ms);

#endif
