/* print — mmctl's output: readable tables per method (status, tasks, orders,
 * positions, uptime, help, halt/resume) with a generic fallback for any
 * other shape, and the raw JSON printer for -j.  Missing fields show "-". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "rpc.h"

#define COLS_MAX 12
#define CELL_MAX 64

struct col {
    const char *key;     /* member of each row object; "a.b" reaches one level down */
    const char *head;
};
#define COL(k, h) {.key = (k), .head = (h)}

/* Renders a scalar (or compact JSON for containers) into buf. */
static const char *cell(json_t *v, char *buf, size_t len)
{
    if (!v || json_is_null(v)) return "-";
    if (json_is_string(v)) snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v)) snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) snprintf(buf, len, "%.1f", json_real_value(v));
    else if (json_is_boolean(v)) snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
    else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(buf, len, "%s", s ? s : "?");
        free(s);
    }
    return buf;
}

static json_t *get_path(json_t *row, const char *key)
{
    const char *dot = strchr(key, '.');
    if (!dot) return json_object_get(row, key);
    char first[32];
    snprintf(first, sizeof first, "%.*s", (int)(dot - key), key);
    return json_object_get(json_object_get(row, first), dot + 1);
}

static void print_table(FILE *f, json_t *rows, const struct col *cols, int ncols)
{
    size_t w[COLS_MAX];
    char buf[CELL_MAX];
    for (int c = 0; c < ncols; c++) w[c] = strlen(cols[c].head);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        for (int c = 0; c < ncols; c++) {
            size_t n = strlen(cell(get_path(row, cols[c].key), buf, sizeof buf));
            if (n > w[c]) w[c] = n;
        }
    }
    for (int c = 0; c < ncols; c++)
        fprintf(f, "%-*s%s", c + 1 < ncols ? (int)w[c] : 0, cols[c].head, c + 1 < ncols ? "  " : "\n");
    json_array_foreach(rows, i, row) {
        for (int c = 0; c < ncols; c++)
            fprintf(f, "%-*s%s", c + 1 < ncols ? (int)w[c] : 0,
                    cell(get_path(row, cols[c].key), buf, sizeof buf), c + 1 < ncols ? "  " : "\n");
    }
    if (!json_array_size(rows)) fprintf(f, "(none)\n");
}

/* Any shape: arrays of objects as a table of the first row's scalar keys,
 * objects as "key: value" lines, scalars as themselves. */
static void print_generic(FILE *f, json_t *v)
{
    char buf[CELL_MAX * 4];
    if (json_is_array(v) && json_is_object(json_array_get(v, 0))) {
        struct col cols[COLS_MAX];
        int n = 0;
        const char *key;
        json_t *val;
        json_object_foreach(json_array_get(v, 0), key, val) {
            if (n < COLS_MAX && !json_is_object(val) && !json_is_array(val))
                cols[n++] = (struct col){.key = key, .head = key};
        }
        print_table(f, v, cols, n);
    } else if (json_is_object(v)) {
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) fprintf(f, "%s: %s\n", key, cell(val, buf, sizeof buf));
    } else {
        fprintf(f, "%s\n", cell(v, buf, sizeof buf));
    }
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static void print_connections(FILE *f, json_t *conn)
{
    fprintf(f, "market: %s", rpc_conn_state(json_object_get(conn, "market")));
    const char *id;
    json_t *a;
    int first = 1;
    json_object_foreach(json_object_get(conn, "accounts"), id, a) {
        fprintf(f, "%s%s %s", first ? "   accounts: " : ", ", id, rpc_conn_state(a));
        first = 0;
    }
    fprintf(f, "\n");
}

/* "4.0/6.1": distance in bps of our tier-1 bid and ask from the mark. */
static void quote_dist(json_t *task, char *buf, size_t len)
{
    json_t *t1 = json_array_get(json_object_get(task, "tiers"), 0);
    json_t *b = json_object_get(json_object_get(t1, "bid"), "dist_bps");
    json_t *a = json_object_get(json_object_get(t1, "ask"), "dist_bps");
    char bb[16] = "-", ab[16] = "-";
    if (json_is_number(b)) snprintf(bb, sizeof bb, "%.1f", json_number_value(b));
    if (json_is_number(a)) snprintf(ab, sizeof ab, "%.1f", json_number_value(a));
    snprintf(buf, len, "%s/%s", bb, ab);
}

static void print_status(FILE *f, json_t *st)
{
    char up[32];
    json_t *u = json_object_get(st, "uptime_s");
    fprintf(f, "mmd %s   up %s   ", str(st, "version"),
            json_is_integer(u) ? clock_fmt_duration(json_integer_value(u), up, sizeof up) : "-");
    print_connections(f, json_object_get(st, "connections"));
    if (json_is_true(json_object_get(st, "shutting_down"))) fprintf(f, "mmd is SHUTTING DOWN\n");
    json_t *tasks = json_object_get(st, "tasks");
    size_t i;
    json_t *t;
    /* add derived columns so the generic table printer can show them */
    json_t *rows = json_array();
    json_array_foreach(tasks, i, t) {
        char d[40], upt[40];
        quote_dist(t, d, sizeof d);
        json_t *ut = json_object_get(t, "uptime");
        json_t *hm = json_object_get(ut, "hour_minutes");
        snprintf(upt, sizeof upt, "%.1fm %s", json_is_number(hm) ? json_number_value(hm) : 0.0,
                 str(ut, "hour_tier"));
        json_t *r = json_deep_copy(t);
        json_object_set_new(r, "_dist", json_string(d));
        json_object_set_new(r, "_uptime", json_string(upt));
        json_array_append_new(rows, r);
    }
    static const struct col cols[] = {
        COL("id", "TASK"),
        COL("symbol", "SYMBOL"),
        COL("state", "STATE"),
        COL("risk.state", "RISK"),
        COL("mark", "MARK"),
        COL("_dist", "BID/ASK BPS"),
        COL("position", "POS"),
        COL("upnl", "UPNL"),
        COL("_uptime", "HOUR UPTIME"),
        COL("fills_today", "FILLS"),
    };
    fprintf(f, "\n");
    print_table(f, rows, cols, sizeof cols / sizeof cols[0]);
    json_decref(rows);
    json_array_foreach(tasks, i, t) {
        json_t *reasons = json_object_get(json_object_get(t, "risk"), "reasons");
        size_t k;
        json_t *r;
        json_array_foreach(reasons, k, r) fprintf(f, "  %s: %s\n", str(t, "id"), json_string_value(r));
    }
}

/* Rows for a table from a per-task result: an array as is, or an object
 * keyed by task id whose values are rows (listkey NULL) or hold a list of
 * rows under listkey.  Each row gets "task" set.  New reference. */
static json_t *flatten(json_t *v, const char *listkey)
{
    if (json_is_array(v)) return json_incref(v);
    json_t *rows = json_array();
    const char *id;
    json_t *val;
    json_object_foreach(v, id, val) {
        json_t *list = listkey ? json_object_get(val, listkey) : NULL;
        size_t i, n = listkey ? json_array_size(list) : 1;
        for (i = 0; i < n; i++) {
            json_t *r = json_deep_copy(listkey ? json_array_get(list, i) : val);
            if (!json_is_object(r)) {
                json_decref(r);
                continue;
            }
            json_object_set_new(r, "task", json_string(id));
            json_array_append_new(rows, r);
        }
    }
    return rows;
}

static void print_rows(FILE *f, json_t *v, const char *listkey, const struct col *cols, int n)
{
    json_t *rows = flatten(v, listkey);
    print_table(f, rows, cols, n);
    json_decref(rows);
}

static void print_uptime(FILE *f, json_t *v)
{
    json_t *rows = flatten(v, NULL);
    size_t i;
    json_t *t;
    json_array_foreach(rows, i, t) {
        json_t *h = json_object_get(t, "this_hour");
        json_t *m = json_object_get(h, "minutes");
        fprintf(f, "%s%s %s   this hour: %.1f min (%s)   both sides now: %s\n", i ? "\n" : "",
                str(t, "task"), str(t, "symbol"), json_is_number(m) ? json_number_value(m) : 0.0,
                str(h, "tier"), json_is_true(json_object_get(t, "both_sides_now")) ? "yes" : "no");
        static const struct col cols[] = {COL("hour", "HOUR (UTC)"), COL("minutes", "MINUTES"),
                                          COL("tier", "TIER")};
        print_table(f, json_object_get(t, "hours"), cols, 3);
    }
    json_decref(rows);
}

static void print_list(FILE *f, json_t *v, const char *label)
{
    json_t *ids = json_object_get(v, label);
    fprintf(f, "%s:", label);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) fprintf(f, " %s", json_string_value(id));
    if (!json_array_size(ids)) fprintf(f, " (none)");
    if (json_is_false(json_object_get(v, "orders_settled")))
        fprintf(f, " (WARNING: not every order was confirmed cancelled)");
    fprintf(f, "\n");
}

static void text_result(FILE *f, const char *m, json_t *v)
{
    static const struct col tasks[] = {
        COL("id", "TASK"),
        COL("symbol", "SYMBOL"),
        COL("account", "ACCOUNT"),
        COL("level", "LEVEL"),
        COL("tiers", "TIERS"),
    };
    static const struct col orders[] = {
        COL("task", "TASK"),
        COL("side", "SIDE"),
        COL("tier", "TIER"),
        COL("price", "PRICE"),
        COL("qty", "QTY"),
        COL("fill_qty", "FILLED"),
        COL("status", "STATUS"),
        COL("tif", "TIF"),
        COL("cl_ord_id", "CL_ORD_ID"),
    };
    static const struct col pos[] = {
        COL("task", "TASK"),
        COL("symbol", "SYMBOL"),
        COL("position", "POSITION"),
        COL("entry_price", "ENTRY"),
        COL("upnl", "UPNL"),
        COL("realized_pnl", "REALIZED"),
        COL("notional_usd", "NOTIONAL"),
    };
    static const struct col help[] = {
        COL("method", "METHOD"),
        COL("params", "PARAMS"),
        COL("summary", "DESCRIPTION"),
    };
    if (!strcmp(m, "status") && json_is_object(v)) print_status(f, v);
    else if (!strcmp(m, "tasks") && json_is_array(v)) print_table(f, v, tasks, 5);
    else if (!strcmp(m, "orders") && json_is_object(v)) print_rows(f, v, "orders", orders, 9);
    else if (!strcmp(m, "positions") && json_is_object(v)) print_rows(f, v, NULL, pos, 7);
    else if (!strcmp(m, "help") && json_is_array(v)) print_table(f, v, help, 3);
    else if (!strcmp(m, "uptime") && json_is_object(v)) print_uptime(f, v);
    else if (!strcmp(m, "halt") && json_object_get(v, "halted")) print_list(f, v, "halted");
    else if (!strcmp(m, "resume") && json_object_get(v, "resumed")) print_list(f, v, "resumed");
    else if (!strcmp(m, "version") && json_is_object(v))
        fprintf(f, "mmd %s (RPC API %lld)\n", str(v, "daemon"),
                (long long)json_integer_value(json_object_get(v, "api")));
    else print_generic(f, v);
}

/* One line per pushed status snapshot. */
static void text_notification(FILE *f, json_t *msg)
{
    json_t *p = json_object_get(msg, "params");
    size_t i;
    json_t *t;
    fprintf(f, "%s:", str(msg, "method"));
    json_array_foreach(json_object_get(p, "tasks"), i, t)
        fprintf(f, " %s %s mark %s pos %s;", str(t, "id"), str(t, "state"), str(t, "mark"),
                str(t, "position"));
    fprintf(f, "\n");
    fflush(f);
}

static void json_result(FILE *f, const char *m, json_t *v)
{
    (void)m;
    json_dumpf(v, f, JSON_INDENT(2) | JSON_ENCODE_ANY);
    fprintf(f, "\n");
}

static void json_notification(FILE *f, json_t *msg)
{
    json_dumpf(msg, f, JSON_COMPACT | JSON_ENCODE_ANY);
    fprintf(f, "\n");
    fflush(f);
}

const struct ctl_printer ctl_print_text = {.result = text_result, .notification = text_notification};
const struct ctl_printer ctl_print_json = {.result = json_result, .notification = json_notification};
