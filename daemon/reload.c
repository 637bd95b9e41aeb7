/* reload — SIGHUP and the reload RPC: the new file is validated whole first (URLs, socket,
 * the signing key of an existing account, a task's symbol or account cannot
 * change live), then applied task by task: removed tasks stop and are reaped
 * once their stop is confirmed, new accounts connect, an account with a new
 * token logs in again with it (a failed one starts over), new tasks start and
 * changed tasks take their new parameters without leaving the book.  Each
 * reload answers a report of what was applied, and what was refused and why. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "log.h"
#include "mmd.h"
#include "notify.h"
#include "sign.h"
#include "task.h"

/* A removed task whose stop ended without confirming everything is kept,
 * and its stop starts over: its leftovers stay someone's, and they count
 * at exit.  True when dt is such a task. */
static bool keep_leftovers(struct mmd *d, struct d_task *dt)
{
    const char *sum = dt->t ? task_stop_summary(dt->t) : "";
    if (!sum[0]) return false;
    if (d->shutting_down) return true;          /* the shutdown summary names it */
    LOGW("mmd", "task %s removed, NOT confirmed: %s; still cancelling (counted at exit)", dt->ct->id, sum);
    task_stop_again(dt->t, now_us());
    return true;
}

/* Whether anything still points into c: an account's configuration entry
 * (its signer lives there) or a task's. */
static bool cfg_in_use(const struct mmd *d, const struct cfg *c)
{
    for (size_t i = 0; i < d->n_accts; i++) {
        const struct cfg_account *ca = d->accts[i]->ca;
        if (ca >= c->accounts && ca < c->accounts + c->n_accounts) return true;
    }
    for (size_t i = 0; i < d->n_tasks; i++) {
        const struct cfg_task *ct = d->tasks[i]->ct;
        if (ct >= c->tasks && ct < c->tasks + c->n_tasks) return true;
    }
    return false;
}

/* Frees the earlier configurations nothing points into any more (every
 * reload used to keep the previous one, guarded secrets and all). */
static void release_configs(struct mmd *d)
{
    struct cfg_hold **pp = &d->old_cfgs;
    while (*pp) {
        struct cfg_hold *h = *pp;
        if (cfg_in_use(d, h->c)) { pp = &h->next; continue; }
        *pp = h->next;
        cfg_free(h->c);
        free(h);
    }
}

/* Frees tasks a reload removed once their stop has been confirmed. */
void mmd_reap_removed(struct mmd *d)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {
        struct d_task *dt = d->tasks[i];
        if (dt->removing && (!dt->t || task_stop_done(dt->t)) && !keep_leftovers(d, dt)) {
            LOGI("mmd", "task %s removed: its orders are cancelled", dt->ct->id);
            if (dt->watching) hub_unwatch(d->hub, dt->ct->symbol, mmd_md_cb, dt);
            mmd_pending_forget(d, dt);
            task_free(dt->t);
            free(dt);
            continue;
        }
        d->tasks[k++] = dt;
    }
    bool freed = k < d->n_tasks;
    d->n_tasks = k;
    if (freed) release_configs(d);
}

/* Logs why a reload is refused and adds it to the report's "refused" list
 * (the reload RPC's answer). */
static void refuse(json_t *report, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(json_t *report, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    LOGE("mmd", "reload: %s", msg);
    json_array_append_new(json_object_get(report, "refused"), json_string(msg));
}

/* Checks that a reload can be applied without a restart; logs why not. */
static bool reload_allowed(struct mmd *d, const struct cfg *n, json_t *report)
{
    bool ok = true;
    if (strcmp(n->rest_url, d->cfg->rest_url) || strcmp(n->ws_url, d->cfg->ws_url) ||
        strcmp(n->control_socket, d->cfg->control_socket)) {
        refuse(report, "exchange URLs and the control socket can only change with a restart");
        ok = false;
    }
    if (strcmp(n->readonly_socket, d->cfg->readonly_socket) || strcmp(n->metrics_listen, d->cfg->metrics_listen)) {
        refuse(report, "control.readonly_socket and metrics.listen can only change with a restart");
        ok = false;
    }
    for (size_t i = 0; i < n->n_accounts; i++) {
        const struct cfg_account *na = &n->accounts[i];
        struct d_acct *a = mmd_find_acct(d, na->id);
        if (na->placeholder || !na->signer) {
            refuse(report, "account %s has placeholder credentials", na->id);
            ok = false;
        } else if (a && strcmp(signer_pubkey_b58(a->ca->signer), signer_pubkey_b58(na->signer)) != 0) {
            refuse(report, "account %s: a new signing key needs a restart (a new token does not)", na->id);
            ok = false;
        }
    }
    for (size_t i = 0; i < n->n_tasks; i++) {
        const struct cfg_task *nt = &n->tasks[i];
        struct d_task *dt = mmd_find_task(d, nt->id);
        if (!dt) continue;
        if (dt->removing) {
            refuse(report, "task %s is still being removed; try again when it is gone", nt->id);
            ok = false;
        } else if (strcmp(dt->ct->symbol, nt->symbol) || strcmp(dt->ct->account_id, nt->account_id)) {
            refuse(report, "task %s changed symbol or account: remove it, reload, then add it back",
                   nt->id);
            ok = false;
        }
    }
    return ok;
}

/* The new configuration, or NULL with its errors (one per line, as mmd -n
 * prints them) in the report's "refused" list and on stderr. */
static struct cfg *load_new(struct mmd *d, json_t *report)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&buf, &len);
    struct cfg *n = cfg_load(d->cfg->path, errs ? errs : stderr);
    if (errs) fclose(errs);
    for (char *line = buf, *nl; !n && line && *line; line = nl ? nl + 1 : line + strlen(line)) {
        nl = strchr(line, '\n');
        if (nl) *nl = 0;
        fprintf(stderr, "%s\n", line);
        json_array_append_new(json_object_get(report, "refused"), json_string(line));
    }
    free(buf);
    if (!n) refuse(report, "%s is invalid; keeping the running configuration", d->cfg->path);
    return n;
}

static void report_id(json_t *report, const char *list, const char *id)
{
    json_array_append_new(json_object_get(report, list), json_string(id));
}

json_t *mmd_reload(struct mmd *d, const char *why)
{
    LOGI("mmd", "%s: re-reading %s", why, d->cfg->path);
    json_t *report = json_pack("{s:b, s:s, s:[], s:[], s:[], s:[], s:[]}", "applied", 0, "config",
                               d->cfg->path, "added", "removed", "changed", "refused", "credentials");
    if (d->shutting_down) refuse(report, "mmd is shutting down");
    struct cfg *n = d->shutting_down ? NULL : load_new(d, report);
    if (!n) return report;
    if (!reload_allowed(d, n, report)) {
        LOGE("mmd", "reload: not applied; keeping the running configuration");
        cfg_free(n);
        return report;
    }
    notify_reloading(d->notify);
    int added = 0, removed = 0, changed = 0;
    for (size_t i = 0; i < d->n_tasks; i++) {          /* removed tasks stop */
        struct d_task *dt = d->tasks[i];
        bool keep = false;
        for (size_t j = 0; j < n->n_tasks; j++) keep |= strcmp(n->tasks[j].id, dt->ct->id) == 0;
        if (keep || dt->removing) continue;
        dt->removing = true;
        removed++;
        report_id(report, "removed", dt->ct->id);
        LOGI("mmd", "reload: task %s removed: cancelling its orders", dt->ct->id);
        if (dt->t) task_stop(dt->t, now_us());
    }
    struct cfg *old = d->cfg;
    d->cfg = n;
    int creds = 0;
    for (size_t i = 0; i < n->n_accounts; i++) {       /* new accounts connect, new tokens log in */
        struct d_acct *a = mmd_find_acct(d, n->accounts[i].id);
        if (!a) {
            a = mmd_add_account(d, &n->accounts[i]);
            if (a && d->syms_loaded) mmd_acct_begin(a);
        } else if (strcmp(a->ca->jwt, n->accounts[i].jwt) != 0) {
            creds++;
            report_id(report, "credentials", n->accounts[i].id);
            mmd_acct_credentials(a, &n->accounts[i]);
        }
    }
    for (size_t i = 0; i < n->n_tasks; i++) {            /* changed tasks adapt, new ones start */
        struct d_task *dt = mmd_find_task(d, n->tasks[i].id);
        if (!dt) {
            added++;
            report_id(report, "added", n->tasks[i].id);
            LOGI("mmd", "reload: task %s added", n->tasks[i].id);
            if (!mmd_add_task(d, &n->tasks[i], n)) LOGE("mmd", "reload: task %s could not be added", n->tasks[i].id);
        } else if (!cfg_task_same(dt->ct, &n->tasks[i])) {
            changed++;
            report_id(report, "changed", n->tasks[i].id);
            dt->ct = &n->tasks[i];
            if (dt->t) task_reconfigure(dt->t, dt->ct, now_us());
            LOGI("mmd", "reload: task %s: new parameters in effect", dt->ct->id);
        } else {
            dt->ct = &n->tasks[i];      /* same parameters: the new file's entry from now on */
        }
    }
    struct cfg_hold *h = calloc(1, sizeof *h);      /* accounts may still point into it */
    if (h) { h->c = old; h->next = d->old_cfgs; d->old_cfgs = h; }
    else LOGE("mmd", "out of memory: the previous configuration stays allocated");
    release_configs(d);
    LOGI("mmd", "reload applied: %d task(s) added, %d removed, %d changed, %d account(s) with new credentials",
         added, removed, changed, creds);
    json_object_set_new(report, "applied", json_true());
    char line[256];
    mmd_status_line(d, line, sizeof line);
    notify_ready(d->notify, line);
    return report;
}
