/* rpc — JSON-RPC 2.0 helpers shared by mmd, mmctl and mmtop: error strings,
 * reply builders, NDJSON framing (rpc_frame, struct rpc_lines) and the small
 * blocking client over the Unix control socket (struct rpc_client), the
 * default socket path (rpc_default_socket), the socket directory and peer
 * checks both sides make before trusting the socket (rpc_socket_dir_check,
 * peer_ok) and what the clients show as a connection's state
 * (rpc_conn_state). */
#define _GNU_SOURCE   /* struct ucred */
#include "rpc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void rpc_default_socket(char *buf, size_t len)
{
    const char *x = getenv("XDG_RUNTIME_DIR"), *rd = getenv("RUNTIME_DIRECTORY");
    if (rd && *rd == '/') snprintf(buf, len, "%.*s/mmd.sock", (int)strcspn(rd, ":"), rd);   /* systemd */
    else if (x && *x == '/') snprintf(buf, len, "%s/mmd.sock", x);
    else snprintf(buf, len, "/tmp/mmd-%u/mmd.sock", (unsigned)getuid());
}

/* The directory part of path ("." when none). */
static void dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, len, ".");
    else if (slash == path) snprintf(dir, len, "/");
    else snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int rpc_socket_dir_check(const char *path, int any_owner, unsigned *owner, char *err,
                         size_t errlen)
{
    char dir[4096];
    struct stat st;
    dir_of(path, dir, sizeof dir);
    if (lstat(dir, &st) != 0) {
        snprintf(err, errlen, "cannot check socket directory %s: %s", dir, strerror(errno));
        return -1;
    }
    unsigned uid = (unsigned)st.st_uid, mode = (unsigned)st.st_mode & 07777, me = geteuid();
    const char *bad = NULL;
    if (S_ISLNK(st.st_mode)) bad = "is a symlink";
    else if (!S_ISDIR(st.st_mode)) bad = "is not a directory";
    else if (!any_owner && uid != me) bad = "is not owned by us";
    else if (st.st_mode & (S_IWGRP | S_IWOTH)) bad = "is writable by group or others";
    if (bad) {
        snprintf(err, errlen,
                 "unsafe socket directory %s (owner uid %u, mode %04o, we are uid %u): it %s; "
                 "another user could put a fake socket there.  Remove it (mmd creates it mode "
                 "0700) or choose another socket path",
                 dir, uid, mode, me, bad);
        return -1;
    }
    if (owner) *owner = uid;
    return 0;
}

const char *rpc_conn_state(const json_t *c)
{
    const char *own = json_string_value(json_object_get(c, "state"));
    const char *ws = json_string_value(json_object_get(json_object_get(c, "connection"), "state"));
    if (own && (!ws || strcmp(own, "ready"))) return own;
    return ws ? ws : "-";
}

const char *rpc_strerror(int code)
{
    switch (code) {
    case RPC_PARSE_ERROR: return "Parse error";
    case RPC_INVALID_REQUEST: return "Invalid Request";
    case RPC_METHOD_NOT_FOUND: return "Method not found";
    case RPC_INVALID_PARAMS: return "Invalid params";
    case RPC_INTERNAL_ERROR: return "Internal error";
    case RPC_ERR_UNKNOWN_TASK: return "Unknown task";
    case RPC_ERR_TASK_NOT_HALTED: return "Task is not halted";
    case RPC_ERR_SHUTTING_DOWN: return "Daemon is shutting down";
    case RPC_ERR_PERMISSION: return "Permission denied";
    case RPC_ERR_OVERLOADED: return "Overloaded";
    default: return "Error";
    }
}

static json_t *rpc_base(json_t *id)
{
    json_t *o = json_object();
    json_object_set_new(o, "jsonrpc", json_string("2.0"));
    json_object_set(o, "id", id ? id : json_null());
    return o;
}

json_t *rpc_make_result(json_t *id, json_t *result)
{
    json_t *o = rpc_base(id);
    json_object_set_new(o, "result", result ? result : json_null());
    return o;
}

json_t *rpc_make_error(json_t *id, int code, const char *msg)
{
    json_t *o = rpc_base(id);
    json_t *e = json_object();
    json_object_set_new(e, "code", json_integer(code));
    json_object_set_new(e, "message", json_string(msg && *msg ? msg : rpc_strerror(code)));
    if (!json_object_get(e, "message"))   /* msg was not valid UTF-8 */
        json_object_set_new(e, "message", json_string(rpc_strerror(code)));
    json_object_set_new(o, "error", e);
    return o;
}

json_t *rpc_make_notification(const char *method, json_t *params)
{
    json_t *o = json_object();
    json_object_set_new(o, "jsonrpc", json_string("2.0"));
    json_object_set_new(o, "method", json_string(method));
    if (params) json_object_set_new(o, "params", params);
    return o;
}

char *rpc_frame(const json_t *v, size_t *len)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) return NULL;
    size_t n = strlen(s);
    char *r = realloc(s, n + 2);
    if (!r) {
        free(s);
        return NULL;
    }
    r[n] = '\n';
    r[n + 1] = 0;
    if (len) *len = n + 1;
    return r;
}

/* ---- line splitter ---- */

void rpc_lines_init(struct rpc_lines *l) { memset(l, 0, sizeof *l); }

void rpc_lines_free(struct rpc_lines *l)
{
    free(l->buf);
    memset(l, 0, sizeof *l);
}

int rpc_lines_feed(struct rpc_lines *l, const char *data, size_t n)
{
    if (l->len + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 4096;
        while (cap < l->len + n + 1) cap *= 2;
        char *b = realloc(l->buf, cap);
        if (!b) return -1;
        l->buf = b;
        l->cap = cap;
    }
    memcpy(l->buf + l->len, data, n);
    l->len += n;
    return 0;
}

int rpc_lines_take(struct rpc_lines *l, char **out, size_t *outlen)
{
    char *nl = l->len ? memchr(l->buf, '\n', l->len) : NULL;
    size_t n = nl ? (size_t)(nl - l->buf) : l->len;
    if (n > RPC_MAX_LINE) {
        l->overlong = 1;
        return -1;
    }
    if (!nl) return 0;
    size_t keep = n;
    if (keep && l->buf[keep - 1] == '\r') keep--;
    char *s = malloc(keep + 1);
    if (!s) return -1;
    memcpy(s, l->buf, keep);
    s[keep] = 0;
    memmove(l->buf, nl + 1, l->len - n - 1);
    l->len -= n + 1;
    *out = s;
    if (outlen) *outlen = keep;
    return 1;
}

/* ---- blocking client ---- */

struct rpc_client {
    int fd;
    long next_id;
    struct rpc_lines in;
    json_t *queue;     /* messages read but not yet returned (array) */
    int closed;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the process serving the socket may get our requests: it runs
 * as our euid or root, or (explicit_path) as the directory's owner. */
static int peer_ok(int fd, const char *path, int explicit_path, unsigned owner, char *err,
                   size_t errlen)
{
    struct ucred cr;
    socklen_t len = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0) {
        snprintf(err, errlen, "cannot check the peer of %s: %s", path, strerror(errno));
        return 0;
    }
    unsigned uid = (unsigned)cr.uid, me = geteuid();
    if (uid == me || uid == 0 || (explicit_path && uid == owner)) return 1;
    snprintf(err, errlen,
             "refusing to talk to %s: the peer serving it runs as uid %u, not as uid %u or root",
             path, uid, me);
    return 0;
}

struct rpc_client *rpc_client_connect(const char *path, int timeout_ms, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "socket path too long: %s", path);
        return NULL;
    }
    strcpy(sa.sun_path, path);
    char def[sizeof sa.sun_path];
    rpc_default_socket(def, sizeof def);
    /* named explicitly (-s, $MMD_SOCKET): root reaching another user's daemon,
     * or a monitoring user the read-only socket of the daemon's user */
    int explicit_path = strcmp(def, path) != 0;
    unsigned owner = 0;
    if (rpc_socket_dir_check(path, explicit_path, &owner, err, errlen) != 0) return NULL;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return NULL;
    }
    (void)timeout_ms;   /* connect on a local socket does not block long */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(err, errlen, "cannot connect to mmd at %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!peer_ok(fd, path, explicit_path, owner, err, errlen)) {
        close(fd);
        return NULL;
    }
    struct rpc_client *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->fd = fd;
    c->next_id = 1;
    c->queue = json_array();
    rpc_lines_init(&c->in);
    return c;
}

void rpc_client_close(struct rpc_client *c)
{
    if (!c) return;
    close(c->fd);
    rpc_lines_free(&c->in);
    json_decref(c->queue);
    free(c);
}

int rpc_client_fd(const struct rpc_client *c) { return c->fd; }

static int write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

long rpc_client_send(struct rpc_client *c, const char *method, json_t *params)
{
    long id = c->next_id++;
    json_t *req = json_object();
    json_object_set_new(req, "jsonrpc", json_string("2.0"));
    json_object_set_new(req, "id", json_integer(id));
    json_object_set_new(req, "method", json_string(method));
    if (params) json_object_set(req, "params", params);
    size_t n;
    char *s = rpc_frame(req, &n);
    json_decref(req);
    int rc = s ? write_all(c->fd, s, n) : -1;
    free(s);
    return rc ? -1 : id;
}

/* Moves every complete line of the input buffer into the queue. */
static void drain_lines(struct rpc_client *c)
{
    char *line;
    size_t n;
    int r;
    while ((r = rpc_lines_take(&c->in, &line, &n)) == 1) {
        json_t *v = json_loadb(line, n, JSON_DECODE_ANY, NULL);
        free(line);
        if (v) json_array_append_new(c->queue, v);
    }
    if (r < 0) c->closed = 1;
}

/* Reads what is available within timeout_ms; 0 on progress or timeout. */
static void read_some(struct rpc_client *c, int timeout_ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
    if (r <= 0) return;
    char buf[65536];
    ssize_t got = recv(c->fd, buf, sizeof buf, 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (got <= 0) {
        c->closed = 1;
        return;
    }
    if (rpc_lines_feed(&c->in, buf, (size_t)got) != 0) c->closed = 1;
    drain_lines(c);
}

json_t *rpc_client_next(struct rpc_client *c, int timeout_ms, int *closed)
{
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (json_array_size(c->queue)) {
            json_t *v = json_incref(json_array_get(c->queue, 0));
            json_array_remove(c->queue, 0);
            return v;
        }
        if (c->closed) break;
        long long left = deadline - now_ms();
        read_some(c, left > 0 ? (int)left : 0);
        if (left <= 0 && !json_array_size(c->queue)) break;
    }
    if (closed) *closed = c->closed;
    return NULL;
}

/* Finds and removes the reply with the given id from the queue. */
static json_t *take_reply(struct rpc_client *c, long id)
{
    for (size_t i = 0; i < json_array_size(c->queue); i++) {
        json_t *m = json_array_get(c->queue, i);
        json_t *mid = json_object_get(m, "id");
        if (json_is_integer(mid) && json_integer_value(mid) == id) {
            json_incref(m);
            json_array_remove(c->queue, i);
            return m;
        }
    }
    return NULL;
}

/* An error reply with a null id: the daemon refused the connection. */
static json_t *take_reply_null(struct rpc_client *c)
{
    for (size_t i = 0; i < json_array_size(c->queue); i++) {
        json_t *m = json_array_get(c->queue, i);
        if (json_is_null(json_object_get(m, "id")) && json_object_get(m, "error")) {
            json_incref(m);
            json_array_remove(c->queue, i);
            return m;
        }
    }
    return NULL;
}

static enum rpc_call_status unpack_reply(json_t *rep, json_t **result, int *code, char *msg,
                                         size_t msglen)
{
    json_t *err = json_object_get(rep, "error");
    if (err) {
        json_t *jc = json_object_get(err, "code"), *jm = json_object_get(err, "message");
        *code = json_is_integer(jc) ? (int)json_integer_value(jc) : RPC_INTERNAL_ERROR;
        snprintf(msg, msglen, "%s", json_is_string(jm) ? json_string_value(jm) : rpc_strerror(*code));
        return RPC_CALL_ERROR;
    }
    *result = json_incref(json_object_get(rep, "result"));
    if (!*result) *result = json_null();
    return RPC_CALL_OK;
}

enum rpc_call_status rpc_client_call(struct rpc_client *c, const char *method, json_t *params,
                                     int timeout_ms, json_t **result, int *code, char *msg,
                                     size_t msglen)
{
    *result = NULL;
    *code = 0;
    long id = rpc_client_send(c, method, params);
    if (id < 0) {
        snprintf(msg, msglen, "cannot send request: %s", strerror(errno));
        return RPC_CALL_FAILED;
    }
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        json_t *rep = take_reply(c, id);
        if (rep) {
            enum rpc_call_status st = unpack_reply(rep, result, code, msg, msglen);
            json_decref(rep);
            return st;
        }
        if (c->closed) {
            json_t *any = take_reply_null(c);   /* e.g. permission denied */
            if (any) {
                enum rpc_call_status st = unpack_reply(any, result, code, msg, msglen);
                json_decref(any);
                return st;
            }
            snprintf(msg, msglen, "connection closed by mmd");
            return RPC_CALL_FAILED;
        }
        long long left = deadline - now_ms();
        if (left <= 0) {
            snprintf(msg, msglen, "no reply from mmd within %d ms", timeout_ms);
            return RPC_CALL_FAILED;
        }
        read_some(c, (int)left);
    }
}
