/* clock — see clock.h. */
#include "clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t ts_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_us(void) { return ts_us(CLOCK_MONOTONIC); }
int64_t clock_mono_ms(void) { return ts_us(CLOCK_MONOTONIC) / 1000; }
int64_t clock_wall_us(void) { return ts_us(CLOCK_REALTIME); }
int64_t clock_wall_ms(void) { return ts_us(CLOCK_REALTIME) / 1000; }

struct timeval clock_tv_us(int64_t us)
{
    if (us < 0) us = 0;
    return (struct timeval){.tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000)};
}

struct timeval clock_tv_s(double s) { return clock_tv_us(s > 0 ? (int64_t)(s * 1e6 + 0.5) : 0); }

char *clock_fmt_rfc3339(int64_t wall_us, char *buf, int len)
{
    time_t s = (time_t)(wall_us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, (size_t)len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (long)(wall_us % 1000000));
    return buf;
}

int clock_parse_rfc3339(const char *s, int64_t *wall_us)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n < 19)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const char *p = s + n;
    int64_t frac = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 6) frac = frac * 10 + (*p - '0');
        if (digits == 0) return -1;
        for (; digits < 6; digits++) frac *= 10;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm;
        /* exactly "hh:mm": sscanf alone would accept "+5:3" and p += 6 would overrun */
        if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != ':' ||
            !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]))
            return -1;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) return -1;
        off = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p) return -1;
    time_t t = timegm(&tm);
    *wall_us = ((int64_t)t - off) * 1000000 + frac;
    return 0;
}

char *clock_fmt_duration(long long s, char *buf, size_t len)
{
    if (s < 0) s = 0;
    if (s >= 86400) snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600) snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
    else if (s >= 60) snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
    else snprintf(buf, len, "%llds", s);
    return buf;
}
