/* lat — per-stage latency of the market-data -> order path, over a bounded
 * ring of recent samples (main thread only; see lat.c for the stages). */
#ifndef MMD_LAT_H
#define MMD_LAT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define LAT_RING 1024

/* Timestamps (clock_mono_us) carried by the first request a notification causes. */
struct lat_mark {
    int64_t recv_us;     /* ws thread had the whole frame */
    int64_t parse_us;    /* hub parsed and applied it */
    int64_t decide_us;   /* a task called a venue order op */
};

/* The hub, around the watcher callbacks of one notification. */
void lat_md_enter(int64_t recv_us, int64_t parse_us);
void lat_md_leave(void);
/* A venue order op (place / cancel) starts: stamps the decision once per
 * notification (no-op outside one). */
void lat_decide(void);
/* The request about to be queued takes the decided mark (once): true and *m. */
bool lat_take(struct lat_mark *m);
/* That request's bytes were handed to the socket at write_us: one sample. */
void lat_written(const struct lat_mark *m, int64_t write_us);
/* {"samples":N, "recv_to_parse_us":{"p50","p99"}, "parse_to_decision_us",
 *  "decision_to_write_us", "total_us"}; p50/p99 null without samples. */
json_t *lat_status_json(void);
void lat_reset(void);

#endif
