/* lat — per-stage latency of the market-data -> order path, over a bounded
 * ring of recent samples owned by the daemon (struct mmd).  Main thread only;
 * see lat.c for the stages. */
#ifndef MMD_LAT_H
#define MMD_LAT_H
#include <jansson.h>
#include <stdint.h>

#include "rest.h"

#define LAT_RING 1024

struct lat;
struct lat *lat_new(void);
void lat_free(struct lat *l);
/* One sample: the marks an order request carried, written at write_us.  A
 * rest_marks_fn: ud is the struct lat. */
void lat_written(void *ud, const struct rest_marks *m, int64_t write_us);
/* {"samples":N, "recv_to_parse_us":{"p50","p99"}, "parse_to_decision_us",
 *  "decision_to_write_us", "total_us"}; p50/p99 null without samples. */
json_t *lat_status_json(const struct lat *l);

/* Cumulative histogram of every sample since start (for the metrics
 * endpoint), per stage (0 recv->parse, 1 parse->decision, 2 decision->write,
 * 3 total): counts[k] samples <= lat_bounds_us[k], counts[LAT_NB] all of
 * them; *sum_us their sum. */
#define LAT_NB 12
extern const int64_t lat_bounds_us[LAT_NB];
void lat_histogram(const struct lat *l, int stage, uint64_t counts[LAT_NB + 1], int64_t *sum_us);

#endif
