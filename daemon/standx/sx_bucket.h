/* sx_bucket — token bucket of the StandX adapter (pure: no I/O, no clock
 * reads; times are arguments). */
#ifndef MMD_SX_BUCKET_H
#define MMD_SX_BUCKET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Token bucket mirroring the exchange's per-account limiter (pure). */
struct sx_bucket {
    double level, cap, refill_per_s;
    int64_t last_us;
};
void sx_bucket_init(struct sx_bucket *b, double cap, double refill_per_s, int64_t now_us);
/* Takes `cost` credits if at least cost + reserve are available after
 * refilling up to now_us; returns true when taken. */
bool sx_bucket_take(struct sx_bucket *b, double cost, double reserve, int64_t now_us);
/* Microseconds until cost + reserve would be available (0 if now). */
int64_t sx_bucket_wait_us(const struct sx_bucket *b, double cost, double reserve, int64_t now_us);

#endif
