/* bios.h - the OpenSSL BIOs a connection's SSL* reads and writes
 * through, besides the MemoryBIO's own (memorybio.c):
 *   bio_socket.c   a socket descriptor, never blocking (SSLSocket);
 *   bio_foreign.c  a Python MemoryBIO-like object that is not sslx's
 *                  (SSLObject over the stdlib's ssl.MemoryBIO);
 *   bio_stdlib.c   the stdlib ssl.MemoryBIO's own BIO, used directly when
 *                  the stdlib's _ssl runs on sslx's libcrypto. */
#ifndef SSLX_BIOS_H
#define SSLX_BIOS_H

#include "module.h"

struct sslx_conn;

/* A BIO over socket `fd`, which it never closes.  NULL when out of
 * memory (OpenSSL's error queue says so). */
BIO *sslx_bio_socket_new(int fd);

/* A BIO that reads from (outgoing == 0) or writes to (outgoing == 1)
 * the Python object `obj` for the connection `c`.  NULL with a Python
 * exception or the OpenSSL error queue set. */
BIO *sslx_bio_foreign_new(struct sslx_conn *c, PyObject *obj, int outgoing);

/* Where such a BIO keeps its bound read()/write() method, for GC
 * traversal and clearing; NULL for none. */
PyObject **sslx_bio_foreign_method(BIO *bio);

/* Point such a BIO at the connection `c` (its engine moved). */
void sslx_bio_foreign_rebind(BIO *bio, struct sslx_conn *c);

/* The OpenSSL BIO inside `obj` when it is exactly a stdlib ssl.MemoryBIO
 * whose BIO sslx may use directly (same libcrypto, checked once per
 * process), else NULL.  Borrowed: take a reference with BIO_up_ref and
 * keep `obj` alive.  Never sets an exception. */
BIO *sslx_bio_stdlib_of(PyObject *obj);

#endif
