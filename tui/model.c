/* model — what mmtop shows and what its keys do, without curses or sockets:
 * the newest status snapshot, the selected task (kept by id across
 * updates), its details, the confirm/help modes and the footer message.
 * tui_model_key() turns a key into an action for main.c to carry out. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rpc.h"
#include "tui.h"

void tui_model_init(struct tui_model *m, const char *sock)
{
    memset(m, 0, sizeof *m);
    snprintf(m->sock, sizeof m->sock, "%s", sock);
}

void tui_model_free(struct tui_model *m)
{
    json_decref(m->status);
    json_decref(m->orders);
    json_decref(m->uptime);
    m->status = m->orders = m->uptime = NULL;
}

static json_t *tasks_of(const struct tui_model *m)
{
    return json_object_get(m->status, "tasks");
}

int tui_model_ntasks(const struct tui_model *m) { return (int)json_array_size(tasks_of(m)); }

json_t *tui_model_selected(const struct tui_model *m)
{
    return json_array_get(tasks_of(m), (size_t)m->sel);
}

static void remember_selection(struct tui_model *m)
{
    const char *id = json_string_value(json_object_get(tui_model_selected(m), "id"));
    snprintf(m->sel_id, sizeof m->sel_id, "%s", id ? id : "");
}

void tui_model_set_status(struct tui_model *m, json_t *status)
{
    json_decref(m->status);
    m->status = status;
    int n = tui_model_ntasks(m), found = -1;
    for (int i = 0; i < n && m->sel_id[0]; i++) {
        const char *id = json_string_value(json_object_get(json_array_get(tasks_of(m), i), "id"));
        if (id && !strcmp(id, m->sel_id)) found = i;
    }
    if (found >= 0) m->sel = found;
    if (m->sel >= n) m->sel = n ? n - 1 : 0;
    remember_selection(m);
}

static void set_details(struct tui_model *m, json_t *orders, json_t *uptime)
{
    if (orders) {
        json_decref(m->orders);
        m->orders = orders;
    }
    if (uptime) {
        json_decref(m->uptime);
        m->uptime = uptime;
    }
}

void tui_model_message(struct tui_model *m, int64_t now_ms, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->msg, sizeof m->msg, fmt, ap);
    va_end(ap);
    m->msg_until_ms = now_ms + 5000;
}

static enum tui_action move(struct tui_model *m, int d)
{
    int n = tui_model_ntasks(m);
    int s = m->sel + d;
    if (s < 0 || s >= n) return TUI_ACT_NONE;
    m->sel = s;
    remember_selection(m);
    json_decref(m->orders);
    json_decref(m->uptime);
    m->orders = m->uptime = NULL;
    return TUI_ACT_SELECT;
}

static enum tui_action confirm(struct tui_model *m, int key)
{
    enum tui_mode was = m->mode;
    m->mode = TUI_NORMAL;
    if (key == 'y' || key == 'Y') return was == TUI_CONFIRM_HALT ? TUI_ACT_HALT : TUI_ACT_HALT_ALL;
    snprintf(m->msg, sizeof m->msg, "halt cancelled");
    return TUI_ACT_REDRAW;
}

enum tui_action tui_model_key(struct tui_model *m, int key)
{
    if (m->mode == TUI_CONFIRM_HALT || m->mode == TUI_CONFIRM_HALT_ALL) return confirm(m, key);
    if (m->mode == TUI_HELP) {
        m->mode = TUI_NORMAL;
        return key == 'q' ? TUI_ACT_QUIT : TUI_ACT_REDRAW;
    }
    switch (key) {
    case 'q': case 'Q': return TUI_ACT_QUIT;
    case TUI_KEY_UP: case 'k': return move(m, -1);
    case TUI_KEY_DOWN: case 'j': return move(m, +1);
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
    if (json_is_array(list)) set_details(m, json_incref(list), NULL);
}

void tui_model_uptime_result(struct tui_model *m, json_t *result)
{
    json_t *e = tui_pick_task(result, m->sel_id);
    if (json_is_object(e)) set_details(m, NULL, json_incref(e));
}

int tui_state_good(const char *s)
{
    static const char *const good[] = {"up", "connected", "ready", "safe", "ok"};
    for (size_t i = 0; s && i < sizeof good / sizeof good[0]; i++)
        if (!strcmp(s, good[i])) return 1;
    return 0;
}

const char *tui_conn_state(json_t *c) { return rpc_conn_state(c); }
