/* ctl — mmctl internals: the printers (readable text or raw JSON, behind one
 * interface, as bgpctl does) used by ctl/mmctl.c. */
#ifndef MMD_CTL_H
#define MMD_CTL_H
#include <jansson.h>
#include <stdio.h>

struct ctl_printer {
    /* Prints the result of method (borrowed). */
    void (*result)(FILE *f, const char *method, json_t *result);
    /* Prints one pushed notification (subscribe). */
    void (*notification)(FILE *f, json_t *msg);
    /* Prints an error: code != 0 from the daemon, 0 when mmd could not be
     * reached (msg says why; sock is the socket tried). */
    void (*error)(FILE *f, const char *method, int code, const char *msg, const char *sock);
};

extern const struct ctl_printer ctl_print_text, ctl_print_json;

#endif
