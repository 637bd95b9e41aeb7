/* mmtop — live dashboard for mmd: subscribes to status over the control
 * socket (and asks for it every 2 s, so a quiet daemon still refreshes the
 * clock and the 429 rate), fetches orders/uptime of the selected task every 2 s, turns keys
 * into halt/resume calls, reconnects with backoff when the daemon goes
 * away, and redraws at most every 100 ms (coalesced).  See mmtop(1). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "rpc.h"
#include "tui.h"

#define REDRAW_MS 100
#define FETCH_MS 2000
#define BACKOFF_MAX_MS 8000

struct app {
    struct tui_model m;
    struct rpc_client *cl;
    long id_orders, id_uptime, id_action, id_status;
    char action[96];
    int64_t next_retry, backoff, next_fetch, last_draw;
    int dirty;
    struct tui_frame *frame;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void disconnect(struct app *a, int64_t now)
{
    rpc_client_close(a->cl);
    a->cl = NULL;
    a->m.connected = 0;
    a->backoff = a->backoff ? a->backoff * 2 : 500;
    if (a->backoff > BACKOFF_MAX_MS) a->backoff = BACKOFF_MAX_MS;
    a->next_retry = now + a->backoff;
    a->id_orders = a->id_uptime = a->id_action = a->id_status = 0;
    a->dirty = 1;
}

static void try_connect(struct app *a, int64_t now)
{
    char err[300];
    a->cl = rpc_client_connect(a->m.sock, 1000, err, sizeof err);
    if (!a->cl) {
        tui_model_message(&a->m, now, "%s", err);   /* e.g. why the socket is refused */
        disconnect(a, now);
        return;
    }
    if (rpc_client_send(a->cl, "subscribe", NULL) < 0 ||
        (a->id_status = rpc_client_send(a->cl, "status", NULL)) < 0) {
        disconnect(a, now);
        return;
    }
    a->m.connected = 1;
    a->m.msg[0] = 0;   /* the last "cannot connect" is history now */
    a->backoff = 0;
    a->next_fetch = now;
    a->dirty = 1;
}

static json_t *task_param(const struct app *a)
{
    json_t *t = tui_model_selected(&a->m);
    const char *id = json_string_value(json_object_get(t, "id"));
    return id ? json_pack("{s:s}", "task", id) : NULL;
}

static void fetch_details(struct app *a)
{
    if (!a->id_status) a->id_status = rpc_client_send(a->cl, "status", NULL);
    json_t *p = task_param(a);
    if (!p) return;
    a->id_orders = rpc_client_send(a->cl, "orders", p);
    a->id_uptime = rpc_client_send(a->cl, "uptime", p);
    json_decref(p);
}

static void act(struct app *a, enum tui_action what, int64_t now)
{
    json_t *p = what == TUI_ACT_HALT_ALL ? json_object() : task_param(a);
    const char *id = json_string_value(json_object_get(p, "task"));
    if (!p || !a->cl) {
        tui_model_message(&a->m, now, "not connected");
        json_decref(p);
        return;
    }
    const char *method = what == TUI_ACT_RESUME ? "resume" : "halt";
    if (what != TUI_ACT_RESUME) json_object_set_new(p, "reason", json_string("mmtop"));
    snprintf(a->action, sizeof a->action, "%s %s", method, id ? id : "all tasks");
    a->id_action = rpc_client_send(a->cl, method, p);
    tui_model_message(&a->m, now, "%s: waiting for mmd...", a->action);
    json_decref(p);
}

static void on_key(struct app *a, int key, int64_t now)
{
    enum tui_action what = tui_model_key(&a->m, key);
    switch (what) {
    case TUI_ACT_QUIT: stop = 1; break;
    case TUI_ACT_HALT: case TUI_ACT_HALT_ALL: case TUI_ACT_RESUME: act(a, what, now); break;
    case TUI_ACT_SELECT: a->next_fetch = now; break;
    default: break;
    }
    if (key == TUI_KEY_RESIZE) a->last_draw = 0;
    a->dirty = 1;
}

static int is_id(json_t *msg, long id)
{
    json_t *v = json_object_get(msg, "id");
    return id > 0 && json_is_integer(v) && json_integer_value(v) == id;
}

static void on_message(struct app *a, json_t *msg, int64_t now)
{
    a->m.now_ms = now;
    json_t *res = json_object_get(msg, "result"), *err = json_object_get(msg, "error");
    const char *method = json_string_value(json_object_get(msg, "method"));
    if (method && !strcmp(method, "status")) {
        tui_model_set_status(&a->m, json_incref(json_object_get(msg, "params")));
    } else if (is_id(msg, a->id_status) && res) {
        a->id_status = 0;
        tui_model_set_status(&a->m, json_incref(res));
    } else if (is_id(msg, a->id_orders) && res) {
        tui_model_orders_result(&a->m, res);
    } else if (is_id(msg, a->id_uptime) && res) {
        tui_model_uptime_result(&a->m, res);
    } else if (is_id(msg, a->id_action)) {
        if (err)
            tui_model_message(&a->m, now, "%s failed: %s", a->action,
                              json_string_value(json_object_get(err, "message")));
        else
            tui_model_message(&a->m, now, "%s: done", a->action);
        a->next_fetch = now;
    } else if (err && json_is_null(json_object_get(msg, "id"))) {
        tui_model_message(&a->m, now, "mmd: %s", json_string_value(json_object_get(err, "message")));
    }
    a->dirty = 1;
}

static void read_socket(struct app *a, int64_t now)
{
    for (int i = 0; i < 64 && a->cl; i++) {
        int closed = 0;
        json_t *msg = rpc_client_next(a->cl, 0, &closed);
        if (!msg) {
            if (closed) disconnect(a, now);
            return;
        }
        on_message(a, msg, now);
        json_decref(msg);
    }
}

static int next_timeout(const struct app *a, int64_t now)
{
    int64_t t = now + 1000;
    if (a->dirty && a->last_draw + REDRAW_MS < t) t = a->last_draw + REDRAW_MS;
    if (a->cl && a->next_fetch < t) t = a->next_fetch;
    if (!a->cl && a->next_retry < t) t = a->next_retry;
    return t > now ? (int)(t - now) : 0;
}

static void draw(struct app *a, int64_t now)
{
    int w, h;
    tui_screen_size(&w, &h);
    if (!a->cl) a->m.retry_in_s = (int)((a->next_retry - now + 999) / 1000);
    a->m.now_ms = now;
    tui_render(&a->m, w, h, clock_wall_ms(), a->frame);
    a->m.top = a->frame->first;
    if (a->frame->shown > 0) a->m.page = a->frame->shown;
    tui_screen_paint(a->frame);
    a->last_draw = now;
    a->dirty = 0;
}

static void step(struct app *a)
{
    int64_t now = clock_mono_ms();
    if (!a->cl && now >= a->next_retry) try_connect(a, now);
    if (a->cl && now >= a->next_fetch) {
        fetch_details(a);
        a->next_fetch = now + FETCH_MS;
    }
    if (!a->cl) a->dirty = 1;   /* countdown */
    if (a->dirty && now - a->last_draw >= REDRAW_MS) draw(a, now);
    struct pollfd p[2] = {{.fd = 0, .events = POLLIN}, {.fd = a->cl ? rpc_client_fd(a->cl) : -1,
                                                         .events = POLLIN}};
    if (poll(p, 2, next_timeout(a, now)) < 0 && errno != EINTR) stop = 1;
    now = clock_mono_ms();
    int k;
    while ((k = tui_screen_key()) != -1) on_key(a, k, now);
    if (a->cl && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) read_socket(a, now);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mmtop [-s SOCKET] [--help] [--version]\n"
               "  -s, --socket PATH  control socket (default: $MMD_SOCKET, else as mmd)\n"
               "keys: Up/Down select, PgUp/PgDn page, Enter detail, s sort, / filter,\n"
               "      h halt, r resume, H halt all, ? help, q quit\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{.name = "socket", .has_arg = required_argument, .val = 's'},
                                         {.name = "help", .has_arg = no_argument, .val = 'h'},
                                         {.name = "version", .has_arg = no_argument, .val = 'V'},
                                         {.name = NULL}};
    char sock[256];
    const char *env = getenv("MMD_SOCKET");
    if (env && *env) snprintf(sock, sizeof sock, "%s", env);
    else rpc_default_socket(sock, sizeof sock);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "s:hV", opts, NULL)) != -1) {
        switch (c) {
        case 's': snprintf(sock, sizeof sock, "%s", optarg); break;
        case 'h': usage(stdout); return RPC_EXIT_OK;
        case 'V': printf("mmtop %s\n", MMD_VERSION); return RPC_EXIT_OK;
        default: usage(stderr); return RPC_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return RPC_EXIT_USAGE;
    }
    static struct app a;
    tui_model_init(&a.m, sock);
    a.frame = malloc(sizeof *a.frame);
    if (!a.frame || tui_screen_init() != 0) {
        fprintf(stderr, "mmtop: cannot initialise the terminal\n");
        return RPC_EXIT_UNREACHABLE;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    a.dirty = 1;
    while (!stop) step(&a);
    tui_screen_end();
    rpc_client_close(a.cl);
    tui_model_free(&a.m);
    free(a.frame);
    return RPC_EXIT_OK;
}
