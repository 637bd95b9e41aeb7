/* sx_trades — the account's own executions from GET /api/query_trades, the
 * only StandX source of fees and per-trade realized PnL (the private trade
 * stream carries neither; protocol notes §4.3).  Used by the ledger to fill
 * in fees and to recover fills the stream missed (e.g. across a restart). */
#ifndef MMD_SX_TRADES_H
#define MMD_SX_TRADES_H
#include <stddef.h>

#include "standx.h"

struct sx_trade {
    struct venue_fill f;        /* f.fee set; f.cl_ord_id empty (the venue does not say) */
    dec_t pnl;
};

/* ok 0: trades[n] (newest first as the venue lists them); else err says why.
 * The callback runs once, from the event loop. */
typedef void (*sx_trades_cb)(void *ud, int ok, const struct sx_trade *trades, size_t n, const char *err);
/* Asks for the newest `limit` (<= 500) trades of symbol.  0 sent, -1 not. */
int sx_query_trades(struct sx_account *a, const char *symbol, int limit, sx_trades_cb cb, void *ud);
/* Drops a's requests still in flight, each callback called once with an
 * error ("cancelled"); before sx_account_free. */
void sx_trades_cancel(struct sx_account *a);

#endif
