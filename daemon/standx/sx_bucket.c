/* sx_bucket — the StandX adapter's token bucket mirroring the exchange's
 * per-account rate limiter (pure: times are arguments). */
#include "sx_bucket.h"

/* ---- token bucket ----------------------------------------------------- */

void sx_bucket_init(struct sx_bucket *b, double cap, double refill_per_s, int64_t now_us)
{
    b->cap = cap;
    b->level = cap;
    b->refill_per_s = refill_per_s;
    b->last_us = now_us;
}

static double bucket_level_at(const struct sx_bucket *b, int64_t now_us)
{
    double dt = now_us > b->last_us ? (double)(now_us - b->last_us) / 1e6 : 0;
    double l = b->level + dt * b->refill_per_s;
    return l > b->cap ? b->cap : l;
}

bool sx_bucket_take(struct sx_bucket *b, double cost, double reserve, int64_t now_us)
{
    b->level = bucket_level_at(b, now_us);
    if (now_us > b->last_us) b->last_us = now_us;
    if (b->level < cost + reserve) return false;
    b->level -= cost;
    return true;
}

int64_t sx_bucket_wait_us(const struct sx_bucket *b, double cost, double reserve, int64_t now_us)
{
    double need = cost + reserve - bucket_level_at(b, now_us);
    if (need <= 0) return 0;
    if (b->refill_per_s <= 0 || cost + reserve > b->cap) return INT64_MAX;
    return (int64_t)(need / b->refill_per_s * 1e6) + 1;
}
