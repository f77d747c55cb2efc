/* memorybio.h - MemoryBIO: an in-memory byte queue backed by an OpenSSL
 * memory BIO, so an SSLObject can read and write it with no copying. */
#ifndef SSLX_MEMORYBIO_H
#define SSLX_MEMORYBIO_H

#include "module.h"

typedef struct {
    PyObject_HEAD
    BIO *bio;           /* BIO_s_mem(); SSL objects take extra references */
    int eof_written;    /* write_eof() was called */
} sslx_memorybio;

/* Non-zero when `obj` is an sslx MemoryBIO. */
int sslx_memorybio_check(sslx_state *st, PyObject *obj);

#endif
