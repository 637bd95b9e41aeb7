/* backend — what the control plane (control.c, dispatch.c, cmd-*.c) may ask of the
 * rest of the daemon.  The control plane knows nothing of tasks, venues or
 * the hub: it calls these functions, which the daemon (daemon/backend.c)
 * implements over its tasks and which RPC tests implement with a fake.
 *
 * Results are jansson objects owned by the caller (json_decref when done).
 * Functions taking a task id return NULL and set *err (an RPC error code from
 * common/rpc.h) and errmsg when the task is unknown.  Operations that need
 * the exchange (halt cancels orders) complete through a callback, exactly
 * once, possibly after the call returns.  Whether the daemon is shutting
 * down is the backend's to say (one flag, the daemon's): the control plane
 * keeps none of its own.  Initialise with designated initializers. */
#ifndef MMD_BACKEND_H
#define MMD_BACKEND_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef void (*backend_done_fn)(void *arg, int err, const char *errmsg, json_t *result);

struct backend {
    void *ud;
    json_t *(*status)(void *ud);    /* see mmd-rpc(7) "status" for the shape */
    json_t *(*tasks)(void *ud);
    json_t *(*orders)(void *ud, const char *task, int *err, char *errmsg, size_t len);
    json_t *(*positions)(void *ud, const char *task, int *err, char *errmsg, size_t len);
    json_t *(*uptime)(void *ud, const char *task, int *err, char *errmsg, size_t len);
    /* task NULL = every task.  done() runs once the task's orders are confirmed
     * cancelled (or the attempt timed out).  resume answers -1003 for a named
     * task that is not halted; for every task it resumes the halted ones. */
    void (*halt)(void *ud, const char *task, const char *reason, backend_done_fn done, void *arg);
    void (*resume)(void *ud, const char *task, backend_done_fn done, void *arg);
    /* Starts a graceful shutdown (as SIGTERM); returns at once. */
    void (*shutdown)(void *ud);
    /* True from the moment a shutdown started (SIGTERM, SIGINT, "shutdown"). */
    bool (*shutting_down)(void *ud);
    /* Re-reads the configuration file and applies what can change live (as
     * SIGHUP); the report of mmd-rpc(7) "reload".  NULL: not supported. */
    json_t *(*reload)(void *ud);
    /* The Prometheus text exposition of the daemon's figures (malloc'd,
     * NUL-terminated); NULL: not supported or out of memory. */
    char *(*metrics)(void *ud);
};

#endif
