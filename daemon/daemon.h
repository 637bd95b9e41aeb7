/* daemon — the running mmd: owns the event loop and every long-lived object
 * (REST client, WebSocket thread, market-data hub, one StandX account per
 * configured account, one task per configured task, the control socket) and
 * wires them together: hub -> task_on_md, account events -> task_on_event,
 * a 100 ms timer -> task_on_timer, signals -> shutdown/reload, and the control
 * plane's backend (status, halt, resume, ...). */
#ifndef MMD_DAEMON_H
#define MMD_DAEMON_H
#include "config.h"

/* Runs until shutdown.  Takes ownership of cfg.  Returns the process exit
 * status: 0 when every order was confirmed cancelled (and positions closed
 * where configured), 1 otherwise. */
int daemon_run(struct cfg *cfg);

#endif
