/* online — mmd -n --online: checks a configuration against the exchange
 * without trading: every task's symbol is listed and trading, every
 * account's token is accepted and the account is funded.  Nothing is
 * placed, cancelled or subscribed. */
#ifndef MMD_ONLINE_H
#define MMD_ONLINE_H
#include <stdio.h>

#include "config.h"

/* Prints one line per check ("ok   ..." or "FAIL ...: what to do") to out;
 * returns 0 when every check passed, 1 otherwise. */
int mmd_online_check(const struct cfg *cfg, FILE *out);

#endif
