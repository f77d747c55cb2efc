/* errors.c - exception classes and the mapping of OpenSSL failures to them. */
#include <errno.h>
#include <string.h>
#include "errors.h"
#include "errcodes.h"

static const char *
short_file(const char *file)
{
    const char *slash = strrchr(file, '/');
    return slash ? slash + 1 : file;
}

/* Instantiate `type(code, message)`, set its attributes, raise it. */
static PyObject *
raise_instance(PyObject *type, int code, PyObject *message, PyObject *library,
               PyObject *reason, PyObject *verify_code, PyObject *verify_message)
{
    PyObject *exc = PyObject_CallFunction(type, "iO", code, message);
    if (exc == NULL)
        return NULL;
    if (PyObject_SetAttrString(exc, "library", library ? library : Py_None) < 0
        || PyObject_SetAttrString(exc, "reason", reason ? reason : Py_None) < 0)
        goto done;
    if (verify_code
        && (PyObject_SetAttrString(exc, "verify_code", verify_code) < 0
            || PyObject_SetAttrString(exc, "verify_message",
                                      verify_message ? verify_message : Py_None) < 0))
        goto done;
    PyErr_SetObject(type, exc);
done:
    Py_DECREF(exc);
    return NULL;
}

/* library and reason mnemonics of a packed OpenSSL error, new references
 * or NULL when unknown (never with an exception set). */
static void
error_names(sslx_state *st, unsigned long err, PyObject **library, PyObject **reason)
{
    int lib = ERR_GET_LIB(err), rsn = ERR_GET_REASON(err);
    *library = *reason = NULL;
    PyObject *key = PyLong_FromLong(lib);
    if (key) {
        *library = PyDict_GetItemWithError(st->lib_codes_to_names, key);
        Py_XINCREF(*library);
        Py_DECREF(key);
    }
    key = Py_BuildValue("(ii)", lib, rsn);
    if (key) {
        *reason = PyDict_GetItemWithError(st->err_codes_to_names, key);
        Py_XINCREF(*reason);
        Py_DECREF(key);
    }
    PyErr_Clear();
}

/* The full error path for one packed OpenSSL error `err` (0: none). */
static PyObject *
raise_packed(sslx_state *st, PyObject *type, int code, unsigned long err,
             const char *text, const char *detail, PyObject *verify_code,
             PyObject *verify_message, const char *file, int line)
{
    PyObject *library = NULL, *reason = NULL, *message;
    if (err != 0) {
        error_names(st, err, &library, &reason);
        if (text == NULL)
            text = ERR_reason_error_string(err);
    }
    if (text == NULL)
        text = "unknown error";
    if (detail == NULL)
        detail = "";
    const char *sep = *detail ? ": " : "";
    if (library && reason)
        message = PyUnicode_FromFormat("[%U: %U] %s%s%s (%s:%d)", library, reason,
                                       text, sep, detail, short_file(file), line);
    else if (library)
        message = PyUnicode_FromFormat("[%U] %s%s%s (%s:%d)", library, text, sep,
                                       detail, short_file(file), line);
    else
        message = PyUnicode_FromFormat("%s%s%s (%s:%d)", text, sep, detail,
                                       short_file(file), line);
    ERR_clear_error();
    if (message) {
        raise_instance(type ? type : st->SSLError, code, message, library, reason,
                       verify_code, verify_message);
        Py_DECREF(message);
    }
    Py_XDECREF(library);
    Py_XDECREF(reason);
    return NULL;
}

PyObject *
sslx_raise_from_queue(sslx_state *st, PyObject *type, const char *fallback,
                      const char *file, int line)
{
    /* Like the stdlib, errno is OpenSSL's reason code for errors that do
     * not come from a connection. */
    unsigned long err = ERR_peek_last_error();
    return raise_packed(st, type, err ? ERR_GET_REASON(err) : 0, err, err ? NULL : fallback, NULL,
                        NULL, NULL, file, line);
}

PyObject *
sslx_raise_plain(sslx_state *st, PyObject *type, int code, const char *msg,
                 const char *file, int line)
{
    return raise_packed(st, type, code, 0, msg, NULL, NULL, NULL, file, line);
}

/* Certificate verification failed: SSLCertVerificationError with the
 * verify result, and the stdlib's wording for a name mismatch. */
static PyObject *
raise_verify_error(sslx_state *st, SSL *ssl, unsigned long err, PyObject *hostname,
                   const char *file, int line)
{
    long result = SSL_get_verify_result(ssl);
    PyObject *vmsg;
    if (result == X509_V_ERR_HOSTNAME_MISMATCH && hostname)
        vmsg = PyUnicode_FromFormat("Hostname mismatch, certificate is not valid for '%S'.",
                                    hostname);
    else if (result == X509_V_ERR_IP_ADDRESS_MISMATCH && hostname)
        vmsg = PyUnicode_FromFormat("IP address mismatch, certificate is not valid for '%S'.",
                                    hostname);
    else
        vmsg = PyUnicode_FromString(X509_verify_cert_error_string(result));
    PyObject *vcode = PyLong_FromLong(result);
    const char *detail = vmsg ? PyUnicode_AsUTF8(vmsg) : NULL;
    if (vmsg && vcode && detail)
        raise_packed(st, st->SSLCertVerificationError, SSLX_ERR_SSL, err, NULL, detail,
                     vcode, vmsg, file, line);
    Py_XDECREF(vmsg);
    Py_XDECREF(vcode);
    ERR_clear_error();
    return NULL;
}

PyObject *
sslx_raise_verify_failure(sslx_state *st, long verify_code, const char *verify_message,
                          const char *file, int line)
{
    unsigned long err = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED);
    PyObject *vmsg = PyUnicode_FromString(verify_message);
    PyObject *vcode = PyLong_FromLong(verify_code);
    if (vmsg && vcode)
        raise_packed(st, st->SSLCertVerificationError, SSLX_ERR_SSL, err, NULL, verify_message,
                     vcode, vmsg, file, line);
    Py_XDECREF(vmsg);
    Py_XDECREF(vcode);
    return NULL;
}

PyObject *
sslx_raise_eof_violation(sslx_state *st, const char *file, int line)
{
    return sslx_raise_plain(st, st->SSLEOFError, SSLX_ERR_EOF,
                            "EOF occurred in violation of protocol", file, line);
}

PyObject *
sslx_raise_pre_handshake_data(sslx_state *st)
{
    PyObject *text = PyUnicode_FromString("Closed before TLS handshake with data in recv buffer.");
    if (text != NULL) {
        raise_instance(st->SSLError, ENOTCONN, text, NULL, text, NULL, NULL);
        Py_DECREF(text);
    }
    return NULL;
}

/* A read or write on a socket that the peer reset or left: the stdlib
 * before 3.13 reports it as an EOF in violation of the protocol (and for
 * reads under suppress_ragged_eofs, the empty result), and servers written
 * for it, test_ssl's among them, rely on that; 3.13's stdlib raises the
 * ConnectionError itself, and so does sslx there. */
static int
peer_gone_is_eof(int sys_errno)
{
#if PY_VERSION_HEX < 0x030D0000
    return sys_errno == ECONNRESET || sys_errno == EPIPE || sys_errno == ECONNABORTED;
#else
    (void)sys_errno;
    return 0;
#endif
}

/* A system error OpenSSL put in its queue (OpenSSL 3.5 and later report a
 * reset connection there): the OSError of its errno, as for any failed
 * system call. */
static PyObject *
raise_system_error(unsigned long err, int transfer, sslx_state *st, const char *file,
                   int line)
{
    int code = ERR_GET_REASON(err);
    ERR_clear_error();
    if (transfer && peer_gone_is_eof(code))
        return sslx_raise_eof_violation(st, file, line);
    errno = code;
    return PyErr_SetFromErrno(PyExc_OSError);
}

static PyObject *
raise_syscall(sslx_state *st, int ret, int sys_errno, int transfer, const char *file,
              int line)
{
    unsigned long err = ERR_peek_last_error();
    if (err != 0)
        return raise_packed(st, st->SSLSyscallError, SSLX_ERR_SYSCALL, err, NULL, NULL,
                            NULL, NULL, file, line);
    if (ret == 0 || (transfer && peer_gone_is_eof(sys_errno)))
        return sslx_raise_eof_violation(st, file, line);
    if (sys_errno != 0) {
        ERR_clear_error();
        errno = sys_errno;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return sslx_raise_plain(st, st->SSLSyscallError, SSLX_ERR_SYSCALL,
                            "Some I/O error occurred", file, line);
}

PyObject *
sslx_raise_conn_error(sslx_state *st, SSL *ssl, int ssl_err, int ret, int sys_errno,
                      PyObject *hostname, int transfer, const char *file, int line)
{
    if (PyErr_Occurred()) {
        /* A Python callback (SNI, ALPN, password, foreign BIO) raised
         * during the call: that exception is the real cause. */
        ERR_clear_error();
        return NULL;
    }
    unsigned long err;
    switch (ssl_err) {
    case SSL_ERROR_WANT_READ:
        return sslx_raise_plain(st, st->SSLWantReadError, SSLX_ERR_WANT_READ,
                                "The operation did not complete (read)", file, line);
    case SSL_ERROR_WANT_WRITE:
        return sslx_raise_plain(st, st->SSLWantWriteError, SSLX_ERR_WANT_WRITE,
                                "The operation did not complete (write)", file, line);
    case SSL_ERROR_ZERO_RETURN:
        return sslx_raise_plain(st, st->SSLZeroReturnError, SSLX_ERR_ZERO_RETURN,
                                "TLS/SSL connection has been closed (EOF)", file, line);
    case SSL_ERROR_WANT_X509_LOOKUP:
        return sslx_raise_plain(st, NULL, SSLX_ERR_WANT_X509_LOOKUP,
                                "The operation did not complete (X509 lookup)", file, line);
    case SSL_ERROR_WANT_CONNECT:
        return sslx_raise_plain(st, NULL, SSLX_ERR_WANT_CONNECT,
                                "The operation did not complete (connect)", file, line);
    case SSL_ERROR_SYSCALL:
        if (ERR_SYSTEM_ERROR(ERR_peek_last_error()))
            return raise_system_error(ERR_peek_last_error(), transfer, st, file, line);
        return raise_syscall(st, ret, sys_errno, transfer, file, line);
    case SSL_ERROR_SSL:
        err = ERR_peek_last_error();
        if (ERR_SYSTEM_ERROR(err))
            return raise_system_error(err, transfer, st, file, line);
        if (ERR_GET_LIB(err) == ERR_LIB_SSL
            && ERR_GET_REASON(err) == SSL_R_CERTIFICATE_VERIFY_FAILED)
            return raise_verify_error(st, ssl, err, hostname, file, line);
        if (ERR_GET_LIB(err) == ERR_LIB_SSL
            && ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            return raise_packed(st, st->SSLEOFError, SSLX_ERR_EOF, err,
                                "EOF occurred in violation of protocol", NULL, NULL,
                                NULL, file, line);
        return raise_packed(st, NULL, SSLX_ERR_SSL, err,
                            err ? NULL : "A failure in the SSL library occurred", NULL,
                            NULL, NULL, file, line);
    default:
        return sslx_raise_plain(st, NULL, SSLX_ERR_INVALID_ERROR_CODE, "Invalid error code",
                                file, line);
    }
}

/* ---- exception classes ---- */

/* str(SSLError) is its message alone, as in the stdlib (not OSError's
 * "[Errno 1] ..."). Only used when the stdlib's _ssl is unavailable. */
static PyObject *
fallback_sslerror_str(PyObject *self)
{
    PyOSErrorObject *e = (PyOSErrorObject *)self;
    if (e->strerror && PyUnicode_Check(e->strerror))
        return Py_NewRef(e->strerror);
    return PyObject_Str(e->args);
}

static PyObject *
new_fallback_sslerror(PyObject *module)
{
    PyType_Slot slots[] = {{Py_tp_str, (void *)fallback_sslerror_str}, {0, NULL}};
    PyType_Spec spec = {"ssl.SSLError", 0, 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, slots};
    spec.basicsize = (int)((PyTypeObject *)PyExc_OSError)->tp_basicsize;
    return PyType_FromModuleAndSpec(module, &spec, PyExc_OSError);
}

static int
make_fallback_exceptions(PyObject *module, sslx_state *st)
{
    st->SSLError = new_fallback_sslerror(module);
    if (st->SSLError == NULL)
        return -1;
    PyObject *cv_bases = PyTuple_Pack(2, st->SSLError, PyExc_ValueError);
    if (cv_bases == NULL)
        return -1;
    st->SSLCertVerificationError = PyErr_NewException("ssl.SSLCertVerificationError",
                                                      cv_bases, NULL);
    Py_DECREF(cv_bases);
#define SUB(field, name) \
    (st->field = PyErr_NewException("ssl." name, st->SSLError, NULL))
    if (!st->SSLCertVerificationError || !SUB(SSLZeroReturnError, "SSLZeroReturnError")
        || !SUB(SSLWantReadError, "SSLWantReadError")
        || !SUB(SSLWantWriteError, "SSLWantWriteError")
        || !SUB(SSLSyscallError, "SSLSyscallError") || !SUB(SSLEOFError, "SSLEOFError"))
        return -1;
#undef SUB
    return 0;
}

/* Take the stdlib's classes from _ssl (not `ssl`, which may be sslx itself
 * when a program installed sslx as sys.modules["ssl"]). */
static int
take_stdlib_exceptions(sslx_state *st)
{
    PyObject *std = PyImport_ImportModule("_ssl");
    if (std == NULL) {
        PyErr_Clear();
        return 0;
    }
#define TAKE(field) (st->field = PyObject_GetAttrString(std, #field))
    int ok = TAKE(SSLError) && TAKE(SSLZeroReturnError) && TAKE(SSLWantReadError)
             && TAKE(SSLWantWriteError) && TAKE(SSLSyscallError) && TAKE(SSLEOFError)
             && TAKE(SSLCertVerificationError);
#undef TAKE
    Py_DECREF(std);
    if (!ok) {
        PyErr_Clear();
        Py_CLEAR(st->SSLError);
        Py_CLEAR(st->SSLZeroReturnError);
        Py_CLEAR(st->SSLWantReadError);
        Py_CLEAR(st->SSLWantWriteError);
        Py_CLEAR(st->SSLSyscallError);
        Py_CLEAR(st->SSLEOFError);
        Py_CLEAR(st->SSLCertVerificationError);
        return 0;
    }
    return 1;
}

/* dict[key] = value for two new references (NULL: an error is set). */
static int
set_new_item(PyObject *dict, PyObject *key, PyObject *value)
{
    int rc = -1;
    if (key != NULL && value != NULL)
        rc = PyDict_SetItem(dict, key, value);
    Py_XDECREF(key);
    Py_XDECREF(value);
    return rc;
}

static int
build_code_tables(sslx_state *st)
{
    st->lib_codes_to_names = PyDict_New();
    st->err_codes_to_names = PyDict_New();
    if (!st->lib_codes_to_names || !st->err_codes_to_names)
        return -1;
    for (const sslx_lib_code *l = sslx_lib_codes; l->name; l++)
        if (set_new_item(st->lib_codes_to_names, PyLong_FromLong(l->code),
                         PyUnicode_FromString(l->name)) < 0)
            return -1;
    for (const sslx_reason_code *r = sslx_reason_codes; r->lib; r++)
        if (set_new_item(st->err_codes_to_names, Py_BuildValue("(ii)", r->libcode, r->reasoncode),
                         PyUnicode_FromString(r->reason)) < 0)
            return -1;
    return 0;
}

int
sslx_errors_setup(PyObject *module, sslx_state *st)
{
    if (!take_stdlib_exceptions(st) && make_fallback_exceptions(module, st) < 0)
        return -1;
    if (build_code_tables(st) < 0)
        return -1;
    if (PyModule_AddObjectRef(module, "SSLError", st->SSLError) < 0
        || PyModule_AddObjectRef(module, "SSLZeroReturnError", st->SSLZeroReturnError) < 0
        || PyModule_AddObjectRef(module, "SSLWantReadError", st->SSLWantReadError) < 0
        || PyModule_AddObjectRef(module, "SSLWantWriteError", st->SSLWantWriteError) < 0
        || PyModule_AddObjectRef(module, "SSLSyscallError", st->SSLSyscallError) < 0
        || PyModule_AddObjectRef(module, "SSLEOFError", st->SSLEOFError) < 0
        || PyModule_AddObjectRef(module, "SSLCertVerificationError",
                                 st->SSLCertVerificationError) < 0
        || PyModule_AddObjectRef(module, "CertificateError",
                                 st->SSLCertVerificationError) < 0
        || PyModule_AddObjectRef(module, "err_codes_to_names", st->err_codes_to_names) < 0
        || PyModule_AddObjectRef(module, "lib_codes_to_names", st->lib_codes_to_names) < 0)
        return -1;
    return 0;
}
