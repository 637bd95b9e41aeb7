/* render — turns the model into a frame: h lines of exactly w ASCII
 * characters with an attribute each.  Header (daemon uptime, reaction
 * latency p50/p99 from status.latency.total_us, connection health), task table (scrolled to keep the selection visible), detail pane
 * of the selected task (risk, tiers, last 12 hours of uptime, open orders)
 * or the help text, and a footer with keys, a message or a y/n prompt. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "tui.h"

struct pen {
    struct tui_frame *f;
    int row, end;       /* next line to write, first line not ours */
};

static void vput(struct pen *p, enum tui_attr a, const char *fmt, va_list ap)
{
    if (p->row >= p->end) return;
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    struct tui_line *l = &p->f->lines[p->row++];
    tui_trunc(tmp, p->f->w, l->text, sizeof l->text);
    size_t n = strlen(l->text);
    memset(l->text + n, ' ', (size_t)p->f->w - n);
    l->text[p->f->w] = 0;
    l->attr = a;
}

static void put(struct pen *p, enum tui_attr a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(struct pen *p, enum tui_attr a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput(p, a, fmt, ap);
    va_end(ap);
}

/* "-- TITLE ------" across the whole width. */
static void rule(struct pen *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rule(struct pen *p, const char *fmt, ...)
{
    char t[256], line[TUI_MAX_W + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    int w = p->f->w;
    memset(line, '-', (size_t)w);
    line[w] = 0;
    int n = (int)strlen(t);
    if (w > 4) {
        if (n > w - 4) n = w - 4;
        line[2] = ' ';
        memcpy(line + 3, t, (size_t)n);
        if (3 + n < w) line[3 + n] = ' ';
    }
    put(p, TUI_A_TITLE, "%s", line);
}

static const char *js(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static void header(const struct tui_model *m, struct pen *p)
{
    if (!m->connected) {
        put(p, TUI_A_ALERT, "mmtop  disconnected - retrying in %ds  (%s)", m->retry_in_s, m->sock);
        return;
    }
    char up[32], acc[160] = "";
    json_t *st = m->status, *conn = json_object_get(st, "connections");
    json_t *u = json_object_get(st, "uptime_s");
    clock_fmt_duration(json_is_integer(u) ? json_integer_value(u) : 0, up, sizeof up);
    const char *id;
    json_t *a;
    const char *mkt = tui_conn_state(json_object_get(conn, "market"));
    int bad = !tui_state_good(mkt);
    json_object_foreach(json_object_get(conn, "accounts"), id, a) {
        size_t n = strlen(acc);
        snprintf(acc + n, sizeof acc - n, " %s:%s", id, tui_conn_state(a));
        bad |= !tui_state_good(tui_conn_state(a));
    }
    int stopping = json_is_true(json_object_get(st, "shutting_down"));
    char lat[64] = "";
    json_t *tot = json_object_get(json_object_get(st, "latency"), "total_us");
    json_t *p50 = json_object_get(tot, "p50"), *p99 = json_object_get(tot, "p99");
    if (json_is_integer(p50) && json_is_integer(p99))
        snprintf(lat, sizeof lat, "  lat p50 %lldus p99 %lldus", (long long)json_integer_value(p50),
                 (long long)json_integer_value(p99));
    put(p, bad || stopping ? TUI_A_ALERT : TUI_A_HEAD, "mmd %s  up %s%s  market:%s  accounts:%s%s",
        js(st, "version"), up, lat, mkt, acc[0] ? acc : " -", stopping ? "  SHUTTING DOWN" : "");
}

static void table(const struct tui_model *m, struct pen *p, int rows)
{
    struct tui_layout l;
    char buf[TUI_MAX_W + 1];
    tui_layout_columns(p->f->w, &l);
    put(p, TUI_A_TITLE, "%s", tui_fmt_heading(&l, p->f->w, buf, sizeof buf));
    int n = tui_model_ntasks(m), first = 0;
    if (m->sel >= rows) first = m->sel - rows + 1;
    json_t *tasks = json_object_get(m->status, "tasks");
    for (int i = first; i < n && i < first + rows; i++) {
        json_t *t = json_array_get(tasks, (size_t)i);
        const char *risk = js(json_object_get(t, "risk"), "state");
        enum tui_attr a = i == m->sel                             ? TUI_A_SEL
                          : !tui_state_good(risk) && strcmp(risk, "-") ? TUI_A_ALERT
                                                                       : TUI_A_NORMAL;
        put(p, m->connected ? a : TUI_A_DIM, "%s", tui_fmt_task_row(t, &l, p->f->w, buf, sizeof buf));
    }
    if (!n) put(p, TUI_A_DIM, m->connected ? "(no tasks)" : "(no data)");
}

static void side(json_t *q, char *buf, size_t len)
{
    if (!json_is_object(q)) {
        snprintf(buf, len, "-");
        return;
    }
    char d[16];
    json_t *dist = json_object_get(q, "dist_bps");
    tui_fmt_bps(json_is_number(dist) ? json_number_value(dist) : NAN, d, sizeof d);
    snprintf(buf, len, "%s x %s %sbps %s", js(q, "price"), js(q, "qty"), d, js(q, "status"));
}

static void tiers(json_t *t, struct pen *p)
{
    size_t i;
    json_t *tier;
    json_array_foreach(json_object_get(t, "tiers"), i, tier) {
        json_t *band = json_object_get(tier, "band_bps");
        char b[80], a[80];
        side(json_object_get(tier, "bid"), b, sizeof b);
        side(json_object_get(tier, "ask"), a, sizeof a);
        put(p, TUI_A_NORMAL, "T%lld %g-%gbps  bid %s | ask %s",
            (long long)json_integer_value(json_object_get(tier, "tier")),
            json_number_value(json_array_get(band, 0)), json_number_value(json_array_get(band, 1)),
            b, a);
    }
}

/* Two lines: the last 12 UTC hours and their minutes, '*' boosted, '+' standard. */
static void uptime12(const struct tui_model *m, struct pen *p)
{
    json_t *hours = json_object_get(m->uptime, "hours");
    size_t n = json_array_size(hours), from = n > 12 ? n - 12 : 0;
    if (!n) return;
    char h[128] = "", mins[128] = "";
    for (size_t i = from; i < n; i++) {
        json_t *e = json_array_get(hours, i);
        const char *ts = js(e, "hour");
        double v = json_number_value(json_object_get(e, "minutes"));
        const char *tier = js(e, "tier");
        size_t hl = strlen(h), ml = strlen(mins);
        snprintf(h + hl, sizeof h - hl, " %.2s ", strlen(ts) >= 13 ? ts + 11 : "??");
        snprintf(mins + ml, sizeof mins - ml, "%3.0f%c", v,
                 !strcmp(tier, "boosted") ? '*' : !strcmp(tier, "standard") ? '+' : ' ');
    }
    put(p, TUI_A_NORMAL, "uptime h%s", h);
    put(p, TUI_A_NORMAL, "   min %s  (*>=42 +>=30)", mins);
}

static int order_done(const char *status)
{
    static const char *const done[] = {"canceled", "cancelled", "filled", "rejected", "expired"};
    for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
        if (!strcmp(status, done[i])) return 1;
    return 0;
}

static void orders(const struct tui_model *m, struct pen *p)
{
    if (!json_is_array(m->orders)) return;
    size_t i, n = 0;
    json_t *o;
    json_array_foreach(m->orders, i, o) n += !order_done(js(o, "status"));
    put(p, TUI_A_TITLE, "orders: %zu open", n);
    json_array_foreach(m->orders, i, o) {
        if (order_done(js(o, "status"))) continue;
        const char *filled = json_string_value(json_object_get(o, "fill_qty"));
        if (!filled) filled = js(o, "filled");
        put(p, TUI_A_NORMAL, "  %-4s T%lld %12s x %-10s filled %-10s %-8s %s", js(o, "side"),
            (long long)json_integer_value(json_object_get(o, "tier")), js(o, "price"), js(o, "qty"),
            filled, js(o, "status"), js(o, "cl_ord_id"));
    }
}

static void reasons(json_t *risk, char *buf, size_t len)
{
    buf[0] = 0;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(risk, "reasons"), i, r) {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%s%s", i ? "; " : "", json_string_value(r));
    }
    if (!buf[0]) snprintf(buf, len, "none");
}

static void detail(const struct tui_model *m, struct pen *p)
{
    json_t *t = tui_model_selected(m);
    if (!t) return;
    json_t *risk = json_object_get(t, "risk");
    char why[256], pnl[40];
    reasons(risk, why, sizeof why);
    rule(p, "%s %s  %s", js(t, "id"), js(t, "symbol"), js(t, "state"));
    put(p, tui_state_good(js(risk, "state")) ? TUI_A_GOOD : TUI_A_ALERT, "risk %s  reasons: %s",
        js(risk, "state"), why);
    put(p, TUI_A_NORMAL, "mark %s  touch %s/%s  pos %s @ %s  upnl %s", js(t, "mark"),
        js(t, "best_bid"), js(t, "best_ask"), js(t, "position"), js(t, "entry_price"),
        tui_fmt_signed(json_string_value(json_object_get(t, "upnl")), pnl, sizeof pnl));
    put(p, TUI_A_NORMAL, "fills %lld  open %lld  rejects %lld  alo-rejects %lld  last: %s",
        (long long)json_integer_value(json_object_get(t, "fills_today")),
        (long long)json_integer_value(json_object_get(t, "orders_open")),
        (long long)json_integer_value(json_object_get(t, "rejects")),
        (long long)json_integer_value(json_object_get(t, "alo_rejects")), js(t, "last_reason"));
    tiers(t, p);
    uptime12(m, p);
    orders(m, p);
}

static void help(struct pen *p)
{
    static const char *const lines[] = {
        "  Up/Down, k/j  select a task",
        "  h             halt the selected task (cancels its orders; asks y/n)",
        "  r             resume the selected task",
        "  H             halt every task (asks y/n)",
        "  ?             this help (any key closes it)",
        "  q             quit mmtop (the daemon keeps running)",
        "uptime bar: '#' minutes quoted both sides this hour, ':' marks 30 (standard),",
        "full at 42 (boosted).",
    };
    rule(p, "keys");
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) put(p, TUI_A_NORMAL, "%s", lines[i]);
}

static void footer(const struct tui_model *m, struct pen *p, int64_t now_ms)
{
    json_t *t = tui_model_selected(m);
    if (m->mode == TUI_CONFIRM_HALT)
        put(p, TUI_A_ALERT, "Halt task %s and cancel its orders? (y/n)", js(t, "id"));
    else if (m->mode == TUI_CONFIRM_HALT_ALL)
        put(p, TUI_A_ALERT, "Halt ALL tasks and cancel their orders? (y/n)");
    else if (m->msg[0] && now_ms < m->msg_until_ms)
        put(p, TUI_A_HEAD, "%s", m->msg);
    else
        put(p, TUI_A_HEAD, "Up/Down select  h halt  r resume  H halt all  ? help  q quit");
}

void tui_render(const struct tui_model *m, int w, int h, int64_t now_ms, struct tui_frame *f)
{
    if (w > TUI_MAX_W) w = TUI_MAX_W;
    if (h > TUI_MAX_H) h = TUI_MAX_H;
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    f->w = w;
    f->h = h;
    struct pen p = {f, 0, h - 1};
    for (int i = 0; i < h; i++) {
        memset(f->lines[i].text, ' ', (size_t)w);
        f->lines[i].text[w] = 0;
        f->lines[i].attr = TUI_A_NORMAL;
    }
    if (h >= 2) header(m, &p);
    int n = tui_model_ntasks(m), avail = h - 3;
    int rows = n < 1 ? 1 : n;
    if (h >= 12 && rows > avail / 2) rows = avail / 2 > 1 ? avail / 2 : 1;
    if (rows > avail) rows = avail > 0 ? avail : 0;
    if (rows > 0) table(m, &p, rows);
    if (m->mode == TUI_HELP) help(&p);
    else if (m->connected) detail(m, &p);
    p.end = h;
    p.row = h - 1;
    footer(m, &p, now_ms);
}
