/* ledger — mmctl's "history" and "report" commands: their arguments
 *   history [fills|orders|hours|events] [TASK] [--since T] [--until T] [--limit N] [--csv]
 *   report [TASK] [--day|--month] [--at T]
 * (times as the daemon takes them: epoch seconds, YYYY-MM-DD, RFC 3339, or
 * a duration ago: 90s, 15m, 2h, 3d) and their printers: a table, CSV
 * (--csv: a header line, then one line per row, every column, quoted when
 * needed) or, with -j (before or after the command), the raw JSON. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"

static int ledger_csv, ledger_json;

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "mmctl: %s%s%s\nTry 'mmctl --help'.\n", msg, arg ? ": " : "", arg ? arg : "");
    return -1;
}

static bool is_kind(const char *w)
{
    return !strcmp(w, "fills") || !strcmp(w, "orders") || !strcmp(w, "hours") || !strcmp(w, "events");
}

static int parse(const char *cmd, int n, char **w, json_t **params);

/* A usage error frees what was built (mmctl exits 3 then). */
int ctl_ledger_params(const char *cmd, int n, char **w, json_t **params)
{
    int rc = parse(cmd, n, w, params);
    if (rc != 0) {
        json_decref(*params);
        *params = NULL;
    }
    return rc;
}

static int parse(const char *cmd, int n, char **w, json_t **params)
{
    bool history = !strcmp(cmd, "history");
    json_t *p = json_object();
    *params = p;
    int pos = 0;
    for (int i = 0; i < n; i++) {
        const char *a = w[i];
        const char *key = !strcmp(a, "--since") ? "since" : !strcmp(a, "--until") ? "until"
                        : !strcmp(a, "--limit") ? "limit" : !strcmp(a, "--at") ? "at" : NULL;
        if (key && ((history && !strcmp(key, "at")) || (!history && strcmp(key, "at")))) key = NULL;
        if (key) {
            if (i + 1 >= n) return bad("option needs a value", a);
            json_object_set_new(p, key, json_string(w[++i]));
        } else if (history && !strcmp(a, "--csv")) {
            ledger_csv = 1;
        } else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {   /* as mmctl -j, after the command too */
            ledger_json = 1;
        } else if (!history && (!strcmp(a, "--day") || !strcmp(a, "--month"))) {
            json_object_set_new(p, "period", json_string(a + 2));
        } else if (a[0] == '-' && a[1]) {
            return bad(history ? "unknown option (history takes --since, --until, --limit, --csv)"
                               : "unknown option (report takes --day, --month, --at)", a);
        } else if (history && pos == 0 && is_kind(a)) {
            json_object_set_new(p, "kind", json_string(a));
            pos = 1;
        } else if (pos < 2 && !json_object_get(p, "task")) {
            json_object_set_new(p, "task", json_string(a));
            pos = 2;
        } else {
            return bad("unexpected argument", a);
        }
    }
    return 0;
}

/* ---------- printing ---------- */

static void cell(json_t *v, char *buf, size_t len)
{
    if (!v || json_is_null(v)) snprintf(buf, len, "%s", ledger_csv ? "" : "-");
    else if (json_is_string(v)) snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v)) snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) snprintf(buf, len, "%.2f", json_real_value(v));
    else snprintf(buf, len, "?");
}

static void csv_field(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

/* The row's time as RFC 3339 (time_ms), else the value. */
static void time_cell(json_t *row, char *buf, size_t len)
{
    json_t *t = json_object_get(row, "time_ms");
    if (json_is_integer(t)) clock_fmt_rfc3339(json_integer_value(t) * 1000, buf, (int)len);
    else cell(t, buf, len);
}

static void print_history(FILE *f, json_t *v)
{
    json_t *rows = json_object_get(v, "rows");
    if (!json_array_size(rows)) {
        if (!ledger_csv) fprintf(f, "(no %s)\n", json_string_value(json_object_get(v, "kind")));
        return;
    }
    json_t *first = json_array_get(rows, 0);
    const char *keys[32];
    size_t nk = 0;
    const char *k;
    json_t *x;
    json_object_foreach(first, k, x) if (nk < 32) keys[nk++] = k;
    char buf[512];
    size_t i;
    json_t *row;
    if (ledger_csv) {
        for (size_t c = 0; c < nk; c++) csv_field(f, !strcmp(keys[c], "time_ms") ? "time" : keys[c], c + 1 == nk);
        json_array_foreach(rows, i, row) for (size_t c = 0; c < nk; c++) {
            if (!strcmp(keys[c], "time_ms")) time_cell(row, buf, sizeof buf);
            else cell(json_object_get(row, keys[c]), buf, sizeof buf);
            csv_field(f, buf, c + 1 == nk);
        }
        return;
    }
    /* a table of the columns a reader wants first; the rest with -j or --csv */
    static const char *const want[] = {"time_ms", "task", "kind", "side", "price", "qty", "fill_qty", "fee",
                                       "pnl", "status", "tier", "qual_s", "maker_hours", "markout_5s", "reason",
                                       "detail", "cl_ord_id"};
    const char *cols[20];
    size_t nc = 0, w[20];
    for (size_t c = 0; c < sizeof want / sizeof want[0]; c++)
        if (json_object_get(first, want[c])) cols[nc++] = want[c];
    for (size_t c = 0; c < nc; c++) w[c] = strlen(!strcmp(cols[c], "time_ms") ? "time" : cols[c]);
    json_array_foreach(rows, i, row) for (size_t c = 0; c < nc; c++) {
        if (!strcmp(cols[c], "time_ms")) time_cell(row, buf, sizeof buf);
        else cell(json_object_get(row, cols[c]), buf, sizeof buf);
        if (strlen(buf) > w[c]) w[c] = strlen(buf) > 60 ? 60 : strlen(buf);
    }
    for (size_t c = 0; c < nc; c++)
        fprintf(f, "%-*s%s", c + 1 < nc ? (int)w[c] : 0, !strcmp(cols[c], "time_ms") ? "TIME" : cols[c],
                c + 1 < nc ? "  " : "\n");
    json_array_foreach(rows, i, row) for (size_t c = 0; c < nc; c++) {
        if (!strcmp(cols[c], "time_ms")) time_cell(row, buf, sizeof buf);
        else cell(json_object_get(row, cols[c]), buf, sizeof buf);
        fprintf(f, "%-*.*s%s", c + 1 < nc ? (int)w[c] : 0, c + 1 < nc ? (int)w[c] : 200, buf, c + 1 < nc ? "  " : "\n");
    }
}

static void print_report(FILE *f, json_t *v)
{
    char a[40], b[40];
    clock_fmt_rfc3339(json_integer_value(json_object_get(v, "since_ms")) * 1000, a, sizeof a);
    clock_fmt_rfc3339(json_integer_value(json_object_get(v, "until_ms")) * 1000, b, sizeof b);
    fprintf(f, "report (%s): %s .. %s\n", json_string_value(json_object_get(v, "period")), a, b);
    const char *id;
    json_t *t;
    if (!json_object_size(json_object_get(v, "tasks"))) fprintf(f, "(nothing recorded)\n");
    json_object_foreach(json_object_get(v, "tasks"), id, t) {
        json_t *h = json_object_get(t, "uptime_hours_by_tier"), *mo = json_object_get(t, "avg_markout_bps");
        char m1[24], m5[24], m30[24];
        cell(json_object_get(mo, "1s"), m1, sizeof m1);
        cell(json_object_get(mo, "5s"), m5, sizeof m5);
        cell(json_object_get(mo, "30s"), m30, sizeof m30);
        fprintf(f, "%s\n  uptime        %lld s two-sided; hours: %lld boosted, %lld standard, %lld none\n"
                   "  maker hours   %.3f (est. maker points %.0f)\n"
                   "  fills         %lld (%lld without fee yet), volume %s, maker volume %s\n"
                   "  fees          %s   realized PnL %s\n"
                   "  markouts bps  1s %s  5s %s  30s %s\n",
                id, (long long)json_integer_value(json_object_get(t, "uptime_seconds")),
                (long long)json_integer_value(json_object_get(h, "boosted")),
                (long long)json_integer_value(json_object_get(h, "standard")),
                (long long)json_integer_value(json_object_get(h, "none")),
                json_number_value(json_object_get(t, "maker_hours")),
                json_number_value(json_object_get(t, "est_maker_points")),
                (long long)json_integer_value(json_object_get(t, "fills")),
                (long long)json_integer_value(json_object_get(t, "fills_without_fee")),
                json_string_value(json_object_get(t, "volume")), json_string_value(json_object_get(t, "maker_volume")),
                json_string_value(json_object_get(t, "fees")), json_string_value(json_object_get(t, "realized_pnl")),
                m1, m5, m30);
    }
}

static void ledger_result(FILE *f, const char *m, json_t *v)
{
    if (ledger_json) ctl_print_json.result(f, m, v);
    else if (!strcmp(m, "history") && json_is_object(v)) print_history(f, v);
    else if (!strcmp(m, "report") && json_is_object(v)) print_report(f, v);
    else ctl_print_text.result(f, m, v);
}

static void ledger_notification(FILE *f, json_t *msg) { ctl_print_text.notification(f, msg); }

static void ledger_error(FILE *f, const char *m, int code, const char *msg, const char *sock)
{
    (ledger_json ? &ctl_print_json : &ctl_print_text)->error(f, m, code, msg, sock);
}

const struct ctl_printer ctl_print_ledger = {.result = ledger_result, .notification = ledger_notification,
                                             .error = ledger_error};
