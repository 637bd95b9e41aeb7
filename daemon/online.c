/* online — see online.h.  A short-lived event loop with its own REST client:
 * the symbol list first (sx_load_symbols, as start-up), then each account's
 * balance (sx_check_balance: 0 funded, 404 not funded, 401/403 token
 * refused) and the JWT's expiry.  The whole check is bounded by ONLINE_S;
 * what has not answered by then fails as "no answer". */
#include "online.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "knobs.h"
#include "rest.h"
#include "standx.h"

#define ONLINE_S 30

struct online {
    const struct cfg *cfg;
    FILE *out;
    struct event_base *base;
    struct rest *rest;
    struct mmd_knobs knobs;
    struct sx_account **sx;
    int pending, failed;
};

static void line(struct online *o, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(struct online *o, bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(ok ? "ok   " : "FAIL ", o->out);
    vfprintf(o->out, fmt, ap);
    fputc('\n', o->out);
    va_end(ap);
    o->failed += !ok;
}

static void done_one(struct online *o)
{
    if (--o->pending == 0) event_base_loopbreak(o->base);
}

struct bal { struct online *o; const struct cfg_account *ca; };

static void balance_cb(void *ud, int status, dec_t equity, const char *err)
{
    struct bal *b = ud;
    struct online *o = b->o;
    char eq[40];
    if (status == 0)
        line(o, true, "account %s: token accepted, equity %s DUSD", b->ca->id, dec_str(equity, eq, sizeof eq));
    else if (status == 404)
        line(o, false, "account %s: token accepted but the account is not funded: deposit collateral first",
             b->ca->id);
    else if (status == 401 || status == 403)
        line(o, false, "account %s: the exchange refused the token (HTTP %d): generate a new API token",
             b->ca->id, status);
    else
        line(o, false, "account %s: balance check failed: %s", b->ca->id, err ? err : "error");
    free(b);
    done_one(o);
}

static void check_accounts(struct online *o)
{
    const struct cfg *cfg = o->cfg;
    for (size_t i = 0; i < cfg->n_accounts; i++) {
        const struct cfg_account *ca = &cfg->accounts[i];
        int64_t exp_s;
        if (ca->placeholder || !ca->signer) {
            line(o, false, "account %s: placeholder credentials: put the real JWT and signing key in", ca->id);
            continue;
        }
        if (sx_jwt_exp(ca->jwt, &exp_s) == 0) {
            int64_t left = exp_s - clock_wall_ms() / 1000;
            line(o, left > ca->jwt_expiry_margin_s, "account %s: JWT expires in %lld s (margin %g s)%s", ca->id,
                 (long long)left, ca->jwt_expiry_margin_s,
                 left > ca->jwt_expiry_margin_s ? "" : ": generate a new API token");
        }
        const struct sx_account_params p = {.rest_url = cfg->rest_url, .account_id = ca->id, .jwt = ca->jwt,
                                            .signer = ca->signer, .knobs = o->knobs.sx};
        struct bal *b = calloc(1, sizeof *b);
        o->sx[i] = b ? sx_account_new(o->base, o->rest, NULL, &p) : NULL;
        if (b) *b = (struct bal){o, ca};
        o->pending++;
        if (!o->sx[i] || sx_check_balance(o->sx[i], balance_cb, b) != 0) {
            line(o, false, "account %s: cannot start the balance check", ca->id);
            free(b);
            o->pending--;
        }
    }
}

static void symbols_cb(void *ud, int ok, const struct sym_info *infos, size_t n, const char *err)
{
    struct online *o = ud;
    if (!ok) {
        line(o, false, "symbol list from %s: %s", o->cfg->rest_url, err ? err : "error");
    } else {
        line(o, true, "symbol list from %s: %zu symbols", o->cfg->rest_url, n);
        for (size_t t = 0; t < o->cfg->n_tasks; t++) {
            const struct cfg_task *ct = &o->cfg->tasks[t];
            const struct sym_info *si = NULL;
            for (size_t i = 0; i < n && !si; i++)
                if (!strcmp(infos[i].symbol, ct->symbol)) si = &infos[i];
            if (!si) line(o, false, "task %s: symbol %s is not listed by the exchange", ct->id, ct->symbol);
            else if (!si->trading) line(o, false, "task %s: symbol %s is listed but not trading", ct->id, ct->symbol);
            else line(o, true, "task %s: symbol %s listed and trading", ct->id, ct->symbol);
        }
    }
    check_accounts(o);
    done_one(o);
}

static void timeout_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    struct online *o = ud;
    line(o, false, "no answer from the exchange within %d s (%d check(s) pending)", ONLINE_S, o->pending);
    event_base_loopbreak(o->base);
}

int mmd_online_check(const struct cfg *cfg, FILE *out)
{
    struct online o = {.cfg = cfg, .out = out, .pending = 1};
    knobs_from_env(&o.knobs);
    o.base = event_base_new();
    o.rest = o.base ? rest_new(o.base, &o.knobs.rest) : NULL;
    o.sx = calloc(cfg->n_accounts + 1, sizeof *o.sx);
    struct event *to = o.base ? evtimer_new(o.base, timeout_cb, &o) : NULL;
    if (!o.rest || !o.sx || !to) {
        fprintf(out, "FAIL cannot start the network layer\n");
        o.failed = 1;
    } else if (sx_load_symbols(o.rest, cfg->rest_url, o.knobs.sx.timeout_ms, symbols_cb, &o) != 0) {
        line(&o, false, "cannot request the symbol list from %s", cfg->rest_url);
    } else {
        struct timeval tv = clock_tv_s(ONLINE_S);
        evtimer_add(to, &tv);
        event_base_dispatch(o.base);
    }
    for (size_t i = 0; o.sx && i < cfg->n_accounts; i++) sx_account_free(o.sx[i]);
    free(o.sx);
    if (to) event_free(to);
    if (o.rest) rest_free(o.rest);
    if (o.base) event_base_free(o.base);
    fprintf(out, "%s\n", o.failed ? "online check: FAILED" : "online check: ok (nothing was traded)");
    return o.failed ? 1 : 0;
}
