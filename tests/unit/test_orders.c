/* Unit tests: per-order state machine, idempotent events, fill
 * de-duplication, the transitions callers ask for (cancel refused, query
 * pacing) and the limit position (daemon/engine/orders.c). */
#include "testutil.h"

#include "fakevenue.h"
#include "orders.h"

static const struct ord *add(struct ord_book *b, const char *cl, enum side side, const char *px,
                       const char *qty, int64_t now)
{
    struct order_req r = {0};
    strcpy(r.cl_ord_id, cl);
    strcpy(r.symbol, "BTC-USD");
    r.side = side;
    r.tif = TIF_ALO;
    r.price = P(px);
    r.qty = P(qty);
    return ord_add(b, &r, 0, P("100000"), now);
}

static struct venue_order vo(const char *cl, int64_t id, enum side side, const char *qty,
                             const char *fill, enum order_status st)
{
    struct venue_event e = fv_ev_order("BTC-USD", cl, id, side, P("99900"), P(qty), P(fill), st, NULL);
    return e.u.order;
}

static void test_lifecycle(void **st)
{
    (void)st;
    static struct ord_book b;
    ord_init(&b);
    const struct ord *o = add(&b, "a-1", SIDE_BUY, "99900", "0.01", 1);
    assert_non_null(o);
    assert_int_equal(o->status, OS_PENDING_NEW);
    assert_null(add(&b, "a-1", SIDE_BUY, "99900", "0.01", 1));   /* no duplicate ids */
    struct ord_change ch;
    ord_place_result(&b, "a-1", 77, VR_OK, "", 2, &ch);
    assert_int_equal(o->status, OS_PENDING_NEW);
    assert_int_equal(o->order_id, 77);
    struct venue_order v = vo("a-1", 77, SIDE_BUY, "0.01", "0", OS_OPEN);
    ord_apply_order(&b, &v, 3, &ch);
    assert_true(ch.acked);
    assert_int_equal(o->status, OS_OPEN);
    ord_apply_order(&b, &v, 4, &ch);   /* duplicate */
    assert_true(ch.duplicate);
    assert_false(ch.acked);
    ord_mark_cancel(&b, o, 5);
    assert_int_equal(o->status, OS_PENDING_CANCEL);
    ord_apply_order(&b, &v, 6, &ch);   /* a late "open" does not undo the cancel */
    assert_int_equal(o->status, OS_PENDING_CANCEL);
    v.status = OS_CANCELED;
    ord_apply_order(&b, &v, 7, &ch);
    assert_true(ch.terminal);
    assert_int_equal(o->status, OS_CANCELED);
    v.status = OS_OPEN;                /* out of order after terminal: ignored */
    ord_apply_order(&b, &v, 8, &ch);
    assert_int_equal(o->status, OS_CANCELED);
    assert_int_equal(ord_live_count(&b), 0);
    ord_gc(&b, 7 + ORD_KEEP_DONE_US);
    assert_int_equal(b.n, 1);
    ord_gc(&b, 7 + ORD_KEEP_DONE_US + 1);
    assert_int_equal(b.n, 0);
}

static void test_partial_then_full(void **st)
{
    (void)st;
    static struct ord_book b;
    ord_init(&b);
    const struct ord *o = add(&b, "a-1", SIDE_SELL, "100100", "0.03", 1);
    struct ord_change ch;
    struct venue_event f = fv_ev_fill("BTC-USD", "a-1", 1001, SIDE_SELL, P("100100"), P("0.01"));
    ord_apply_fill(&b, &f.u.fill, 2, &ch);
    assert_true(ch.filled == P("0.01"));
    assert_int_equal(o->status, OS_PARTIAL);
    assert_true(ord_open_qty(o) == P("0.02"));
    assert_true(ord_position(&b) == -P("0.01"));
    /* the order event reporting the same cumulative fill adds nothing */
    struct venue_order v = vo("a-1", 5, SIDE_SELL, "0.03", "0.01", OS_OPEN);
    ord_apply_order(&b, &v, 3, &ch);
    assert_true(ch.filled == 0);
    assert_int_equal(o->status, OS_PARTIAL);
    /* order event first this time (fill 0.03 = full), then its trade */
    v = vo("a-1", 5, SIDE_SELL, "0.03", "0.03", OS_FILLED);
    ord_apply_order(&b, &v, 4, &ch);
    assert_true(ch.filled == P("0.02"));
    assert_true(ch.terminal);
    assert_int_equal(o->status, OS_FILLED);
    f = fv_ev_fill("BTC-USD", "a-1", 1002, SIDE_SELL, P("100100"), P("0.02"));
    ord_apply_fill(&b, &f.u.fill, 5, &ch);
    assert_true(ch.filled == 0);
    assert_true(ord_position(&b) == -P("0.03"));
}

static void test_duplicate_and_out_of_order_fills(void **st)
{
    (void)st;
    static struct ord_book b;
    ord_init(&b);
    add(&b, "a-1", SIDE_BUY, "99900", "0.05", 1);
    struct ord_change ch;
    struct venue_event f1 = fv_ev_fill("BTC-USD", "a-1", 11, SIDE_BUY, P("99900"), P("0.01"));
    struct venue_event f2 = fv_ev_fill("BTC-USD", "a-1", 12, SIDE_BUY, P("99900"), P("0.02"));
    ord_apply_fill(&b, &f2.u.fill, 2, &ch);     /* second trade first */
    ord_apply_fill(&b, &f1.u.fill, 3, &ch);
    ord_apply_fill(&b, &f2.u.fill, 4, &ch);     /* duplicate */
    assert_true(ch.duplicate);
    ord_apply_fill(&b, &f1.u.fill, 5, &ch);     /* duplicate */
    assert_true(ch.duplicate);
    assert_true(ord_position(&b) == P("0.03"));
    /* a stale order event with a smaller cumulative fill never lowers it */
    struct venue_order v = vo("a-1", 5, SIDE_BUY, "0.05", "0.01", OS_OPEN);
    ord_apply_order(&b, &v, 6, &ch);
    assert_true(ch.filled == 0);
    assert_true(ord_find(&b, "a-1")->fill_qty == P("0.03"));
    /* a newer order event beyond the trades seen counts only the difference */
    v = vo("a-1", 5, SIDE_BUY, "0.05", "0.04", OS_OPEN);
    ord_apply_order(&b, &v, 7, &ch);
    assert_true(ch.filled == P("0.01"));
    assert_true(ord_position(&b) == P("0.04"));
    /* the position report absorbs the fills seen so far */
    struct venue_event p = fv_ev_position("BTC-USD", P("0.04"), P("99900"));
    ord_apply_position(&b, &p.u.position);
    assert_true(ord_position(&b) == P("0.04"));
    /* trade 13 is the execution the order event already reported: no change */
    struct venue_event f3 = fv_ev_fill("BTC-USD", "a-1", 13, SIDE_BUY, P("99900"), P("0.01"));
    ord_apply_fill(&b, &f3.u.fill, 8, &ch);
    assert_true(ch.filled == 0);
    assert_true(ord_position(&b) == P("0.04"));
    struct venue_event f5 = fv_ev_fill("BTC-USD", "a-1", 15, SIDE_BUY, P("99900"), P("0.01"));
    ord_apply_fill(&b, &f5.u.fill, 8, &ch);
    assert_true(ch.filled == P("0.01"));
    assert_true(ch.terminal);
    assert_true(ord_position(&b) == P("0.05"));
    assert_int_equal(ord_find(&b, "a-1")->status, OS_FILLED);
    /* fills matched by venue order id when cl_ord_id is missing */
    const struct ord *o2 = add(&b, "a-2", SIDE_SELL, "100100", "0.01", 9);
    ord_place_result(&b, "a-2", 99, VR_OK, "", 9, &ch);
    assert_int_equal(o2->order_id, 99);
    struct venue_event f4 = fv_ev_fill("BTC-USD", "", 14, SIDE_SELL, P("100100"), P("0.01"));
    f4.u.fill.order_id = 99;
    ord_apply_fill(&b, &f4.u.fill, 10, &ch);
    assert_ptr_equal(ch.o, o2);
    assert_true(ord_position(&b) == P("0.04"));
}

static void test_place_outcomes_and_query(void **st)
{
    (void)st;
    static struct ord_book b;
    ord_init(&b);
    struct ord_change ch;
    const struct ord *r = add(&b, "a-1", SIDE_BUY, "1", "1", 0);
    ord_place_result(&b, "a-1", 0, VR_REJECTED, "invalid qty", 1, &ch);
    assert_int_equal(r->status, OS_REJECTED);
    assert_true(ch.terminal);
    assert_string_equal(r->reason, "invalid qty");
    const struct ord *l = add(&b, "a-2", SIDE_BUY, "1", "1", 0);
    ord_place_result(&b, "a-2", 0, VR_RATE_LIMITED, "429", 1, &ch);
    assert_int_equal(l->status, OS_CANCELED);
    const struct ord *u = add(&b, "a-3", SIDE_BUY, "1", "1", 0);
    ord_place_result(&b, "a-3", 0, VR_AMBIGUOUS, "timeout", 1, &ch);
    assert_int_equal(u->status, OS_UNKNOWN);
    assert_true(ord_is_live(u));
    /* found: adopts the venue's view */
    struct venue_order v = vo("a-3", 9, SIDE_BUY, "1", "0", OS_OPEN);
    ord_query_result(&b, "a-3", true, &v, 2, 3000000, &ch);
    assert_int_equal(u->status, OS_OPEN);
    /* not found: an unconfirmed order older than the grace is declared never placed */
    const struct ord *n = add(&b, "a-4", SIDE_BUY, "1", "1", 0);
    ord_place_result(&b, "a-4", 0, VR_AMBIGUOUS, "timeout", 1, &ch);
    struct venue_order unknown_at_venue = vo("a-4", 0, SIDE_BUY, "1", "0", OS_CANCELED);
    ord_query_result(&b, "a-4", false, &unknown_at_venue, 1000000, 3000000, &ch);
    assert_int_equal(n->status, OS_UNKNOWN);
    ord_query_result(&b, "a-4", false, &unknown_at_venue, 4000000, 3000000, &ch);
    assert_int_equal(n->status, OS_CANCELED);
    /* rejects via the order stream carry the reason */
    add(&b, "a-5", SIDE_SELL, "1", "1", 0);
    v = vo("a-5", 10, SIDE_SELL, "1", "0", OS_REJECTED);
    strcpy(v.reason, "alo order rejected");
    ord_apply_order(&b, &v, 5, &ch);
    assert_true(ch.terminal);
    assert_string_equal(ch.o->reason, "alo order rejected");
}

static void test_resting_and_capacity(void **st)
{
    (void)st;
    static struct ord_book b;
    ord_init(&b);
    add(&b, "a-1", SIDE_BUY, "99900", "0.01", 0);
    const struct ord *o = add(&b, "a-2", SIDE_BUY, "99800", "0.02", 0);
    add(&b, "a-3", SIDE_SELL, "100100", "0.05", 0);
    struct ord_change ch;
    struct venue_event f = fv_ev_fill("BTC-USD", "a-2", 1, SIDE_BUY, P("99800"), P("0.005"));
    ord_apply_fill(&b, &f.u.fill, 1, &ch);
    assert_true(ord_resting(&b, SIDE_BUY) == P("0.025"));
    assert_true(ord_resting(&b, SIDE_SELL) == P("0.05"));
    ord_set_done(&b, o, OS_CANCELED, "x", 2);
    assert_true(ord_resting(&b, SIDE_BUY) == P("0.01"));
    /* capacity: a full book of live orders refuses; terminal ones get reused */
    char cl[16];
    for (int i = b.n; i < ORD_MAX; i++) {
        snprintf(cl, sizeof cl, "f-%d", i);
        assert_non_null(add(&b, cl, SIDE_BUY, "1", "1", 3));
    }
    assert_non_null(add(&b, "g-1", SIDE_BUY, "1", "1", 4));   /* reused the canceled slot */
    assert_null(add(&b, "g-2", SIDE_BUY, "1", "1", 4));
}

/* A cancel that did nothing puts the order back where it was and pauses
 * the next one; a cancel the venue took is not undone. */
static void test_cancel_refused_restores(void **st)
{
    (void)st;
    static struct ord_book b;
    ord_init(&b);
    struct ord_change ch;
    const struct ord *o = add(&b, "a-1", SIDE_BUY, "99900", "0.03", 0);
    struct venue_order v = vo("a-1", 7, SIDE_BUY, "0.03", "0", OS_OPEN);
    ord_apply_order(&b, &v, 1, &ch);
    ord_mark_cancel(&b, o, 2);
    assert_int_equal(o->status, OS_PENDING_CANCEL);
    ord_cancel_refused(&b, o, 3, 500);
    assert_int_equal(o->status, OS_OPEN);
    assert_false(ord_cancel_allowed(o, 502));
    assert_true(ord_cancel_allowed(o, 503));
    /* partially filled while the cancel was pending: partial again */
    ord_mark_cancel(&b, o, 600);
    struct venue_event f = fv_ev_fill("BTC-USD", "a-1", 1, SIDE_BUY, P("99900"), P("0.01"));
    ord_apply_fill(&b, &f.u.fill, 601, &ch);
    assert_int_equal(o->status, OS_PENDING_CANCEL);
    ord_cancel_refused(&b, o, 602, 500);
    assert_int_equal(o->status, OS_PARTIAL);
    /* never acknowledged: pending_new stays pending_new, unknown stays unknown */
    const struct ord *n = add(&b, "a-2", SIDE_BUY, "99900", "0.01", 0);
    ord_mark_cancel(&b, n, 1);
    ord_cancel_refused(&b, n, 2, 500);
    assert_int_equal(n->status, OS_PENDING_NEW);
    const struct ord *u = add(&b, "a-3", SIDE_BUY, "99900", "0.01", 0);
    ord_place_result(&b, "a-3", 0, VR_AMBIGUOUS, "timeout", 1, &ch);
    ord_mark_cancel(&b, u, 2);
    ord_mark_cancel(&b, u, 3);   /* sent twice: the status before is still unknown */
    ord_cancel_refused(&b, u, 4, 500);
    assert_int_equal(u->status, OS_UNKNOWN);
    /* only a pending cancel can be refused; a terminal order stays terminal */
    ord_cancel_refused(&b, o, 700, 500);
    assert_int_equal(o->status, OS_PARTIAL);
    ord_set_done(&b, n, OS_CANCELED, "gone", 5);
    ord_cancel_refused(&b, n, 6, 500);
    assert_int_equal(n->status, OS_CANCELED);
    /* a pointer that is not the book's own is ignored */
    struct ord stranger = *o;
    ord_mark_cancel(&b, &stranger, 800);
    assert_int_equal(o->status, OS_PARTIAL);
}

/* One definition of unconfirmed drives both the query pacing and what a
 * "not found" answer may resolve. */
static void test_unconfirmed_and_query_pacing(void **st)
{
    (void)st;
    static struct ord_book b;
    ord_init(&b);
    struct ord_change ch;
    const int64_t G = 3000000;
    const struct ord *o = add(&b, "a-1", SIDE_BUY, "99900", "0.01", 0);
    assert_true(ord_is_unconfirmed(o));
    assert_false(ord_needs_query(o, G, G));          /* not yet older than the grace */
    assert_true(ord_needs_query(o, G + 1, G));
    ord_mark_queried(&b, o, G + 1);
    assert_int_equal(o->query_us, G + 1);
    assert_false(ord_needs_query(o, 2 * G, G));      /* asked recently */
    assert_true(ord_needs_query(o, 2 * G + 2, G));
    struct venue_order v = vo("a-1", 7, SIDE_BUY, "0.01", "0", OS_OPEN);
    ord_apply_order(&b, &v, 2 * G + 3, &ch);
    assert_false(ord_is_unconfirmed(o));
    assert_false(ord_needs_query(o, 10 * G, G));     /* acknowledged: nothing to ask */
    assert_true(ord_query_due(o, 10 * G, G));
    /* a pending cancel counts from when the cancel was sent */
    ord_mark_cancel(&b, o, 10 * G);
    assert_true(ord_is_unconfirmed(o));
    assert_false(ord_needs_query(o, 11 * G, G));
    assert_true(ord_needs_query(o, 11 * G + 1, G));
    /* ... but "not found" never cancels an order the venue acknowledged */
    struct venue_order nf = vo("a-1", 0, SIDE_BUY, "0.01", "0", OS_CANCELED);
    ord_query_result(&b, "a-1", false, &nf, 12 * G, G, &ch);
    assert_int_equal(o->status, OS_PENDING_CANCEL);
    /* live is the complement of terminal, for every status */
    assert_true(ord_status_live(OS_PENDING_NEW) && ord_status_live(OS_OPEN) &&
                ord_status_live(OS_PARTIAL) && ord_status_live(OS_PENDING_CANCEL) &&
                ord_status_live(OS_UNKNOWN));
    assert_false(ord_status_live(OS_FILLED) || ord_status_live(OS_CANCELED) ||
                 ord_status_live(OS_REJECTED));
    assert_ptr_equal(ord_at(&b, 0), o);
    assert_null(ord_at(&b, 1));
}

/* De-duplication is per order: a trade id seen for the order is ignored
 * whichever path delivered it (cl_ord_id or only the venue order id); the
 * same trade id on another of our orders (a self-trade) is counted. */
static void test_fill_dedup_per_order(void **st)
{
    (void)st;
    static struct ord_book b;
    ord_init(&b);
    struct ord_change ch;
    const struct ord *buy = add(&b, "a-1", SIDE_BUY, "100000", "0.02", 0);
    const struct ord *sell = add(&b, "a-2", SIDE_SELL, "100000", "0.02", 0);
    ord_place_result(&b, "a-1", 101, VR_OK, "", 1, &ch);
    ord_place_result(&b, "a-2", 102, VR_OK, "", 1, &ch);
    struct venue_event f = fv_ev_fill("BTC-USD", "a-1", 7, SIDE_BUY, P("100000"), P("0.01"));
    ord_apply_fill(&b, &f.u.fill, 2, &ch);
    assert_true(ch.filled == P("0.01"));
    /* the same trade again, this time known only by the venue order id */
    struct venue_event g = fv_ev_fill("BTC-USD", "", 7, SIDE_BUY, P("100000"), P("0.01"));
    g.u.fill.order_id = 101;
    ord_apply_fill(&b, &g.u.fill, 3, &ch);
    assert_true(ch.duplicate);
    assert_true(buy->fill_qty == P("0.01"));
    /* the other leg of the same trade, on our sell */
    struct venue_event h = fv_ev_fill("BTC-USD", "a-2", 7, SIDE_SELL, P("100000"), P("0.01"));
    ord_apply_fill(&b, &h.u.fill, 4, &ch);
    assert_false(ch.duplicate);
    assert_true(ch.filled == P("0.01"));
    assert_true(sell->fill_qty == P("0.01"));
    assert_true(ord_position(&b) == 0);
    ord_apply_fill(&b, &h.u.fill, 5, &ch);
    assert_true(ch.duplicate);
    assert_true(sell->fill_qty == P("0.01"));
    /* an order we do not remember: the first delivery is new, the second not */
    struct venue_event x = fv_ev_fill("BTC-USD", "a-9", 8, SIDE_BUY, P("100000"), P("0.01"));
    ord_apply_fill(&b, &x.u.fill, 6, &ch);
    assert_null(ch.o);
    assert_false(ch.duplicate);
    ord_apply_fill(&b, &x.u.fill, 7, &ch);
    assert_true(ch.duplicate);
}

/* Hostile finding F1: a failed query never proves an order absent; "not
 * found" never does while the order's own place() is in flight; a terminal
 * state we guessed gives way to venue evidence (revived when the venue shows
 * the order open), while one the venue reported stays (a lagging list). */
static void test_absence_needs_proof(void **st)
{
    (void)st;
    static struct ord_book b;
    struct ord_change ch;
    const int64_t G = 3000000;
    ord_init(&b);
    /* a failed query (OS_UNKNOWN, or no order at all) proves nothing */
    const struct ord *f = add(&b, "f-1", SIDE_BUY, "1", "1", 0);
    ord_place_result(&b, "f-1", 0, VR_AMBIGUOUS, "timeout", 1, &ch);
    struct venue_order failed = vo("f-1", 0, SIDE_BUY, "1", "0", OS_UNKNOWN);
    ord_query_result(&b, "f-1", false, &failed, 10 * G, G, &ch);
    assert_int_equal(f->status, OS_UNKNOWN);
    ord_query_result(&b, "f-1", false, NULL, 10 * G, G, &ch);
    assert_int_equal(f->status, OS_UNKNOWN);
    /* its new_order still in flight (no place() outcome yet): not absent */
    const struct ord *p = add(&b, "p-1", SIDE_SELL, "1", "1", 0);
    struct venue_order nf = vo("p-1", 0, SIDE_SELL, "1", "0", OS_CANCELED);
    ord_query_result(&b, "p-1", false, &nf, 10 * G, G, &ch);
    assert_int_equal(p->status, OS_PENDING_NEW);
    assert_true(ord_is_live(p));
    /* once answered (ambiguously), "not found" after the grace declares it never placed */
    ord_place_result(&b, "p-1", 0, VR_AMBIGUOUS, "timeout", 10 * G, &ch);
    ord_query_result(&b, "p-1", false, &nf, 11 * G, G, &ch);
    assert_int_equal(p->status, OS_CANCELED);
    assert_true(p->guessed);
    /* ... and the venue showing it open revives it */
    struct venue_order open = vo("p-1", 77, SIDE_SELL, "1", "0", OS_OPEN);
    ord_apply_order(&b, &open, 12 * G, &ch);
    assert_true(ch.revived);
    assert_int_equal(p->status, OS_OPEN);
    assert_false(p->guessed);
    assert_true(ord_is_live(p));
    /* a place refused unsent is a guess too; the venue's own "canceled" is not */
    const struct ord *r = add(&b, "r-1", SIDE_BUY, "1", "1", 0);
    ord_place_result(&b, "r-1", 0, VR_FAILED, "502", 1, &ch);
    assert_int_equal(r->status, OS_CANCELED);
    struct venue_order ropen = vo("r-1", 78, SIDE_BUY, "1", "0", OS_OPEN);
    ord_apply_order(&b, &ropen, 2, &ch);
    assert_true(ch.revived);
    assert_int_equal(r->status, OS_OPEN);
    struct venue_order rcan = vo("r-1", 78, SIDE_BUY, "1", "0", OS_CANCELED);
    ord_apply_order(&b, &rcan, 3, &ch);
    assert_int_equal(r->status, OS_CANCELED);
    ord_apply_order(&b, &ropen, 4, &ch);      /* a lagging list still shows it: sticky */
    assert_false(ch.revived);
    assert_int_equal(r->status, OS_CANCELED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_partial_then_full),
        cmocka_unit_test(test_duplicate_and_out_of_order_fills),
        cmocka_unit_test(test_place_outcomes_and_query),
        cmocka_unit_test(test_absence_needs_proof),
        cmocka_unit_test(test_resting_and_capacity),
        cmocka_unit_test(test_cancel_refused_restores),
        cmocka_unit_test(test_unconfirmed_and_query_pacing),
        cmocka_unit_test(test_fill_dedup_per_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
