/* memorybio.h - MemoryBIO: an in-memory byte queue behind an OpenSSL BIO
 * of sslx's own method, so an SSLObject reads and writes it directly. */
#ifndef SSLX_MEMORYBIO_H
#define SSLX_MEMORYBIO_H

#include "module.h"

typedef struct {
    PyObject_HEAD
    BIO *bio;           /* byte-queue BIO; SSL objects take extra references */
    int eof_written;    /* write_eof() was called */
} sslx_memorybio;

/* Non-zero when `obj` is an sslx MemoryBIO. */
int sslx_memorybio_check(sslx_state *st, PyObject *obj);

#endif
