/* conn_py.h - the Python-visible methods and attributes that SSLObject
 * and SSLSocket share, written once in conn_py.c over the engine (conn.h). */
#ifndef SSLX_CONN_PY_H
#define SSLX_CONN_PY_H

#include "conn.h"
#include "conn_features.h"     /* sslx: methods beyond the stdlib */

/* ---- Shared Python-visible methods and attributes ----
 * Written once, included by both types' tables:
 *   static PyMethodDef methods[] = { ...own..., SSLX_CONN_METHODS, {NULL} };
 *   static PyGetSetDef getset[]  = { ...own..., SSLX_CONN_GETSET, {NULL} };
 * They find the engine with sslx_conn_of(self).  With no SSL* yet
 * (unconnected SSLSocket) they answer like the stdlib's SSLSocket: None /
 * 0 / False, getpeercert raises OSError(ENOTCONN), read/write raise
 * ValueError("Read on closed or unwrapped SSL socket.").
 *
 * SSLX_CONN_METHODS: read(len=1024, buffer=None), write(data), pending(),
 *   cipher(), shared_ciphers(), compression(),
 *   get_channel_binding(cb_type='tls-unique'), selected_alpn_protocol(),
 *   selected_npn_protocol(), version(), get_verified_chain(),
 *   get_unverified_chain() (3.13's DER lists, on every version), group(),
 *   client_sigalg(), server_sigalg() (3.15's); and sslx's own
 *   export_keying_material(), ocsp_response() (conn_features.h)
 * SSLX_CONN_PEER_METHODS: getpeercert(binary_form=False),
 *   verify_client_post_handshake()
 * SSLX_CONN_GETSET: context (settable), session (settable), session_reused
 * SSLX_CONN_IDENTITY_GETSET: server_side, server_hostname, read-only
 *   (SSLObject's; SSLSocket's are assignable, sslsocket.c)
 * Not shared (the types differ): do_handshake, unwrap; SSLSocket's own
 * getpeercert and verify_client_post_handshake. */
PyObject *sslx_conn_py_read(PyObject *self, PyObject *args, PyObject *kwds);
/* read(len=1024, buffer=None) of the engine `c`; `raw`: the private _sslobj's,
 * which never suppresses ragged EOFs (connview.c). */
PyObject *sslx_conn_read_method(sslx_conn *c, PyObject *args, PyObject *kwds, int raw);
/* Up to `len` bytes read into a new bytes object (b'' at the end of the
 * stream), or NULL with an exception set. */
PyObject *sslx_conn_read_bytes(sslx_conn *c, Py_ssize_t len, double timeout,
                               int suppress_ragged);
PyObject *sslx_conn_py_write(PyObject *self, PyObject *data);
/* write(data) with data by position or name (METH_FASTCALL | METH_KEYWORDS). */
PyObject *sslx_conn_py_write_method(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                    PyObject *kwnames);
PyObject *sslx_conn_py_pending(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_getpeercert(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_conn_py_cipher(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_shared_ciphers(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_compression(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_get_channel_binding(PyObject *self, PyObject *args, PyObject *kwds);
PyObject *sslx_conn_py_selected_alpn_protocol(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_group(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_client_sigalg(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_server_sigalg(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_selected_npn_protocol(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_version(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_verify_client_post_handshake(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_get_verified_chain(PyObject *self, PyObject *unused);
PyObject *sslx_conn_py_get_unverified_chain(PyObject *self, PyObject *unused);
/* The private form of those (connview.c): Certificate objects, None when
 * there is no chain. */
PyObject *sslx_conn_private_chain(PyObject *self, int verified);

PyObject *sslx_conn_get_context(PyObject *self, void *closure);
int sslx_conn_set_context(PyObject *self, PyObject *value, void *closure);
PyObject *sslx_conn_get_server_side(PyObject *self, void *closure);
PyObject *sslx_conn_get_server_hostname(PyObject *self, void *closure);
PyObject *sslx_conn_get_session(PyObject *self, void *closure);
int sslx_conn_set_session(PyObject *self, PyObject *value, void *closure);
PyObject *sslx_conn_get_session_reused(PyObject *self, void *closure);

/* Docstrings of the shared methods (conn_py.c, beside each method);
 * SSLSocket's own getpeercert and verify_client_post_handshake use them
 * too. */
extern const char sslx_conn_read_doc[], sslx_conn_write_doc[], sslx_conn_pending_doc[],
    sslx_conn_getpeercert_doc[], sslx_conn_cipher_doc[], sslx_conn_shared_ciphers_doc[],
    sslx_conn_compression_doc[], sslx_conn_get_channel_binding_doc[], sslx_conn_group_doc[],
    sslx_conn_client_sigalg_doc[], sslx_conn_server_sigalg_doc[],
    sslx_conn_selected_alpn_protocol_doc[], sslx_conn_selected_npn_protocol_doc[],
    sslx_conn_version_doc[], sslx_conn_verify_client_post_handshake_doc[],
    sslx_conn_get_verified_chain_doc[], sslx_conn_get_unverified_chain_doc[];

#define SSLX_CONN_METHODS \
    {"read", SSLX_KW_METHOD(sslx_conn_py_read), METH_VARARGS | METH_KEYWORDS, \
     sslx_conn_read_doc}, \
    {"write", SSLX_KW_METHOD(sslx_conn_py_write_method), METH_FASTCALL | METH_KEYWORDS, \
     sslx_conn_write_doc}, \
    {"pending", sslx_conn_py_pending, METH_NOARGS, sslx_conn_pending_doc}, \
    {"cipher", sslx_conn_py_cipher, METH_NOARGS, sslx_conn_cipher_doc}, \
    {"shared_ciphers", sslx_conn_py_shared_ciphers, METH_NOARGS, \
     sslx_conn_shared_ciphers_doc}, \
    {"compression", sslx_conn_py_compression, METH_NOARGS, sslx_conn_compression_doc}, \
    {"get_channel_binding", SSLX_KW_METHOD(sslx_conn_py_get_channel_binding), \
     METH_VARARGS | METH_KEYWORDS, sslx_conn_get_channel_binding_doc}, \
    {"selected_alpn_protocol", sslx_conn_py_selected_alpn_protocol, METH_NOARGS, \
     sslx_conn_selected_alpn_protocol_doc}, \
    {"group", sslx_conn_py_group, METH_NOARGS, sslx_conn_group_doc}, \
    {"client_sigalg", sslx_conn_py_client_sigalg, METH_NOARGS, sslx_conn_client_sigalg_doc}, \
    {"server_sigalg", sslx_conn_py_server_sigalg, METH_NOARGS, sslx_conn_server_sigalg_doc}, \
    {"selected_npn_protocol", sslx_conn_py_selected_npn_protocol, METH_NOARGS, \
     sslx_conn_selected_npn_protocol_doc}, \
    {"version", sslx_conn_py_version, METH_NOARGS, sslx_conn_version_doc}, \
    {"get_verified_chain", sslx_conn_py_get_verified_chain, METH_NOARGS, \
     sslx_conn_get_verified_chain_doc}, \
    {"get_unverified_chain", sslx_conn_py_get_unverified_chain, METH_NOARGS, \
     sslx_conn_get_unverified_chain_doc}, \
    SSLX_CONN_FEATURE_METHODS

/* getpeercert() and verify_client_post_handshake() as SSLObject has them;
 * SSLSocket has its own (they check the socket first). */
#define SSLX_CONN_PEER_METHODS \
    {"getpeercert", SSLX_KW_METHOD(sslx_conn_py_getpeercert), METH_VARARGS | METH_KEYWORDS, \
     sslx_conn_getpeercert_doc}, \
    {"verify_client_post_handshake", sslx_conn_py_verify_client_post_handshake, \
     METH_NOARGS, sslx_conn_verify_client_post_handshake_doc}

/* SSLObject's server_side and server_hostname, read-only as the stdlib's
 * properties; SSLSocket has its own, assignable like the stdlib's plain
 * attributes (sslsocket.c). */
#define SSLX_CONN_IDENTITY_GETSET \
    {"server_side", sslx_conn_get_server_side, NULL, \
     "True for the server end of the connection, False for the client end.", NULL}, \
    {"server_hostname", sslx_conn_get_server_hostname, NULL, \
     "The server name given when the connection was made (str, an A-label\n" \
     "for internationalized names), or None.", NULL}

#define SSLX_CONN_GETSET \
    {"context", sslx_conn_get_context, sslx_conn_set_context, \
     "The SSLContext of the connection.  A server's sni_callback may set\n" \
     "another one to present its certificate; elsewhere it may be set only\n" \
     "before the handshake starts (ValueError during it, TypeError for a\n" \
     "non-SSLContext).", NULL}, \
    {"session", sslx_conn_get_session, sslx_conn_set_session, \
     "The SSLSession of the connection, or None.  A client may set it\n" \
     "before the handshake to resume a session of the same context\n" \
     "(ValueError after the handshake, on a server, or for another\n" \
     "context's session; TypeError for a non-SSLSession).", NULL}, \
    {"session_reused", sslx_conn_get_session_reused, NULL, \
     "True when the handshake resumed an earlier session, False when it\n" \
     "made a new one; None when not connected.", NULL}

#endif
