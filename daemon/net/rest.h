/* rest — asynchronous HTTP client: libcurl multi driven by libevent (see
 * rest.c for the policy).  Main thread only. */
#ifndef MMD_REST_H
#define MMD_REST_H
#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct rest;
struct rest_resp {
    long status;                /* HTTP status, 0 if none */
    CURLcode curl_code;         /* CURLE_OK when an HTTP response arrived */
    const char *body;           /* NUL-terminated; valid during the callback only */
    size_t body_len;
    double elapsed_s;
    const char *retry_after;    /* header value or NULL */
    int attempts;               /* how many times it was sent (GET retries) */
    int sent;                   /* 1 if request bytes may have left (for ambiguity) */
};
typedef void (*rest_cb)(void *ud, const struct rest_resp *r);

/* Latency marks a request carries (clock_mono_us): when the frame that caused
 * it was received and parsed, and when the request was decided.  rest adds
 * the time its bytes are written and hands all of them to `written`. */
struct rest_marks { int64_t recv_us, parse_us, decide_us; };
typedef void (*rest_marks_fn)(void *ud, const struct rest_marks *m, int64_t write_us);

struct rest_opts {
    long timeout_ms;            /* total; <= 0: 10 s */
    struct rest_marks marks;    /* with written != NULL: sampled once, at the write */
    rest_marks_fn written;
    void *written_ud;
};

struct rest_knobs {
    int get_attempts;           /* a GET is sent at most this often */
    long retry_ms;              /* first GET retry delay, doubling (capped at 5 s) */
};
struct rest *rest_new(struct event_base *base, const struct rest_knobs *k);
/* Cancels in-flight requests without calling their callbacks.  Not from
 * inside a rest callback. */
void rest_free(struct rest *r);
/* method "GET"/"POST"; headers NULL-terminated array of "Name: value"; body
 * may be NULL.  GETs are retried (network errors, 5xx, 429 with Retry-After)
 * up to rest_knobs.get_attempts times; other methods are sent exactly once
 * (libcurl cannot re-send them either: their body cannot be rewound, so a
 * reused connection that dies unanswered fails them with
 * CURLE_SEND_FAIL_REWIND, resp.sent = 1).
 * Returns 0 when queued, -1 on error (callback never called). */
int rest_request(struct rest *r, const char *method, const char *url, const char *const *headers,
                 const char *body, size_t body_len, long timeout_ms, rest_cb cb, void *ud);
/* Same with options, returning a request id (> 0) usable with rest_cancel, 0
 * on error. */
uint64_t rest_submit(struct rest *r, const char *method, const char *url,
                     const char *const *headers, const char *body, size_t body_len,
                     const struct rest_opts *opts, rest_cb cb, void *ud);
/* Drops a pending request; its callback will not be called.  No-op if done. */
void rest_cancel(struct rest *r, uint64_t id);
json_t *rest_status_json(const struct rest *r);   /* counters */

#endif
