/* config_print — the one-screen summary `mmd -n` prints for a loaded config:
 * endpoints, accounts (secrets only as <set> / <placeholder>, plus the signing
 * key's public half, which is not secret), and every task's tiers, guards and
 * shutdown settings. */
#include "config.h"

#include <string.h>

#include "sign.h"

static void print_account(const struct cfg *c, const struct cfg_account *a, FILE *out)
{
    fprintf(out, "  %-16s jwt %s  signing key %s", a->id,
            !a->jwt ? "<missing>" : !strncmp(a->jwt, "your-", 5) ? "<placeholder>" : "<set>",
            a->signer ? "<set>" : a->placeholder ? "<placeholder>" : "<missing>");
    if (a->signer) fprintf(out, " (public key %s)", signer_pubkey_b58(a->signer));
    if (a->implicit) fprintf(out, "  [inline in task %s]", a->id);
    size_t used = 0;
    for (size_t i = 0; i < c->n_tasks; i++)
        if (c->tasks[i].account < c->n_accounts && &c->accounts[c->tasks[i].account] == a) used++;
    if (!used) fprintf(out, "  [unused]");
    fputc('\n', out);
}

static void print_task(const struct cfg *c, const struct cfg_task *t, FILE *out)
{
    char q[32], u1[32], u2[32];
    const char *acct = t->account < c->n_accounts ? c->accounts[t->account].id : t->account_id;
    fprintf(out, "\ntask %-13s %s  account %s  risk %s\n", t->id, t->symbol, acct,
            cfg_risk_level_name(t->level));
    for (int i = 0; i < t->tiers && i < CFG_MAX_TIERS; i++)
        fprintf(out, "  tier %d           %g-%g bps from mark, qty %s (%s x %g)\n", i + 1,
                t->bands[i].min_bps, t->bands[i].max_bps,
                dec_str(dec_mul_f(t->base_qty, t->tier_qty_mult[i]), q, sizeof q),
                dec_str(t->base_qty, u1, sizeof u1), t->tier_qty_mult[i]);
    fprintf(out, "  quoting          requote drift %g bps, fill cooldown %g s\n", t->requote_drift_bps,
            t->fill_cooldown_s);
    fprintf(out, "                   min rest %g s, inventory skew %g bps%s\n", t->min_rest_s,
            t->inventory_skew_bps, t->inventory_skew_bps > 0 ? "" : " (off)");
    fprintf(out, "  guards           max position %s USD, price jump %g bps/s, min depth %s USD\n",
            dec_str(t->max_position_usd, u1, sizeof u1), t->price_jump_threshold_bps,
            dec_str(t->min_depth_usd, u2, sizeof u2));
    fprintf(out, "                   max %d fills/min, max spread %g bps, stale data %d ms, "
            "halt cooldown %g s\n", t->max_fills_per_minute, t->max_spread_bps, t->stale_data_ms,
            t->halt_cooldown_s);
    fprintf(out, "                   resume after %g s calm (hysteresis)%s\n", t->resume_calm_s,
            t->resume_calm_s > 0 ? "" : ": off, fixed cooldown");
    fprintf(out, "  shutdown         %s, timeout %g s\n",
            t->close_positions ? "cancel orders and close positions" : "cancel orders, keep positions",
            t->shutdown_timeout_s);
}

void cfg_print_summary(const struct cfg *c, FILE *out)
{
    if (!c) return;
    fprintf(out, "configuration %s is valid\n\n", c->path);
    fprintf(out, "control socket     %s\n", c->control_socket);
    if (c->readonly_socket[0]) fprintf(out, "read-only socket   %s\n", c->readonly_socket);
    fprintf(out, "metrics            %s\n", c->metrics_listen[0] ? c->metrics_listen : "off");
    fprintf(out, "state directory    %s\n", c->state_dir[0] ? c->state_dir : "(none: set state.dir)");
    fprintf(out, "exchange REST      %s\n", c->rest_url);
    fprintf(out, "exchange WS        %s (+ /ws-stream/v1, /ws-api/v1)\n", c->ws_url);
    fprintf(out, "log level          %s%s\n", log_level_name(c->log_level),
            c->log_level_set ? "" : " (default)");
    fprintf(out, "\naccounts (%zu)\n", c->n_accounts);
    for (size_t i = 0; i < c->n_accounts; i++) print_account(c, &c->accounts[i], out);
    for (size_t i = 0; i < c->n_tasks; i++) print_task(c, &c->tasks[i], out);
    if (!cfg_has_placeholders(c)) return;
    fprintf(out, "\nwarning: placeholder credentials (values starting with \"your-\") in account");
    for (size_t i = 0, n = 0; i < c->n_accounts; i++)
        if (c->accounts[i].placeholder) fprintf(out, "%s %s", n++ ? "," : "", c->accounts[i].id);
    fprintf(out, ";\n         mmd will refuse to trade with them\n");
}
