/* sslobject.h - SSLObject: a TLS connection over two MemoryBIOs. */
#ifndef SSLX_SSLOBJECT_H
#define SSLX_SSLOBJECT_H

#include "context.h"

/* Create the connection object for SSLContext.wrap_bio(), after the
 * context has validated its arguments.
 *   cls              context.sslobject_class (NULL: sslx.SSLObject)
 *   incoming/outgoing MemoryBIO objects, sslx's or the stdlib's
 *   server_hostname  str or None
 *   session          SSLSession or None
 * Returns a new reference, or NULL with an exception set. */
PyObject *sslx_sslobject_new(sslx_state *st, sslx_context *context, PyObject *cls,
                             PyObject *incoming, PyObject *outgoing, int server_side,
                             PyObject *server_hostname, PyObject *session);

#endif
