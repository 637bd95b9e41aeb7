/* log — see log.h.  The level is a process-wide atomic; everything else is
 * stateless so any thread may log. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static _Atomic int g_level = LOG_INFO;

void log_set_level(enum log_level lvl) { atomic_store(&g_level, (int)lvl); }
enum log_level log_get_level(void) { return (enum log_level)atomic_load(&g_level); }

static const char *const names[] = {"debug", "info", "warn", "error", "off"};

const char *log_level_name(enum log_level lvl)
{
    return (lvl >= LOG_DEBUG && lvl <= LOG_OFF) ? names[lvl] : "?";
}

int log_level_parse(const char *s, enum log_level *out)
{
    if (!s) return -1;
    for (int i = LOG_DEBUG; i <= LOG_OFF; i++)
        if (strcasecmp(s, names[i]) == 0) { *out = (enum log_level)i; return 0; }
    if (strcasecmp(s, "warning") == 0) { *out = LOG_WARN; return 0; }
    return -1;
}

int log_init_from_env(void)
{
    const char *e = getenv("MMD_LOG");
    enum log_level l;
    if (!e || !*e) return 0;
    if (log_level_parse(e, &l) != 0) return -1;
    log_set_level(l);
    return 0;
}

void log_msg(enum log_level lvl, const char *mod, const char *fmt, ...)
{
    if ((int)lvl < atomic_load(&g_level)) return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, names[lvl], mod ? mod : "-");
    if (n < 0) return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
