/* context.h - SSLContext as the rest of sslx sees it: an opaque object
 * that checks the arguments of the connections it makes and configures
 * each new SSL*.  The struct and the internals shared by the context_*.c
 * files are in context_internal.h, for them alone.
 *
 * Callbacks registered on the SSL_CTX (servername, ALPN selection, keylog,
 * PSK) find their sslx_context through SSL_CTX_get_app_data(), a borrowed
 * pointer that dealloc clears before the SSL_CTX is released, so an SSL*
 * outliving its Python context sees NULL rather than freed memory. */
#ifndef SSLX_CONTEXT_H
#define SSLX_CONTEXT_H

#include "module.h"

typedef struct sslx_context sslx_context;

/* Non-zero when `obj` is an SSLContext (or subclass) instance. */
int sslx_context_check(sslx_state *st, PyObject *obj);

/* The sslx_context whose SSL_CTX is `ctx` (borrowed), or NULL when that
 * context is gone.  Callers hold the GIL. */
sslx_context *sslx_context_from_ctx(SSL_CTX *ctx);

/* ---- the rules for a connection's arguments (context_wrap.c) ----
 * Each returns 0, or -1 with the stdlib's exception and message. */

/* A PROTOCOL_TLS_CLIENT context makes only client connections, a
 * PROTOCOL_TLS_SERVER one only server connections (SSLError). */
int sslx_context_check_side(sslx_context *self, int server_side);

/* wrap_socket()'s (for_socket) or wrap_bio()'s checks of server_hostname
 * and session, in the stdlib's order and words (ValueError). */
int sslx_context_check_wrap(sslx_context *self, int for_socket, int server_side,
                            PyObject *server_hostname, PyObject *session);

/* `session` (not None) for a connection of this context on this side:
 * an SSLSession (TypeError), of this context, client side (ValueError). */
int sslx_context_check_session(sslx_context *self, int server_side, PyObject *session);

/* ---- each new connection (context_wrap.c) ---- */

/* A new SSL* with everything the context prescribes for one connection:
 * verification (and, with check_hostname, the name or address to match),
 * SNI, ALPN, the cipher list, post-handshake authentication, and the
 * connection's side.  `server_hostname` is an A-label or address (str) or
 * NULL.  NULL with an exception set. */
SSL *sslx_context_new_ssl(sslx_context *self, int server_side, PyObject *server_hostname);

/* Move the started `ssl` from context `from` to `to` (an SNI callback
 * assigning `connection.context`), with what OpenSSL does not carry over
 * (the cipher list).  0, or -1 with an exception set. */
int sslx_context_switch_ssl(sslx_context *from, sslx_context *to, SSL *ssl);

/* Whether two contexts share one SSL_CTX (sessions resume only there). */
int sslx_context_same(sslx_context *a, sslx_context *b);

#endif
