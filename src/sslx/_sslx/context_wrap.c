/* context_wrap.c - what an SSLContext gives each connection: the checks
 * of wrap_socket()/wrap_bio() arguments and of sessions (one home for
 * each rule, used by the connection types too), wrap_socket() and
 * wrap_bio() themselves, and the configuration of every new SSL*. */
#include "context_internal.h"
#include "constants.h"
#include "errors.h"
#include "session.h"
#include "sslobject.h"
#include "sslsocket.h"

/* The class wrap_socket()/wrap_bio() instantiate: the instance's
 * setting, else the class attribute a subclass (or a program patching
 * SSLContext) may define, else NULL (the engine's default).  New
 * reference or NULL. */
static PyObject *
connection_class(sslx_context *self, PyObject *chosen, const char *name, int *failed)
{
    *failed = 0;
    if (chosen != NULL)
        return Py_NewRef(chosen);
    PyObject *cls = PyObject_GetAttrString((PyObject *)self, name);
    if (cls == NULL)
        *failed = 1;
    else if (cls == Py_None)
        Py_CLEAR(cls);
    return cls;
}

/* ---- the rules for a connection's arguments ---- */

int
sslx_context_check_side(sslx_context *self, int server_side)
{
    const char *refusal = NULL;
    if (server_side && self->protocol == SSLX_PROTOCOL_TLS_CLIENT)
        refusal = "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context";
    else if (!server_side && self->protocol == SSLX_PROTOCOL_TLS_SERVER)
        refusal = "Cannot create a client socket with a PROTOCOL_TLS_SERVER context";
    if (refusal == NULL)
        return 0;
    sslx_raise_plain(SSLX_CONTEXT_STATE(self), NULL, 0, refusal, SSLX_HERE);
    return -1;
}

/* wrap_socket() counts server_hostname as given by its truth value, as the
 * stdlib's Python code does, and refuses a session on the server side.
 * Before 3.14 the stdlib's wrap_bio() makes none of these checks; sslx
 * makes the hostname ones there too (without a server_hostname,
 * check_hostname would silently check nothing), counting a name as given
 * when it is not None (an empty one goes on to the engine, which refuses
 * it with its own message).  From 3.14 the stdlib's wrap_bio() checks
 * exactly like wrap_socket(), and so does sslx's. */
int
sslx_context_check_wrap(sslx_context *self, int for_socket, int server_side,
                        PyObject *server_hostname, PyObject *session)
{
    int socket_rules = for_socket || PY_VERSION_HEX >= 0x030E0000;
    int has_hostname = socket_rules ? PyObject_IsTrue(server_hostname)
                                    : server_hostname != Py_None;
    if (has_hostname < 0)
        return -1;
    if (server_side && has_hostname) {
        PyErr_SetString(PyExc_ValueError,
                        "server_hostname can only be specified in client mode");
        return -1;
    }
    if (socket_rules && server_side && session != Py_None) {
        PyErr_SetString(PyExc_ValueError, "session can only be specified in client mode");
        return -1;
    }
    /* The stdlib's socket rule asks for a name on either side; sslx's own
     * rule for wrap_bio() before 3.14 only on the client side (a server
     * side there meets the stdlib's "Cannot create a server socket"). */
    if ((socket_rules || !server_side) && self->check_hostname && !has_hostname) {
        PyErr_SetString(PyExc_ValueError, "check_hostname requires server_hostname");
        return -1;
    }
    return 0;
}

int
sslx_context_check_session(sslx_context *self, int server_side, PyObject *session)
{
    if (!sslx_session_check(SSLX_CONTEXT_STATE(self), session)) {
        PyErr_SetString(PyExc_TypeError, "Value is not a SSLSession.");
        return -1;
    }
    if (!sslx_context_same(((sslx_session *)session)->context, self)) {
        PyErr_SetString(PyExc_ValueError, "Session refers to a different SSLContext.");
        return -1;
    }
    if (server_side) {
        PyErr_SetString(PyExc_ValueError, "Cannot set session for server-side SSLSocket.");
        return -1;
    }
    return 0;
}

int
sslx_context_same(sslx_context *a, sslx_context *b)
{
    return a != NULL && b != NULL && a->ctx == b->ctx;
}

/* ---- wrap_socket / wrap_bio ---- */

/* wrap_bio(incoming, outgoing, server_side=False, server_hostname=None,
 *          session=None) */
PyObject *
sslx_context_wrap_bio(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"incoming", "outgoing", "server_side", "server_hostname",
                             "session", NULL};
    PyObject *incoming, *outgoing, *hostname = Py_None, *session = Py_None;
    int server_side = 0;
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "OO|pOO:wrap_bio", kwlist,
                                                   &incoming, &outgoing, &server_side,
                                                   &hostname, &session))
        return NULL;
    /* The stdlib refuses the wrong side at once here (for sockets only
     * when the connection starts: the engine's check); from 3.14 after its
     * Python-level argument checks. */
    int rc = PY_VERSION_HEX >= 0x030E0000
                 ? (sslx_context_check_wrap(self, 0, server_side, hostname, session) < 0
                    || sslx_context_check_side(self, server_side) < 0)
                 : (sslx_context_check_side(self, server_side) < 0
                    || sslx_context_check_wrap(self, 0, server_side, hostname, session) < 0);
    if (rc)
        return NULL;
    int failed;
    PyObject *cls = connection_class(self, self->sslobject_class, "sslobject_class", &failed);
    if (failed)
        return NULL;
    PyObject *obj = sslx_sslobject_new(st, self, cls, incoming, outgoing, server_side,
                                       hostname, session);
    Py_XDECREF(cls);
    return obj;
}

/* wrap_socket(sock, server_side=False, do_handshake_on_connect=True,
 *             suppress_ragged_eofs=True, server_hostname=None, session=None) */
PyObject *
sslx_context_wrap_socket(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"sock", "server_side", "do_handshake_on_connect",
                             "suppress_ragged_eofs", "server_hostname", "session", NULL};
    PyObject *sock, *hostname = Py_None, *session = Py_None;
    int server_side = 0, handshake = 1, ragged = 1;
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "O|pppOO:wrap_socket", kwlist,
                                                   &sock, &server_side, &handshake, &ragged,
                                                   &hostname, &session))
        return NULL;
    int failed;
    PyObject *cls = connection_class(self, self->sslsocket_class, "sslsocket_class", &failed);
    if (failed)
        return NULL;
    PyObject *obj = sslx_sslsocket_new(st, self, cls, sock, server_side, handshake, ragged,
                                       hostname, session);
    Py_XDECREF(cls);
    return obj;
}

/* ---- each new connection ---- */

int
sslx_context_switch_ssl(sslx_context *from, sslx_context *to, SSL *ssl)
{
    if (SSL_set_SSL_CTX(ssl, to->ctx) == NULL) {
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(to), NULL, "cannot switch the SSL context",
                              SSLX_HERE);
        return -1;
    }
    sslx_context_apply_ciphers(to, from, ssl);
    return 0;
}

/* TLS 1.3 post-handshake authentication, when the context offers it. */
static void
configure_post_handshake_auth(sslx_context *self, SSL *ssl, int server_side)
{
    if (!self->post_handshake_auth)
        return;
    if (!server_side) {
        SSL_set_post_handshake_auth(ssl, 1);
        return;
    }
    /* A server that asks for certificates asks after the handshake
     * (SSLSocket.verify_client_post_handshake()).  OpenSSL does not
     * ignore SSL_VERIFY_POST_HANDSHAKE without SSL_VERIFY_PEER, so it is
     * only added to a verifying mode. */
    int mode = SSL_get_verify_mode(ssl);
    if (mode & SSL_VERIFY_PEER)
        SSL_set_verify(ssl, mode | SSL_VERIFY_POST_HANDSHAKE, SSL_get_verify_callback(ssl));
}

/* SNI, and with check_hostname the name or address the certificate must
 * match.  Addresses are never sent as SNI (RFC 6066 allows only names). */
static int
configure_hostname(sslx_context *self, SSL *ssl, PyObject *server_hostname)
{
    const char *name = PyUnicode_AsUTF8(server_hostname);
    if (name == NULL)
        return -1;
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(name);
    int ok = 1;
    if (ip == NULL)
        ok = SSL_set_tlsext_host_name(ssl, name) == 1;
    if (ok && self->check_hostname) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name) == 1
                : X509_VERIFY_PARAM_set1_host(param, name, 0) == 1;
    }
    ASN1_OCTET_STRING_free(ip);
    if (ok)
        return 0;
    sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "cannot set the server hostname",
                          SSLX_HERE);
    return -1;
}

/* Everything of the context a client or server SSL* needs. */
static int
configure_ssl(sslx_context *self, SSL *ssl, int server_side, PyObject *server_hostname)
{
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl), self->hostflags);
    sslx_context_apply_ciphers(self, NULL, ssl);
    configure_post_handshake_auth(self, ssl, server_side);
    if (server_side) {
        SSL_set_accept_state(ssl);
        return 0;
    }
    /* The session id context is for servers.  A client that has one fails
     * TLS 1.3 PSK handshakes: OpenSSL builds the PSK's session without a
     * context and then refuses it as "from a different context". */
    if (SSL_set_session_id_context(ssl, (const unsigned char *)"", 0) != 1) {
        sslx_raise_from_queue(st, NULL, "failed to clear the session id context", SSLX_HERE);
        return -1;
    }
    if (self->alpn_protocols != NULL
        && SSL_set_alpn_protos(ssl, self->alpn_protocols, self->alpn_protocols_len) != 0) {
        sslx_raise_from_queue(st, NULL, "cannot set ALPN protocols", SSLX_HERE);
        return -1;
    }
    if (server_hostname != NULL && configure_hostname(self, ssl, server_hostname) < 0)
        return -1;
    SSL_set_connect_state(ssl);
    return 0;
}

SSL *
sslx_context_new_ssl(sslx_context *self, int server_side, PyObject *server_hostname)
{
    ERR_clear_error();
    SSL *ssl = SSL_new(self->ctx);
    if (ssl == NULL) {
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL,
                              "cannot create the SSL connection", SSLX_HERE);
        return NULL;
    }
    if (configure_ssl(self, ssl, server_side, server_hostname) < 0) {
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}
