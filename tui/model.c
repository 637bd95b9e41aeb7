/* model — what mmtop shows and what its keys do, without curses or sockets:
 * the newest status snapshot and the view of it (sorted, filtered, paged),
 * the selected task (kept by id across updates) with its details and its
 * price/quote history for the chart, the 429 counter samples, the
 * confirm/help/filter modes and the footer message.  tui_model_key() turns
 * a key into an action for main.c to carry out. */
#define _GNU_SOURCE   /* strcasestr */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"
#include "tui.h"

void tui_model_init(struct tui_model *m, const char *sock)
{
    memset(m, 0, sizeof *m);
    snprintf(m->sock, sizeof m->sock, "%s", sock);
    m->hist_last_s = -1;
}

void tui_model_free(struct tui_model *m)
{
    json_decref(m->status);
    json_decref(m->orders);
    json_decref(m->uptime);
    m->status = m->orders = m->uptime = NULL;
}

static json_t *tasks_of(const struct tui_model *m) { return json_object_get(m->status, "tasks"); }

int tui_model_ntasks(const struct tui_model *m) { return m->nview; }

json_t *tui_model_task(const struct tui_model *m, int i)
{
    if (i < 0 || i >= m->nview) return NULL;
    return json_array_get(tasks_of(m), (size_t)m->view[i]);
}

json_t *tui_model_selected(const struct tui_model *m) { return tui_model_task(m, m->sel); }

const char *tui_sort_name(enum tui_sort s)
{
    static const char *const n[TUI_SORT_COUNT] = {"config", "state", "pnl", "position", "uptime", "id"};
    return s < TUI_SORT_COUNT ? n[s] : "?";
}

static double num(json_t *t, const char *k, const char *k2)
{
    json_t *v = json_object_get(t, k);
    if (k2) v = json_object_get(v, k2);
    if (json_is_number(v)) return json_number_value(v);
    if (json_is_string(v)) return strtod(json_string_value(v), NULL);
    return 0;
}

static const struct tui_model *sort_m;   /* qsort has no context argument */

static int cmp_view(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    json_t *x = json_array_get(tasks_of(sort_m), (size_t)i), *y = json_array_get(tasks_of(sort_m), (size_t)j);
    double d = 0;
    switch (sort_m->sort) {
    case TUI_SORT_STATE: d = tui_task_severity(y) - tui_task_severity(x); break;   /* worst first */
    case TUI_SORT_PNL: d = num(x, "pnl_today", NULL) - num(y, "pnl_today", NULL); break;   /* worst first */
    case TUI_SORT_POS: d = num(y, "position_share", NULL) - num(x, "position_share", NULL); break;
    case TUI_SORT_UPTIME: d = num(x, "uptime", "hour_minutes") - num(y, "uptime", "hour_minutes"); break;
    case TUI_SORT_ID: {
        const char *p = json_string_value(json_object_get(x, "id")), *q = json_string_value(json_object_get(y, "id"));
        d = strcmp(p ? p : "", q ? q : "");
        break;
    }
    default: break;
    }
    return d < 0 ? -1 : d > 0 ? 1 : i - j;   /* stable: configuration order */
}

static int matches(json_t *t, const char *f)
{
    if (!*f) return 1;
    const char *fields[3] = {json_string_value(json_object_get(t, "id")),
                             json_string_value(json_object_get(t, "symbol")), tui_task_state(t)};
    for (int k = 0; k < 3; k++)
        if (fields[k] && strcasestr(fields[k], f)) return 1;
    return 0;
}

/* Rebuilds the view and finds the selected id in it. */
static void rebuild(struct tui_model *m)
{
    json_t *tasks = tasks_of(m);
    size_t n = json_array_size(tasks);
    m->nview = 0;
    for (size_t i = 0; i < n && m->nview < TUI_MAX_TASKS; i++)
        if (matches(json_array_get(tasks, i), m->filter)) m->view[m->nview++] = (int)i;
    sort_m = m;
    qsort(m->view, (size_t)m->nview, sizeof m->view[0], cmp_view);
    int found = -1;
    for (int i = 0; i < m->nview && m->sel_id[0]; i++) {
        const char *id = json_string_value(json_object_get(tui_model_task(m, i), "id"));
        if (id && !strcmp(id, m->sel_id)) found = i;
    }
    if (found >= 0) m->sel = found;
    if (m->sel >= m->nview) m->sel = m->nview ? m->nview - 1 : 0;
    if (m->sel < 0) m->sel = 0;
}

static void clear_details(struct tui_model *m)
{
    json_decref(m->orders);
    json_decref(m->uptime);
    m->orders = m->uptime = NULL;
    m->hist_n = m->hist_next = 0;
    m->hist_last_s = -1;
}

/* Remembers the selected id; returns 1 if it changed. */
static int remember_selection(struct tui_model *m)
{
    const char *id = json_string_value(json_object_get(tui_model_selected(m), "id"));
    if (!id) id = "";
    if (!strcmp(id, m->sel_id)) return 0;
    snprintf(m->sel_id, sizeof m->sel_id, "%s", id);
    clear_details(m);
    return 1;
}

static double quote_px(json_t *t, const char *side)
{
    json_t *q = json_object_get(json_array_get(json_object_get(t, "tiers"), 0), side);
    const char *p = json_string_value(json_object_get(q, "price"));
    return p ? strtod(p, NULL) : 0;
}

static void sample_history(struct tui_model *m)
{
    json_t *t = tui_model_selected(m);
    const char *mark = json_string_value(json_object_get(t, "mark"));
    int64_t s = m->now_ms / 1000;
    if (!t || !mark || s == m->hist_last_s) return;
    m->hist_last_s = s;
    struct tui_px px = {strtod(mark, NULL), quote_px(t, "bid"), quote_px(t, "ask")};
    if (m->hist_n == TUI_HIST) {   /* full: drop the oldest */
        memmove(m->hist, m->hist + 1, sizeof m->hist[0] * (TUI_HIST - 1));
        m->hist_n--;
    }
    m->hist[m->hist_n++] = px;
}

static void sample_429(struct tui_model *m)
{
    json_t *accs = json_object_get(json_object_get(m->status, "connections"), "accounts"), *a;
    const char *id;
    long total = 0;
    int any = 0;
    json_object_foreach(accs, id, a) {
        json_t *v = json_object_get(json_object_get(a, "counters"), "rate_limited");
        if (json_is_integer(v)) {
            total += (long)json_integer_value(v);
            any = 1;
        }
    }
    if (!any) return;
    m->rl[m->rl_next].ms = m->now_ms;
    m->rl[m->rl_next].total = total;
    m->rl_next = (m->rl_next + 1) % 64;
    if (m->rl_n < 64) m->rl_n++;
}

long tui_model_429_per_min(const struct tui_model *m)
{
    if (!m->rl_n) return -1;
    int newest = (m->rl_next + 63) % 64, oldest = newest;
    for (int k = 1; k < m->rl_n; k++) {   /* the oldest sample within the last minute */
        int i = (newest - k + 64) % 64;
        if (m->rl[newest].ms - m->rl[i].ms > 60000) break;
        oldest = i;
    }
    long d = m->rl[newest].total - m->rl[oldest].total;
    return d < 0 ? 0 : d;
}

void tui_model_set_status(struct tui_model *m, json_t *status)
{
    json_decref(m->status);
    m->status = status;
    rebuild(m);
    remember_selection(m);
    sample_history(m);
    sample_429(m);
}

void tui_model_message(struct tui_model *m, int64_t now_ms, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->msg, sizeof m->msg, fmt, ap);
    va_end(ap);
    m->msg_until_ms = now_ms + 5000;
}

static enum tui_action move_to(struct tui_model *m, int s)
{
    int n = m->nview;
    if (!n) return TUI_ACT_NONE;
    if (s < 0) s = 0;
    if (s >= n) s = n - 1;
    if (s == m->sel) return TUI_ACT_NONE;
    m->sel = s;
    return remember_selection(m) ? TUI_ACT_SELECT : TUI_ACT_REDRAW;
}

static enum tui_action confirm(struct tui_model *m, int key)
{
    enum tui_mode was = m->mode;
    m->mode = TUI_NORMAL;
    if (key == 'y' || key == 'Y') return was == TUI_CONFIRM_HALT ? TUI_ACT_HALT : TUI_ACT_HALT_ALL;
    snprintf(m->msg, sizeof m->msg, "halt cancelled");
    return TUI_ACT_REDRAW;
}

static enum tui_action filter_key(struct tui_model *m, int key)
{
    size_t n = strlen(m->filter);
    if (key == TUI_KEY_ENTER || key == '\n' || key == '\r') m->mode = TUI_NORMAL;
    else if (key == TUI_KEY_ESC) {
        m->filter[0] = 0;
        m->mode = TUI_NORMAL;
    } else if (key == TUI_KEY_BACKSPACE || key == 127 || key == 8) {
        if (n) m->filter[n - 1] = 0;
    } else if (key >= 32 && key < 127 && n + 1 < sizeof m->filter) {
        m->filter[n] = (char)key;
        m->filter[n + 1] = 0;
    } else {
        return TUI_ACT_NONE;
    }
    rebuild(m);
    m->top = 0;
    return remember_selection(m) ? TUI_ACT_SELECT : TUI_ACT_REDRAW;
}

enum tui_action tui_model_key(struct tui_model *m, int key)
{
    if (m->mode == TUI_CONFIRM_HALT || m->mode == TUI_CONFIRM_HALT_ALL) return confirm(m, key);
    if (m->mode == TUI_FILTER) return filter_key(m, key);
    if (m->mode == TUI_HELP) {
        m->mode = TUI_NORMAL;
        return key == 'q' ? TUI_ACT_QUIT : TUI_ACT_REDRAW;
    }
    int page = m->page > 0 ? m->page : 10;
    switch (key) {
    case 'q': case 'Q': return TUI_ACT_QUIT;
    case TUI_KEY_UP: case 'k': return move_to(m, m->sel - 1);
    case TUI_KEY_DOWN: case 'j': return move_to(m, m->sel + 1);
    case TUI_KEY_PGUP:
        m->top = m->top > page ? m->top - page : 0;
        return move_to(m, m->sel - page);
    case TUI_KEY_PGDN: case ' ':   /* the next page on screen, "21-30 of 30" */
        if (m->top + page < m->nview) m->top += page;
        return move_to(m, m->sel + page);
    case TUI_KEY_HOME: case 'g': return move_to(m, 0);
    case TUI_KEY_END: case 'G': return move_to(m, m->nview - 1);
    case TUI_KEY_ENTER: case '\n': case '\r': case '\t': case 'd':
        m->detail = !m->detail;
        return TUI_ACT_REDRAW;
    case TUI_KEY_ESC: m->detail = 0; return TUI_ACT_REDRAW;
    case 's': case 'S':
        m->sort = (enum tui_sort)((m->sort + (key == 's' ? 1 : TUI_SORT_COUNT - 1)) % TUI_SORT_COUNT);
        rebuild(m);
        return TUI_ACT_REDRAW;
    case '/': m->mode = TUI_FILTER; return TUI_ACT_REDRAW;
    case '?': m->mode = TUI_HELP; return TUI_ACT_REDRAW;
    case 'h':
        if (!tui_model_selected(m)) return TUI_ACT_NONE;
        m->mode = TUI_CONFIRM_HALT;
        return TUI_ACT_REDRAW;
    case 'H':
        if (!m->connected) return TUI_ACT_NONE;
        m->mode = TUI_CONFIRM_HALT_ALL;
        return TUI_ACT_REDRAW;
    case 'r': return tui_model_selected(m) ? TUI_ACT_RESUME : TUI_ACT_NONE;
    case TUI_KEY_RESIZE: return TUI_ACT_REDRAW;
    default: return TUI_ACT_NONE;
    }
}

json_t *tui_pick_task(json_t *result, const char *id)
{
    if (!id) return NULL;
    if (json_is_object(result)) return json_object_get(result, id);
    size_t i;
    json_t *e;
    json_array_foreach(result, i, e) {
        const char *a = json_string_value(json_object_get(e, "id"));
        const char *b = json_string_value(json_object_get(e, "task"));
        if ((a && !strcmp(a, id)) || (b && !strcmp(b, id))) return e;
    }
    return NULL;
}

void tui_model_orders_result(struct tui_model *m, json_t *result)
{
    json_t *e = tui_pick_task(result, m->sel_id);
    json_t *list = json_is_array(e) ? e : json_object_get(e, "orders");
    if (!json_is_array(list) && json_is_array(result)) list = result;   /* plain list */
    if (!json_is_array(list)) return;
    json_decref(m->orders);
    m->orders = json_incref(list);
}

void tui_model_uptime_result(struct tui_model *m, json_t *result)
{
    json_t *e = tui_pick_task(result, m->sel_id);
    if (!json_is_object(e)) return;
    json_decref(m->uptime);
    m->uptime = json_incref(e);
}

int tui_state_good(const char *s)
{
    static const char *const good[] = {"up", "connected", "ready", "safe", "ok"};
    for (size_t i = 0; s && i < sizeof good / sizeof good[0]; i++)
        if (!strcmp(s, good[i])) return 1;
    return 0;
}

const char *tui_conn_state(json_t *c) { return rpc_conn_state(c); }
