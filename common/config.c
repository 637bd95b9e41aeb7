/* config — loads mmd.yaml (man/mmd.yaml.5) with libyaml's document API and
 * validates it into struct cfg (config.h).  Every problem is reported as
 * "FILE:LINE:COL: PATH: message" at the offending node and loading goes on,
 * so one run lists every error.  Secrets come inline, from a private file or
 * from the environment; the JWT lives only in sodium_malloc'd memory, the
 * signing key only inside a signer, and the buffers that held the YAML text
 * are wiped.  The -n summary printer is in config_print.c. */
#define _GNU_SOURCE   /* vasprintf, asprintf */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <yaml.h>

#include "codec.h"
#include "rpc.h"
#include "sign.h"

#define P_MAX 192                 /* field paths: tasks[12].strategy.tiers_bps[2][1] */
#define CFG_FILE_MAX (1 << 20)
#define SECRET_MAX 16384
#define TASK_ID_MAX 32
#define CFG_MAX_ITEMS 256         /* tasks, accounts, keys of one mapping */

struct tinfo {                     /* per task, for the cross-task checks */
    size_t idx;                    /* position in the tasks sequence */
    const yaml_node_t *ref;        /* "account:" value, when given and readable */
    const yaml_node_t *symbol;
};

struct cfg_err {
    size_t line, col, seq;
    char *msg;
};

struct ld {
    const char *file;
    struct cfg_err *err;           /* collected, printed sorted by position */
    size_t n_err;
    char dir[PATH_MAX];            /* the config file's directory */
    FILE *errs;
    int nerr;
    yaml_document_t doc;
    struct cfg *c;
    size_t n_explicit;             /* accounts from the top-level list */
    struct tinfo *ti;
    const yaml_node_t *inline_secret;  /* first real (non-placeholder) inline secret */
    char inline_path[P_MAX];
    mode_t mode;                   /* of the config file */
};

/* ---- error reporting ------------------------------------------------------ */

__attribute__((format(printf, 5, 6)))
static void err_lc(struct ld *L, size_t line, size_t col, const char *path, const char *fmt, ...)
{
    char *msg = NULL, *full = NULL;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0) msg = NULL;
    if (asprintf(&full, "%s:%zu:%zu: %s%s%s", L->file, line, col, path && *path ? path : "",
                 path && *path ? ": " : "", msg ? msg : "out of memory") < 0)
        full = NULL;
    free(msg);
    L->nerr++;
    struct cfg_err *e = realloc(L->err, (L->n_err + 1) * sizeof *e);
    if (!e || !full) {   /* cannot keep it: print it now */
        fprintf(L->errs, "%s\n", full ? full : "config: out of memory");
        free(full);
        return;
    }
    L->err = e;
    L->err[L->n_err] = (struct cfg_err){line, col, L->n_err, full};
    L->n_err++;
}

static int err_cmp(const void *a, const void *b)
{
    const struct cfg_err *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Prints the collected errors in file order. */
static void err_flush(struct ld *L)
{
    if (L->n_err) qsort(L->err, L->n_err, sizeof *L->err, err_cmp);
    for (size_t i = 0; i < L->n_err; i++) {
        fprintf(L->errs, "%s\n", L->err[i].msg);
        free(L->err[i].msg);
    }
    free(L->err);
    L->err = NULL;
    L->n_err = 0;
}

#define err_at(L, n, path, ...) \
    err_lc((L), (n)->start_mark.line + 1, (n)->start_mark.column + 1, (path), __VA_ARGS__)

/* ---- node helpers ---------------------------------------------------------- */

enum kind { K_STR, K_INT, K_FLOAT, K_BOOL, K_NULL };

static const char *sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }
static yaml_node_t *node_at(struct ld *L, int id) { return yaml_document_get_node(&L->doc, id); }

static bool is_int_text(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) s += 2;
    return *s && strspn(s, "0123456789abcdefABCDEF") == strlen(s) && isdigit((unsigned char)*s);
}

static bool is_float_text(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    if (!strcasecmp(s, ".inf") || !strcasecmp(s, ".nan")) return true;
    size_t a = strspn(s, "0123456789"), b = 0;
    s += a;
    if (*s == '.') { s++; b = strspn(s, "0123456789"); s += b; }
    if (a + b == 0) return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+') s++;
        size_t e = strspn(s, "0123456789");
        if (!e) return false;
        s += e;
    }
    return *s == 0;
}

/* The YAML 1.2 core-schema type of a scalar: only plain scalars can be
 * numbers, booleans or null; quoted ones are always strings. */
static enum kind kind_of(const yaml_node_t *n)
{
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return K_STR;
    const char *s = sval(n);
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        if (!strcmp(s, nulls[i])) return K_NULL;
    for (size_t i = 0; i < sizeof bools / sizeof *bools; i++)
        if (!strcmp(s, bools[i])) return K_BOOL;
    if (is_int_text(s)) return K_INT;
    if (is_float_text(s)) return K_FLOAT;
    return K_STR;
}

static const char *what(const yaml_node_t *n)
{
    if (n->type == YAML_MAPPING_NODE) return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE) return "a sequence";
    switch (kind_of(n)) {
    case K_NULL: return "an empty value";
    case K_BOOL: return "a boolean";
    case K_INT:
    case K_FLOAT: return "a number";
    default: return "a string";
    }
}

/* "a mapping", "123", "true", "\"bold\"" — never used on secret values. */
static const char *describe(const yaml_node_t *n, char *buf, size_t cap)
{
    if (n->type != YAML_SCALAR_NODE || kind_of(n) == K_NULL) return what(n);
    char v[52];
    const unsigned char *s = (const unsigned char *)sval(n);
    size_t i = 0;
    for (; s[i] && i < 48; i++) v[i] = s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i];
    while (i > 0 && s[i] && (s[i] & 0xc0) == 0x80) i--;   /* do not cut a UTF-8 sequence */
    v[i] = 0;
    const char *more = sval(n)[i] ? "..." : "";
    if (kind_of(n) != K_STR) snprintf(buf, cap, "%s%s", v, more);
    else snprintf(buf, cap, "\"%s%s\"", v, more);
    return buf;
}

/* snprintf that truncates silently (paths and messages only). */
__attribute__((format(printf, 3, 4)))
static void sfmt(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

static void join(char *out, const char *base, const char *key)
{
    sfmt(out, P_MAX, "%s%s%s", base, *base ? "." : "", key);
}

static const char *shown(const char *path) { return *path ? path : "top level"; }

static bool want_type(struct ld *L, const yaml_node_t *n, const char *path, yaml_node_type_t t)
{
    if (n->type == t) return true;
    const char *exp = t == YAML_MAPPING_NODE ? "a mapping" : t == YAML_SEQUENCE_NODE ? "a sequence" : "a value";
    err_at(L, n, shown(path), "expected %s, got %s", exp, what(n));
    return false;
}
#define want_map(L, n, p) want_type((L), (n), (p), YAML_MAPPING_NODE)
#define want_seq(L, n, p) want_type((L), (n), (p), YAML_SEQUENCE_NODE)

static yaml_node_t *mget2(struct ld *L, const yaml_node_t *m, const char *key, yaml_node_t **kn)
{
    if (!m || m->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(L, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp(sval(k), key)) {
            if (kn) *kn = k;
            return node_at(L, p->value);
        }
    }
    return NULL;
}
#define mget(L, m, key) mget2((L), (m), (key), NULL)

/* Optional field: its value node (and its path in fp), or NULL. */
static yaml_node_t *mfield(struct ld *L, const yaml_node_t *m, const char *key, const char *mpath,
                           char *fp)
{
    yaml_node_t *v = mget(L, m, key);
    if (v) join(fp, mpath, key);
    return v;
}

/* Required field: reports its absence at the parent mapping. */
static yaml_node_t *mreq(struct ld *L, const yaml_node_t *m, const char *key, const char *mpath,
                         char *fp)
{
    yaml_node_t *v = mfield(L, m, key, mpath, fp);
    if (!v) err_at(L, m, shown(mpath), "missing required key '%s'", key);
    return v;
}

static size_t seq_len(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SEQUENCE_NODE) return 0;
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_item(struct ld *L, const yaml_node_t *n, size_t i)
{
    return node_at(L, n->data.sequence.items.start[i]);
}

/* ---- key checking: unknown keys with hints, duplicates --------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65];
    if (la > 64 || lb > 64) return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

static bool in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (!strcmp(*list, s)) return true;
    return false;
}

/* `moved` holds "key section" pairs: keys that belong one level down. */
static void unknown_key(struct ld *L, const yaml_node_t *k, const char *path,
                        const char *const *known, const char *const *moved)
{
    const char *key = sval(k), *best = NULL;
    size_t bd = SIZE_MAX;
    for (const char *const *p = known; *p; p++) {
        size_t d = edit_distance(key, *p);
        if (d < bd) { bd = d; best = *p; }
    }
    if (best && bd <= 2 && bd * 3 <= strlen(best)) {
        err_at(L, k, shown(path), "unknown key '%s', did you mean '%s'?", key, best);
        return;
    }
    for (const char *const *p = moved; p && *p; p += 2)
        if (!strcmp(key, p[0])) {
            err_at(L, k, shown(path), "unknown key '%s': it belongs under '%s:'", key, p[1]);
            return;
        }
    char list[256] = "";
    for (const char *const *p = known; *p; p++) {
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *p);
    }
    err_at(L, k, shown(path), "unknown key '%s' (known keys: %s)", key, list);
}

static void map_check(struct ld *L, const yaml_node_t *m, const char *path,
                      const char *const *known, const char *const *moved)
{
    yaml_node_pair_t *start = m->data.mapping.pairs.start;
    if (m->data.mapping.pairs.top - start > CFG_MAX_ITEMS) {
        err_at(L, m, shown(path), "too many keys (more than %d)", CFG_MAX_ITEMS);
        return;
    }
    for (yaml_node_pair_t *p = start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(L, p->key);
        if (k->type != YAML_SCALAR_NODE) {
            err_at(L, k, shown(path), "keys must be names, got %s", what(k));
            continue;
        }
        bool dup = false;
        for (yaml_node_pair_t *q = start; q < p && !dup; q++) {
            yaml_node_t *k2 = node_at(L, q->key);
            if (k2->type == YAML_SCALAR_NODE && !strcmp(sval(k2), sval(k))) {
                err_at(L, k, shown(path), "duplicate key '%s' (first given at line %zu)", sval(k),
                       k2->start_mark.line + 1);
                dup = true;
            }
        }
        if (!dup && !in_list(known, sval(k))) unknown_key(L, k, path, known, moved);
    }
}

/* ---- typed readers: 0 ok, -1 error reported -------------------------------- */

static int rd_str(struct ld *L, const yaml_node_t *n, const char *path, char *out, size_t cap)
{
    char d[80];
    if (n->type != YAML_SCALAR_NODE || kind_of(n) != K_STR) {
        bool sc = n->type == YAML_SCALAR_NODE && kind_of(n) != K_NULL;
        err_at(L, n, path, "expected a string, got %s%s%s", !sc ? "" : kind_of(n) == K_BOOL ? "the boolean " : "the number ",
               describe(n, d, sizeof d), sc ? " (quote it to make it a string)" : "");
        return -1;
    }
    size_t len = n->data.scalar.length;
    if (len >= cap) { err_at(L, n, path, "too long (at most %zu characters)", cap - 1); return -1; }
    if (memchr(sval(n), 0, len)) { err_at(L, n, path, "contains a NUL character"); return -1; }
    memcpy(out, sval(n), len + 1);
    return 0;
}

/* A scalar that may be a number: plain numbers and strings, not bool/null. */
static bool numeric_scalar(struct ld *L, const yaml_node_t *n, const char *path, const char *exp)
{
    char d[80];
    if (n->type == YAML_SCALAR_NODE && kind_of(n) != K_BOOL && kind_of(n) != K_NULL) return true;
    err_at(L, n, path, "expected %s, got %s", exp, describe(n, d, sizeof d));
    return false;
}

static bool too_many_decimals(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    size_t a = strspn(s, "0123456789");
    if (s[a] != '.') return false;
    const char *f = s + a + 1;
    size_t b = strspn(f, "0123456789");
    if (f[b] != 0) return false;
    while (b > 0 && f[b - 1] == '0') b--;
    return b > DEC_SCALE;
}

/* Parses a scalar exactly (never through double); reports junk. */
static int rd_dec(struct ld *L, const yaml_node_t *n, const char *path, dec_t *out, const char *exp)
{
    char d[80];
    if (!numeric_scalar(L, n, path, exp)) return -1;
    if (too_many_decimals(sval(n))) {
        err_at(L, n, path, "%s has more than %d decimal places", describe(n, d, sizeof d), DEC_SCALE);
        return -1;
    }
    if (dec_parse(sval(n), out) != 0) {
        err_at(L, n, path, "expected %s, got %s", exp, describe(n, d, sizeof d));
        return -1;
    }
    return 0;
}

static int rd_dec_pos(struct ld *L, const yaml_node_t *n, const char *path, dec_t *out)
{
    char d[80];
    dec_t v;
    if (rd_dec(L, n, path, &v, "a positive decimal number such as \"0.1\"") != 0) return -1;
    if (v <= 0) { err_at(L, n, path, "must be positive, got %s", describe(n, d, sizeof d)); return -1; }
    *out = v;
    return 0;
}

/* A number in [lo, hi] (lo excluded when lo_open). */
static int rd_num(struct ld *L, const yaml_node_t *n, const char *path, double *out, double lo,
                  bool lo_open, double hi)
{
    char d[80];
    dec_t v;
    if (rd_dec(L, n, path, &v, "a number such as 5 or 2.5") != 0) return -1;
    double x = dec_to_double(v);
    if (lo_open && x <= lo && lo == 0) {
        err_at(L, n, path, "must be positive, got %s", describe(n, d, sizeof d));
        return -1;
    }
    if ((lo_open && x <= lo) || x < lo) {
        err_at(L, n, path, "must be %s %g, got %s", lo_open ? "above" : "at least", lo,
               describe(n, d, sizeof d));
        return -1;
    }
    if (x > hi) { err_at(L, n, path, "must be at most %g, got %s", hi, describe(n, d, sizeof d)); return -1; }
    *out = x;
    return 0;
}

static int rd_int(struct ld *L, const yaml_node_t *n, const char *path, int *out, int lo, int hi)
{
    char d[80];
    dec_t v;
    if (rd_dec(L, n, path, &v, "a whole number") != 0) return -1;
    if (v % DEC_ONE != 0) {
        err_at(L, n, path, "expected a whole number, got %s", describe(n, d, sizeof d));
        return -1;
    }
    if (v / DEC_ONE < lo || v / DEC_ONE > hi) {
        err_at(L, n, path, "must be between %d and %d, got %s", lo, hi, describe(n, d, sizeof d));
        return -1;
    }
    *out = (int)(v / DEC_ONE);
    return 0;
}

static int rd_bool(struct ld *L, const yaml_node_t *n, const char *path, bool *out)
{
    char d[80];
    if (n->type != YAML_SCALAR_NODE || kind_of(n) != K_BOOL) {
        err_at(L, n, path, "expected true or false, got %s", describe(n, d, sizeof d));
        return -1;
    }
    *out = tolower((unsigned char)sval(n)[0]) == 't';
    return 0;
}

/* Relative paths are relative to the config file's directory. */
static void resolve_path(struct ld *L, const char *p, char *out, size_t cap)
{
    if (p[0] == '/') sfmt(out, cap, "%s", p);
    else snprintf(out, cap, "%s/%s", L->dir, p);
}

/* ---- secrets ---------------------------------------------------------------- */

static char *secret_dup(const char *s, size_t n)
{
    char *p = sodium_malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static void trim_trailing(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = 0;
}

static char *secret_inline(struct ld *L, const yaml_node_t *n, const char *path)
{
    if (n->type != YAML_SCALAR_NODE) {
        err_at(L, n, path, "expected a string, got %s", what(n));
        return NULL;
    }
    if (kind_of(n) == K_NULL || n->data.scalar.length == 0) {
        err_at(L, n, path, "is empty");
        return NULL;
    }
    return secret_dup(sval(n), strlen(sval(n)));
}

static char *read_secret_fd(struct ld *L, int fd, const yaml_node_t *n, const char *path,
                            const char *file)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_at(L, n, path, "%s is not a regular file", file);
        return NULL;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        err_at(L, n, path, "secret file %s is accessible by group or others (mode %04o); run: chmod 600 %s",
               file, (unsigned)(st.st_mode & 07777), file);
        return NULL;
    }
    if (st.st_size > SECRET_MAX) { err_at(L, n, path, "%s is too large for a secret", file); return NULL; }
    char *buf = sodium_malloc((size_t)st.st_size + 1);
    if (!buf) { err_at(L, n, path, "out of secure memory"); return NULL; }
    size_t got = 0;
    ssize_t r;
    while (got < (size_t)st.st_size && (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)r;
    buf[got] = 0;
    if (strlen(buf) != got) { err_at(L, n, path, "%s contains a NUL byte", file); sodium_free(buf); return NULL; }
    trim_trailing(buf);
    if (!*buf) { err_at(L, n, path, "secret file %s is empty", file); sodium_free(buf); return NULL; }
    return buf;
}

static char *secret_file(struct ld *L, const yaml_node_t *n, const char *path)
{
    char rel[CFG_PATH_MAX], full[PATH_MAX + CFG_PATH_MAX];
    if (rd_str(L, n, path, rel, sizeof rel) != 0) return NULL;
    if (!*rel) { err_at(L, n, path, "is empty (expected a file name)"); return NULL; }
    resolve_path(L, rel, full, sizeof full);
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK);   /* a FIFO must not block us */
    if (fd < 0) {
        err_at(L, n, path, "cannot open secret file %s: %s", full, strerror(errno));
        return NULL;
    }
    char *s = read_secret_fd(L, fd, n, path, full);
    close(fd);
    return s;
}

/* *_env secrets scrubbed from the environment (cfg_scrub_env): the value,
 * kept in guarded memory for the reloads of this process. */
#define ENV_SCRUB_MAX 32
static struct { char var[128]; char *val; } g_scrubbed[ENV_SCRUB_MAX];
static size_t g_n_scrubbed;
static bool g_scrub_env;

void cfg_scrub_env(bool on) { g_scrub_env = on; }

static const char *scrubbed_value(const char *var)
{
    for (size_t i = 0; i < g_n_scrubbed; i++)
        if (!strcmp(g_scrubbed[i].var, var)) return g_scrubbed[i].val;
    return NULL;
}

/* Keeps e (the value of var) for later loads, then overwrites it in place,
 * where /proc/PID/environ shows it, and removes the variable. */
static void scrub_env_value(const char *var, char *e)
{
    size_t i = 0;
    while (i < g_n_scrubbed && strcmp(g_scrubbed[i].var, var) != 0) i++;
    if (i == ENV_SCRUB_MAX) return;   /* table full: left in place, a reload still finds it */
    char *keep = secret_dup(e, strlen(e));
    if (!keep) return;
    sodium_mprotect_readonly(keep);
    if (i < g_n_scrubbed) sodium_free(g_scrubbed[i].val);
    else snprintf(g_scrubbed[g_n_scrubbed++].var, sizeof g_scrubbed[0].var, "%s", var);
    g_scrubbed[i].val = keep;
    sodium_memzero(e, strlen(e));
    unsetenv(var);
}

static char *secret_env(struct ld *L, const yaml_node_t *n, const char *path)
{
    char var[128], d[80];
    if (rd_str(L, n, path, var, sizeof var) != 0) return NULL;
    if (!*var || isdigit((unsigned char)var[0]) ||
        strspn(var, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != strlen(var)) {
        err_at(L, n, path, "expected an environment variable name, got %s", describe(n, d, sizeof d));
        return NULL;
    }
    char *env = getenv(var);
    const char *e = env && *env ? env : scrubbed_value(var);   /* gone after a scrub: a reload */
    if (!e || !*e) {
        err_at(L, n, path, "environment variable %s is %s", var, env ? "empty" : "not set");
        return NULL;
    }
    char *s = secret_dup(e, strlen(e));
    if (s && g_scrub_env && e == env) scrub_env_value(var, env);
    if (s) trim_trailing(s);
    if (s && !*s) { err_at(L, n, path, "environment variable %s is blank", var); sodium_free(s); return NULL; }
    return s;
}

struct secret {
    char *val;                     /* sodium_malloc'd */
    bool placeholder;
    const yaml_node_t *node;
    char path[P_MAX];
};

/* Reads BASE, BASE_file or BASE_env (exactly one) from mapping m. */
static bool load_secret(struct ld *L, const yaml_node_t *m, const char *mpath, const char *base,
                        struct secret *out)
{
    char names[3][32];
    yaml_node_t *v[3], *k[3];
    int found = 0, which = -1;
    sfmt(names[0], sizeof names[0], "%s", base);
    snprintf(names[1], sizeof names[1], "%s_file", base);
    snprintf(names[2], sizeof names[2], "%s_env", base);
    for (int i = 0; i < 3; i++) {
        if (!(v[i] = mget2(L, m, names[i], &k[i]))) continue;
        if (found++) err_at(L, k[i], mpath, "give only one of %s, %s or %s", names[0], names[1], names[2]);
        else which = i;
    }
    if (!found) err_at(L, m, mpath, "missing required key '%s' (or '%s', '%s')", names[0], names[1], names[2]);
    if (found != 1) return false;
    join(out->path, mpath, names[which]);
    out->node = v[which];
    out->val = which == 0 ? secret_inline(L, v[0], out->path)
             : which == 1 ? secret_file(L, v[1], out->path) : secret_env(L, v[2], out->path);
    if (!out->val) return false;
    out->placeholder = strncmp(out->val, "your-", 5) == 0;
    if (which == 0 && !out->placeholder && !L->inline_secret) {
        L->inline_secret = v[0];
        sfmt(L->inline_path, sizeof L->inline_path, "%s", out->path);
    }
    return true;
}

static bool jwt_ok(const char *s)
{
    for (; *s; s++)
        if (*s <= ' ' || *s > '~') return false;
    return true;
}

/* jwt_token* and signing_key* of an account or a task's credentials. */
static void load_creds(struct ld *L, const yaml_node_t *m, const char *mpath, struct cfg_account *a)
{
    struct secret jwt = {0}, key = {0};
    if (load_secret(L, m, mpath, "jwt_token", &jwt)) {
        if (!jwt.placeholder && !jwt_ok(jwt.val))
            err_at(L, jwt.node, jwt.path, "the JWT contains spaces or control characters");
        sodium_mprotect_readonly(jwt.val);
        a->jwt = jwt.val;
        a->placeholder |= jwt.placeholder;
    }
    char fp[P_MAX];
    yaml_node_t *v;
    a->jwt_expiry_margin_s = CFG_JWT_MARGIN_S;
    if ((v = mfield(L, m, "jwt_expiry_margin_s", mpath, fp)))
        rd_num(L, v, fp, &a->jwt_expiry_margin_s, 0, false, 30 * 86400);
    if (load_secret(L, m, mpath, "signing_key", &key)) {
        char e[256];
        if (!key.placeholder && !(a->signer = signer_from_string(key.val, e, sizeof e)))
            err_at(L, key.node, key.path, "%s", e);
        a->placeholder |= key.placeholder;
        sodium_free(key.val);
    }
}

/* ---- top-level sections ----------------------------------------------------- */

static const char *const TOP_KEYS[] = {"exchange", "control", "log", "state", "accounts", "tasks",
                                       "metrics", NULL};
static const char *const METRICS_KEYS[] = {"listen", NULL};
static const char *const STATE_KEYS[] = {"dir", "ledger", "keep_orders_days", "keep_events_days",
                                          "keep_fills_days", "keep_hours_days", NULL};
static const char *const EXCHANGE_KEYS[] = {"rest_url", "ws_url", "order_entry", "order_session",
                                             "max_ws_connections", "ip_requests_per_s", NULL};
static const char *const CONTROL_KEYS[] = {"socket", "readonly_socket", NULL};
static const char *const LOG_KEYS[] = {"level", NULL};
static const char *const ACCOUNT_KEYS[] = {"id", "jwt_token", "jwt_token_file", "jwt_token_env",
                                           "signing_key", "signing_key_file", "signing_key_env",
                                           "jwt_expiry_margin_s", NULL};
static const char *const CRED_KEYS[] = {"jwt_token", "jwt_token_file", "jwt_token_env",
                                        "signing_key", "signing_key_file", "signing_key_env",
                                        "jwt_expiry_margin_s", NULL};
static const char *const TASK_KEYS[] = {"id", "symbol", "account", "credentials", "risk",
                                        "sizing", "strategy", "shutdown", NULL};
static const char *const TASK_MOVED[] = {
    "base_qty", "sizing", "tiers", "sizing", "level", "risk", "max_position_usd", "risk",
    "price_jump_threshold_bps", "risk", "min_depth_usd", "risk", "max_fills_per_minute", "risk",
    "max_spread_bps", "risk", "stale_data_ms", "risk", "halt_cooldown_s", "risk",
    "tiers_bps", "strategy", "requote_drift_bps", "strategy", "fill_cooldown_s", "strategy",
    "tier_qty_multipliers", "strategy", "min_rest_s", "strategy", "inventory_skew_bps", "strategy",
    "resume_calm_s", "risk", "close_positions", "shutdown", "timeout_s", "shutdown",
    "jwt_token", "credentials", "signing_key", "credentials", NULL};
static const char *const SIZING_KEYS[] = {"base_qty", "tiers", NULL};
static const char *const STRATEGY_KEYS[] = {"tiers_bps", "requote_drift_bps", "fill_cooldown_s",
                                            "tier_qty_multipliers", "min_rest_s", "inventory_skew_bps",
                                            NULL};
static const char *const RISK_KEYS[] = {"level", "max_position_usd", "price_jump_threshold_bps",
                                        "min_depth_usd", "max_fills_per_minute", "max_spread_bps",
                                        "stale_data_ms", "halt_cooldown_s", "resume_calm_s", NULL};
static const char *const SHUTDOWN_KEYS[] = {"close_positions", "timeout_s", NULL};

/* Optional sub-mapping `key` of m: its node if present and a mapping. */
static yaml_node_t *section(struct ld *L, const yaml_node_t *m, const char *key, const char *mpath,
                            char *sp, const char *const *known)
{
    yaml_node_t *s = mfield(L, m, key, mpath, sp);
    if (s && s->type == YAML_SCALAR_NODE && kind_of(s) == K_NULL) return NULL;   /* "key:" alone */
    if (!s || !want_map(L, s, sp)) return NULL;
    map_check(L, s, sp, known, NULL);
    return s;
}

static bool scheme_is(const char *u, const char *scheme)
{
    return strncasecmp(u, scheme, strlen(scheme)) == 0;
}

static void strip_suffix(char *u, const char *suf)
{
    size_t n = strlen(u), k = strlen(suf);
    if (n > k && !strcmp(u + n - k, suf)) u[n - k] = 0;
}

/* http(s) for REST; ws(s) for the WebSocket base (http(s) is mapped to
 * ws(s)).  Trailing '/' and a /ws-stream/v1 or /ws-api/v1 suffix go. */
static void rd_url(struct ld *L, const yaml_node_t *n, const char *path, char *out, bool ws)
{
    char u[CFG_URL_MAX], d[80];
    if (rd_str(L, n, path, u, sizeof u) != 0) return;
    const char *rest = NULL, *scheme = NULL;
    if (scheme_is(u, "https://")) { rest = u + 8; scheme = ws ? "wss://" : "https://"; }
    else if (scheme_is(u, "http://")) { rest = u + 7; scheme = ws ? "ws://" : "http://"; }
    else if (ws && scheme_is(u, "wss://")) { rest = u + 6; scheme = "wss://"; }
    else if (ws && scheme_is(u, "ws://")) { rest = u + 5; scheme = "ws://"; }
    if (!rest || !*rest || *rest == '/' || strpbrk(u, " \t\r\n")) {
        err_at(L, n, path, "expected %s URL such as \"%s\", got %s",
               ws ? "a ws://, wss://, http:// or https://" : "an http:// or https://",
               ws ? "wss://perps.standx.com" : "https://perps.standx.com", describe(n, d, sizeof d));
        return;
    }
    sfmt(out, CFG_URL_MAX, "%s%s", scheme, rest);
    strip_suffix(out, "/");
    if (ws) {
        strip_suffix(out, "/ws-stream/v1");
        strip_suffix(out, "/ws-api/v1");
        strip_suffix(out, "/");
    }
}

static void load_exchange(struct ld *L, const yaml_node_t *root)
{
    char sp[P_MAX], fp[P_MAX];
    yaml_node_t *s = section(L, root, "exchange", "", sp, EXCHANGE_KEYS), *v;
    if (!s) return;
    if ((v = mfield(L, s, "rest_url", sp, fp))) rd_url(L, v, fp, L->c->rest_url, false);
    if ((v = mfield(L, s, "ws_url", sp, fp))) rd_url(L, v, fp, L->c->ws_url, true);
    if ((v = mfield(L, s, "order_entry", sp, fp))) {
        char d[80];
        if (v->type == YAML_SCALAR_NODE && kind_of(v) == K_STR &&
            (!strcasecmp(sval(v), "websocket") || !strcasecmp(sval(v), "rest")))
            L->c->ws_orders = !strcasecmp(sval(v), "websocket");
        else
            err_at(L, v, fp, "expected websocket (orders over the ws-api session, REST while it is down) "
                   "or rest, got %s", describe(v, d, sizeof d));
    }
    yaml_node_t *os = mfield(L, s, "order_session", sp, fp);
    char osp[P_MAX];
    snprintf(osp, sizeof osp, "%s", fp);
    if (os) rd_bool(L, os, osp, &L->c->order_session);
    double x;
    if ((v = mfield(L, s, "max_ws_connections", sp, fp)) && rd_num(L, v, fp, &x, 1, false, 1000) == 0)
        L->c->max_ws_connections = (int)x;
    if ((v = mfield(L, s, "ip_requests_per_s", sp, fp)) && rd_num(L, v, fp, &x, 1, false, 1000) == 0)
        L->c->ip_requests_per_s = x;
    if (os && !L->c->order_session && L->c->ws_orders)
        err_at(L, os, osp, "is false, but order_entry is websocket (the default), which needs the session; "
               "set order_entry: rest as well");
}

int cfg_ws_connections(const struct cfg *c)
{
    int n = 1;   /* the market feed */
    for (size_t i = 0; i < c->n_accounts; i++) {
        bool used = false;
        for (size_t j = 0; j < c->n_tasks && !used; j++) used = c->tasks[j].account == i;
        if (used) n += c->order_session ? 2 : 1;
    }
    return n;
}

/* The venue allows max_ws_connections WebSocket connections per IP. */
static void check_ws_cap(struct ld *L, const yaml_node_t *root)
{
    int n = cfg_ws_connections(L->c), cap = L->c->max_ws_connections;
    if (n <= cap) return;
    err_at(L, root, "", "this configuration needs %d WebSocket connections (the market feed, and %s per "
           "account used by a task), but the venue allows %d per IP (exchange.max_ws_connections); run "
           "fewer accounts in this mmd, or set exchange.order_session: false and order_entry: rest (one "
           "connection per account; ALO rejections are then learnt from query_order, seconds later)",
           n, L->c->order_session ? "2" : "1", cap);
}

/* A socket path of the control section into out (left as is when absent). */
static void rd_socket(struct ld *L, const yaml_node_t *s, const char *sp, const char *key, char *out)
{
    char fp[P_MAX], p[CFG_PATH_MAX], full[PATH_MAX + CFG_PATH_MAX];
    yaml_node_t *v;
    if (!(v = mfield(L, s, key, sp, fp)) || rd_str(L, v, fp, p, sizeof p) != 0) return;
    if (!*p) { err_at(L, v, fp, "is empty (expected a socket path)"); return; }
    resolve_path(L, p, full, sizeof full);
    size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
    if (strlen(full) > max || strlen(full) >= CFG_PATH_MAX) {
        err_at(L, v, fp, "path %s is too long for a Unix socket (at most %zu bytes)", full, max);
        return;
    }
    sfmt(out, CFG_PATH_MAX, "%s", full);
}

static void load_control(struct ld *L, const yaml_node_t *root)
{
    char sp[P_MAX];
    yaml_node_t *s = section(L, root, "control", "", sp, CONTROL_KEYS);
    if (!s) return;
    rd_socket(L, s, sp, "socket", L->c->control_socket);
    rd_socket(L, s, sp, "readonly_socket", L->c->readonly_socket);
    if (L->c->readonly_socket[0] && !strcmp(L->c->readonly_socket, L->c->control_socket))
        err_at(L, s, sp, "readonly_socket and socket are the same path %s; give the read-only "
               "socket its own name (e.g. mmd-ro.sock)", L->c->control_socket);
}

/* metrics.listen: "HOST:PORT" with a numeric IPv4 address or a bracketed
 * IPv6 one ("[::1]:9464"), or ":PORT" / "PORT" for 127.0.0.1 (loopback
 * unless the operator names another address). */
static void load_metrics(struct ld *L, const yaml_node_t *root)
{
    char sp[P_MAX], fp[P_MAX], v[CFG_LISTEN_MAX], host[CFG_LISTEN_MAX], d[80];
    yaml_node_t *s = section(L, root, "metrics", "", sp, METRICS_KEYS), *n;
    if (!s || !(n = mfield(L, s, "listen", sp, fp))) return;
    if (n->type == YAML_SCALAR_NODE && kind_of(n) == K_INT) sfmt(v, sizeof v, ":%s", sval(n));
    else if (rd_str(L, n, fp, v, sizeof v) != 0) return;
    const char *colon = strrchr(v, ':');
    if (!colon) { memmove(v + 1, v, strnlen(v, sizeof v - 2) + 1); v[0] = ':'; colon = v; }
    sfmt(host, sizeof host, "%.*s", (int)(colon - v), v);
    if (!host[0]) sfmt(host, sizeof host, "127.0.0.1");
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    unsigned char buf[16];
    bool v6 = host[0] == '[' && host[strlen(host) - 1] == ']';
    if (v6) { memmove(host, host + 1, strlen(host)); host[strlen(host) - 1] = 0; }
    if (!colon[1] || *end || port < 1 || port > 65535 ||
        inet_pton(v6 ? AF_INET6 : AF_INET, host, buf) != 1) {
        err_at(L, n, fp, "expected HOST:PORT with a numeric address, e.g. \"127.0.0.1:9464\" or "
               "\"[::1]:9464\", got %s", describe(n, d, sizeof d));
        return;
    }
    sfmt(L->c->metrics_listen, sizeof L->c->metrics_listen, v6 ? "[%s]:%ld" : "%s:%ld", host, port);
}

/* state: {ledger, keep_*_days}: whether the ledger is kept and how long
 * its rows are (0 = forever). */
static void load_ledger_keys(struct ld *L, const yaml_node_t *s, const char *sp)
{
    char fp[P_MAX];
    yaml_node_t *v;
    bool on = true;
    if ((v = mfield(L, s, "ledger", sp, fp)) && rd_bool(L, v, fp, &on) == 0) L->c->ledger_off = !on;
    if ((v = mfield(L, s, "keep_orders_days", sp, fp))) rd_int(L, v, fp, &L->c->keep_orders_days, 0, 36500);
    if ((v = mfield(L, s, "keep_events_days", sp, fp))) rd_int(L, v, fp, &L->c->keep_events_days, 0, 36500);
    if ((v = mfield(L, s, "keep_fills_days", sp, fp))) rd_int(L, v, fp, &L->c->keep_fills_days, 0, 36500);
    if ((v = mfield(L, s, "keep_hours_days", sp, fp))) rd_int(L, v, fp, &L->c->keep_hours_days, 0, 36500);
}

static void load_state(struct ld *L, const yaml_node_t *root)
{
    char sp[P_MAX], fp[P_MAX], p[CFG_PATH_MAX], full[PATH_MAX + CFG_PATH_MAX];
    yaml_node_t *s = section(L, root, "state", "", sp, STATE_KEYS), *v;
    if (s) load_ledger_keys(L, s, sp);
    if (!s || !(v = mfield(L, s, "dir", sp, fp)) || rd_str(L, v, fp, p, sizeof p) != 0) return;
    if (!*p) { err_at(L, v, fp, "is empty (expected a directory)"); return; }
    resolve_path(L, p, full, sizeof full);
    if (strlen(full) >= CFG_PATH_MAX - 64) {
        err_at(L, v, fp, "path %s is too long (at most %d bytes)", full, CFG_PATH_MAX - 65);
        return;
    }
    sfmt(L->c->state_dir, sizeof L->c->state_dir, "%s", full);
}

void cfg_default_state_dir(char *buf, size_t len)
{
    const char *sd = getenv("STATE_DIRECTORY"), *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
    if (sd && *sd == '/') snprintf(buf, len, "%.*s", (int)strcspn(sd, ":"), sd);   /* systemd StateDirectory= */
    else if (x && *x == '/') snprintf(buf, len, "%s/mmd", x);
    else if (h && *h == '/') snprintf(buf, len, "%s/.local/state/mmd", h);
    else if (len) buf[0] = 0;
}

static void load_log(struct ld *L, const yaml_node_t *root)
{
    char sp[P_MAX], fp[P_MAX], d[80];
    yaml_node_t *s = section(L, root, "log", "", sp, LOG_KEYS), *v;
    if (!s || !(v = mfield(L, s, "level", sp, fp))) return;
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (v->type == YAML_SCALAR_NODE && kind_of(v) == K_STR && !strcasecmp(sval(v), names[i])) {
            L->c->log_level = (enum log_level)(LOG_DEBUG + i);
            L->c->log_level_set = true;
            return;
        }
    err_at(L, v, fp, "expected one of debug, info, warn, error, got %s", describe(v, d, sizeof d));
}

static int rd_id(struct ld *L, const yaml_node_t *n, const char *path, char *out)
{
    char d[80];
    if (rd_str(L, n, path, out, CFG_ID_MAX) != 0) return -1;
    if (id_ok(out, TASK_ID_MAX + 1)) return 0;
    err_at(L, n, path, "expected 1 to %d letters, digits, '_', '.' or '-', got %s", TASK_ID_MAX,
           describe(n, d, sizeof d));
    out[0] = 0;
    return -1;
}

static void load_accounts(struct ld *L, const yaml_node_t *root)
{
    char fp[P_MAX];
    yaml_node_t *s = mfield(L, root, "accounts", "", fp);
    if (s && s->type == YAML_SCALAR_NODE && kind_of(s) == K_NULL) return;   /* "accounts:" alone */
    if (!s || !want_seq(L, s, "accounts")) return;
    for (size_t i = 0; i < seq_len(s); i++) {
        char p[P_MAX];
        yaml_node_t *m = seq_item(L, s, i), *v;
        snprintf(p, sizeof p, "accounts[%zu]", i);
        if (!want_map(L, m, p)) continue;
        map_check(L, m, p, ACCOUNT_KEYS, NULL);
        struct cfg_account *a = &L->c->accounts[L->c->n_accounts++];
        a->line = (int)m->start_mark.line + 1;
        a->col = (int)m->start_mark.column + 1;
        if ((v = mreq(L, m, "id", p, fp)) && rd_id(L, v, fp, a->id) == 0)
            for (size_t j = 0; j + 1 < L->c->n_accounts; j++)
                if (!strcmp(L->c->accounts[j].id, a->id))
                    err_at(L, v, fp, "duplicate account id '%s' (first at line %d)", a->id,
                           L->c->accounts[j].line);
        load_creds(L, m, p, a);
    }
    L->n_explicit = L->c->n_accounts;
}

/* ---- tasks -------------------------------------------------------------------- */

static enum risk_level task_level(struct ld *L, const yaml_node_t *m, const char *p)
{
    char rp[P_MAX], fp[P_MAX], d[80];
    enum risk_level l = RISK_CONSERVATIVE;
    yaml_node_t *r = mget(L, m, "risk"), *v;
    join(rp, p, "risk");
    if (!r || r->type != YAML_MAPPING_NODE || !(v = mfield(L, r, "level", rp, fp))) return l;
    if (v->type == YAML_SCALAR_NODE && kind_of(v) == K_STR && cfg_risk_level_parse(sval(v), &l) == 0)
        return l;
    err_at(L, v, fp, "expected one of conservative, moderate, aggressive, got %s", describe(v, d, sizeof d));
    return RISK_CONSERVATIVE;
}

static void load_sizing(struct ld *L, const yaml_node_t *m, const char *p, struct cfg_task *t)
{
    char sp[P_MAX], fp[P_MAX];
    yaml_node_t *s = mreq(L, m, "sizing", p, sp), *v;
    if (!s || !want_map(L, s, sp)) return;
    map_check(L, s, sp, SIZING_KEYS, NULL);
    if ((v = mreq(L, s, "base_qty", sp, fp))) rd_dec_pos(L, v, fp, &t->base_qty);
    if ((v = mfield(L, s, "tiers", sp, fp))) rd_int(L, v, fp, &t->tiers, 1, CFG_MAX_TIERS);
}

/* A sequence of at most CFG_MAX_TIERS items; returns its length or -1. */
static int small_seq(struct ld *L, const yaml_node_t *n, const char *path, const char *what_items)
{
    if (!want_seq(L, n, path)) return -1;
    size_t k = seq_len(n);
    if (k == 0 || k > CFG_MAX_TIERS) {
        err_at(L, n, path, "expected 1 to %d %s, got %zu", CFG_MAX_TIERS, what_items, k);
        return -1;
    }
    return (int)k;
}

static int load_bands(struct ld *L, const yaml_node_t *n, const char *path, struct cfg_task *t)
{
    int k = small_seq(L, n, path, "[min, max] bands"), bad = 0;
    for (int j = 0; j < k; j++) {
        char ip[P_MAX], fp[P_MAX + 8];
        yaml_node_t *b = seq_item(L, n, (size_t)j);
        sfmt(ip, sizeof ip, "%s[%d]", path, j);
        if (b->type != YAML_SEQUENCE_NODE || seq_len(b) != 2) {
            err_at(L, b, ip, "expected a [min, max] pair of bps, got %s", what(b));
            bad = 1;
            continue;
        }
        struct cfg_band bd;
        sfmt(fp, sizeof fp, "%s[0]", ip);
        int e = rd_num(L, seq_item(L, b, 0), fp, &bd.min_bps, 0, false, 100);
        sfmt(fp, sizeof fp, "%s[1]", ip);
        e |= rd_num(L, seq_item(L, b, 1), fp, &bd.max_bps, 0, true, 100);
        if (!e && bd.min_bps >= bd.max_bps)
            err_at(L, b, ip, "band min (%g bps) must be below its max (%g bps)", bd.min_bps, bd.max_bps);
        if (e || bd.min_bps >= bd.max_bps) bad = 1;
        else t->bands[j] = bd;
    }
    return bad ? -1 : k;
}

static int load_mults(struct ld *L, const yaml_node_t *n, const char *path, struct cfg_task *t)
{
    int k = small_seq(L, n, path, "multipliers"), bad = 0;
    for (int j = 0; j < k; j++) {
        char ip[P_MAX + 8];
        sfmt(ip, sizeof ip, "%s[%d]", path, j);
        bad |= rd_num(L, seq_item(L, n, (size_t)j), ip, &t->tier_qty_mult[j], 0, true, 1000) != 0;
    }
    return bad ? -1 : k;
}

static void load_strategy(struct ld *L, const yaml_node_t *m, const char *p, struct cfg_task *t)
{
    char sp[P_MAX], fp[P_MAX];
    yaml_node_t *s = section(L, m, "strategy", p, sp, STRATEGY_KEYS), *v;
    if (!s) return;
    if ((v = mfield(L, s, "requote_drift_bps", sp, fp)))
        rd_num(L, v, fp, &t->requote_drift_bps, 0, true, 10000);
    if ((v = mfield(L, s, "fill_cooldown_s", sp, fp))) rd_num(L, v, fp, &t->fill_cooldown_s, 0, false, 86400);
    if ((v = mfield(L, s, "min_rest_s", sp, fp))) rd_num(L, v, fp, &t->min_rest_s, 0, false, 3600);
    if ((v = mfield(L, s, "inventory_skew_bps", sp, fp)))
        rd_num(L, v, fp, &t->inventory_skew_bps, 0, false, 100);
    /* counts are checked against sizing.tiers once both are known */
    int k;
    if ((v = mfield(L, s, "tiers_bps", sp, fp)) && (k = load_bands(L, v, fp, t)) >= 0 && k < t->tiers)
        err_at(L, v, fp, "has %d band%s but sizing.tiers is %d", k, k == 1 ? "" : "s", t->tiers);
    if ((v = mfield(L, s, "tier_qty_multipliers", sp, fp)) && (k = load_mults(L, v, fp, t)) >= 0 &&
        k < t->tiers)
        err_at(L, v, fp, "has %d multiplier%s but sizing.tiers is %d", k, k == 1 ? "" : "s", t->tiers);
}

static void load_risk(struct ld *L, const yaml_node_t *m, const char *p, struct cfg_task *t)
{
    char sp[P_MAX], fp[P_MAX];
    yaml_node_t *s = section(L, m, "risk", p, sp, RISK_KEYS), *v;
    if (!s) return;   /* level: already applied by task_level */
    if ((v = mfield(L, s, "max_position_usd", sp, fp))) rd_dec_pos(L, v, fp, &t->max_position_usd);
    if ((v = mfield(L, s, "price_jump_threshold_bps", sp, fp)))
        rd_num(L, v, fp, &t->price_jump_threshold_bps, 0, true, 10000);
    if ((v = mfield(L, s, "min_depth_usd", sp, fp))) rd_dec_pos(L, v, fp, &t->min_depth_usd);
    if ((v = mfield(L, s, "max_fills_per_minute", sp, fp))) rd_int(L, v, fp, &t->max_fills_per_minute, 1, 100000);
    if ((v = mfield(L, s, "max_spread_bps", sp, fp))) rd_num(L, v, fp, &t->max_spread_bps, 0, true, 10000);
    if ((v = mfield(L, s, "stale_data_ms", sp, fp))) rd_int(L, v, fp, &t->stale_data_ms, 1, 3600000);
    if ((v = mfield(L, s, "halt_cooldown_s", sp, fp))) rd_num(L, v, fp, &t->halt_cooldown_s, 0, false, 86400);
    if ((v = mfield(L, s, "resume_calm_s", sp, fp))) rd_num(L, v, fp, &t->resume_calm_s, 0, false, 86400);
}

static void load_shutdown(struct ld *L, const yaml_node_t *m, const char *p, struct cfg_task *t)
{
    char sp[P_MAX], fp[P_MAX];
    yaml_node_t *s = section(L, m, "shutdown", p, sp, SHUTDOWN_KEYS), *v;
    if (!s) return;
    if ((v = mfield(L, s, "close_positions", sp, fp))) rd_bool(L, v, fp, &t->close_positions);
    if ((v = mfield(L, s, "timeout_s", sp, fp))) rd_num(L, v, fp, &t->shutdown_timeout_s, 0, true, 3600);
}

/* `account: ID` (resolved later) or inline `credentials:` (an implicit account). */
static void load_task_account(struct ld *L, const yaml_node_t *m, const char *p, struct cfg_task *t,
                              struct tinfo *ti)
{
    char fp[P_MAX];
    yaml_node_t *ck = NULL, *ak = NULL, *cr = mget2(L, m, "credentials", &ck), *ac = mget2(L, m, "account", &ak);
    t->account = SIZE_MAX;
    if (cr && ac) {
        err_at(L, ck->start_mark.line > ak->start_mark.line ? ck : ak, p,
               "give either 'credentials' or 'account', not both");
        return;
    }
    if (!cr && !ac) {
        err_at(L, m, p, "missing required key 'credentials' (or 'account' naming an entry of 'accounts')");
        return;
    }
    if (ac) {
        join(fp, p, "account");
        if (rd_str(L, ac, fp, t->account_id, sizeof t->account_id) == 0) ti->ref = ac;
        return;
    }
    join(fp, p, "credentials");
    if (!want_map(L, cr, fp)) return;
    map_check(L, cr, fp, CRED_KEYS, NULL);
    t->account = L->c->n_accounts;
    struct cfg_account *a = &L->c->accounts[L->c->n_accounts++];
    sfmt(a->id, sizeof a->id, "%s", t->id);
    sfmt(t->account_id, sizeof t->account_id, "%s", t->id);
    a->implicit = true;
    a->line = (int)cr->start_mark.line + 1;
    a->col = (int)cr->start_mark.column + 1;
    load_creds(L, cr, fp, a);
}

static void load_task(struct ld *L, const yaml_node_t *m, size_t idx)
{
    char p[P_MAX], fp[P_MAX], d[80];
    yaml_node_t *v;
    snprintf(p, sizeof p, "tasks[%zu]", idx);
    if (!want_map(L, m, p)) return;
    map_check(L, m, p, TASK_KEYS, TASK_MOVED);
    struct cfg_task *t = &L->c->tasks[L->c->n_tasks];
    struct tinfo *ti = &L->ti[L->c->n_tasks++];
    cfg_task_init(t, task_level(L, m, p));
    t->line = (int)m->start_mark.line + 1;
    t->col = (int)m->start_mark.column + 1;
    ti->idx = idx;
    if ((v = mreq(L, m, "id", p, fp)) && rd_id(L, v, fp, t->id) == 0)
        for (struct cfg_task *o = L->c->tasks; o < t; o++)
            if (!strcmp(o->id, t->id))
                err_at(L, v, fp, "duplicate task id '%s' (first at line %d)", t->id, o->line);
    if ((v = mreq(L, m, "symbol", p, fp)) && rd_str(L, v, fp, t->symbol, sizeof t->symbol) == 0) {
        size_t n = strlen(t->symbol), b = n > 4 ? n - 4 : 0;
        if (n < 6 || n > 16 || strcmp(t->symbol + b, "-USD") ||
            strspn(t->symbol, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != b) {
            err_at(L, v, fp, "expected a symbol such as \"BTC-USD\" (2 to 12 capital letters or "
                   "digits, then -USD), got %s", describe(v, d, sizeof d));
            t->symbol[0] = 0;
        } else {
            ti->symbol = v;
        }
    }
    load_sizing(L, m, p, t);
    load_strategy(L, m, p, t);
    load_risk(L, m, p, t);
    load_shutdown(L, m, p, t);
    load_task_account(L, m, p, t, ti);
}

/* ---- checks across tasks and accounts ---------------------------------------- */

static void resolve_accounts(struct ld *L)
{
    struct cfg *c = L->c;
    for (size_t i = 0; i < c->n_tasks; i++) {
        struct cfg_task *t = &c->tasks[i];
        char p[P_MAX];
        if (!L->ti[i].ref) continue;
        for (size_t j = 0; j < L->n_explicit; j++)
            if (!strcmp(c->accounts[j].id, t->account_id)) t->account = j;
        if (t->account != SIZE_MAX) continue;
        snprintf(p, sizeof p, "tasks[%zu].account", L->ti[i].idx);
        char known[192] = "";
        for (size_t j = 0; j < L->n_explicit; j++) {
            size_t n = strlen(known);
            snprintf(known + n, sizeof known - n, "%s%s", n ? ", " : "", c->accounts[j].id);
        }
        err_at(L, L->ti[i].ref, p, "no account '%s' in 'accounts' (%s%s)", t->account_id,
               *known ? "defined: " : "none defined", known);
    }
    for (size_t k = L->n_explicit; k < c->n_accounts; k++)
        for (size_t j = 0; j < L->n_explicit; j++)
            if (*c->accounts[k].id && !strcmp(c->accounts[k].id, c->accounts[j].id))
                err_lc(L, (size_t)c->accounts[k].line, (size_t)c->accounts[k].col, "credentials",
                       "task '%s' has inline credentials but 'accounts' also defines an account "
                       "'%s' (line %d); use 'account: %s' or rename the task",
                       c->accounts[k].id, c->accounts[j].id, c->accounts[j].line, c->accounts[j].id);
}

static void check_pairs(struct ld *L)
{
    struct cfg *c = L->c;
    for (size_t j = 0; j < c->n_tasks; j++)
        for (size_t i = 0; i < j; i++) {
            struct cfg_task *a = &c->tasks[i], *b = &c->tasks[j];
            if (a->account == SIZE_MAX || a->account != b->account || !*a->symbol ||
                strcmp(a->symbol, b->symbol))
                continue;
            char p[P_MAX];
            snprintf(p, sizeof p, "tasks[%zu].symbol", L->ti[j].idx);
            err_at(L, L->ti[j].symbol, p,
                   "tasks '%s' (line %d) and '%s' both trade %s on account '%s'; an account "
                   "may run only one task per symbol", a->id, a->line, b->id, b->symbol,
                   c->accounts[b->account].id);
            break;
        }
}

static void check_perms(struct ld *L)
{
    if (!L->inline_secret || !(L->mode & (S_IRWXG | S_IRWXO))) return;
    err_at(L, L->inline_secret, L->inline_path,
           "%s holds inline secrets but is accessible by group or others (mode %04o); run: "
           "chmod 600 %s (or use *_file / *_env)", L->file, (unsigned)(L->mode & 07777), L->file);
}

static void load_root(struct ld *L, const yaml_node_t *root)
{
    char fp[P_MAX];
    if (root->type != YAML_MAPPING_NODE) {
        err_at(L, root, "", "expected a mapping with a 'tasks' list at the top level, got %s", what(root));
        return;
    }
    map_check(L, root, "", TOP_KEYS, NULL);
    load_exchange(L, root);
    load_control(L, root);
    load_metrics(L, root);
    load_state(L, root);
    load_log(L, root);
    yaml_node_t *tasks = mreq(L, root, "tasks", "", fp);
    size_t na = seq_len(mget(L, root, "accounts")), nt = seq_len(tasks);
    if (na > CFG_MAX_ITEMS || nt > CFG_MAX_ITEMS) {
        err_at(L, root, "", "too many %s (at most %d)", nt > CFG_MAX_ITEMS ? "tasks" : "accounts",
               CFG_MAX_ITEMS);
        return;
    }
    L->c->accounts = calloc(na + nt + 1, sizeof *L->c->accounts);
    L->c->tasks = calloc(nt + 1, sizeof *L->c->tasks);
    L->ti = calloc(nt + 1, sizeof *L->ti);
    if (!L->c->accounts || !L->c->tasks || !L->ti) { err_at(L, root, "", "out of memory"); return; }
    load_accounts(L, root);
    if (!tasks || !want_seq(L, tasks, "tasks")) return;
    if (nt == 0) err_at(L, tasks, "tasks", "at least one task is required");
    for (size_t i = 0; i < nt; i++) load_task(L, seq_item(L, tasks, i), i);
    resolve_accounts(L);
    check_pairs(L);
    check_perms(L);
    check_ws_cap(L, root);
}

/* ---- file, parser ------------------------------------------------------------- */

static char *read_cfg_file(struct ld *L, size_t *len)
{
    int fd = open(L->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);   /* a FIFO must not block us */
    struct stat st;
    char *buf = NULL;
    if (fd < 0) {
        fprintf(L->errs, "%s: cannot open: %s\n", L->file, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > CFG_FILE_MAX) {
        fprintf(L->errs, "%s: not a regular file of at most %d bytes\n", L->file, CFG_FILE_MAX);
        close(fd);
        return NULL;
    }
    L->mode = st.st_mode;
    if ((buf = malloc((size_t)st.st_size + 1))) {
        size_t got = 0;
        ssize_t r;
        while (got < (size_t)st.st_size && (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
            got += (size_t)r;
        buf[got] = 0;
        *len = got;
    }
    close(fd);
    return buf;
}

static void report_syntax(struct ld *L, const yaml_parser_t *ps, const char *buf, size_t len)
{
    size_t line = ps->problem_mark.line + 1, col = ps->problem_mark.column + 1;
    if (ps->error == YAML_READER_ERROR) {
        line = col = 1;
        for (size_t i = 0; i < ps->problem_offset && i < len; i++, col++)
            if (buf[i] == '\n') { line++; col = 0; }
    }
    char ctx[160] = "";
    if (ps->context)
        sfmt(ctx, sizeof ctx, " (%s at line %zu, column %zu)", ps->context, ps->context_mark.line + 1,
             ps->context_mark.column + 1);
    err_lc(L, line, col, "", "YAML syntax error: %s%s", ps->problem ? ps->problem : "cannot parse", ctx);
}

static void wipe_doc(yaml_document_t *doc)
{
    for (yaml_node_t *n = doc->nodes.start; n && n < doc->nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE) sodium_memzero(n->data.scalar.value, n->data.scalar.length);
}

static void wipe_parser(yaml_parser_t *ps)
{
    if (ps->raw_buffer.start) sodium_memzero(ps->raw_buffer.start, (size_t)(ps->raw_buffer.end - ps->raw_buffer.start));
    if (ps->buffer.start) sodium_memzero(ps->buffer.start, (size_t)(ps->buffer.end - ps->buffer.start));
}

/* Parses one YAML document; a second document in the file is an error. */
static void parse_and_load(struct ld *L, const char *buf, size_t len)
{
    yaml_parser_t ps;
    yaml_document_t extra;
    if (!yaml_parser_initialize(&ps)) { fprintf(L->errs, "%s: out of memory\n", L->file); L->nerr++; return; }
    yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&ps, &L->doc)) {
        report_syntax(L, &ps, buf, len);
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&L->doc);
        if (!root) {
            err_lc(L, 1, 1, "", "the file is empty; expected a mapping with a 'tasks' list");
        } else if (!yaml_parser_load(&ps, &extra)) {
            report_syntax(L, &ps, buf, len);
        } else {
            yaml_node_t *r2 = yaml_document_get_root_node(&extra);
            if (r2) err_at(L, r2, "", "only one YAML document is allowed in a config file");
            wipe_doc(&extra);
            yaml_document_delete(&extra);
            load_root(L, root);
        }
        wipe_doc(&L->doc);
        yaml_document_delete(&L->doc);
    }
    wipe_parser(&ps);
    yaml_parser_delete(&ps);
}

static void set_dir(struct ld *L, const char *path)
{
    char tmp[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(tmp, sizeof tmp, ".");
    else if (slash == path) snprintf(tmp, sizeof tmp, "/");
    else snprintf(tmp, sizeof tmp, "%.*s", (int)(slash - path), path);
    if (!realpath(tmp, L->dir)) sfmt(L->dir, sizeof L->dir, "%s", tmp);
}

/* ---- public ------------------------------------------------------------------- */

struct cfg *cfg_load(const char *path, FILE *errs)
{
    if (!errs) errs = stderr;
    struct ld L = {.file = path, .errs = errs};
    size_t len = 0;
    if (sign_init() != 0) { fprintf(errs, "%s: cannot initialise libsodium\n", path); return NULL; }
    struct cfg *c = calloc(1, sizeof *c);
    if (!c) { fprintf(errs, "%s: out of memory\n", path); return NULL; }
    L.c = c;
    sfmt(c->path, sizeof c->path, "%s", path);
    snprintf(c->rest_url, sizeof c->rest_url, "https://perps.standx.com");
    snprintf(c->ws_url, sizeof c->ws_url, "wss://perps.standx.com");
    rpc_default_socket(c->control_socket, sizeof c->control_socket);
    cfg_default_state_dir(c->state_dir, sizeof c->state_dir);
    c->keep_orders_days = c->keep_events_days = 30;   /* fills and hours: forever (0) */
    c->ws_orders = c->order_session = true;
    c->max_ws_connections = 10;
    c->ip_requests_per_s = 44;
    c->log_level = LOG_INFO;
    set_dir(&L, path);
    char *buf = read_cfg_file(&L, &len);
    if (!buf) { cfg_free(c); return NULL; }
    parse_and_load(&L, buf, len);
    err_flush(&L);
    sodium_memzero(buf, len);
    free(buf);
    free(L.ti);
    if (L.nerr) { cfg_free(c); return NULL; }
    return c;
}

void cfg_free(struct cfg *c)
{
    if (!c) return;
    for (size_t i = 0; c->accounts && i < c->n_accounts; i++) {
        if (c->accounts[i].jwt) sodium_free(c->accounts[i].jwt);   /* wipes */
        signer_free(c->accounts[i].signer);
    }
    free(c->accounts);
    free(c->tasks);
    free(c);
}

const char *cfg_risk_level_name(enum risk_level l)
{
    switch (l) {
    case RISK_CONSERVATIVE: return "conservative";
    case RISK_MODERATE: return "moderate";
    case RISK_AGGRESSIVE: return "aggressive";
    }
    return "?";
}

int cfg_risk_level_parse(const char *s, enum risk_level *out)
{
    for (int l = RISK_CONSERVATIVE; l <= RISK_AGGRESSIVE; l++)
        if (!strcasecmp(s, cfg_risk_level_name((enum risk_level)l))) {
            *out = (enum risk_level)l;
            return 0;
        }
    return -1;
}

/* The level table of mmd.yaml(5). */
static const struct level_defaults {
    struct cfg_band bands[CFG_MAX_TIERS];
    int64_t max_position_usd, min_depth_usd;
    double jump_bps, spread_bps, halt_cooldown_s;
    int fills_per_min, stale_ms;
    double resume_calm_s;
} LEVELS[] = {
    [RISK_CONSERVATIVE] = {{{5, 10}, {10, 15}, {15, 20}}, 10000, 10000, 5, 20, 60, 3, 3000, 10},
    [RISK_MODERATE] = {{{2.5, 8.5}, {6, 14}, {12, 20}}, 25000, 5000, 10, 40, 30, 6, 5000, 5},
    [RISK_AGGRESSIVE] = {{{0, 5}, {5, 10}, {10, 20}}, 50000, 2000, 20, 80, 15, 12, 10000, 3},
};

void cfg_task_defaults(struct cfg_task *t, enum risk_level l)
{
    if (l < RISK_CONSERVATIVE || l > RISK_AGGRESSIVE) l = RISK_CONSERVATIVE;
    const struct level_defaults *d = &LEVELS[l];
    t->level = l;
    memcpy(t->bands, d->bands, sizeof t->bands);
    t->max_position_usd = dec_from_int(d->max_position_usd);
    t->price_jump_threshold_bps = d->jump_bps;
    t->min_depth_usd = dec_from_int(d->min_depth_usd);
    t->max_fills_per_minute = d->fills_per_min;
    t->max_spread_bps = d->spread_bps;
    t->stale_data_ms = d->stale_ms;
    t->halt_cooldown_s = d->halt_cooldown_s;
    t->resume_calm_s = d->resume_calm_s;
}

void cfg_task_init(struct cfg_task *t, enum risk_level l)
{
    memset(t, 0, sizeof *t);
    cfg_task_defaults(t, l);
    t->tiers = 2;
    t->tier_qty_mult[0] = 1;
    t->tier_qty_mult[1] = 1.5;
    t->tier_qty_mult[2] = 2;
    t->requote_drift_bps = 3;
    t->fill_cooldown_s = 10;
    t->min_rest_s = 3;
    t->close_positions = true;
    t->shutdown_timeout_s = 30;
}

bool cfg_has_placeholders(const struct cfg *c)
{
    for (size_t i = 0; c && i < c->n_accounts; i++)
        if (c->accounts[i].placeholder) return true;
    return false;
}

static bool doubles_same(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

static bool bands_same(const struct cfg_band *a, const struct cfg_band *b)
{
    for (size_t i = 0; i < CFG_MAX_TIERS; i++)
        if (a[i].min_bps != b[i].min_bps || a[i].max_bps != b[i].max_bps) return false;
    return true;
}

bool cfg_task_same(const struct cfg_task *a, const struct cfg_task *b)
{
    return !strcmp(a->id, b->id) && !strcmp(a->symbol, b->symbol) && !strcmp(a->account_id, b->account_id) &&
           a->level == b->level && a->base_qty == b->base_qty && a->tiers == b->tiers &&
           doubles_same(a->tier_qty_mult, b->tier_qty_mult, CFG_MAX_TIERS) && bands_same(a->bands, b->bands) &&
           a->requote_drift_bps == b->requote_drift_bps && a->fill_cooldown_s == b->fill_cooldown_s &&
           a->max_position_usd == b->max_position_usd &&
           a->price_jump_threshold_bps == b->price_jump_threshold_bps && a->min_depth_usd == b->min_depth_usd &&
           a->max_fills_per_minute == b->max_fills_per_minute && a->max_spread_bps == b->max_spread_bps &&
           a->stale_data_ms == b->stale_data_ms && a->halt_cooldown_s == b->halt_cooldown_s &&
           a->min_rest_s == b->min_rest_s && a->inventory_skew_bps == b->inventory_skew_bps &&
           a->resume_calm_s == b->resume_calm_s &&
           a->close_positions == b->close_positions && a->shutdown_timeout_s == b->shutdown_timeout_s;
}
