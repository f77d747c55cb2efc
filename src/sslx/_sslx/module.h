/* module.h - the sslx._sslx module: per-module state and the setup hooks
 * of each C file.
 *
 * Every Python type of the extension is a heap type created in module exec;
 * its pointer lives in sslx_state, never in a static variable.  A C file
 * that defines a type exposes `int sslx_<file>_setup(PyObject *module,
 * sslx_state *st)` returning 0 or -1 with an exception set.
 */
#ifndef SSLX_MODULE_H
#define SSLX_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#define SSLX_MODULE_NAME "sslx._sslx"

typedef struct {
    /* Exception classes: the stdlib ssl's own classes when it imports,
     * so `except ssl.SSLWantReadError` in stdlib code (asyncio) catches
     * what sslx raises.  See errors.c. */
    PyObject *SSLError;
    PyObject *SSLZeroReturnError;
    PyObject *SSLWantReadError;
    PyObject *SSLWantWriteError;
    PyObject *SSLSyscallError;
    PyObject *SSLEOFError;
    PyObject *SSLCertVerificationError;

    /* Types defined by this extension. */
    PyTypeObject *SSLContext_Type;
    PyTypeObject *MemoryBIO_Type;
    PyTypeObject *SSLObject_Type;
    PyTypeObject *SSLSession_Type;
    PyTypeObject *SSLSocket_Type;
    PyTypeObject *Certificate_Type;
    PyTypeObject *ConnectionView_Type;  /* the private _sslobj (connview.c) */
    PyTypeObject *AsyncioSSLProtocol_Type;   /* asyncio_protocol.c */
    PyTypeObject *AsyncioSSLTransport_Type;  /* asyncio_transport.c */
    /* sslx._asyncio, once it registered itself (_asyncio_register):
     * asyncio's logger, exceptions and constants for the types above. */
    PyObject *asyncio_glue;

    /* The stdlib's ssl.SSLContext, ssl.SSLSocket and ssl.SSLObject: the
     * bases of sslx's classes (pybase.c).  Without a stdlib ssl module,
     * plain Python classes of the same names stand in. */
    PyObject *stdlib_SSLContext;
    PyObject *stdlib_SSLSocket;
    PyObject *stdlib_SSLObject;

    /* Helpers from other modules, resolved once at import. */
    PyObject *socket_type;          /* socket.socket */
    /* _socket.socket's own methods, called on SSLSockets so that what a
     * Python subclass overrides does not change how the engine waits or
     * which descriptor it uses (the stdlib reads the C fields). */
    PyObject *socket_gettimeout;
    PyObject *socket_fileno;
    PyObject *socket_getpeername;
    PyObject *DefaultVerifyPaths;   /* collections.namedtuple class */

    /* Enum classes built by __init__.py and handed back through
     * _register_enums(); NULL until then (values are then plain ints). */
    PyObject *VerifyMode;
    PyObject *VerifyFlags;
    PyObject *Options;
    PyObject *TLSVersion;
    PyObject *SSLMethod;

    /* Error-code tables: {(lib, reason): "REASON"}, {lib: "LIB"}. */
    PyObject *err_codes_to_names;
    PyObject *lib_codes_to_names;

    /* ex_data index under which an SSL* keeps its owning connection. */
    int ssl_ex_index;

    /* The thread in which wrap_socket() runs an sslsocket_class's own
     * __new__: SSLSocket.__new__ allocates there instead of refusing
     * (sslsocket.c).  0: none. */
    unsigned long socket_new_allowed_in;
} sslx_state;

extern struct PyModuleDef sslx_moduledef;

/* State of the sslx module that defined `type` or one of its bases
 * (user subclasses of SSLContext must work too).  Never fails for types
 * derived from sslx's own. */
sslx_state *sslx_state_from_type(PyTypeObject *type);
sslx_state *sslx_state_from_module(PyObject *module);

/* The cast a method table needs for a METH_VARARGS | METH_KEYWORDS (or
 * METH_FASTCALL) function, whose C type is not PyCFunction's. */
#define SSLX_KW_METHOD(f) ((PyCFunction)(void (*)(void))(f))

/* How Python's argument errors name the type of `obj` ("None" for None). */
const char *sslx_arg_type_name(PyObject *obj);

/* Attribute setters call this first: deleting (value NULL) raises the
 * interpreter's AttributeError for the named attribute and returns -1. */
int sslx_refuse_delete(PyObject *value, const char *type_name, const char *attr);

/* `first, second = obj` as Python unpacks it (any iterable of exactly two
 * items, Python's errors for other shapes): 0 with two new references,
 * or -1 with an exception set. */
int sslx_unpack_pair(PyObject *obj, PyObject **first, PyObject **second);

/* obj.name(arg, **kwargs): a new reference, or NULL with an exception. */
PyObject *sslx_call_method_kw(PyObject *obj, const char *name, PyObject *arg,
                              PyObject *kwargs);

/* Add an int constant; returns -1 on failure. */
int sslx_add_int(PyObject *module, const char *name, long long value);
/* Add `value` (a new reference, stolen; NULL means an error is set). */
int sslx_add_new(PyObject *module, const char *name, PyObject *value);

/* `value` as a member of one of the enum classes above (a new reference),
 * or a plain int before the enums are registered. */
PyObject *sslx_enum_value(PyObject *enum_class, long long value);

/* Per-file setup hooks, called in this order from module exec. */
int sslx_errors_setup(PyObject *module, sslx_state *st);
int sslx_constants_setup(PyObject *module, sslx_state *st);
int sslx_functions_setup(PyObject *module, sslx_state *st);
int sslx_certtime_setup(PyObject *module, sslx_state *st);
int sslx_pem_setup(PyObject *module, sslx_state *st);
int sslx_hostname_setup(PyObject *module, sslx_state *st);
int sslx_distrust_setup(PyObject *module, sslx_state *st);
int sslx_pybase_setup(PyObject *module, sslx_state *st);
int sslx_context_setup(PyObject *module, sslx_state *st);
int sslx_memorybio_setup(PyObject *module, sslx_state *st);
int sslx_session_setup(PyObject *module, sslx_state *st);
int sslx_sslobject_setup(PyObject *module, sslx_state *st);
int sslx_sslsocket_setup(PyObject *module, sslx_state *st);
int sslx_connview_setup(PyObject *module, sslx_state *st);
int sslx_certgen_setup(PyObject *module, sslx_state *st);
int sslx_certdecode_setup(PyObject *module, sslx_state *st);
int sslx_certificate_setup(PyObject *module, sslx_state *st);   /* sslx.Certificate */
int sslx_bio_stdlib_setup(PyObject *module, sslx_state *st);
int sslx_asyncio_protocol_setup(PyObject *module, sslx_state *st);
int sslx_asyncio_transport_setup(PyObject *module, sslx_state *st);

#endif
