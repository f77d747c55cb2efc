/* conn_internal.h - what the engine's own files (conn.c,
 * conn_lifecycle.c, conn_lock.c) share beyond conn.h.  Not for use
 * outside the engine. */
#ifndef SSLX_CONN_INTERNAL_H
#define SSLX_CONN_INTERNAL_H

#include "conn.h"

/* The lock (conn_lock.c).  init: 0, or -1 with MemoryError set. */
int sslx_conn_lock_init(sslx_conn *c);
void sslx_conn_lock_destroy(sslx_conn *c);
/* Whether the calling thread holds the lock (runs inside a callback). */
int sslx_conn_held_by_me(sslx_conn *c);
/* Take the lock with the GIL held (it is released while waiting), or
 * without it (the caller released it). */
void sslx_conn_lock_with_gil(sslx_conn *c);
void sslx_conn_lock_without_gil(sslx_conn *c);
void sslx_conn_unlock(sslx_conn *c);
/* RuntimeError: `what` called from a callback of the same connection. */
int sslx_conn_refuse_reentry(const char *what);

/* Kernel TLS (conn_lifecycle.c): put `fd` in non-blocking mode if it is
 * not, at the start and again before each call (conn.c), as OpenSSL's
 * socket BIO does plain recv()/send() under the connection's lock. */
void sslx_conn_keep_nonblocking(int fd);

#endif
