/* sslobject.c - SSLObject: a TLS connection whose bytes go through two
 * MemoryBIOs.  All behaviour is the engine's (conn.c, conn_py.c); this
 * file adds the type, do_handshake and unwrap.
 *
 * SSLObject is a C subtype of the stdlib's ssl.SSLObject (a Python class),
 * so isinstance(obj, ssl.SSLObject) holds (without a stdlib ssl module, a
 * stand-in class, pybase.c).  The instance is
 *
 *     [ ssl.SSLObject's tp_basicsize bytes ][ sslx_conn ]
 *
 * and the engine finds its sslx_conn at the end (conn.h).  The base part
 * only holds what a Python class gives every instance (its dictionary and
 * weak references, pybase.c); every name ssl.SSLObject defines is
 * shadowed here or by the engine's shared methods. */
#include "sslobject.h"
#include "connview.h"
#include "conn_py.h"
#include "pybase.h"

static sslx_conn *
engine(PyObject *self)
{
    return sslx_conn_of(self);
}

PyObject *
sslx_sslobject_new(sslx_state *st, sslx_context *context, PyObject *cls, PyObject *incoming,
                   PyObject *outgoing, int server_side, PyObject *server_hostname,
                   PyObject *session)
{
    PyTypeObject *type = st->SSLObject_Type;
    if (cls != NULL && cls != Py_None) {
        if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, type)) {
            PyErr_SetString(PyExc_TypeError, "sslobject_class must be a subclass of SSLObject");
            return NULL;
        }
        type = (PyTypeObject *)cls;
    }
    /* Like the stdlib's _create: cls.__new__(cls) (a subclass's own, if
     * it has one), never __init__. */
    PyObject *empty = PyTuple_New(0);
    if (empty == NULL)
        return NULL;
    PyObject *self = type->tp_new(type, empty, NULL);
    Py_DECREF(empty);
    if (self == NULL)
        return NULL;
    if (!PyObject_TypeCheck(self, type)) {
        PyErr_Format(PyExc_TypeError, "%s.__new__() returned %.200s, not an instance of it",
                     type->tp_name, Py_TYPE(self)->tp_name);
        Py_DECREF(self);
        return NULL;
    }
    sslx_conn *c = engine(self);
    if (sslx_conn_init(c, st, self, context, server_side, server_hostname, session) < 0
        || sslx_conn_start_bio(c, incoming, outgoing) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return self;
}

/* An instance with an empty engine; nothing of the stdlib base is run. */
static PyObject *
sslobject_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    sslx_state *st = sslx_state_from_type(type);
    if (st == NULL)
        return NULL;
    PyObject *self = type->tp_alloc(type, 0);
    if (self != NULL) {
        sslx_conn *c = engine(self);
        c->st = st;
        c->owner = self;
        c->fd = -1;
    }
    return self;
}

static int
sslobject_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)self;
    (void)args;
    (void)kwds;
    PyErr_SetString(PyExc_TypeError,
                    "SSLObject does not have a public constructor. Instances are returned "
                    "by SSLContext.wrap_bio().");
    return -1;
}

static int
sslobject_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    int rc = sslx_pybase_traverse(self, visit, arg);
    return rc ? rc : sslx_conn_traverse(engine(self), visit, arg);
}

static int
sslobject_clear(PyObject *self)
{
    sslx_pybase_clear(self);
    sslx_conn_clear(engine(self));
    return 0;
}

static void
sslobject_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    PyObject_ClearWeakRefs(self);
    sslx_conn *c = engine(self);
    /* A `_sslobj` view still alive takes the connection over. */
    if (sslx_connview_orphan(c) < 0)
        PyErr_WriteUnraisable(self);
    sslx_conn_free(c);
    sslx_pybase_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

PyDoc_STRVAR(sslobject_do_handshake_doc,
"do_handshake($self, /)\n--\n\n"
"Run the TLS handshake as far as the bytes at hand allow.\n\n"
"Returns None once it is complete.  Raises SSLWantReadError when more\n"
"bytes from the peer are needed: send what the outgoing BIO holds, feed\n"
"the peer's answer to the incoming BIO and call again.  Raises\n"
"SSLCertVerificationError when the peer's certificate or name does not\n"
"verify, SSLError subclasses for other TLS failures.");

static PyObject *
sslobject_do_handshake(PyObject *self, PyObject *unused)
{
    (void)unused;
    if (sslx_conn_handshake(engine(self), 0) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* Send close_notify; done when the peer's arrived too (else
 * SSLWantReadError: feed its bytes and call again). */
PyDoc_STRVAR(sslobject_unwrap_doc,
"unwrap($self, /)\n--\n\n"
"Close the TLS layer: send the TLS close_notify alert and receive the\n"
"peer's.\n\n"
"Returns None once both are done.  Raises SSLWantReadError while the\n"
"peer's alert has not arrived: send what the outgoing BIO holds, feed\n"
"the incoming one and call again.  Raises SSLError subclasses for TLS\n"
"failures.");

static PyObject *
sslobject_unwrap(PyObject *self, PyObject *unused)
{
    (void)unused;
    if (sslx_conn_shutdown(engine(self), 0) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* The stdlib's private constructor, a classmethod; sslx makes its
 * objects in SSLContext.wrap_bio() only. */
static PyObject *
sslobject_create(PyObject *cls, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    PyErr_Format(PyExc_TypeError, "%s objects are made by SSLContext.wrap_bio()",
                 ((PyTypeObject *)cls)->tp_name);
    return NULL;
}

static PyMethodDef sslobject_methods[] = {
    {"do_handshake", sslobject_do_handshake, METH_NOARGS, sslobject_do_handshake_doc},
    {"unwrap", sslobject_unwrap, METH_NOARGS, sslobject_unwrap_doc},
    {"_create", SSLX_KW_METHOD(sslobject_create), METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     NULL},
    SSLX_CONN_METHODS,
    SSLX_CONN_PEER_METHODS,
    {NULL, NULL, 0, NULL},
};

/* The stdlib's SSLObject is a Python shell around a C object kept in
 * `_sslobj` (whose `owner` is the shell); code that peeks at these finds
 * sslx's SSLObject, which is both. */
static PyObject *
sslobject_get_self(PyObject *self, void *closure)
{
    (void)closure;
    return Py_NewRef(self);
}

static PyObject *
sslobject_get_internals(PyObject *self, void *closure)
{
    (void)closure;
    sslx_conn *c = engine(self);
    return c == NULL ? NULL : sslx_connview_of(c->st, self, c);
}

static PyGetSetDef sslobject_getset[] = {
    {"_sslobj", sslobject_get_internals, NULL, NULL, NULL},
    {"owner", sslobject_get_self, NULL,
     "The SSLObject itself (the stdlib keeps the object of its internal\n"
     "connection here; code reading it gets this object).", NULL},
    SSLX_CONN_IDENTITY_GETSET,
    SSLX_CONN_GETSET,
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(sslobject_doc,
"SSLObject(*args, **kwargs)\n--\n\n"
"A TLS connection whose encrypted bytes pass through two MemoryBIOs\n"
"instead of a socket, for programs that do their own I/O (asyncio).\n\n"
"Made by SSLContext.wrap_bio(); calling the class raises TypeError.  The\n"
"methods never block: where they need bytes from the peer they raise\n"
"SSLWantReadError, and the program moves bytes between the BIOs and the\n"
"network and calls again.");

static PyType_Slot sslobject_slots[] = {
    {Py_tp_new, sslobject_new},
    {Py_tp_init, sslobject_init},
    {Py_tp_dealloc, sslobject_dealloc},
    {Py_tp_traverse, sslobject_traverse},
    {Py_tp_clear, sslobject_clear},
    {Py_tp_methods, sslobject_methods},
    {Py_tp_getset, sslobject_getset},
    {Py_tp_doc, (void *)sslobject_doc},
    {0, NULL},
};

int
sslx_sslobject_setup(PyObject *module, sslx_state *st)
{
    /* The stdlib's class (or its stand-in, pybase.c); sslx's part goes
     * after the base's. */
    PyObject *base = st->stdlib_SSLObject;
    Py_ssize_t base_size = ((PyTypeObject *)base)->tp_basicsize;
    PyType_Spec spec = {
        .name = "sslx.SSLObject",
        .basicsize = (int)(base_size + sizeof(sslx_conn)),
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
        .slots = sslobject_slots,
    };
    PyObject *bases = PyTuple_Pack(1, base);
    if (bases == NULL)
        return -1;
    st->SSLObject_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, bases);
    Py_DECREF(bases);
    if (st->SSLObject_Type == NULL)
        return -1;
    if (sslx_pybase_check_shadowed(st->SSLObject_Type, (PyTypeObject *)base,
                                   &PyBaseObject_Type) < 0)
        return -1;
    return PyModule_AddType(module, st->SSLObject_Type);
}
