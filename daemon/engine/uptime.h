/* uptime — maker uptime of one task, measured the way StandX scores it
 * (protocol §9.2): per UTC clock hour, the seconds during which the task has
 * BOTH a bid and an ask resting (venue-acknowledged, not being cancelled:
 * the caller passes what rests on the venue's book, halted or not) within
 * 10 bps of the current mark.  One sample per wall-clock second;
 * a second without a sample (gap) counts as not quoting.  Per hour the samples'
 * size = min(bid size, ask size) capped at the symbol cap; X70/X50 = the size
 * met or exceeded in 70 % / 50 % of the hour's 3600 seconds;
 * Maker Hours = max(X70/cap, 0.5 x X50/cap).
 * Cap: 2 for BTC-USD, 60 for ETH-USD; any other symbol: the quantity worth
 * 200,000 USD at the sample's mark (2 BTC at 100k), i.e. a notional cap.
 * Maker Points estimate (protocol §9): per sampled second, each quote that
 * has rested >= UP_REST_MS adds notional (price x qty, USD) x distance
 * weight (0-10 bps 1, 10-30 bps 0.5, 30-100 bps 0.1, beyond 0) x 1/3600 h,
 * i.e. USD-hours; qual3_s counts the seconds two-sided with such quotes.
 * Memory is bounded: only the current hour keeps its 3600 samples; the last
 * 24 closed hours are kept as numbers; the month as one running sum.
 * Pure: no I/O, no clock, no globals. */
#ifndef MMD_UPTIME_H
#define MMD_UPTIME_H
#include <stdbool.h>
#include <stdint.h>

#include "venue.h"

#define UP_HOUR_S 3600
#define UP_KEEP_HOURS 24
#define UP_BAND_BPS_INT 10   /* inclusive: a quote exactly 10 bps away counts */
#define UP_OTHER_CAP_USD 200000
#define UP_REST_MS 3000      /* Maker Points and the 3 s rule count an order after this */

/* rested_ms: how long it has been on the book (acknowledged); 0 = just now */
struct up_quote { enum side side; dec_t price, qty; int64_t rested_ms; };

struct up_hour {
    int64_t hour;               /* epoch hour index (wall_ms / 3600000) */
    int qual_s, samples;
    dec_t x70, x50, cap;
    double mh;
    int qual3_s;                /* two-sided with quotes rested >= UP_REST_MS */
    double maker_points;        /* estimate, USD-hours (see above) */
};

struct uptime {
    char symbol[SYM_MAX];
    int64_t cur_hour;           /* -1 before the first sample */
    int64_t last_sec;           /* last sampled epoch second */
    dec_t sizes[UP_HOUR_S];     /* this hour, per second of hour (0 = not qualifying) */
    int qual_s, samples;
    dec_t cap;                  /* cap of the latest sample */
    bool both_now;
    dec_t bid_now, ask_now;
    struct up_hour past[UP_KEEP_HOURS];
    int past_next, npast;
    int qual3_s;                /* this hour: two-sided with rested quotes */
    double mp_hour, mp_total;   /* Maker Points estimate: this hour, since start */
    int month_key;              /* year*12 + month of month_mh */
    double month_mh;            /* closed hours of month_key */
};

void up_init(struct uptime *u, const char *symbol);
dec_t up_cap(const char *symbol, dec_t mark);
/* Takes the sample of the wall-clock second of wall_ms (once per second;
 * later calls within the same second are ignored).  quotes = our live,
 * acknowledged, not-pending-cancel orders (n = 0 when halted/not quoting). */
void up_sample(struct uptime *u, int64_t wall_ms, dec_t mark, const struct up_quote *q, int n);
/* X70/X50 of n sizes (treated as the whole hour: the caller pads with 0). */
void up_x70_x50(const dec_t *sizes, int n, dec_t *x70, dec_t *x50);
double up_mh(dec_t x70, dec_t x50, dec_t cap);
/* The Maker Points distance weight of a quote dist_bps from the mark. */
double up_points_weight(double dist_bps);
int up_hour_seconds(const struct uptime *u);
/* The qualifying seconds this hour would end with if the present state
 * (both sides quoted or not) held until the end of the hour. */
int up_on_track_seconds(const struct uptime *u, int64_t wall_ms);
const char *up_tier_name(int qual_seconds);      /* "none" / "standard" / "boosted" */
/* The current hour so far, as a closed hour would be reported. */
void up_current(const struct uptime *u, struct up_hour *h);
/* Closed hour record for epoch hour `hour` if kept; NULL otherwise. */
const struct up_hour *up_past(const struct uptime *u, int64_t hour);
/* Month-to-date estimated Maker Hours (closed hours + current hour so far). */
double up_month_mh(const struct uptime *u, int64_t wall_ms);
int up_month_key(int64_t wall_ms);
/* Continues after a restart (the ledger's figures): this hour's qualifying
 * seconds and samples (counted at `size`, the size quoted last, as the
 * hour's first seconds) when `hour` is the hour of wall_ms, and the
 * month-to-date Maker Hours of the closed hours before it.  Call once,
 * before the first up_sample. */
void up_restore(struct uptime *u, int64_t wall_ms, int64_t hour, int qual_s, int samples, dec_t size,
                double month_closed_mh);

#endif
