/* connview.h - the private `_sslobj` view of a connection (connview.c). */
#ifndef SSLX_CONNVIEW_H
#define SSLX_CONNVIEW_H

#include "conn.h"

/* The view of the connection `c` of `owner` (an SSLSocket or SSLObject):
 * the one it has, or a new one.  New reference, or NULL with an
 * exception set. */
PyObject *sslx_connview_of(sslx_state *st, PyObject *owner, sslx_conn *c);

/* The owner of `c` is being destroyed (called before `c` is freed): the
 * view and `c` forget each other, and a view that outlives the owner takes
 * the connection over when it is an SSLObject's (memory BIOs), leaving `c`
 * empty.  0, or -1 with MemoryError set. */
int sslx_connview_orphan(sslx_conn *c);

#endif
