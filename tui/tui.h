/* tui — mmtop's pieces.  Everything here except screen.c is free of curses
 * so it can be unit-tested: layout.c (column layout, number formatting,
 * uptime bars, truncation), model.c (what is shown and what keys do),
 * render.c (model -> a frame of text lines with attributes).  screen.c
 * paints a frame with curses; main.c owns the socket and the loop. */
#ifndef MMD_TUI_H
#define MMD_TUI_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define TUI_MAX_W 400
#define TUI_MAX_H 200
#define TUI_ID_MAX 64

/* ---- layout.c ---- */
enum tui_colid {
    TUI_C_ID, TUI_C_SYMBOL, TUI_C_STATE, TUI_C_RISK, TUI_C_MARK, TUI_C_DIST,
    TUI_C_POS, TUI_C_UPNL, TUI_C_UPTIME, TUI_C_FILLS, TUI_C_COUNT
};
struct tui_col {
    enum tui_colid id;
    int x, w;                 /* start column and width */
};
struct tui_layout {
    int ncols;
    struct tui_col cols[TUI_C_COUNT];
    int bar_w;                /* cells of the uptime bar inside TUI_C_UPTIME */
};
/* Chooses the columns that fit in width (most important first) and places
 * them left to right.  80 columns keep id, state, mark, distance, position,
 * PnL and uptime. */
void tui_layout_columns(int width, struct tui_layout *l);
/* Copies s into buf so it fits in w columns, marking a cut with '~'. */
char *tui_trunc(const char *s, int w, char *buf, size_t len);
/* "4.0", "12.3", "-" (NaN), ">999" */
char *tui_fmt_bps(double bps, char *buf, size_t len);
/* Signed money for PnL: "+1.89", "-0.50", "0.00" (from an exact decimal string). */
char *tui_fmt_signed(const char *dec, char *buf, size_t len);
/* Bar of w cells for minutes toward 42 (boosted), with ':' marking 30
 * (standard) while unfilled: "#######:..".  buf needs w+1 bytes. */
char *tui_bar(double minutes, int w, char *buf, size_t len);
/* One task row (status JSON of a task) laid out per l, exactly width chars. */
char *tui_fmt_task_row(json_t *task, const struct tui_layout *l, int width, char *buf,
                       size_t len);
char *tui_fmt_heading(const struct tui_layout *l, int width, char *buf, size_t len);

/* ---- model.c ---- */
enum tui_mode { TUI_NORMAL = 0, TUI_CONFIRM_HALT, TUI_CONFIRM_HALT_ALL, TUI_HELP };
enum tui_action {
    TUI_ACT_NONE = 0, TUI_ACT_QUIT, TUI_ACT_HALT, TUI_ACT_HALT_ALL, TUI_ACT_RESUME,
    TUI_ACT_SELECT,           /* selection changed: fetch details */
    TUI_ACT_REDRAW,
};
/* Keys as the model sees them (main.c maps curses codes). */
#define TUI_KEY_UP   0x101
#define TUI_KEY_DOWN 0x102

struct tui_model {
    json_t *status;           /* newest status snapshot (owned) */
    json_t *orders;           /* orders of the selected task (array, owned) */
    json_t *uptime;           /* uptime entry of the selected task (owned) */
    char sel_id[TUI_ID_MAX];  /* selected task id, kept across updates */
    int sel;                  /* its index in status.tasks */
    int connected;
    int retry_in_s;           /* when disconnected */
    char sock[256];
    enum tui_mode mode;
    char msg[200];            /* footer message */
    int64_t msg_until_ms;
};
void tui_model_init(struct tui_model *m, const char *sock);
void tui_model_free(struct tui_model *m);
/* Takes ownership of status; keeps the selection on the same task id. */
void tui_model_set_status(struct tui_model *m, json_t *status);
void tui_model_message(struct tui_model *m, int64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int tui_model_ntasks(const struct tui_model *m);
json_t *tui_model_selected(const struct tui_model *m);   /* borrowed, or NULL */
enum tui_action tui_model_key(struct tui_model *m, int key);
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
                TUI_A_DIM };
struct tui_line {
    char text[TUI_MAX_W + 1];
    enum tui_attr attr;
};
struct tui_frame {
    int w, h;
    struct tui_line lines[TUI_MAX_H];
};
/* Lays the whole screen out as h lines of exactly w characters (ASCII). */
void tui_render(const struct tui_model *m, int w, int h, int64_t now_ms, struct tui_frame *f);

/* ---- screen.c (curses) ---- */
int tui_screen_init(void);
void tui_screen_end(void);
void tui_screen_size(int *w, int *h);
void tui_screen_paint(const struct tui_frame *f);
/* Next key or -1; maps arrows to TUI_KEY_*, resize to TUI_KEY_RESIZE. */
#define TUI_KEY_RESIZE 0x103
int tui_screen_key(void);

#endif
