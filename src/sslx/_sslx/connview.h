/* connview.h - the private `_sslobj` view of a connection (connview.c). */
#ifndef SSLX_CONNVIEW_H
#define SSLX_CONNVIEW_H

#include "module.h"

/* A new view of `owner` (an SSLSocket or SSLObject).  New reference, or
 * NULL with an exception set. */
PyObject *sslx_connview_new(sslx_state *st, PyObject *owner);

#endif
