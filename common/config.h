/* config — the mmd.yaml schema as C structs, and the libyaml loader that
 * fills them.  Every error is reported as "FILE:LINE:COLUMN: message" and all
 * errors of a file are collected, not just the first.  Secrets (JWT, signing
 * key) are held in libsodium guarded memory and never printed: the summary
 * shows them as <set>.  See man/mmd.yaml.5 for the user-facing description. */
#ifndef MMD_CONFIG_H
#define MMD_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dec.h"
#include "log.h"

struct signer;

enum risk_level { RISK_CONSERVATIVE = 0, RISK_MODERATE, RISK_AGGRESSIVE };

#define CFG_MAX_TIERS 3
#define CFG_ID_MAX 64
#define CFG_SYMBOL_MAX 32
#define CFG_URL_MAX 256
#define CFG_PATH_MAX 256
#define CFG_JWT_MARGIN_S 300.0
#define CFG_LISTEN_MAX 64

struct cfg_band { double min_bps, max_bps; };

struct cfg_account {
    char id[CFG_ID_MAX];
    char *jwt;                      /* sodium_malloc'd (read-only), NUL-terminated */
    struct signer *signer;
    bool implicit;                  /* made from a task's inline credentials */
    bool placeholder;               /* a secret starts with "your-": signer may be NULL,
                                       jwt holds the placeholder; never trade with it */
    double jwt_expiry_margin_s;     /* stop trading and cancel this long before the JWT's exp
                                       (jwt_expiry_margin_s, default CFG_JWT_MARGIN_S) */
    int line, col;
};

struct cfg_task {
    char id[CFG_ID_MAX];
    char symbol[CFG_SYMBOL_MAX];    /* "BTC-USD" */
    char account_id[CFG_ID_MAX];
    size_t account;                 /* index into cfg.accounts */
    enum risk_level level;
    /* sizing */
    dec_t base_qty;
    int tiers;                      /* 1..3 */
    double tier_qty_mult[CFG_MAX_TIERS];
    /* strategy */
    struct cfg_band bands[CFG_MAX_TIERS];
    double requote_drift_bps;
    double fill_cooldown_s;
    double min_rest_s;              /* an in-band quote rests this long before a drift re-quote */
    double inventory_skew_bps;      /* shift at a full position (0: off), see mmd.yaml(5) */
    /* risk */
    dec_t max_position_usd;
    double price_jump_threshold_bps;   /* per second */
    dec_t min_depth_usd;               /* within 10 bps of mark, each side */
    int max_fills_per_minute;
    double max_spread_bps;
    int stale_data_ms;
    double halt_cooldown_s;
    double resume_calm_s;              /* hysteresis: calm this long lifts an automatic halt (0: off) */
    /* shutdown */
    bool close_positions;
    double shutdown_timeout_s;
    int line, col;
};

struct cfg {
    char path[CFG_PATH_MAX];
    char rest_url[CFG_URL_MAX];     /* "https://perps.standx.com" */
    char ws_url[CFG_URL_MAX];       /* base: "wss://perps.standx.com"; paths /ws-stream/v1, /ws-api/v1 */
    char control_socket[CFG_PATH_MAX];
    char state_dir[CFG_PATH_MAX];   /* state: {dir}: account locks (and, later, the ledger) */
    bool ledger_off;                /* state: {ledger: false}: no ledger (mmd(8) LEDGER) */
    int keep_orders_days, keep_events_days, keep_fills_days, keep_hours_days;   /* 0: forever */
    /* exchange: how orders reach the venue and the venue's per-IP limits */
    bool ws_orders;                 /* order_entry: websocket (default) | rest */
    bool order_session;             /* order_session: true (default): a ws-api session per account */
    int max_ws_connections;         /* the venue's WebSocket connections per IP (10) */
    double ip_requests_per_s;       /* our share of the venue's 50 requests/s per IP (44) */
    enum log_level log_level;
    bool log_level_set;
    char readonly_socket[CFG_PATH_MAX];   /* control.readonly_socket: "" = none */
    char metrics_listen[CFG_LISTEN_MAX];  /* metrics.listen "HOST:PORT": "" = off */
    struct cfg_account *accounts;
    size_t n_accounts;
    struct cfg_task *tasks;
    size_t n_tasks;
};

/* WebSocket connections c opens: the market feed, and per account used by a
 * task its stream plus its order session. */
int cfg_ws_connections(const struct cfg *c);

/* From now on a secret read from the environment (*_env) is overwritten in
 * place (so /proc/PID/environ no longer shows it) and unset, and kept in
 * guarded memory: later loads (a reload) that find the variable gone use
 * that value.  Off by default; mmd turns it on before its first load. */
void cfg_scrub_env(bool on);

/* Loads and validates.  Returns NULL on any error after writing every error
 * message (one per line, "FILE:LINE:COL: ...") to `errs`. */
struct cfg *cfg_load(const char *path, FILE *errs);
void cfg_free(struct cfg *c);
/* The one-screen summary printed by mmd -n (secrets as <set>). */
void cfg_print_summary(const struct cfg *c, FILE *out);
const char *cfg_risk_level_name(enum risk_level l);
/* Fills the level-dependent defaults (bands, guard thresholds) into t. */
void cfg_task_defaults(struct cfg_task *t, enum risk_level l);
/* Zeroes t and fills EVERY default: the level's (cfg_task_defaults) plus
 * tiers 2, multipliers 1/1.5/2, drift 3 bps, fill cooldown 10 s, min rest
 * 3 s, no inventory skew, shutdown closing positions with a 30 s timeout.  id, symbol, account, base_qty are
 * left empty. */
void cfg_task_init(struct cfg_task *t, enum risk_level l);
/* True when two tasks have the same parameters: where they stand in their
 * files (line, column, account index) does not count. */
bool cfg_task_same(const struct cfg_task *a, const struct cfg_task *b);
/* The default state directory: $STATE_DIRECTORY (systemd's StateDirectory=),
 * else $XDG_STATE_HOME/mmd, else $HOME/.local/state/mmd (an empty string when
 * none is set). */
void cfg_default_state_dir(char *buf, size_t len);
/* "conservative" | "moderate" | "aggressive" -> 0, else -1. */
int cfg_risk_level_parse(const char *s, enum risk_level *out);
/* True when any account holds placeholder credentials. */
bool cfg_has_placeholders(const struct cfg *c);

#endif
