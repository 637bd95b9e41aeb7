/* backend_ledger — the "history" and "report" backends (backend.h) over the
 * ledger: parameter checking (times, kinds, periods, limits) with errors
 * that say what was wrong and what to write instead, then ledger queries;
 * and who asked for a halt or resume (recorded as an "operator" event). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"
#include "mmd.h"
#include "rpc.h"

#define HISTORY_LIMIT_DEF 100
#define HISTORY_LIMIT_MAX 10000

static bool no_ledger(struct mmd *d, int *err, char *msg, size_t len)
{
    if (d->ledger) return false;
    *err = RPC_INVALID_PARAMS;
    snprintf(msg, len, "the ledger is off (state.ledger: false in the config): no history or report");
    return true;
}

static bool time_param(const char *name, const char *v, int64_t def, int64_t *out, int *err, char *msg, size_t len)
{
    if (!v) { *out = def; return true; }
    if (ledger_parse_time(v, wall_ms(), out) == 0) return true;
    *err = RPC_INVALID_PARAMS;
    snprintf(msg, len, "%s '%s' is not a time: use epoch seconds, YYYY-MM-DD, an RFC 3339 time "
                       "(2026-12-04T13:00:00Z) or a duration ago (90s, 15m, 2h, 3d)", name, v);
    return false;
}

json_t *mmd_be_history(void *ud, const char *kind, const char *task, const char *since, const char *until,
                       const char *limit, int *err, char *msg, size_t len)
{
    struct mmd *d = ud;
    int64_t s, u;
    if (no_ledger(d, err, msg, len)) return NULL;
    if (!time_param("since", since, 0, &s, err, msg, len) ||
        !time_param("until", until, wall_ms() + 1000, &u, err, msg, len))
        return NULL;
    char *end = NULL;
    long lim = limit ? strtol(limit, &end, 10) : HISTORY_LIMIT_DEF;
    if (limit && (*end || lim < 1 || lim > HISTORY_LIMIT_MAX)) {
        *err = RPC_INVALID_PARAMS;
        snprintf(msg, len, "limit '%s' is not a number of rows between 1 and %d", limit, HISTORY_LIMIT_MAX);
        return NULL;
    }
    json_t *j = ledger_history(d->ledger, kind ? kind : "fills", task, s, u, (int)lim, msg, len);
    if (!j) *err = RPC_INVALID_PARAMS;
    return j;
}

/* [since, until) of the UTC day or month containing at_ms. */
static void period_of(bool month, int64_t at_ms, int64_t *since, int64_t *until)
{
    time_t t = (time_t)(at_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    if (month) tm.tm_mday = 1;
    *since = (int64_t)timegm(&tm) * 1000;
    if (month) tm.tm_mon++;
    else tm.tm_mday++;
    *until = (int64_t)timegm(&tm) * 1000;
}

json_t *mmd_be_report(void *ud, const char *task, const char *period, const char *at, int *err, char *msg,
                      size_t len)
{
    struct mmd *d = ud;
    int64_t a, s, u;
    if (no_ledger(d, err, msg, len)) return NULL;
    if (period && strcmp(period, "day") && strcmp(period, "month")) {
        *err = RPC_INVALID_PARAMS;
        snprintf(msg, len, "period '%s' is not day or month", period);
        return NULL;
    }
    if (!time_param("at", at, wall_ms(), &a, err, msg, len)) return NULL;
    bool month = period && !strcmp(period, "month");
    period_of(month, a, &s, &u);
    json_t *j = ledger_report(d->ledger, task, s, u);
    json_object_set_new(j, "period", json_string(month ? "month" : "day"));
    return j;
}

void mmd_be_requested_by(void *ud, const char *who)
{
    struct mmd *d = ud;
    snprintf(d->requester, sizeof d->requester, "%s", who ? who : "");
}

void mmd_ledger_request(struct mmd *d, const char *task, const char *what, const char *reason)
{
    char detail[256];
    if (!d->ledger) return;
    snprintf(detail, sizeof detail, "%s: %s (asked by %s)", what, reason,
             d->requester[0] ? d->requester : "the daemon itself");
    ledger_event(d->ledger, wall_ms(), task, "operator", detail);
}
