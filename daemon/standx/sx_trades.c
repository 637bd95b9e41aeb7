/* sx_trades — GET /api/query_trades for one account and symbol, parsed into
 * venue fills with fee and realized PnL (see sx_trades.h).  Rows the parser
 * cannot read are skipped and counted in the log, never guessed. */
#include "sx_trades.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "rest.h"
#include "sx_int.h"

struct sx_tq {
    sx_trades_cb cb;
    void *ud;
    char account[64];
    struct sx_account *a;
    uint64_t rid;
    struct sx_tq *next;
};

/* Requests in flight (of every account), so that sx_trades_cancel can end
 * them: the REST layer drops a request it frees without calling back. */
static struct sx_tq *inflight;

static void unlink_q(struct sx_tq *q)
{
    for (struct sx_tq **pp = &inflight; *pp; pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            return;
        }
}

void sx_trades_cancel(struct sx_account *a)
{
    struct sx_tq **pp = &inflight;
    while (*pp) {
        struct sx_tq *q = *pp;
        if (q->a != a) { pp = &q->next; continue; }
        *pp = q->next;
        rest_cancel(a->rest, q->rid);
        q->cb(q->ud, -1, NULL, 0, "cancelled");
        free(q);
    }
}

static int parse_row(const json_t *r, struct sx_trade *t)
{
    memset(t, 0, sizeof *t);
    const json_t *id = json_object_get(r, "id"), *oid = json_object_get(r, "order_id");
    const char *sym = json_string_value(json_object_get(r, "symbol"));
    const char *side = json_string_value(json_object_get(r, "side"));
    if (!json_is_integer(id) || !json_is_integer(oid) || !sym || !side) return -1;
    t->f.trade_id = json_integer_value(id);
    t->f.order_id = json_integer_value(oid);
    snprintf(t->f.symbol, sizeof t->f.symbol, "%s", sym);
    t->f.side = !strcmp(side, "sell") ? SIDE_SELL : SIDE_BUY;
    if (sxp_dec(json_object_get(r, "price"), &t->f.price) != 0 || sxp_dec(json_object_get(r, "qty"), &t->f.qty) != 0 ||
        sxp_dec(json_object_get(r, "fee_qty"), &t->f.fee) != 0)
        return -1;
    if (sxp_dec(json_object_get(r, "pnl"), &t->pnl) != 0) t->pnl = 0;
    if (sxp_time_ms(json_object_get(r, "created_at"), &t->f.time_ms) != 0) t->f.time_ms = 0;
    return 0;
}

static void on_trades(void *ud, const struct rest_resp *r)
{
    struct sx_tq *q = ud;
    char err[160];
    unlink_q(q);
    json_t *root = NULL;
    if (r->curl_code != CURLE_OK || r->status != 200) {
        snprintf(err, sizeof err, "query_trades: HTTP %ld", r->status);
        q->cb(q->ud, -1, NULL, 0, err);
        free(q);
        return;
    }
    root = json_loadb(r->body, r->body_len, 0, NULL);
    const json_t *list = json_is_array(root) ? root : json_object_get(root, "result");
    if (!json_is_array(list)) {
        q->cb(q->ud, -1, NULL, 0, "query_trades: malformed reply (no result list)");
        json_decref(root);
        free(q);
        return;
    }
    size_t n = json_array_size(list), k = 0, bad = 0;
    struct sx_trade *t = calloc(n ? n : 1, sizeof *t);
    for (size_t i = 0; t && i < n; i++) {
        if (parse_row(json_array_get(list, i), &t[k]) == 0) k++;
        else bad++;
    }
    if (bad) LOGW("standx", "%s: query_trades: %zu row(s) unreadable, skipped", q->account, bad);
    if (t) q->cb(q->ud, 0, t, k, NULL);
    else q->cb(q->ud, -1, NULL, 0, "out of memory");
    free(t);
    json_decref(root);
    free(q);
}

int sx_query_trades(struct sx_account *a, const char *symbol, int limit, sx_trades_cb cb, void *ud)
{
    if (!a || !symbol || !cb) return -1;
    struct sx_tq *q = calloc(1, sizeof *q);
    if (!q) return -1;
    q->cb = cb;
    q->ud = ud;
    q->a = a;
    snprintf(q->account, sizeof q->account, "%s", a->id);
    char url[1024], *e = curl_easy_escape(NULL, symbol, 0);
    snprintf(url, sizeof url, "%s/api/query_trades?symbol=%s&limit=%d", a->rest_url, e ? e : "",
             limit < 1 ? 1 : limit > 500 ? 500 : limit);
    curl_free(e);
    const char *hdrs[] = {a->auth_hdr, NULL};
    a->n.queries++;
    sx_bucket_take(&a->bucket, SX_CREDIT_COST, 0, clock_mono_us());
    const struct rest_opts opts = {.timeout_ms = a->timeout_ms};
    q->rid = rest_submit(a->rest, "GET", url, hdrs, NULL, 0, &opts, on_trades, q);
    if (!q->rid) {
        free(q);
        return -1;
    }
    q->next = inflight;
    inflight = q;
    return 0;
}
