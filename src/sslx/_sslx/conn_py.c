/* conn_py.c - the Python-visible methods and attributes shared by
 * SSLObject and SSLSocket (SSLX_CONN_METHODS / SSLX_CONN_GETSET in
 * conn.h), each written once over the engine. */
#include <errno.h>
#include <string.h>
#include "conn_py.h"
#include "certdecode.h"
#include "certificate.h"
#include "errors.h"
#include "session.h"

/* The engine of `self` with its SSL*, or NULL (no exception) when it has
 * none yet; *fail is set when sslx_conn_of itself failed.  For the I/O
 * methods, which check again under the engine's lock. */
static sslx_conn *
started(PyObject *self, int *fail)
{
    sslx_conn *c = sslx_conn_of(self);
    *fail = c == NULL;
    return (c != NULL && c->ssl != NULL) ? c : NULL;
}

/* ---- queries: read the SSL*'s state under the engine's lock ----
 *
 * `fn` answers for a started connection, `unstarted` (given `self`) for
 * one without an SSL* (not started yet, or closed/unwrapped, maybe by
 * another thread while the caller waited for the lock).  Shared with
 * the feature files (conn_features.h). */
PyObject *
sslx_conn_query(PyObject *self, sslx_conn_query_fn fn, void *arg,
                sslx_conn_unstarted_fn unstarted)
{
    sslx_conn *c = sslx_conn_of(self);
    if (c == NULL)
        return NULL;
    int locked = sslx_conn_lock_query(c);
    PyObject *result = c->ssl != NULL ? fn(c, arg) : unstarted(self);
    sslx_conn_unlock_query(c, locked);
    return result;
}

PyObject *
sslx_conn_answer_none(PyObject *self)
{
    (void)self;
    Py_RETURN_NONE;
}

PyObject *
sslx_conn_not_connected(PyObject *self)
{
    (void)self;
    errno = ENOTCONN;
    return PyErr_SetFromErrno(PyExc_OSError);
}

static PyObject *
answer_zero(PyObject *self)
{
    (void)self;
    return PyLong_FromLong(0);
}

/* ---- I/O ---- */

const char sslx_conn_read_doc[] = PyDoc_STR(
"read($self, /, len=1024, buffer=None)\n--\n\n"
"Read up to len bytes of application data from the TLS connection.\n\n"
"Returns them as bytes or, when buffer (a writable bytes-like object) is\n"
"given, stores them there and returns their number (len 0 or larger than\n"
"buffer means its size).  At the end of the stream, the peer's TLS close\n"
"or an unclean close when suppress_ragged_eofs is set, returns b'' or 0.\n"
"Raises SSLWantReadError or SSLWantWriteError when I/O must happen first\n"
"(an SSLObject, a non-blocking socket), TimeoutError when a socket's\n"
"timeout expires, SSLError subclasses for TLS failures and ValueError on\n"
"a closed or unwrapped connection, or for a negative len without buffer.");

PyObject *
sslx_conn_py_read(PyObject *self, PyObject *args, PyObject *kwds)
{
    sslx_conn *c = sslx_conn_of(self);
    return c == NULL ? NULL : sslx_conn_read_method(c, args, kwds, 0);
}

PyObject *
sslx_conn_read_method(sslx_conn *c, PyObject *args, PyObject *kwds, int raw)
{
    static char *kwlist[] = {"len", "buffer", NULL};
    Py_ssize_t len = 1024;
    PyObject *buffer = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|nO:read", kwlist, &len, &buffer))
        return NULL;
    if (c->ssl == NULL) {
        PyErr_SetString(PyExc_ValueError, "Read on closed or unwrapped SSL socket.");
        return NULL;
    }
    double timeout = sslx_conn_timeout(c);
    if (timeout == -2.0)
        return NULL;
    int suppress = raw ? 0 : c->suppress_ragged_eofs;
    if (buffer != Py_None) {
        Py_buffer view;
        if (!PyArg_Parse(buffer, "w*:read", &view))
            return NULL;
        if (len <= 0 || len > view.len)
            len = view.len;
        Py_ssize_t n = sslx_conn_read(c, view.buf, len, timeout, suppress);
        PyBuffer_Release(&view);
        return n < 0 ? NULL : PyLong_FromSsize_t(n);
    }
    if (len < 0) {
        PyErr_SetString(PyExc_ValueError, "size should not be negative");
        return NULL;
    }
    /* Allocate only what can be filled now: asyncio asks for 256 KiB
     * whatever is waiting, and a buffer that big would cost an
     * mmap/munmap and page faults on every call for the same result. */
    Py_ssize_t bound = sslx_conn_readable_bound(c);
    if (bound < 0)
        return NULL;
    if (len > bound)
        len = bound;
    return sslx_conn_read_bytes(c, len, timeout, suppress);
}

PyObject *
sslx_conn_read_bytes(sslx_conn *c, Py_ssize_t len, double timeout, int suppress_ragged)
{
    PyObject *result = PyBytes_FromStringAndSize(NULL, len);
    if (result == NULL)
        return NULL;
    Py_ssize_t n = sslx_conn_read(c, PyBytes_AS_STRING(result), len, timeout,
                                  suppress_ragged);
    if (n < 0) {
        Py_DECREF(result);
        return NULL;
    }
    if (n != len && _PyBytes_Resize(&result, n) < 0)
        return NULL;
    return result;
}

const char sslx_conn_write_doc[] = PyDoc_STR(
"write($self, /, data)\n--\n\n"
"Encrypt data (a bytes-like object) and send it to the peer.\n\n"
"Returns the number of bytes written.  Raises SSLWantReadError or\n"
"SSLWantWriteError when I/O must happen first (renegotiation, a full\n"
"non-blocking socket), TimeoutError when a socket's timeout expires,\n"
"SSLError subclasses for TLS failures and ValueError on a closed or\n"
"unwrapped connection.");

/* PyArg_ParseTupleAndKeywords() of one object over vectorcall arguments:
 * 0 with a new reference in *out, or -1 with Python's error for the
 * shape of the call. */
static int
parse_one_fastcall(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                   const char *format, char **kwlist, PyObject **out)
{
    PyObject *tuple = PyTuple_New(nargs), *dict = NULL, *value = NULL;
    int ok = 0;
    if (tuple == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < nargs; i++)
        PyTuple_SET_ITEM(tuple, i, Py_NewRef(args[i]));
    if (kwnames != NULL) {
        if ((dict = PyDict_New()) == NULL)
            goto done;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++)
            if (PyDict_SetItem(dict, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0)
                goto done;
    }
    ok = PyArg_ParseTupleAndKeywords(tuple, dict, format, kwlist, &value);
    if (ok)
        *out = Py_NewRef(value);
done:
    Py_DECREF(tuple);
    Py_XDECREF(dict);
    return ok ? 0 : -1;
}

/* write(data) as the method table calls it: data by position or by
 * name, with Python's errors for other shapes.  The usual call (one
 * positional argument) takes no detour. */
PyObject *
sslx_conn_py_write_method(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames)
{
    static char *kwlist[] = {"data", NULL};
    PyObject *data = NULL;
    if (nargs == 1 && kwnames == NULL)
        return sslx_conn_py_write(self, args[0]);
    if (parse_one_fastcall(args, nargs, kwnames, "O:write", kwlist, &data) < 0)
        return NULL;
    PyObject *result = sslx_conn_py_write(self, data);
    Py_DECREF(data);
    return result;
}

PyObject *
sslx_conn_py_write(PyObject *self, PyObject *data)
{
    Py_buffer view;
    int fail;
    sslx_conn *c = started(self, &fail);
    if (c == NULL) {
        if (!fail)
            PyErr_SetString(PyExc_ValueError, "Write on closed or unwrapped SSL socket.");
        return NULL;
    }
    double timeout = sslx_conn_timeout(c);
    if (timeout == -2.0 || !PyArg_Parse(data, "y*:write", &view))
        return NULL;
    Py_ssize_t n = sslx_conn_write(c, view.buf, view.len, timeout);
    PyBuffer_Release(&view);
    return n < 0 ? NULL : PyLong_FromSsize_t(n);
}

static PyObject *
pending_of(sslx_conn *c, void *arg)
{
    (void)arg;
    /* An end of stream or error a read has still to report counts as one
     * byte (conn.h, outcome_pending). */
    return PyLong_FromLong(SSL_pending(c->ssl) + (c->outcome_pending ? 1 : 0));
}

const char sslx_conn_pending_doc[] = PyDoc_STR(
"pending($self, /)\n--\n\n"
"Return the number of decrypted bytes that read() can return at once,\n"
"without more input from the peer (0 when not connected).");

PyObject *
sslx_conn_py_pending(PyObject *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_query(self, pending_of, NULL, answer_zero);
}

/* ---- state queries ---- */

static PyObject *
peercert_of(sslx_conn *c, void *arg)
{
    int binary = *(int *)arg;
    if (!SSL_is_init_finished(c->ssl)) {
        PyErr_SetString(PyExc_ValueError, "handshake not done yet");
        return NULL;
    }
    X509 *peer = SSL_get1_peer_certificate(c->ssl);
    if (peer == NULL)
        Py_RETURN_NONE;
    PyObject *result;
    if (binary)
        result = sslx_cert_to_der(c->st, peer);
    else if (!(SSL_get_verify_mode(c->ssl) & SSL_VERIFY_PEER))
        result = PyDict_New();  /* not validated: no claims are made */
    else
        result = sslx_cert_to_dict(c->st, peer);
    X509_free(peer);
    return result;
}

const char sslx_conn_getpeercert_doc[] = PyDoc_STR(
"getpeercert($self, /, binary_form=False)\n--\n\n"
"Return the certificate the peer presented, or None if it sent none.\n\n"
"With binary_form false, a dict of the certificate's fields (subject,\n"
"issuer, notBefore, notAfter, subjectAltName, ...); it is empty when the\n"
"certificate was not verified (verify_mode CERT_NONE).  With binary_form\n"
"true, the certificate as DER bytes.  Raises ValueError before the\n"
"handshake is complete, OSError (ENOTCONN) on an unconnected socket.");

PyObject *
sslx_conn_py_getpeercert(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"binary_form", NULL};
    int binary = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:getpeercert", kwlist, &binary))
        return NULL;
    return sslx_conn_query(self, peercert_of, &binary, sslx_conn_not_connected);
}

/* (name, protocol version, secret bits) of a cipher. */
static PyObject *
cipher_tuple(const SSL_CIPHER *cipher)
{
    const char *name = SSL_CIPHER_get_name(cipher);
    const char *proto = SSL_CIPHER_get_version(cipher);
    int bits = SSL_CIPHER_get_bits(cipher, NULL);
    return Py_BuildValue("(ssi)", name, proto, bits);
}

static PyObject *
cipher_of(sslx_conn *c, void *arg)
{
    (void)arg;
    const SSL_CIPHER *cipher = SSL_get_current_cipher(c->ssl);
    if (cipher == NULL)
        Py_RETURN_NONE;
    return cipher_tuple(cipher);
}

const char sslx_conn_cipher_doc[] = PyDoc_STR(
"cipher($self, /)\n--\n\n"
"Return (name, protocol version, secret bits) of the cipher suite in\n"
"use, e.g. ('TLS_AES_256_GCM_SHA384', 'TLSv1.3', 256), or None before\n"
"the handshake.");

PyObject *
sslx_conn_py_cipher(PyObject *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_query(self, cipher_of, NULL, sslx_conn_answer_none);
}

static int
cipher_in(STACK_OF(SSL_CIPHER) *list, const SSL_CIPHER *cipher)
{
    uint32_t id = SSL_CIPHER_get_id(cipher);
    for (int i = 0; i < sk_SSL_CIPHER_num(list); i++)
        if (SSL_CIPHER_get_id(sk_SSL_CIPHER_value(list, i)) == id)
            return 1;
    return 0;
}

/* The ciphers both ends allow: what the client offered (in its order)
 * that this server's list has.  Server side only, like the stdlib. */
static PyObject *
shared_ciphers_of(sslx_conn *c, void *arg)
{
    (void)arg;
    STACK_OF(SSL_CIPHER) *offered = SSL_get_client_ciphers(c->ssl);
    STACK_OF(SSL_CIPHER) *ours = SSL_get_ciphers(c->ssl);
    if (offered == NULL || ours == NULL)
        Py_RETURN_NONE;
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return NULL;
    for (int i = 0; i < sk_SSL_CIPHER_num(offered); i++) {
        const SSL_CIPHER *cipher = sk_SSL_CIPHER_value(offered, i);
        if (!cipher_in(ours, cipher))
            continue;
        PyObject *t = cipher_tuple(cipher);
        if (t == NULL || PyList_Append(list, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(t);
    }
    return list;
}

const char sslx_conn_shared_ciphers_doc[] = PyDoc_STR(
"shared_ciphers($self, /)\n--\n\n"
"Return the cipher suites the client offered that this server enables,\n"
"in the client's order, as a list of (name, protocol version, secret\n"
"bits).  None on a client, or before the client's hello arrived.");

PyObject *
sslx_conn_py_shared_ciphers(PyObject *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_query(self, shared_ciphers_of, NULL, sslx_conn_answer_none);
}

static PyObject *
compression_of(sslx_conn *c, void *arg)
{
    (void)arg;
#ifndef OPENSSL_NO_COMP
    const COMP_METHOD *comp = SSL_get_current_compression(c->ssl);
    if (comp != NULL && COMP_get_type(comp) != NID_undef)
        return PyUnicode_FromString(OBJ_nid2sn(COMP_get_type(comp)));
#else
    (void)c;
#endif
    Py_RETURN_NONE;
}

const char sslx_conn_compression_doc[] = PyDoc_STR(
"compression($self, /)\n--\n\n"
"Return the name of the compression algorithm in use, or None (the\n"
"usual case: OP_NO_COMPRESSION is set by default).");

PyObject *
sslx_conn_py_compression(PyObject *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_query(self, compression_of, NULL, sslx_conn_answer_none);
}

static PyObject *tls_unique_of(sslx_conn *c, void *arg);

const char sslx_conn_get_channel_binding_doc[] = PyDoc_STR(
"get_channel_binding($self, /, cb_type='tls-unique')\n--\n\n"
"Return channel binding data (bytes) of type cb_type for the current\n"
"connection, or None before the handshake.\n\n"
"Only 'tls-unique' (RFC 5929) exists; other types raise ValueError.");

/* tls-unique (RFC 5929): the first Finished message of the latest
 * handshake - the client's in a full handshake, the server's when the
 * session was resumed. */
PyObject *
sslx_conn_py_get_channel_binding(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"cb_type", NULL};
    const char *cb_type = "tls-unique";
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|s:get_channel_binding", kwlist, &cb_type))
        return NULL;
    if (strcmp(cb_type, "tls-unique") != 0)   /* sslx: the other types (conn_keying.c) */
        return sslx_conn_channel_binding(self, cb_type);
    return sslx_conn_query(self, tls_unique_of, NULL, sslx_conn_answer_none);
}

static PyObject *
tls_unique_of(sslx_conn *c, void *arg)
{
    (void)arg;
    unsigned char buf[EVP_MAX_MD_SIZE * 2];
    size_t len;
    int own_finished = SSL_session_reused(c->ssl) ? c->server_side : !c->server_side;
    if (own_finished)
        len = SSL_get_finished(c->ssl, buf, sizeof(buf));
    else
        len = SSL_get_peer_finished(c->ssl, buf, sizeof(buf));
    if (len == 0)
        Py_RETURN_NONE;
    if (len > sizeof(buf))
        len = sizeof(buf);
    return PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)len);
}

static PyObject *
alpn_of(sslx_conn *c, void *arg)
{
    (void)arg;
    const unsigned char *proto;
    unsigned int len;
    SSL_get0_alpn_selected(c->ssl, &proto, &len);
    if (proto == NULL || len == 0)
        Py_RETURN_NONE;
    return PyUnicode_FromStringAndSize((const char *)proto, len);
}

/* ---- key agreement group, signature algorithms (3.15's API) ---- */

/* The group of the key exchange, or None.  A connection without a session
 * (no handshake yet) has none; asking OpenSSL then is what crashed the
 * stdlib (gh-155782).  OpenSSL 3.2 names it directly; 3.0 and 3.1 give
 * its id, which they name the same way. */
static PyObject *
group_of(sslx_conn *c, void *arg)
{
    (void)arg;
    if (SSL_get_session(c->ssl) == NULL)
        Py_RETURN_NONE;
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
    const char *name = SSL_get0_group_name(c->ssl);
#else
    int id = SSL_get_negotiated_group(c->ssl);
    const char *name = id > 0 ? SSL_group_to_name(c->ssl, id) : NULL;
#endif
    if (name == NULL)
        Py_RETURN_NONE;
    return PyUnicode_FromString(name);
}

const char sslx_conn_group_doc[] = PyDoc_STR(
"group($self, /)\n--\n\n"
"Return the name of the group used for the key exchange (e.g. 'X25519'),\n"
"or None before the handshake.");

PyObject *
sslx_conn_py_group(PyObject *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_query(self, group_of, NULL, sslx_conn_answer_none);
}

#ifdef SSL_CTRL_GET_SIGNATURE_NAME
/* The signature algorithm one end used (by_server: the server's), as the
 * IANA name, or None.  Ours or the peer's depending on our side. */
static PyObject *
sigalg_of(sslx_conn *c, void *arg)
{
    int by_server = *(int *)arg;
    const char *name = NULL;
    int ok = by_server == c->server_side ? SSL_get0_signature_name(c->ssl, &name)
                                         : SSL_get0_peer_signature_name(c->ssl, &name);
    ERR_clear_error();
    if (ok != 1 || name == NULL)
        Py_RETURN_NONE;
    return PyUnicode_FromString(name);
}
#endif

static PyObject *
selected_sigalg(PyObject *self, int by_server)
{
#ifdef SSL_CTRL_GET_SIGNATURE_NAME
    return sslx_conn_query(self, sigalg_of, &by_server, sslx_conn_answer_none);
#else
    (void)self;
    (void)by_server;
    PyErr_SetString(PyExc_NotImplementedError,
                    "Getting the selected signature algorithm requires OpenSSL 3.5 or later.");
    return NULL;
#endif
}

const char sslx_conn_client_sigalg_doc[] = PyDoc_STR(
"client_sigalg($self, /)\n--\n\n"
"Return the name of the signature algorithm the client authenticated\n"
"with (e.g. 'rsa_pss_rsae_sha256'), or None when it did not.\n\n"
"Raises NotImplementedError with OpenSSL older than 3.5.");

PyObject *
sslx_conn_py_client_sigalg(PyObject *self, PyObject *unused)
{
    (void)unused;
    return selected_sigalg(self, 0);
}

const char sslx_conn_server_sigalg_doc[] = PyDoc_STR(
"server_sigalg($self, /)\n--\n\n"
"Return the name of the signature algorithm the server's handshake\n"
"signature used (e.g. 'ecdsa_secp256r1_sha256'), or None before it.\n\n"
"Raises NotImplementedError with OpenSSL older than 3.5.");

PyObject *
sslx_conn_py_server_sigalg(PyObject *self, PyObject *unused)
{
    (void)unused;
    return selected_sigalg(self, 1);
}

const char sslx_conn_selected_alpn_protocol_doc[] = PyDoc_STR(
"selected_alpn_protocol($self, /)\n--\n\n"
"Return the application protocol agreed on through ALPN (str), or None\n"
"when none was (not offered, not accepted, handshake not done).");

PyObject *
sslx_conn_py_selected_alpn_protocol(PyObject *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_query(self, alpn_of, NULL, sslx_conn_answer_none);
}

const char sslx_conn_selected_npn_protocol_doc[] = PyDoc_STR(
"selected_npn_protocol($self, /)\n--\n\n"
"Return None: sslx has no Next Protocol Negotiation (HAS_NPN is False).\n\n"
"Warns DeprecationWarning; use selected_alpn_protocol().");

/* NPN is gone from OpenSSL 3 builds that matter; like the stdlib, warn and
 * answer None. */
PyObject *
sslx_conn_py_selected_npn_protocol(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (PyErr_WarnEx(PyExc_DeprecationWarning, "ssl NPN is deprecated, use ALPN instead", 1)
        < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
version_of(sslx_conn *c, void *arg)
{
    (void)arg;
    if (!SSL_is_init_finished(c->ssl))
        Py_RETURN_NONE;
    const char *version = SSL_get_version(c->ssl);
    if (version == NULL || strcmp(version, "unknown") == 0)
        Py_RETURN_NONE;
    return PyUnicode_FromString(version);
}

const char sslx_conn_version_doc[] = PyDoc_STR(
"version($self, /)\n--\n\n"
"Return the TLS version negotiated, such as 'TLSv1.3' or 'TLSv1.2', or\n"
"None before the handshake is complete.");

PyObject *
sslx_conn_py_version(PyObject *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_query(self, version_of, NULL, sslx_conn_answer_none);
}

const char sslx_conn_verify_client_post_handshake_doc[] = PyDoc_STR(
"verify_client_post_handshake($self, /)\n--\n\n"
"Ask the client for its certificate now that the handshake is done\n"
"(TLS 1.3 post-handshake authentication; server side).\n\n"
"The request goes out with the next read or write, which then verifies\n"
"the answer as verify_mode says.  Raises SSLError when it cannot be asked\n"
"(not TLS 1.3, the client did not offer it, or a client connection),\n"
"ValueError on a closed connection.");

/* Queue a TLS 1.3 CertificateRequest; it goes out with the next write or
 * read. */
PyObject *
sslx_conn_py_verify_client_post_handshake(PyObject *self, PyObject *unused)
{
    (void)unused;
    sslx_conn *c = sslx_conn_of(self);
    if (c == NULL || sslx_conn_lock_change(c, "verify_client_post_handshake()") < 0)
        return NULL;
    PyObject *result = NULL;
    ERR_clear_error();
    if (c->ssl == NULL)
        PyErr_Format(PyExc_ValueError, "No SSL wrapper around %R", self);
    else if (SSL_verify_client_post_handshake(c->ssl) != 1)
        sslx_raise_from_queue(c->st, NULL, "post-handshake authentication failed", SSLX_HERE);
    else
        result = Py_NewRef(Py_None);
    sslx_conn_unlock_change(c);
    return result;
}

/* ---- certificate chains ---- */

/* The chains in two forms.  Public (3.13's API, on every version): lists
 * of DER bytes, [] when there is none.  Private (what the stdlib's
 * internal _sslobj gives on every version, and code for 3.10-3.12 calls
 * through SSLSocket._sslobj, see connview.c): lists of Certificate
 * objects, None when there is none.  `first` (may be NULL) goes before
 * the chain's own certificates. */
static PyObject *
chain_as_der(sslx_conn *c, STACK_OF(X509) *chain, X509 *first)
{
    PyObject *list = PyList_New(0);
    int n = chain ? sk_X509_num(chain) : 0;
    if (list == NULL)
        return NULL;
    for (int i = first ? -1 : 0; i < n; i++) {
        PyObject *der = sslx_cert_to_der(c->st, i < 0 ? first : sk_X509_value(chain, i));
        if (der == NULL || PyList_Append(list, der) < 0) {
            Py_XDECREF(der);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(der);
    }
    return list;
}

static PyObject *
chain_as_certificates(sslx_conn *c, STACK_OF(X509) *chain, X509 *first)
{
    if (chain == NULL && first == NULL)
        Py_RETURN_NONE;
    return sslx_certificate_list(c->st, chain, first);
}

/* The chain OpenSSL verified, or the certificates the peer sent.
 * OpenSSL leaves a client's own certificate out of the chain a server
 * sees: put it back in front. */
typedef struct {
    int verified, as_der;
} chain_request;

static PyObject *
chain_of(sslx_conn *c, void *arg)
{
    const chain_request *req = arg;
    int verified = req->verified, as_der = req->as_der;
    STACK_OF(X509) *chain;
    X509 *first = NULL;
    if (verified) {
        chain = SSL_get0_verified_chain(c->ssl);
    } else {
        /* A server's peer chain lacks the client's own certificate; a
         * resumed session keeps that certificate but not the chain. */
        chain = SSL_get_peer_cert_chain(c->ssl);
        if (c->server_side)
            first = SSL_get0_peer_certificate(c->ssl);
    }
    return as_der ? chain_as_der(c, chain, first) : chain_as_certificates(c, chain, first);
}

static PyObject *
no_chain_list(PyObject *self)
{
    (void)self;
    return PyList_New(0);
}

const char sslx_conn_get_verified_chain_doc[] = PyDoc_STR(
"get_verified_chain($self, /)\n--\n\n"
"Return the chain that verified the peer's certificate, from the peer's\n"
"certificate to the trusted root, as a list of DER bytes.\n\n"
"Empty when nothing was verified (CERT_NONE, or before the handshake).");

PyObject *
sslx_conn_py_get_verified_chain(PyObject *self, PyObject *unused)
{
    (void)unused;
    chain_request req = {.verified = 1, .as_der = 1};
    return sslx_conn_query(self, chain_of, &req, no_chain_list);
}

const char sslx_conn_get_unverified_chain_doc[] = PyDoc_STR(
"get_unverified_chain($self, /)\n--\n\n"
"Return the certificates the peer sent, its own first, as a list of DER\n"
"bytes, whether or not they were verified; empty when it sent none.");

PyObject *
sslx_conn_py_get_unverified_chain(PyObject *self, PyObject *unused)
{
    (void)unused;
    chain_request req = {.verified = 0, .as_der = 1};
    return sslx_conn_query(self, chain_of, &req, no_chain_list);
}

PyObject *
sslx_conn_private_chain(PyObject *self, int verified)
{
    chain_request req = {.verified = verified, .as_der = 0};
    return sslx_conn_query(self, chain_of, &req, sslx_conn_answer_none);
}

/* ---- attributes ---- */

PyObject *
sslx_conn_get_context(PyObject *self, void *closure)
{
    (void)closure;
    sslx_conn *c = sslx_conn_of(self);
    if (c == NULL)
        return NULL;
    return Py_NewRef(c->context ? (PyObject *)c->context : Py_None);
}

/* Switch the connection to another context (what an SNI callback does to
 * serve another certificate).  The SSL* keeps its own reference to the
 * old SSL_CTX as long as OpenSSL needs it.  Between the SNI callback and
 * the end of the handshake OpenSSL keeps pointers into the certificates
 * of the current context, which a switch frees: only the SNI callback
 * may switch a handshake in progress. */
static int
switch_context(sslx_conn *c, sslx_context *ctx, int from_sni)
{
    if (c->ssl != NULL) {
        if (!from_sni && SSL_in_init(c->ssl) && !SSL_in_before(c->ssl)) {
            PyErr_SetString(PyExc_ValueError,
                            "cannot change the context while the handshake is in progress "
                            "(only the SNI callback can)");
            return -1;
        }
        if (sslx_context_switch_ssl(c->context, ctx, c->ssl) < 0)
            return -1;
    }
    Py_XSETREF(c->context, (sslx_context *)Py_NewRef(ctx));
    return 0;
}

int
sslx_conn_set_context(PyObject *self, PyObject *value, void *closure)
{
    (void)closure;
    sslx_conn *c = sslx_conn_of(self);
    if (c == NULL)
        return -1;
    if (sslx_refuse_delete(value, Py_TYPE(self)->tp_name, "context") < 0)
        return -1;
    if (!sslx_context_check(c->st, value)) {
        PyErr_SetString(PyExc_TypeError, "The value must be a SSLContext");
        return -1;
    }
    /* The SNI callback runs inside the handshake, holding the engine's
     * lock: switching there is what it is for.  Anywhere else the
     * switch takes the lock like any change. */
    int from_sni = c->in_sni_callback && sslx_conn_in_callback(c);
    if (!from_sni && sslx_conn_lock_change(c, "setting the context") < 0)
        return -1;
    int rc = switch_context(c, (sslx_context *)value, from_sni);
    if (!from_sni)
        sslx_conn_unlock_change(c);
    return rc;
}

PyObject *
sslx_conn_get_server_side(PyObject *self, void *closure)
{
    (void)closure;
    sslx_conn *c = sslx_conn_of(self);
    return c ? PyBool_FromLong(c->server_side) : NULL;
}

PyObject *
sslx_conn_get_server_hostname(PyObject *self, void *closure)
{
    (void)closure;
    sslx_conn *c = sslx_conn_of(self);
    if (c == NULL)
        return NULL;
    return Py_NewRef(c->server_hostname ? c->server_hostname : Py_None);
}

/* A copy: when a connection is freed without a clean shutdown, OpenSSL
 * marks its SSL_SESSION not resumable, and that must not reach the
 * session the program kept for later. */
static PyObject *
session_of(sslx_conn *c, void *arg)
{
    (void)arg;
    SSL_SESSION *current = SSL_get0_session(c->ssl);
    if (current == NULL)
        Py_RETURN_NONE;
    SSL_SESSION *copy = SSL_SESSION_dup(current);
    if (copy == NULL)
        return sslx_raise_from_queue(c->st, NULL, "cannot copy the session", SSLX_HERE);
    return sslx_session_wrap(c->st, copy, c->context);
}

/* Unconnected: None, as the stdlib's SSLSocket reports it (the session
 * given is kept in c->session for the connection to come). */
static PyObject *
session_to_use(PyObject *self)
{
    (void)self;
    Py_RETURN_NONE;
}

PyObject *
sslx_conn_get_session(PyObject *self, void *closure)
{
    (void)closure;
    return sslx_conn_query(self, session_of, NULL, session_to_use);
}

int
sslx_conn_set_session(PyObject *self, PyObject *value, void *closure)
{
    (void)closure;
    sslx_conn *c = sslx_conn_of(self);
    if (c == NULL)
        return -1;
    if (sslx_refuse_delete(value, Py_TYPE(self)->tp_name, "session") < 0)
        return -1;
    if (c->context == NULL) {
        PyErr_SetString(PyExc_ValueError, "Session refers to a different SSLContext.");
        return -1;
    }
    /* A socket not connected yet keeps what it is given until it connects,
     * None too (the stdlib's SSLSocket stores it as it is). */
    if (value == Py_None && c->ssl == NULL) {
        if (sslx_conn_lock_change(c, "setting the session") < 0)
            return -1;
        Py_CLEAR(c->session);
        sslx_conn_unlock_change(c);
        return 0;
    }
    if (sslx_context_check_session(c->context, c->server_side, value) < 0)
        return -1;
    sslx_session *session = (sslx_session *)value;
    if (sslx_conn_lock_change(c, "setting the session") < 0)
        return -1;
    int rc = 0;
    if (c->ssl == NULL) {
        Py_XSETREF(c->session, Py_NewRef(value));
    } else if (SSL_is_init_finished(c->ssl)) {
        PyErr_SetString(PyExc_ValueError, "Cannot set session after handshake.");
        rc = -1;
    } else {
        rc = sslx_conn_apply_session(c, session);
    }
    sslx_conn_unlock_change(c);
    return rc;
}

static PyObject *
session_reused_of(sslx_conn *c, void *arg)
{
    (void)arg;
    return PyBool_FromLong(SSL_session_reused(c->ssl));
}

PyObject *
sslx_conn_get_session_reused(PyObject *self, void *closure)
{
    (void)closure;
    return sslx_conn_query(self, session_reused_of, NULL, sslx_conn_answer_none);
}
