/* log — see log.h.  The level is a process-wide atomic.  In asynchronous
 * mode (mmd) finished lines go into one bounded ring, drained by one writer
 * thread: a caller never waits for stderr; when the ring is full a line is
 * dropped and counted, and the writer reports the count when it catches up.
 * Otherwise each line is one write(2) to stderr.  Any thread may log.
 * When stderr is the journal ($JOURNAL_STREAM names its device and inode, as
 * systemd sets it) a line is "<N>module: message" with the syslog priority
 * N (debug 7, info 6, warn 4, error 3) and no timestamp of ours: journald
 * keeps its own, and `journalctl -p warning` filters on N. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static _Atomic int g_level = LOG_INFO;

#define LOG_RING (1u << 20)   /* bytes of lines waiting for stderr */
#define LOG_CHUNK 65536       /* the writer's largest single write */

static struct {               /* the asynchronous writer; mu guards all of it */
    pthread_mutex_t mu;
    pthread_cond_t wake, drained;
    char *ring;
    size_t head, len;         /* oldest byte, bytes queued */
    unsigned long dropped;
    bool on, stop;
    pthread_t thread;
} g_async = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
             .drained = PTHREAD_COND_INITIALIZER};

static pthread_once_t g_journal_once = PTHREAD_ONCE_INIT;
static bool g_journal;        /* stderr is the journal: priority prefixes, no timestamp */

static void journal_detect(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0)
        g_journal = (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

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

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;                      /* stderr gone: nothing to do */
        p += w;
        n -= (size_t)w;
    }
}

/* Takes up to LOG_CHUNK queued bytes (and the drop count) into out; mu held. */
static size_t ring_take(char *out, unsigned long *dropped)
{
    size_t n = g_async.len < LOG_CHUNK ? g_async.len : LOG_CHUNK;
    for (size_t i = 0; i < n; i++) out[i] = g_async.ring[(g_async.head + i) % LOG_RING];
    g_async.head = (g_async.head + n) % LOG_RING;
    g_async.len -= n;
    *dropped = g_async.dropped;
    g_async.dropped = 0;
    return n;
}

static void *writer_main(void *arg)
{
    static char chunk[LOG_CHUNK];
    (void)arg;
    pthread_mutex_lock(&g_async.mu);
    for (;;) {
        while (!g_async.len && !g_async.dropped && !g_async.stop) pthread_cond_wait(&g_async.wake, &g_async.mu);
        if (!g_async.len && !g_async.dropped) break;            /* stopping and drained */
        unsigned long dropped;
        size_t n = ring_take(chunk, &dropped);
        pthread_mutex_unlock(&g_async.mu);
        write_all(chunk, n);
        if (dropped) {
            char note[128];
            int m = snprintf(note, sizeof note, "log: %lu line(s) dropped: stderr was not keeping up\n", dropped);
            write_all(note, (size_t)m);
        }
        pthread_mutex_lock(&g_async.mu);
    }
    pthread_cond_broadcast(&g_async.drained);
    pthread_mutex_unlock(&g_async.mu);
    return NULL;
}

int log_async_start(void)
{
    if (g_async.on) return 0;
    g_async.ring = malloc(LOG_RING);
    if (!g_async.ring) return -1;
    g_async.on = true;
    if (pthread_create(&g_async.thread, NULL, writer_main, NULL) != 0) {
        g_async.on = false;
        free(g_async.ring);
        g_async.ring = NULL;
        return -1;
    }
    return 0;
}

int log_async_stop(int timeout_ms)
{
    if (!g_async.on) return 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&g_async.mu);
    g_async.stop = true;
    pthread_cond_signal(&g_async.wake);
    int rc = 0;
    while ((g_async.len || g_async.dropped) && rc == 0) rc = pthread_cond_timedwait(&g_async.drained, &g_async.mu, &until);
    bool drained = !g_async.len && !g_async.dropped;
    pthread_mutex_unlock(&g_async.mu);
    if (!drained) return -1;        /* the writer is stuck in write(2): leave it, we are exiting */
    pthread_join(g_async.thread, NULL);
    g_async.on = false;
    free(g_async.ring);
    g_async.ring = NULL;
    return 0;
}

/* Queues one finished line, or counts it dropped when the ring is full. */
static void ring_put(const char *line, size_t len)
{
    pthread_mutex_lock(&g_async.mu);
    if (g_async.len + len > LOG_RING) {
        g_async.dropped++;
    } else {
        size_t tail = (g_async.head + g_async.len) % LOG_RING;
        for (size_t i = 0; i < len; i++) g_async.ring[(tail + i) % LOG_RING] = line[i];
        g_async.len += len;
    }
    pthread_cond_signal(&g_async.wake);
    pthread_mutex_unlock(&g_async.mu);
}

void log_msg(enum log_level lvl, const char *mod, const char *fmt, ...)
{
    if ((int)lvl < atomic_load(&g_level)) return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    static const int prio[] = {7, 6, 4, 3, 3};   /* syslog priorities of debug..off */
    pthread_once(&g_journal_once, journal_detect);
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = g_journal ? snprintf(line, sizeof line, "<%d>%s: ", prio[lvl], mod ? mod : "-")
                      : snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: ",
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
    if (g_async.on) ring_put(line, len);
    else write_all(line, len);
}
