/* context_attrs.c - SSLContext's attributes: verification, options,
 * protocol versions, tickets, callbacks and the connection classes (their
 * getters and setters, and the getset table context.c installs). */
#include "context_internal.h"
#include "context_features.h"
#include "constants.h"
#include "errors.h"
#include "sslobject.h"
#include "sslsocket.h"

/* ---- attribute helpers ---- */

static int
refuse_delete(PyObject *value, const char *name)
{
    return sslx_refuse_delete(value, "SSLContext", name);
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
sslx_context_set_verify_mode(sslx_context *self, int n)
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
    return sslx_enum_value(SSLX_CONTEXT_STATE(self)->VerifyMode, get_verify_mode(self));
}

static int
context_set_verify_mode(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    long n;
    if (refuse_delete(value, "verify_mode") < 0 || value_as_long(value, &n) < 0)
        return -1;
    return sslx_context_set_verify_mode(self, (n < INT_MIN || n > INT_MAX) ? -1 : (int)n);
}

static PyObject *
context_get_check_hostname(sslx_context *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->check_hostname);
}

int
sslx_context_set_check_hostname(sslx_context *self, int on)
{
    /* Hostname checking needs a verified certificate. */
    if (on && get_verify_mode(self) == SSLX_CERT_NONE
        && sslx_context_set_verify_mode(self, SSLX_CERT_REQUIRED) < 0)
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
    return on < 0 ? -1 : sslx_context_set_check_hostname(self, on);
}

static PyObject *
context_get_protocol(sslx_context *self, void *c)
{
    (void)c;
    return sslx_enum_value(SSLX_CONTEXT_STATE(self)->SSLMethod, self->protocol);
}

/* ---- options ---- */

#define SSLX_OP_NO_VERSIONS                                                         \
    (SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1           \
     | SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3)

static PyObject *
context_get_options(sslx_context *self, void *c)
{
    (void)c;
    return sslx_enum_value(SSLX_CONTEXT_STATE(self)->Options,
                           (long long)SSL_CTX_get_options(self->ctx));
}

/* The options bits of `value`: Python 3.12 made them unsigned 64-bit
 * (negative values are OverflowError; 3.14 says ValueError), before they
 * were a C long. */
static int
options_value(PyObject *value, uint64_t *out)
{
    PyObject *index = PyNumber_Index(value);
    if (index == NULL)
        return -1;
#if PY_VERSION_HEX >= 0x030E0000
    if (PyLong_IsNegative(index) == 1) {
        Py_DECREF(index);
        PyErr_SetString(PyExc_ValueError, "Cannot convert negative int");
        return -1;
    }
#endif
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
    return sslx_enum_value(SSLX_CONTEXT_STATE(self)->VerifyFlags, (long long)flags);
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
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "failed to set verify flags",
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
    return sslx_enum_value(SSLX_CONTEXT_STATE(self)->TLSVersion, v);
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
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "failed to set num tickets",
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
    return sslx_context_set_sni(self, value, 0);
}

/* set_servername_callback(server_name_callback): the legacy form of
 * sni_callback, whose callback receives U-labels. */
PyObject *
sslx_context_set_servername_callback(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"server_name_callback", NULL};
    PyObject *callback;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:set_servername_callback", kwlist,
                                     &callback))
        return NULL;
    if (callback != Py_None && !PyCallable_Check(callback)) {
        PyErr_SetString(PyExc_TypeError, "not a callable object");
        return NULL;
    }
    if (reject_client_sni(self) < 0 || sslx_context_set_sni(self, callback, 1) < 0)
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
    return sslx_context_set_keylog(self, value);
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
    return sslx_context_set_msg_callback(self, value);
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
    return class_or_default(self->sslsocket_class, SSLX_CONTEXT_STATE(self)->SSLSocket_Type);
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
    return class_or_default(self->sslobject_class, SSLX_CONTEXT_STATE(self)->SSLObject_Type);
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

/* _host_flags: the X509_CHECK_FLAG_* bits each connection's name check
 * uses (the stdlib's private attribute). */
static PyObject *
context_get_host_flags(sslx_context *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLong(self->hostflags);
}

static int
context_set_host_flags(sslx_context *self, PyObject *value, void *c)
{
    (void)c;
    long n;
    if (refuse_delete(value, "_host_flags") < 0 || value_as_long(value, &n) < 0)
        return -1;
    self->hostflags = (unsigned int)n;
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(self->ctx), self->hostflags);
    return 0;
}

PyGetSetDef sslx_context_getset[] = {
    {"_host_flags", (getter)context_get_host_flags, (setter)context_set_host_flags, NULL,
     NULL},
    {"verify_mode", (getter)context_get_verify_mode, (setter)context_set_verify_mode,
     "Whether and how peers' certificates are verified (a VerifyMode):\n"
     "CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED.  CERT_NONE is refused while\n"
     "check_hostname is on (ValueError).", NULL},
    {"check_hostname", (getter)context_get_check_hostname,
     (setter)context_set_check_hostname,
     "Whether the handshake checks that the peer's certificate matches\n"
     "server_hostname (bool).  Turning it on also turns CERT_NONE into\n"
     "CERT_REQUIRED.", NULL},
    {"protocol", (getter)context_get_protocol, NULL,
     "The protocol the context was created with (a PROTOCOL_* member); read-only.", NULL},
    {"options", (getter)context_get_options, (setter)context_set_options,
     "The OpenSSL options in force (an Options flag set of OP_* values).\n"
     "Setting OP_NO_SSLv3/OP_NO_TLS* bits warns DeprecationWarning: use\n"
     "minimum_version and maximum_version.", NULL},
    {"verify_flags", (getter)context_get_verify_flags, (setter)context_set_verify_flags,
     "Flags for certificate verification (a VerifyFlags flag set): CRL\n"
     "checks, strict X.509 rules, partial chains, ...", NULL},
    {"minimum_version", (getter)context_get_minimum_version,
     (setter)context_set_minimum_version,
     "The lowest TLS version the context negotiates (a TLSVersion).\n"
     "Settable only for the PROTOCOL_TLS* protocols (ValueError otherwise).", NULL},
    {"maximum_version", (getter)context_get_maximum_version,
     (setter)context_set_maximum_version,
     "The highest TLS version the context negotiates (a TLSVersion).\n"
     "Settable only for the PROTOCOL_TLS* protocols (ValueError otherwise).", NULL},
    {"security_level", (getter)context_get_security_level, NULL,
     "OpenSSL's security level for the context (int, 0 to 5); read-only.\n"
     "Set it with '@SECLEVEL=n' in set_ciphers().", NULL},
    {"num_tickets", (getter)context_get_num_tickets, (setter)context_set_num_tickets,
     "How many TLS 1.3 session tickets a server sends after the handshake\n"
     "(int).  Server contexts only: setting it on a client context raises\n"
     "ValueError.", NULL},
    {"post_handshake_auth", (getter)context_get_post_handshake_auth,
     (setter)context_set_post_handshake_auth,
     "Whether TLS 1.3 post-handshake client authentication is enabled (bool).\n"
     "A client offers it; a server may then call verify_client_post_handshake().",
     NULL},
    {"hostname_checks_common_name", (getter)context_get_hostname_checks_common_name,
     (setter)context_set_hostname_checks_common_name,
     "Whether the host name check falls back to the subject's commonName\n"
     "when the certificate has no subjectAltName names (bool).", NULL},
    {"sni_callback", (getter)context_get_sni_callback, (setter)context_set_sni_callback,
     "A server's callback for the client's SNI name, or None.\n"
     "Called as callback(ssl_object, server_name, context) during the\n"
     "handshake, server_name being the A-label str or None; it may set\n"
     "ssl_object.context.  A return value of None continues; an int (an\n"
     "ALERT_DESCRIPTION_* value) aborts with that alert; an exception is\n"
     "reported as unraisable and aborts the handshake.  Setting it on a\n"
     "PROTOCOL_TLS_CLIENT context raises ValueError.", NULL},
    {"keylog_filename", (getter)context_get_keylog_filename,
     (setter)context_set_keylog_filename,
     "A file (path) to which the TLS secrets of every connection are\n"
     "appended in NSS key log format, for traffic analysis tools; None (the\n"
     "default) writes none.", NULL},
    {"sslsocket_class", (getter)context_get_sslsocket_class,
     (setter)context_set_sslsocket_class,
     "The class of what wrap_socket() returns: SSLSocket or a subclass.", NULL},
    {"sslobject_class", (getter)context_get_sslobject_class,
     (setter)context_set_sslobject_class,
     "The class of what wrap_bio() returns: SSLObject or a subclass.", NULL},
    {"_msg_callback", (getter)context_get_msg_callback, (setter)context_set_msg_callback, NULL,
     NULL},
    SSLX_CONTEXT_FEATURE_GETSET,    /* sslx: beyond the stdlib (context_features.h) */
    {NULL, NULL, NULL, NULL, NULL},
};

