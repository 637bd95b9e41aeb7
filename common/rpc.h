/* rpc — the JSON-RPC 2.0 vocabulary shared by mmd, mmctl and mmtop: every
 * error code (standard and application ranges, in this one header), client
 * exit codes, NDJSON line framing (one JSON text per line, at most
 * RPC_MAX_LINE bytes), and a small blocking client over the Unix control
 * socket (connect, call with timeout, read pushed notifications), and the
 * default socket path.
 * See mmd-rpc(7) for the protocol as users see it. */
#ifndef MMD_RPC_H
#define MMD_RPC_H
#include <jansson.h>
#include <stddef.h>

#define RPC_API_VERSION 1
#define RPC_MAX_LINE (1024 * 1024)   /* a request line longer than this is refused */
#define RPC_MAX_BATCH 64             /* a longer batch is refused as a whole (-32600) */

/* Standard JSON-RPC 2.0 errors. */
#define RPC_PARSE_ERROR      (-32700)
#define RPC_INVALID_REQUEST  (-32600)
#define RPC_METHOD_NOT_FOUND (-32601)
#define RPC_INVALID_PARAMS   (-32602)
#define RPC_INTERNAL_ERROR   (-32603)

/* Application ranges (each code here is returned somewhere; mmd-rpc(7)
 * lists exactly these):
 *   -1000..-1099  task errors
 *   -1100..-1199  daemon state errors
 *   -1200..-1299  access / transport errors
 *   -1300..-1399  exchange errors (none yet: a halt that could not confirm
 *                 its cancels answers orders_settled false instead) */
#define RPC_ERR_UNKNOWN_TASK     (-1001)  /* no task with that id */
#define RPC_ERR_TASK_NOT_HALTED  (-1003)  /* resume of a task that is not halted */
#define RPC_ERR_SHUTTING_DOWN    (-1101)  /* daemon is stopping */
#define RPC_ERR_PERMISSION       (-1201)  /* peer uid not allowed */
#define RPC_ERR_OVERLOADED       (-1202)  /* too many clients (or no memory for one) */

/* Exit codes of mmctl (and mmtop). */
#define RPC_EXIT_OK          0
#define RPC_EXIT_ERROR       1   /* the daemon returned an error */
#define RPC_EXIT_UNREACHABLE 2   /* cannot reach the daemon */
#define RPC_EXIT_USAGE       3

/* The default control socket: $RUNTIME_DIRECTORY/mmd.sock (systemd's
 * RuntimeDirectory=, so /run/mmd/mmd.sock under the shipped unit), else
 * $XDG_RUNTIME_DIR/mmd.sock, else /tmp/mmd-$UID/mmd.sock.  mmd uses it when the configuration names none;
 * mmctl and mmtop when neither -s nor $MMD_SOCKET is given. */
void rpc_default_socket(char *buf, size_t len);

/* Checks the directory that holds the socket at path, as tmux does: it
 * must be a real directory (not a symlink), not writable by group or
 * others, and owned by our euid -- or, when any_owner is set, by anyone
 * (root naming another user's socket explicitly).  Returns 0 and the
 * owner in *owner, or -1 with a message naming the directory, its owner
 * and mode and what to do in err.  mmd checks its own socket directory;
 * rpc_client_connect checks before connecting. */
int rpc_socket_dir_check(const char *path, int any_owner, unsigned *owner, char *err,
                         size_t errlen);

/* What mmctl and mmtop show for status.connections.market or an account:
 * an account's own state unless it is "ready", else (and for the market)
 * the state of its WebSocket, "connection.state".  "-" when neither. */
const char *rpc_conn_state(const json_t *c);

/* Standard message for a code ("Parse error", ..., "Unknown task"). */
const char *rpc_strerror(int code);

/* Building replies. All return new references. id may be NULL (-> null). */
json_t *rpc_make_result(json_t *id, json_t *result);          /* steals result */
json_t *rpc_make_error(json_t *id, int code, const char *msg);
json_t *rpc_make_notification(const char *method, json_t *params); /* steals params */

/* Serialises one JSON value as a single line ending in '\n' (compact, no
 * raw newlines).  Returns malloc'd string and its length, or NULL. */
char *rpc_frame(const json_t *v, size_t *len);

/* Line splitter for a byte stream: feed bytes, take complete lines.
 * Lines longer than RPC_MAX_LINE are reported as overlong. */
struct rpc_lines {
    char *buf;
    size_t len, cap;
    int overlong;    /* set once a line exceeds RPC_MAX_LINE */
};
void rpc_lines_init(struct rpc_lines *l);
void rpc_lines_free(struct rpc_lines *l);
int rpc_lines_feed(struct rpc_lines *l, const char *data, size_t n);  /* -1 on ENOMEM */
/* Returns 1 and a malloc'd NUL-terminated line (without '\n'; a trailing
 * '\r' stripped) in *out; 0 if no complete line; -1 if the pending line is
 * longer than RPC_MAX_LINE (l->overlong set). */
int rpc_lines_take(struct rpc_lines *l, char **out, size_t *outlen);

/* ---- blocking client ---- */
struct rpc_client;

/* Connects to the Unix socket at path.  NULL on failure with a message
 * naming the path in err.  Refuses (mmd-rpc(7) SECURITY) a socket whose
 * directory fails rpc_socket_dir_check, and a daemon (SO_PEERCRED) that
 * runs as neither our euid nor root.  Exception for a socket named
 * explicitly, other than the default one (-s, $MMD_SOCKET): the directory
 * may belong to another user, and the daemon may run as that user (root
 * controlling another user's daemon; a monitoring group's member using the
 * daemon's read-only socket). */
struct rpc_client *rpc_client_connect(const char *path, int timeout_ms, char *err, size_t errlen);
void rpc_client_close(struct rpc_client *c);
int rpc_client_fd(const struct rpc_client *c);

/* Outcome of rpc_client_call. */
enum rpc_call_status {
    RPC_CALL_OK = 0,       /* *result set (new reference) */
    RPC_CALL_ERROR = 1,    /* daemon replied with an error: *code, msg */
    RPC_CALL_FAILED = 2,   /* transport failure or timeout: msg */
};
/* Sends {"jsonrpc":"2.0","id":N,"method":method,"params":params} (params
 * borrowed; may be NULL) and waits up to timeout_ms for the reply with that
 * id.  Notifications arriving meanwhile are queued for rpc_client_next. */
enum rpc_call_status rpc_client_call(struct rpc_client *c, const char *method, json_t *params,
                                     int timeout_ms, json_t **result, int *code, char *msg,
                                     size_t msglen);
/* Sends a request without waiting; returns its id or -1. */
long rpc_client_send(struct rpc_client *c, const char *method, json_t *params);
/* Returns the next message (reply or notification, new reference) waiting
 * up to timeout_ms (0 = only what is already readable).  *closed set to 1
 * when the connection is gone.  NULL when nothing arrived. */
json_t *rpc_client_next(struct rpc_client *c, int timeout_ms, int *closed);

#endif
