/* locks — one daemon per exchange account.  Two daemons trading one account
 * cancel each other's orders as orphans, so each account is locked while a
 * daemon trades it: an exclusive flock(2) on <state dir>/account-<public key>.lock
 * (the signing key's public key names the venue account, whatever the
 * config calls it), held by an open descriptor until the daemon exits (the
 * kernel drops it even on kill -9).  The file holds the holder's pid, so a
 * refused daemon can name it. */
#include "locks.h"

#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static long holder_pid(int fd)
{
    char b[32] = {0};
    ssize_t n = pread(fd, b, sizeof b - 1, 0);
    return n > 0 ? strtol(b, NULL, 10) : 0;
}

int lock_account(const char *dir, const char *pubkey, char *err, size_t errlen)
{
    char path[768];
    if (mkdir_p(dir, 0700) != 0) {
        snprintf(err, errlen, "cannot create the state directory %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/account-%s.lock", dir, pubkey);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the account lock %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        long pid = holder_pid(fd);
        snprintf(err, errlen, "this account is already traded by mmd pid %ld (lock %s): stop that daemon "
                              "first; two daemons on one account cancel each other's orders", pid, path);
        close(fd);
        return -1;
    }
    char b[32];
    int n = snprintf(b, sizeof b, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, b, (size_t)n, 0) != n) { /* the lock holds all the same */ }
    return fd;
}

void unlock_account(int fd)
{
    if (fd >= 0) close(fd);
}
