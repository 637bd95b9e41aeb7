/* control — the control socket server (libevent).  Owns the listening Unix
 * socket, the connected clients, per-client reply ordering and output caps,
 * and the 4 Hz status push to subscribers.  Request semantics live in dispatch.c.
 *
 * Each input line gets a slot in the client's FIFO; a slot is filled when
 * its answer is ready and slots leave the FIFO only from the head, so
 * pipelined replies keep request order.  When a client goes away, slots
 * still waiting for the backend are detached and free themselves when the
 * answer arrives.
 *
 * Limits (mmd-rpc(7) LIMITS): a client's input is not read while its
 * queued output is CTL_OUT_PAUSE or more, nor, while the queued output of
 * all clients together exceeds CTL_OUT_BUDGET, while it has any output
 * queued; at most CTL_LINES_PER_TURN lines of one client are handled per
 * loop turn.  A client with no unanswered request that is not subscribed
 * is idle: it is closed after CTL_IDLE_MS without traffic, and the oldest
 * idle client is closed to admit a new one when all CTL_MAX_CLIENTS slots
 * are taken.
 *
 * A read-only control (control_new_readonly, control.readonly_socket) is the
 * same server on a second socket, mode 0660 in a directory created 0750, for
 * a monitoring group (OpenBSD bgpd's restricted socket is the model): the
 * file system decides who may connect, any peer uid is accepted, and only
 * methods marked read-only in the command table are answered. */
#define _GNU_SOURCE
#include "control.h"

#include "fsutil.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "dispatch.h"
#include "log.h"

#define CTL_MAX_CLIENTS 64
#define CTL_OUT_HARD_CAP (8u * 1024 * 1024)  /* output beyond this: drop the client */
#define CTL_OUT_PAUSE (64u * 1024)            /* a client's output before we stop reading it */
#define CTL_OUT_BUDGET (4u * 1024 * 1024)     /* all clients' output before we stop reading */
#define CTL_LINES_PER_TURN 16                 /* lines of one client per loop turn */
#define CTL_MAX_SLOTS 256                     /* pending lines before we stop reading */
#define CTL_PUSH_MS 250                       /* status push period (4 Hz) */
#define CTL_IDLE_MS 60000                     /* idle clients are closed after this */

struct ctl_client;

struct ctl_slot {
    struct ctl_slot *next;
    struct ctl_client *cl;   /* NULL once the client is gone */
    int done;
    char *data;              /* framed reply; NULL = nothing to send */
    size_t len;
};

struct ctl_client {
    struct control *ctl;
    struct ctl_client *prev, *next;
    struct bufferevent *bev;
    struct event *ev_kill;   /* deferred close */
    struct event *ev_resume; /* deferred re-read after backpressure */
    int paused;              /* reading stopped: pending slots or queued output */
    int64_t active_ms;       /* last input line or output drained */
    struct ctl_slot *head, *tail;
    int nslots;
    int subscribed;
    int closing;             /* no more input; close when all answered */
    char *push;              /* newest status waiting for the output to drain */
    size_t push_len;
    struct rpc_env env;
};

struct control {
    struct event_base *base;
    const struct backend *be;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    int fd;
    ino_t ino;
    struct event *ev_accept, *ev_push;
    struct ctl_client *clients;
    int nclients, nsubs;
    int idle_ms;
    int readonly;            /* the read-only socket */
};

static void client_flush(struct ctl_client *cl);

static size_t out_len(const struct ctl_client *cl)
{
    return evbuffer_get_length(bufferevent_get_output(cl->bev));
}

static size_t out_total(const struct control *ctl)
{
    size_t n = 0;
    for (const struct ctl_client *c = ctl->clients; c; c = c->next) n += out_len(c);
    return n;
}

/* Whether more of cl's input may be handled now (output limits). */
static int may_read(const struct ctl_client *cl)
{
    size_t own = out_len(cl);
    if (own >= CTL_OUT_PAUSE) return 0;
    return own == 0 || out_total(cl->ctl) < CTL_OUT_BUDGET;
}

/* Not subscribed, nothing unanswered: may be closed when idle. */
static int client_idle(const struct ctl_client *cl)
{
    return !cl->subscribed && !cl->head && !cl->closing;
}

/* ---- client lifetime ---- */

static void client_free(struct ctl_client *cl)
{
    struct control *ctl = cl->ctl;
    for (struct ctl_slot *s = cl->head, *n; s; s = n) {
        n = s->next;
        if (s->done) {
            free(s->data);
            free(s);
        } else {
            s->cl = NULL;   /* detached: frees itself when answered */
            s->next = NULL;
        }
    }
    if (cl->subscribed) ctl->nsubs--;
    if (cl->prev) cl->prev->next = cl->next;
    else ctl->clients = cl->next;
    if (cl->next) cl->next->prev = cl->prev;
    ctl->nclients--;
    bufferevent_free(cl->bev);
    event_free(cl->ev_kill);
    event_free(cl->ev_resume);
    free(cl->push);
    free(cl);
}

static void kill_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    client_free(arg);
}

static void client_kill_later(struct ctl_client *cl)
{
    static const struct timeval zero = {0, 0};
    cl->closing = 1;
    bufferevent_disable(cl->bev, EV_READ);
    evtimer_add(cl->ev_kill, &zero);
}

static int client_subscribe(void *arg, int on)
{
    struct ctl_client *cl = arg;
    if (on && !cl->subscribed) cl->ctl->nsubs++;
    if (!on && cl->subscribed) cl->ctl->nsubs--;
    cl->subscribed = on;
    return 0;
}

/* ---- replies in order ---- */

static void slot_done(void *arg, json_t *reply)
{
    struct ctl_slot *s = arg;
    if (reply) {
        s->data = rpc_frame(reply, &s->len);
        json_decref(reply);
    }
    s->done = 1;
    if (!s->cl) {   /* client gone */
        free(s->data);
        free(s);
        return;
    }
    client_flush(s->cl);
}

static struct ctl_slot *slot_push(struct ctl_client *cl)
{
    struct ctl_slot *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cl = cl;
    if (cl->tail) cl->tail->next = s;
    else cl->head = s;
    cl->tail = s;
    cl->nslots++;
    return s;
}

static void client_flush(struct ctl_client *cl)
{
    struct evbuffer *out = bufferevent_get_output(cl->bev);
    while (cl->head && cl->head->done) {
        struct ctl_slot *s = cl->head;
        cl->head = s->next;
        if (!cl->head) cl->tail = NULL;
        cl->nslots--;
        if (s->data) evbuffer_add(out, s->data, s->len);
        free(s->data);
        free(s);
    }
    if (evbuffer_get_length(out) > CTL_OUT_HARD_CAP) {
        LOGW("control", "client not reading its replies; dropping it");
        client_kill_later(cl);
        return;
    }
    if (cl->paused && !cl->closing && cl->nslots < CTL_MAX_SLOTS / 2 && may_read(cl)) {
        static const struct timeval zero = {0, 0};
        cl->paused = 0;
        evtimer_add(cl->ev_resume, &zero);   /* lines may already be buffered */
    }
    if (cl->closing && !cl->head && evbuffer_get_length(out) == 0) client_kill_later(cl);
}

/* Answers a transport-level problem (oversize line) and closes after. */
static void client_refuse_rest(struct ctl_client *cl, int code, const char *msg)
{
    struct ctl_slot *s = slot_push(cl);
    cl->closing = 1;
    bufferevent_disable(cl->bev, EV_READ);
    struct evbuffer *in = bufferevent_get_input(cl->bev);
    evbuffer_drain(in, evbuffer_get_length(in));
    if (s)
        slot_done(s, rpc_make_error(NULL, code, msg));
    else
        client_kill_later(cl);
}

/* ---- input ---- */

static void handle_line(struct ctl_client *cl, char *line, size_t n)
{
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
    if (i == n) return;   /* blank line: ignored */
    struct ctl_slot *s = slot_push(cl);
    if (!s) {
        client_refuse_rest(cl, RPC_INTERNAL_ERROR, "out of memory");
        return;
    }
    rpc_handle_line(&cl->env, line, n, slot_done, s);
}

/* Takes the next complete line of cl's input: 1 and the line, 0 if none
 * is complete yet, -1 when the client was refused. */
static int take_line(struct ctl_client *cl, char **out, size_t *len)
{
    struct evbuffer *in = bufferevent_get_input(cl->bev);
    struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
    size_t pending = evbuffer_get_length(in);
    if ((p.pos < 0 && pending > RPC_MAX_LINE) || (p.pos >= 0 && (size_t)p.pos > RPC_MAX_LINE)) {
        client_refuse_rest(cl, RPC_INVALID_REQUEST,
                           "Invalid Request: line longer than 1048576 bytes");
        return -1;
    }
    if (p.pos < 0) return 0;
    size_t n = (size_t)p.pos;
    char *line = malloc(n + 1);
    if (!line) {
        client_refuse_rest(cl, RPC_INTERNAL_ERROR, "out of memory");
        return -1;
    }
    evbuffer_remove(in, line, n + 1);
    line[n] = 0;
    *out = line;
    *len = n;
    return 1;
}

static void client_pause(struct ctl_client *cl)
{
    cl->paused = 1;
    bufferevent_disable(cl->bev, EV_READ);
}

/* Handles complete lines while the limits allow: stops reading (paused)
 * on too many pending slots or too much queued output; after
 * CTL_LINES_PER_TURN lines, lets the loop run and continues next turn. */
static void read_cb(struct bufferevent *bev, void *arg)
{
    struct ctl_client *cl = arg;
    for (int turn = 0; !cl->closing; turn++) {
        if (cl->nslots >= CTL_MAX_SLOTS || !may_read(cl)) {
            client_pause(cl);
            return;
        }
        if (turn == CTL_LINES_PER_TURN) {
            static const struct timeval zero = {0, 0};
            bufferevent_disable(bev, EV_READ);
            evtimer_add(cl->ev_resume, &zero);
            return;
        }
        char *line;
        size_t n;
        if (take_line(cl, &line, &n) <= 0) return;
        cl->active_ms = clock_mono_ms();
        handle_line(cl, line, n);
        free(line);
    }
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct ctl_client *cl = arg;
    if (cl->closing || cl->paused) return;
    bufferevent_enable(cl->bev, EV_READ);
    read_cb(cl->bev, cl);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
    struct ctl_client *cl = arg;
    struct evbuffer *out = bufferevent_get_output(bev);
    cl->active_ms = clock_mono_ms();
    if (cl->push && evbuffer_get_length(out) == 0) {
        evbuffer_add(out, cl->push, cl->push_len);
        free(cl->push);
        cl->push = NULL;
    }
    client_flush(cl);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct ctl_client *cl = arg;
    if (what & BEV_EVENT_EOF) {   /* peer done sending: answer what we have, then close */
        cl->closing = 1;
        bufferevent_disable(bev, EV_READ);
        if (!(what & BEV_EVENT_ERROR)) {
            client_flush(cl);
            return;
        }
    }
    if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) client_kill_later(cl);
}

/* ---- accept ---- */

static void refuse_fd(int fd, int code, const char *msg)
{
    json_t *e = rpc_make_error(NULL, code, msg);
    size_t n;
    char *s = rpc_frame(e, &n);
    json_decref(e);
    if (s && send(fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) { /* peer gone: nothing to do */ }
    free(s);
    /* read what the peer already sent, so closing does not reset the
     * connection before it reads our error line */
    char junk[4096];
    for (int i = 0; i < 16 && recv(fd, junk, sizeof junk, MSG_DONTWAIT) > 0; i++) {}
    shutdown(fd, SHUT_WR);
    close(fd);
}

static int peer_allowed(const struct control *ctl, int fd, unsigned *uid_out)
{
    struct ucred cr;
    socklen_t len = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0) return 0;
    *uid_out = (unsigned)cr.uid;
    return ctl->readonly || cr.uid == 0 || cr.uid == geteuid();
}

static void client_new(struct control *ctl, int fd)
{
    struct ctl_client *cl = calloc(1, sizeof *cl);
    if (!cl) {
        refuse_fd(fd, RPC_ERR_OVERLOADED, "out of memory");
        return;
    }
    cl->ctl = ctl;
    cl->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
    cl->ev_kill = evtimer_new(ctl->base, kill_cb, cl);
    cl->ev_resume = evtimer_new(ctl->base, resume_cb, cl);
    if (!cl->bev || !cl->ev_kill || !cl->ev_resume) {
        if (cl->bev) bufferevent_free(cl->bev);
        else close(fd);
        if (cl->ev_kill) event_free(cl->ev_kill);
        if (cl->ev_resume) event_free(cl->ev_resume);
        free(cl);
        return;
    }
    cl->active_ms = clock_mono_ms();
    cl->env = (struct rpc_env){.be = ctl->be, .client = cl, .subscribe = client_subscribe,
                               .readonly = ctl->readonly};
    struct ucred cr;   /* who halts and resumes goes into the ledger */
    socklen_t crl = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0)
        snprintf(cl->env.who, sizeof cl->env.who, "uid %u pid %d", (unsigned)cr.uid, (int)cr.pid);
    cl->next = ctl->clients;
    if (cl->next) cl->next->prev = cl;
    ctl->clients = cl;
    ctl->nclients++;
    bufferevent_setcb(cl->bev, read_cb, write_cb, event_cb, cl);
    bufferevent_setwatermark(cl->bev, EV_READ, 0, RPC_MAX_LINE + 2);   /* bounded input */
    bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
}

/* Closes the idle client with the oldest traffic to make room; 0 if none. */
static int evict_idle(struct control *ctl)
{
    struct ctl_client *old = NULL;
    for (struct ctl_client *c = ctl->clients; c; c = c->next)
        if (client_idle(c) && (!old || c->active_ms <= old->active_ms)) old = c;
    if (!old) return 0;
    LOGW("control", "%d control clients: closing the longest idle one", ctl->nclients);
    client_free(old);
    return 1;
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
    (void)what;
    struct control *ctl = arg;
    for (int i = 0; i < 16; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        unsigned uid = 0;
        char msg[96];
        if (!peer_allowed(ctl, fd, &uid)) {
            LOGW("control", "refused connection from uid %u", uid);
            snprintf(msg, sizeof msg, "Permission denied: uid %u may not control mmd", uid);
            refuse_fd(fd, RPC_ERR_PERMISSION, msg);
        } else if (ctl->nclients >= CTL_MAX_CLIENTS && !evict_idle(ctl)) {
            refuse_fd(fd, RPC_ERR_OVERLOADED,
                      "too many control clients (64), none idle: try again later");
        } else {
            client_new(ctl, fd);
        }
    }
}

/* ---- status push ---- */

/* Closes idle clients that have had no traffic for ctl->idle_ms. */
static void idle_sweep(struct control *ctl)
{
    int64_t now = clock_mono_ms();
    for (struct ctl_client *c = ctl->clients; c; c = c->next)
        if (client_idle(c) && now - c->active_ms >= ctl->idle_ms) {
            LOGI("control", "closing a control client idle for %d ms", ctl->idle_ms);
            client_kill_later(c);
        }
}

static void push_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct control *ctl = arg;
    idle_sweep(ctl);
    if (!ctl->nsubs) return;
    json_t *st = ctl->be->status(ctl->be->ud);
    if (!st) return;
    json_t *note = rpc_make_notification("status", st);
    size_t n;
    char *line = rpc_frame(note, &n);
    json_decref(note);
    if (!line) return;
    for (struct ctl_client *cl = ctl->clients; cl; cl = cl->next) {
        if (!cl->subscribed || cl->closing) continue;
        struct evbuffer *out = bufferevent_get_output(cl->bev);
        if (evbuffer_get_length(out) == 0) {
            evbuffer_add(out, line, n);
        } else {   /* slow reader: keep only the newest */
            free(cl->push);
            cl->push = malloc(n);
            if (cl->push) memcpy(cl->push, line, n);
            cl->push_len = n;
        }
    }
    free(line);
}

/* ---- socket setup ---- */

static int mkdirs(const char *path, mode_t mode, char *err, size_t errlen)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0;
    *slash = 0;
    if (mkdir_p(dir, mode) == 0) return 0;
    snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
    return -1;
}

/* 1 if a daemon answers at path, 0 if not (stale file removed), -1 error. */
static int check_existing(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) != 0) return 0;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", path);
        return -1;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa), e = errno;
    close(fd);
    if (rc == 0 || e == EAGAIN) {
        snprintf(err, errlen, "another mmd is running on %s", path);
        return 1;
    }
    if (e != ECONNREFUSED) {   /* e.g. EACCES: not ours to remove */
        snprintf(err, errlen, "cannot check existing socket %s: %s", path, strerror(e));
        return -1;
    }
    LOGI("control", "removing stale socket %s", path);
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int listen_on(struct control *ctl, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", ctl->path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    mode_t old = umask(ctl->readonly ? 0117 : 0177);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    struct stat st;
    if (rc != 0 || chmod(ctl->path, ctl->readonly ? 0660 : 0600) != 0 || listen(fd, 64) != 0 ||
        stat(ctl->path, &st) != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", ctl->path, strerror(errno));
        close(fd);
        return -1;
    }
    ctl->fd = fd;
    ctl->ino = st.st_ino;
    return 0;
}

static struct control *control_open(struct event_base *base, const char *path, const struct backend *be,
                                    int readonly, char *err, size_t errlen)
{
    struct control *ctl = calloc(1, sizeof *ctl);
    if (!ctl) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ctl->base = base;
    ctl->be = be;
    ctl->fd = -1;
    ctl->idle_ms = CTL_IDLE_MS;
    ctl->readonly = readonly;
    if (strlen(path) >= sizeof ctl->path) {
        snprintf(err, errlen, "control socket path too long (max %zu): %s", sizeof ctl->path - 1,
                 path);
        free(ctl);
        return NULL;
    }
    snprintf(ctl->path, sizeof ctl->path, "%s", path);
    signal(SIGPIPE, SIG_IGN);
    if (mkdirs(path, readonly ? 0750 : 0700, err, errlen) != 0 || rpc_socket_dir_check(path, 0, NULL, err, errlen) != 0 ||
        check_existing(path, err, errlen) != 0 ||
        listen_on(ctl, err, errlen) != 0) {
        free(ctl);
        return NULL;
    }
    const struct timeval every = clock_tv_us(CTL_PUSH_MS * 1000);
    ctl->ev_accept = event_new(base, ctl->fd, EV_READ | EV_PERSIST, accept_cb, ctl);
    ctl->ev_push = event_new(base, -1, EV_PERSIST, push_cb, ctl);
    if (!ctl->ev_accept || !ctl->ev_push) {
        snprintf(err, errlen, "cannot create control events");
        control_free(ctl);
        return NULL;
    }
    event_add(ctl->ev_accept, NULL);
    event_add(ctl->ev_push, &every);
    LOGI("control", "listening on %s%s", path, readonly ? " (read-only methods, mode 0660)" : "");
    return ctl;
}

struct control *control_new(struct event_base *base, const char *path, const struct backend *be,
                            char *err, size_t errlen)
{
    return control_open(base, path, be, 0, err, errlen);
}

struct control *control_new_readonly(struct event_base *base, const char *path, const struct backend *be,
                                     char *err, size_t errlen)
{
    return control_open(base, path, be, 1, err, errlen);
}

/* Writes what is already queued for the client, waiting at most ~200 ms. */
static void client_last_flush(struct ctl_client *cl)
{
    struct evbuffer *out = bufferevent_get_output(cl->bev);
    int fd = bufferevent_getfd(cl->bev);
    for (int i = 0; i < 20 && evbuffer_get_length(out) > 0; i++) {
        int w = evbuffer_write(out, fd);
        if (w < 0 && errno != EAGAIN) break;
        if (w <= 0) usleep(10000);
    }
}

void control_free(struct control *ctl)
{
    if (!ctl) return;
    while (ctl->clients) {
        client_last_flush(ctl->clients);
        client_free(ctl->clients);
    }
    if (ctl->ev_accept) event_free(ctl->ev_accept);
    if (ctl->ev_push) event_free(ctl->ev_push);
    if (ctl->fd >= 0) {
        close(ctl->fd);
        struct stat st;
        if (stat(ctl->path, &st) == 0 && st.st_ino == ctl->ino) unlink(ctl->path);
    }
    free(ctl);
}

void control_set_idle_timeout(struct control *ctl, int ms)
{
    ctl->idle_ms = ms > 0 ? ms : CTL_IDLE_MS;
}
