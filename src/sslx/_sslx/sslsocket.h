/* sslsocket.h - SSLSocket: a TLS connection over a socket.socket. */
#ifndef SSLX_SSLSOCKET_H
#define SSLX_SSLSOCKET_H

#include "context.h"

/* Create the connection object for SSLContext.wrap_socket(), after the
 * context has validated its arguments.
 *   cls   context.sslsocket_class (NULL: sslx.SSLSocket)
 *   sock  the socket.socket to take over
 * Returns a new reference, or NULL with an exception set. */
PyObject *sslx_sslsocket_new(sslx_state *st, sslx_context *context, PyObject *cls,
                             PyObject *sock, int server_side, int do_handshake_on_connect,
                             int suppress_ragged_eofs, PyObject *server_hostname,
                             PyObject *session);

#endif
