/* asyncio_transport.c - AsyncioSSLTransport: the transport an asyncio
 * application gets for a TLS connection served by AsyncioSSLProtocol
 * (asyncio_protocol.h).  Every method does what the stdlib's
 * _SSLProtocolTransport does (CPython 3.11+), in C. */
#include "asyncio_protocol.h"

typedef sslx_aio_transport transport;

PyObject *
sslx_aio_transport_new(sslx_state *st, sslx_aio_protocol *p)
{
    PyTypeObject *type = st->AsyncioSSLTransport_Type;
    transport *t = (transport *)type->tp_alloc(type, 0);
    if (t == NULL)
        return NULL;
    t->proto = (sslx_aio_protocol *)Py_NewRef(p);
    t->loop = Py_NewRef(p->loop);
    return (PyObject *)t;
}

void
sslx_aio_transport_mark_closed(PyObject *obj)
{
    ((transport *)obj)->closed = 1;
}

static PyObject *
none_or_null(int rc)
{
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* A transport closed a second time lets go of its protocol (as the
 * stdlib's does, which breaks the cycle app protocol -> transport ->
 * protocol -> app protocol); what needs the protocol fails after that,
 * with the stdlib's exception class. */
static PyObject *
detached(void)
{
    PyErr_SetString(PyExc_AttributeError,
                    "the transport was closed twice and let go of its TLS protocol");
    return NULL;
}

#define NEEDS_PROTOCOL(t) \
    do { \
        if ((t)->proto == NULL) \
            return detached(); \
    } while (0)

/* ---- information ---- */

static PyObject *
tr_get_extra_info(transport *t, PyObject *args, PyObject *kwds)
{
    NEEDS_PROTOCOL(t);
    static char *kwlist[] = {"name", "default", NULL};
    PyObject *name, *deflt = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:get_extra_info", kwlist, &name, &deflt))
        return NULL;
    return sslx_aio_get_extra_info(t->proto, name, deflt);
}

static PyObject *
tr_set_protocol(transport *t, PyObject *protocol)
{
    NEEDS_PROTOCOL(t);
    sslx_aio_set_app_protocol(t->proto, protocol);
    Py_RETURN_NONE;
}

static PyObject *
tr_get_protocol(transport *t, PyObject *unused)
{
    NEEDS_PROTOCOL(t);
    (void)unused;
    return Py_NewRef(t->proto->app_protocol ? t->proto->app_protocol : Py_None);
}

/* Closing: closed here, or the socket transport under it is closing
 * (CPython 3.14's sslproto answers so too). */
static PyObject *
tr_is_closing(transport *t, PyObject *unused)
{
    (void)unused;
    PyObject *below = t->proto ? t->proto->transport : NULL;
    if (t->closed || below == NULL)
        return PyBool_FromLong(t->closed);
    return PyObject_CallMethod(below, "is_closing", NULL);
}

/* ---- closing ---- */

static PyObject *
tr_close(transport *t, PyObject *unused)
{
    (void)unused;
    if (t->closed) {
        Py_CLEAR(t->proto);
        Py_RETURN_NONE;
    }
    t->closed = 1;
    return none_or_null(sslx_aio_start_shutdown(t->proto));
}

static PyObject *
tr_force_close(transport *t, PyObject *exc)
{
    NEEDS_PROTOCOL(t);
    t->closed = 1;
    return none_or_null(sslx_aio_abort(t->proto, exc == Py_None ? NULL : exc));
}

static PyObject *
tr_abort(transport *t, PyObject *unused)
{
    (void)unused;
    return tr_force_close(t, Py_None);
}

/* An unclosed transport warns when collected, as the stdlib's does. */
static void
tr_finalize(PyObject *self)
{
    transport *t = (transport *)self;
    if (t->closed)
        return;
    t->closed = 1;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (PyErr_WarnEx(PyExc_ResourceWarning,
                     "unclosed transport <asyncio._SSLProtocolTransport object>", 1) < 0)
        PyErr_WriteUnraisable(self);
    PyErr_Restore(type, value, tb);
}

/* ---- reading ---- */

static PyObject *
tr_is_reading(transport *t, PyObject *unused)
{
    NEEDS_PROTOCOL(t);
    (void)unused;
    return PyBool_FromLong(!t->proto->app_reading_paused);
}

static PyObject *
tr_pause_reading(transport *t, PyObject *unused)
{
    NEEDS_PROTOCOL(t);
    (void)unused;
    sslx_aio_pause_reading(t->proto);
    Py_RETURN_NONE;
}

static PyObject *
tr_resume_reading(transport *t, PyObject *unused)
{
    NEEDS_PROTOCOL(t);
    (void)unused;
    return none_or_null(sslx_aio_resume_reading(t->proto));
}

/* ---- limits and sizes ---- */

static int
parse_limits(PyObject *args, PyObject *kwds, const char *fmt, PyObject **high, PyObject **low)
{
    static char *kwlist[] = {"high", "low", NULL};
    *high = *low = Py_None;
    return PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist, high, low) ? 0 : -1;
}

static PyObject *
tr_set_write_buffer_limits(transport *t, PyObject *args, PyObject *kwds)
{
    NEEDS_PROTOCOL(t);
    PyObject *high, *low;
    sslx_aio_protocol *p = t->proto;
    if (parse_limits(args, kwds, "|OO:set_write_buffer_limits", &high, &low) < 0
        || sslx_aio_flow_limits(high, low, 512, &p->out_high, &p->out_low) < 0)
        return NULL;
    return none_or_null(sslx_aio_control_app_writing(p));
}

static PyObject *
tr_set_read_buffer_limits(transport *t, PyObject *args, PyObject *kwds)
{
    NEEDS_PROTOCOL(t);
    PyObject *high, *low;
    sslx_aio_protocol *p = t->proto;
    if (parse_limits(args, kwds, "|OO:set_read_buffer_limits", &high, &low) < 0
        || sslx_aio_flow_limits(high, low, 256, &p->in_high, &p->in_low) < 0)
        return NULL;
    return none_or_null(sslx_aio_control_ssl_reading(p));
}

static PyObject *
tr_get_write_buffer_limits(transport *t, PyObject *unused)
{
    NEEDS_PROTOCOL(t);
    (void)unused;
    return Py_BuildValue("(nn)", t->proto->out_low, t->proto->out_high);
}

static PyObject *
tr_get_read_buffer_limits(transport *t, PyObject *unused)
{
    NEEDS_PROTOCOL(t);
    (void)unused;
    return Py_BuildValue("(nn)", t->proto->in_low, t->proto->in_high);
}

static PyObject *
tr_get_write_buffer_size(transport *t, PyObject *unused)
{
    NEEDS_PROTOCOL(t);
    (void)unused;
    return PyLong_FromSsize_t(sslx_aio_write_buffer_size(t->proto));
}

static PyObject *
tr_get_read_buffer_size(transport *t, PyObject *unused)
{
    NEEDS_PROTOCOL(t);
    (void)unused;
    return PyLong_FromSsize_t(sslx_aio_read_buffer_size(t->proto));
}

/* ---- writing ---- */

static PyObject *
tr_write(transport *t, PyObject *data)
{
    NEEDS_PROTOCOL(t);
    if (!PyBytes_Check(data) && !PyByteArray_Check(data) && !PyMemoryView_Check(data)) {
        PyErr_Format(PyExc_TypeError, "data: expecting a bytes-like instance, got %s",
                     Py_TYPE(data)->tp_name);
        return NULL;
    }
    Py_ssize_t len = PyObject_Length(data);
    if (len < 0)
        return NULL;
    if (len == 0)
        Py_RETURN_NONE;
    return none_or_null(sslx_aio_write_appdata(t->proto, data, 1));
}

static PyObject *
tr_writelines(transport *t, PyObject *list_of_data)
{
    NEEDS_PROTOCOL(t);
    return none_or_null(sslx_aio_write_appdata(t->proto, list_of_data, 0));
}

static PyObject *
tr_write_eof(transport *t, PyObject *unused)
{
    (void)t;
    (void)unused;
    PyErr_SetNone(PyExc_NotImplementedError);
    return NULL;
}

static PyObject *
tr_can_write_eof(transport *t, PyObject *unused)
{
    (void)t;
    (void)unused;
    Py_RETURN_FALSE;
}

/* For CPython's tests: data in the backlog as if written during the
 * handshake. */
static PyObject *
tr_test_append_write_backlog(transport *t, PyObject *data)
{
    NEEDS_PROTOCOL(t);
    Py_ssize_t len = PyObject_Length(data);
    if (len < 0 || PyList_Append(t->proto->backlog, data) < 0)
        return NULL;
    t->proto->backlog_size += len;
    Py_RETURN_NONE;
}

static PyMethodDef tr_methods[] = {
    {"get_extra_info", SSLX_KW_METHOD(tr_get_extra_info), METH_VARARGS | METH_KEYWORDS,
     "get_extra_info($self, name, default=None, /)\n--\n\nOptional transport information."},
    {"set_protocol", (PyCFunction)tr_set_protocol, METH_O, "Set a new protocol."},
    {"get_protocol", (PyCFunction)tr_get_protocol, METH_NOARGS, "Return the protocol."},
    {"is_closing", (PyCFunction)tr_is_closing, METH_NOARGS,
     "Whether the transport is closing or closed."},
    {"close", (PyCFunction)tr_close, METH_NOARGS,
     "Close: flush what is buffered, send close_notify, then close the socket."},
    {"abort", (PyCFunction)tr_abort, METH_NOARGS,
     "Close at once: buffered data is lost."},
    {"_force_close", (PyCFunction)tr_force_close, METH_O, NULL},
    {"is_reading", (PyCFunction)tr_is_reading, METH_NOARGS, "Whether reading is not paused."},
    {"pause_reading", (PyCFunction)tr_pause_reading, METH_NOARGS,
     "Stop passing received data to the protocol."},
    {"resume_reading", (PyCFunction)tr_resume_reading, METH_NOARGS,
     "Pass received data to the protocol again."},
    {"set_write_buffer_limits", SSLX_KW_METHOD(tr_set_write_buffer_limits),
     METH_VARARGS | METH_KEYWORDS, "Set the high- and low-water limits of write flow control."},
    {"get_write_buffer_limits", (PyCFunction)tr_get_write_buffer_limits, METH_NOARGS,
     "(low, high) of write flow control."},
    {"get_write_buffer_size", (PyCFunction)tr_get_write_buffer_size, METH_NOARGS,
     "The bytes buffered for writing (plaintext and records)."},
    {"set_read_buffer_limits", SSLX_KW_METHOD(tr_set_read_buffer_limits),
     METH_VARARGS | METH_KEYWORDS, "Set the high- and low-water limits of read flow control."},
    {"get_read_buffer_limits", (PyCFunction)tr_get_read_buffer_limits, METH_NOARGS,
     "(low, high) of read flow control."},
    {"get_read_buffer_size", (PyCFunction)tr_get_read_buffer_size, METH_NOARGS,
     "The bytes of received records not yet decrypted."},
    {"write", (PyCFunction)tr_write, METH_O, "Write bytes-like data (buffered, never blocks)."},
    {"writelines", (PyCFunction)tr_writelines, METH_O, "Write an iterable of bytes-like data."},
    {"write_eof", (PyCFunction)tr_write_eof, METH_NOARGS,
     "Not supported over TLS: raises NotImplementedError."},
    {"can_write_eof", (PyCFunction)tr_can_write_eof, METH_NOARGS, "False: see write_eof()."},
    {"_test__append_write_backlog", (PyCFunction)tr_test_append_write_backlog, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyObject *
tr_get_closed(transport *t, void *c)
{
    (void)c;
    return PyBool_FromLong(t->closed);
}

static int
tr_set_closed(transport *t, PyObject *value, void *c)
{
    (void)c;
    int v = value ? PyObject_IsTrue(value) : 0;
    if (v < 0)
        return -1;
    t->closed = (unsigned char)v;
    return 0;
}

static PyObject *
tr_get_protocol_paused(transport *t, void *c)
{
    NEEDS_PROTOCOL(t);
    (void)c;
    return PyBool_FromLong(t->proto->app_writing_paused);
}

static PyObject *
tr_get_ssl_protocol(transport *t, void *c)
{
    (void)c;
    return Py_NewRef(t->proto ? (PyObject *)t->proto : Py_None);
}

static PyObject *
tr_get_loop(transport *t, void *c)
{
    (void)c;
    return Py_NewRef(t->loop);
}

static PyGetSetDef tr_getset[] = {
    {"_closed", (getter)tr_get_closed, (setter)tr_set_closed, NULL, NULL},
    {"_protocol_paused", (getter)tr_get_protocol_paused, NULL, NULL, NULL},
    {"_ssl_protocol", (getter)tr_get_ssl_protocol, NULL, NULL, NULL},
    {"_loop", (getter)tr_get_loop, NULL, NULL, NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static int
tr_traverse(transport *t, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(t));
    Py_VISIT(t->base_extra);
    Py_VISIT(t->dict);
    Py_VISIT(t->proto);
    Py_VISIT(t->loop);
    return 0;
}

static int
tr_clear(transport *t)
{
    Py_CLEAR(t->base_extra);
    Py_CLEAR(t->dict);
    Py_CLEAR(t->proto);
    Py_CLEAR(t->loop);
    return 0;
}

static void
tr_dealloc(transport *t)
{
    PyTypeObject *tp = Py_TYPE(t);
    if (PyObject_CallFinalizerFromDealloc((PyObject *)t) < 0)
        return;     /* resurrected */
    PyObject_GC_UnTrack(t);
    if (t->weakreflist != NULL)
        PyObject_ClearWeakRefs((PyObject *)t);
    tr_clear(t);
    tp->tp_free(t);
    Py_DECREF(tp);
}

static PyObject *
tr_repr(transport *t)
{
    return PyUnicode_FromFormat("<sslx asyncio SSL transport%s at %p>",
                                t->closed ? " closed" : "", t);
}

static PyMemberDef tr_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(transport, weakreflist), READONLY, NULL},
    {"__dictoffset__", T_PYSSIZET, offsetof(transport, dict), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot tr_slots[] = {
    {Py_tp_dealloc, tr_dealloc},
    {Py_tp_finalize, tr_finalize},
    {Py_tp_traverse, tr_traverse},
    {Py_tp_clear, tr_clear},
    {Py_tp_repr, tr_repr},
    {Py_tp_methods, tr_methods},
    {Py_tp_getset, tr_getset},
    {Py_tp_members, tr_members},
    {Py_tp_doc, "The transport of a TLS connection served by sslx's asyncio protocol "
                "(what asyncio's _SSLProtocolTransport is for an sslx context)."},
    {0, NULL},
};

static PyType_Spec tr_spec = {
    .name = "sslx._sslx.AsyncioSSLTransport",
    .basicsize = sizeof(transport),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .slots = tr_slots,
};

/* The transport type, a C subtype of asyncio.Transport (applications and
 * libraries check isinstance()).  Its only instance field is the slot
 * `_extra` of BaseTransport, which sslx's struct reserves (base_extra);
 * the layout is checked. */
int
sslx_aio_transport_make_type(PyObject *module, sslx_state *st, PyObject *base)
{
    if (!PyType_Check(base)
        || ((PyTypeObject *)base)->tp_basicsize != (Py_ssize_t)offsetof(transport, dict)) {
        PyErr_SetString(PyExc_TypeError, "asyncio.Transport has an unexpected layout");
        return -1;
    }
    PyObject *bases = PyTuple_Pack(1, base);
    if (bases == NULL)
        return -1;
    st->AsyncioSSLTransport_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &tr_spec,
                                                                             bases);
    Py_DECREF(bases);
    if (st->AsyncioSSLTransport_Type == NULL)
        return -1;
    if (PyObject_SetAttrString((PyObject *)st->AsyncioSSLTransport_Type,
                               "_start_tls_compatible", Py_True) < 0)
        return -1;
    return PyModule_AddObjectRef(module, "AsyncioSSLTransport",
                                 (PyObject *)st->AsyncioSSLTransport_Type);
}

int
sslx_asyncio_transport_setup(PyObject *module, sslx_state *st)
{
    (void)module;
    (void)st;
    return 0;
}
