/* metrics — the Prometheus endpoint (metrics.listen, off by default): the
 * daemon's figures in the text exposition format (version 0.0.4) at
 * http://HOST:PORT/metrics, served by libevent's HTTP server on the daemon's
 * own event loop.  The same text answers the "metrics" RPC. */
#ifndef MMD_METRICS_H
#define MMD_METRICS_H
#include <stddef.h>

struct mmd;
struct metrics;

/* Listens on listen ("HOST:PORT", as config.c checked it).  NULL with a
 * message naming the address and what to do in err. */
struct metrics *metrics_new(struct mmd *d, const char *listen, char *err, size_t errlen);
void metrics_free(struct metrics *m);
/* The exposition text (malloc'd, NUL-terminated); NULL when out of memory. */
char *metrics_text(struct mmd *d);

#endif
