/* uptime — per-UTC-hour two-sided quoting time and X70/X50 Maker Hours
 * (see uptime.h). */
#include "uptime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


void up_init(struct uptime *u, const char *symbol)
{
    memset(u, 0, sizeof *u);
    snprintf(u->symbol, sizeof u->symbol, "%s", symbol ? symbol : "");
    u->cur_hour = -1;
    u->last_sec = -1;
    u->month_key = -1;
}

dec_t up_cap(const char *symbol, dec_t mark)
{
    if (strcmp(symbol, "BTC-USD") == 0) return dec_from_int(2);
    if (strcmp(symbol, "ETH-USD") == 0) return dec_from_int(60);
    if (mark <= 0) return 0;
    return dec_div(dec_from_int(UP_OTHER_CAP_USD), mark);
}

int up_month_key(int64_t wall_ms)
{
    time_t t = (time_t)(wall_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

static int cmp_desc(const void *a, const void *b)
{
    dec_t x = *(const dec_t *)a, y = *(const dec_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

void up_x70_x50(const dec_t *sizes, int n, dec_t *x70, dec_t *x50)
{
    *x70 = *x50 = 0;
    if (n <= 0) return;
    dec_t *s = malloc(sizeof *s * (size_t)n);
    if (!s) return;
    memcpy(s, sizes, sizeof *s * (size_t)n);
    qsort(s, (size_t)n, sizeof *s, cmp_desc);
    /* the size met or exceeded by ceil(p*n) samples */
    int i70 = (n * 70 + 99) / 100 - 1, i50 = (n * 50 + 99) / 100 - 1;
    *x70 = s[i70 < 0 ? 0 : i70];
    *x50 = s[i50 < 0 ? 0 : i50];
    free(s);
}

double up_mh(dec_t x70, dec_t x50, dec_t cap)
{
    if (cap <= 0) return 0.0;
    double a = dec_to_double(x70) / dec_to_double(cap);
    double b = dec_to_double(x50) / dec_to_double(cap) * 0.5;
    double m = a > b ? a : b;
    return m > 1.0 ? 1.0 : m;
}

double up_points_weight(double d)
{
    return d <= 10 + 1e-9 ? 1.0 : d <= 30 + 1e-9 ? 0.5 : d <= 100 + 1e-9 ? 0.1 : 0.0;
}

const char *up_tier_name(int q)
{
    return q >= 42 * 60 ? "boosted" : q >= 30 * 60 ? "standard" : "none";
}

int up_hour_seconds(const struct uptime *u) { return u->qual_s; }

int up_on_track_seconds(const struct uptime *u, int64_t wall_ms)
{
    if (u->cur_hour != wall_ms / 3600000) return 0;
    int left = UP_HOUR_S - 1 - (int)((wall_ms / 1000) % UP_HOUR_S);
    return u->qual_s + (u->both_now ? left : 0);
}

void up_current(const struct uptime *u, struct up_hour *h)
{
    memset(h, 0, sizeof *h);
    h->hour = u->cur_hour;
    h->qual_s = u->qual_s;
    h->samples = u->samples;
    h->cap = u->cap;
    h->qual3_s = u->qual3_s;
    h->maker_points = u->mp_hour;
    if (u->cur_hour < 0) return;
    up_x70_x50(u->sizes, UP_HOUR_S, &h->x70, &h->x50);
    h->mh = up_mh(h->x70, h->x50, h->cap);
}

static void close_hour(struct uptime *u)
{
    if (u->cur_hour < 0) return;
    struct up_hour h;
    up_current(u, &h);
    u->past[u->past_next] = h;
    u->past_next = (u->past_next + 1) % UP_KEEP_HOURS;
    if (u->npast < UP_KEEP_HOURS) u->npast++;
    int mk = up_month_key(u->cur_hour * 3600000);
    if (mk != u->month_key) {
        u->month_key = mk;
        u->month_mh = 0;
    }
    u->month_mh += h.mh;
}

const struct up_hour *up_past(const struct uptime *u, int64_t hour)
{
    for (int i = 0; i < u->npast; i++)
        if (u->past[i].hour == hour) return &u->past[i];
    return NULL;
}

/* |price - mark| <= 10 bps of mark, exactly (integers, no rounding at the edge). */
static bool within_band(dec_t price, dec_t mark)
{
    __int128 d = (__int128)price - mark;
    if (d < 0) d = -d;
    return d * 10000 <= (__int128)mark * UP_BAND_BPS_INT;
}

/* Our live qty within 10 bps of mark on one side. */
static dec_t side_qty(const struct up_quote *q, int n, enum side side, dec_t mark)
{
    dec_t s = 0;
    for (int i = 0; i < n; i++)
        if (q[i].side == side && q[i].qty > 0 && within_band(q[i].price, mark)) s += q[i].qty;
    return s;
}

/* Maker Points of this second's rested quotes; whether both sides have a
 * rested quote within 10 bps. */
static double points_second(const struct up_quote *q, int n, dec_t mark, bool *both3)
{
    double pts = 0;
    bool bid = false, ask = false;
    for (int i = 0; i < n && mark > 0; i++) {
        if (q[i].qty <= 0 || q[i].rested_ms < UP_REST_MS) continue;
        double d = dec_to_double(q[i].price - mark) / dec_to_double(mark) * 1e4;
        if (d < 0) d = -d;
        pts += dec_to_double(q[i].price) * dec_to_double(q[i].qty) * up_points_weight(d) / 3600.0;
        if (within_band(q[i].price, mark)) *(q[i].side == SIDE_BUY ? &bid : &ask) = true;
    }
    *both3 = bid && ask;
    return pts;
}

void up_sample(struct uptime *u, int64_t wall_ms, dec_t mark, const struct up_quote *q, int n)
{
    int64_t sec = wall_ms / 1000, hour = wall_ms / 3600000;
    if (sec <= u->last_sec) return;
    u->last_sec = sec;
    if (hour != u->cur_hour) {
        close_hour(u);
        u->cur_hour = hour;
        memset(u->sizes, 0, sizeof u->sizes);
        u->qual_s = u->samples = 0;
        u->qual3_s = 0;
        u->mp_hour = 0;
    }
    u->samples++;
    bool both3 = false;
    double pts = points_second(q, n, mark, &both3);
    u->mp_hour += pts;
    u->mp_total += pts;
    u->qual3_s += both3;
    u->bid_now = mark > 0 ? side_qty(q, n, SIDE_BUY, mark) : 0;
    u->ask_now = mark > 0 ? side_qty(q, n, SIDE_SELL, mark) : 0;
    u->both_now = u->bid_now > 0 && u->ask_now > 0;
    dec_t cap = up_cap(u->symbol, mark);
    if (cap > 0) u->cap = cap;
    if (!u->both_now) return;
    u->qual_s++;
    dec_t sz = u->bid_now < u->ask_now ? u->bid_now : u->ask_now;
    if (cap > 0 && sz > cap) sz = cap;
    u->sizes[sec % UP_HOUR_S] = sz;
}

double up_month_mh(const struct uptime *u, int64_t wall_ms)
{
    int mk = up_month_key(wall_ms);
    double s = u->month_key == mk ? u->month_mh : 0.0;
    if (u->cur_hour >= 0 && up_month_key(u->cur_hour * 3600000) == mk) {
        struct up_hour h;
        up_current(u, &h);
        s += h.mh;
    }
    return s;
}

void up_restore(struct uptime *u, int64_t wall_ms, int64_t hour, int qual_s, int samples, dec_t size,
                double month_closed_mh)
{
    u->month_key = up_month_key(wall_ms);
    u->month_mh = month_closed_mh;
    int elapsed = (int)((wall_ms / 1000) % UP_HOUR_S);
    if (hour != wall_ms / 3600000 || qual_s <= 0) return;
    if (qual_s > elapsed) qual_s = elapsed;     /* the seconds before now, never the ones to come */
    if (samples < qual_s) samples = qual_s;
    if (samples > elapsed) samples = elapsed;
    u->cur_hour = hour;
    memset(u->sizes, 0, sizeof u->sizes);
    for (int i = 0; i < qual_s; i++) u->sizes[i] = size;
    u->qual_s = qual_s;
    u->samples = samples;
}
