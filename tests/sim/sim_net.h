/* sim_net — internal types of the standx-sim network server (not the core).
 * One listening socket serves HTTP/1.1 (REST under /api, admin under /_sim)
 * and two WebSocket endpoints (/ws-stream/v1, /ws-api/v1).  http.c owns the
 * sockets, HTTP parsing and WS framing; server.c owns the loop, timers,
 * faults, the request log and the glue to the pure engine (sim_engine.h);
 * rest.c, streams.c and admin.c implement the endpoints; jwt.c the tokens. */
#ifndef SIM_NET_H
#define SIM_NET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "sim_engine.h"

struct event_base;
struct event;
struct bufferevent;
struct evconnlistener;
struct sim_srv;

#define SIM_MAX_BODY (1024 * 1024)        /* request body / WS message cap */
#define SIM_MAX_HEAD (16 * 1024)          /* request line + headers cap */
#define SIM_MAX_OUT  (8 * 1024 * 1024)    /* per-connection output cap */
#define SIM_MAX_HDRS 48
#define SIM_ADDR_MAX 64                   /* account address */

enum sim_conn_kind { SIM_CONN_HTTP = 0, SIM_CONN_WS_STREAM, SIM_CONN_WS_API };

struct sim_hdr { char *name; char *value; };   /* name lowercased */

struct sim_req {
    char method[12];
    char *path;         /* without query */
    char *query;        /* after '?', or "" */
    struct sim_hdr hdr[SIM_MAX_HDRS];
    int nhdr;
    char *body;         /* NUL-terminated copy */
    size_t body_len;
    bool keep_alive;
    char *raw;          /* owns path/query/header strings */
};

/* Subscriptions of a ws-stream connection. */
#define SIM_MAX_SUBS 64
struct sim_sub { char channel[16]; char symbol[32]; };

/* Channels that carry their own seq counter on a connection. */
enum sim_chan { SIM_CH_AUTH = 0, SIM_CH_PRICE, SIM_CH_DEPTH, SIM_CH_PTRADE, SIM_CH_ORDER,
                SIM_CH_TRADE, SIM_CH_POSITION, SIM_CH_BALANCE, SIM_CH_N };

struct sim_conn {
    struct sim_srv *srv;
    struct bufferevent *bev;
    uint64_t id;
    enum sim_conn_kind kind;
    bool loopback;
    bool closing;               /* flush output, then free */
    bool ws;                    /* upgraded */
    int64_t created_ms, last_pong_ms, last_ping_ms;
    struct event *delay_ev;     /* delayed processing of the current HTTP request */
    struct sim_req *pending;    /* request waiting for delay_ev */
    /* ws-stream */
    struct sim_sub subs[SIM_MAX_SUBS];
    int nsubs;
    uint64_t seq[SIM_CH_N];
    char account[SIM_ADDR_MAX]; /* authenticated account ("" = none) */
    bool priv[SIM_CH_N];        /* private channels subscribed */
    /* ws-api */
    char session_id[128];
    uint8_t pk[32];             /* request-signing key of the logged-in token */
    bool dead;                  /* waiting for the reaper */
    struct sim_conn *next, *prev;
    char peer[48];              /* peer IP address (per-IP limits) */
    uint8_t tok_sha[20];        /* SHA-1 of the token this connection authenticated with */
    int64_t tok_iat;            /* its iat (0 = not authenticated) */
};

/* Fault state (admin POST /_sim/fault and the scenario's timed list). */
struct sim_faults {
    int64_t stale_until_ms;        /* no market data published */
    int64_t delay_until_ms; int delay_ms;
    int http_error_count; int http_error_status; int64_t http_error_until_ms;
    int64_t rate_limit_until_ms;
    int64_t refuse_until_ms;
    double lag_open_orders_s; int64_t lag_until_ms;   /* until 0 = forever */
    int reject_next_count; char reject_message[128];
    double lag_new_s;              /* lag_open_orders fault: new orders listed late */
    int drop_after_process;        /* new orders processed, then their connection closed unanswered */
};

/* Per-IP limits (live profile): request bucket and new-WebSocket bucket. */
#define SIM_IP_MAX 64
struct sim_ipent {
    char ip[48];
    double req_tokens, ws_tokens;
    int64_t req_ms, ws_ms, used_ms;
};

/* A server-side token revocation (POST /_sim/revoke). */
#define SIM_REVOKE_MAX 64
struct sim_revoke {
    char address[SIM_ADDR_MAX];   /* by account: tokens issued up to iat_max */
    int64_t iat_max;
    bool by_token;                 /* by token: this SHA-1 */
    uint8_t sha[20];
};

struct sim_counters { uint64_t requests, orders, cancels, rejects, fills, rate_limited; };

struct sim_opts {
    const char *host; int port;
    const char *scenario;      /* file or NULL (built-in calm) */
    uint64_t seed; bool seed_set;
    double speed; bool speed_set;
    const char *log_path;
    const char *secret;
    int sig_window_ms;
    int tick_ms;               /* engine advance period (wall) */
    int ping_interval_s, pong_timeout_s;
    int64_t max_conn_age_s;
    bool allow_remote;
    bool manual_clock;         /* engine time moves only on POST /_sim/advance */
    bool log_lean;             /* --log-lean: log only price frames out and requests in */
    const char *unfunded[16];  /* account names/addresses whose balance is 404 */
    int nunfunded;
    int profile; bool profile_set;        /* --profile */
    double market_hz; bool market_hz_set; /* --market-hz */
    bool tick_set;                        /* --tick-ms given: market_hz 0 unless --market-hz */
};

/* A reply frame pushed to a ws-api connection on the next loop turn. */
struct sim_push {
    uint64_t conn_id;          /* 0: by session id */
    char session_id[128];
    char *json;
    struct sim_push *next;
};

struct sim_srv {
    struct sim_opts o;
    struct event_base *base;
    struct evconnlistener *lis;
    struct sim_conn *conns;
    uint64_t next_conn_id;
    int n_stream, n_api; uint64_t n_stream_total;
    struct event *reaper, *tick, *pinger, *cmd_ev, *sig_int, *sig_term;
    FILE *log;
    sim_engine *eng;
    sim_scenario sc;
    struct sim_faults f;
    struct sim_counters cnt;
    struct sim_push *push_head, *push_tail;
    int64_t start_wall_ms;
    int auth_code;             /* ws auth ack code: 0 or 200 */
    int64_t virt_us;           /* engine clock in manual mode */
    uint64_t rng;              /* depth shuffling (not the market model) */
    struct sim_flood *flood;   /* POST /_sim/flood in progress (admin.c) */
    struct sim_ipent ips[SIM_IP_MAX];
    struct sim_revoke revoked[SIM_REVOKE_MAX];
    int nrevoked;
    int64_t md_last_ms[SIM_MAX_SYMBOLS][2];   /* last price / depth publication */
    double market_hz;          /* effective: scenario/profile, --tick-ms, --market-hz */
};

/* Runs the server until SIGINT/SIGTERM; 0 on clean exit. */
int sim_server_run(const struct sim_opts *o);

/* ---- http.c ---------------------------------------------------------- */
int sim_http_listen(struct sim_srv *s, const char *host, int port, int *bound_port);
void sim_http_stop(struct sim_srv *s);
void sim_conn_free(struct sim_conn *c);
void sim_conn_close(struct sim_conn *c);            /* after output drains */
void sim_conn_kill(struct sim_conn *c);             /* now (freed on the next loop turn) */
/* Process r after ms milliseconds (delay fault); reading pauses meanwhile. */
void sim_conn_defer(struct sim_conn *c, struct sim_req *r, int ms);
const char *sim_req_header(const struct sim_req *r, const char *name);
/* Query parameter value (URL-decoded) into out; 1 found, 0 absent. */
int sim_req_param(const struct sim_req *r, const char *name, char *out, size_t cap);
void sim_http_reply(struct sim_conn *c, const struct sim_req *r, int status, const char *ctype,
                    const char *body, size_t len);
void sim_http_json(struct sim_conn *c, const struct sim_req *r, int status, json_t *j); /* steals j */
void sim_http_error(struct sim_conn *c, const struct sim_req *r, int status, const char *msg);
void sim_req_free(struct sim_req *r);
/* WebSocket output: text frame, ping, close with code/reason. */
void sim_ws_send_text(struct sim_conn *c, const char *txt, size_t len);
void sim_ws_send_json(struct sim_conn *c, json_t *j);   /* steals j */
void sim_ws_send_text_nolog(struct sim_conn *c, const char *txt, size_t len);  /* flood frames */
size_t sim_conn_out_len(const struct sim_conn *c);      /* bytes waiting in the output buffer */
void sim_ws_send_ping(struct sim_conn *c);
void sim_ws_send_close(struct sim_conn *c, int code, const char *reason);
void sim_sha1(const uint8_t *d, size_t n, uint8_t out[20]);

/* ---- server.c -------------------------------------------------------- */
/* {"dir":"acct","account":ADDR,"rid":X-REQUEST-ID}: whose the request just
 * logged on c is (REST, after authentication) or whose the ws-api session on
 * c is (at login), so that a log reader can count per account. */
void sim_srv_log_acct(struct sim_srv *s, const struct sim_conn *c, const char *addr, const char *rid);
void sim_srv_log(struct sim_srv *s, const char *dir, const struct sim_conn *c, const char *path,
                 const char *body, size_t len);
void sim_srv_on_request(struct sim_conn *c, struct sim_req *r);   /* owns r */
void sim_srv_dispatch(struct sim_conn *c, struct sim_req *r);     /* owns r, no delay check */
void sim_srv_on_ws_text(struct sim_conn *c, const char *txt, size_t len);
void sim_srv_on_ws_open(struct sim_conn *c);
void sim_srv_on_conn_closed(struct sim_conn *c);
bool sim_srv_refusing(struct sim_srv *s);
struct event_base *sim_srv_base(struct sim_srv *s);

/* Queue a ws-api frame for the next loop turn (to conn_id, or to every
 * ws-api connection logged in with session_id).  Steals j. */
void sim_srv_push(struct sim_srv *s, uint64_t conn_id, const char *session_id, json_t *j);
void sim_srv_kick(struct sim_srv *s);           /* drain engine events next turn */
int64_t sim_now_ms(void);                       /* wall ms */
/* The time given to the engine: wall us, or the manual clock. */
int64_t sim_eng_us(const struct sim_srv *s);
/* Manual clock: advance by ms (engine steps, events go out). -1 if not manual. */
int sim_srv_advance(struct sim_srv *s, int64_t ms);
/* Applies a fault described by JSON (admin) -> 0, or -1 with message. */
int sim_fault_apply_json(struct sim_srv *s, json_t *j, char *err, size_t errlen);
void sim_fault_apply_sched(struct sim_srv *s, const sim_fault_ev *f);
bool sim_unfunded(const struct sim_srv *s, const char *address);

/* ---- rest.c: REST endpoints and the JSON shapes shared with streams ---- */
void sim_rest_handle(struct sim_conn *c, struct sim_req *r);
json_t *sim_json_order(struct sim_srv *s, const sim_order *o, bool in_list);
json_t *sim_json_trade(struct sim_srv *s, const sim_trade *t, bool rest);
json_t *sim_json_position(struct sim_srv *s, const sim_position *p, bool rest);
json_t *sim_json_balance_ws(const sim_balance *b);
json_t *sim_json_price(struct sim_srv *s, const sim_price *p, bool flat);
json_t *sim_json_depth(struct sim_srv *s, const sim_depth *d, bool shuffle);
json_t *sim_json_ptrade(struct sim_srv *s, const sim_public_trade *t);
json_t *sim_dec_json(dec_t v);                  /* shortest exact string */
/* Authenticates a request (Bearer JWT) -> 0 and address, or sends 401. */
int sim_rest_auth(struct sim_conn *c, struct sim_req *r, char *addr, size_t cap, uint8_t pk[32]);
/* Runs a signed order command (payload = params JSON text); used by REST
 * and ws-api.  Returns HTTP-like status; msg gets the message, *order_out
 * the order state when the engine accepted it. */
int sim_cmd_new(struct sim_srv *s, const char *addr, const char *payload, sim_order *out,
                char *msg, size_t cap);
int sim_cmd_cancel(struct sim_srv *s, const char *addr, const char *payload, sim_order *out,
                   char *msg, size_t cap);
/* Verifies the x-request-* signature set; 0 ok, else 403 with msg. */
int sim_check_sig(struct sim_srv *s, const uint8_t pk[32], const char *ver, const char *rid,
                  const char *ts, const char *sig, const char *body, size_t len, char *msg,
                  size_t cap);

/* ---- streams.c: ws-stream and ws-api ----------------------------------- */
void sim_stream_on_text(struct sim_conn *c, const char *txt, size_t len);
void sim_api_on_text(struct sim_conn *c, const char *txt, size_t len);
void sim_stream_publish(struct sim_srv *s, const sim_event *ev);
/* Whether a ws-stream connection is subscribed to channel+symbol. */
bool sim_stream_subscribed(const struct sim_conn *c, const char *channel, const char *symbol);

/* ---- admin.c ---------------------------------------------------------- */
void sim_admin_handle(struct sim_conn *c, struct sim_req *r);
void sim_admin_free(struct sim_srv *s);   /* stops a flood in progress */

/* ---- live.c: live-venue quirks of the server ---------------------------- */
/* Per-IP REST budget (switch ip_rps): false -> answer 429. */
bool sim_ip_take_request(struct sim_srv *s, const char *ip);
/* WebSocket upgrade admission (ip_ws_max, ip_ws_new_per_min): NULL, or why not. */
const char *sim_ip_ws_admit(struct sim_conn *c);
/* Records the token a WebSocket connection authenticated with. */
void sim_conn_note_token(struct sim_conn *c, const char *token);
/* True if the (verified) token was revoked by POST /_sim/revoke. */
bool sim_token_revoked(const struct sim_srv *s, const char *token, const char *address);
/* Applies {"account":NAME} or {"token":JWT}: later use is 401, WebSocket
 * connections authenticated with it are closed.  Returns how many, -1 + err. */
int sim_revoke_json(struct sim_srv *s, json_t *j, char *err, size_t cap);
/* POST /_sim/switches {"ip_rps":0,...}: changes live-quirk switches now
 * (server and engine).  0, or -1 + err naming the bad key. */
int sim_switches_json(struct sim_srv *s, json_t *j, char *err, size_t cap);
/* Market-data cadence (market_hz): true if this price/depth event goes out. */
bool sim_md_due(struct sim_srv *s, const sim_event *ev);
/* The open-orders view with the lag switches / fault applied. */
size_t sim_open_orders_now(struct sim_srv *s, const char *addr, const char *sym, sim_order *o, size_t max);
/* query_symbol_info trading-state fields per symbol_info_fields. */
void sim_symbol_info_state(const struct sim_srv *s, json_t *j, const char *status);
/* Depth snapshot aggregated to the symbol's depth_step. */
void sim_depth_live(struct sim_srv *s, sim_depth *d);

/* ---- jwt.c ----------------------------------------------------------- */
/* Mints an HS256 token; returns malloc'd string.  requestId = pubkey_b58. */
char *sim_jwt_mint(const char *secret, const char *address, const char *pubkey_b58,
                   int64_t now_s, int64_t ttl_s);
/* Verifies signature and exp; fills address and the 32-byte request pubkey.
 * 0 ok, -1 malformed, -2 bad signature, -3 expired, -4 missing claims. */
int sim_jwt_verify(const char *secret, const char *token, int64_t now_s, char *address,
                   size_t acap, uint8_t pubkey[32]);
/* Address derived from an account NAME: "0x" + 40 hex of SHA-256(NAME),
 * unless NAME already is "0x" + 40 hex. */
void sim_jwt_address(const char *name, char out[43]);
/* The iat claim of a token (no verification; 0 when absent). */
int64_t sim_jwt_iat(const char *token);

#endif
