/* locks — one daemon per exchange account (see locks.c). */
#ifndef MMD_LOCKS_H
#define MMD_LOCKS_H
#include <stddef.h>

/* Locks the account whose signing key has public key `pubkey` (base58) in
 * state directory `dir` (created 0700 if missing).  Returns the descriptor
 * holding the lock, or -1 with err saying why (held by another daemon: its
 * pid and what to do). */
int lock_account(const char *dir, const char *pubkey, char *err, size_t errlen);
void unlock_account(int fd);

#endif
