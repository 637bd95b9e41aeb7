/* rest — libcurl multi driven by libevent, in the manner of curl's hiperfifo
 * example: curl tells us which sockets to watch (socket callback) and when to
 * call it back (timer callback); libevent does the waiting.
 *
 * Decisions:
 *  - curl is never called from inside its own timer callback (that callback
 *    only arms a libevent timer) and the socket callback never returns -1.
 *  - A new request is handed to curl AND driven at once (send now, not on
 *    the next loop turn); completions are collected on the next turn.
 *  - One multi handle per process: connections are kept alive and reused; HTTP/2
 *    is used when the server offers it (CURL_HTTP_VERSION_2TLS, multiplexing).
 *  - Every request has its own total timeout.
 *  - Retry policy: only GETs are retried, on network errors, 5xx and 429, with
 *    exponential backoff (rest_knobs.retry_ms base, doubling, capped at 5 s)
 *    or the server's Retry-After (seconds, capped at 10 s), at most
 *    rest_knobs.get_attempts sends.  Anything else (POST: orders
 *    and cancels) is sent exactly once; the caller decides what an unclear
 *    outcome means (resp.sent tells whether bytes may have reached the server).
 *  - Callbacks run from libevent callbacks, never from inside curl; a callback
 *    may submit new requests.  rest_cancel / rest_free drop requests silently.
 *  - "Sent exactly once" holds inside libcurl too: libcurl re-sends a request
 *    on a fresh connection when a REUSED keep-alive connection dies before
 *    any response byte, even when the server had processed it (a new_order
 *    placed twice).  A body is therefore handed over by a read callback whose
 *    seek callback refuses to rewind (CURL_SEEKFUNC_CANTSEEK): such a request
 *    fails with CURLE_SEND_FAIL_REWIND (resp.sent = 1) and the caller's
 *    "ambiguous" path decides.  Pooled connections idle for more than 25 s
 *    are not reused (CURLOPT_MAXAGE_CONN), which keeps that race rare. */
#include "rest.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "log.h"

#define REST_MAX_BODY (16 * 1024 * 1024)

struct rest_req {
    struct rest *r;
    uint64_t id;
    CURL *easy;
    struct curl_slist *hdrs;
    char *method, *url, *body;
    size_t body_len;
    long timeout_ms;
    char *resp;
    size_t resp_len, resp_cap;
    char retry_after[64];
    bool too_big;
    int attempts;
    struct event *retry_ev;     /* pending retry (easy is NULL meanwhile) */
    rest_cb cb;
    void *ud;
    struct rest_marks marks;    /* with written: a latency sample waits for the write */
    rest_marks_fn written;
    void *written_ud;
    size_t body_off;            /* read callback position in body */
    struct rest_req *next, *prev;
};

struct rest_sock {
    struct event *ev;
    curl_socket_t fd;
};

struct rest {
    struct event_base *base;
    CURLM *multi;
    struct event *timer;
    struct event *kick;         /* completions of a send-now, next loop turn */
    struct rest_req *reqs;
    uint64_t next_id;
    int max_attempts;
    long retry_base_ms;
    uint64_t n_sent, n_ok, n_err, n_retries, n_cancelled;
};

static void check_done(struct rest *r);

/* ---- libevent <-> curl glue ---------------------------------------------- */

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct rest *r = arg;
    int running;
    curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(r);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arm our timer. */
static int timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
    (void)multi;
    struct rest *r = arg;
    if (timeout_ms < 0) {
        evtimer_del(r->timer);
    } else {
        struct timeval tv = clock_tv_us((int64_t)timeout_ms * 1000);
        evtimer_add(r->timer, &tv);
    }
    return 0;
}

static void on_sock(evutil_socket_t fd, short what, void *arg)
{
    struct rest *r = arg;
    int flags = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(r->multi, fd, flags, &running);
    check_done(r);
}

/* CURLMOPT_SOCKETFUNCTION: watch / unwatch a socket.  Never returns -1. */
static int sock_cb(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
    (void)e;
    struct rest *r = arg;
    struct rest_sock *rs = sockp;
    if (what == CURL_POLL_REMOVE) {
        if (rs) {
            event_free(rs->ev);
            free(rs);
            curl_multi_assign(r->multi, s, NULL);
        }
        return 0;
    }
    short kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
    if (!rs) {
        rs = calloc(1, sizeof *rs);
        if (!rs) return 0;
        rs->fd = s;
        curl_multi_assign(r->multi, s, rs);
    } else {
        event_free(rs->ev);
    }
    rs->ev = event_new(r->base, s, kind, on_sock, r);
    if (rs->ev) event_add(rs->ev, NULL);
    return 0;
}

/* ---- request bookkeeping ------------------------------------------------- */

static size_t write_cb(char *p, size_t sz, size_t n, void *arg)
{
    struct rest_req *q = arg;
    size_t len = sz * n;
    if (q->too_big || q->resp_len + len + 1 > REST_MAX_BODY) { q->too_big = true; return len; }
    if (q->resp_len + len + 1 > q->resp_cap) {
        size_t cap = q->resp_cap ? q->resp_cap : 4096;
        while (cap < q->resp_len + len + 1) cap *= 2;
        char *nb = realloc(q->resp, cap);
        if (!nb) { q->too_big = true; return len; }
        q->resp = nb;
        q->resp_cap = cap;
    }
    memcpy(q->resp + q->resp_len, p, len);
    q->resp_len += len;
    q->resp[q->resp_len] = 0;
    return len;
}

static size_t header_cb(char *p, size_t sz, size_t n, void *arg)
{
    struct rest_req *q = arg;
    size_t len = sz * n;
    static const char k[] = "retry-after:";
    if (len > sizeof k - 1 && !strncasecmp(p, k, sizeof k - 1)) {
        const char *v = p + sizeof k - 1;
        size_t vl = len - (sizeof k - 1);
        while (vl && (*v == ' ' || *v == '\t')) { v++; vl--; }
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) vl--;
        if (vl >= sizeof q->retry_after) vl = sizeof q->retry_after - 1;
        memcpy(q->retry_after, v, vl);
        q->retry_after[vl] = 0;
    }
    return len;
}

/* CURLOPT_PREREQFUNCTION, set only on a request carrying latency marks:
 * curl calls it with the connection ready, right before it formats and sends
 * the request: "request written" (daemon/lat.c).  (CURLOPT_VERBOSE + a debug
 * callback would stamp the header write itself but costs ~120 us of CPU per
 * request, more than it measures.) */
static int prereq_cb(void *arg, char *ip, char *local_ip, int port, int local_port)
{
    (void)ip; (void)local_ip; (void)port; (void)local_port;
    struct rest_req *q = arg;
    if (q->written) {
        rest_marks_fn fn = q->written;
        q->written = NULL;
        fn(q->written_ud, &q->marks, clock_mono_us());
    }
    return CURL_PREREQFUNC_OK;
}

/* CURLOPT_READFUNCTION: the request body, once. */
static size_t read_cb(char *buf, size_t sz, size_t n, void *arg)
{
    struct rest_req *q = arg;
    size_t left = q->body_len - q->body_off, len = sz * n < left ? sz * n : left;
    if (len) memcpy(buf, q->body + q->body_off, len);
    q->body_off += len;
    return len;
}

/* CURLOPT_SEEKFUNCTION: never rewind, so libcurl cannot re-send a body. */
static int seek_cb(void *arg, curl_off_t off, int origin)
{
    (void)arg; (void)off; (void)origin;
    return CURL_SEEKFUNC_CANTSEEK;
}

/* A body-carrying request: libcurl reads the body through read_cb and may
 * never send it a second time (see the header note). */
static void set_body(CURL *e, struct rest_req *q)
{
    q->body_off = 0;
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, strcmp(q->method, "POST") ? q->method : NULL);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(e, CURLOPT_READDATA, q);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, seek_cb);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, q);
}

static void req_unlink(struct rest_req *q)
{
    struct rest *r = q->r;
    if (q->prev) q->prev->next = q->next;
    else r->reqs = q->next;
    if (q->next) q->next->prev = q->prev;
    q->next = q->prev = NULL;
}

static void req_free(struct rest_req *q)
{
    if (q->easy) {
        curl_multi_remove_handle(q->r->multi, q->easy);
        curl_easy_cleanup(q->easy);
    }
    if (q->retry_ev) event_free(q->retry_ev);
    for (struct curl_slist *h = q->hdrs; h; h = h->next)   /* bearer token, signature */
        explicit_bzero(h->data, strlen(h->data));
    curl_slist_free_all(q->hdrs);
    free(q->method); free(q->url); free(q->body); free(q->resp);
    free(q);
}

static int req_start(struct rest_req *q)
{
    CURL *e = curl_easy_init();
    if (!e) return -1;
    q->easy = e;
    q->resp_len = 0;
    q->too_big = false;
    q->retry_after[0] = 0;
    curl_easy_setopt(e, CURLOPT_URL, q->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, q);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, q->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, q->timeout_ms < 5000 ? q->timeout_ms : 5000);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, 25L);   /* idle pooled conns: see header note */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "mmd/" MMD_VERSION);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->hdrs);
    if (q->written) {
        curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb);
        curl_easy_setopt(e, CURLOPT_PREREQDATA, q);
    }
    if (!strcmp(q->method, "GET")) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        set_body(e, q);
    }
    q->attempts++;
    q->r->n_sent++;
    if (curl_multi_add_handle(q->r->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        q->easy = NULL;
        return -1;
    }
    /* Send now rather than on the next loop turn (curl just asked for a 0 ms
     * timer): an order leaves before its caller decides the next one.  Never
     * inside curl (this runs from rest_submit or a libevent callback);
     * whatever this completes is collected by the kick event. */
    int running;
    curl_multi_socket_action(q->r->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    event_active(q->r->kick, EV_TIMEOUT, 0);
    return 0;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    struct rest_req *q = arg;
    if (req_start(q) != 0) {
        struct rest_resp resp = {.curl_code = CURLE_FAILED_INIT, .body = "", .attempts = q->attempts};
        rest_cb cb = q->cb;
        void *ud = q->ud;
        req_unlink(q);
        req_free(q);
        cb(ud, &resp);
    }
}

/* Delay before the next GET attempt, or -1 when it must not be retried. */
static long retry_delay_ms(const struct rest_req *q, CURLcode cc, long status)
{
    if (strcmp(q->method, "GET") != 0 || q->attempts >= q->r->max_attempts) return -1;
    bool retryable = cc != CURLE_OK || status >= 500 || status == 429;
    if (!retryable || q->too_big) return -1;
    long d = q->r->retry_base_ms << (q->attempts - 1);
    if (d > 5000) d = 5000;
    if (q->retry_after[0]) {
        char *end;
        long s = strtol(q->retry_after, &end, 10);
        if (end != q->retry_after && s >= 0) d = s > 10 ? 10000 : (s * 1000 > d ? s * 1000 : d);
    }
    return d;
}

static void finish(struct rest *r, CURL *e, CURLcode cc)
{
    struct rest_req *q = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&q);
    long status = 0, reqsize = 0;
    double elapsed = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &elapsed);
    curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &reqsize);
    curl_multi_remove_handle(r->multi, e);
    curl_easy_cleanup(e);
    q->easy = NULL;
    long delay = retry_delay_ms(q, cc, status);
    if (delay >= 0) {
        r->n_retries++;
        LOGD("rest", "retrying GET %s in %ld ms (curl %d, http %ld)", q->url, delay, (int)cc, status);
        struct timeval tv = clock_tv_us((int64_t)delay * 1000);
        if (!q->retry_ev) q->retry_ev = evtimer_new(r->base, on_retry, q);
        if (q->retry_ev && evtimer_add(q->retry_ev, &tv) == 0) return;
    }
    if (cc == CURLE_OK && status > 0 && status < 400) r->n_ok++;
    else r->n_err++;
    struct rest_resp resp = {
        .status = status, .curl_code = cc, .body = q->resp ? q->resp : "",
        .body_len = q->resp_len, .elapsed_s = elapsed,
        .retry_after = q->retry_after[0] ? q->retry_after : NULL, .attempts = q->attempts,
        .sent = status > 0 || reqsize > 0 || cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
                cc == CURLE_GOT_NOTHING || cc == CURLE_PARTIAL_FILE || cc == CURLE_HTTP2 ||
                cc == CURLE_HTTP2_STREAM || cc == CURLE_SEND_FAIL_REWIND,
    };
    req_unlink(q);
    q->cb(q->ud, &resp);
    req_free(q);
}

static void check_done(struct rest *r)
{
    CURLMsg *m;
    int left;
    /* One message at a time: a callback may add or cancel requests, and
     * removing a handle also drops its pending message from curl's queue. */
    while ((m = curl_multi_info_read(r->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        CURL *e = m->easy_handle;
        CURLcode cc = m->data.result;
        finish(r, e, cc);
    }
}

/* ---- public --------------------------------------------------------------- */

struct rest *rest_new(struct event_base *base, const struct rest_knobs *k)
{
    if (!k) return NULL;
    static int inited;
    if (!inited) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
        inited = 1;
    }
    struct rest *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->base = base;
    r->multi = curl_multi_init();
    r->timer = evtimer_new(base, on_timer, r);
    r->kick = event_new(base, -1, 0, on_timer, r);
    if (!r->multi || !r->timer || !r->kick) { rest_free(r); return NULL; }
    r->max_attempts = k->get_attempts;
    r->retry_base_ms = k->retry_ms;
    curl_multi_setopt(r->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(r->multi, CURLMOPT_SOCKETDATA, r);
    curl_multi_setopt(r->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(r->multi, CURLMOPT_TIMERDATA, r);
    curl_multi_setopt(r->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(r->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
    r->next_id = 1;
    return r;
}

void rest_free(struct rest *r)
{
    if (!r) return;
    while (r->reqs) {
        struct rest_req *q = r->reqs;
        req_unlink(q);
        req_free(q);
    }
    if (r->multi) curl_multi_cleanup(r->multi);
    if (r->timer) event_free(r->timer);
    if (r->kick) event_free(r->kick);
    free(r);
}

uint64_t rest_submit(struct rest *r, const char *method, const char *url,
                     const char *const *headers, const char *body, size_t body_len,
                     const struct rest_opts *opts, rest_cb cb, void *ud)
{
    if (!r || !method || !url || !cb) return 0;
    long timeout_ms = opts ? opts->timeout_ms : 0;
    struct rest_req *q = calloc(1, sizeof *q);
    if (!q) return 0;
    q->r = r;
    q->method = strdup(method);
    q->url = strdup(url);
    q->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
    q->cb = cb;
    q->ud = ud;
    if (opts && opts->written) {
        q->marks = opts->marks;
        q->written = opts->written;
        q->written_ud = opts->written_ud;
    }
    if (body) {
        q->body = malloc(body_len + 1);
        if (q->body) { memcpy(q->body, body, body_len); q->body[body_len] = 0; }
        q->body_len = body_len;
    }
    bool ok = q->method && q->url && (!body || q->body);
    for (size_t i = 0; ok && headers && headers[i]; i++) {
        struct curl_slist *n = curl_slist_append(q->hdrs, headers[i]);
        if (!n) ok = false;
        else q->hdrs = n;
    }
    /* no "Expect: 100-continue" round trip on POST */
    if (ok) {
        struct curl_slist *n = curl_slist_append(q->hdrs, "Expect:");
        if (n) q->hdrs = n;
    }
    q->id = r->next_id++;
    q->next = r->reqs;
    if (r->reqs) r->reqs->prev = q;
    r->reqs = q;
    if (!ok || req_start(q) != 0) {
        req_unlink(q);
        req_free(q);
        return 0;
    }
    return q->id;
}

int rest_request(struct rest *r, const char *method, const char *url, const char *const *headers,
                 const char *body, size_t body_len, long timeout_ms, rest_cb cb, void *ud)
{
    const struct rest_opts o = {.timeout_ms = timeout_ms};
    return rest_submit(r, method, url, headers, body, body_len, &o, cb, ud) ? 0 : -1;
}

void rest_cancel(struct rest *r, uint64_t id)
{
    if (!r || !id) return;
    for (struct rest_req *q = r->reqs; q; q = q->next) {
        if (q->id == id) {
            r->n_cancelled++;
            req_unlink(q);
            req_free(q);
            return;
        }
    }
}

static size_t rest_in_flight(const struct rest *r)
{
    size_t n = 0;
    for (const struct rest_req *q = r ? r->reqs : NULL; q; q = q->next) n++;
    return n;
}

json_t *rest_status_json(const struct rest *r)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "in_flight", (json_int_t)rest_in_flight(r),
                     "sent", (json_int_t)r->n_sent, "ok", (json_int_t)r->n_ok, "errors",
                     (json_int_t)r->n_err, "retries", (json_int_t)r->n_retries, "cancelled",
                     (json_int_t)r->n_cancelled);
}
