/* http — the sockets of standx-sim: the libevent listener, per-connection
 * bufferevents, a small HTTP/1.1 request parser (request line, headers,
 * Content-Length bodies, keep-alive), replies, the RFC 6455 upgrade and
 * WebSocket framing (server frames unmasked, client frames must be masked;
 * text, ping, pong, close; fragmented and binary messages are refused).
 * Every limit is bounded (SIM_MAX_HEAD, SIM_MAX_BODY, SIM_MAX_OUT). */
#define _GNU_SOURCE
#include "sim_net.h"

#include "clock.h"
#include "codec.h"
#include "log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- SHA-1 (RFC 3174), only for the WebSocket accept key ------------- */

static uint32_t rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
        else { f = b ^ c ^ d; k = 0xCA62C1D6; }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d; d = c; c = rol(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

void sim_sha1(const uint8_t *d, size_t n, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    uint8_t blk[64];
    size_t i = 0;
    for (; i + 64 <= n; i += 64) sha1_block(h, d + i);
    size_t r = n - i;
    memset(blk, 0, sizeof blk);
    memcpy(blk, d + i, r);
    blk[r] = 0x80;
    if (r >= 56) { sha1_block(h, blk); memset(blk, 0, sizeof blk); }
    uint64_t bits = (uint64_t)n * 8;
    for (int j = 0; j < 8; j++) blk[63 - j] = (uint8_t)(bits >> (8 * j));
    sha1_block(h, blk);
    for (int j = 0; j < 5; j++) {
        out[4 * j] = (uint8_t)(h[j] >> 24); out[4 * j + 1] = (uint8_t)(h[j] >> 16);
        out[4 * j + 2] = (uint8_t)(h[j] >> 8); out[4 * j + 3] = (uint8_t)h[j];
    }
}

/* ---- connection lifecycle -------------------------------------------- */

static void read_cb(struct bufferevent *bev, void *arg);

void sim_conn_free(struct sim_conn *c)
{
    struct sim_srv *s = c->srv;
    sim_srv_on_conn_closed(c);
    if (c->prev) c->prev->next = c->next; else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    if (c->delay_ev) event_free(c->delay_ev);
    sim_req_free(c->pending);
    bufferevent_free(c->bev);
    free(c);
}

static void reap_cb(evutil_socket_t fd, short ev, void *arg)
{
    (void)fd; (void)ev;
    struct sim_srv *s = arg;
    struct sim_conn *c = s->conns;
    while (c) {
        struct sim_conn *n = c->next;
        if (c->dead) sim_conn_free(c);
        c = n;
    }
}

void sim_conn_kill(struct sim_conn *c)
{
    if (c->dead) return;
    c->dead = true;
    bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    event_active(c->srv->reaper, 0, 0);
}

void sim_conn_close(struct sim_conn *c)
{
    if (c->dead || c->closing) return;
    c->closing = true;
    bufferevent_disable(c->bev, EV_READ);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) sim_conn_kill(c);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
    struct sim_conn *c = arg;
    if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0) sim_conn_kill(c);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct sim_conn *c = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        if (c->ws) sim_srv_log(c->srv, "close", c, NULL, NULL, 0);
        sim_conn_kill(c);
    }
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)sa;
        static const uint8_t v4m[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
        return !memcmp(in6->sin6_addr.s6_addr, v4m, 12) && in6->sin6_addr.s6_addr[12] == 127;
    }
    return false;
}

static void peer_str(const struct sockaddr *sa, char *out, size_t cap)
{
    const void *a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    if (sa->sa_family == AF_INET6) a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (!inet_ntop(sa->sa_family, a, out, (socklen_t)cap)) snprintf(out, cap, "?");
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg)
{
    (void)l; (void)len;
    struct sim_srv *s = arg;
    if (sim_srv_refusing(s)) { close(fd); return; }
    struct sim_conn *c = calloc(1, sizeof *c);
    if (!c) { close(fd); return; }
    evutil_make_socket_nonblocking(fd);
    int one = 1;   /* like a real exchange: no Nagle delay on small frames */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) { close(fd); free(c); return; }
    c->srv = s;
    c->id = ++s->next_conn_id;
    c->loopback = is_loopback(sa);
    peer_str(sa, c->peer, sizeof c->peer);
    c->created_ms = clock_mono_ms();
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int sim_http_listen(struct sim_srv *s, const char *host, int port, int *bound_port)
{
    struct sockaddr_storage ss;
    int sl;
    char spec[128];
    memset(&ss, 0, sizeof ss);
    snprintf(spec, sizeof spec, "%s:%d", host, port);
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    const char *h = strcmp(host, "localhost") ? host : "127.0.0.1";
    if (inet_pton(AF_INET, h, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        sl = sizeof *in;
    } else if (inet_pton(AF_INET6, h, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        sl = sizeof *in6;
    } else {
        fprintf(stderr, "standx-sim: bad listen address %s (want a numeric IP)\n", spec);
        return -1;
    }
    s->lis = evconnlistener_new_bind(s->base, accept_cb, s,
                                     LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 128,
                                     (struct sockaddr *)&ss, sl);
    if (!s->lis) {
        fprintf(stderr, "standx-sim: cannot listen on %s: %s\n", spec, strerror(errno));
        return -1;
    }
    s->reaper = event_new(s->base, -1, 0, reap_cb, s);
    struct sockaddr_storage got;
    socklen_t gl = sizeof got;
    getsockname(evconnlistener_get_fd(s->lis), (struct sockaddr *)&got, &gl);
    *bound_port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                                  : ((struct sockaddr_in *)&got)->sin_port);
    return 0;
}

void sim_http_stop(struct sim_srv *s)
{
    while (s->conns) sim_conn_free(s->conns);
    if (s->lis) evconnlistener_free(s->lis);
    if (s->reaper) event_free(s->reaper);
    s->lis = NULL;
    s->reaper = NULL;
}

/* ---- requests --------------------------------------------------------- */

void sim_req_free(struct sim_req *r)
{
    if (!r) return;
    free(r->raw);
    free(r->body);
    free(r);
}

const char *sim_req_header(const struct sim_req *r, const char *name)
{
    for (int i = 0; i < r->nhdr; i++)
        if (!strcmp(r->hdr[i].name, name)) return r->hdr[i].value;
    return NULL;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static void url_decode(const char *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (in[i] == '%' && i + 2 < n && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
            out[o++] = (char)(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
            i += 2;
        } else {
            out[o++] = in[i] == '+' ? ' ' : in[i];
        }
    }
    out[o] = 0;
}

int sim_req_param(const struct sim_req *r, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = r->query;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') {
            url_decode(p + nl + 1, len - nl - 1, out, cap);
            return 1;
        }
        if (len == nl && !strncmp(p, name, nl)) { out[0] = 0; return 1; }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static char *trim(char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r')) p[--n] = 0;
    return p;
}

/* Parses the head (request line + headers, without the blank line).
 * Returns NULL and sets *why on malformed input. */
static struct sim_req *parse_head(char *raw, const char **why)
{
    struct sim_req *r = calloc(1, sizeof *r);
    if (!r) { free(raw); *why = "out of memory"; return NULL; }
    r->raw = raw;
    char *save = NULL, *line = strtok_r(raw, "\n", &save);
    char *sp1 = line ? strchr(line, ' ') : NULL;
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || (size_t)(sp1 - line) >= sizeof r->method) goto bad;
    *sp1 = 0; *sp2 = 0;
    snprintf(r->method, sizeof r->method, "%s", line);
    char *ver = trim(sp2 + 1);
    if (strncmp(ver, "HTTP/1.", 7) || sp1[1] != '/') goto bad;
    r->keep_alive = !strcmp(ver, "HTTP/1.1");
    r->path = sp1 + 1;
    char *q = strchr(r->path, '?');
    if (q) { *q = 0; r->query = q + 1; } else r->query = "";
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *colon = strchr(line, ':');
        if (!colon || colon == line || r->nhdr >= SIM_MAX_HDRS) goto bad;
        *colon = 0;
        for (char *p = line; *p; p++) {
            if (*p <= ' ') goto bad;
            *p = (char)tolower((unsigned char)*p);
        }
        r->hdr[r->nhdr].name = line;
        r->hdr[r->nhdr].value = trim(colon + 1);
        r->nhdr++;
    }
    const char *conn = sim_req_header(r, "connection");
    if (conn && strcasestr(conn, "close")) r->keep_alive = false;
    if (conn && strcasestr(conn, "keep-alive")) r->keep_alive = true;
    return r;
bad:
    *why = "malformed request head";
    sim_req_free(r);
    return NULL;
}

static const char *status_text(int st)
{
    switch (st) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

void sim_http_reply(struct sim_conn *c, const struct sim_req *r, int status, const char *ctype,
                    const char *body, size_t len)
{
    if (c->dead) return;
    bool ka = r && r->keep_alive;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                        "Connection: %s\r\n\r\n", status, status_text(status), ctype, len,
                        ka ? "keep-alive" : "close");
    evbuffer_add(out, body, len);
    char tag[300];
    snprintf(tag, sizeof tag, "%s %d", r && r->path ? r->path : "-", status);
    sim_srv_log(c->srv, "out", c, tag, body, len);
    if (!ka) sim_conn_close(c);
}

void sim_http_json(struct sim_conn *c, const struct sim_req *r, int status, json_t *j)
{
    char *txt = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!txt) { sim_http_error(c, r, 500, "internal error"); return; }
    sim_http_reply(c, r, status, "application/json", txt, strlen(txt));
    free(txt);
}

void sim_http_error(struct sim_conn *c, const struct sim_req *r, int status, const char *msg)
{
    json_t *j = json_pack("{s:i,s:s}", "code", status, "message", msg);
    char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (txt) sim_http_reply(c, r, status, "application/json", txt, strlen(txt));
    free(txt);
}

static void bad_request(struct sim_conn *c, int status, const char *why)
{
    sim_http_error(c, NULL, status, why);   /* NULL request => Connection: close */
}

/* ---- WebSocket -------------------------------------------------------- */

static bool out_full(struct sim_conn *c)
{
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) <= SIM_MAX_OUT) return false;
    LOGW("sim", "connection %llu: output buffer over %d bytes, dropping the slow client",
         (unsigned long long)c->id, SIM_MAX_OUT);
    sim_srv_log(c->srv, "close", c, "slow client", NULL, 0);
    sim_conn_kill(c);
    return true;
}

static void ws_frame(struct sim_conn *c, int op, const void *data, size_t len)
{
    if (c->dead || !c->ws || out_full(c)) return;
    uint8_t h[10];
    size_t hl = 2;
    h[0] = (uint8_t)(0x80 | op);
    if (len < 126) h[1] = (uint8_t)len;
    else if (len < 65536) { h[1] = 126; h[2] = (uint8_t)(len >> 8); h[3] = (uint8_t)len; hl = 4; }
    else {
        h[1] = 127;
        for (int i = 0; i < 8; i++) h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
        hl = 10;
    }
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_add(out, h, hl);
    if (len) evbuffer_add(out, data, len);
}

void sim_ws_send_text(struct sim_conn *c, const char *txt, size_t len)
{
    if (c->dead || c->closing) return;
    if (c->srv->o.log_lean && c->kind == SIM_CONN_WS_STREAM) {
        /* benchmark mode: to the socket now, logged after, so ts_us is
         * the write time (not when the frame was queued) */
        ws_frame(c, 0x1, txt, len);
        if (!c->dead) evbuffer_write(bufferevent_get_output(c->bev), bufferevent_getfd(c->bev));
        sim_srv_log(c->srv, "out", c, NULL, txt, len);
        return;
    }
    sim_srv_log(c->srv, "out", c, NULL, txt, len);
    ws_frame(c, 0x1, txt, len);
}

void sim_ws_send_text_nolog(struct sim_conn *c, const char *txt, size_t len)
{
    if (c->dead || c->closing) return;
    ws_frame(c, 0x1, txt, len);
}

size_t sim_conn_out_len(const struct sim_conn *c)
{
    return c->bev ? evbuffer_get_length(bufferevent_get_output(c->bev)) : 0;
}

void sim_ws_send_json(struct sim_conn *c, json_t *j)
{
    char *txt = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (txt) sim_ws_send_text(c, txt, strlen(txt));
    free(txt);
}

void sim_ws_send_ping(struct sim_conn *c)
{
    if (!c->closing) ws_frame(c, 0x9, "sim", 3);
}

void sim_ws_send_close(struct sim_conn *c, int code, const char *reason)
{
    if (c->dead || c->closing) return;
    uint8_t p[125];
    size_t rl = strlen(reason);
    if (rl > 120) rl = 120;
    p[0] = (uint8_t)(code >> 8);
    p[1] = (uint8_t)code;
    memcpy(p + 2, reason, rl);
    sim_srv_log(c->srv, "close", c, reason, NULL, 0);
    ws_frame(c, 0x8, p, rl + 2);
    sim_conn_close(c);
}

static void ws_handshake(struct sim_conn *c, struct sim_req *r)
{
    const char *key = sim_req_header(r, "sec-websocket-key");
    enum sim_conn_kind kind = !strcmp(r->path, "/ws-stream/v1") ? SIM_CONN_WS_STREAM
                            : !strcmp(r->path, "/ws-api/v1") ? SIM_CONN_WS_API : SIM_CONN_HTTP;
    if (kind == SIM_CONN_HTTP) { sim_http_error(c, NULL, 404, "no websocket endpoint here"); return; }
    if (!key || strcmp(r->method, "GET") || strlen(key) > 64) {
        sim_http_error(c, NULL, 400, "bad websocket upgrade request");
        return;
    }
    const char *busy = sim_ip_ws_admit(c);
    if (busy) { sim_http_error(c, NULL, 429, busy); return; }
    char buf[128], acc[64];
    uint8_t dig[20];
    snprintf(buf, sizeof buf, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    sim_sha1((const uint8_t *)buf, strlen(buf), dig);
    b64_encode(dig, 20, acc, sizeof acc);
    evbuffer_add_printf(bufferevent_get_output(c->bev),
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
    c->ws = true;
    c->kind = kind;
    c->created_ms = c->last_pong_ms = clock_mono_ms();
    sim_srv_log(c->srv, "open", c, r->path, NULL, 0);
    sim_srv_on_ws_open(c);
}

/* Parses one frame if complete.  1 consumed, 0 need more, -1 connection closed. */
static int ws_read_frame(struct sim_conn *c, struct evbuffer *in)
{
    size_t avail = evbuffer_get_length(in);
    if (avail < 2) return 0;
    uint8_t h[14];
    evbuffer_copyout(in, h, avail < 14 ? avail : 14);
    int fin = h[0] & 0x80, op = h[0] & 0x0f;
    size_t hl = 2;
    uint64_t len = h[1] & 0x7f;
    if (h[0] & 0x70) { sim_ws_send_close(c, 1002, "reserved bits set"); return -1; }
    if (!(h[1] & 0x80)) { sim_ws_send_close(c, 1002, "client frames must be masked"); return -1; }
    if (len == 126) { if (avail < 4) return 0; len = (uint64_t)h[2] << 8 | h[3]; hl = 4; }
    else if (len == 127) {
        if (avail < 10) return 0;
        len = 0;
        for (int i = 0; i < 8; i++) len = len << 8 | h[2 + i];
        hl = 10;
    }
    if (len > SIM_MAX_BODY) { sim_ws_send_close(c, 1009, "message too big"); return -1; }
    if (avail < hl + 4 + len) return 0;
    uint8_t mask[4];
    evbuffer_drain(in, hl);
    evbuffer_remove(in, mask, 4);
    char *p = malloc(len + 1);
    if (!p) { sim_conn_kill(c); return -1; }
    evbuffer_remove(in, p, len);
    for (uint64_t i = 0; i < len; i++) p[i] ^= (char)mask[i & 3];
    p[len] = 0;
    int rc = 1;
    if (op >= 8 && (!fin || len > 125)) { sim_ws_send_close(c, 1002, "bad control frame"); rc = -1; }
    else if (op == 0x1 && fin) sim_srv_on_ws_text(c, p, len);
    else if (op == 0x1 || op == 0x0) { sim_ws_send_close(c, 1003, "fragmented messages are not supported"); rc = -1; }
    else if (op == 0x2) { sim_ws_send_close(c, 1003, "binary messages are not supported"); rc = -1; }
    else if (op == 0x8) {
        sim_srv_log(c->srv, "in", c, "close", p, len >= 2 ? len - 2 : 0);
        int code = len >= 2 ? ((uint8_t)p[0] << 8 | (uint8_t)p[1]) : 1000;
        sim_ws_send_close(c, code == 1005 ? 1000 : code, "bye");
        rc = -1;
    } else if (op == 0x9) ws_frame(c, 0xA, p, len);
    else if (op == 0xA) c->last_pong_ms = clock_mono_ms();
    else { sim_ws_send_close(c, 1002, "unknown opcode"); rc = -1; }
    free(p);
    return rc;
}

/* ---- HTTP input ------------------------------------------------------- */

/* 1 = one request handled, 0 = need more, -1 = stop reading. */
static int http_read_one(struct sim_conn *c, struct evbuffer *in)
{
    struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
    if (end.pos < 0) {
        if (evbuffer_get_length(in) > SIM_MAX_HEAD) { bad_request(c, 431, "request head too large"); return -1; }
        return 0;
    }
    if ((size_t)end.pos > SIM_MAX_HEAD) { bad_request(c, 431, "request head too large"); return -1; }
    size_t hl = (size_t)end.pos;
    char *head = malloc(hl + 1);
    if (!head) { sim_conn_kill(c); return -1; }
    evbuffer_copyout(in, head, hl);
    head[hl] = 0;
    if (memchr(head, 0, hl)) { free(head); bad_request(c, 400, "NUL byte in request head"); return -1; }
    const char *why = NULL;
    struct sim_req *r = parse_head(head, &why);
    if (!r) { bad_request(c, 400, why); return -1; }
    if (sim_req_header(r, "transfer-encoding")) {
        sim_req_free(r);
        bad_request(c, 501, "transfer-encoding is not supported; send Content-Length");
        return -1;
    }
    const char *cl = sim_req_header(r, "content-length");
    char *e = NULL;
    long long n = cl ? strtoll(cl, &e, 10) : 0;
    if (cl && (e == cl || *e || n < 0)) { sim_req_free(r); bad_request(c, 400, "bad Content-Length"); return -1; }
    if (n > SIM_MAX_BODY) { sim_req_free(r); bad_request(c, 413, "request body too large"); return -1; }
    if (evbuffer_get_length(in) < hl + 4 + (size_t)n) { sim_req_free(r); return 0; }
    evbuffer_drain(in, hl + 4);
    r->body = malloc((size_t)n + 1);
    if (!r->body) { sim_req_free(r); sim_conn_kill(c); return -1; }
    evbuffer_remove(in, r->body, (size_t)n);
    r->body[n] = 0;
    r->body_len = (size_t)n;
    const char *up = sim_req_header(r, "upgrade");
    if (up && !strcasecmp(up, "websocket")) {
        char tag[300];
        snprintf(tag, sizeof tag, "%s %s", r->method, r->path);
        sim_srv_log(c->srv, "in", c, tag, NULL, 0);
        ws_handshake(c, r);
        sim_req_free(r);
        return c->ws ? 1 : -1;
    }
    sim_srv_on_request(c, r);
    return c->pending || c->closing || c->dead ? -1 : 1;
}

static void process_input(struct sim_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    for (int guard = 0; guard < 10000 && !c->dead && !c->closing && !c->pending; guard++) {
        int rc = c->ws ? ws_read_frame(c, in) : http_read_one(c, in);
        if (rc <= 0) break;
    }
}

static void read_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    process_input(arg);
}

static void delay_cb(evutil_socket_t fd, short ev, void *arg)
{
    (void)fd; (void)ev;
    struct sim_conn *c = arg;
    struct sim_req *r = c->pending;
    c->pending = NULL;
    if (r) sim_srv_dispatch(c, r);
    if (!c->dead && !c->closing) {
        bufferevent_enable(c->bev, EV_READ);
        process_input(c);
    }
}

void sim_conn_defer(struct sim_conn *c, struct sim_req *r, int ms)
{
    if (!c->delay_ev) c->delay_ev = evtimer_new(c->srv->base, delay_cb, c);
    if (!c->delay_ev) { sim_srv_dispatch(c, r); return; }
    c->pending = r;
    bufferevent_disable(c->bev, EV_READ);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(c->delay_ev, &tv);
}
