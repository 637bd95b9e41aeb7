/* render — turns the model into a frame: h lines of exactly w ASCII
 * characters with an attribute each.  Header (version, UTC clock, daemon
 * uptime, connection health, 429s per minute, request budget, latency
 * p50/p99), a summary line (counts per state, "11-20 of 30", sort, filter),
 * the task table (state merged with risk and coloured, the first reason of
 * every task not quoting safely on its own line, paged to keep the
 * selection visible), the detail pane of the selected task (summary, quote
 * ladder, price-vs-quotes chart, 24-hour uptime chart, fills, events) below
 * the table when there is room or full-screen (Enter), or the help text, and
 * a footer with keys, a message or a prompt. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "tui.h"

struct pen {
    struct tui_frame *f;
    int row, end;       /* next line to write, first line not ours */
    int x, w;           /* the column band written (detail pane halves) */
};

static void vput(struct pen *p, enum tui_attr a, const char *fmt, va_list ap)
{
    if (p->row >= p->end) return;
    char tmp[1024], cut[TUI_MAX_W + 1];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    struct tui_line *l = &p->f->lines[p->row++];
    tui_trunc_words(tmp, p->w, cut, sizeof cut);   /* never inside a number */
    size_t n = strlen(cut);
    memcpy(l->text + p->x, cut, n);
    if (p->x == 0) l->attr = a;
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

/* "-- TITLE ------" across the band. */
static void rule(struct pen *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rule(struct pen *p, const char *fmt, ...)
{
    char t[256], line[TUI_MAX_W + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    int w = p->w;
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

static double jnum_(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* ---------- header ---------- */

struct seg { char text[160]; int prio; };   /* a header item; prio 1 is kept first */

static void budget(json_t *st, char *buf, size_t len)
{
    double cr = 0, cap = 0;
    const char *id;
    json_t *a;
    json_object_foreach(json_object_get(json_object_get(st, "connections"), "accounts"), id, a) {
        json_t *b = json_object_get(a, "rate_bucket");
        if (json_is_number(json_object_get(b, "capacity"))) {
            cr += jnum_(b, "credits");
            cap += jnum_(b, "capacity");
        }
    }
    json_t *ip = json_object_get(st, "ip_budget");   /* {requests, capacity, per_s, ...} */
    char ipb[64] = "";
    if (json_is_number(json_object_get(ip, "capacity")) && json_is_number(json_object_get(ip, "requests")))
        snprintf(ipb, sizeof ipb, "  ip %.0f/%.0f", jnum_(ip, "requests"), jnum_(ip, "capacity"));
    if (cap > 0) snprintf(buf, len, "budget %.0f/%.0f%s", cr, cap, ipb);
    else snprintf(buf, len, "budget -%s", ipb);
}

/* "main:up alt:up" (or "accounts 1/2 ready" when long); *bad when one is not ready. */
static void accounts_seg(json_t *conn, char *acc, size_t len, int *bad)
{
    int na = 0, ok = 0;
    const char *id;
    json_t *a;
    acc[0] = 0;
    json_object_foreach(json_object_get(conn, "accounts"), id, a) {
        size_t l = strlen(acc);
        snprintf(acc + l, len - l, "%s%s:%s", na ? " " : "", id, tui_conn_state(a));
        na++;
        ok += tui_state_good(tui_conn_state(a));
    }
    *bad |= ok < na;
    if (strlen(acc) > 48) snprintf(acc, len, "accounts %d/%d ready", ok, na);
    if (!na) snprintf(acc, len, "accounts -");
}

static void latency_seg(json_t *st, char *buf, size_t len)
{
    json_t *tot = json_object_get(json_object_get(st, "latency"), "total_us");
    json_t *p50 = json_object_get(tot, "p50"), *p99 = json_object_get(tot, "p99");
    if (json_is_integer(p50) && json_is_integer(p99))
        snprintf(buf, len, "lat p50 %lldus p99 %lldus", (long long)json_integer_value(p50),
                 (long long)json_integer_value(p99));
    else snprintf(buf, len, "lat -");
}

/* Keeps segments by priority while they fit in w, printed in their order. */
static void fit_segs(const struct seg *sg, int n, int w, char *line, size_t len)
{
    int keep[12] = {0}, used = 0;
    for (int pr = 1; pr <= 4; pr++)
        for (int i = 0; i < n; i++)
            if (sg[i].prio == pr && used + (used ? 2 : 0) + (int)strlen(sg[i].text) <= w) {
                keep[i] = 1;
                used += (used ? 2 : 0) + (int)strlen(sg[i].text);
            }
    line[0] = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(line);
        if (keep[i]) snprintf(line + l, len - l, "%s%s", l ? "  " : "", sg[i].text);
    }
}

#define SEG(pr, ...) (snprintf(sg[n].text, sizeof sg[n].text, __VA_ARGS__), sg[n++].prio = (pr))

static void header(const struct tui_model *m, struct pen *p, int64_t wall_ms)
{
    char clk[16], up[32], line[2048];
    time_t s = (time_t)(wall_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(clk, sizeof clk, "%H:%M:%SZ", &tm);
    if (!m->connected) {
        put(p, TUI_A_ALERT, "mmtop %s  disconnected - retrying in %ds  (%s)", clk, m->retry_in_s, m->sock);
        return;
    }
    json_t *st = m->status, *conn = json_object_get(st, "connections"), *u = json_object_get(st, "uptime_s");
    struct seg sg[12];
    int n = 0, bad = 0, stopping = json_is_true(json_object_get(st, "shutting_down"));
    clock_fmt_duration(json_is_integer(u) ? json_integer_value(u) : 0, up, sizeof up);
    const char *mkt = tui_conn_state(json_object_get(conn, "market"));
    bad |= !tui_state_good(mkt);
    SEG(1, "mmd %s", js(st, "version"));
    SEG(1, "%s", clk);
    SEG(4, "up %s", up);
    SEG(1, "market:%s", mkt);
    accounts_seg(conn, sg[n].text, sizeof sg[n].text, &bad);
    sg[n++].prio = 1;
    long rl = tui_model_429_per_min(m);
    if (rl >= 0) SEG(2, "429/min %ld", rl);
    else SEG(2, "429/min -");
    budget(st, sg[n].text, sizeof sg[n].text);
    sg[n++].prio = 3;
    latency_seg(st, sg[n].text, sizeof sg[n].text);
    sg[n++].prio = 2;
    if (stopping) SEG(1, "SHUTTING DOWN");
    fit_segs(sg, n, p->w, line, sizeof line);
    put(p, bad || stopping ? TUI_A_ALERT : TUI_A_HEAD, "%s", line);
}

/* "30 tasks: 25 quoting 2 caution 1 HALT ...  11-20 of 30  sort state  filter sol" */
static void summary(const struct tui_model *m, struct pen *p, int first, int shown)
{
    static const char *const words[] = {"quoting", "caution", "HALT", "paused", "failed", "starting",
                                        "stopping", "stopped"};
    int cnt[8] = {0};
    json_t *tasks = json_object_get(m->status, "tasks"), *t;
    size_t i, total = json_array_size(tasks);
    json_array_foreach(tasks, i, t)
        for (int k = 0; k < 8; k++)
            if (!strcmp(tui_task_state(t), words[k])) cnt[k]++;
    char line[TUI_MAX_W + 1];
    int l = snprintf(line, sizeof line, "%zu task%s:", total, total == 1 ? "" : "s");
    for (int k = 0; k < 8; k++)
        if (cnt[k] || k < 3) l += snprintf(line + l, sizeof line - (size_t)l, " %d %s", cnt[k], words[k]);
    if (m->nview)
        l += snprintf(line + l, sizeof line - (size_t)l, "   %d-%d of %d", first + 1, first + shown, m->nview);
    l += snprintf(line + l, sizeof line - (size_t)l, "   sort %s", tui_sort_name(m->sort));
    if (m->filter[0] || m->mode == TUI_FILTER)
        snprintf(line + l, sizeof line - (size_t)l, "   filter /%s%s", m->filter,
                 m->mode == TUI_FILTER ? "_" : "");
    put(p, TUI_A_NORMAL, "%s", line);
}

/* ---------- task table ---------- */

static enum tui_attr sev_attr(int sev) { return sev == 0 ? TUI_A_GOOD : sev == 1 ? TUI_A_WARN : TUI_A_ALERT; }

static int task_lines(json_t *t) { return 1 + (tui_task_reason(t) != NULL); }

/* The first view row to show so that the selection is visible in rows lines. */
static int first_row(const struct tui_model *m, int rows)
{
    int first = m->top;
    if (first > m->sel) first = m->sel;
    if (first < 0) first = 0;
    for (int guard = 0; guard < TUI_MAX_TASKS && first < m->sel; guard++) {
        int used = 0;
        for (int i = first; i <= m->sel; i++) used += task_lines(tui_model_task(m, i));
        if (used <= rows) break;
        first++;
    }
    return first;
}

static int table_lines(const struct tui_model *m)
{
    int n = 0;
    for (int i = 0; i < m->nview; i++) n += task_lines(tui_model_task(m, i));
    return n;
}

static void table(const struct tui_model *m, struct pen *p, int rows, int first, int *shown)
{
    struct tui_layout l;
    int need[TUI_C_COUNT];
    char buf[TUI_MAX_W + 1];
    tui_layout_needs(json_object_get(m->status, "tasks"), need);
    tui_layout_columns(p->f->w, need, &l);
    put(p, TUI_A_TITLE, "%s", tui_fmt_heading(&l, p->f->w, buf, sizeof buf));
    int end = p->row + rows;
    *shown = 0;
    for (int i = first; i < m->nview && p->row < end; i++) {
        json_t *t = tui_model_task(m, i);
        const char *why = tui_task_reason(t);
        if (why && p->row + 2 > end && i > first) break;
        enum tui_attr a = m->connected ? sev_attr(tui_task_severity(t)) : TUI_A_DIM;
        if (i == m->sel) p->f->lines[p->row].rev = 1;
        put(p, a, "%s", tui_fmt_task_row(t, &l, p->f->w, buf, sizeof buf));
        if (why && p->row < end) put(p, a, "    > %s: %s", js(t, "id"), why);
        (*shown)++;
    }
    if (!m->nview) put(p, TUI_A_DIM, "%s", !m->connected ? "(no data)" : m->filter[0] ? "(no task matches the filter)" : "(no tasks)");
}

/* ---------- detail pane ---------- */

/* Writes segments separated by two spaces, wrapping between segments (a
 * number is never cut): at most maxl lines, the rest dropped. */
static void put_segs(struct pen *p, enum tui_attr a, char segs[][160], int n, int maxl)
{
    char line[TUI_MAX_W + 1] = "";
    int lines = 0;
    for (int i = 0; i < n && lines < maxl; i++) {
        int l = (int)strlen(line), sl = (int)strlen(segs[i]);
        if (l && l + 2 + sl > p->w) {
            put(p, a, "%s", line);
            line[0] = 0;
            l = 0;
            if (++lines >= maxl) return;
        }
        if (sl > p->w) continue;
        snprintf(line + l, sizeof line - (size_t)l, "%s%s", l ? "  " : "", segs[i]);
    }
    if (line[0] && lines < maxl) put(p, a, "%s", line);
}

static void detail_summary(const struct tui_model *m, json_t *t, struct pen *p)
{
    json_t *risk = json_object_get(t, "risk"), *up = json_object_get(t, "uptime");
    const char *mark = js(t, "mark"), *why = tui_task_reason(t);
    char entry[40], upnl[32], pnl[32], usd[32], lim[32], sg[12][160];
    int n = 0;
    tui_fmt_like(js(t, "entry_price"), mark, entry, sizeof entry);
    tui_fmt_usd(json_string_value(json_object_get(t, "upnl")), 1, upnl, sizeof upnl);
    tui_fmt_usd(json_string_value(json_object_get(t, "pnl_today")), 1, pnl, sizeof pnl);
    tui_fmt_usd(json_string_value(json_object_get(t, "position_usd")), 0, usd, sizeof usd);
    tui_fmt_usd(json_string_value(json_object_get(t, "max_position_usd")), 0, lim, sizeof lim);
    double share = jnum_(t, "position_share");
    put(p, sev_attr(tui_task_severity(t)), "%s  risk %s%s%s", tui_task_state(t), js(risk, "state"),
        why ? ": " : "", why ? why : "");
    snprintf(sg[n++], 160, "mark %s", mark);
    snprintf(sg[n++], 160, "touch %s/%s", js(t, "best_bid"), js(t, "best_ask"));
    snprintf(sg[n++], 160, "pos %s @ %s", js(t, "position"), entry);
    snprintf(sg[n++], 160, "= %s USD of %s (%.0f%%)", usd, lim, isnan(share) ? 0.0 : share * 100);
    snprintf(sg[n++], 160, "PnL today %s USD", pnl);
    snprintf(sg[n++], 160, "venue uPnL %s", upnl);
    snprintf(sg[n++], 160, "fills today %lld, open %lld, rejects %lld",
             (long long)json_integer_value(json_object_get(t, "fills_today")),
             (long long)json_integer_value(json_object_get(t, "orders_open")),
             (long long)json_integer_value(json_object_get(t, "rejects")));
    snprintf(sg[n++], 160, "this hour %.1f min (%s reached, on track for %s)",
             isnan(jnum_(up, "hour_minutes")) ? 0.0 : jnum_(up, "hour_minutes"),
             js(up, "hour_tier_reached"), js(up, "hour_tier"));
    json_t *src = json_object_get(up, "month_to_date_mh") ? up : m->uptime;
    double mtd = jnum_(src, "month_to_date_mh"), proj = jnum_(src, "month_mh_projected");
    if (!isnan(mtd)) snprintf(sg[n++], 160, "month-to-date %.2f Maker Hours", mtd);
    if (!isnan(proj))
        snprintf(sg[n++], 160, "on track for %.0f: fee tier %s", proj, js(src, "fee_tier_on_track"));
    put_segs(p, TUI_A_NORMAL, sg, n, 4);
}

static int order_cmp(const void *a, const void *b)
{
    double x = strtod(js(*(json_t *const *)a, "price"), NULL), y = strtod(js(*(json_t *const *)b, "price"), NULL);
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The quote ladder, highest price first: from the orders reply (with age) or the status tiers. */
static void ladder(const struct tui_model *m, json_t *t, struct pen *p)
{
    json_t *rows[64];
    int n = 0;
    json_t *tmp = json_array();
    if (json_is_array(m->orders)) {
        size_t i;
        json_t *o;
        json_array_foreach(m->orders, i, o) if (n < 64) rows[n++] = o;
    } else {
        size_t i;
        json_t *tier;
        json_array_foreach(json_object_get(t, "tiers"), i, tier) {
            for (int s = 0; s < 2 && n < 64; s++) {
                json_t *q = json_object_get(tier, s ? "ask" : "bid");
                if (!json_is_object(q)) continue;
                json_t *r = json_pack("{s:s, s:O, s:O, s:O, s:O}", "side", s ? "sell" : "buy", "tier",
                                      json_object_get(tier, "tier"), "price", json_object_get(q, "price"),
                                      "qty", json_object_get(q, "qty"), "dist_bps", json_object_get(q, "dist_bps"));
                json_array_append_new(tmp, r);
                rows[n++] = r;
            }
        }
    }
    qsort(rows, (size_t)n, sizeof rows[0], order_cmp);
    rule(p, "ladder (%d open)", n);
    put(p, TUI_A_TITLE, "%-4s %4s %12s %7s %10s %7s", "SIDE", "TIER", "PRICE", "BPS", "QTY", "AGE");
    for (int i = 0; i < n; i++) {
        char bps[16] = "-", age[16] = "-";
        json_t *d = json_object_get(rows[i], "dist_bps"), *ag = json_object_get(rows[i], "age_s");
        if (json_is_number(d)) tui_fmt_bps(json_number_value(d), bps, sizeof bps);
        if (json_is_number(ag)) {
            double s = json_number_value(ag);
            if (s < 100) snprintf(age, sizeof age, "%.1fs", s);
            else clock_fmt_duration((int64_t)s, age, sizeof age);
        }
        json_t *tr = json_object_get(rows[i], "tier");
        char tier[8] = "-";
        if (json_is_integer(tr)) snprintf(tier, sizeof tier, "T%lld", (long long)json_integer_value(tr));
        put(p, TUI_A_NORMAL, "%-4s %4s %12s %7s %10s %7s", js(rows[i], "side"), tier, js(rows[i], "price"),
            bps, js(rows[i], "qty"), age);
    }
    json_decref(tmp);
}

static char chart[TUI_MAX_H][TUI_MAX_W + 1];

static void price_chart(const struct tui_model *m, json_t *t, struct pen *p, int h)
{
    rule(p, "price vs quotes, last %ds (* mark, b bid, a ask)", m->hist_n);
    int n = tui_price_chart(m->hist, m->hist_n, js(t, "mark"), p->w, h, chart);
    if (!n) put(p, TUI_A_DIM, "(collecting prices)");
    for (int i = 0; i < n; i++) put(p, TUI_A_NORMAL, "%s", chart[i]);
}

static void uptime_chart(const struct tui_model *m, json_t *t, struct pen *p, int h)
{
    double mins[24] = {0};
    int hour0 = 0;
    json_t *hours = json_object_get(m->uptime, "hours");
    json_t *last = json_object_get(json_object_get(t, "uptime"), "last_24h_minutes");
    int64_t now_h = clock_wall_ms() / 3600000;
    hour0 = (int)((now_h - 23) % 24);
    if (json_array_size(hours) == 24) {
        for (int i = 0; i < 24; i++) mins[i] = jnum_(json_array_get(hours, (size_t)i), "minutes");
        const char *h0 = js(json_array_get(hours, 0), "hour");
        if (strlen(h0) >= 13) hour0 = atoi(h0 + 11);
    } else if (json_array_size(last) == 24) {
        for (int i = 0; i < 24; i++) mins[i] = json_number_value(json_array_get(last, (size_t)i));
    }
    rule(p, "uptime per UTC hour, last 24 h (# boosted >=42, + standard >=30, | below)");
    int n = tui_uptime_chart(mins, hour0, p->w, h, chart);
    for (int i = 0; i < n; i++) put(p, TUI_A_NORMAL, "%s", chart[i]);
}

static void hhmmss(const char *ts, char *buf, size_t len)
{
    snprintf(buf, len, "%.8s", strlen(ts) >= 19 ? ts + 11 : ts);
}

static void fills(json_t *t, struct pen *p, int max)
{
    json_t *f = json_object_get(json_object_get(t, "recent"), "fills"), *e;
    rule(p, "recent fills (markout vs mark now)");
    if (!json_array_size(f)) put(p, TUI_A_DIM, "(none since mmd started)");
    size_t i;
    json_array_foreach(f, i, e) {
        if ((int)i >= max) break;
        char tm[16], mk[16];
        hhmmss(js(e, "time"), tm, sizeof tm);
        snprintf(mk, sizeof mk, "%+.1f", jnum_(e, "markout_bps"));
        put(p, TUI_A_NORMAL, "%s %-4s %s @ %s  markout %s bps", tm, js(e, "side"), js(e, "qty"),
            js(e, "price"), mk);
    }
}

static void events(json_t *t, struct pen *p, int max)
{
    json_t *ev = json_object_get(json_object_get(t, "recent"), "events"), *e;
    rule(p, "recent events");
    if (!json_array_size(ev)) put(p, TUI_A_DIM, "(none since mmd started)");
    size_t i;
    json_array_foreach(ev, i, e) {
        if ((int)i >= max) break;
        char tm[16];
        hhmmss(js(e, "time"), tm, sizeof tm);
        put(p, TUI_A_NORMAL, "%s %s", tm, js(e, "text"));
    }
}

/* The detail pane in lines [p->row, p->end): one column, or two at >= 150. */
static void detail(const struct tui_model *m, struct pen *p)
{
    json_t *t = tui_model_selected(m);
    if (!t) return;
    rule(p, "%s %s", js(t, "id"), js(t, "symbol"));
    detail_summary(m, t, p);
    int left = p->end - p->row;
    if (p->f->w >= 150) {
        int half = (p->f->w - 2) / 2, top = p->row;
        struct pen r = {p->f, top, p->end, half + 2, p->f->w - half - 2};
        p->w = half;
        ladder(m, t, p);
        fills(t, p, 4);
        events(t, p, 6);
        int ch = (left - 4) / 2;
        if (ch > 12) ch = 12;
        uptime_chart(m, t, &r, ch > 4 ? ch : 4);
        price_chart(m, t, &r, ch > 3 ? ch - 1 : 3);
        p->w = p->f->w;
        return;
    }
    ladder(m, t, p);
    left = p->end - p->row;
    if (left >= 8) uptime_chart(m, t, p, left >= 16 ? 8 : 6);
    left = p->end - p->row;
    if (left >= 7) price_chart(m, t, p, left >= 14 ? 8 : 5);
    fills(t, p, 4);
    events(t, p, 6);
}

static void help(struct pen *p)
{
    static const char *const lines[] = {
        "  Up/Down, k/j      select a task",
        "  PgUp/PgDn, Space  page through the tasks;  Home/End (g/G) first/last",
        "  Enter, Tab, d     detail pane of the selected task (full screen); Esc back",
        "  s / S             sort by: config order, state (worst first), PnL, position, uptime, id",
        "  /                 filter by task id, symbol or state (Enter keeps it, Esc clears)",
        "  h                 halt the selected task (cancels its orders; asks y/n)",
        "  r                 resume the selected task",
        "  H                 halt every task (asks y/n)",
        "  ?                 this help (any key closes it)",
        "  q                 quit mmtop (the daemon keeps running)",
        "STATE: quoting (green), caution / paused / starting (yellow), HALT / failed (red).",
        "BID/ASK bps: tier-1 quotes' distance from the mark.  POS/LIMIT: position in USD as a",
        "share of max_position_usd (+ long, - short).  PNL TODAY: USD since UTC midnight.",
        "HOUR UP: minutes quoted both sides this UTC hour; ':' marks 30 (standard), full at 42.",
    };
    rule(p, "keys");
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) put(p, TUI_A_NORMAL, "%s", lines[i]);
}

static void footer(const struct tui_model *m, struct pen *p)
{
    json_t *t = tui_model_selected(m);
    if (m->mode == TUI_CONFIRM_HALT)
        put(p, TUI_A_ALERT, "Halt task %s and cancel its orders? (y/n)", js(t, "id"));
    else if (m->mode == TUI_CONFIRM_HALT_ALL)
        put(p, TUI_A_ALERT, "Halt ALL tasks and cancel their orders? (y/n)");
    else if (m->mode == TUI_FILTER)
        put(p, TUI_A_HEAD, "filter: %s_   (Enter keep, Esc clear)", m->filter);
    else if (m->msg[0] && m->now_ms < m->msg_until_ms)
        put(p, TUI_A_HEAD, "%s", m->msg);
    else {
        static const char *const keys[] = {
            "Up/Down select  PgUp/PgDn page  Enter detail  s sort  / filter  h halt  r resume  H halt all  ? help  q quit",
            "Enter detail  s sort  / filter  h halt  r resume  H all  ? help  q quit",
            "h halt  r resume  ? help  q quit"};
        size_t k = 0;
        while (k + 1 < sizeof keys / sizeof keys[0] && (int)strlen(keys[k]) > p->w - 1) k++;
        put(p, TUI_A_HEAD, "%s", keys[k]);
    }
}

void tui_render(const struct tui_model *m, int w, int h, int64_t wall_ms, struct tui_frame *f)
{
    if (w > TUI_MAX_W) w = TUI_MAX_W;
    if (h > TUI_MAX_H) h = TUI_MAX_H;
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    f->w = w;
    f->h = h;
    f->first = f->shown = 0;
    for (int i = 0; i < h; i++) {
        memset(f->lines[i].text, ' ', (size_t)w);
        f->lines[i].text[w] = 0;
        f->lines[i].attr = TUI_A_NORMAL;
        f->lines[i].rev = 0;
    }
    struct pen p = {f, 0, h - 1, 0, w};
    if (h >= 2) header(m, &p, wall_ms);
    if (m->mode == TUI_HELP) {
        help(&p);
    } else if (m->detail && m->connected && tui_model_selected(m)) {
        detail(m, &p);
    } else {
        int avail = h - p.row - 3;   /* summary, heading, footer */
        int need = table_lines(m);
        int rows = need < 1 ? 1 : need;
        if (rows > avail) rows = avail;
        if (rows < 0) rows = 0;
        int first = first_row(m, rows), shown = 0;
        if (avail >= 0) {
            int srow = p.row++;
            if (rows > 0 || m->nview == 0) table(m, &p, rows, first, &shown);
            struct pen s = {f, srow, srow + 1, 0, w};
            summary(m, &s, first, shown);
        }
        f->first = first;
        f->shown = shown;
        if (m->connected && h - 1 - p.row >= 12) detail(m, &p);
    }
    p.end = h;
    p.row = h - 1;
    p.x = 0;
    p.w = w;
    footer(m, &p);
}
