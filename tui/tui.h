/* tui — mmtop's pieces.  Everything here except screen.c is free of curses
 * so it can be unit-tested (after tmux, whose layout code never calls
 * curses): layout.c (which columns fit, number rules, bars and the two
 * charts), model.c (what is shown, the view's sort/filter/paging, what keys
 * do), render.c (model -> a frame of text lines with attributes).  screen.c
 * paints a frame with curses; main.c owns the socket and the loop. */
#ifndef MMD_TUI_H
#define MMD_TUI_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define TUI_MAX_W 400
#define TUI_MAX_H 200
#define TUI_ID_MAX 64
#define TUI_MAX_TASKS 512
#define TUI_HIST 240          /* price-chart samples kept (one per second) */

/* ---- layout.c ---- */
enum tui_colid {
    TUI_C_ID, TUI_C_SYMBOL, TUI_C_STATE, TUI_C_DIST, TUI_C_POS, TUI_C_PNL, TUI_C_MARK,
    TUI_C_POSUSD, TUI_C_UPTIME, TUI_C_FILLS, TUI_C_COUNT
};
struct tui_col {
    enum tui_colid id;
    int x, w;                 /* start column and width */
};
struct tui_layout {
    int ncols;
    struct tui_col cols[TUI_C_COUNT];
};
/* Chooses the columns that fit in width (most important first) and places
 * them left to right.  need[id] is the widest text a numeric column must
 * show (tui_layout_needs; NULL: none): a column that cannot show its
 * numbers whole is dropped, never cut.  Every width >= 80 keeps task,
 * state, both bps distances, position share, PnL today and hour uptime. */
void tui_layout_columns(int width, const int *need, struct tui_layout *l);
/* The widest numeric text of each column over the tasks (array). */
void tui_layout_needs(json_t *tasks, int need[TUI_C_COUNT]);
const char *tui_col_title(enum tui_colid id);
/* Copies s into buf so it fits in w columns, marking a cut with '~' (text
 * such as task ids only: numbers are never cut). */
char *tui_trunc(const char *s, int w, char *buf, size_t len);
/* Cuts text lines (reasons, events) at a word boundary, marked "..", so a
 * number inside is shown whole or not at all. */
char *tui_trunc_words(const char *s, int w, char *buf, size_t len);
/* "4.0", "12.3", "-" (NaN), ">999" */
char *tui_fmt_bps(double bps, char *buf, size_t len);
/* Signed money for PnL: "+1.89", "-0.50", "0.00" (from a decimal string). */
char *tui_fmt_signed(const char *dec, char *buf, size_t len);
/* USD with 2 decimals, signed when sign: "-1234.57" / "+0.87"; "-" if absent. */
char *tui_fmt_usd(const char *dec, int sign, char *buf, size_t len);
/* dec rounded to as many decimals as like has (the symbol's tick, as the
 * mark is written): ("65050.255217391", "65000.10") -> "65050.26". */
char *tui_fmt_like(const char *dec, const char *like, char *buf, size_t len);
/* Bar of w cells for minutes toward 42 (boosted), with ':' marking 30
 * (standard) while unfilled: "#######:..".  buf needs w+1 bytes. */
char *tui_bar(double minutes, int w, char *buf, size_t len);
/* Share bar of w cells: filled share of the position limit, '!' past it. */
char *tui_share_bar(double share, int w, char *buf, size_t len);
/* The state word merged with risk: quoting, caution, HALT, paused, failed,
 * starting, stopping, stopped; and its severity 0 good, 1 warn, 2 bad. */
const char *tui_task_state(json_t *task);
int tui_task_severity(json_t *task);
/* The first reason of a task that is not quoting safely, or NULL. */
const char *tui_task_reason(json_t *task);
/* One cell's text, w columns wide at most (bars fill what is left). */
char *tui_cell(json_t *task, enum tui_colid id, int w, char *buf, size_t len);
/* One task row laid out per l, exactly width chars. */
char *tui_fmt_task_row(json_t *task, const struct tui_layout *l, int width, char *buf,
                       size_t len);
char *tui_fmt_heading(const struct tui_layout *l, int width, char *buf, size_t len);
/* Charts into rows of text (h rows of w chars, row 0 on top; buf[i] holds
 * TUI_MAX_W+1 bytes).  Uptime: 24 hourly bars of minutes[] (oldest first;
 * the first is UTC hour hour0) over 0..60 min, '#' boosted, '+' standard,
 * '|' below, the 30 and 42 marks drawn as '-' and '='; the last row holds
 * the hour labels.  Returns rows used. */
int tui_uptime_chart(const double minutes[24], int hour0, int w, int h, char (*buf)[TUI_MAX_W + 1]);
/* Price vs quotes: mark '*', our best bid 'b' and ask 'a', one column per
 * sample (newest at the right), price labels on the left with decimals as
 * like.  Returns rows used. */
struct tui_px { double mark, bid, ask; };
int tui_price_chart(const struct tui_px *s, int n, const char *like, int w, int h,
                    char (*buf)[TUI_MAX_W + 1]);

/* ---- model.c ---- */
enum tui_mode { TUI_NORMAL = 0, TUI_CONFIRM_HALT, TUI_CONFIRM_HALT_ALL, TUI_HELP, TUI_FILTER };
enum tui_action {
    TUI_ACT_NONE = 0, TUI_ACT_QUIT, TUI_ACT_HALT, TUI_ACT_HALT_ALL, TUI_ACT_RESUME,
    TUI_ACT_SELECT,           /* selection changed: fetch details */
    TUI_ACT_REDRAW,
};
enum tui_sort { TUI_SORT_CONFIG = 0, TUI_SORT_STATE, TUI_SORT_PNL, TUI_SORT_POS, TUI_SORT_UPTIME,
                TUI_SORT_ID, TUI_SORT_COUNT };
/* Keys as the model sees them (main.c maps curses codes). */
#define TUI_KEY_UP     0x101
#define TUI_KEY_DOWN   0x102
#define TUI_KEY_RESIZE 0x103
#define TUI_KEY_PGUP   0x104
#define TUI_KEY_PGDN   0x105
#define TUI_KEY_HOME   0x106
#define TUI_KEY_END    0x107
#define TUI_KEY_ENTER  0x108
#define TUI_KEY_BACKSPACE 0x109
#define TUI_KEY_ESC    27

struct tui_model {
    json_t *status;           /* newest status snapshot (owned) */
    json_t *orders;           /* orders of the selected task (array, owned) */
    json_t *uptime;           /* uptime entry of the selected task (owned) */
    char sel_id[TUI_ID_MAX];  /* selected task id, kept across updates */
    int sel;                  /* its position in the view */
    int view[TUI_MAX_TASKS];  /* indices into status.tasks, sorted and filtered */
    int nview;
    int top, page;            /* first view row shown and rows per page (from the last frame) */
    enum tui_sort sort;
    char filter[32];
    int detail;               /* the selected task's detail pane fills the screen */
    int connected;
    int retry_in_s;           /* when disconnected */
    char sock[256];
    enum tui_mode mode;
    char msg[200];            /* footer message */
    int64_t msg_until_ms;
    int64_t now_ms;           /* set by main.c before each update */
    struct tui_px hist[TUI_HIST];   /* the selected task's mark and quotes, 1/s */
    int hist_n, hist_next;
    int64_t hist_last_s;
    struct { int64_t ms; long total; } rl[64];   /* 429 counter samples (429s per minute) */
    int rl_n, rl_next;
};
void tui_model_init(struct tui_model *m, const char *sock);
void tui_model_free(struct tui_model *m);
/* Takes ownership of status; keeps the selection on the same task id. */
void tui_model_set_status(struct tui_model *m, json_t *status);
void tui_model_message(struct tui_model *m, int64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int tui_model_ntasks(const struct tui_model *m);     /* in the view */
json_t *tui_model_task(const struct tui_model *m, int i);   /* view row i, borrowed */
json_t *tui_model_selected(const struct tui_model *m);   /* borrowed, or NULL */
enum tui_action tui_model_key(struct tui_model *m, int key);
const char *tui_sort_name(enum tui_sort s);
/* 429 answers in the last minute (from the accounts' rate_limited counters), -1 unknown. */
long tui_model_429_per_min(const struct tui_model *m);
/* The entry for task id in a per-task result: an object keyed by task id
 * (as mmd returns orders/positions/uptime) or an array of objects with an
 * "id" or "task" member.  Borrowed; NULL if absent. */
json_t *tui_pick_task(json_t *result, const char *id);
/* Sets details from raw orders/uptime results for the selected task. */
void tui_model_orders_result(struct tui_model *m, json_t *result);
void tui_model_uptime_result(struct tui_model *m, json_t *result);
/* Health words: "up", "connected", "ready" (connections); "safe", "ok" (risk). */
int tui_state_good(const char *s);
/* The state shown for the market or an account (rpc_conn_state): an
 * account's own state unless "ready", else its WebSocket's. */
const char *tui_conn_state(json_t *c);

/* ---- render.c ---- */
enum tui_attr { TUI_A_NORMAL = 0, TUI_A_HEAD, TUI_A_TITLE, TUI_A_SEL, TUI_A_ALERT, TUI_A_GOOD,
                TUI_A_DIM, TUI_A_WARN };
struct tui_line {
    char text[TUI_MAX_W + 1];
    enum tui_attr attr;
    int rev;                  /* reverse video (the selected row) */
};
struct tui_frame {
    int w, h;
    int first, shown;         /* view rows on screen (main.c keeps them for paging) */
    struct tui_line lines[TUI_MAX_H];
};
/* Lays the whole screen out as h lines of exactly w characters (ASCII);
 * now_wall_ms is the clock shown in the header. */
void tui_render(const struct tui_model *m, int w, int h, int64_t now_wall_ms, struct tui_frame *f);

/* ---- screen.c (curses) ---- */
int tui_screen_init(void);
void tui_screen_end(void);
void tui_screen_size(int *w, int *h);
void tui_screen_paint(const struct tui_frame *f);
/* Next key or -1; maps special keys to TUI_KEY_*. */
int tui_screen_key(void);

#endif
