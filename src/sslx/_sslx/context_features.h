/* context_features.h - SSLContext features beyond the stdlib (issue 16),
 * each in its own file, and the hooks through which the context's own
 * files (context.c, context_attrs.c, context_wrap.c) reach them:
 *
 *   context_credentials.c  load_cert_chain(..., certdata=, keydata=),
 *                          load_pkcs12(data, password=None)
 *   ocsp.c                 set_ocsp_response(), request_ocsp_stapling,
 *                          verify_ocsp_stapling (and the connections'
 *                          ocsp_response(), conn_features.h)
 *   session_cache.c        client_session_cache
 *
 * The hooks are the method and getset table entries below, and one call
 * per new client SSL* (sslx_context_configure_client_features). */
#ifndef SSLX_CONTEXT_FEATURES_H
#define SSLX_CONTEXT_FEATURES_H

#include "context_internal.h"

/* ---- context_credentials.c ---- */

/* load_cert_chain(certfile=None, keyfile=None, password=None, *,
 * certdata=None, keydata=None): the stdlib's method when only files are
 * given (context_load.c does the work), from memory otherwise. */
PyObject *sslx_context_load_cert_chain_any(sslx_context *self, PyObject *args, PyObject *kwds);
/* load_pkcs12(data, password=None) */
PyObject *sslx_context_load_pkcs12(sslx_context *self, PyObject *args, PyObject *kwds);

/* ---- ocsp.c ---- */

/* set_ocsp_response(response): DER bytes, a callable, or None. */
PyObject *sslx_context_set_ocsp_response(sslx_context *self, PyObject *response);
PyObject *sslx_context_get_request_ocsp(sslx_context *self, void *closure);
int sslx_context_set_request_ocsp(sslx_context *self, PyObject *value, void *closure);
PyObject *sslx_context_get_verify_ocsp(sslx_context *self, void *closure);
int sslx_context_set_verify_ocsp(sslx_context *self, PyObject *value, void *closure);
/* A new client SSL* asks for a staple when the context says so. */
int sslx_ocsp_configure_client(sslx_context *self, SSL *ssl);

/* ---- session_cache.c ---- */

PyObject *sslx_context_get_client_session_cache(sslx_context *self, void *closure);
int sslx_context_set_client_session_cache(sslx_context *self, PyObject *value, void *closure);
/* A new client SSL* joins the context's session cache (when it has one);
 * `server_hostname` (str or NULL) is part of the key. */
int sslx_session_cache_configure_client(sslx_context *self, SSL *ssl, PyObject *server_hostname);

/* ---- the hooks ---- */

/* Everything above that a new client SSL* needs (context_wrap.c,
 * configure_ssl).  0, or -1 with an exception set. */
static inline int
sslx_context_configure_client_features(sslx_context *self, SSL *ssl, PyObject *server_hostname)
{
    if (sslx_ocsp_configure_client(self, ssl) < 0)
        return -1;
    return sslx_session_cache_configure_client(self, ssl, server_hostname);
}

#define SSLX_CONTEXT_FEATURE_METHODS \
    {"load_pkcs12", SSLX_KW_METHOD(sslx_context_load_pkcs12), METH_VARARGS | METH_KEYWORDS, \
     "load_pkcs12($self, /, data, password=None)\n--\n\n" \
     "Load the private key, certificate and chain of a PKCS#12 bundle (bytes-like)."}, \
    {"set_ocsp_response", (PyCFunction)sslx_context_set_ocsp_response, METH_O, \
     "set_ocsp_response($self, response, /)\n--\n\n" \
     "Staple an OCSP response to server handshakes whose client asks for one:\n" \
     "DER bytes, a callable(connection) -> bytes | None run per handshake, or None."}

#define SSLX_CONTEXT_FEATURE_GETSET \
    {"request_ocsp_stapling", (getter)sslx_context_get_request_ocsp, \
     (setter)sslx_context_set_request_ocsp, \
     "Client connections ask the server for a stapled OCSP response.", NULL}, \
    {"verify_ocsp_stapling", (getter)sslx_context_get_verify_ocsp, \
     (setter)sslx_context_set_verify_ocsp, \
     "Client handshakes fail unless the server staples a valid OCSP response saying 'good'.", \
     NULL}, \
    {"client_session_cache", (getter)sslx_context_get_client_session_cache, \
     (setter)sslx_context_set_client_session_cache, \
     "Client connections resume sessions of earlier connections to the same server.", NULL}

#endif
