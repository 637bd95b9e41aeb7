/* standx-sim — local StandX exchange: command line (server options and the
 * `mint` subcommand that prints credentials).  The server is in server.c,
 * the market/matching core in engine.c (see sim_engine.h). */
#include "sim_net.h"

#include "clock.h"
#include "log.h"
#include "sign.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: standx-sim [--listen HOST:PORT] [--scenario FILE] [--seed N] [--speed X]\n"
            "                  [--log FILE] [--log-lean] [--secret S] [--sig-window-ms MS] [--tick-ms MS]\n"
            "                  [--profile ideal|live] [--market-hz HZ]\n"
            "                  [--unfunded NAME]... [--manual-clock] [--allow-remote] [-v]\n"
            "       standx-sim mint [--secret S] --account NAME [--ttl SECONDS] [--seed-key KEY]\n"
            "       standx-sim --help | --version\n"
            "Local StandX perps exchange (REST, WebSocket streams, order entry) for tests.\n"
            "Default listen address 127.0.0.1:0 (an ephemeral port); the first line on\n"
            "stdout is \"listening HOST:PORT\".  See standx-sim(1).\n");
}

static int mint(int argc, char **argv)
{
    const char *secret = "standx-sim", *account = NULL, *seed_key = NULL;
    long long ttl = 7 * 86400;
    static const struct option lo[] = {
        {"secret", required_argument, 0, 's'}, {"account", required_argument, 0, 'a'},
        {"ttl", required_argument, 0, 't'}, {"seed-key", required_argument, 0, 'k'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "s:a:t:k:h", lo, NULL)) != -1) {
        switch (ch) {
        case 's': secret = optarg; break;
        case 'a': account = optarg; break;
        case 't': ttl = strtoll(optarg, NULL, 10); break;
        case 'k': seed_key = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!account || !account[0] || ttl == 0) {
        fprintf(stderr, "standx-sim mint: --account NAME is required (and --ttl must be non-zero)\n");
        return 2;
    }
    char err[256], seed[64], addr[43];
    if (sign_init() != 0) return 1;
    struct signer *k = seed_key ? signer_from_string(seed_key, err, sizeof err) : signer_generate();
    if (!k) { fprintf(stderr, "standx-sim mint: %s\n", seed_key ? err : "cannot make a key"); return 2; }
    sim_jwt_address(account, addr);
    char *tok = sim_jwt_mint(secret, addr, signer_pubkey_b58(k), clock_wall_ms() / 1000, ttl);
    int rc = 1;
    if (tok && signer_seed_b58(k, seed, sizeof seed) == 0) {
        printf("jwt_token: \"%s\"\nsigning_key: \"%s\"\n", tok, seed);
        rc = 0;
    }
    free(tok);
    signer_free(k);
    return rc;
}

static int parse_listen(const char *arg, struct sim_opts *o, char *hostbuf, size_t cap)
{
    const char *colon = strrchr(arg, ':');
    if (!colon) return -1;
    size_t hl = (size_t)(colon - arg);
    if (arg[0] == '[' && hl >= 2 && arg[hl - 1] == ']') { arg++; hl -= 2; }
    if (hl == 0 || hl >= cap) return -1;
    memcpy(hostbuf, arg, hl);
    hostbuf[hl] = 0;
    char *e = NULL;
    long p = strtol(colon + 1, &e, 10);
    if (e == colon + 1 || *e || p < 0 || p > 65535) return -1;
    o->host = hostbuf;
    o->port = (int)p;
    return 0;
}

static bool loopback_host(const char *h)
{
    return !strncmp(h, "127.", 4) || !strcmp(h, "::1") || !strcmp(h, "localhost");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "mint")) return mint(argc - 1, argv + 1);
    static char host[128] = "127.0.0.1";
    struct sim_opts o = {.host = host, .port = 0, .secret = "standx-sim", .tick_ms = 50};
    enum { O_SIGWIN = 256, O_TICK, O_UNFUNDED, O_REMOTE, O_MANUAL, O_LEAN, O_PROFILE, O_HZ };
    static const struct option lo[] = {
        {"listen", required_argument, 0, 'l'}, {"scenario", required_argument, 0, 'c'},
        {"seed", required_argument, 0, 'S'}, {"speed", required_argument, 0, 'x'},
        {"log", required_argument, 0, 'L'}, {"secret", required_argument, 0, 's'},
        {"sig-window-ms", required_argument, 0, O_SIGWIN}, {"tick-ms", required_argument, 0, O_TICK},
        {"unfunded", required_argument, 0, O_UNFUNDED}, {"allow-remote", no_argument, 0, O_REMOTE},
        {"manual-clock", no_argument, 0, O_MANUAL}, {"log-lean", no_argument, 0, O_LEAN},
        {"profile", required_argument, 0, O_PROFILE}, {"market-hz", required_argument, 0, O_HZ},
        {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    int ch;
    char *e;
    log_init_from_env();
    while ((ch = getopt_long(argc, argv, "l:c:S:x:L:s:vhV", lo, NULL)) != -1) {
        switch (ch) {
        case 'l':
            if (parse_listen(optarg, &o, host, sizeof host) != 0) {
                fprintf(stderr, "standx-sim: bad --listen %s (want HOST:PORT)\n", optarg);
                return 2;
            }
            break;
        case 'c': o.scenario = optarg; break;
        case 'S': o.seed = strtoull(optarg, &e, 10); o.seed_set = true;
            if (*e || e == optarg) { fprintf(stderr, "standx-sim: bad --seed\n"); return 2; }
            break;
        case 'x': o.speed = strtod(optarg, &e); o.speed_set = true;
            if (*e || e == optarg || !(o.speed > 0 && o.speed <= 10000)) {
                fprintf(stderr, "standx-sim: bad --speed (0 < X <= 10000)\n");
                return 2;
            }
            break;
        case 'L': o.log_path = optarg; break;
        case 's': o.secret = optarg; break;
        case O_SIGWIN: o.sig_window_ms = atoi(optarg); break;
        case O_TICK: o.tick_ms = atoi(optarg); if (o.tick_ms < 1 || o.tick_ms > 10000) o.tick_ms = 50;
            o.tick_set = true;
            break;
        case O_PROFILE:
            if (sim_profile_parse(optarg, &o.profile) != 0) {
                fprintf(stderr, "standx-sim: bad --profile %s (ideal or live)\n", optarg);
                return 2;
            }
            o.profile_set = true;
            break;
        case O_HZ: o.market_hz = strtod(optarg, &e); o.market_hz_set = true;
            if (*e || e == optarg || !(o.market_hz >= 0 && o.market_hz <= 1000)) {
                fprintf(stderr, "standx-sim: bad --market-hz (0..1000, 0 = every tick)\n");
                return 2;
            }
            break;
        case O_UNFUNDED:
            if (o.nunfunded < (int)(sizeof o.unfunded / sizeof o.unfunded[0])) o.unfunded[o.nunfunded++] = optarg;
            break;
        case O_REMOTE: o.allow_remote = true; break;
        case O_MANUAL: o.manual_clock = true; break;
        case O_LEAN: o.log_lean = true; break;
        case 'v': log_set_level(LOG_DEBUG); break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("standx-sim %s\n", MMD_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) { fprintf(stderr, "standx-sim: unexpected argument %s\n", argv[optind]); return 2; }
    if (!o.allow_remote && !loopback_host(o.host)) {
        fprintf(stderr, "standx-sim: refusing to listen on non-loopback %s (use --allow-remote)\n", o.host);
        return 2;
    }
    return sim_server_run(&o);
}
