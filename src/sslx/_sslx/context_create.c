/* context_create.c - the module-level context factories:
 *   create_default_context(purpose=Purpose.SERVER_AUTH, *, cafile, capath, cadata)
 *   _create_unverified_context(protocol=None, *, cert_reqs=CERT_NONE,
 *       check_hostname=False, purpose=Purpose.SERVER_AUTH, certfile=None,
 *       keyfile=None, cafile=None, capath=None, cadata=None)
 * and their stdlib aliases _create_default_https_context and
 * _create_stdlib_context.  Purpose is any object with an `oid` string
 * (None is a TypeError, as in the stdlib: CPython's test_ssl checks it). */
#include "context_internal.h"
#include "constants.h"
#include "errors.h"

#define SSLX_OID_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
#define SSLX_OID_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"

/* Raise `type(obj)`, the stdlib's way of naming a bad purpose. */
static int
raise_with_object(PyObject *type, PyObject *obj)
{
    PyObject *exc = PyObject_CallOneArg(type, obj);
    if (exc != NULL) {
        PyErr_SetObject(type, exc);
        Py_DECREF(exc);
    }
    return -1;
}

int
sslx_purpose_kind(PyObject *purpose)
{
    if (purpose == NULL)
        return SSLX_PURPOSE_SERVER;
    PyObject *oid = PyObject_GetAttrString(purpose, "oid");
    if (oid == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        return raise_with_object(PyExc_TypeError, purpose);
    }
    int kind = SSLX_PURPOSE_OTHER;
    if (PyUnicode_Check(oid)) {
        if (PyUnicode_CompareWithASCIIString(oid, SSLX_OID_SERVER_AUTH) == 0)
            kind = SSLX_PURPOSE_SERVER;
        else if (PyUnicode_CompareWithASCIIString(oid, SSLX_OID_CLIENT_AUTH) == 0)
            kind = SSLX_PURPOSE_CLIENT;
    }
    Py_DECREF(oid);
    return kind;
}

/* The purpose's kind, with ValueError(purpose) for purposes other than
 * server or client authentication. */
static int
known_purpose(PyObject *purpose)
{
    int kind = sslx_purpose_kind(purpose);
    if (kind == SSLX_PURPOSE_OTHER)
        return raise_with_object(PyExc_ValueError, purpose);
    return kind;
}

static int
is_true(PyObject *obj)
{
    return obj != NULL && obj != Py_None ? PyObject_IsTrue(obj) : 0;
}

/* CA certificates: those given, else (when verifying) the system's. */
static int
load_trust(PyObject *ctx, PyObject *cafile, PyObject *capath, PyObject *cadata)
{
    int given = 0, t;
    PyObject *r;
    if ((t = is_true(cafile)) < 0 || (given |= t, t = is_true(capath)) < 0
        || (given |= t, t = is_true(cadata)) < 0)
        return -1;
    given |= t;
    if (given) {
        r = PyObject_CallMethod(ctx, "load_verify_locations", "OOO", cafile ? cafile : Py_None,
                                capath ? capath : Py_None, cadata ? cadata : Py_None);
    } else {
        if (SSL_CTX_get_verify_mode(((sslx_context *)ctx)->ctx) == SSL_VERIFY_NONE)
            return 0;
        r = PyObject_CallMethod(ctx, "set_default_verify_paths", NULL);
    }
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* Key logging to $SSLKEYLOGFILE, unless Python ignores the environment. */
static int
apply_keylog_env(sslx_context *ctx)
{
    PyObject *flags = PySys_GetObject("flags");   /* borrowed */
    if (flags != NULL) {
        PyObject *ignore = PyObject_GetAttrString(flags, "ignore_environment");
        if (ignore == NULL)
            return -1;
        int on = PyObject_IsTrue(ignore);
        Py_DECREF(ignore);
        if (on != 0)
            return on < 0 ? -1 : 0;
    }
    PyObject *os = NULL, *environ = NULL, *value = NULL;
    int rc = -1;
    os = PyImport_ImportModule("os");
    if (os == NULL)
        goto done;
    environ = PyObject_GetAttrString(os, "environ");
    if (environ == NULL)
        goto done;
    value = PyObject_CallMethod(environ, "get", "s", "SSLKEYLOGFILE");
    if (value == NULL)
        goto done;
    int t = PyObject_IsTrue(value);
    if (t >= 0)
        rc = t ? sslx_context_set_keylog(ctx, value) : 0;
done:
    Py_XDECREF(value);
    Py_XDECREF(environ);
    Py_XDECREF(os);
    return rc;
}

static PyObject *
new_context(sslx_state *st, long protocol)
{
    return PyObject_CallFunction((PyObject *)st->SSLContext_Type, "l", protocol);
}

PyDoc_STRVAR(create_default_context_doc,
/* No text signature: the default, Purpose.SERVER_AUTH, is not a constant
 * inspect can read, and None is the stdlib's TypeError.  help() shows the
 * first line; kept on one line so that Sphinx's autodoc reads it as the
 * signature (a '*' in body text would be reST emphasis). */
"create_default_context(purpose=Purpose.SERVER_AUTH, *, cafile=None, capath=None, cadata=None)\n\n"
"Return a new SSLContext with secure settings for the given purpose.\n\n"
"purpose is Purpose.SERVER_AUTH (the default) for a\n"
"client context that verifies servers: PROTOCOL_TLS_CLIENT, CERT_REQUIRED,\n"
"check_hostname on; or Purpose.CLIENT_AUTH for a server context.  The\n"
"trusted CAs are those of cafile, capath and cadata (see\n"
"load_verify_locations()), or the system's when none is given and the\n"
"context verifies.  SSLKEYLOGFILE in the environment sets keylog_filename.\n\n"
"Raises TypeError for a purpose without an oid, ValueError for another\n"
"purpose, and what load_verify_locations() raises.");

static PyObject *
create_default_context(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"purpose", "cafile", "capath", "cadata", NULL};
    PyObject *purpose = NULL, *cafile = Py_None, *capath = Py_None, *cadata = Py_None;
    sslx_state *st = sslx_state_from_module(module);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$OOO:create_default_context", kwlist,
                                     &purpose, &cafile, &capath, &cadata))
        return NULL;
    int kind = known_purpose(purpose);
    if (kind < 0)
        return NULL;
    int server_auth = kind == SSLX_PURPOSE_SERVER;
    PyObject *ctx = new_context(st, server_auth ? SSLX_PROTOCOL_TLS_CLIENT
                                                : SSLX_PROTOCOL_TLS_SERVER);
    if (ctx == NULL)
        return NULL;
    sslx_context *c = (sslx_context *)ctx;
    if (server_auth && (sslx_context_set_verify_mode(c, SSLX_CERT_REQUIRED) < 0
                        || sslx_context_set_check_hostname(c, 1) < 0))
        goto fail;
#if PY_VERSION_HEX >= 0x030D0000
    /* Python 3.13 made default contexts strict about certificates and
     * accept chains ending at any trusted certificate. */
    if (X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(c->ctx), X509_V_FLAG_X509_STRICT
                                                                    | X509_V_FLAG_PARTIAL_CHAIN)
        != 1) {
        sslx_raise_from_queue(st, NULL, "failed to set verify flags", SSLX_HERE);
        goto fail;
    }
#endif
    if (load_trust(ctx, cafile, capath, cadata) < 0 || apply_keylog_env(c) < 0)
        goto fail;
    return ctx;
fail:
    Py_DECREF(ctx);
    return NULL;
}

/* The protocol of an unverified context: given, or from the purpose. */
static PyObject *
unverified_protocol(PyObject *protocol, int kind)
{
    if (protocol != Py_None)
        return Py_NewRef(protocol);
    return PyLong_FromLong(kind == SSLX_PURPOSE_SERVER ? SSLX_PROTOCOL_TLS_CLIENT
                                                       : SSLX_PROTOCOL_TLS_SERVER);
}

/* check_hostname, verify_mode and the certificate chain, in the
 * stdlib's order (so check_hostname=True with CERT_NONE is an error). */
static int
configure_unverified(PyObject *ctx, PyObject *cert_reqs, PyObject *check_hostname,
                     PyObject *certfile, PyObject *keyfile)
{
    int check = PyObject_IsTrue(check_hostname);
    if (check < 0 || PyObject_SetAttrString(ctx, "check_hostname", check_hostname) < 0)
        return -1;
    if (cert_reqs != Py_None && PyObject_SetAttrString(ctx, "verify_mode", cert_reqs) < 0)
        return -1;
    if (check && PyObject_SetAttrString(ctx, "check_hostname", Py_True) < 0)
        return -1;
    int has_cert = is_true(certfile), has_key = is_true(keyfile);
    if (has_cert < 0 || has_key < 0)
        return -1;
    if (has_key && !has_cert) {
        PyErr_SetString(PyExc_ValueError, "certfile must be specified");
        return -1;
    }
    if (has_cert || has_key) {
        PyObject *r = PyObject_CallMethod(ctx, "load_cert_chain", "OO", certfile, keyfile);
        Py_XDECREF(r);
        return r ? 0 : -1;
    }
    return 0;
}

static PyObject *
create_unverified_context(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"protocol", "cert_reqs", "check_hostname", "purpose", "certfile",
                             "keyfile", "cafile", "capath", "cadata", NULL};
    PyObject *protocol = Py_None, *cert_reqs = NULL, *check_hostname = Py_False;
    PyObject *purpose = NULL, *certfile = Py_None, *keyfile = Py_None;
    PyObject *cafile = Py_None, *capath = Py_None, *cadata = Py_None;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$OOOOOOOO:_create_unverified_context",
                                     kwlist, &protocol, &cert_reqs, &check_hostname, &purpose,
                                     &certfile, &keyfile, &cafile, &capath, &cadata))
        return NULL;
    int kind = known_purpose(purpose);
    if (kind < 0)
        return NULL;
    PyObject *proto = unverified_protocol(protocol, kind);
    if (proto == NULL)
        return NULL;
    sslx_state *st = sslx_state_from_module(module);
    PyObject *ctx = PyObject_CallOneArg((PyObject *)st->SSLContext_Type, proto);
    Py_DECREF(proto);
    if (ctx == NULL)
        return NULL;
    PyObject *reqs = cert_reqs ? cert_reqs : NULL;
    PyObject *none_mode = NULL;
    if (reqs == NULL && (none_mode = PyLong_FromLong(SSLX_CERT_NONE)) == NULL)
        goto fail;
    if (configure_unverified(ctx, reqs ? reqs : none_mode, check_hostname, certfile, keyfile)
            < 0
        || load_trust(ctx, cafile, capath, cadata) < 0
        || apply_keylog_env((sslx_context *)ctx) < 0)
        goto fail;
    Py_XDECREF(none_mode);
    return ctx;
fail:
    Py_XDECREF(none_mode);
    Py_DECREF(ctx);
    return NULL;
}

static PyMethodDef create_functions[] = {
    {"create_default_context", SSLX_KW_METHOD(create_default_context),
     METH_VARARGS | METH_KEYWORDS, create_default_context_doc},
    {"_create_unverified_context", SSLX_KW_METHOD(create_unverified_context),
     METH_VARARGS | METH_KEYWORDS,
     "_create_unverified_context(protocol=None, *, cert_reqs=CERT_NONE,\n"
     "                           check_hostname=False, purpose=Purpose.SERVER_AUTH,\n"
     "                           certfile=None, keyfile=None, cafile=None, capath=None,\n"
     "                           cadata=None)\n\n"
     "Return a new SSLContext that, unless told otherwise, does not verify\n"
     "certificates; also named _create_stdlib_context.\n\n"
     "cert_reqs None leaves the protocol's own verify_mode."},
    {NULL, NULL, 0, NULL},
};

/* `alias` = the module's function `name` (the stdlib keeps both names). */
static int
add_alias(PyObject *module, const char *alias, const char *name)
{
    PyObject *f = PyObject_GetAttrString(module, name);
    return sslx_add_new(module, alias, f);
}

int
sslx_context_create_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    if (PyModule_AddFunctions(module, create_functions) < 0
        || add_alias(module, "_create_default_https_context", "create_default_context") < 0
        || add_alias(module, "_create_stdlib_context", "_create_unverified_context") < 0)
        return -1;
    return 0;
}
