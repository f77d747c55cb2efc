/* sslsocket_functions.c - the module functions built on SSLSocket:
 * get_server_certificate() and the deprecated module-level wrap_socket()
 * (the spec is 3.10's; the stdlib dropped it in 3.12, sslx keeps it). */
#include "sslsocket_internal.h"
#include "constants.h"
#include "errors.h"
#include "pem.h"

/* A context made through the SSLContext type's Python API (its C side is
 * another file's business): verification as cert_reqs, no hostname
 * check, CAs from cafile, or the default ones when verifying without
 * (an empty cafile counts as none, as in the stdlib). */
static PyObject *
unverified_context(sslx_state *st, PyObject *protocol, int cert_reqs, PyObject *cafile)
{
    PyObject *ctx = PyObject_CallOneArg((PyObject *)st->SSLContext_Type, protocol);
    if (ctx == NULL)
        return NULL;
    PyObject *reqs = PyLong_FromLong(cert_reqs), *r = NULL;
    int has_cafile = PyObject_IsTrue(cafile);
    if (reqs == NULL || has_cafile < 0
        || PyObject_SetAttrString(ctx, "check_hostname", Py_False) < 0
        || PyObject_SetAttrString(ctx, "verify_mode", reqs) < 0)
        goto fail;
    if (has_cafile)
        r = PyObject_CallMethod(ctx, "load_verify_locations", "(O)", cafile);
    else if (cert_reqs != SSLX_CERT_NONE)
        r = PyObject_CallMethod(ctx, "load_default_certs", NULL);
    else
        r = Py_NewRef(Py_None);
    if (r == NULL)
        goto fail;
    Py_DECREF(r);
    Py_DECREF(reqs);
    return ctx;
fail:
    Py_XDECREF(reqs);
    Py_DECREF(ctx);
    return NULL;
}

/* getpeercert(True) of a TLS connection to `addr`, as PEM. */
static PyObject *
fetch_peer_certificate(PyObject *ctx, PyObject *addr, PyObject *host, PyObject *timeout)
{
    PyObject *socket_mod = NULL, *sock = NULL, *kwargs = NULL, *tls = NULL, *der = NULL;
    PyObject *pem = NULL;
    socket_mod = PyImport_ImportModule("socket");
    if (socket_mod == NULL)
        goto done;
    sock = PyObject_CallMethod(socket_mod, "create_connection", "OO", addr, timeout);
    if (sock == NULL)
        goto done;
    kwargs = Py_BuildValue("{s:O}", "server_hostname", host);
    if (kwargs == NULL)
        goto done;
    tls = sslx_call_method_kw(ctx, "wrap_socket", sock, kwargs);
    if (tls == NULL)
        goto done;
    der = PyObject_CallMethod(tls, "getpeercert", "O", Py_True);
    if (der == NULL)
        goto done;
    if (!PyBytes_Check(der)) {      /* None: no certificate (the stdlib's error) */
        PyErr_Format(PyExc_TypeError, "a bytes-like object is required, not '%.100s'",
                     Py_TYPE(der)->tp_name);
        goto done;
    }
    pem = sslx_der_to_pem(PyBytes_AS_STRING(der), PyBytes_GET_SIZE(der));
done:
    if (tls != NULL)
        sslx_sslsocket_close_after_error(tls);
    if (sock != NULL)
        sslx_sslsocket_close_after_error(sock);
    Py_XDECREF(der);
    Py_XDECREF(tls);
    Py_XDECREF(kwargs);
    Py_XDECREF(sock);
    Py_XDECREF(socket_mod);
    return pem;
}

/* `host, port = addr` as Python unpacks it: a new (host, port) tuple, or
 * NULL with the exception unpacking would raise. */
static PyObject *
unpack_address(PyObject *addr)
{
    PyObject *host, *port;
    if (sslx_unpack_pair(addr, &host, &port) < 0)
        return NULL;
    PyObject *pair = PyTuple_Pack(2, host, port);
    Py_DECREF(host);
    Py_DECREF(port);
    return pair;
}

/* get_server_certificate(addr, ssl_version=PROTOCOL_TLS_CLIENT,
 *                        ca_certs=None, timeout=None)
 * The stdlib's timeout default is socket's private sentinel, which a text
 * signature cannot spell: None (or nothing) stands for it here. */
PyDoc_STRVAR(get_server_certificate_doc,
"get_server_certificate($module, /, addr, ssl_version=sslx.PROTOCOL_TLS_CLIENT,\n"
"                       ca_certs=None, timeout=None)\n"
"--\n\n"
"Connect to a TLS server and return its certificate as PEM text.\n\n"
"addr is a (host, port) pair.  ssl_version is the protocol of the context\n"
"used.  Without ca_certs the certificate is not verified; with it (a CA\n"
"file), verification failures raise SSLCertVerificationError.  The host\n"
"name is sent as SNI but not checked.  timeout, in seconds, applies to the\n"
"connection; None means socket.getdefaulttimeout().\n\n"
"Raises ValueError or TypeError when addr is not a pair, OSError when the\n"
"connection fails, SSLError when the handshake does.");

static PyObject *
get_server_certificate(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"addr", "ssl_version", "ca_certs", "timeout", NULL};
    PyObject *addr, *version = NULL, *ca_certs = Py_None, *timeout = NULL;
    sslx_state *st = sslx_state_from_module(module);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOO:get_server_certificate", kwlist,
                                     &addr, &version, &ca_certs, &timeout))
        return NULL;
    PyObject *pair = unpack_address(addr);
    if (pair == NULL)
        return NULL;
    PyObject *host = PyTuple_GET_ITEM(pair, 0);
    PyObject *default_version = NULL, *default_timeout = NULL, *ctx = NULL, *pem = NULL;
    if (version == NULL)
        version = default_version = PyLong_FromLong(SSLX_PROTOCOL_TLS_CLIENT);
    if (timeout == NULL || timeout == Py_None) {
        PyObject *socket_mod = PyImport_ImportModule("socket");
        if (socket_mod != NULL) {
            timeout = default_timeout = PyObject_GetAttrString(socket_mod,
                                                               "_GLOBAL_DEFAULT_TIMEOUT");
            Py_DECREF(socket_mod);
        }
    }
    if (version != NULL && timeout != NULL)
        ctx = unverified_context(st, version,
                                 ca_certs == Py_None ? SSLX_CERT_NONE : SSLX_CERT_REQUIRED,
                                 ca_certs);
    if (ctx != NULL)
        pem = fetch_peer_certificate(ctx, pair, host, timeout);
    Py_XDECREF(ctx);
    Py_XDECREF(default_version);
    Py_XDECREF(default_timeout);
    Py_DECREF(pair);
    return pem;
}

static int
warn_module_wrap_socket(void)
{
    return PyErr_WarnEx(PyExc_DeprecationWarning,
                        "ssl.wrap_socket() is deprecated, use SSLContext.wrap_socket()", 1);
}

/* obj.name(*args) when `arg` is true (the stdlib skips empty values). */
static int
call_if_true(PyObject *obj, const char *name, PyObject *arg, PyObject *arg2)
{
    int on = PyObject_IsTrue(arg);
    if (on <= 0)
        return on;
    PyObject *r = arg2 ? PyObject_CallMethod(obj, name, "OO", arg, arg2)
                       : PyObject_CallMethod(obj, name, "(O)", arg);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* Configure a context for the deprecated module-level wrap_socket(). */
static int
configure_legacy_context(PyObject *ctx, PyObject *certfile, PyObject *keyfile,
                         PyObject *cert_reqs, PyObject *ca_certs, PyObject *ciphers)
{
    if (PyObject_SetAttrString(ctx, "verify_mode", cert_reqs) < 0
        || call_if_true(ctx, "load_verify_locations", ca_certs, NULL) < 0
        || call_if_true(ctx, "load_cert_chain", certfile, keyfile) < 0
        || call_if_true(ctx, "set_ciphers", ciphers, NULL) < 0)
        return -1;
    return 0;
}

/* wrap_socket(sock, keyfile=None, certfile=None, server_side=False,
 *             cert_reqs=CERT_NONE, ssl_version=PROTOCOL_TLS, ca_certs=None,
 *             do_handshake_on_connect=True, suppress_ragged_eofs=True,
 *             ciphers=None)  -- deprecated since 3.7 */
PyDoc_STRVAR(module_wrap_socket_doc,
"wrap_socket($module, /, sock, keyfile=None, certfile=None, server_side=False,\n"
"            cert_reqs=sslx.CERT_NONE, ssl_version=sslx.PROTOCOL_TLS,\n"
"            ca_certs=None, do_handshake_on_connect=True,\n"
"            suppress_ragged_eofs=True, ciphers=None)\n"
"--\n\n"
"Wrap sock in an SSLSocket with a context made for this call; deprecated.\n\n"
"The context uses ssl_version, verifies peers as cert_reqs says (no host\n"
"name check), trusts the CAs in the file ca_certs, presents the chain in\n"
"certfile with the key in keyfile (or in certfile) and uses the cipher\n"
"list ciphers.  The stdlib removed this function in Python 3.12; sslx\n"
"keeps it.  Prefer SSLContext.wrap_socket() of create_default_context().\n\n"
"Warns DeprecationWarning.  Raises ValueError when server_side is true\n"
"without certfile, or keyfile is given without certfile; otherwise what\n"
"the context's methods and SSLContext.wrap_socket() raise.");

static PyObject *
module_wrap_socket(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"sock", "keyfile", "certfile", "server_side", "cert_reqs",
                             "ssl_version", "ca_certs", "do_handshake_on_connect",
                             "suppress_ragged_eofs", "ciphers", NULL};
    PyObject *sock, *keyfile = Py_None, *certfile = Py_None, *cert_reqs = NULL;
    PyObject *version = NULL, *ca_certs = Py_None, *ciphers = Py_None;
    int server_side = 0, handshake = 1, ragged = 1;
    sslx_state *st = sslx_state_from_module(module);
    if (warn_module_wrap_socket() < 0
        || !PyArg_ParseTupleAndKeywords(args, kwds, "O|OOpOOOppO:wrap_socket", kwlist, &sock,
                                        &keyfile, &certfile, &server_side, &cert_reqs,
                                        &version, &ca_certs, &handshake, &ragged, &ciphers))
        return NULL;
    int has_cert = PyObject_IsTrue(certfile), has_key = PyObject_IsTrue(keyfile);
    if (has_cert < 0 || has_key < 0)
        return NULL;
    if (server_side && !has_cert) {
        PyErr_SetString(PyExc_ValueError,
                        "certfile must be specified for server-side operations");
        return NULL;
    }
    if (has_key && !has_cert) {
        PyErr_SetString(PyExc_ValueError, "certfile must be specified");
        return NULL;
    }
    PyObject *own_reqs = NULL, *own_version = NULL, *ctx = NULL, *result = NULL;
    if (cert_reqs == NULL)
        cert_reqs = own_reqs = PyLong_FromLong(SSLX_CERT_NONE);
    if (version == NULL)
        version = own_version = PyLong_FromLong(SSLX_PROTOCOL_TLS);
    if (cert_reqs != NULL && version != NULL)
        ctx = PyObject_CallOneArg((PyObject *)st->SSLContext_Type, version);
    if (ctx != NULL
        && configure_legacy_context(ctx, certfile, keyfile, cert_reqs, ca_certs, ciphers) == 0)
        result = sslx_sslsocket_new(st, (sslx_context *)ctx, NULL, sock, server_side,
                                    handshake, ragged, Py_None, Py_None);
    Py_XDECREF(ctx);
    Py_XDECREF(own_reqs);
    Py_XDECREF(own_version);
    return result;
}

static PyMethodDef sslsocket_functions[] = {
    {"get_server_certificate", SSLX_KW_METHOD(get_server_certificate),
     METH_VARARGS | METH_KEYWORDS, get_server_certificate_doc},
    {"wrap_socket", SSLX_KW_METHOD(module_wrap_socket), METH_VARARGS | METH_KEYWORDS,
     module_wrap_socket_doc},
    {NULL, NULL, 0, NULL},
};

int
sslx_sslsocket_functions_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, sslsocket_functions);
}
