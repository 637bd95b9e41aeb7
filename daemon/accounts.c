/* accounts — routing and start-up (see mmd.h): market snapshots and account
 * events reach their task (by symbol, else by the longest task-id prefix of
 * the client order id); symbol rules load first (retried every RETRY_S),
 * then each account's JWT expiry and balance are checked before its private
 * stream starts and its tasks are created.  A failure in one account fails
 * only that account's tasks.  jwt_expiry_margin_s before the JWT's exp the
 * account's tasks are halted (orders cancelled while the token still works)
 * and the account's error says what to do; a task resumed or added later is
 * halted again (checked every JWT_RECHECK_S). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hub.h"
#include "lat.h"
#include "locks.h"
#include "log.h"
#include "mmd.h"
#include "sign.h"
#include "standx.h"
#include "task.h"

static void acct_check(struct d_acct *a);

#define JWT_RECHECK_S 5

/* Milliseconds until the account must stop trading (exp minus the margin);
 * INT64_MAX when the token's expiry is unknown. */
static int64_t jwt_stop_in_ms(const struct d_acct *a)
{
    int64_t exp_s;
    if (!a->ca->jwt || sx_jwt_exp(a->ca->jwt, &exp_s) != 0) return INT64_MAX;
    return exp_s * 1000 - (int64_t)(a->ca->jwt_expiry_margin_s * 1000) - wall_ms();
}

/* What the operator reads in the account's error and the tasks' reasons. */
static void jwt_stop_reason(const struct d_acct *a, char *out, size_t cap)
{
    int64_t exp_s = 0;
    (void)sx_jwt_exp(a->ca->jwt, &exp_s);
    int64_t left = exp_s - wall_ms() / 1000;
    snprintf(out, cap, "JWT expires in %lld s (margin %g s): generate a new API token and restart mmd",
             (long long)(left > 0 ? left : 0), a->ca->jwt_expiry_margin_s);
}

/* The reaction to snapshot s: one per notification, shared by its watchers
 * (only the first order request of a notification is sampled); NULL for a
 * stale snapshot. */
static struct sx_reaction *md_reaction(struct mmd *d, const struct md_snapshot *s)
{
    if (s->stale) return NULL;
    struct sx_reaction *r = &d->react.r;
    if (strcmp(d->react.symbol, s->symbol) != 0 || r->m.recv_us != s->recv_us ||
        r->m.parse_us != s->applied_us) {
        snprintf(d->react.symbol, sizeof d->react.symbol, "%s", s->symbol);
        sx_reaction_begin(r, s->recv_us, s->applied_us);
        r->written = lat_written;
        r->written_ud = d->lat;
    }
    return r;
}

void mmd_md_cb(void *ud, const struct md_snapshot *s)
{
    struct d_task *dt = ud;
    if (!dt->t) return;
    struct sx_account *sx = dt->acct ? dt->acct->sx : NULL;
    sx_account_react(sx, md_reaction(dt->d, s));
    task_on_md(dt->t, s, now_us(), wall_ms());
    sx_account_react(sx, NULL);
}

/* The client order id an account event names ("" when none). */
static const char *event_cloid(const struct venue_event *ev)
{
    switch (ev->type) {
    case VEV_PLACE_RESULT: case VEV_CANCEL_RESULT: return ev->u.result.cl_ord_id;
    case VEV_ORDER: case VEV_QUERY_ORDER: return ev->u.order.cl_ord_id;
    case VEV_FILL: return ev->u.fill.cl_ord_id;
    default: return "";
    }
}

/* The account's task whose id, followed by '-', is the longest prefix of cl. */
static struct d_task *owner_of(struct d_acct *a, const char *cl)
{
    struct mmd *d = a->d;
    struct d_task *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        size_t n = strlen(dt->ct->id);
        if (dt->acct == a && dt->t && !strncmp(cl, dt->ct->id, n) && cl[n] == '-' && n > best_len) {
            best = dt;
            best_len = n;
        }
    }
    return best;
}

/* Delivers an account event: to the task whose id prefixes the order's
 * client id when it names one; otherwise, when it names a symbol
 * (positions, open-order lists, fills of orders it cannot name), to every
 * task of the account on that symbol -- a removed task still cancelling
 * and the task that replaced it alike; stream and balance news to all. */
static void acct_sink(void *ud, const struct venue_event *ev)
{
    struct d_acct *a = ud;
    struct mmd *d = a->d;
    int64_t now = now_us(), wall = wall_ms();
    const char *cl = event_cloid(ev);
    struct d_task *owner = cl[0] ? owner_of(a, cl) : NULL;
    if (owner) {
        task_on_event(owner->t, ev, now, wall);
        return;
    }
    bool all = ev->type == VEV_STREAM || ev->type == VEV_BALANCE || ev->type == VEV_AUTH, any = false;
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (dt->acct != a || !dt->t || (!all && (!ev->symbol[0] || strcmp(ev->symbol, dt->ct->symbol))))
            continue;
        task_on_event(dt->t, ev, now, wall);
        any = true;
    }
    if (!any) LOGD("mmd", "account %s: event type %d for no task (symbol '%s')", a->ca->id, ev->type, ev->symbol);
}

static const struct sym_info *find_sym(struct mmd *d, const char *sym)
{
    for (size_t i = 0; i < d->n_syms; i++)
        if (strcmp(d->syms[i].symbol, sym) == 0) return &d->syms[i];
    return NULL;
}

static void task_fail_slot(struct d_task *dt, const char *why)
{
    snprintf(dt->fail, sizeof dt->fail, "%s", why);
    if (dt->t) task_fail(dt->t, why);
    LOGE("mmd", "task %s: %s", dt->ct->id, why);
}

static void start_task(struct d_task *dt)
{
    struct mmd *d = dt->d;
    if (dt->t || d->shutting_down) return;
    if (jwt_stop_in_ms(dt->acct) <= 0) {
        char why[160];
        jwt_stop_reason(dt->acct, why, sizeof why);
        task_fail_slot(dt, why);
        return;
    }
    const struct sym_info *si = find_sym(d, dt->ct->symbol);
    if (!si) { task_fail_slot(dt, "symbol not listed by the exchange"); return; }
    if (!si->trading) { task_fail_slot(dt, "symbol is not trading on the exchange"); return; }
    dt->t = task_new(dt->ct, si, sx_account_venue(dt->acct->sx), now_us(), wall_ms());
    if (!dt->t) { task_fail_slot(dt, "cannot create task (out of memory)"); return; }
    dt->fail[0] = 0;
    if (hub_watch(d->hub, dt->ct->symbol, mmd_md_cb, dt) == 0) dt->watching = true;
    task_start(dt->t, now_us(), wall_ms());
}

static void acct_fail(struct d_acct *a, const char *why)
{
    struct mmd *d = a->d;
    a->state = ACC_FAILED;
    snprintf(a->err, sizeof a->err, "%s", why);
    LOGE("mmd", "account %s: %s; its tasks will not trade", a->ca->id, why);
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i]->acct == a) task_fail_slot(d->tasks[i], why);
}

static void acct_retry_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    acct_check(ud);
}

static void jwt_due_cb(evutil_socket_t fd, short what, void *ud);

static void jwt_arm(struct d_acct *a, int64_t in_ms)
{
    a->jwt_armed = true;
    struct timeval tv = clock_tv_us((in_ms > 0 ? in_ms : 0) * 1000);
    if (event_base_once(a->d->base, -1, EV_TIMEOUT, jwt_due_cb, a, &tv) != 0)
        LOGE("mmd", "account %s: cannot arm the JWT expiry timer", a->ca->id);
}

/* The token is within its margin: halt every task of the account (they
 * cancel their orders while the token still works), again for any task
 * resumed or started since. */
static void jwt_due_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    struct d_acct *a = ud;
    struct mmd *d = a->d;
    int64_t in_ms = jwt_stop_in_ms(a);
    a->jwt_armed = false;
    if (d->shutting_down || a->state == ACC_FAILED) return;
    if (in_ms > 0) { jwt_arm(a, in_ms); return; }
    char why[160];
    jwt_stop_reason(a, why, sizeof why);
    if (a->state != ACC_READY) { acct_fail(a, why); return; }
    if (!a->err[0]) LOGE("mmd", "account %s: %s; stopping its tasks and cancelling their orders", a->ca->id, why);
    snprintf(a->err, sizeof a->err, "%s", why);
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (dt->acct != a || !dt->t || dt->removing) continue;
        json_t *st = task_status_json(dt->t, now_us(), wall_ms());
        bool halted = json_is_true(json_object_get(json_object_get(st, "risk"), "operator_halt"));
        json_decref(st);
        if (!halted) {
            task_halt(dt->t, why, now_us());
            dt->jwt_halted = true;
        }
    }
    jwt_arm(a, JWT_RECHECK_S * 1000);
}

static void balance_cb(void *ud, int status, dec_t equity, const char *err)
{
    struct d_acct *a = ud;
    struct mmd *d = a->d;
    if (d->shutting_down) return;
    if (status == 404) {   /* checked again until funded */
        char why[160];
        double s = d->knobs.unfunded_recheck_s;
        snprintf(why, sizeof why, "account not funded (query_balance: 404): deposit funds; mmd checks again "
                 "every %g s", s);
        if (strcmp(a->err, why) != 0) acct_fail(a, why);
        else a->state = ACC_FAILED;
        struct timeval tv = clock_tv_s(s);
        evtimer_add(a->retry, &tv);
        return;
    }
    if (status == 401 || status == 403) {
        char why[200];
        snprintf(why, sizeof why, "bad credentials: the exchange refused them (HTTP %d: %s); put working "
                 "ones in the configuration and run mmctl reload", status, err ? err : "");
        acct_fail(a, why);
        return;
    }
    if (status != 0) {
        LOGW("mmd", "account %s: balance check failed (%s); retrying in %d s", a->ca->id,
             err ? err : "error", RETRY_S);
        struct timeval tv = clock_tv_s(RETRY_S);
        evtimer_add(a->retry, &tv);
        return;
    }
    char eq[32];
    LOGI("mmd", "account %s: equity %s DUSD; starting its tasks", a->ca->id, dec_str(equity, eq, sizeof eq));
    a->state = ACC_READY;
    a->err[0] = 0;
    sx_account_start(a->sx);
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i]->acct == a) start_task(d->tasks[i]);
}

static void acct_check(struct d_acct *a)
{
    a->state = ACC_CHECKING;
    if (sx_check_balance(a->sx, balance_cb, a) != 0) {
        struct timeval tv = clock_tv_s(RETRY_S);
        evtimer_add(a->retry, &tv);
    }
}

void mmd_acct_begin(struct d_acct *a)
{
    int64_t exp_s;
    if (a->state == ACC_FAILED) return;
    if (sx_jwt_exp(a->ca->jwt, &exp_s) == 0) {
        int64_t left = exp_s - wall_ms() / 1000;
        if (left <= 0) { acct_fail(a, "JWT has expired: generate a new API token and restart mmd"); return; }
        if (jwt_stop_in_ms(a) <= 0) {
            char why[160];
            jwt_stop_reason(a, why, sizeof why);
            acct_fail(a, why);
            return;
        }
        if (left < 24 * 3600)
            LOGW("mmd", "account %s: JWT expires in %lld h %lld min (trading stops %g s before); renew it soon",
                 a->ca->id, (long long)(left / 3600), (long long)(left % 3600 / 60),
                 a->ca->jwt_expiry_margin_s);
        if (!a->jwt_armed) jwt_arm(a, jwt_stop_in_ms(a));
    } else {
        LOGW("mmd", "account %s: cannot read the JWT's expiry (not a JWT?)", a->ca->id);
    }
    acct_check(a);
}

void mmd_acct_credentials(struct d_acct *a, const struct cfg_account *na)
{
    struct mmd *d = a->d;
    a->ca = na;
    if (!a->sx || sx_account_set_credentials(a->sx, na->jwt, na->signer) != 0) {
        LOGE("mmd", "account %s: cannot take the new credentials (out of memory)", na->id);
        return;
    }
    LOGI("mmd", "account %s: new credentials: logging in again with them", na->id);
    if (a->state == ACC_FAILED) {   /* start over: JWT, balance, then its tasks */
        a->err[0] = 0;
        a->state = ACC_WAIT_SYMBOLS;
        evtimer_del(a->retry);
        if (d->syms_loaded) mmd_acct_begin(a);
        return;
    }
    a->err[0] = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {   /* the old token's expiry halt ends with it */
        struct d_task *dt = d->tasks[i];
        if (dt->acct != a || !dt->jwt_halted) continue;
        dt->jwt_halted = false;
        if (dt->t && !dt->removing) task_resume(dt->t, now_us());
    }
    if (!a->jwt_armed) jwt_arm(a, jwt_stop_in_ms(a));
}

static void symbols_cb(void *ud, int ok, const struct sym_info *infos, size_t n, const char *err)
{
    struct mmd *d = ud;
    if (d->shutting_down) return;
    if (!ok) {
        LOGW("mmd", "cannot load symbol rules (%s); retrying in %d s", err ? err : "error", RETRY_S);
        struct timeval tv = clock_tv_s(RETRY_S);
        evtimer_add(d->sym_retry, &tv);
        return;
    }
    free(d->syms);
    d->syms = calloc(n ? n : 1, sizeof *d->syms);
    if (!d->syms) { LOGE("mmd", "out of memory"); event_base_loopbreak(d->base); return; }
    memcpy(d->syms, infos, n * sizeof *infos);
    d->n_syms = n;
    d->syms_loaded = true;
    LOGI("mmd", "loaded trading rules of %zu symbols", n);
    for (size_t i = 0; i < d->n_accts; i++) mmd_acct_begin(d->accts[i]);
}

void mmd_sym_retry_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd; (void)what;
    mmd_load_symbols(ud);
}

void mmd_load_symbols(struct mmd *d)
{
    if (sx_load_symbols(d->rest, d->cfg->rest_url, d->knobs.sx.timeout_ms, symbols_cb, d) != 0) {
        struct timeval tv = clock_tv_s(RETRY_S);
        evtimer_add(d->sym_retry, &tv);
    }
}

struct d_task *mmd_find_task(struct mmd *d, const char *id)
{
    for (size_t i = 0; i < d->n_tasks; i++)
        if (strcmp(d->tasks[i]->ct->id, id) == 0) return d->tasks[i];
    return NULL;
}

struct d_acct *mmd_find_acct(struct mmd *d, const char *id)
{
    for (size_t i = 0; i < d->n_accts; i++)
        if (strcmp(d->accts[i]->ca->id, id) == 0) return d->accts[i];
    return NULL;
}

/* One daemon per account: the lock, or why not (then NULL). */
static int take_lock(struct mmd *d, const struct cfg_account *ca, bool *refused)
{
    char err[600];
    *refused = false;
    if (!d->cfg->state_dir[0]) {
        LOGW("mmd", "account %s: no state directory (set state.dir): another mmd on it would not be "
                    "noticed", ca->id);
        return -1;
    }
    const char *key = signer_pubkey_b58(ca->signer);
    for (size_t i = 0; i < d->n_accts; i++)      /* the same key twice in our config: locked already */
        if (!strcmp(signer_pubkey_b58(d->accts[i]->ca->signer), key)) return -1;
    int fd = lock_account(d->cfg->state_dir, key, err, sizeof err);
    if (fd < 0) {
        LOGE("mmd", "account %s: %s", ca->id, err);
        *refused = true;
    }
    return fd;
}

struct d_acct *mmd_add_account(struct mmd *d, const struct cfg_account *ca)
{
    bool refused;
    int lock_fd = take_lock(d, ca, &refused);
    if (refused) return NULL;
    struct d_acct **arr = realloc(d->accts, (d->n_accts + 1) * sizeof *arr);
    if (arr) d->accts = arr;
    struct d_acct *a = arr ? calloc(1, sizeof *a) : NULL;
    if (!a) {
        LOGE("mmd", "out of memory adding account %s", ca->id);
        unlock_account(lock_fd);
        return NULL;
    }
    d->accts[d->n_accts++] = a;
    a->d = d;
    a->ca = ca;
    a->lock_fd = lock_fd;
    a->retry = evtimer_new(d->base, acct_retry_cb, a);
    const struct sx_account_params p = {.rest_url = d->cfg->rest_url, .stream_url = d->stream_url,
                                        .api_url = d->api_url, .ws_orders = d->cfg->ws_orders, .ip = &d->ip,
                                        .account_id = ca->id, .jwt = ca->jwt, .signer = ca->signer,
                                        .sink = acct_sink, .sink_ud = a, .knobs = d->knobs.sx};
    a->sx = sx_account_new(d->base, d->rest, d->ws, &p);
    if (!a->sx) acct_fail(a, "cannot create the exchange connection");
    return a;
}

struct d_task *mmd_add_task(struct mmd *d, const struct cfg_task *ct, const struct cfg *cfg)
{
    struct d_task **arr = realloc(d->tasks, (d->n_tasks + 1) * sizeof *arr);
    if (arr) d->tasks = arr;
    struct d_task *dt = arr ? calloc(1, sizeof *dt) : NULL;
    if (!dt) {
        LOGE("mmd", "out of memory adding task %s", ct->id);
        return NULL;
    }
    d->tasks[d->n_tasks++] = dt;
    dt->d = d;
    dt->ct = ct;
    dt->acct = mmd_find_acct(d, cfg->accounts[ct->account].id);
    if (!dt->acct) { task_fail_slot(dt, "its account could not be added (see the log)"); return dt; }
    if (dt->acct->state == ACC_READY) start_task(dt);
    else if (dt->acct->state == ACC_FAILED) task_fail_slot(dt, dt->acct->err);
    return dt;
}
