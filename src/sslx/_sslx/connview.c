/* connview.c - the private `_sslobj` of SSLSocket and SSLObject.
 *
 * In the stdlib, SSLSocket._sslobj and SSLObject._sslobj are a private
 * _ssl._SSLSocket whose get_verified_chain()/get_unverified_chain() give
 * Certificate objects (None without a chain) on every version, while the
 * public methods of 3.13 give DER bytes.  On 3.10-3.12 the private ones
 * are the only way to get a chain, and code written then calls them.
 *
 * sslx keeps no second object per connection: `_sslobj` is this view of
 * the connection, one per connection while anyone holds it.  It answers
 * those two methods in their private form, read() without suppressing
 * ragged EOFs, and the kernel TLS methods (sendfile, uses_ktls_for_send/
 * recv) of 3.14's private object; every other attribute is read from, or
 * written to, the connection itself (the stdlib's Python layer writes
 * `_sslobj.context`).
 *
 * Like the stdlib's private object, the view holds its owner weakly and
 * may outlive it.  When an SSLObject dies while its view lives, its
 * connection (SSL* and memory BIOs) moves into a hidden SSLObject the view
 * keeps, with no owner recorded in the SSL*: OpenSSL callbacks that need
 * the owner then fail the handshake ("callback failed"), as the stdlib's
 * do (gh-146080), instead of running with a dead object, while the view's
 * attributes and methods go on working (`owner` is None then).  An
 * SSLSocket's descriptor dies with it, so its view is left with nothing. */
#include "connview.h"
#include "conn_py.h"

typedef struct {
    PyObject_HEAD
    PyObject *owner_ref;    /* weak reference to the SSLSocket or SSLObject */
    PyObject *orphan;       /* a hidden SSLObject holding a dead owner's connection */
    /* BORROWED: the connection whose `view` is this one, or NULL.  The two
     * borrowed pointers clear each other: the view's dealloc clears the
     * connection's, the connection's end (sslx_connview_orphan) this one.
     * The owner's weak reference cannot stand in for it: an owner being
     * destroyed drops its weak references before its __dict__, which may
     * hold the view's last reference. */
    sslx_conn *conn;
} sslx_connview;

/* The owner (a new reference), or NULL when it is gone (no exception). */
static PyObject *
owner_get(sslx_connview *self)
{
    if (self->owner_ref == NULL)
        return NULL;
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *owner;
    if (PyWeakref_GetRef(self->owner_ref, &owner) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return owner;
#else
    PyObject *owner = PyWeakref_GetObject(self->owner_ref);
    return owner == Py_None ? NULL : Py_NewRef(owner);
#endif
}

/* The object whose connection the view speaks for: the owner, or the
 * hidden SSLObject holding a dead owner's connection.  A new reference,
 * or NULL with `error` (an exception class) set when there is none. */
static PyObject *
holder_get(sslx_connview *self, PyObject *error)
{
    PyObject *holder = owner_get(self);
    if (holder == NULL && self->orphan != NULL)
        holder = Py_NewRef(self->orphan);
    if (holder == NULL)
        PyErr_SetString(error, "the TLS connection is gone with its socket");
    return holder;
}

/* A call on the holder's connection: NULL (exception set) when there is
 * none; release *holder afterwards. */
static sslx_conn *
engine_of(sslx_connview *self, PyObject **holder)
{
    *holder = holder_get(self, PyExc_ValueError);
    return *holder != NULL ? sslx_conn_of(*holder) : NULL;
}

static PyObject *
chain(sslx_connview *self, int verified)
{
    PyObject *holder = holder_get(self, PyExc_ValueError);
    if (holder == NULL) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    PyObject *result = sslx_conn_private_chain(holder, verified);
    Py_DECREF(holder);
    return result;
}

static PyObject *
connview_verified_chain(sslx_connview *self, PyObject *unused)
{
    (void)unused;
    return chain(self, 1);
}

static PyObject *
connview_unverified_chain(sslx_connview *self, PyObject *unused)
{
    (void)unused;
    return chain(self, 0);
}

/* do_handshake(): the owner's, or the taken-over connection's. */
static PyObject *
connview_do_handshake(sslx_connview *self, PyObject *unused)
{
    (void)unused;
    PyObject *holder = holder_get(self, PyExc_ValueError);
    if (holder == NULL)
        return NULL;
    PyObject *result = PyObject_CallMethod(holder, "do_handshake", NULL);
    Py_DECREF(holder);
    return result;
}

/* `owner`: the SSLSocket or SSLObject, None once it is gone. */
static PyObject *
connview_get_owner(sslx_connview *self, void *closure)
{
    (void)closure;
    PyObject *owner = owner_get(self);
    return owner != NULL ? owner : Py_NewRef(Py_None);
}

/* read(len=1024, buffer=None): the connection's read, without the ragged
 * EOF suppression of SSLSocket.recv() (the stdlib's private object raises
 * SSLEOFError; its Python layer decides). */
static PyObject *
connview_read(sslx_connview *self, PyObject *args, PyObject *kwds)
{
    PyObject *owner;
    sslx_conn *c = engine_of(self, &owner);
    PyObject *result = c == NULL ? NULL : sslx_conn_read_method(c, args, kwds, 1);
    Py_XDECREF(owner);
    return result;
}

/* sendfile(fd, offset, size, flags=0): SSL_sendfile, for kernel TLS.
 * flags are taken as the stdlib's (3.14) are and left out: OpenSSL hands
 * them to FreeBSD's sendfile only; Linux's has none. */
static PyObject *
connview_sendfile(sslx_connview *self, PyObject *args)
{
    int fd, flags = 0;
    long long offset;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "iLn|i:sendfile", &fd, &offset, &size, &flags))
        return NULL;
    if (offset < 0 || size < 0) {
        PyErr_SetString(PyExc_ValueError, "offset and size must not be negative");
        return NULL;
    }
    PyObject *owner, *result = NULL;
    sslx_conn *c = engine_of(self, &owner);
    double timeout = c != NULL ? sslx_conn_timeout(c) : -2.0;
    if (timeout != -2.0) {
        Py_ssize_t n = sslx_conn_sendfile(c, fd, (off_t)offset, (size_t)size, timeout);
        result = n < 0 ? NULL : PyLong_FromSsize_t(n);
    }
    Py_XDECREF(owner);
    return result;
}

static PyObject *
uses_ktls(sslx_connview *self, int for_send)
{
    PyObject *owner;
    sslx_conn *c = engine_of(self, &owner);
    PyObject *result = c == NULL ? NULL : PyBool_FromLong(sslx_conn_uses_ktls(c, for_send));
    Py_XDECREF(owner);
    return result;
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

/* The view's own attributes first (the methods above, owner,
 * __class__...), then the connection holder's. */
static PyObject *
connview_getattro(sslx_connview *self, PyObject *name)
{
    PyObject *value = PyObject_GenericGetAttr((PyObject *)self, name);
    if (value != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError))
        return value;
    PyErr_Clear();
    PyObject *holder = holder_get(self, PyExc_AttributeError);
    if (holder == NULL)
        return NULL;
    value = PyObject_GetAttr(holder, name);
    Py_DECREF(holder);
    return value;
}

/* Only the connection's settable attributes pass through (as on the
 * stdlib's object, which has no instance dict): anything else is the
 * view's own, read-only or unknown. */
static int
is_settable(PyObject *name)
{
    return PyUnicode_Check(name) && (PyUnicode_CompareWithASCIIString(name, "context") == 0
                                     || PyUnicode_CompareWithASCIIString(name, "session") == 0);
}

/* The view's own attributes are read-only; one the connection has but
 * does not let change (version, server_side...) is named as such. */
static int
set_own_attribute(sslx_connview *self, PyObject *name, PyObject *value)
{
    if (PyObject_GenericSetAttr((PyObject *)self, name, value) == 0)
        return 0;
    if (!PyErr_ExceptionMatches(PyExc_AttributeError))
        return -1;
    PyObject *type, *error, *tb;
    PyErr_Fetch(&type, &error, &tb);
    PyObject *holder = holder_get(self, PyExc_AttributeError);
    PyObject *known = holder != NULL ? PyObject_GetAttr(holder, name) : NULL;
    Py_XDECREF(holder);
    if (known == NULL) {
        PyErr_Clear();
        PyErr_Restore(type, error, tb);     /* the view's "no attribute" */
        return -1;
    }
    Py_DECREF(known);
    Py_XDECREF(type);
    Py_XDECREF(error);
    Py_XDECREF(tb);
    PyErr_Format(PyExc_AttributeError, "attribute '%U' of '%s' objects is not writable", name,
                 Py_TYPE(self)->tp_name);
    return -1;
}

static int
connview_setattro(sslx_connview *self, PyObject *name, PyObject *value)
{
    if (!is_settable(name))
        return set_own_attribute(self, name, value);
    PyObject *holder = holder_get(self, PyExc_AttributeError);
    if (holder == NULL)
        return -1;
    int rc = PyObject_SetAttr(holder, name, value);
    Py_DECREF(holder);
    return rc;
}

static PyObject *
connview_repr(sslx_connview *self)
{
    PyObject *owner = owner_get(self);
    if (owner == NULL)
        return PyUnicode_FromString("<sslx connection internals of a dead connection>");
    PyObject *text = PyUnicode_FromFormat("<sslx connection internals of %R>", owner);
    Py_DECREF(owner);
    return text;
}

static int
connview_traverse(sslx_connview *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->owner_ref);
    Py_VISIT(self->orphan);
    return 0;
}

static int
connview_clear(sslx_connview *self)
{
    Py_CLEAR(self->owner_ref);
    Py_CLEAR(self->orphan);
    return 0;
}

static void
connview_dealloc(sslx_connview *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    /* A dealloc must leave a pending exception alone. */
    if (self->conn != NULL && self->conn->view == (PyObject *)self)
        self->conn->view = NULL;
    self->conn = NULL;
    connview_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef connview_methods[] = {
    {"get_verified_chain", (PyCFunction)connview_verified_chain, METH_NOARGS,
     "get_verified_chain($self, /)\n--\n\n"
     "Return the chain that verified the peer, as a list of Certificate\n"
     "objects (the peer's first), or None when nothing was verified."},
    {"get_unverified_chain", (PyCFunction)connview_unverified_chain, METH_NOARGS,
     "get_unverified_chain($self, /)\n--\n\n"
     "Return the certificates the peer sent, as a list of Certificate\n"
     "objects (the peer's first), or None when it sent none."},
    {"do_handshake", (PyCFunction)connview_do_handshake, METH_NOARGS,
     "do_handshake($self, /)\n--\n\n"
     "Run the TLS handshake of the connection, as its owner's\n"
     "do_handshake() does (ValueError once the connection is gone)."},
    {"read", SSLX_KW_METHOD(connview_read), METH_VARARGS | METH_KEYWORDS,
     "read($self, /, len=1024, buffer=None)\n--\n\n"
     "Read as the owner's read() does, except that a peer closing without\n"
     "the TLS close_notify always raises SSLEOFError (suppress_ragged_eofs\n"
     "is the owner's business)."},
    {"sendfile", (PyCFunction)connview_sendfile, METH_VARARGS,
     "sendfile($self, fd, offset, size, flags=0, /)\n--\n\n"
     "Send size bytes of the file open as descriptor fd, from offset on,\n"
     "through kernel TLS; return the number sent.  flags (for FreeBSD's\n"
     "sendfile) have no effect on Linux.\n\n"
     "Only for a connection whose sending side uses kernel TLS (see\n"
     "uses_ktls_for_send()).  Raises ValueError for a negative offset or\n"
     "size, and what a write raises."},
    {"uses_ktls_for_send", (PyCFunction)connview_uses_ktls_for_send, METH_NOARGS,
     "uses_ktls_for_send($self, /)\n--\n\n"
     "Return True if the kernel encrypts what this connection sends\n"
     "(kernel TLS, OP_ENABLE_KTLS)."},
    {"uses_ktls_for_recv", (PyCFunction)connview_uses_ktls_for_recv, METH_NOARGS,
     "uses_ktls_for_recv($self, /)\n--\n\n"
     "Return True if the kernel decrypts what this connection receives\n"
     "(kernel TLS, OP_ENABLE_KTLS)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef connview_getset[] = {
    {"owner", (getter)connview_get_owner, NULL,
     "The SSLSocket or SSLObject of the connection, None once it is gone.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot connview_slots[] = {
    {Py_tp_getset, connview_getset},
    {Py_tp_getattro, connview_getattro},
    {Py_tp_setattro, connview_setattro},
    {Py_tp_repr, connview_repr},
    {Py_tp_traverse, connview_traverse},
    {Py_tp_clear, connview_clear},
    {Py_tp_dealloc, connview_dealloc},
    {Py_tp_methods, connview_methods},
    {Py_tp_doc, "The _sslobj attribute of an SSLSocket or SSLObject.\n\n"
                "The stdlib keeps its internal connection object there and some code\n"
                "reaches into it; this view gives such code the methods it uses.\n"
                "Other attributes are looked up on the connection itself."},
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
sslx_connview_of(sslx_state *st, PyObject *owner, sslx_conn *c)
{
    if (c->view != NULL)
        return Py_NewRef(c->view);
    sslx_connview *view = PyObject_GC_New(sslx_connview, st->ConnectionView_Type);
    if (view == NULL)
        return NULL;
    view->orphan = NULL;
    view->conn = NULL;
    view->owner_ref = PyWeakref_NewRef(owner, NULL);
    if (view->owner_ref == NULL) {
        view->owner_ref = NULL;
        PyObject_GC_Del(view);
        Py_DECREF(st->ConnectionView_Type);
        return NULL;
    }
    PyObject_GC_Track(view);
    c->view = (PyObject *)view;     /* borrowed: the view clears it */
    view->conn = c;                 /* borrowed: sslx_connview_orphan clears it */
    return (PyObject *)view;
}

int
sslx_connview_orphan(sslx_conn *c)
{
    sslx_connview *view = (sslx_connview *)c->view;
    c->view = NULL;
    if (view != NULL)
        view->conn = NULL;
    if (view == NULL || c->ssl == NULL || c->mode != SSLX_CONN_BIO)
        return 0;
    PyTypeObject *type = c->st->SSLObject_Type;
    PyObject *holder = type->tp_new(type, NULL, NULL);
    if (holder == NULL)
        return -1;
    if (sslx_conn_move(c, sslx_conn_of(holder)) < 0) {
        Py_DECREF(holder);
        return -1;
    }
    Py_XSETREF(view->orphan, holder);
    return 0;
}

int
sslx_connview_setup(PyObject *module, sslx_state *st)
{
    st->ConnectionView_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &connview_spec,
                                                                        NULL);
    return st->ConnectionView_Type == NULL ? -1 : 0;
}
