/* clock — the only place that reads clocks.  Monotonic time for intervals and
 * timeouts, wall time for exchange timestamps and UTC-hour accounting.  The
 * engine never calls these: the caller passes the time in. */
#ifndef MMD_CLOCK_H
#define MMD_CLOCK_H
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

int64_t clock_mono_us(void);   /* CLOCK_MONOTONIC, microseconds */
int64_t clock_mono_ms(void);
int64_t clock_wall_us(void);   /* CLOCK_REALTIME, microseconds since the epoch */
int64_t clock_wall_ms(void);
/* RFC 3339 UTC with microseconds, e.g. 2026-11-24T14:31:05.123456Z. */
char *clock_fmt_rfc3339(int64_t wall_us, char *buf, int len);
/* Parses RFC 3339 (fraction of any length, 'Z' or +hh:mm); -1 on junk. */
int clock_parse_rfc3339(const char *s, int64_t *wall_us);
/* Short human duration: "9s", "5m07s", "1h02m", "3d04h" (negative = 0s). */
char *clock_fmt_duration(long long s, char *buf, size_t len);
/* A relative timeout for libevent: microseconds, or seconds (negative = 0). */
struct timeval clock_tv_us(int64_t us);
struct timeval clock_tv_s(double s);
#endif
