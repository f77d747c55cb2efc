/* context_features.h - SSLContext features beyond the stdlib (issue 16),
 * each in its own file, and the hooks through which the context's own
 * files (context.c, context_attrs.c, context_wrap.c) reach them:
 *
 *   context_credentials.c  load_cert_chain(..., certdata=, keydata=),
 *                          load_pkcs12(data, password=None)
 *
 * The hooks are the method table entries below. */
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

#define SSLX_CONTEXT_FEATURE_METHODS \
    {"load_pkcs12", SSLX_KW_METHOD(sslx_context_load_pkcs12), METH_VARARGS | METH_KEYWORDS, \
     "load_pkcs12($self, /, data, password=None)\n--\n\n" \
     "Load the private key, certificate and chain of a PKCS#12 bundle (bytes-like)."}

#endif
