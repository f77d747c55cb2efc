/* pybase.c - living inside the stdlib's Python classes.
 *
 * sslx.SSLContext, SSLSocket and SSLObject are C subtypes of the stdlib's
 * ssl.SSLContext, ssl.SSLSocket and ssl.SSLObject (so isinstance() checks
 * in other libraries pass).  Those are Python classes: every instance
 * carries the instance dictionary (and weak reference list) that a Python
 * class gives, stored where the interpreter version puts it - inside the
 * object on 3.10, before it ("managed") from 3.11, with 3.12 managing the
 * weak references too.  The functions here reach that dictionary the way
 * each version allows; the weak references are PyObject_ClearWeakRefs()'s
 * business on every version.
 *
 * Nothing of the stdlib's C base (_ssl._SSLContext) is ever initialised
 * or used: its part of the object stays zeroed, and sslx's own methods
 * shadow every name the stdlib classes define (the types' setup checks
 * that no stdlib method is left reachable, see sslx_pybase_shadowed()). */
#include "pybase.h"

int
sslx_pybase_traverse(PyObject *self, visitproc visit, void *arg)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyObject_VisitManagedDict(self, visit, arg);
#elif PY_VERSION_HEX >= 0x030C0000
    return _PyObject_VisitManagedDict(self, visit, arg);
#else
    /* 3.10: inside the object; 3.11: before it, a real dictionary (sslx
     * allocates its objects without the inline values 3.11 could use). */
    PyObject **dictptr = _PyObject_GetDictPtr(self);
    if (dictptr != NULL)
        Py_VISIT(*dictptr);
    return 0;
#endif
}

void
sslx_pybase_clear(PyObject *self)
{
#if PY_VERSION_HEX >= 0x030D0000
    PyObject_ClearManagedDict(self);
#elif PY_VERSION_HEX >= 0x030C0000
    _PyObject_ClearManagedDict(self);
#else
    PyObject **dictptr = _PyObject_GetDictPtr(self);
    if (dictptr != NULL)
        Py_CLEAR(*dictptr);
#endif
}

/* Names a Python class defines for itself, not behaviour. */
static int
is_class_metadata(PyObject *name)
{
    static const char *const metadata[] = {"__dict__", "__doc__", "__module__", "__weakref__",
                                           "__qualname__", "__firstlineno__",
                                           "__static_attributes__", "__slotnames__", NULL};
    for (const char *const *m = metadata; *m; m++)
        if (PyUnicode_CompareWithASCIIString(name, *m) == 0)
            return 1;
    return 0;
}

int
sslx_pybase_check_shadowed(PyTypeObject *type, PyTypeObject *stdlib, PyTypeObject *stop)
{
    PyObject *mro = stdlib->tp_mro;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        if (base == stop || base == &PyBaseObject_Type)
            break;
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(base->tp_dict, &pos, &key, &value)) {
            if (!PyUnicode_Check(key) || is_class_metadata(key))
                continue;
            PyObject *found = _PyType_Lookup(type, key);   /* borrowed */
            if (found == value) {
                PyErr_Format(PyExc_ImportError,
                             "sslx: %s.%U would reach the stdlib's implementation",
                             type->tp_name, key);
                return -1;
            }
        }
    }
    return 0;
}

/* A Python class `name` over `base`: what stands in for a stdlib class
 * when the interpreter has no ssl module (it has a dictionary and weak
 * references like the real one). */
static PyObject *
stand_in_class(const char *name, PyObject *base)
{
    return PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){}", name, base);
}

int
sslx_pybase_setup(PyObject *module, sslx_state *st)
{
    (void)module;
    PyObject *ssl = PyImport_ImportModule("ssl");
    if (ssl != NULL && PyObject_HasAttrString(ssl, "_sslx")) {
        /* `ssl` is sslx itself (installed as ssl before this import). */
        Py_CLEAR(ssl);
    }
    if (ssl != NULL) {
        st->stdlib_SSLContext = PyObject_GetAttrString(ssl, "SSLContext");
        st->stdlib_SSLSocket = PyObject_GetAttrString(ssl, "SSLSocket");
        st->stdlib_SSLObject = PyObject_GetAttrString(ssl, "SSLObject");
        Py_DECREF(ssl);
        if (st->stdlib_SSLContext && st->stdlib_SSLSocket && st->stdlib_SSLObject)
            return 0;
        Py_CLEAR(st->stdlib_SSLContext);
        Py_CLEAR(st->stdlib_SSLSocket);
        Py_CLEAR(st->stdlib_SSLObject);
    }
    PyErr_Clear();
    PyObject *socket_mod = PyImport_ImportModule("socket");
    PyObject *socket_type = socket_mod ? PyObject_GetAttrString(socket_mod, "socket") : NULL;
    Py_XDECREF(socket_mod);
    if (socket_type == NULL)
        return -1;
    st->stdlib_SSLContext = stand_in_class("SSLContext", (PyObject *)&PyBaseObject_Type);
    st->stdlib_SSLSocket = stand_in_class("SSLSocket", socket_type);
    st->stdlib_SSLObject = stand_in_class("SSLObject", (PyObject *)&PyBaseObject_Type);
    Py_DECREF(socket_type);
    if (!st->stdlib_SSLContext || !st->stdlib_SSLSocket || !st->stdlib_SSLObject)
        return -1;
    return 0;
}
