/* fuzz_ws_frame — libFuzzer target for sxp_ws_frame (daemon/standx/sxparse.h): one
 * market-stream or private-stream text frame in (price, depth_book,
 * public_trade, auth, order, trade, position, balance, acks, 408 notices),
 * a struct sx_msg out; and for sxm_parse (sx_market.h), the same frame as
 * the hub's snapshot update.  Checks that a parsed frame is internally sane:
 * strings terminated, depth level counts in range and sorted best first. */
#include "fuzz_util.h"
#include "sx_market.h"
#include "sxparse.h"

static void check_depth(const struct sx_depth *d)
{
    FZ_CHECK(d->n_bids >= 0 && d->n_bids <= MD_MAX_LEVELS);
    FZ_CHECK(d->n_asks >= 0 && d->n_asks <= MD_MAX_LEVELS);
    for (int i = 1; i < d->n_bids; i++) FZ_CHECK(d->bids[i - 1].px >= d->bids[i].px);
    for (int i = 1; i < d->n_asks; i++) FZ_CHECK(d->asks[i - 1].px <= d->asks[i].px);
    FZ_CHECK(fz_terminated(d->symbol, sizeof d->symbol));
}

static void check_msg(const struct sx_msg *m)
{
    FZ_CHECK(fz_terminated(m->symbol, sizeof m->symbol));
    switch (m->chan) {
    case SXC_DEPTH: check_depth(&m->u.depth); break;
    case SXC_PRICE: FZ_CHECK(fz_terminated(m->u.price.symbol, SYM_MAX)); break;
    case SXC_PTRADE: FZ_CHECK(fz_terminated(m->u.ptrade.symbol, SYM_MAX)); break;
    case SXC_ORDER:
        FZ_CHECK(fz_terminated(m->u.order.symbol, SYM_MAX));
        FZ_CHECK(fz_terminated(m->u.order.cl_ord_id, CLOID_MAX));
        break;
    case SXC_TRADE: FZ_CHECK(fz_terminated(m->u.fill.symbol, SYM_MAX)); break;
    case SXC_POSITION: FZ_CHECK(fz_terminated(m->u.position.symbol, SYM_MAX)); break;
    case SXC_AUTH: FZ_CHECK(fz_terminated(m->u.auth.msg, sizeof m->u.auth.msg)); break;
    default: break;
    }
}

/* The market stream's view of the frame: a snapshot update or a note. */
static void check_market(const char *buf, size_t size)
{
    struct md_snapshot *u = malloc(sizeof *u);
    char note[128];
    if (!u) return;
    memset(u, 0xa5, sizeof *u);
    int k = sxm_parse(buf, size, u, note, sizeof note);
    FZ_CHECK(k >= SXM_NONE && k <= SXM_BAD);
    if (k == SXM_NOTICE || k == SXM_BAD) FZ_CHECK(fz_terminated(note, sizeof note));
    if (k == SXM_PRICE || k == SXM_DEPTH) FZ_CHECK(fz_terminated(u->symbol, sizeof u->symbol));
    if (k == SXM_DEPTH) {
        FZ_CHECK(u->n_bids >= 0 && u->n_bids <= MD_MAX_LEVELS);
        FZ_CHECK(u->n_asks >= 0 && u->n_asks <= MD_MAX_LEVELS);
        for (int i = 1; i < u->n_bids; i++) FZ_CHECK(u->bids[i - 1].px >= u->bids[i].px);
        for (int i = 1; i < u->n_asks; i++) FZ_CHECK(u->asks[i - 1].px <= u->asks[i].px);
    }
    free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sx_msg m;
    memset(&m, 0xa5, sizeof m);   /* garbage in: the parser must set what it reports */
    /* the stream hands frames over without a terminating NUL: give exactly size bytes */
    char *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    int rc = sxp_ws_frame(buf, size, &m);
    FZ_CHECK(rc == SXP_OK || rc == SXP_EJSON || rc == SXP_ESHAPE || rc == SXP_ENODATA);
    if (rc == SXP_OK) check_msg(&m);
    check_market(buf, size);
    free(buf);
    return 0;
}
