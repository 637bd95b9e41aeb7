/* ledger_int — the ledger's private state, shared by store.c (writer,
 * schema, queue), rows.c (the typed writers) and query.c (readers).  Not a
 * public interface: see ledger.h. */
#ifndef MMD_LEDGER_INT_H
#define MMD_LEDGER_INT_H
#include <sqlite3.h>

#include "ledger.h"

enum lg_stmt { S_ORDER, S_FILL, S_MARKOUT, S_HOUR, S_EVENT, S_POSITION, S_BALANCE, S_COUNT };

#define LG_MAXV 18
struct lg_val {
    enum { V_NULL, V_INT, V_REAL, V_TEXT } t;
    int64_t i;
    double d;
    char *s;
};
struct lg_rec {
    enum lg_stmt stmt;
    int n;
    struct lg_val v[LG_MAXV];
};

struct ledger {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    char path[600];
    char fail_file[512];           /* MMD_LEDGER_FAIL_FILE (test-only injection point) */
    struct ledger_keep keep;
    struct event *timer;
    struct lg_rec *q;
    size_t n, cap;
    uint64_t dropped, commits, rows, failures;
    int64_t commit_us_total;
    bool ok;
    char err[700];
    int64_t fail_since_ms, last_commit_ms, last_retention_ms;
    int schema_version;
};

/* Appends a row for statement s (NULL when the queue is full: then the
 * lg_* binders below do nothing). */
struct lg_rec *lg_push(struct ledger *lg, enum lg_stmt s);
void lg_int(struct lg_rec *r, int64_t v);
void lg_int_or_null(struct lg_rec *r, int64_t v);   /* 0 -> NULL */
void lg_real(struct lg_rec *r, double v);
void lg_null(struct lg_rec *r);
void lg_text(struct lg_rec *r, const char *s);      /* NULL -> NULL */
void lg_dec(struct lg_rec *r, dec_t v);

#endif
