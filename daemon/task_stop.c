/* task_stop — the graceful stop sequence of one task: cancel every live
 * order, wait until the venue's open-order list is clean, then (when
 * close_positions) close the position with paced reduce-only IOC orders
 * until two flat reports, or give up at shutdown_timeout_s with a summary
 * of what is not confirmed (see task.h). */
#include <stdio.h>
#include <string.h>

#include "task_int.h"

static void finish_stop(struct task *t, bool timed_out)
{
    size_t n = 0, live = (size_t)ord_live_count(&t->book);
    t->summary[0] = 0;
    if (live) {
        n += (size_t)snprintf(t->summary, sizeof t->summary, "%zu order(s) not confirmed cancelled:", live);
        for (int i = 0; i < t->book.n && n < sizeof t->summary; i++)
            if (ord_is_live(ord_at(&t->book, i)))
                n += (size_t)snprintf(t->summary + n, sizeof t->summary - n, " %s",
                                      ord_at(&t->book, i)->cl_ord_id);
    } else if (timed_out && !t->stop_list_clean) {
        n += (size_t)snprintf(t->summary, sizeof t->summary, "%s",
                              t->stop_listed[0] ? "still listed open by the venue:"
                                                : "open orders not confirmed by the venue");
        if (t->stop_listed[0] && n < sizeof t->summary)
            n += (size_t)snprintf(t->summary + n, sizeof t->summary - n, "%s", t->stop_listed);
    }
    dec_t pos = ord_position(&t->book);
    if (timed_out && t->cfg.close_positions && (t->stop_phase == SP_CLOSE || pos != 0) && n < sizeof t->summary) {
        char q[32];
        snprintf(t->summary + n, sizeof t->summary - n, "%sposition %s %s %s", n ? "; " : "",
                 dec_str(pos, q, sizeof q), t->cfg.symbol,
                 t->stop_phase == SP_CLOSE || t->close_attempts ? "not confirmed flat" : "not closed");
    }
    t->st = TS_STOPPED;
    t->stop_done = true;
    if (t->summary[0]) TWARN(t, "stopped: %s", t->summary);
    else TLOG(t, "stopped: all orders confirmed cancelled%s",
              t->stop_phase == SP_CLOSE ? ", position confirmed flat" : "");
}

static dec_t close_qty(const struct task *t)
{
    dec_t pos = ord_position(&t->book);
    return dec_round(pos < 0 ? -pos : pos, t->si.lot, DEC_FLOOR);
}

static void send_close(struct task *t, int64_t now_us)
{
    dec_t pos = ord_position(&t->book);
    dec_t qty = close_qty(t);
    t->close_redo = false;
    t->flat_reports = 0;
    if (qty <= 0) return;
    t->close_attempts++;
    /* paced: 0.25 s, 0.5 s, 1 s, then every 2 s until the stop deadline */
    int shift = t->close_attempts < 4 ? t->close_attempts - 1 : 3;
    t->close_next_us = now_us + (TASK_CLOSE_RETRY_US << shift);
    char q[32], pq[32];
    const struct ord *o = task_send_order(t, pos > 0 ? SIDE_SELL : SIDE_BUY, -1, 0, qty, true, now_us);
    TLOG(t, "closing position %s: reduce-only IOC market %s %s (attempt %d)",
         dec_str(pos, pq, sizeof pq), pos > 0 ? "sell" : "buy", dec_str(qty, q, sizeof q),
         t->close_attempts);
    if (o) memcpy(t->close_id, o->cl_ord_id, sizeof t->close_id);
    task_query_positions(t, now_us);
}

static void stop_close_step(struct task *t, int64_t now_us)
{
    const struct ord *c = ord_find(&t->book, t->close_id);
    if (c && ord_is_live(c)) return;
    if (t->flat_reports >= 2) {
        finish_stop(t, false);
        return;
    }
    if (t->close_redo && now_us >= t->close_next_us) {
        send_close(t, now_us);
        return;
    }
    if (now_us - t->last_pos_us >= 1000000) task_query_positions(t, now_us);
}

/* While closing: two flat reports in a row end the stop; a position left
 * after the close order is done asks for another close. */
void task_stop_on_position(struct task *t, dec_t qty)
{
    if (t->stop_phase != SP_CLOSE) return;
    const struct ord *c = ord_find(&t->book, t->close_id);
    if (c && ord_is_live(c)) return;
    if (qty == 0) t->flat_reports++;
    else {
        t->flat_reports = 0;
        t->close_redo = true;
    }
}

/* Half the stop's time gone and the cancels still unconfirmed: a position
 * to close is closed anyway (a reduce-only order cannot add to it, whatever
 * still rests), paced like any close, while the cancels go on. */
static void close_while_cancelling(struct task *t, int64_t now_us)
{
    if (!t->cfg.close_positions || now_us < t->stop_close_anyway_us || close_qty(t) <= 0) return;
    const struct ord *c = ord_find(&t->book, t->close_id);
    if ((c && ord_is_live(c)) || now_us < t->close_next_us) return;
    if (!t->close_attempts) TWARN(t, "cancels not confirmed after half the stop time: closing the position anyway");
    send_close(t, now_us);
}

void task_stop_step(struct task *t, int64_t now_us)
{
    if (t->stop_done) return;
    if (now_us >= t->stop_deadline_us) {
        finish_stop(t, true);
        return;
    }
    if (t->stop_phase == SP_CLOSE) {
        stop_close_step(t, now_us);
        return;
    }
    task_cancel_all(t, now_us);
    close_while_cancelling(t, now_us);
    if (ord_live_count(&t->book) == 0 && t->stop_list_clean) {
        if (t->cfg.close_positions && (close_qty(t) > 0 || t->close_attempts > 0)) {   /* flat: confirm */
            t->stop_phase = SP_CLOSE;
            send_close(t, now_us);
        } else {
            finish_stop(t, false);
        }
        return;
    }
    if (now_us - t->stop_oo_us >= 1000000) {
        t->stop_oo_us = now_us;
        task_query_open_orders(t, now_us);
    }
}

static void stop_begin(struct task *t, int64_t now_us)
{
    t->st = TS_STOPPING;
    t->stop_done = false;
    t->summary[0] = 0;
    t->stop_phase = SP_CANCEL;
    double to = t->cfg.shutdown_timeout_s > 0 ? t->cfg.shutdown_timeout_s : 30.0;
    t->stop_deadline_us = now_us + (int64_t)(to * 1e6);
    t->stop_close_anyway_us = now_us + (int64_t)(to * 1e6 / 2);
    t->stop_list_clean = false;
    TLOG(t, "stopping: cancelling %d live order(s)", ord_live_count(&t->book));
    task_cancel_all(t, now_us);
    t->stop_oo_us = now_us;
    task_query_open_orders(t, now_us);
}

void task_stop(struct task *t, int64_t now_us)
{
    if (t->st == TS_STOPPING || t->st == TS_STOPPED) return;
    if (t->st == TS_FAILED || !t->started) {
        t->st = TS_STOPPED;
        t->stop_done = true;
        TLOG(t, "stopped (never traded)");
        return;
    }
    stop_begin(t, now_us);
}

void task_stop_again(struct task *t, int64_t now_us)
{
    if (!t->stop_done || !t->summary[0]) return;
    TWARN(t, "stop not confirmed (%s): trying again", t->summary);
    stop_begin(t, now_us);
}
