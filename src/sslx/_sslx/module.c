/* module.c - module definition, per-module state, exec.
 *
 * The module is multi-phase initialised; every C file contributes its types,
 * functions and constants through its sslx_<file>_setup() hook. */
#include "module.h"
#include "truststore.h"

sslx_state *
sslx_state_from_module(PyObject *module)
{
    return (sslx_state *)PyModule_GetState(module);
}

/* Find sslx's module through the MRO, so that subclasses defined in Python
 * (class MyContext(sslx.SSLContext)) reach the state of their base.
 * PyType_GetModuleByDef does this on 3.11+, but sslx supports 3.10. */
sslx_state *
sslx_state_from_type(PyTypeObject *type)
{
    PyObject *mro = type->tp_mro;
    Py_ssize_t i, n = mro ? PyTuple_GET_SIZE(mro) : 0;
    for (i = 0; i < n; i++) {
        PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        if (!PyType_HasFeature(base, Py_TPFLAGS_HEAPTYPE))
            continue;
        PyObject *module = ((PyHeapTypeObject *)base)->ht_module;
        if (module && PyModule_GetDef(module) == &sslx_moduledef)
            return sslx_state_from_module(module);
    }
    PyErr_Format(PyExc_SystemError, "type %s is not derived from an sslx type",
                 type->tp_name);
    return NULL;
}

const char *
sslx_arg_type_name(PyObject *obj)
{
    return obj == Py_None ? "None" : Py_TYPE(obj)->tp_name;
}

int
sslx_refuse_delete(PyObject *value, const char *type_name, const char *attr)
{
    if (value != NULL)
        return 0;
    PyErr_Format(PyExc_AttributeError, "attribute '%s' of '%s' objects cannot be deleted",
                 attr, type_name);
    return -1;
}

/* From 3.14 Python names the count for an exact list, tuple or dict. */
static void
raise_too_many_values(PyObject *obj)
{
    Py_ssize_t n = -1;
    if (PY_VERSION_HEX >= 0x030E0000) {
        if (PyList_CheckExact(obj) || PyTuple_CheckExact(obj) || PyDict_CheckExact(obj))
            n = PyObject_Size(obj);
    }
    if (n >= 0)
        PyErr_Format(PyExc_ValueError, "too many values to unpack (expected 2, got %zd)", n);
    else
        PyErr_SetString(PyExc_ValueError, "too many values to unpack (expected 2)");
}

int
sslx_unpack_pair(PyObject *obj, PyObject **first, PyObject **second)
{
    *first = *second = NULL;
    PyObject *it = PyObject_GetIter(obj);
    if (it == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "cannot unpack non-iterable %.100s object",
                         Py_TYPE(obj)->tp_name);
        }
        return -1;
    }
    int got = 0;
    PyObject *items[3] = {NULL, NULL, NULL};
    while (got < 3 && (items[got] = PyIter_Next(it)) != NULL)
        got++;
    Py_DECREF(it);
    if (PyErr_Occurred() || got != 2) {
        if (!PyErr_Occurred() && got < 2)
            PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected 2, got %d)",
                         got);
        else if (!PyErr_Occurred())
            raise_too_many_values(obj);
        for (int i = 0; i < got; i++)
            Py_DECREF(items[i]);
        return -1;
    }
    *first = items[0];
    *second = items[1];
    return 0;
}

PyObject *
sslx_call_method_kw(PyObject *obj, const char *name, PyObject *arg, PyObject *kwargs)
{
    PyObject *method = PyObject_GetAttrString(obj, name);
    if (method == NULL)
        return NULL;
    PyObject *args = PyTuple_Pack(1, arg);
    PyObject *result = args ? PyObject_Call(method, args, kwargs) : NULL;
    Py_XDECREF(args);
    Py_DECREF(method);
    return result;
}

int
sslx_add_int(PyObject *module, const char *name, long long value)
{
    PyObject *v = PyLong_FromLongLong(value);
    if (v == NULL)
        return -1;
    int rc = PyModule_AddObjectRef(module, name, v);
    Py_DECREF(v);
    return rc;
}

int
sslx_add_new(PyObject *module, const char *name, PyObject *value)
{
    if (value == NULL)
        return -1;
    int rc = PyModule_AddObjectRef(module, name, value);
    Py_DECREF(value);
    return rc;
}

PyObject *
sslx_enum_value(PyObject *enum_class, long long value)
{
    PyObject *n = PyLong_FromLongLong(value);
    if (n == NULL || enum_class == NULL)
        return n;
    PyObject *member = PyObject_CallOneArg(enum_class, n);
    Py_DECREF(n);
    return member;
}

/* _register_enums(VerifyMode=..., VerifyFlags=..., Options=...,
 *                 TLSVersion=..., SSLMethod=...): called once by
 * __init__.py, so C getters can return enum members. */
static PyObject *
register_enums(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"VerifyMode", "VerifyFlags", "Options", "TLSVersion",
                             "SSLMethod", NULL};
    PyObject *vm, *vf, *op, *tv, *sm;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOO:_register_enums", kwlist, &vm, &vf,
                                     &op, &tv, &sm))
        return NULL;
    sslx_state *st = sslx_state_from_module(module);
    Py_XSETREF(st->VerifyMode, Py_NewRef(vm));
    Py_XSETREF(st->VerifyFlags, Py_NewRef(vf));
    Py_XSETREF(st->Options, Py_NewRef(op));
    Py_XSETREF(st->TLSVersion, Py_NewRef(tv));
    Py_XSETREF(st->SSLMethod, Py_NewRef(sm));
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"_register_enums", (PyCFunction)(void (*)(void))register_enums,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {NULL, NULL, 0, NULL},
};

static int
sslx_exec(PyObject *module)
{
    sslx_state *st = sslx_state_from_module(module);
    st->ssl_ex_index = SSL_get_ex_new_index(0, "sslx connection", NULL, NULL, NULL);
    if (st->ssl_ex_index < 0) {
        PyErr_SetString(PyExc_RuntimeError, "SSL_get_ex_new_index failed");
        return -1;
    }
    if (sslx_errors_setup(module, st) < 0
        || sslx_constants_setup(module, st) < 0
        || sslx_functions_setup(module, st) < 0
        || sslx_certtime_setup(module, st) < 0
        || sslx_pem_setup(module, st) < 0
        || sslx_hostname_setup(module, st) < 0
        || sslx_distrust_setup(module, st) < 0
        || sslx_truststore_setup(module, st) < 0
        || sslx_pybase_setup(module, st) < 0
        || sslx_context_setup(module, st) < 0
        || sslx_memorybio_setup(module, st) < 0
        || sslx_session_setup(module, st) < 0
        || sslx_sslobject_setup(module, st) < 0
        || sslx_sslsocket_setup(module, st) < 0
        || sslx_connview_setup(module, st) < 0
        || sslx_certgen_setup(module, st) < 0
        || sslx_certdecode_setup(module, st) < 0
        || sslx_certificate_setup(module, st) < 0
        || sslx_bio_stdlib_setup(module, st) < 0
        || sslx_asyncio_transport_setup(module, st) < 0
        || sslx_asyncio_protocol_setup(module, st) < 0)
        return -1;
    return 0;
}

#define SSLX_STATE_MEMBERS(X) \
    X(SSLError) X(SSLZeroReturnError) X(SSLWantReadError) X(SSLWantWriteError) \
    X(SSLSyscallError) X(SSLEOFError) X(SSLCertVerificationError) \
    X(SSLContext_Type) X(MemoryBIO_Type) X(SSLObject_Type) X(SSLSession_Type) \
    X(SSLSocket_Type) X(Certificate_Type) X(ConnectionView_Type) X(socket_type) \
    X(AsyncioSSLProtocol_Type) X(AsyncioSSLTransport_Type) X(asyncio_glue) \
    X(stdlib_SSLContext) X(stdlib_SSLSocket) X(stdlib_SSLObject) \
    X(socket_gettimeout) X(socket_fileno) X(socket_getpeername) X(DefaultVerifyPaths) \
    X(err_codes_to_names) X(lib_codes_to_names) \
    X(VerifyMode) X(VerifyFlags) X(Options) X(TLSVersion) X(SSLMethod)

static int
sslx_traverse(PyObject *module, visitproc visit, void *arg)
{
    sslx_state *st = sslx_state_from_module(module);
#define VISIT(name) Py_VISIT(st->name);
    SSLX_STATE_MEMBERS(VISIT)
#undef VISIT
    return 0;
}

static int
sslx_clear(PyObject *module)
{
    sslx_state *st = sslx_state_from_module(module);
#define CLEAR(name) Py_CLEAR(st->name);
    SSLX_STATE_MEMBERS(CLEAR)
#undef CLEAR
    return 0;
}

static void
sslx_free(void *module)
{
    sslx_clear((PyObject *)module);
}

static PyModuleDef_Slot sslx_slots[] = {
    {Py_mod_exec, sslx_exec},
    {0, NULL},
};

struct PyModuleDef sslx_moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = SSLX_MODULE_NAME,
    .m_doc = "TLS/SSL wrapper for socket objects, implemented on OpenSSL 3.",
    .m_size = sizeof(sslx_state),
    .m_methods = module_methods,
    .m_slots = sslx_slots,
    .m_traverse = sslx_traverse,
    .m_clear = sslx_clear,
    .m_free = sslx_free,
};

PyMODINIT_FUNC
PyInit__sslx(void)
{
    return PyModuleDef_Init(&sslx_moduledef);
}
