/* screen — the only file of mmtop that calls curses: set-up and tear-down,
 * painting a rendered frame (touching only lines that changed; curses
 * diffs the rest), colours (green / yellow / red by severity, the selected
 * row in reverse video), and reading keys (special keys mapped to TUI_KEY_*). */
#include <curses.h>
#include <locale.h>
#include <string.h>

#include "tui.h"

static int has_color;

int tui_screen_init(void)
{
    setlocale(LC_ALL, "");
    if (!initscr()) return -1;
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    nodelay(stdscr, TRUE);
    curs_set(0);
    if (has_colors()) {
        has_color = 1;
        start_color();
        use_default_colors();
        init_pair(1, COLOR_RED, -1);
        init_pair(2, COLOR_GREEN, -1);
        init_pair(3, COLOR_CYAN, -1);
        init_pair(4, COLOR_YELLOW, -1);
    }
    return 0;
}

void tui_screen_end(void) { endwin(); }

void tui_screen_size(int *w, int *h)
{
    getmaxyx(stdscr, *h, *w);
}

static attr_t attr_of(enum tui_attr a)
{
    switch (a) {
    case TUI_A_HEAD: return A_REVERSE;
    case TUI_A_TITLE: return A_BOLD | (has_color ? COLOR_PAIR(3) : 0);
    case TUI_A_SEL: return A_REVERSE | A_BOLD;
    case TUI_A_ALERT: return A_BOLD | (has_color ? COLOR_PAIR(1) : 0);
    case TUI_A_GOOD: return has_color ? COLOR_PAIR(2) : A_NORMAL;
    case TUI_A_DIM: return A_DIM;
    case TUI_A_WARN: return A_BOLD | (has_color ? COLOR_PAIR(4) : 0);
    default: return A_NORMAL;
    }
}

void tui_screen_paint(const struct tui_frame *f)
{
    for (int y = 0; y < f->h; y++) {
        attrset(attr_of(f->lines[y].attr) | (f->lines[y].rev ? A_REVERSE : 0));
        /* the last cell of the last line would scroll: write one less there */
        int n = y == f->h - 1 ? f->w - 1 : f->w;
        mvaddnstr(y, 0, f->lines[y].text, n);
    }
    attrset(A_NORMAL);
    refresh();
}

int tui_screen_key(void)
{
    int c = getch();
    switch (c) {
    case ERR: return -1;
    case KEY_UP: return TUI_KEY_UP;
    case KEY_DOWN: return TUI_KEY_DOWN;
    case KEY_RESIZE: return TUI_KEY_RESIZE;
    case KEY_PPAGE: return TUI_KEY_PGUP;
    case KEY_NPAGE: return TUI_KEY_PGDN;
    case KEY_HOME: return TUI_KEY_HOME;
    case KEY_END: return TUI_KEY_END;
    case KEY_ENTER: case '\n': case '\r': return TUI_KEY_ENTER;
    case KEY_BACKSPACE: case 127: case 8: return TUI_KEY_BACKSPACE;
    default: return c;
    }
}
