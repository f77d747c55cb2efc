/* context_internal.h - pieces of SSLContext shared between its files:
 *   context.c           the type, construction, attributes, wrap_*
 *   context_load.c      certificates, keys, CA stores, DH parameters
 *   context_ciphers.c   cipher suites, curves, ALPN/NPN, session stats
 *   context_callbacks.c SNI, ALPN selection and keylog callbacks
 *   context_psk.c       TLS-PSK callbacks
 *   context_create.c    create_default_context() and friends
 * Not for use outside SSLContext. */
#ifndef SSLX_CONTEXT_INTERNAL_H
#define SSLX_CONTEXT_INTERNAL_H

#include "context.h"

#define SSLX_METH_KW(f) ((PyCFunction)(void (*)(void))(f))

/* The module state of a context (never NULL for sslx_context objects). */
#define SSLX_CTX_STATE(self) sslx_state_from_type(Py_TYPE(self))

/* context_load.c */
PyObject *sslx_ctx_load_cert_chain(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_ctx_load_verify_locations(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_ctx_load_default_certs(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_ctx_set_default_verify_paths(sslx_context *self, PyObject *unused);
PyObject *sslx_ctx_load_dh_params(sslx_context *self, PyObject *path);
PyObject *sslx_ctx_get_ca_certs(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_ctx_cert_store_stats(sslx_context *self, PyObject *unused);

/* context_ciphers.c */
PyObject *sslx_ctx_get_ciphers(sslx_context *self, PyObject *unused);
PyObject *sslx_ctx_set_ciphers(sslx_context *self, PyObject *args);
PyObject *sslx_ctx_set_ecdh_curve(sslx_context *self, PyObject *name);
PyObject *sslx_ctx_set_alpn_protocols(sslx_context *self, PyObject *protocols);
PyObject *sslx_ctx_set_npn_protocols(sslx_context *self, PyObject *protocols);
PyObject *sslx_ctx_session_stats(sslx_context *self, PyObject *unused);

/* context_callbacks.c */
/* Install `callback` (None clears) as the servername callback; `ulabel`
 * selects U-label server names (set_servername_callback). */
int sslx_ctx_set_sni(sslx_context *self, PyObject *callback, int ulabel);
/* Route ALPN selection of server connections through self->alpn_protocols. */
void sslx_ctx_enable_alpn_select(sslx_context *self);
/* keylog_filename = value (None turns logging off). 0 or -1. */
int sslx_ctx_set_keylog(sslx_context *self, PyObject *value);
/* _msg_callback = callback (None turns tracing off).  0 or -1. */
int sslx_ctx_set_msg_callback(sslx_context *self, PyObject *callback);
/* Close the keylog file (dealloc). */
void sslx_ctx_close_keylog(sslx_context *self);

/* context_psk.c: set_psk_client_callback(callback) and
 * set_psk_server_callback(callback, identity_hint=None). */
PyObject *sslx_ctx_set_psk_client_callback(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_ctx_set_psk_server_callback(sslx_context *self, PyObject *args, PyObject *kwds);

/* context_load.c: make the context's trust store its own before a CA or
 * CRL is added (copy on write of the shared default store). 0 or -1. */
int sslx_ctx_private_store(sslx_context *self);

/* context_create.c: module-level functions. */
int sslx_context_create_setup(PyObject *module, sslx_state *st);

/* context.c: attribute setters reused by the factories. */
int sslx_ctx_set_verify_mode(sslx_context *self, int mode);
int sslx_ctx_set_check_hostname(sslx_context *self, int on);

/* Purpose of a Purpose-like object (anything with an `oid`):
 * 1 SERVER_AUTH, 2 CLIENT_AUTH, 0 another purpose, -1 TypeError(purpose)
 * set.  NULL means the default, SERVER_AUTH. */
enum { SSLX_PURPOSE_OTHER = 0, SSLX_PURPOSE_SERVER = 1, SSLX_PURPOSE_CLIENT = 2 };
int sslx_purpose_kind(PyObject *purpose);

#endif
