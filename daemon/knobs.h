/* knobs — the daemon's timing knobs: every MMD_* tuning variable of the
 * environment, read ONCE (knobs_from_env) and handed to the constructors
 * (rest_new, wsmgr_new, hub_new, sx_account_new, sx_load_symbols).  The
 * table in knobs.c names each variable, its default and its valid range;
 * man/mmd.8 (ENVIRONMENT) documents them. */
#ifndef MMD_KNOBS_H
#define MMD_KNOBS_H
#include "hub.h"
#include "rest.h"
#include "standx.h"
#include "ws.h"

struct mmd_knobs {
    struct rest_knobs rest;
    struct ws_knobs ws;
    struct hub_knobs hub;
    struct sx_knobs sx;
    double unfunded_recheck_s;  /* an unfunded account's balance is checked this often */
};

/* The defaults, overridden by the MMD_* variables that are set.  An invalid
 * value is named in one warning and its default kept. */
void knobs_from_env(struct mmd_knobs *k);

#endif
