/* knobs — reads the MMD_* timing variables once (see knobs.h).
 *
 * Decisions:
 *  - Unset or empty: the default.  Seconds and the sx millisecond knobs are
 *    real numbers > 0 (the ws ones also <= 1e7); the rest knobs are
 *    integers in their range.  Anything else is reported once, naming the
 *    variable, and the default is used (the behaviour before the knobs were
 *    gathered here, then silent).
 *  - MMD_WS_DEAD_S is the WebSocket's silence limit (no frame at all, pongs
 *    included); the hub's limit for a connection carrying no market data is
 *    its own knob, MMD_HUB_DEAD_S. */
#include "knobs.h"

#include <stddef.h>
#include <stdlib.h>

#include "log.h"

enum knob_type { KT_DOUBLE, KT_LONG, KT_INT };

struct knob {
    const char *name;
    size_t off;                 /* in struct mmd_knobs */
    enum knob_type type;
    double def, hi;             /* reals: valid in (0, hi]; integers: [1, hi] */
};

#define KD(f, name, def, hi) {name, offsetof(struct mmd_knobs, f), KT_DOUBLE, def, hi}
#define KL(f, name, def, hi) {name, offsetof(struct mmd_knobs, f), KT_LONG, def, hi}
#define KI(f, name, def, hi) {name, offsetof(struct mmd_knobs, f), KT_INT, def, hi}
#define NOMAX 1e300

static const struct knob knobs[] = {
    KI(rest.get_attempts, "MMD_REST_GET_ATTEMPTS", 4, 20),
    KL(rest.retry_ms, "MMD_REST_RETRY_MS", 200, 60000),
    KD(ws.backoff_min_s, "MMD_WS_BACKOFF_MIN_S", 0.5, 1e7),
    KD(ws.backoff_max_s, "MMD_WS_BACKOFF_MAX_S", 30, 1e7),
    KD(ws.healthy_s, "MMD_WS_HEALTHY_S", 30, 1e7),
    KD(ws.dead_s, "MMD_WS_DEAD_S", 45, 1e7),
    KD(ws.ping_s, "MMD_WS_PING_S", 15, 1e7),
    KD(ws.connect_s, "MMD_WS_CONNECT_S", 15, 1e7),
    KD(ws.rotate_s, "MMD_WS_ROTATE_S", 23 * 3600 + 50 * 60, 1e7),
    KD(ws.new_per_min, "MMD_WS_NEW_PER_MIN", WS_NEW_PER_MIN, 1e9),
    KD(unfunded_recheck_s, "MMD_UNFUNDED_RECHECK_S", 60, 1e7),
    KD(hub.stale_s, "MMD_HUB_STALE_S", 10, NOMAX),
    KD(hub.dead_s, "MMD_HUB_DEAD_S", 45, NOMAX),
    KD(sx.auth_s, "MMD_SX_AUTH_S", 10, NOMAX),
    KL(sx.resolve_ms, "MMD_SX_RESOLVE_MS", 300, NOMAX),
    KL(sx.timeout_ms, "MMD_SX_TIMEOUT_MS", 10000, NOMAX),
};

static void knob_set(struct mmd_knobs *k, const struct knob *d, double v)
{
    char *p = (char *)k + d->off;
    if (d->type == KT_DOUBLE) *(double *)p = v;
    else if (d->type == KT_LONG) *(long *)p = (long)v;
    else *(int *)p = (int)v;
}

/* 0 and *v when text is a valid value of d, else -1. */
static int knob_parse(const struct knob *d, const char *text, double *v)
{
    char *end;
    if (d->type == KT_DOUBLE || d->type == KT_LONG) {   /* the ms knobs were always read as reals */
        *v = strtod(text, &end);
        return !*end && *v > 0 && *v <= d->hi ? 0 : -1;
    }
    long l = strtol(text, &end, 10);
    *v = (double)l;
    return !*end && l >= 1 && (double)l <= d->hi ? 0 : -1;
}

static void knob_warn(const struct knob *d, const char *text)
{
    if (d->type == KT_DOUBLE || d->type == KT_LONG)
        LOGW("mmd", "%s=\"%s\" is not valid (a number > 0%s); using the default %g", d->name, text,
             d->hi < NOMAX ? ", at most 1e7" : "", d->def);
    else
        LOGW("mmd", "%s=\"%s\" is not valid (an integer from 1 to %g); using the default %g", d->name,
             text, d->hi, d->def);
}

static void knobs_default(struct mmd_knobs *k)
{
    for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) knob_set(k, &knobs[i], knobs[i].def);
}

void knobs_from_env(struct mmd_knobs *k)
{
    knobs_default(k);
    for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
        const char *s = getenv(knobs[i].name);
        double v;
        if (!s || !*s) continue;
        if (knob_parse(&knobs[i], s, &v) == 0) knob_set(k, &knobs[i], v);
        else knob_warn(&knobs[i], s);
    }
}
