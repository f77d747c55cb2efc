/* session.h - SSLSession: a TLS session that a later connection of the same
 * context can resume. */
#ifndef SSLX_SESSION_H
#define SSLX_SESSION_H

#include "context.h"

typedef struct {
    PyObject_HEAD
    SSL_SESSION *session;
    sslx_context *context;  /* strong: resumption is only valid with it */
} sslx_session;

/* Non-zero when `obj` is an SSLSession. */
int sslx_session_check(sslx_state *st, PyObject *obj);

/* A new SSLSession owning `session` (the reference is stolen, also on
 * failure), from a connection of `context`.  NULL with an exception. */
PyObject *sslx_session_wrap(sslx_state *st, SSL_SESSION *session, sslx_context *context);

#endif
