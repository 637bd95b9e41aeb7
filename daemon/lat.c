/* lat — per-stage latency of the market-data -> order path.
 *
 * Stages of one sample (clock_mono_us, one clock for both threads):
 *   recv    the ws thread has received the whole frame (ws.c, inbox push;
 *           handed to the hub with the frame)
 *   parse   the hub has parsed it and applied it to the snapshot (hub.c;
 *           the snapshot carries both stamps)
 *   decide  a task, called with that snapshot, asks the venue to place or
 *           cancel (standx: entry of the order op, struct sx_reaction)
 *   write   libcurl has the connection ready and is about to format and
 *           send that request (CURLOPT_PREREQFUNCTION in rest.c; the send
 *           syscall follows within tens of microseconds)
 * The stamps travel in the data: snapshot -> the glue's sx_reaction ->
 * the request's rest_opts -> rest's write callback -> lat_written.
 * Only the FIRST order request of a notification is sampled (the reaction);
 * requests outside a market-data notification (timers, fills) are not.
 * The snapshot's recv/parse are those of the newest frame applied before the
 * notification (frames drained together conflate).  Samples go into a ring
 * of the last LAT_RING; percentiles are computed when status asks.
 * Main thread only. */
#include "lat.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct lat_sample { int64_t recv_to_parse, parse_to_decide, decide_to_write, total; };

struct lat {
    struct lat_sample ring[LAT_RING];
    uint64_t n;
    uint64_t hist[4][LAT_NB + 1];   /* per stage: samples per bucket (not cumulative), all-time */
    int64_t sum[4];
};

const int64_t lat_bounds_us[LAT_NB] = {50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
                                       100000, 250000};

static void hist_add(struct lat *l, int stage, int64_t us)
{
    int k = 0;
    while (k < LAT_NB && us > lat_bounds_us[k]) k++;
    l->hist[stage][k]++;
    l->sum[stage] += us;
}

void lat_histogram(const struct lat *l, int stage, uint64_t counts[LAT_NB + 1], int64_t *sum_us)
{
    uint64_t acc = 0;
    for (int k = 0; k <= LAT_NB; k++) counts[k] = acc += l->hist[stage][k];
    *sum_us = l->sum[stage];
}

struct lat *lat_new(void) { return calloc(1, sizeof(struct lat)); }

void lat_free(struct lat *l) { free(l); }

void lat_written(void *ud, const struct rest_marks *m, int64_t write_us)
{
    struct lat *l = ud;
    struct lat_sample *s = &l->ring[l->n++ % LAT_RING];
    s->recv_to_parse = m->parse_us - m->recv_us;
    s->parse_to_decide = m->decide_us - m->parse_us;
    s->decide_to_write = write_us - m->decide_us;
    s->total = write_us - m->recv_us;
    hist_add(l, 0, s->recv_to_parse);
    hist_add(l, 1, s->parse_to_decide);
    hist_add(l, 2, s->decide_to_write);
    hist_add(l, 3, s->total);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static json_t *pcts(const struct lat *l, size_t off, size_t n)
{
    if (!n) return json_pack("{s:n,s:n}", "p50", "p99");
    int64_t *v = malloc(n * sizeof *v);
    if (!v) return json_null();
    for (size_t i = 0; i < n; i++) memcpy(&v[i], (const char *)&l->ring[i] + off, sizeof v[i]);
    qsort(v, n, sizeof *v, cmp64);
    json_t *j = json_pack("{s:I,s:I}", "p50", (json_int_t)v[(n - 1) * 50 / 100], "p99",
                          (json_int_t)v[(n - 1) * 99 / 100]);
    free(v);
    return j;
}

json_t *lat_status_json(const struct lat *l)
{
    size_t n = l->n < LAT_RING ? (size_t)l->n : LAT_RING;
    return json_pack("{s:I,s:o,s:o,s:o,s:o}", "samples", (json_int_t)n,
                     "recv_to_parse_us", pcts(l, offsetof(struct lat_sample, recv_to_parse), n),
                     "parse_to_decision_us", pcts(l, offsetof(struct lat_sample, parse_to_decide), n),
                     "decision_to_write_us", pcts(l, offsetof(struct lat_sample, decide_to_write), n),
                     "total_us", pcts(l, offsetof(struct lat_sample, total), n));
}
