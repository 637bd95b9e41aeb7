/* layout — mmtop's column layout and text formatting, free of curses so the
 * unit tests can check it: which task columns fit in a width, how numbers,
 * durations and uptime bars are written, and how long text is cut. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

struct coldef {
    enum tui_colid id;
    const char *title;
    int min, max;       /* width range */
    int prio;           /* 1 = always first */
};

/* In display order. */
static const struct coldef defs[TUI_C_COUNT] = {
    {.id = TUI_C_ID, .title = "TASK", .min = 8, .max = 16, .prio = 1},
    {.id = TUI_C_SYMBOL, .title = "SYMBOL", .min = 8, .max = 10, .prio = 3},
    {.id = TUI_C_STATE, .title = "STATE", .min = 7, .max = 9, .prio = 1},
    {.id = TUI_C_RISK, .title = "RISK", .min = 6, .max = 8, .prio = 4},
    {.id = TUI_C_MARK, .title = "MARK", .min = 10, .max = 12, .prio = 2},
    {.id = TUI_C_DIST, .title = "BID/ASK", .min = 9, .max = 11, .prio = 2},
    {.id = TUI_C_POS, .title = "POS", .min = 8, .max = 10, .prio = 2},
    {.id = TUI_C_UPNL, .title = "UPNL", .min = 8, .max = 10, .prio = 2},
    {.id = TUI_C_UPTIME, .title = "HOUR UP", .min = 14, .max = 24, .prio = 2},
    {.id = TUI_C_FILLS, .title = "FILLS", .min = 5, .max = 6, .prio = 4},
};

void tui_layout_columns(int width, struct tui_layout *l)
{
    int on[TUI_C_COUNT] = {0}, w[TUI_C_COUNT] = {0}, used = -1;
    for (int prio = 1; prio <= 4; prio++)
        for (int i = 0; i < TUI_C_COUNT; i++)
            if (defs[i].prio == prio && used + 1 + defs[i].min <= width) {
                on[i] = 1;
                w[i] = defs[i].min;
                used += 1 + defs[i].min;
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
    l->bar_w = 0;
    int x = 0;
    for (int i = 0; i < TUI_C_COUNT; i++) {
        if (!on[i]) continue;
        l->cols[l->ncols++] = (struct tui_col){.id = defs[i].id, .x = x, .w = w[i]};
        if (defs[i].id == TUI_C_UPTIME) l->bar_w = w[i] - 5;   /* "36.5 " then the bar */
        x += w[i] + 1;
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

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static double jnum(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
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

static void fmt_uptime(json_t *task, int bar_w, char *buf, size_t len)
{
    double m = jnum(json_object_get(task, "uptime"), "hour_minutes");
    char bar[64];
    if (bar_w > 40) bar_w = 40;
    tui_bar(isnan(m) ? 0 : m, bar_w, bar, sizeof bar);
    if (isnan(m)) snprintf(buf, len, "   - %s", bar);
    else snprintf(buf, len, "%4.1f %s", m, bar);
}

static void cell_text(json_t *t, enum tui_colid id, int bar_w, char *buf, size_t len)
{
    switch (id) {
    case TUI_C_ID: snprintf(buf, len, "%s", jstr(t, "id")); break;
    case TUI_C_SYMBOL: snprintf(buf, len, "%s", jstr(t, "symbol")); break;
    case TUI_C_STATE: snprintf(buf, len, "%s", jstr(t, "state")); break;
    case TUI_C_RISK: snprintf(buf, len, "%s", jstr(json_object_get(t, "risk"), "state")); break;
    case TUI_C_MARK: snprintf(buf, len, "%s", jstr(t, "mark")); break;
    case TUI_C_DIST: fmt_dist(t, buf, len); break;
    case TUI_C_POS: snprintf(buf, len, "%s", jstr(t, "position")); break;
    case TUI_C_UPNL: tui_fmt_signed(json_string_value(json_object_get(t, "upnl")), buf, len); break;
    case TUI_C_UPTIME: fmt_uptime(t, bar_w, buf, len); break;
    case TUI_C_FILLS: {
        json_t *f = json_object_get(t, "fills_today");
        if (json_is_integer(f)) snprintf(buf, len, "%lld", (long long)json_integer_value(f));
        else snprintf(buf, len, "-");
        break;
    }
    default: snprintf(buf, len, "?");
    }
}

static int right_aligned(enum tui_colid id)
{
    return id == TUI_C_MARK || id == TUI_C_POS || id == TUI_C_UPNL || id == TUI_C_FILLS ||
           id == TUI_C_DIST;
}

/* Writes text into line at the column, padded or cut to its width. */
static void put_cell(char *line, const struct tui_col *c, const char *text)
{
    char cut[TUI_MAX_W + 1];
    tui_trunc(text, c->w, cut, sizeof cut);
    int n = (int)strlen(cut), pad = right_aligned(c->id) ? c->w - n : 0;
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
        cell_text(task, c->id, l->bar_w, text, sizeof text);
        put_cell(buf, c, text);
    }
    return buf;
}

char *tui_fmt_heading(const struct tui_layout *l, int width, char *buf, size_t len)
{
    blank(buf, len, width);
    int lim = (int)strlen(buf);
    for (int i = 0; i < l->ncols; i++) {
        const struct tui_col *c = &l->cols[i];
        if (c->x + c->w > lim) break;
        put_cell(buf, c, defs[c->id].title);
    }
    return buf;
}
