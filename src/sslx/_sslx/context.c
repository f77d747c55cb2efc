/* context.c - SSLContext: construction, attributes, per-connection setup
 * and wrap_socket()/wrap_bio().  Loading, ciphers, callbacks and the
 * module-level factories live in the other context_*.c files. */
#include "context_internal.h"
#include "constants.h"
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
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
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

static int
context_traverse(sslx_context *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->sni_callback);
    Py_VISIT(self->sslobject_class);
    Py_VISIT(self->sslsocket_class);
    Py_VISIT(self->msg_callback);
    Py_VISIT(self->psk_client_callback);
    Py_VISIT(self->psk_server_callback);
    Py_VISIT(self->keylog_filename);
    return 0;
}

static int
context_clear(sslx_context *self)
{
    Py_CLEAR(self->sni_callback);
    Py_CLEAR(self->sslobject_class);
    Py_CLEAR(self->sslsocket_class);
    Py_CLEAR(self->msg_callback);
    Py_CLEAR(self->psk_client_callback);
    Py_CLEAR(self->psk_server_callback);
    Py_CLEAR(self->keylog_filename);
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
    if (self->weakreflist)
        PyObject_ClearWeakRefs((PyObject *)self);
    context_clear(self);
    sslx_ctx_close_keylog(self);
    Py_CLEAR(self->keylog_filename);
    if (self->keylog_lock)
        PyThread_free_lock(self->keylog_lock);
    detach_ssl_ctx(self);
    X509_STORE_free(self->shared_store);
    X509_STORE_free(self->initial_store);
    PyMem_Free(self->alpn_protocols);
    PyMem_Free(self->cipher_spec);
    tp->tp_free(self);
    Py_DECREF(tp);
}

sslx_context *
sslx_context_from_ctx(SSL_CTX *ctx)
{
    return ctx ? (sslx_context *)SSL_CTX_get_app_data(ctx) : NULL;
}

/* ---- attribute helpers ---- */

static int
refuse_delete(PyObject *value, const char *name)
{
    if (value != NULL)
        return 0;
    PyErr_Format(PyExc_AttributeError, "cannot delete attribute '%s'", name);
    return -1;
}

/* An int attribute value as a C long; TypeError for non-integers. */
static int
value_as_long(PyObject *value, long *out)
{
    PyObject *index = PyNumber_Index(value);
    if (index == NULL)
        return -1;
    *out = PyLong_AsLong(index);
    Py_DECREF(index);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
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

int
sslx_ctx_set_verify_mode(sslx_context *self, int n)
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
    return sslx_enum_value(SSLX_CTX_STATE(self)->VerifyMode, get_verify_mode(self));
}

static int
context_set_verify_mode(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    long n;
    if (refuse_delete(value, "verify_mode") < 0 || value_as_long(value, &n) < 0)
        return -1;
    return sslx_ctx_set_verify_mode(self, (n < INT_MIN || n > INT_MAX) ? -1 : (int)n);
}

static PyObject *
context_get_check_hostname(sslx_context *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->check_hostname);
}

int
sslx_ctx_set_check_hostname(sslx_context *self, int on)
{
    /* Hostname checking needs a verified certificate. */
    if (on && get_verify_mode(self) == SSLX_CERT_NONE
        && sslx_ctx_set_verify_mode(self, SSLX_CERT_REQUIRED) < 0)
        return -1;
    self->check_hostname = on;
    return 0;
}

static int
context_set_check_hostname(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (refuse_delete(value, "check_hostname") < 0)
        return -1;
    int on = PyObject_IsTrue(value);
    return on < 0 ? -1 : sslx_ctx_set_check_hostname(self, on);
}

static PyObject *
context_get_protocol(sslx_context *self, void *c)
{
    (void)c;
    return sslx_enum_value(SSLX_CTX_STATE(self)->SSLMethod, self->protocol);
}

/* ---- options ---- */

#define SSLX_OP_NO_VERSIONS                                                         \
    (SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1           \
     | SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3)

static PyObject *
context_get_options(sslx_context *self, void *c)
{
    (void)c;
    return sslx_enum_value(SSLX_CTX_STATE(self)->Options,
                           (long long)SSL_CTX_get_options(self->ctx));
}

/* The options bits of `value`: Python 3.12 made them unsigned 64-bit
 * (negative values are OverflowError), before they were a C long. */
static int
options_value(PyObject *value, uint64_t *out)
{
    PyObject *index = PyNumber_Index(value);
    if (index == NULL)
        return -1;
#if PY_VERSION_HEX >= 0x030C0000
    unsigned long long n = PyLong_AsUnsignedLongLong(index);
    int failed = n == (unsigned long long)-1 && PyErr_Occurred();
#else
    long n = PyLong_AsLong(index);
    int failed = n == -1 && PyErr_Occurred();
#endif
    Py_DECREF(index);
    *out = (uint64_t)n;
    return failed ? -1 : 0;
}

static int
context_set_options(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    uint64_t wanted;
    if (refuse_delete(value, "options") < 0 || options_value(value, &wanted) < 0)
        return -1;
    uint64_t current = SSL_CTX_get_options(self->ctx);
    uint64_t to_set = wanted & ~current, to_clear = current & ~wanted;
    if ((to_set & SSLX_OP_NO_VERSIONS)
        && PyErr_WarnEx(PyExc_DeprecationWarning,
                        "ssl.OP_NO_SSL*/ssl.OP_NO_TLS* options are deprecated", 1) < 0)
        return -1;
    SSL_CTX_clear_options(self->ctx, to_clear);
    SSL_CTX_set_options(self->ctx, to_set);
    return 0;
}

/* ---- verify_flags: on the context's own X509_VERIFY_PARAM, never on
 * the X509_STORE, so stores can be shared between contexts ---- */

static PyObject *
context_get_verify_flags(sslx_context *self, void *c)
{
    (void)c;
    unsigned long flags = X509_VERIFY_PARAM_get_flags(SSL_CTX_get0_param(self->ctx));
    return sslx_enum_value(SSLX_CTX_STATE(self)->VerifyFlags, (long long)flags);
}

static int
context_set_verify_flags(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (refuse_delete(value, "verify_flags") < 0)
        return -1;
    if (!PyLong_Check(value)) {
        PyErr_Format(PyExc_TypeError, "argument must be int, not %.50s",
                     value == Py_None ? "None" : Py_TYPE(value)->tp_name);
        return -1;
    }
    unsigned long wanted = PyLong_AsUnsignedLongMask(value);
    if (wanted == (unsigned long)-1 && PyErr_Occurred())
        return -1;
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(self->ctx);
    unsigned long current = X509_VERIFY_PARAM_get_flags(param);
    if (X509_VERIFY_PARAM_clear_flags(param, current & ~wanted) != 1
        || X509_VERIFY_PARAM_set_flags(param, wanted & ~current) != 1) {
        sslx_raise_from_queue(SSLX_CTX_STATE(self), NULL, "failed to set verify flags",
                              SSLX_HERE);
        return -1;
    }
    return 0;
}

/* ---- minimum_version / maximum_version ---- */

/* The lowest version this OpenSSL can speak, for MINIMUM_SUPPORTED given
 * as a maximum (and the highest for MAXIMUM_SUPPORTED as a minimum). */
#ifndef OPENSSL_NO_SSL3
#define SSLX_LOWEST_VERSION SSL3_VERSION
#else
#define SSLX_LOWEST_VERSION TLS1_VERSION
#endif
#define SSLX_HIGHEST_VERSION TLS1_3_VERSION

static PyObject *
version_getter(sslx_context *self, int is_max)
{
    long v = 0;
    if (!self->fixed_version)
        v = is_max ? SSL_CTX_get_max_proto_version(self->ctx)
                   : SSL_CTX_get_min_proto_version(self->ctx);
    /* 0 is OpenSSL's "no bound"; a version-specific protocol has none
     * that the caller can change either. */
    if (v == 0)
        v = is_max ? SSLX_PROTO_MAXIMUM_SUPPORTED : SSLX_PROTO_MINIMUM_SUPPORTED;
    return sslx_enum_value(SSLX_CTX_STATE(self)->TLSVersion, v);
}

/* The OpenSSL bound for a TLSVersion value, warning about deprecated
 * versions; -1 with an exception for unknown values. */
static int
openssl_version_bound(long v, int is_max, int *bound)
{
    const char *deprecated = NULL;
    switch (v) {
    case SSLX_PROTO_MINIMUM_SUPPORTED:
        *bound = is_max ? SSLX_LOWEST_VERSION : 0;
        return 0;
    case SSLX_PROTO_MAXIMUM_SUPPORTED:
        *bound = is_max ? 0 : SSLX_HIGHEST_VERSION;
        return 0;
    case SSL3_VERSION: deprecated = "ssl.TLSVersion.SSLv3"; break;
    case TLS1_VERSION: deprecated = "ssl.TLSVersion.TLSv1"; break;
    case TLS1_1_VERSION: deprecated = "ssl.TLSVersion.TLSv1_1"; break;
    case TLS1_2_VERSION:
    case TLS1_3_VERSION:
        break;
    default: {
        char msg[64];
        snprintf(msg, sizeof(msg), "Unsupported TLS/SSL version 0x%lx", (unsigned long)v);
        PyErr_SetString(PyExc_ValueError, msg);
        return -1;
    }
    }
    if (deprecated
        && PyErr_WarnFormat(PyExc_DeprecationWarning, 1, "%s is deprecated", deprecated) < 0)
        return -1;
    *bound = (int)v;
    return 0;
}

static int
version_setter(sslx_context *self, PyObject *value, int is_max)
{
    long v;
    int bound, ok;
    if (refuse_delete(value, is_max ? "maximum_version" : "minimum_version") < 0
        || value_as_long(value, &v) < 0)
        return -1;
    if (self->fixed_version) {
        PyErr_SetString(PyExc_ValueError, "The context's protocol doesn't support "
                                          "modification of highest and lowest version.");
        return -1;
    }
    if (openssl_version_bound(v, is_max, &bound) < 0)
        return -1;
    /* Asking for SSL 3.0 as the minimum lifts the default OP_NO_SSLv3. */
    if (!is_max && v == SSL3_VERSION)
        SSL_CTX_clear_options(self->ctx, SSL_OP_NO_SSLv3);
    ok = is_max ? SSL_CTX_set_max_proto_version(self->ctx, bound)
                : SSL_CTX_set_min_proto_version(self->ctx, bound);
    if (ok != 1) {
        ERR_clear_error();
        PyErr_Format(PyExc_ValueError, "Unsupported protocol version 0x%x", bound);
        return -1;
    }
    return 0;
}

static PyObject *
context_get_minimum_version(sslx_context *self, void *c)
{
    (void)c;
    return version_getter(self, 0);
}

static int
context_set_minimum_version(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    return version_setter(self, value, 0);
}

static PyObject *
context_get_maximum_version(sslx_context *self, void *c)
{
    (void)c;
    return version_getter(self, 1);
}

static int
context_set_maximum_version(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    return version_setter(self, value, 1);
}

/* ---- security_level, num_tickets ---- */

static PyObject *
context_get_security_level(sslx_context *self, void *c)
{
    (void)c;
    return PyLong_FromLong(SSL_CTX_get_security_level(self->ctx));
}

static PyObject *
context_get_num_tickets(sslx_context *self, void *c)
{
    (void)c;
    return PyLong_FromSize_t(SSL_CTX_get_num_tickets(self->ctx));
}

static int
context_set_num_tickets(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    long n;
    if (refuse_delete(value, "num_tickets") < 0 || value_as_long(value, &n) < 0)
        return -1;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "value must be non-negative");
        return -1;
    }
    if (self->protocol != SSLX_PROTOCOL_TLS_SERVER) {
        PyErr_SetString(PyExc_ValueError, "SSLContext is not a server context.");
        return -1;
    }
    if (SSL_CTX_set_num_tickets(self->ctx, (size_t)n) != 1) {
        sslx_raise_from_queue(SSLX_CTX_STATE(self), NULL, "failed to set num tickets",
                              SSLX_HERE);
        return -1;
    }
    return 0;
}

/* ---- post_handshake_auth, hostname_checks_common_name ---- */

static PyObject *
context_get_post_handshake_auth(sslx_context *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->post_handshake_auth);
}

static int
context_set_post_handshake_auth(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (refuse_delete(value, "post_handshake_auth") < 0)
        return -1;
    int on = PyObject_IsTrue(value);
    if (on < 0)
        return -1;
    self->post_handshake_auth = on;
    return 0;
}

static PyObject *
context_get_hostname_checks_common_name(sslx_context *self, void *c)
{
    (void)c;
    return PyBool_FromLong(!(self->hostflags & X509_CHECK_FLAG_NEVER_CHECK_SUBJECT));
}

static int
context_set_hostname_checks_common_name(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (refuse_delete(value, "hostname_checks_common_name") < 0)
        return -1;
    int on = PyObject_IsTrue(value);
    if (on < 0)
        return -1;
    if (on)
        self->hostflags &= ~(unsigned int)X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
    else
        self->hostflags |= X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(self->ctx), self->hostflags);
    return 0;
}

/* ---- sni_callback, keylog_filename, classes ---- */

static PyObject *
context_get_sni_callback(sslx_context *self, void *c)
{
    (void)c;
    return Py_NewRef(self->sni_callback ? self->sni_callback : Py_None);
}

static int
reject_client_sni(sslx_context *self)
{
    if (self->protocol != SSLX_PROTOCOL_TLS_CLIENT)
        return 0;
    PyErr_SetString(PyExc_ValueError, "sni_callback cannot be set on TLS_CLIENT context");
    return -1;
}

static int
context_set_sni_callback(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (refuse_delete(value, "sni_callback") < 0 || reject_client_sni(self) < 0)
        return -1;
    if (value != Py_None && !PyCallable_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "not a callable object");
        return -1;
    }
    return sslx_ctx_set_sni(self, value, 0);
}

/* The single argument of a method the stdlib defines in Python, so
 * that it may be passed by keyword too. */
static int
one_argument(PyObject *args, PyObject *kwds, const char *fmt, char *name, PyObject **out)
{
    char *kwlist[] = {name, NULL};
    return PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist, out);
}

static PyObject *
context_set_alpn_protocols(sslx_context *self, PyObject *args, PyObject *kwds)
{
    PyObject *protocols;
    if (!one_argument(args, kwds, "O:set_alpn_protocols", "alpn_protocols", &protocols))
        return NULL;
    return sslx_ctx_set_alpn_protocols(self, protocols);
}

static PyObject *
context_set_npn_protocols(sslx_context *self, PyObject *args, PyObject *kwds)
{
    PyObject *protocols;
    if (!one_argument(args, kwds, "O:set_npn_protocols", "npn_protocols", &protocols))
        return NULL;
    return sslx_ctx_set_npn_protocols(self, protocols);
}

/* set_servername_callback(server_name_callback): the legacy form of
 * sni_callback, whose callback receives U-labels. */
static PyObject *
context_set_servername_callback(sslx_context *self, PyObject *args, PyObject *kwds)
{
    PyObject *callback;
    if (!one_argument(args, kwds, "O:set_servername_callback", "server_name_callback",
                      &callback))
        return NULL;
    if (callback != Py_None && !PyCallable_Check(callback)) {
        PyErr_SetString(PyExc_TypeError, "not a callable object");
        return NULL;
    }
    if (reject_client_sni(self) < 0 || sslx_ctx_set_sni(self, callback, 1) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
context_get_keylog_filename(sslx_context *self, void *c)
{
    (void)c;
    return Py_NewRef(self->keylog_filename ? self->keylog_filename : Py_None);
}

static int
context_set_keylog_filename(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (refuse_delete(value, "keylog_filename") < 0)
        return -1;
    return sslx_ctx_set_keylog(self, value);
}

/* _msg_callback: the stdlib's private protocol tracing hook (its
 * TestSSLDebug uses it).  Arguments are plain ints, equal to the
 * stdlib's enum members. */
static PyObject *
context_get_msg_callback(sslx_context *self, void *c)
{
    (void)c;
    return Py_NewRef(self->msg_callback ? self->msg_callback : Py_None);
}

static int
context_set_msg_callback(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (refuse_delete(value, "_msg_callback") < 0)
        return -1;
    return sslx_ctx_set_msg_callback(self, value);
}

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

static PyObject *
class_or_default(PyObject *chosen, PyTypeObject *fallback)
{
    if (chosen)
        return Py_NewRef(chosen);
    return Py_NewRef(fallback ? (PyObject *)fallback : Py_None);
}

static PyObject *
context_get_sslsocket_class(sslx_context *self, void *c)
{
    (void)c;
    return class_or_default(self->sslsocket_class, SSLX_CTX_STATE(self)->SSLSocket_Type);
}

static int
context_set_sslsocket_class(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (refuse_delete(value, "sslsocket_class") < 0)
        return -1;
    Py_XSETREF(self->sslsocket_class, Py_NewRef(value));
    return 0;
}

static PyObject *
context_get_sslobject_class(sslx_context *self, void *c)
{
    (void)c;
    return class_or_default(self->sslobject_class, SSLX_CTX_STATE(self)->SSLObject_Type);
}

static int
context_set_sslobject_class(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    if (refuse_delete(value, "sslobject_class") < 0)
        return -1;
    Py_XSETREF(self->sslobject_class, Py_NewRef(value));
    return 0;
}

/* ---- wrap_socket / wrap_bio ---- */

/* A PROTOCOL_TLS_CLIENT context makes only client connections, a
 * PROTOCOL_TLS_SERVER one only server connections. */
static int
check_side(sslx_state *st, sslx_context *self, int server_side)
{
    if (server_side && self->protocol == SSLX_PROTOCOL_TLS_CLIENT) {
        sslx_raise_plain(st, NULL, 0,
                         "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context",
                         SSLX_HERE);
        return -1;
    }
    if (!server_side && self->protocol == SSLX_PROTOCOL_TLS_SERVER) {
        sslx_raise_plain(st, NULL, 0,
                         "Cannot create a client socket with a PROTOCOL_TLS_SERVER context",
                         SSLX_HERE);
        return -1;
    }
    return 0;
}

/* wrap_bio()'s checks before creating an SSLObject (wrap_socket's live in
 * sslsocket.c, which must check the socket type first, as the stdlib does).
 * The stdlib's wrap_bio() skips the hostname checks; sslx makes them: without
 * a server_hostname, check_hostname would silently check nothing.  An empty
 * name goes on to the engine, which rejects it with its own message. */
static int
validate_wrap_bio_args(sslx_state *st, sslx_context *self, int server_side,
                       PyObject *hostname, PyObject *session)
{
    int has_hostname = hostname != Py_None;
    if (server_side && has_hostname) {
        PyErr_SetString(PyExc_ValueError,
                        "server_hostname can only be specified in client mode");
        return -1;
    }
    if (!server_side && self->check_hostname && !has_hostname) {
        PyErr_SetString(PyExc_ValueError, "check_hostname requires server_hostname");
        return -1;
    }
    if (session != Py_None && st->SSLSession_Type != NULL
        && !PyObject_TypeCheck(session, st->SSLSession_Type)) {
        PyErr_SetString(PyExc_TypeError, "Value is not a SSLSession.");
        return -1;
    }
    return 0;
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
    sslx_state *st = SSLX_CTX_STATE(self);
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "OO|pOO:wrap_bio", kwlist,
                                                   &incoming, &outgoing, &server_side,
                                                   &hostname, &session))
        return NULL;
    /* The stdlib refuses the wrong side at once here; for sockets only
     * when the connection starts (the engine's check). */
    if (check_side(st, self, server_side) < 0
        || validate_wrap_bio_args(st, self, server_side, hostname, session) < 0)
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
static PyObject *
context_wrap_socket(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"sock", "server_side", "do_handshake_on_connect",
                             "suppress_ragged_eofs", "server_hostname", "session", NULL};
    PyObject *sock, *hostname = Py_None, *session = Py_None;
    int server_side = 0, handshake = 1, ragged = 1;
    sslx_state *st = SSLX_CTX_STATE(self);
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

int
sslx_context_check(sslx_state *st, PyObject *obj)
{
    return PyObject_TypeCheck(obj, st->SSLContext_Type);
}

/* Each connection of a context with set_ciphers() gets its own cipher
 * list.  The SSL_CTX's list is never replaced after construction: an SSL
 * without a list of its own reads the SSL_CTX's during its handshake,
 * without the GIL, and OpenSSL frees the old list when a new one is set,
 * so replacing it under running handshakes would crash (as it does the
 * stdlib). */
static void
apply_cipher_spec(SSL *ssl, const char *spec)
{
    /* The spec was checked by set_ciphers(); 0 can only mean "no TLS 1.2
     * cipher", which OpenSSL still installs, as set_ciphers() did. */
    (void)SSL_set_cipher_list(ssl, spec);
    ERR_clear_error();
}

int
sslx_context_adopt_ssl(sslx_context *from, sslx_context *to, SSL *ssl)
{
    if (to->cipher_spec != NULL)
        apply_cipher_spec(ssl, to->cipher_spec);
    else if (from != NULL && from->cipher_spec != NULL)
        apply_cipher_spec(ssl, SSLX_DEFAULT_CIPHERS);   /* `to`'s own list */
    return 0;
}

int
sslx_context_configure_ssl(sslx_context *self, SSL *ssl, int server_side)
{
    X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl), self->hostflags);
    if (self->cipher_spec != NULL)
        apply_cipher_spec(ssl, self->cipher_spec);
    /* The session id context is for servers.  A client that has one fails
     * TLS 1.3 PSK handshakes: OpenSSL builds the PSK's session without a
     * context and then refuses it as "from a different context". */
    if (!server_side && SSL_set_session_id_context(ssl, (const unsigned char *)"", 0) != 1) {
        sslx_raise_from_queue(SSLX_CTX_STATE(self), NULL,
                              "failed to clear the session id context", SSLX_HERE);
        return -1;
    }
    if (!self->post_handshake_auth)
        return 0;
    if (!server_side) {
        SSL_set_post_handshake_auth(ssl, 1);
        return 0;
    }
    /* A server that asks for certificates asks after the handshake
     * (SSLSocket.verify_client_post_handshake()).  OpenSSL does not
     * ignore SSL_VERIFY_POST_HANDSHAKE without SSL_VERIFY_PEER, so it is
     * only added to a verifying mode. */
    int mode = SSL_get_verify_mode(ssl);
    if (mode & SSL_VERIFY_PEER)
        SSL_set_verify(ssl, mode | SSL_VERIFY_POST_HANDSHAKE, SSL_get_verify_callback(ssl));
    return 0;
}

static PyGetSetDef context_getset[] = {
    {"verify_mode", (getter)context_get_verify_mode, (setter)context_set_verify_mode, NULL,
     NULL},
    {"check_hostname", (getter)context_get_check_hostname,
     (setter)context_set_check_hostname, NULL, NULL},
    {"protocol", (getter)context_get_protocol, NULL, NULL, NULL},
    {"options", (getter)context_get_options, (setter)context_set_options, NULL, NULL},
    {"verify_flags", (getter)context_get_verify_flags, (setter)context_set_verify_flags, NULL,
     NULL},
    {"minimum_version", (getter)context_get_minimum_version,
     (setter)context_set_minimum_version, NULL, NULL},
    {"maximum_version", (getter)context_get_maximum_version,
     (setter)context_set_maximum_version, NULL, NULL},
    {"security_level", (getter)context_get_security_level, NULL, NULL, NULL},
    {"num_tickets", (getter)context_get_num_tickets, (setter)context_set_num_tickets, NULL,
     NULL},
    {"post_handshake_auth", (getter)context_get_post_handshake_auth,
     (setter)context_set_post_handshake_auth, NULL, NULL},
    {"hostname_checks_common_name", (getter)context_get_hostname_checks_common_name,
     (setter)context_set_hostname_checks_common_name, NULL, NULL},
    {"sni_callback", (getter)context_get_sni_callback, (setter)context_set_sni_callback, NULL,
     NULL},
    {"keylog_filename", (getter)context_get_keylog_filename,
     (setter)context_set_keylog_filename, NULL, NULL},
    {"sslsocket_class", (getter)context_get_sslsocket_class,
     (setter)context_set_sslsocket_class, NULL, NULL},
    {"sslobject_class", (getter)context_get_sslobject_class,
     (setter)context_set_sslobject_class, NULL, NULL},
    {"_msg_callback", (getter)context_get_msg_callback, (setter)context_set_msg_callback, NULL,
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef context_methods[] = {
    {"load_cert_chain", SSLX_METH_KW(sslx_ctx_load_cert_chain), METH_VARARGS | METH_KEYWORDS,
     "load_cert_chain($self, /, certfile, keyfile=None, password=None)\n--\n\n"
     "Load a certificate chain and its private key."},
    {"load_verify_locations", SSLX_METH_KW(sslx_ctx_load_verify_locations),
     METH_VARARGS | METH_KEYWORDS,
     "load_verify_locations($self, /, cafile=None, capath=None, cadata=None)\n--\n\n"
     "Load CA certificates and CRLs used to verify peers."},
    {"load_default_certs", SSLX_METH_KW(sslx_ctx_load_default_certs),
     METH_VARARGS | METH_KEYWORDS,
     "load_default_certs(purpose=Purpose.SERVER_AUTH)\n\n"
     "Load the system's default CA certificates."},
    {"set_default_verify_paths", (PyCFunction)sslx_ctx_set_default_verify_paths, METH_NOARGS,
     "set_default_verify_paths($self, /)\n--\n\n"
     "Use OpenSSL's default CA file and directory."},
    {"load_dh_params", (PyCFunction)sslx_ctx_load_dh_params, METH_O,
     "load_dh_params($self, path, /)\n--\n\n"
     "Load Diffie-Hellman parameters from a PEM file."},
    {"get_ca_certs", SSLX_METH_KW(sslx_ctx_get_ca_certs), METH_VARARGS | METH_KEYWORDS,
     "get_ca_certs($self, /, binary_form=False)\n--\n\n"
     "The loaded CA certificates, as dicts or DER bytes."},
    {"cert_store_stats", (PyCFunction)sslx_ctx_cert_store_stats, METH_NOARGS,
     "cert_store_stats($self, /)\n--\n\n"
     "Counts of certificates, CA certificates and CRLs loaded."},
    {"get_ciphers", (PyCFunction)sslx_ctx_get_ciphers, METH_NOARGS,
     "get_ciphers($self, /)\n--\n\n"
     "The enabled cipher suites, in priority order."},
    {"set_ciphers", (PyCFunction)sslx_ctx_set_ciphers, METH_VARARGS,
     "set_ciphers($self, cipherlist, /)\n--\n\n"
     "Set the TLS 1.2 and older cipher suites (OpenSSL cipher list format)."},
    {"set_ecdh_curve", (PyCFunction)sslx_ctx_set_ecdh_curve, METH_O,
     "set_ecdh_curve($self, name, /)\n--\n\n"
     "Use the named curve for ECDH key exchange."},
    {"set_alpn_protocols", SSLX_METH_KW(context_set_alpn_protocols),
     METH_VARARGS | METH_KEYWORDS,
     "set_alpn_protocols($self, alpn_protocols)\n--\n\n"
     "Protocols to offer (client) or accept (server) through ALPN."},
    {"set_npn_protocols", SSLX_METH_KW(context_set_npn_protocols),
     METH_VARARGS | METH_KEYWORDS,
     "set_npn_protocols($self, npn_protocols)\n--\n\n"
     "NPN is not supported (HAS_NPN is False)."},
    {"session_stats", (PyCFunction)sslx_ctx_session_stats, METH_NOARGS,
     "session_stats($self, /)\n--\n\n"
     "Statistics of the session cache."},
    {"set_servername_callback", SSLX_METH_KW(context_set_servername_callback),
     METH_VARARGS | METH_KEYWORDS,
     "set_servername_callback($self, server_name_callback)\n--\n\n"
     "Legacy form of sni_callback whose callback receives U-labels."},
    {"set_psk_client_callback", SSLX_METH_KW(sslx_ctx_set_psk_client_callback),
     METH_VARARGS | METH_KEYWORDS,
     "set_psk_client_callback($self, /, callback)\n--\n\n"
     "TLS-PSK for client connections: callback(hint) -> (identity, psk); None removes it."},
    {"set_psk_server_callback", SSLX_METH_KW(sslx_ctx_set_psk_server_callback),
     METH_VARARGS | METH_KEYWORDS,
     "set_psk_server_callback($self, /, callback, identity_hint=None)\n--\n\n"
     "TLS-PSK for server connections: callback(identity) -> psk (b'' rejects); None "
     "removes it."},
    {"wrap_bio", SSLX_METH_KW(context_wrap_bio), METH_VARARGS | METH_KEYWORDS,
     "wrap_bio($self, incoming, outgoing, server_side=False, server_hostname=None, "
     "session=None)\n--\n\n"
     "A TLS connection over two MemoryBIOs (an sslobject_class instance)."},
    {"wrap_socket", SSLX_METH_KW(context_wrap_socket), METH_VARARGS | METH_KEYWORDS,
     "wrap_socket($self, sock, server_side=False, do_handshake_on_connect=True, "
     "suppress_ragged_eofs=True, server_hostname=None, session=None)\n--\n\n"
     "A TLS connection over a socket (an sslsocket_class instance)."},
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
    if (st->SSLContext_Type == NULL || PyModule_AddType(module, st->SSLContext_Type) < 0)
        return -1;
    return sslx_context_create_setup(module, st);
}
