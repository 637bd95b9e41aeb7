/* fsutil — small file-system helpers shared by the daemon's parts. */
#ifndef MMD_FSUTIL_H
#define MMD_FSUTIL_H
#include <sys/types.h>

/* mkdir -p: creates dir and any missing parent with mode (existing ones are
 * left as they are).  0, or -1 with errno set. */
int mkdir_p(const char *dir, mode_t mode);

#endif
