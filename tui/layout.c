/* layout — mmtop's column layout, number rules, bars and charts, free of
 * curses so the unit tests can check them (as tmux keeps layout apart from
 * its terminal code): which task columns fit in a width (numbers are never
 * cut: a column too narrow for them is dropped), how states, money, prices
 * and distances are written, the uptime and position-share bars, and the
 * 24-hour uptime and price-vs-quotes charts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

struct coldef {
    const char *title;
    int min, max;       /* width range */
    int prio;           /* 1 = kept at 80 columns */
    int numeric;        /* need[] applies; right-aligned */
};

#define UPTIME_WANT 22   /* "42.0m " and a 16-cell bar */

/* In display order (enum tui_colid). */
static const struct coldef defs[TUI_C_COUNT] = {
    [TUI_C_ID] = {"TASK", 6, 16, 1, 0},
    [TUI_C_SYMBOL] = {"SYMBOL", 7, 10, 2, 0},
    [TUI_C_STATE] = {"STATE", 8, 8, 1, 0},
    [TUI_C_DIST] = {"BID/ASK bps", 11, 13, 1, 1},
    [TUI_C_POS] = {"POS/LIMIT", 10, 16, 1, 0},
    [TUI_C_PNL] = {"PNL TODAY", 9, 12, 1, 1},
    [TUI_C_MARK] = {"MARK", 9, 12, 3, 1},
    [TUI_C_POSUSD] = {"POS USD", 9, 12, 3, 1},
    [TUI_C_UPTIME] = {"HOUR UP", 16, 28, 1, 0},   /* with the 30 and 42 marks (uptime_title) */
    [TUI_C_FILLS] = {"FILLS", 5, 6, 4, 1},
};

const char *tui_col_title(enum tui_colid id) { return id < TUI_C_COUNT ? defs[id].title : "?"; }

static int min_width(int i, const int *need)
{
    int w = defs[i].min;
    if (need && defs[i].numeric && need[i] > w) w = need[i];
    if (need && i == TUI_C_ID && need[i] > w)   /* ids whole before optional columns, up to its max */
        w = need[i] < defs[i].max ? need[i] : defs[i].max;
    return w;
}

void tui_layout_columns(int width, const int *need, struct tui_layout *l)
{
    int on[TUI_C_COUNT] = {0}, w[TUI_C_COUNT] = {0}, used = -1;
    for (int prio = 1; prio <= 4; prio++) {
        for (int i = 0; i < TUI_C_COUNT; i++) {
            int mw = min_width(i, need);
            if (defs[i].prio == prio && used + 1 + mw <= width) {
                on[i] = 1;
                w[i] = mw;
                used += 1 + mw;
            }
        }
        /* the uptime bar gets its useful width (a cell of 2.6 minutes or
         * less) before the optional columns come in */
        if (prio == 2 && on[TUI_C_UPTIME])
            while (w[TUI_C_UPTIME] < UPTIME_WANT && used < width) {
                w[TUI_C_UPTIME]++;
                used++;
            }
    }
    /* share what is left, one column at a time, up to each max */
    for (int grew = 1; grew && used < width;) {
        grew = 0;
        for (int i = 0; i < TUI_C_COUNT && used < width; i++)
            if (on[i] && w[i] < defs[i].max) {
                w[i]++;
                used++;
                grew = 1;
            }
    }
    l->ncols = 0;
    int x = 0;
    for (int i = 0; i < TUI_C_COUNT; i++) {
        if (!on[i]) continue;
        l->cols[l->ncols++] = (struct tui_col){.id = (enum tui_colid)i, .x = x, .w = w[i]};
        x += w[i] + 1;
    }
}

void tui_layout_needs(json_t *tasks, int need[TUI_C_COUNT])
{
    memset(need, 0, sizeof(int) * TUI_C_COUNT);
    size_t i;
    json_t *t;
    char buf[128];
    json_array_foreach(tasks, i, t) {
        for (int c = 0; c < TUI_C_COUNT; c++) {
            if (!defs[c].numeric && c != TUI_C_ID) continue;
            int n = (int)strlen(tui_cell(t, (enum tui_colid)c, 64, buf, sizeof buf));
            if (n > need[c]) need[c] = n;
        }
    }
}

char *tui_trunc(const char *s, int w, char *buf, size_t len)
{
    if (w < 0) w = 0;
    if ((size_t)w >= len) w = (int)len - 1;
    size_t n = strlen(s);
    if (n <= (size_t)w) {
        memcpy(buf, s, n + 1);
        return buf;
    }
    memcpy(buf, s, (size_t)w);
    if (w > 0) buf[w - 1] = '~';
    buf[w] = 0;
    return buf;
}

char *tui_trunc_words(const char *s, int w, char *buf, size_t len)
{
    if (w < 0) w = 0;
    if ((size_t)w >= len) w = (int)len - 1;
    size_t n = strlen(s);
    if (n <= (size_t)w) {
        memcpy(buf, s, n + 1);
        return buf;
    }
    int cut = w - 2;   /* room for ".." */
    while (cut > 0 && s[cut] != ' ') cut--;
    while (cut > 0 && s[cut - 1] == ' ') cut--;
    if (cut <= 0) return tui_trunc(s, w, buf, len);   /* one long word */
    memcpy(buf, s, (size_t)cut);
    memcpy(buf + cut, "..", 3);
    return buf;
}

char *tui_fmt_bps(double bps, char *buf, size_t len)
{
    if (isnan(bps)) snprintf(buf, len, "-");
    else if (fabs(bps) >= 999.5) snprintf(buf, len, "%s999", bps < 0 ? "<-" : ">");
    else snprintf(buf, len, "%.1f", bps);
    return buf;
}

char *tui_fmt_signed(const char *dec, char *buf, size_t len)
{
    if (!dec || !*dec) {
        snprintf(buf, len, "-");
        return buf;
    }
    int zero = strspn(dec, "0.") == strlen(dec);
    snprintf(buf, len, "%s%s", (dec[0] == '-' || dec[0] == '+' || zero) ? "" : "+", dec);
    return buf;
}

char *tui_fmt_usd(const char *dec, int sign, char *buf, size_t len)
{
    char *end = NULL;
    double v = dec ? strtod(dec, &end) : NAN;
    if (!dec || end == dec || isnan(v)) {
        snprintf(buf, len, "-");
        return buf;
    }
    v = round(v * 100) / 100;
    if (v == 0) v = 0;   /* no "-0.00" */
    snprintf(buf, len, sign && v > 0 ? "+%.2f" : "%.2f", v);
    return buf;
}

char *tui_fmt_like(const char *dec, const char *like, char *buf, size_t len)
{
    const char *dot = like ? strchr(like, '.') : NULL;
    int d = dot ? (int)strlen(dot + 1) : 0;
    char *end = NULL;
    double v = dec ? strtod(dec, &end) : NAN;
    if (!dec || end == dec) snprintf(buf, len, "-");
    else snprintf(buf, len, "%.*f", d, v);
    return buf;
}

char *tui_bar(double minutes, int w, char *buf, size_t len)
{
    if (w < 0) w = 0;
    if ((size_t)w >= len) w = (int)len - 1;
    if (!(minutes > 0)) minutes = 0;
    if (minutes > 42) minutes = 42;
    int filled = (int)lround(minutes / 42.0 * w);
    int mark = (int)lround(30.0 / 42.0 * w) - 1;
    for (int i = 0; i < w; i++) buf[i] = i < filled ? '#' : i == mark ? ':' : '.';
    buf[w] = 0;
    return buf;
}

char *tui_share_bar(double share, int w, char *buf, size_t len)
{
    if (w < 0) w = 0;
    if ((size_t)w >= len) w = (int)len - 1;
    if (!(share > 0)) share = 0;
    int filled = (int)lround((share > 1 ? 1 : share) * w);
    if (share > 0 && filled == 0 && w > 0) filled = 1;   /* any position shows */
    for (int i = 0; i < w; i++) buf[i] = i < filled ? (share > 1 ? '!' : '=') : '.';
    buf[w] = 0;
    return buf;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : NULL;
}

static double jnum(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *tui_task_state(json_t *t)
{
    const char *st = jstr(t, "state"), *risk = jstr(json_object_get(t, "risk"), "state");
    if (!st) return "-";
    if (!strcmp(st, "failed") || !strcmp(st, "paused") || !strcmp(st, "stopping") ||
        !strcmp(st, "stopped"))
        return st;
    if (!strcmp(st, "halted") || (risk && !strcmp(risk, "halt"))) return "HALT";
    if (!strcmp(st, "starting")) return "starting";
    if (risk && !strcmp(risk, "caution")) return "caution";
    return st;
}

int tui_task_severity(json_t *t)
{
    const char *s = tui_task_state(t);
    if (!strcmp(s, "quoting")) return 0;
    if (!strcmp(s, "HALT") || !strcmp(s, "failed")) return 2;
    return 1;
}

const char *tui_task_reason(json_t *t)
{
    if (!tui_task_severity(t)) return NULL;
    const char *r = json_string_value(json_array_get(json_object_get(json_object_get(t, "risk"),
                                                                     "reasons"), 0));
    if (!r || !*r) r = jstr(t, "state_reason");
    if (!r || !*r) r = jstr(t, "last_reason");
    return r && *r ? r : NULL;
}

/* "4.0/6.1": tier-1 bid and ask distance from the mark in bps. */
static void fmt_dist(json_t *task, char *buf, size_t len)
{
    json_t *t1 = json_array_get(json_object_get(task, "tiers"), 0);
    char b[16], a[16];
    tui_fmt_bps(jnum(json_object_get(t1, "bid"), "dist_bps"), b, sizeof b);
    tui_fmt_bps(jnum(json_object_get(t1, "ask"), "dist_bps"), a, sizeof a);
    snprintf(buf, len, "%s/%s", b, a);
}

/* "+13% ==....": signed share of the limit (sign: long/short) and its bar. */
static void fmt_pos(json_t *t, int w, char *buf, size_t len)
{
    double share = jnum(t, "position_share");
    const char *usd = jstr(t, "position_usd");
    if (isnan(share)) {
        snprintf(buf, len, "%s", jstr(t, "position") ? jstr(t, "position") : "-");
        return;
    }
    char pct[32], bar[64];
    int neg = usd && usd[0] == '-';
    long p = lround(share * 100);
    if (p > 999) snprintf(pct, sizeof pct, "%s>999%%", neg ? "-" : "+");
    else snprintf(pct, sizeof pct, "%s%ld%%", p == 0 ? " " : neg ? "-" : "+", p);
    int bw = w - 6;
    if (bw > 40) bw = 40;
    tui_share_bar(share, bw, bar, sizeof bar);
    snprintf(buf, len, "%5s %s", pct, bw > 0 ? bar : "");
}

static void fmt_uptime(json_t *task, int w, char *buf, size_t len)
{
    double m = jnum(json_object_get(task, "uptime"), "hour_minutes");
    char bar[64];
    int bw = w - 6;
    if (bw > 40) bw = 40;
    tui_bar(isnan(m) ? 0 : m, bw, bar, sizeof bar);
    if (isnan(m)) snprintf(buf, len, "    - %s", bar);
    else snprintf(buf, len, "%4.1fm %s", m, bar);
}

char *tui_cell(json_t *t, enum tui_colid id, int w, char *buf, size_t len)
{
    const char *s;
    switch (id) {
    case TUI_C_ID: snprintf(buf, len, "%s", jstr(t, "id") ? jstr(t, "id") : "-"); break;
    case TUI_C_SYMBOL: snprintf(buf, len, "%s", jstr(t, "symbol") ? jstr(t, "symbol") : "-"); break;
    case TUI_C_STATE: snprintf(buf, len, "%s", tui_task_state(t)); break;
    case TUI_C_DIST: fmt_dist(t, buf, len); break;
    case TUI_C_POS: fmt_pos(t, w, buf, len); break;
    case TUI_C_PNL:
        s = jstr(t, "pnl_today");
        tui_fmt_usd(s ? s : jstr(t, "upnl"), 1, buf, len);
        break;
    case TUI_C_MARK: snprintf(buf, len, "%s", jstr(t, "mark") ? jstr(t, "mark") : "-"); break;
    case TUI_C_POSUSD: tui_fmt_usd(jstr(t, "position_usd"), 0, buf, len); break;
    case TUI_C_UPTIME: fmt_uptime(t, w, buf, len); break;
    case TUI_C_FILLS: {
        json_t *f = json_object_get(t, "fills_today");
        if (json_is_integer(f)) snprintf(buf, len, "%lld", (long long)json_integer_value(f));
        else snprintf(buf, len, "-");
        break;
    }
    default: snprintf(buf, len, "?");
    }
    return buf;
}

/* Writes text into line at the column, padded to its width (text columns
 * cut with '~'; numbers fit, by the layout). */
static void put_cell(char *line, const struct tui_col *c, const char *text, int right)
{
    char cut[TUI_MAX_W + 1];
    tui_trunc(text, c->w, cut, sizeof cut);
    int n = (int)strlen(cut), pad = right ? c->w - n : 0;
    memcpy(line + c->x + pad, cut, (size_t)n);
}

static char *blank(char *buf, size_t len, int width)
{
    if (width < 0) width = 0;
    if ((size_t)width >= len) width = (int)len - 1;
    memset(buf, ' ', (size_t)width);
    buf[width] = 0;
    return buf;
}

char *tui_fmt_task_row(json_t *task, const struct tui_layout *l, int width, char *buf,
                       size_t len)
{
    blank(buf, len, width);
    int lim = (int)strlen(buf);
    for (int i = 0; i < l->ncols; i++) {
        const struct tui_col *c = &l->cols[i];
        if (c->x + c->w > lim) break;
        char text[128];
        tui_cell(task, c->id, c->w, text, sizeof text);
        put_cell(buf, c, text, defs[c->id].numeric);
    }
    return buf;
}

/* "HOUR UP   30:  42|" with the ':' over the bar's 30-minute mark and '|'
 * over its end (42 minutes), as tui_bar draws them in this width. */
static void uptime_title(char *at, int w)
{
    int bw = w - 6 > 40 ? 40 : w - 6, mark = (int)lround(30.0 / 42.0 * bw) - 1;
    memcpy(at, "HOUR UP", w >= 7 ? 7 : (size_t)w);
    if (bw < 8) return;
    memcpy(at + 6 + mark - 2, "30:", 3);
    memcpy(at + 6 + bw - 3, "42|", 3);
}

char *tui_fmt_heading(const struct tui_layout *l, int width, char *buf, size_t len)
{
    blank(buf, len, width);
    int lim = (int)strlen(buf);
    for (int i = 0; i < l->ncols; i++) {
        const struct tui_col *c = &l->cols[i];
        if (c->x + c->w > lim) break;
        if (c->id == TUI_C_UPTIME) uptime_title(buf + c->x, c->w);
        else put_cell(buf, c, defs[c->id].title, defs[c->id].numeric);
    }
    return buf;
}

static void clear_rows(int w, int h, char (*buf)[TUI_MAX_W + 1])
{
    for (int r = 0; r < h; r++) {
        memset(buf[r], ' ', (size_t)w);
        buf[r][w] = 0;
    }
}

/* The bar height (cells of h) of m minutes over 0..60. */
static int bar_cells(double m, int h)
{
    if (!(m > 0)) return 0;
    int c = (int)lround(m / 60.0 * h);
    return c > h ? h : c == 0 ? 1 : c;
}

int tui_uptime_chart(const double minutes[24], int hour0, int w, int h, char (*buf)[TUI_MAX_W + 1])
{
    if (w > TUI_MAX_W) w = TUI_MAX_W;
    if (h < 3 || w < 4 + 24 * 2) return 0;
    int rows = h - 1, slot = (w - 4) / 24 > 3 ? 3 : (w - 4) / 24;
    clear_rows(w, h, buf);
    int r30 = (int)lround(30.0 / 60 * rows), r42 = (int)lround(42.0 / 60 * rows);   /* cells up */
    for (int r = 0; r < rows; r++) {        /* r: 0 = top row */
        int level = rows - r;               /* this row is filled by bars of >= level cells */
        const char *axis = level == r42 ? "42=" : level == r30 ? "30-" : "   ";
        memcpy(buf[r], axis, 3);
        buf[r][3] = '|';
        for (int i = 0; i < 24; i++) {
            int x = 4 + i * slot, cells = bar_cells(minutes[i], rows);
            char c = cells >= level ? (minutes[i] >= 42 ? '#' : minutes[i] >= 30 ? '+' : '|')
                     : level == r42 ? '='
                     : level == r30 ? '-'
                                    : ' ';
            for (int k = 0; k < slot - (slot > 2); k++) buf[r][x + k] = c;
            if (slot > 2 && (level == r42 || level == r30) && cells < level) buf[r][x + slot - 1] = c;
        }
    }
    memcpy(buf[rows], "UTC ", 4);
    for (int i = 0; i < 24; i++) {
        int hr = ((hour0 + i) % 24 + 24) % 24;
        if (slot >= 3 || i % 2 == 0) {
            char lab[4];
            snprintf(lab, sizeof lab, "%02d", hr);
            memcpy(buf[rows] + 4 + i * slot, lab, 2);
        }
    }
    return h;
}

int tui_price_chart(const struct tui_px *s, int n, const char *like, int w, int h,
                    char (*buf)[TUI_MAX_W + 1])
{
    if (w > TUI_MAX_W) w = TUI_MAX_W;
    if (h < 2 || w < 20 || n <= 0) return 0;
    char lo_s[32], hi_s[32], num[40];
    double lo = INFINITY, hi = -INFINITY;
    int lw = 0, cols;
    for (int pass = 0; pass < 2; pass++) {   /* label width depends on the range */
        cols = w - lw;
        int from = n > cols ? n - cols : 0;
        lo = INFINITY;
        hi = -INFINITY;
        for (int i = from; i < n; i++) {
            const double v[3] = {s[i].mark, s[i].bid, s[i].ask};
            for (int k = 0; k < 3; k++)
                if (v[k] > 0) {
                    if (v[k] < lo) lo = v[k];
                    if (v[k] > hi) hi = v[k];
                }
        }
        if (!(hi >= lo)) return 0;
        snprintf(num, sizeof num, "%.9f", hi);
        tui_fmt_like(num, like, hi_s, sizeof hi_s);
        snprintf(num, sizeof num, "%.9f", lo);
        tui_fmt_like(num, like, lo_s, sizeof lo_s);
        lw = (int)(strlen(hi_s) > strlen(lo_s) ? strlen(hi_s) : strlen(lo_s)) + 2;
    }
    cols = w - lw;
    clear_rows(w, h, buf);
    for (int r = 0; r < h; r++) buf[r][lw - 1] = '|';
    memcpy(buf[0] + lw - 2 - strlen(hi_s), hi_s, strlen(hi_s));
    memcpy(buf[h - 1] + lw - 2 - strlen(lo_s), lo_s, strlen(lo_s));
    int from = n > cols ? n - cols : 0;
    double span = hi - lo;
    for (int i = from; i < n; i++) {
        int x = lw + (i - from);
        const double v[3] = {s[i].bid, s[i].ask, s[i].mark};
        static const char ch[3] = {'b', 'a', '*'};
        for (int k = 0; k < 3; k++) {
            if (!(v[k] > 0)) continue;
            int y = span > 0 ? (int)lround((hi - v[k]) / span * (h - 1)) : (h - 1) / 2;
            buf[y][x] = ch[k];
        }
    }
    return h;
}
