/* print — mmctl's output: readable tables per method (status, tasks, orders
 * as a price ladder, positions, uptime, help, halt/resume) with a generic
 * fallback for any other shape, and the JSON printer for -j; errors too
 * (text on stderr, or JSON on stdout under -j).  Number rules: columns of
 * numbers right-aligned, floats with the precision they mean (bps and
 * minutes to 0.1, Maker Hours to 0.001), decimals as the daemon wrote them
 * (prices to the tick, quantities to the lot, USD to the cent).  Missing
 * fields show "-". */
#include <ctype.h>
#include <math.h>
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

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

/* The decimals a float member means, by its name. */
static int real_decimals(const char *key)
{
    if (!key) return 2;
    if (ends_with(key, "_mh") || ends_with(key, "maker_hours") || ends_with(key, "share")) return 3;
    if (ends_with(key, "_bps") || ends_with(key, "minutes") || ends_with(key, "_s")) return 1;
    return 2;
}

/* Renders a scalar (or compact JSON for containers) into buf; key names the
 * member (for a float's precision). */
static const char *cell_k(json_t *v, const char *key, char *buf, size_t len)
{
    if (!v || json_is_null(v)) return "-";
    if (json_is_string(v)) snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v)) snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) snprintf(buf, len, "%.*f", real_decimals(key), json_real_value(v));
    else if (json_is_boolean(v)) snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
    else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(buf, len, "%s", s ? s : "?");
        free(s);
    }
    return buf;
}

static const char *cell(json_t *v, char *buf, size_t len) { return cell_k(v, NULL, buf, len); }

/* A number as printed: digits with an optional sign, point and suffix %/s. */
static int numeric_text(const char *s)
{
    if (*s == '+' || *s == '-') s++;
    if (!isdigit((unsigned char)*s)) return 0;
    while (isdigit((unsigned char)*s) || *s == '.') s++;
    return !*s || !strcmp(s, "%") || !strcmp(s, "s");
}

static json_t *get_path(json_t *row, const char *key)
{
    const char *dot = strchr(key, '.');
    if (!dot) return json_object_get(row, key);
    char first[32];
    snprintf(first, sizeof first, "%.*s", (int)(dot - key), key);
    return json_object_get(json_object_get(row, first), dot + 1);
}

static const char *last_part(const char *key)
{
    const char *dot = strrchr(key, '.');
    return dot ? dot + 1 : key;
}

/* Columns of numbers (every cell a number or "-") are right-aligned. */
static void print_table(FILE *f, json_t *rows, const struct col *cols, int ncols)
{
    size_t w[COLS_MAX];
    int num[COLS_MAX];
    char buf[CELL_MAX];
    for (int c = 0; c < ncols; c++) {
        w[c] = strlen(cols[c].head);
        num[c] = json_array_size(rows) > 0;
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        for (int c = 0; c < ncols; c++) {
            const char *t = cell_k(get_path(row, cols[c].key), last_part(cols[c].key), buf, sizeof buf);
            if (strlen(t) > w[c]) w[c] = strlen(t);
            if (strcmp(t, "-") && !numeric_text(t)) num[c] = 0;
        }
    }
    for (int c = 0; c < ncols; c++) {
        int last = c + 1 == ncols;
        fprintf(f, num[c] ? "%*s%s" : "%-*s%s", last && !num[c] ? 0 : (int)w[c], cols[c].head,
                last ? "\n" : "  ");
    }
    json_array_foreach(rows, i, row) {
        for (int c = 0; c < ncols; c++) {
            int last = c + 1 == ncols;
            const char *t = cell_k(get_path(row, cols[c].key), last_part(cols[c].key), buf, sizeof buf);
            fprintf(f, num[c] ? "%*s%s" : "%-*s%s", last && !num[c] ? 0 : (int)w[c], t,
                    last ? "\n" : "  ");
        }
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
        json_object_foreach(v, key, val) fprintf(f, "%s: %s\n", key, cell_k(val, key, buf, sizeof buf));
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

/* The state merged with risk, as mmtop shows it: quoting, caution, HALT, paused, failed... */
static const char *merged_state(json_t *t)
{
    const char *st = str(t, "state"), *risk = str(json_object_get(t, "risk"), "state");
    if (!strcmp(st, "halted") || (!strcmp(st, "quoting") && !strcmp(risk, "halt"))) return "HALT";
    if (!strcmp(st, "quoting") && !strcmp(risk, "caution")) return "caution";
    return st;
}

/* USD to the cent from a decimal string ("-" when absent). */
static void usd(json_t *v, char *buf, size_t len)
{
    const char *s = json_string_value(v);
    if (!s) {
        snprintf(buf, len, "-");
        return;
    }
    double d = round(strtod(s, NULL) * 100) / 100;
    snprintf(buf, len, "%.2f", d == 0 ? 0.0 : d);
}

/* The tasks with the derived columns the status table shows (new reference). */
static json_t *status_rows(json_t *tasks)
{
    json_t *rows = json_array(), *t;
    size_t i;
    json_array_foreach(tasks, i, t) {
        char d[40], upt[40], pos_usd[32], pnl[32], share[16] = "-";
        quote_dist(t, d, sizeof d);
        json_t *ut = json_object_get(t, "uptime");
        json_t *hm = json_object_get(ut, "hour_minutes");
        snprintf(upt, sizeof upt, "%.1f", json_is_number(hm) ? json_number_value(hm) : 0.0);
        usd(json_object_get(t, "position_usd"), pos_usd, sizeof pos_usd);
        usd(json_object_get(t, "pnl_today"), pnl, sizeof pnl);
        json_t *sh = json_object_get(t, "position_share");
        if (json_is_number(sh)) snprintf(share, sizeof share, "%.0f%%", json_number_value(sh) * 100);
        json_t *r = json_deep_copy(t);
        json_object_set_new(r, "_state", json_string(merged_state(t)));
        json_object_set_new(r, "_dist", json_string(d));
        json_object_set_new(r, "_uptime", json_string(upt));
        json_object_set_new(r, "_tier", json_string(str(ut, "hour_tier_reached")));
        json_object_set_new(r, "_pos_usd", json_string(pos_usd));
        json_object_set_new(r, "_share", json_string(share));
        json_object_set_new(r, "_pnl", json_string(pnl));
        json_array_append_new(rows, r);
    }
    return rows;
}

static void print_status(FILE *f, json_t *st)
{
    char up[32];
    json_t *u = json_object_get(st, "uptime_s");
    fprintf(f, "mmd %s   up %s   ", str(st, "version"),
            json_is_integer(u) ? clock_fmt_duration(json_integer_value(u), up, sizeof up) : "-");
    print_connections(f, json_object_get(st, "connections"));
    json_t *ip = json_object_get(st, "ip_budget");
    if (json_is_object(ip))
        fprintf(f, "ip budget: %.0f of %.0f requests (%.0f/s), refused %lld\n",
                json_number_value(json_object_get(ip, "requests")),
                json_number_value(json_object_get(ip, "capacity")),
                json_number_value(json_object_get(ip, "per_s")),
                (long long)json_integer_value(json_object_get(ip, "refused")));
    if (json_is_true(json_object_get(st, "shutting_down"))) fprintf(f, "mmd is SHUTTING DOWN\n");
    json_t *tasks = json_object_get(st, "tasks"), *t;
    size_t i;
    static const struct col cols[] = {
        COL("id", "TASK"),          COL("symbol", "SYMBOL"),   COL("_state", "STATE"),
        COL("mark", "MARK"),        COL("_dist", "BID/ASK BPS"), COL("position", "POS"),
        COL("_pos_usd", "POS USD"), COL("_share", "OF LIMIT"), COL("_pnl", "PNL TODAY"),
        COL("_uptime", "HOUR MIN"), COL("_tier", "TIER"),      COL("fills_today", "FILLS"),
    };
    fprintf(f, "\n");
    json_t *rows = status_rows(tasks);
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

static int price_desc(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int t = strcmp(str(x, "task"), str(y, "task"));
    if (t) return t;
    double p = strtod(str(x, "price"), NULL), q = strtod(str(y, "price"), NULL);
    return p < q ? 1 : p > q ? -1 : 0;
}

/* orders: per task a ladder, highest price first (asks above bids), with
 * the distance from the mark in bps and the age. */
static void print_orders(FILE *f, json_t *v)
{
    json_t *rows = flatten(v, "orders");
    size_t n = json_array_size(rows), i;
    json_t **a = calloc(n ? n : 1, sizeof *a), *r;
    json_array_foreach(rows, i, r) a[i] = r;
    qsort(a, n, sizeof *a, price_desc);
    json_t *sorted = json_array();
    for (i = 0; i < n; i++) {
        json_t *age = json_object_get(a[i], "age_s");
        char buf[32] = "-";
        if (json_is_number(age)) {
            double s = json_number_value(age);
            if (s < 100) snprintf(buf, sizeof buf, "%.1fs", s);
            else clock_fmt_duration((int64_t)s, buf, sizeof buf);
        }
        json_object_set_new(a[i], "_age", json_string(buf));
        json_array_append(sorted, a[i]);
    }
    static const struct col cols[] = {
        COL("task", "TASK"),   COL("side", "SIDE"),     COL("tier", "TIER"),
        COL("price", "PRICE"), COL("dist_bps", "BPS"),  COL("qty", "QTY"),
        COL("fill_qty", "FILLED"), COL("_age", "AGE"), COL("status", "STATUS"),
        COL("cl_ord_id", "CL_ORD_ID"),
    };
    print_table(f, sorted, cols, sizeof cols / sizeof cols[0]);
    json_decref(sorted);
    json_decref(rows);
    free(a);
}

static void print_uptime(FILE *f, json_t *v)
{
    json_t *rows = flatten(v, NULL);
    size_t i;
    json_t *t;
    json_array_foreach(rows, i, t) {
        json_t *h = json_object_get(t, "this_hour");
        json_t *m = json_object_get(h, "minutes");
        fprintf(f, "%s%s %s   this hour: %.1f min (%s reached)   both sides now: %s\n", i ? "\n" : "",
                str(t, "task"), str(t, "symbol"), json_is_number(m) ? json_number_value(m) : 0.0,
                str(h, "tier"), json_is_true(json_object_get(t, "both_sides_now")) ? "yes" : "no");
        json_t *mtd = json_object_get(t, "month_to_date_mh"), *proj = json_object_get(t, "month_mh_projected");
        if (json_is_number(mtd))
            fprintf(f, "month to date: %.3f Maker Hours", json_number_value(mtd));
        if (json_is_number(proj))
            fprintf(f, ", on track for %.1f: fee tier %s", json_number_value(proj),
                    str(t, "fee_tier_on_track"));
        if (json_is_number(mtd)) fprintf(f, "\n");
        static const struct col cols[] = {COL("hour", "HOUR (UTC)"), COL("minutes", "MINUTES"),
                                          COL("tier", "TIER"), COL("maker_hours", "MAKER_HOURS")};
        print_table(f, json_object_get(t, "hours"), cols, 4);
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
    else if (!strcmp(m, "orders") && json_is_object(v)) print_orders(f, v);
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
        fprintf(f, " %s %s mark %s pos %s;", str(t, "id"), merged_state(t), str(t, "mark"),
                str(t, "position"));
    fprintf(f, "\n");
    fflush(f);
}

static void text_error(FILE *f, const char *method, int code, const char *msg, const char *sock)
{
    (void)f;
    if (code) fprintf(stderr, "mmctl: %s: error %d: %s\n", method, code, msg);
    else if (strstr(msg, sock)) fprintf(stderr, "mmctl: %s\n", msg);
    else fprintf(stderr, "mmctl: %s (socket %s)\n", msg, sock);
}

/* 15 significant digits: a float the daemon sent as 0.048562 prints so,
 * not as 0.048562000000000001. */
#define JSON_FLAGS_REAL JSON_REAL_PRECISION(15)

static void json_result(FILE *f, const char *m, json_t *v)
{
    (void)m;
    json_dumpf(v, f, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_FLAGS_REAL);
    fprintf(f, "\n");
}

/* -j: the error as JSON on stdout ({"error": {"code", "message"}}; code
 * null when mmd could not be reached), the text on stderr too. */
static void json_error(FILE *f, const char *method, int code, const char *msg, const char *sock)
{
    text_error(f, method, code, msg, sock);
    json_t *e = json_pack("{s:{s:o, s:s, s:s, s:s}}", "error", "code",
                          code ? json_integer(code) : json_null(), "message", msg, "method", method,
                          "socket", sock);
    json_dumpf(e, f, JSON_INDENT(2));
    fprintf(f, "\n");
    json_decref(e);
}

static void json_notification(FILE *f, json_t *msg)
{
    json_dumpf(msg, f, JSON_COMPACT | JSON_ENCODE_ANY | JSON_FLAGS_REAL);
    fprintf(f, "\n");
    fflush(f);
}

const struct ctl_printer ctl_print_text = {.result = text_result, .notification = text_notification,
                                           .error = text_error};
const struct ctl_printer ctl_print_json = {.result = json_result, .notification = json_notification,
                                           .error = json_error};
