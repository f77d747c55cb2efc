/* context.c - SSLContext.  (Minimal first cut: construction, verify mode,
 * hostname checking, certificate loading; the full surface follows.) */
#include "context.h"
#include "constants.h"
#include "errors.h"
#include "sslobject.h"
#include "sslsocket.h"

static const SSL_METHOD *
method_for_protocol(int protocol)
{
    switch (protocol) {
    case SSLX_PROTOCOL_TLS:
    case SSLX_PROTOCOL_TLS_CLIENT:
    case SSLX_PROTOCOL_TLS_SERVER:
        return TLS_method();
    default:
        return NULL;
    }
}

static PyObject *
context_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"protocol", NULL};
    int protocol = SSLX_PROTOCOL_TLS;
    sslx_state *st = sslx_state_from_type(type);
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "|i:SSLContext", kwlist,
                                                   &protocol))
        return NULL;
    const SSL_METHOD *method = method_for_protocol(protocol);
    if (method == NULL) {
        PyErr_Format(PyExc_ValueError, "invalid or unsupported protocol version %i",
                     protocol);
        return NULL;
    }
    sslx_context *self = (sslx_context *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->protocol = protocol;
    self->ctx = SSL_CTX_new(method);
    if (self->ctx == NULL) {
        Py_DECREF(self);
        return sslx_raise_from_queue(st, NULL, "failed to allocate SSL context", SSLX_HERE);
    }
    SSL_CTX_set_options(self->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE
                                       | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE);
    SSL_CTX_set_min_proto_version(self->ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(self->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
    SSL_CTX_set_cipher_list(self->ctx, SSLX_DEFAULT_CIPHERS);
    if (protocol == SSLX_PROTOCOL_TLS_CLIENT) {
        self->check_hostname = 1;
        SSL_CTX_set_verify(self->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    } else {
        SSL_CTX_set_verify(self->ctx, SSL_VERIFY_NONE, NULL);
    }
    self->hostflags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    return (PyObject *)self;
}

static int
context_traverse(sslx_context *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->sni_callback);
    Py_VISIT(self->sslobject_class);
    Py_VISIT(self->sslsocket_class);
    Py_VISIT(self->msg_callback);
    return 0;
}

static int
context_clear(sslx_context *self)
{
    Py_CLEAR(self->sni_callback);
    Py_CLEAR(self->sslobject_class);
    Py_CLEAR(self->sslsocket_class);
    Py_CLEAR(self->msg_callback);
    return 0;
}

static void
context_dealloc(sslx_context *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weakreflist)
        PyObject_ClearWeakRefs((PyObject *)self);
    context_clear(self);
    Py_CLEAR(self->keylog_filename);
    BIO_free_all(self->keylog_bio);
    if (self->keylog_lock)
        PyThread_free_lock(self->keylog_lock);
    SSL_CTX_free(self->ctx);
    PyMem_Free(self->alpn_protocols);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* ---- verify_mode / check_hostname ---- */

static int
get_verify_mode(sslx_context *self)
{
    int mode = SSL_CTX_get_verify_mode(self->ctx);
    if (!(mode & SSL_VERIFY_PEER))
        return SSLX_CERT_NONE;
    return (mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT) ? SSLX_CERT_REQUIRED : SSLX_CERT_OPTIONAL;
}

static int
set_verify_mode(sslx_context *self, int n)
{
    int mode;
    switch (n) {
    case SSLX_CERT_NONE: mode = SSL_VERIFY_NONE; break;
    case SSLX_CERT_OPTIONAL: mode = SSL_VERIFY_PEER; break;
    case SSLX_CERT_REQUIRED: mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT; break;
    default:
        PyErr_SetString(PyExc_ValueError, "invalid value for verify_mode");
        return -1;
    }
    if (mode == SSL_VERIFY_NONE && self->check_hostname) {
        PyErr_SetString(PyExc_ValueError,
                        "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
        return -1;
    }
    SSL_CTX_set_verify(self->ctx, mode, SSL_CTX_get_verify_callback(self->ctx));
    return 0;
}

static PyObject *
context_get_verify_mode(sslx_context *self, void *c)
{
    (void)c;
    return PyLong_FromLong(get_verify_mode(self));
}

static int
context_set_verify_mode(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    int n;
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete verify_mode");
        return -1;
    }
    if (!PyArg_Parse(value, "i", &n))
        return -1;
    return set_verify_mode(self, n);
}

static PyObject *
context_get_check_hostname(sslx_context *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->check_hostname);
}

static int
context_set_check_hostname(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete check_hostname");
        return -1;
    }
    int on = PyObject_IsTrue(value);
    if (on < 0)
        return -1;
    if (on && get_verify_mode(self) == SSLX_CERT_NONE && set_verify_mode(self, SSLX_CERT_REQUIRED) < 0)
        return -1;
    self->check_hostname = on;
    return 0;
}

static PyObject *
context_get_protocol(sslx_context *self, void *c)
{
    (void)c;
    return PyLong_FromLong(self->protocol);
}

/* ---- loading certificates ---- */

static PyObject *
context_load_cert_chain(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"certfile", "keyfile", "password", NULL};
    PyObject *certfile, *keyfile = Py_None, *password = Py_None;
    PyObject *certpath = NULL, *keypath = NULL;
    sslx_state *st = sslx_state_from_type(Py_TYPE(self));
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "O|OO:load_cert_chain", kwlist,
                                                   &certfile, &keyfile, &password))
        return NULL;
    if (!PyUnicode_FSConverter(certfile, &certpath))
        return NULL;
    if (keyfile != Py_None && !PyUnicode_FSConverter(keyfile, &keypath)) {
        Py_DECREF(certpath);
        return NULL;
    }
    const char *cp = PyBytes_AS_STRING(certpath);
    const char *kp = keypath ? PyBytes_AS_STRING(keypath) : cp;
    int ok;
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    ok = SSL_CTX_use_certificate_chain_file(self->ctx, cp) == 1
         && SSL_CTX_use_PrivateKey_file(self->ctx, kp, SSL_FILETYPE_PEM) == 1
         && SSL_CTX_check_private_key(self->ctx) == 1;
    Py_END_ALLOW_THREADS
    Py_DECREF(certpath);
    Py_XDECREF(keypath);
    if (!ok)
        return sslx_raise_from_queue(st, NULL, "failed to load certificate chain", SSLX_HERE);
    Py_RETURN_NONE;
}

static PyObject *
context_load_verify_locations(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"cafile", "capath", "cadata", NULL};
    PyObject *cafile = Py_None, *capath = Py_None, *cadata = Py_None;
    PyObject *fpath = NULL, *dpath = NULL;
    sslx_state *st = sslx_state_from_type(Py_TYPE(self));
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "|OOO:load_verify_locations",
                                                   kwlist, &cafile, &capath, &cadata))
        return NULL;
    if (cafile != Py_None && !PyUnicode_FSConverter(cafile, &fpath))
        return NULL;
    if (capath != Py_None && !PyUnicode_FSConverter(capath, &dpath)) {
        Py_XDECREF(fpath);
        return NULL;
    }
    int ok = 1;
    if (fpath || dpath) {
        ERR_clear_error();
        ok = SSL_CTX_load_verify_locations(self->ctx, fpath ? PyBytes_AS_STRING(fpath) : NULL,
                                           dpath ? PyBytes_AS_STRING(dpath) : NULL) == 1;
    }
    Py_XDECREF(fpath);
    Py_XDECREF(dpath);
    if (!ok)
        return sslx_raise_from_queue(st, NULL, "failed to load verify locations", SSLX_HERE);
    if (cadata != Py_None) {
        Py_ssize_t len;
        const char *data = PyUnicode_AsUTF8AndSize(cadata, &len);
        if (data == NULL)
            return NULL;
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        X509_STORE *store = SSL_CTX_get_cert_store(self->ctx);
        X509 *cert;
        int count = 0;
        while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
            X509_STORE_add_cert(store, cert);
            X509_free(cert);
            count++;
        }
        BIO_free(bio);
        ERR_clear_error();
        if (count == 0)
            return sslx_raise_plain(st, NULL, SSLX_ERR_SSL, "no certificate in cadata",
                                    SSLX_HERE);
    }
    Py_RETURN_NONE;
}

/* wrap_bio(incoming, outgoing, server_side=False, server_hostname=None,
 *          session=None) */
static PyObject *
context_wrap_bio(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"incoming", "outgoing", "server_side", "server_hostname",
                             "session", NULL};
    PyObject *incoming, *outgoing, *hostname = Py_None, *session = Py_None;
    int server_side = 0;
    sslx_state *st = sslx_state_from_type(Py_TYPE(self));
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "OO|pOO:wrap_bio", kwlist,
                                                   &incoming, &outgoing, &server_side,
                                                   &hostname, &session))
        return NULL;
    return sslx_sslobject_new(st, self, self->sslobject_class, incoming, outgoing,
                              server_side, hostname, session);
}

/* wrap_socket(sock, server_side=False, do_handshake_on_connect=True,
 *             suppress_ragged_eofs=True, server_hostname=None, session=None) */
static PyObject *
context_wrap_socket(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"sock", "server_side", "do_handshake_on_connect",
                             "suppress_ragged_eofs", "server_hostname", "session", NULL};
    PyObject *sock, *hostname = Py_None, *session = Py_None;
    int server_side = 0, handshake = 1, ragged = 1;
    sslx_state *st = sslx_state_from_type(Py_TYPE(self));
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "O|pppOO:wrap_socket", kwlist,
                                                   &sock, &server_side, &handshake, &ragged,
                                                   &hostname, &session))
        return NULL;
    return sslx_sslsocket_new(st, self, self->sslsocket_class, sock, server_side, handshake,
                              ragged, hostname, session);
}

int
sslx_context_check(sslx_state *st, PyObject *obj)
{
    return PyObject_TypeCheck(obj, st->SSLContext_Type);
}

int
sslx_context_configure_ssl(sslx_context *self, SSL *ssl, int server_side)
{
    if (!server_side && self->post_handshake_auth)
        SSL_set_post_handshake_auth(ssl, 1);
    X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl), self->hostflags);
    return 0;
}

static PyGetSetDef context_getset[] = {
    {"verify_mode", (getter)context_get_verify_mode, (setter)context_set_verify_mode, NULL, NULL},
    {"check_hostname", (getter)context_get_check_hostname,
     (setter)context_set_check_hostname, NULL, NULL},
    {"protocol", (getter)context_get_protocol, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef context_methods[] = {
    {"load_cert_chain", (PyCFunction)(void (*)(void))context_load_cert_chain,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {"load_verify_locations", (PyCFunction)(void (*)(void))context_load_verify_locations,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {"wrap_bio", (PyCFunction)(void (*)(void))context_wrap_bio, METH_VARARGS | METH_KEYWORDS,
     NULL},
    {"wrap_socket", (PyCFunction)(void (*)(void))context_wrap_socket,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef context_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(sslx_context, weakreflist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot context_slots[] = {
    {Py_tp_new, context_new},
    {Py_tp_dealloc, context_dealloc},
    {Py_tp_traverse, context_traverse},
    {Py_tp_clear, context_clear},
    {Py_tp_getset, context_getset},
    {Py_tp_methods, context_methods},
    {Py_tp_members, context_members},
    {0, NULL},
};

static PyType_Spec context_spec = {
    .name = "sslx.SSLContext",
    .basicsize = sizeof(sslx_context),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = context_slots,
};

int
sslx_context_setup(PyObject *module, sslx_state *st)
{
    st->SSLContext_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &context_spec, NULL);
    if (st->SSLContext_Type == NULL)
        return -1;
    return PyModule_AddType(module, st->SSLContext_Type);
}
