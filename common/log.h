/* log — levelled, timestamped log lines to stderr.  One write per line so
 * lines from the WebSocket thread and the main thread never interleave; in
 * asynchronous mode (log_async_start) through a bounded ring and a writer
 * thread, so a stuck stderr never blocks the caller (lines are dropped and
 * counted instead).
 * Level comes from MMD_LOG (debug|info|warn|error) or the program's -v flag.
 * Secrets must never be passed here. */
#ifndef MMD_LOG_H
#define MMD_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* "debug", "info", "warn"/"warning", "error"; 0 on success, -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level lvl);
/* Applies MMD_LOG if set and valid; returns -1 (and leaves level) if invalid. */
int log_init_from_env(void);

/* Asynchronous mode: 0 on success (-1: stays synchronous).  log_async_stop
 * waits up to timeout_ms for queued lines to reach stderr; -1 if they did
 * not (stderr stuck), 0 when flushed and back to synchronous mode. */
int log_async_start(void);
int log_async_stop(int timeout_ms);

void log_msg(enum log_level lvl, const char *mod, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOGD(mod, ...) do { if (log_get_level() <= LOG_DEBUG) log_msg(LOG_DEBUG, mod, __VA_ARGS__); } while (0)
#define LOGI(mod, ...) log_msg(LOG_INFO, mod, __VA_ARGS__)
#define LOGW(mod, ...) log_msg(LOG_WARN, mod, __VA_ARGS__)
#define LOGE(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)

#endif
