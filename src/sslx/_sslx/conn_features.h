/* conn_features.h - methods of SSLObject and SSLSocket beyond the stdlib
 * (issue 16), each in its feature's file and reached through
 * SSLX_CONN_FEATURE_METHODS (part of SSLX_CONN_METHODS, conn_py.h) and
 * one hook in get_channel_binding() (conn_py.c):
 *
 *   conn_keying.c  export_keying_material(label, length, context=None);
 *                  get_channel_binding("tls-exporter") and
 *                  get_channel_binding("tls-server-end-point")
 *   ocsp.c         ocsp_response()
 *
 * Every OpenSSL call on the connection's SSL* runs under the engine's
 * lock (sslx_conn_query below, which conn_py.c's methods use too). */
#ifndef SSLX_CONN_FEATURES_H
#define SSLX_CONN_FEATURES_H

#include "conn.h"

PyObject *sslx_conn_py_export_keying_material(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_conn_py_ocsp_response(PyObject *self, PyObject *unused);

/* get_channel_binding(cb_type) for every type but "tls-unique" (which
 * conn_py.c answers): "tls-exporter", "tls-server-end-point", else the
 * stdlib's ValueError. */
PyObject *sslx_conn_channel_binding(PyObject *self, const char *cb_type);

/* fn(c, arg) under the engine's lock when the connection has an SSL*,
 * else unstarted(self): an SSLSocket not connected, or one closed or
 * unwrapped, maybe by another thread while the caller waited for the
 * lock (conn_py.c). */
typedef PyObject *(*sslx_conn_query_fn)(sslx_conn *c, void *arg);
typedef PyObject *(*sslx_conn_unstarted_fn)(PyObject *self);
PyObject *sslx_conn_query(PyObject *self, sslx_conn_query_fn fn, void *arg,
                          sslx_conn_unstarted_fn unstarted);
/* Answers for `unstarted`: None; OSError(ENOTCONN), as getpeercert()
 * reports an SSLSocket that is not connected. */
PyObject *sslx_conn_answer_none(PyObject *self);
PyObject *sslx_conn_not_connected(PyObject *self);

#define SSLX_CONN_FEATURE_METHODS \
    {"export_keying_material", SSLX_KW_METHOD(sslx_conn_py_export_keying_material), \
     METH_VARARGS | METH_KEYWORDS, \
     "export_keying_material($self, /, label, length, context=None)\n--\n\n" \
     "Keying material exported from the TLS session (RFC 5705, RFC 8446 section 7.5)."}, \
    {"ocsp_response", sslx_conn_py_ocsp_response, METH_NOARGS, \
     "ocsp_response($self, /)\n--\n\n" \
     "The OCSP response stapled to the handshake (DER bytes), or None."}

#endif
