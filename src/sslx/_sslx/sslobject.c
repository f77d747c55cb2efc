/* sslobject.c - SSLObject: a TLS connection whose bytes go through two
 * MemoryBIOs.  All behaviour is the engine's (conn.c, conn_py.c); this
 * file adds the type, do_handshake and unwrap. */
#include "sslobject.h"
#include "connview.h"
#include "conn_py.h"

typedef struct {
    PyObject_HEAD
    PyObject *weakreflist;
    sslx_conn conn;     /* must stay the last member: see conn.h */
} sslx_sslobject;

_Static_assert(offsetof(sslx_sslobject, conn) + sizeof(sslx_conn) == sizeof(sslx_sslobject),
               "the engine must be the last member, with no padding after it");

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
    sslx_conn *c = sslx_conn_of(self);
    if (sslx_conn_init(c, st, self, context, server_side, server_hostname, session) < 0
        || sslx_conn_start_bio(c, incoming, outgoing) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return self;
}

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
        sslx_conn *c = &((sslx_sslobject *)self)->conn;
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
sslobject_traverse(sslx_sslobject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    return sslx_conn_traverse(&self->conn, visit, arg);
}

static int
sslobject_clear(sslx_sslobject *self)
{
    sslx_conn_clear(&self->conn);
    return 0;
}

static void
sslobject_dealloc(sslx_sslobject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    /* A `_sslobj` view still alive takes the connection over. */
    if (sslx_connview_orphan(&self->conn) < 0)
        PyErr_WriteUnraisable((PyObject *)self);
    sslx_conn_free(&self->conn);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *
sslobject_do_handshake(sslx_sslobject *self, PyObject *unused)
{
    (void)unused;
    if (sslx_conn_handshake(&self->conn, 0) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* Send close_notify; done when the peer's arrived too (else
 * SSLWantReadError: feed its bytes and call again). */
static PyObject *
sslobject_unwrap(sslx_sslobject *self, PyObject *unused)
{
    (void)unused;
    if (sslx_conn_shutdown(&self->conn, 0) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef sslobject_methods[] = {
    {"do_handshake", (PyCFunction)sslobject_do_handshake, METH_NOARGS,
     "Start or continue the TLS handshake."},
    {"unwrap", (PyCFunction)sslobject_unwrap, METH_NOARGS,
     "Close the TLS layer: send close_notify, then wait for the peer's."},
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
    sslx_conn *c = sslx_conn_of(self);
    return c == NULL ? NULL : sslx_connview_of(c->st, self, c);
}

static PyGetSetDef sslobject_getset[] = {
    {"_sslobj", sslobject_get_internals, NULL, NULL, NULL},
    {"owner", sslobject_get_self, NULL, NULL, NULL},
    SSLX_CONN_GETSET,
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef sslobject_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(sslx_sslobject, weakreflist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot sslobject_slots[] = {
    {Py_tp_new, sslobject_new},
    {Py_tp_init, sslobject_init},
    {Py_tp_dealloc, sslobject_dealloc},
    {Py_tp_traverse, sslobject_traverse},
    {Py_tp_clear, sslobject_clear},
    {Py_tp_methods, sslobject_methods},
    {Py_tp_getset, sslobject_getset},
    {Py_tp_members, sslobject_members},
    {Py_tp_doc, "A TLS connection over two MemoryBIOs; made by SSLContext.wrap_bio()."},
    {0, NULL},
};

static PyType_Spec sslobject_spec = {
    .name = "sslx.SSLObject",
    .basicsize = sizeof(sslx_sslobject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = sslobject_slots,
};

int
sslx_sslobject_setup(PyObject *module, sslx_state *st)
{
    st->SSLObject_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &sslobject_spec,
                                                                   NULL);
    if (st->SSLObject_Type == NULL)
        return -1;
    return PyModule_AddType(module, st->SSLObject_Type);
}
