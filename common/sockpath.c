/* sockpath — fallback definition of cfg_default_socket() (declared in
 * common/config.h) for the control socket path shared by mmd, mmctl and mmtop:
 * $XDG_RUNTIME_DIR/mmd.sock, else /tmp/mmd-$UID/mmd.sock.  It is weak so the
 * config module's own definition, when present, takes precedence. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

__attribute__((weak)) void cfg_default_socket(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg == '/')
        snprintf(buf, len, "%s/mmd.sock", xdg);
    else
        snprintf(buf, len, "/tmp/mmd-%u/mmd.sock", (unsigned)getuid());
}
