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
 * private form, read() without suppressing ragged EOFs, and the kernel
 * TLS methods (sendfile, uses_ktls_for_send/recv) of 3.14's private
 * object; every other attribute is read from, or written to, the
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
/* read(len=1024, buffer=None): the connection's read, without the ragged
 * EOF suppression of SSLSocket.recv() (the stdlib's private object raises
 * SSLEOFError; its Python layer decides). */
static PyObject *
connview_read(sslx_connview *self, PyObject *args, PyObject *kwds)
{
    return sslx_conn_read_method(self->owner, args, kwds, 1);
}

/* sendfile(fd, offset, size): SSL_sendfile, for kernel TLS. */
static PyObject *
connview_sendfile(sslx_connview *self, PyObject *args)
{
    int fd;
    long long offset;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "iLn:sendfile", &fd, &offset, &size))
        return NULL;
    if (offset < 0 || size < 0) {
        PyErr_SetString(PyExc_ValueError, "offset and size must not be negative");
        return NULL;
    }
    sslx_conn *c = sslx_conn_of(self->owner);
    if (c == NULL)
        return NULL;
    double timeout = sslx_conn_timeout(c);
    if (timeout == -2.0)
        return NULL;
    Py_ssize_t n = sslx_conn_sendfile(c, fd, (off_t)offset, (size_t)size, timeout);
    return n < 0 ? NULL : PyLong_FromSsize_t(n);
}

static PyObject *
uses_ktls(sslx_connview *self, int for_send)
{
    sslx_conn *c = sslx_conn_of(self->owner);
    return c == NULL ? NULL : PyBool_FromLong(sslx_conn_uses_ktls(c, for_send));
}

static PyObject *
connview_uses_ktls_for_send(sslx_connview *self, PyObject *unused)
{
    (void)unused;
    return uses_ktls(self, 1);
}

static PyObject *
connview_uses_ktls_for_recv(sslx_connview *self, PyObject *unused)
{
    (void)unused;
    return uses_ktls(self, 0);
}

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
    {"read", SSLX_KW_METHOD(connview_read), METH_VARARGS | METH_KEYWORDS,
     "read(len=1024, buffer=None): read, raising SSLEOFError at a ragged end."},
    {"sendfile", (PyCFunction)connview_sendfile, METH_VARARGS,
     "sendfile(fd, offset, size): send a file's bytes through kernel TLS."},
    {"uses_ktls_for_send", (PyCFunction)connview_uses_ktls_for_send, METH_NOARGS,
     "Whether kernel TLS encrypts what this connection sends."},
    {"uses_ktls_for_recv", (PyCFunction)connview_uses_ktls_for_recv, METH_NOARGS,
     "Whether kernel TLS decrypts what this connection receives."},
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
