/* ops — the mmctl commands for operators and monitoring that do more than
 * print one RPC result (ctl/ops.c): check, metrics, reload, log-level. */
#ifndef MMD_CTL_OPS_H
#define MMD_CTL_OPS_H

struct ctl_opts {
    const char *sock;
    int json;          /* -j: print the raw JSON result */
    int timeout_s;
};

/* Each takes the words after the command and returns mmctl's exit status. */
int ctl_run_check(const struct ctl_opts *o, int n, char **w);
int ctl_run_metrics(const struct ctl_opts *o, int n, char **w);
int ctl_run_reload(const struct ctl_opts *o, int n, char **w);
int ctl_run_log_level(const struct ctl_opts *o, int n, char **w);

#endif
