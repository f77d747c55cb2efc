/* connview.c - the private `_sslobj` of SSLSocket and SSLObject.
 *
 * In the stdlib, SSLSocket._sslobj and SSLObject._sslobj are a private
 * _ssl._SSLSocket whose get_verified_chain()/get_unverified_chain() give
 * Certificate objects (None without a chain) on every version, while the
 * public methods of 3.13 give DER bytes.  On 3.10-3.12 the private ones
 * are the only way to get a chain, and code written then calls them.
 *
 * sslx keeps no second object per connection: `_sslobj` is this thin
 * view, made when asked for.  It answers those two methods in their
 * private form; every other attribute is read from, or written to, the
 * connection itself (the stdlib's Python layer writes `_sslobj.context`). */
#include "connview.h"
#include "conn_py.h"

typedef struct {
    PyObject_HEAD
    PyObject *owner;    /* the SSLSocket or SSLObject */
} sslx_connview;

static PyObject *
connview_verified_chain(sslx_connview *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_private_chain(self->owner, 1);
}

static PyObject *
connview_unverified_chain(sslx_connview *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_private_chain(self->owner, 0);
}

/* The view's own attributes first (the two methods, __class__...), then
 * the connection's. */
static PyObject *
connview_getattro(sslx_connview *self, PyObject *name)
{
    PyObject *value = PyObject_GenericGetAttr((PyObject *)self, name);
    if (value != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError))
        return value;
    PyErr_Clear();
    return PyObject_GetAttr(self->owner, name);
}

static int
connview_setattro(sslx_connview *self, PyObject *name, PyObject *value)
{
    return PyObject_SetAttr(self->owner, name, value);
}

static PyObject *
connview_repr(sslx_connview *self)
{
    return PyUnicode_FromFormat("<sslx connection internals of %R>", self->owner);
}

static int
connview_traverse(sslx_connview *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->owner);
    return 0;
}

static int
connview_clear(sslx_connview *self)
{
    Py_CLEAR(self->owner);
    return 0;
}

static void
connview_dealloc(sslx_connview *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    connview_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef connview_methods[] = {
    {"get_verified_chain", (PyCFunction)connview_verified_chain, METH_NOARGS,
     "The verified chain as Certificate objects, or None."},
    {"get_unverified_chain", (PyCFunction)connview_unverified_chain, METH_NOARGS,
     "The peer's chain as Certificate objects, or None."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot connview_slots[] = {
    {Py_tp_getattro, connview_getattro},
    {Py_tp_setattro, connview_setattro},
    {Py_tp_repr, connview_repr},
    {Py_tp_traverse, connview_traverse},
    {Py_tp_clear, connview_clear},
    {Py_tp_dealloc, connview_dealloc},
    {Py_tp_methods, connview_methods},
    {Py_tp_doc, "The private _sslobj of an SSLSocket or SSLObject (stdlib compatibility)."},
    {0, NULL},
};

static PyType_Spec connview_spec = {
    .name = "sslx._ConnectionInternals",
    .basicsize = sizeof(sslx_connview),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE
             | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = connview_slots,
};

PyObject *
sslx_connview_new(sslx_state *st, PyObject *owner)
{
    sslx_connview *view = PyObject_GC_New(sslx_connview, st->ConnectionView_Type);
    if (view == NULL)
        return NULL;
    view->owner = Py_NewRef(owner);
    PyObject_GC_Track(view);
    return (PyObject *)view;
}

int
sslx_connview_setup(PyObject *module, sslx_state *st)
{
    st->ConnectionView_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &connview_spec,
                                                                        NULL);
    return st->ConnectionView_Type == NULL ? -1 : 0;
}
