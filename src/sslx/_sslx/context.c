/* context.c - SSLContext: the type, its construction, life cycle and
 * method table.  The rest lives in the other context_*.c files
 * (context_internal.h lists them). */
#include "context_internal.h"
#include "context_features.h"
#include "constants.h"
#include "distrust.h"
#include "pybase.h"
#include "errors.h"
#include "sslobject.h"
#include "sslsocket.h"
#include "truststore.h"

/* ---- construction ---- */

typedef struct {
    int protocol;
    const char *deprecated;     /* name in the DeprecationWarning, or NULL */
    int fixed_version;          /* the one TLS version it speaks, or 0 */
} protocol_info;

static const protocol_info known_protocols[] = {
    {SSLX_PROTOCOL_TLS, "ssl.PROTOCOL_TLS", 0},
    {SSLX_PROTOCOL_TLS_CLIENT, NULL, 0},
    {SSLX_PROTOCOL_TLS_SERVER, NULL, 0},
#ifndef OPENSSL_NO_TLS1_METHOD
    {SSLX_PROTOCOL_TLSv1, "ssl.PROTOCOL_TLSv1", TLS1_VERSION},
#endif
#ifndef OPENSSL_NO_TLS1_1_METHOD
    {SSLX_PROTOCOL_TLSv1_1, "ssl.PROTOCOL_TLSv1_1", TLS1_1_VERSION},
#endif
#ifndef OPENSSL_NO_TLS1_2_METHOD
    {SSLX_PROTOCOL_TLSv1_2, "ssl.PROTOCOL_TLSv1_2", TLS1_2_VERSION},
#endif
    {0, NULL, 0},
};

/* Options of a new context, as the stdlib sets them: OP_ALL without
 * DONT_INSERT_EMPTY_FRAGMENTS (empty fragments protect CBC suites), no
 * SSL 2/3, no compression (CRIME), server cipher preference. */
#define SSLX_DEFAULT_OPTIONS                                                          \
    ((SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS) | SSL_OP_NO_SSLv2              \
     | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE       \
     | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE)

/* Session IDs of server contexts are bound to this context name, so
 * resumption works when client certificates are requested. */
static const unsigned char session_id_context[] = "sslx";

static const protocol_info *
find_protocol(int protocol)
{
    for (const protocol_info *p = known_protocols; p->protocol; p++)
        if (p->protocol == protocol)
            return p;
    return NULL;
}

/* The protocol argument of SSLContext(protocol=None, ...): extra
 * arguments are left to a subclass's __init__, as with the stdlib. */
static int
parse_protocol(PyObject *args, PyObject *kwds, int *protocol)
{
    PyObject *value = NULL;
    if (PyTuple_GET_SIZE(args) > 0)
        value = PyTuple_GET_ITEM(args, 0);
    else if (kwds != NULL)
        value = PyDict_GetItemString(kwds, "protocol");
    if (value == NULL || value == Py_None) {
        *protocol = SSLX_PROTOCOL_TLS;
        return PyErr_WarnEx(PyExc_DeprecationWarning,
                            "ssl.SSLContext() without protocol argument is deprecated.", 1);
    }
    PyObject *index = PyNumber_Index(value);
    if (index == NULL)
        return -1;
    int overflow;
    long n = PyLong_AsLongAndOverflow(index, &overflow);
    Py_DECREF(index);
    if (n == -1 && PyErr_Occurred())
        return -1;
    *protocol = (overflow || n < INT_MIN || n > INT_MAX) ? -1 : (int)n;
    return 0;
}

/* Everything a new SSL_CTX needs; -1 with an exception set on failure. */
static int
init_ssl_ctx(sslx_context *self, sslx_state *st, const protocol_info *info)
{
    SSL_CTX *ctx = self->ctx;
    SSL_CTX_set_app_data(ctx, self);
    SSL_CTX_set_options(ctx, SSLX_DEFAULT_OPTIONS);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
    /* Version-specific protocols are TLS_method() pinned to one version;
     * the others start at TLS 1.2 like the stdlib's. */
    int min = info->fixed_version ? info->fixed_version : TLS1_2_VERSION;
    int max = info->fixed_version;
    if (SSL_CTX_set_min_proto_version(ctx, min) != 1
        || SSL_CTX_set_max_proto_version(ctx, max) != 1
        || SSL_CTX_set_cipher_list(ctx, SSLX_DEFAULT_CIPHERS) != 1
        || SSL_CTX_set_session_id_context(ctx, session_id_context,
                                          sizeof(session_id_context) - 1) != 1) {
        sslx_raise_from_queue(st, NULL, "failed to configure SSL context", SSLX_HERE);
        return -1;
    }
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    self->hostflags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    X509_VERIFY_PARAM_set_hostflags(param, self->hostflags);
    if (X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_TRUSTED_FIRST) != 1) {
        sslx_raise_from_queue(st, NULL, "failed to set verify flags", SSLX_HERE);
        return -1;
    }
    if (info->protocol == SSLX_PROTOCOL_TLS_CLIENT) {
        self->check_hostname = 1;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                           sslx_distrust_verify_cb);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, sslx_distrust_verify_cb);
    }
    return 0;
}

static PyObject *
context_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    int protocol;
    sslx_state *st = sslx_state_from_type(type);
    if (st == NULL || parse_protocol(args, kwds, &protocol) < 0)
        return NULL;
    const protocol_info *info = find_protocol(protocol);
    if (info == NULL) {
        PyErr_Format(PyExc_ValueError, "invalid or unsupported protocol version %i", protocol);
        return NULL;
    }
    if (info->deprecated
        && PyErr_WarnFormat(PyExc_DeprecationWarning, 1, "%s is deprecated", info->deprecated) < 0)
        return NULL;
    sslx_context *self = (sslx_context *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->protocol = protocol;
    self->fixed_version = info->fixed_version;
    self->keylog_lock = PyThread_allocate_lock();
    if (self->keylog_lock == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    ERR_clear_error();
    self->ctx = SSL_CTX_new(TLS_method());
    if (self->ctx == NULL) {
        Py_DECREF(self);
        return sslx_raise_from_queue(st, NULL, "failed to allocate SSL context", SSLX_HERE);
    }
    if (init_ssl_ctx(self, st, info) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* The Python objects a context holds. */
#define CONTEXT_OBJECT_FIELDS(X) \
    X(sni_callback) X(sslobject_class) X(sslsocket_class) X(msg_callback) \
    X(psk_client_callback) X(psk_server_callback) X(keylog_filename) X(ocsp_response)

static int
context_traverse(sslx_context *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
#define VISIT(field) Py_VISIT(self->field);
    CONTEXT_OBJECT_FIELDS(VISIT)
#undef VISIT
    return sslx_pybase_traverse((PyObject *)self, visit, arg);
}

static int
context_clear(sslx_context *self)
{
#define CLEAR(field) Py_CLEAR(self->field);
    CONTEXT_OBJECT_FIELDS(CLEAR)
#undef CLEAR
    sslx_pybase_clear((PyObject *)self);
    return 0;
}

/* Detach the SSL_CTX from this object: connections may keep the SSL_CTX
 * alive (OpenSSL reference counts it), and their callbacks must then
 * find no context rather than a freed one.  The callbacks stay installed
 * (each does nothing without a context): OpenSSL reads a callback
 * pointer of the SSL_CTX once to test it and again to call it, so
 * clearing one while another thread handshakes can make it call NULL. */
static void
detach_ssl_ctx(sslx_context *self)
{
    if (self->ctx == NULL)
        return;
    SSL_CTX_set_app_data(self->ctx, NULL);
    SSL_CTX_free(self->ctx);
    self->ctx = NULL;
}

static void
context_dealloc(sslx_context *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    PyObject_ClearWeakRefs((PyObject *)self);
    context_clear(self);
    sslx_context_close_keylog(self);
    Py_CLEAR(self->keylog_filename);
    if (self->keylog_lock)
        PyThread_free_lock(self->keylog_lock);
    detach_ssl_ctx(self);
    X509_STORE_free(self->shared_store);
    X509_STORE_free(self->initial_store);
    PyMem_Free(self->alpn_protocols);
    PyMem_Free(self->cipher_spec);
    PyMem_Free(self->ciphersuites_spec);
    tp->tp_free(self);
    Py_DECREF(tp);
}

sslx_context *
sslx_context_from_ctx(SSL_CTX *ctx)
{
    return ctx ? (sslx_context *)SSL_CTX_get_app_data(ctx) : NULL;
}

int
sslx_context_check(sslx_state *st, PyObject *obj)
{
    return PyObject_TypeCheck(obj, st->SSLContext_Type);
}

/* ---- the stdlib's private methods, each sslx's own ---- */

/* _encode_hostname(hostname): the A-label text the stdlib would send. */
static PyObject *
context_encode_hostname(sslx_context *self, PyObject *hostname)
{
    (void)self;
    if (hostname == Py_None)
        Py_RETURN_NONE;
    PyObject *ascii;
    if (PyUnicode_Check(hostname)) {
        PyObject *encoded = PyUnicode_AsEncodedString(hostname, "idna", NULL);
        if (encoded == NULL)
            return NULL;
        ascii = PyUnicode_FromEncodedObject(encoded, "ascii", NULL);
        Py_DECREF(encoded);
        return ascii;
    }
    return PyObject_CallMethod(hostname, "decode", "s", "ascii");
}

/* _set_alpn_protocols(protos): ALPN in its wire format (length-prefixed
 * names), as the stdlib's C layer takes it. */
static PyObject *
context_set_alpn_wire(sslx_context *self, PyObject *arg)
{
    Py_buffer wire;
    if (PyObject_GetBuffer(arg, &wire, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *names = PyList_New(0), *result = NULL;
    const unsigned char *p = wire.buf, *end = p + wire.len;
    while (names != NULL && p < end) {
        size_t len = *p++;
        if (len == 0 || (size_t)(end - p) < len) {
            PyErr_SetString(PyExc_ValueError, "malformed ALPN protocol list");
            goto done;
        }
        PyObject *name = PyUnicode_DecodeASCII((const char *)p, (Py_ssize_t)len, "strict");
        if (name == NULL || PyList_Append(names, name) < 0) {
            Py_XDECREF(name);
            goto done;
        }
        Py_DECREF(name);
        p += len;
    }
    PyObject *args = names ? PyTuple_Pack(1, names) : NULL;
    if (args != NULL) {
        result = sslx_context_set_alpn_protocols(self, args, NULL);
        Py_DECREF(args);
    }
done:
    Py_XDECREF(names);
    PyBuffer_Release(&wire);
    return result;
}

/* What the stdlib's Python layer calls on its C base: sslx contexts make
 * connections with wrap_socket()/wrap_bio() themselves. */
static PyObject *
context_refuse_private_wrap(sslx_context *self, PyObject *args, PyObject *kwds)
{
    (void)self;
    (void)args;
    (void)kwds;
    PyErr_SetString(PyExc_NotImplementedError,
                    "sslx contexts make connections with wrap_socket() and wrap_bio()");
    return NULL;
}

static PyObject *
context_load_windows_store_certs(sslx_context *self, PyObject *args)
{
    (void)self;
    (void)args;
    PyErr_SetString(PyExc_NotImplementedError,
                    "Windows certificate stores exist only on Windows");
    return NULL;
}

static PyMethodDef context_methods[] = {
    {"_encode_hostname", (PyCFunction)context_encode_hostname, METH_O, NULL},
    {"_set_alpn_protocols", (PyCFunction)context_set_alpn_wire, METH_O, NULL},
    {"_wrap_socket", SSLX_KW_METHOD(context_refuse_private_wrap), METH_VARARGS | METH_KEYWORDS,
     NULL},
    {"_wrap_bio", SSLX_KW_METHOD(context_refuse_private_wrap), METH_VARARGS | METH_KEYWORDS,
     NULL},
    {"_load_windows_store_certs", (PyCFunction)context_load_windows_store_certs, METH_VARARGS,
     NULL},
    /* sslx: load_cert_chain also from memory (context_credentials.c). */
    {"load_cert_chain", SSLX_KW_METHOD(sslx_context_load_cert_chain_any),
     METH_VARARGS | METH_KEYWORDS,
     "load_cert_chain($self, /, certfile=None, keyfile=None, password=None, *, certdata=None, "
     "keydata=None)\n--\n\n"
     "Load a certificate chain and its private key, from files or from memory."},
    {"load_verify_locations", SSLX_KW_METHOD(sslx_context_load_verify_locations),
     METH_VARARGS | METH_KEYWORDS,
     "load_verify_locations($self, /, cafile=None, capath=None, cadata=None)\n--\n\n"
     "Load CA certificates and CRLs used to verify peers."},
    {"load_default_certs", SSLX_KW_METHOD(sslx_context_load_default_certs),
     METH_VARARGS | METH_KEYWORDS,
     "load_default_certs(purpose=Purpose.SERVER_AUTH)\n\n"
     "Load the system's default CA certificates."},
    {"set_default_verify_paths", (PyCFunction)sslx_context_set_default_verify_paths, METH_NOARGS,
     "set_default_verify_paths($self, /)\n--\n\n"
     "Use OpenSSL's default CA file and directory."},
    {"load_dh_params", (PyCFunction)sslx_context_load_dh_params, METH_O,
     "load_dh_params($self, path, /)\n--\n\n"
     "Load Diffie-Hellman parameters from a PEM file."},
    {"get_ca_certs", SSLX_KW_METHOD(sslx_context_get_ca_certs), METH_VARARGS | METH_KEYWORDS,
     "get_ca_certs($self, /, binary_form=False)\n--\n\n"
     "The loaded CA certificates, as dicts or DER bytes."},
    {"cert_store_stats", (PyCFunction)sslx_context_cert_store_stats, METH_NOARGS,
     "cert_store_stats($self, /)\n--\n\n"
     "Counts of certificates, CA certificates and CRLs loaded."},
    {"get_ciphers", (PyCFunction)sslx_context_get_ciphers, METH_NOARGS,
     "get_ciphers($self, /)\n--\n\n"
     "The enabled cipher suites, in priority order."},
    {"set_ciphers", (PyCFunction)sslx_context_set_ciphers, METH_VARARGS,
     "set_ciphers($self, cipherlist, /)\n--\n\n"
     "Set the TLS 1.2 and older cipher suites (OpenSSL cipher list format)."},
    {"set_ciphersuites", (PyCFunction)sslx_context_set_ciphersuites, METH_O,
     "set_ciphersuites($self, ciphersuites, /)\n--\n\n"
     "Set the TLS 1.3 cipher suites (colon-separated names)."},
    {"set_groups", (PyCFunction)sslx_context_set_groups, METH_O,
     "set_groups($self, grouplist, /)\n--\n\n"
     "Set the key agreement groups (OpenSSL group list format)."},
    {"get_groups", SSLX_KW_METHOD(sslx_context_get_groups), METH_VARARGS | METH_KEYWORDS,
     "get_groups($self, /, *, include_aliases=False)\n--\n\n"
     "The key agreement groups available for the context's TLS versions."},
    {"set_client_sigalgs", (PyCFunction)sslx_context_set_client_sigalgs, METH_O,
     "set_client_sigalgs($self, sigalgslist, /)\n--\n\n"
     "Set the signature algorithms allowed for client certificate authentication."},
    {"set_server_sigalgs", (PyCFunction)sslx_context_set_server_sigalgs, METH_O,
     "set_server_sigalgs($self, sigalgslist, /)\n--\n\n"
     "Set the signature algorithms allowed for the server's handshake signature."},
    {"set_ecdh_curve", (PyCFunction)sslx_context_set_ecdh_curve, METH_O,
     "set_ecdh_curve($self, name, /)\n--\n\n"
     "Use the named curve for ECDH key exchange."},
    {"set_alpn_protocols", SSLX_KW_METHOD(sslx_context_set_alpn_protocols),
     METH_VARARGS | METH_KEYWORDS,
     "set_alpn_protocols($self, alpn_protocols)\n--\n\n"
     "Protocols to offer (client) or accept (server) through ALPN."},
    {"set_npn_protocols", SSLX_KW_METHOD(sslx_context_set_npn_protocols),
     METH_VARARGS | METH_KEYWORDS,
     "set_npn_protocols($self, npn_protocols)\n--\n\n"
     "NPN is not supported (HAS_NPN is False)."},
    {"session_stats", (PyCFunction)sslx_context_session_stats, METH_NOARGS,
     "session_stats($self, /)\n--\n\n"
     "Statistics of the session cache."},
    {"set_servername_callback", SSLX_KW_METHOD(sslx_context_set_servername_callback),
     METH_VARARGS | METH_KEYWORDS,
     "set_servername_callback($self, server_name_callback)\n--\n\n"
     "Legacy form of sni_callback whose callback receives U-labels."},
    {"set_psk_client_callback", SSLX_KW_METHOD(sslx_context_set_psk_client_callback),
     METH_VARARGS | METH_KEYWORDS,
     "set_psk_client_callback($self, /, callback)\n--\n\n"
     "TLS-PSK for client connections: callback(hint) -> (identity, psk); None removes it."},
    {"set_psk_server_callback", SSLX_KW_METHOD(sslx_context_set_psk_server_callback),
     METH_VARARGS | METH_KEYWORDS,
     "set_psk_server_callback($self, /, callback, identity_hint=None)\n--\n\n"
     "TLS-PSK for server connections: callback(identity) -> psk (b'' rejects); None "
     "removes it."},
    {"wrap_bio", SSLX_KW_METHOD(sslx_context_wrap_bio), METH_VARARGS | METH_KEYWORDS,
     "wrap_bio($self, incoming, outgoing, server_side=False, server_hostname=None, "
     "session=None)\n--\n\n"
     "A TLS connection over two MemoryBIOs (an sslobject_class instance)."},
    {"wrap_socket", SSLX_KW_METHOD(sslx_context_wrap_socket), METH_VARARGS | METH_KEYWORDS,
     "wrap_socket($self, sock, server_side=False, do_handshake_on_connect=True, "
     "suppress_ragged_eofs=True, server_hostname=None, session=None)\n--\n\n"
     "A TLS connection over a socket (an sslsocket_class instance)."},
    SSLX_CONTEXT_FEATURE_METHODS,   /* sslx: beyond the stdlib (context_features.h) */
    {NULL, NULL, 0, NULL},
};

static PyType_Slot context_slots[] = {
    {Py_tp_new, context_new},
    {Py_tp_dealloc, context_dealloc},
    {Py_tp_traverse, context_traverse},
    {Py_tp_clear, context_clear},
    {Py_tp_getset, sslx_context_getset},
    {Py_tp_methods, context_methods},
    {0, NULL},
};

static PyType_Spec context_spec = {
    .name = "sslx.SSLContext",
    .basicsize = sizeof(sslx_context),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = context_slots,
};

/* Class attributes of the stdlib's SSLContext that are data, with the
 * stdlib's values. */
static int
add_class_data(PyTypeObject *type)
{
    PyObject *stores = Py_BuildValue("(ss)", "CA", "ROOT");
    if (stores == NULL)
        return -1;
    int rc = PyObject_SetAttrString((PyObject *)type, "_windows_cert_stores", stores);
    Py_DECREF(stores);
    return rc;
}

int
sslx_context_setup(PyObject *module, sslx_state *st)
{
    /* A C subtype of the stdlib's class (or its stand-in, pybase.c),
     * whose part of the object must fit the room set aside for it. */
    PyTypeObject *base = (PyTypeObject *)st->stdlib_SSLContext;
    if (base->tp_basicsize > (Py_ssize_t)offsetof(sslx_context, ctx)) {
        PyErr_Format(PyExc_ImportError,
                     "sslx: the stdlib's SSLContext needs %zd bytes, sslx leaves %zd",
                     base->tp_basicsize, (Py_ssize_t)offsetof(sslx_context, ctx));
        return -1;
    }
    PyObject *bases = PyTuple_Pack(1, (PyObject *)base);
    if (bases == NULL)
        return -1;
    st->SSLContext_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &context_spec, bases);
    Py_DECREF(bases);
    if (st->SSLContext_Type == NULL || add_class_data(st->SSLContext_Type) < 0
        || sslx_pybase_check_shadowed(st->SSLContext_Type, base, &PyBaseObject_Type) < 0
        || PyModule_AddType(module, st->SSLContext_Type) < 0)
        return -1;
    /* The stdlib's C type under its private name (code and tests that
     * look at _ssl._SSLContext find sslx's, which is both). */
    if (PyModule_AddObjectRef(module, "_SSLContext", (PyObject *)st->SSLContext_Type) < 0)
        return -1;
    return sslx_context_create_setup(module, st);
}
