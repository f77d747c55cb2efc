/* asyncio_protocol_type.c - the AsyncioSSLProtocol type: its attributes
 * (the private names of asyncio's SSLProtocol that code and CPython's
 * tests read), construction, garbage collection, and the registration
 * through which sslx._asyncio hands over asyncio's classes and the types
 * are made.  The behaviour is in asyncio_protocol.c and asyncio_flow.c. */
#include "asyncio_protocol.h"

/* ---- attributes ---- */

static PyObject *
or_none(PyObject *v)
{
    return Py_NewRef(v ? v : Py_None);
}

#define GETTER(field) \
    static PyObject *get_##field(sslx_aio_protocol *p, void *c) \
    { \
        (void)c; \
        return or_none(p->field); \
    }
GETTER(app_transport)
GETTER(app_protocol)
GETTER(sslcontext)
GETTER(transport)
GETTER(loop)
GETTER(extra)
GETTER(waiter)
GETTER(backlog)
#undef GETTER

/* _sslobj: the connection's SSLObject.  CPython's tests replace it with a
 * mock; the replacement is what the attribute then gives, but the
 * connection stays the one sslx made (the engine is not Python-visible
 * behaviour that a mock can stand in for). */
static PyObject *
get_sslobj_visible(sslx_aio_protocol *p, void *c)
{
    (void)c;
    return or_none(p->sslobj_override ? p->sslobj_override : p->sslobj);
}

static int
set_sslobj(sslx_aio_protocol *p, PyObject *value, void *c)
{
    (void)c;
    Py_XSETREF(p->sslobj_override, Py_XNewRef(value));
    return 0;
}

static PyObject *
get_state(sslx_aio_protocol *p, void *c)
{
    (void)c;
    PyObject *cls = sslx_aio_glue(p, "SSLProtocolState");
    if (cls == NULL)
        return NULL;
    PyObject *v = PyObject_GetAttrString(cls, sslx_aio_state_names[p->state]);
    Py_DECREF(cls);
    return v;
}

static PyObject *
get_write_buffer_size(sslx_aio_protocol *p, void *c)
{
    (void)c;
    return PyLong_FromSsize_t(p->backlog_size);
}

static PyObject *
get_server_side(sslx_aio_protocol *p, void *c)
{
    (void)c;
    return PyBool_FromLong(p->server_side);
}

static PyGetSetDef proto_getset[] = {
    {"_app_transport", (getter)get_app_transport, NULL, NULL, NULL},
    {"_app_protocol", (getter)get_app_protocol, NULL, NULL, NULL},
    {"_sslobj", (getter)get_sslobj_visible, (setter)set_sslobj, NULL, NULL},
    {"_sslcontext", (getter)get_sslcontext, NULL, NULL, NULL},
    {"_transport", (getter)get_transport, NULL, NULL, NULL},
    {"_loop", (getter)get_loop, NULL, NULL, NULL},
    {"_extra", (getter)get_extra, NULL, NULL, NULL},
    {"_waiter", (getter)get_waiter, NULL, NULL, NULL},
    {"_write_backlog", (getter)get_backlog, NULL, NULL, NULL},
    {"_write_buffer_size", (getter)get_write_buffer_size, NULL, NULL, NULL},
    {"_state", (getter)get_state, NULL, NULL, NULL},
    {"_server_side", (getter)get_server_side, NULL, NULL, NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- construction ---- */

/* A timeout argument: None -> the default, <= 0 -> ValueError. */
static int
timeout_arg(PyObject *value, double deflt, const char *name, double *out)
{
    if (value == NULL || value == Py_None) {
        *out = deflt;
        return 0;
    }
    double v = PyFloat_AsDouble(value);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    if (v <= 0) {
        PyErr_Format(PyExc_ValueError, "%s should be a positive number, got %R", name, value);
        return -1;
    }
    *out = v;
    return 0;
}

static double
glue_double(sslx_aio_protocol *p, const char *name, double fallback)
{
    PyObject *v = sslx_aio_glue(p, name);
    double d = v ? PyFloat_AsDouble(v) : -1.0;
    Py_XDECREF(v);
    if (d == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return fallback;
    }
    return d;
}

/* The TLS connection: the context's own wrap_bio() (so sslobject_class,
 * callbacks and sessions behave as anywhere else) over two sslx
 * MemoryBIOs, whose places the protocol's BIOs then take. */
static int
make_connection(sslx_aio_protocol *p, PyObject *hostname)
{
    PyObject *incoming = PyObject_CallNoArgs((PyObject *)p->st->MemoryBIO_Type);
    PyObject *outgoing = incoming ? PyObject_CallNoArgs((PyObject *)p->st->MemoryBIO_Type)
                                  : NULL;
    PyObject *wrap = outgoing ? PyObject_GetAttrString(p->sslcontext, "wrap_bio") : NULL;
    PyObject *args = wrap ? PyTuple_Pack(2, incoming, outgoing) : NULL;
    PyObject *kw = args ? Py_BuildValue("{s:O,s:O}", "server_side",
                                        p->server_side ? Py_True : Py_False,
                                        "server_hostname", hostname)
                        : NULL;
    if (kw != NULL)
        p->sslobj = PyObject_Call(wrap, args, kw);
    Py_XDECREF(incoming);
    Py_XDECREF(outgoing);
    Py_XDECREF(wrap);
    Py_XDECREF(args);
    Py_XDECREF(kw);
    if (p->sslobj == NULL)
        return -1;
    if (!PyObject_TypeCheck(p->sslobj, p->st->SSLObject_Type)) {
        PyErr_SetString(PyExc_TypeError, "wrap_bio() did not return an sslx.SSLObject");
        return -1;
    }
    p->conn = sslx_conn_of(p->sslobj);
    if (p->conn == NULL)
        return -1;
    p->window_bio = sslx_aio_window_bio();
    p->collector_bio = p->window_bio ? sslx_aio_collector_bio() : NULL;
    if (p->collector_bio == NULL || BIO_up_ref(p->window_bio) != 1
        || BIO_up_ref(p->collector_bio) != 1) {
        ERR_clear_error();
        PyErr_NoMemory();
        return -1;
    }
    p->window = BIO_get_data(p->window_bio);
    p->collector = BIO_get_data(p->collector_bio);
    if (sslx_conn_set_bios(p->conn, p->window_bio, p->collector_bio) < 0) {
        BIO_free(p->window_bio);        /* the references SSL_set_bio did not take */
        BIO_free(p->collector_bio);
        return -1;
    }
    return 0;
}

static int
init_limits(sslx_aio_protocol *p)
{
    Py_ssize_t read_kb = (Py_ssize_t)glue_double(p, "FLOW_CONTROL_HIGH_WATER_SSL_READ", 256);
    Py_ssize_t write_kb = (Py_ssize_t)glue_double(p, "FLOW_CONTROL_HIGH_WATER_SSL_WRITE", 512);
    if (sslx_aio_flow_limits(Py_None, Py_None, read_kb, &p->in_high, &p->in_low) < 0)
        return -1;
    return sslx_aio_flow_limits(Py_None, Py_None, write_kb, &p->out_high, &p->out_low);
}

static PyObject *
proto_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"loop", "app_protocol", "sslcontext", "waiter", "server_side",
                             "server_hostname", "call_connection_made",
                             "ssl_handshake_timeout", "ssl_shutdown_timeout", NULL};
    PyObject *loop, *app, *ctx, *waiter, *hostname = Py_None;
    PyObject *hs_timeout = Py_None, *sd_timeout = Py_None;
    int server_side = 0, call_made = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOO|pOpOO:SSLProtocol", kwlist, &loop, &app,
                                     &ctx, &waiter, &server_side, &hostname, &call_made,
                                     &hs_timeout, &sd_timeout))
        return NULL;
    sslx_state *st = sslx_state_from_type(type);
    if (st == NULL)
        return NULL;
    sslx_aio_protocol *p = (sslx_aio_protocol *)type->tp_alloc(type, 0);
    if (p == NULL)
        return NULL;
    p->st = st;
    p->server_side = server_side ? 1 : 0;
    if (timeout_arg(hs_timeout, glue_double(p, "SSL_HANDSHAKE_TIMEOUT", 60.0),
                    "ssl_handshake_timeout", &p->handshake_timeout) < 0
        || timeout_arg(sd_timeout, glue_double(p, "SSL_SHUTDOWN_TIMEOUT", 30.0),
                       "ssl_shutdown_timeout", &p->shutdown_timeout) < 0)
        goto fail;
    int has_name = PyObject_IsTrue(hostname);
    if (has_name < 0)
        goto fail;
    PyObject *name = has_name && !server_side ? hostname : Py_None;
    p->loop = Py_NewRef(loop);
    p->sslcontext = Py_NewRef(ctx);
    p->waiter = Py_NewRef(waiter);
    p->app_state = call_made ? AIO_APP_INIT : AIO_APP_CON_MADE;
    p->extra = Py_BuildValue("{s:O}", "sslcontext", ctx);
    p->backlog = PyList_New(0);
    if (p->extra == NULL || p->backlog == NULL || init_limits(p) < 0)
        goto fail;
    sslx_aio_set_app_protocol(p, app);
    if (make_connection(p, name) < 0)
        goto fail;
    p->app_transport = sslx_aio_transport_new(st, p);
    if (p->app_transport == NULL)
        goto fail;
    p->app_transport_created = 1;
    return (PyObject *)p;
fail:
    Py_DECREF(p);
    return NULL;
}

static int
proto_traverse(sslx_aio_protocol *p, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(p));
    Py_VISIT(p->dict);
    Py_VISIT(p->loop);
    Py_VISIT(p->app_protocol);
    Py_VISIT(p->app_get_buffer);
    Py_VISIT(p->app_buffer_updated);
    Py_VISIT(p->sslcontext);
    Py_VISIT(p->waiter);
    Py_VISIT(p->transport);
    Py_VISIT(p->app_transport);
    Py_VISIT(p->sslobj);
    Py_VISIT(p->sslobj_override);
    Py_VISIT(p->out_bytes);
    Py_VISIT(p->extra);
    Py_VISIT(p->handshake_timer);
    Py_VISIT(p->shutdown_timer);
    Py_VISIT(p->backlog);
    Py_VISIT(p->recv_buffer);
    return 0;
}

static int
proto_clear(sslx_aio_protocol *p)
{
    Py_CLEAR(p->dict);
    Py_CLEAR(p->loop);
    Py_CLEAR(p->app_protocol);
    Py_CLEAR(p->app_get_buffer);
    Py_CLEAR(p->app_buffer_updated);
    Py_CLEAR(p->sslcontext);
    Py_CLEAR(p->waiter);
    Py_CLEAR(p->transport);
    Py_CLEAR(p->app_transport);
    /* The BIOs may outlive the protocol (in an SSLObject the app kept):
     * they must not point into memory that is about to go. */
    if (p->window != NULL) {
        p->window->base = NULL;
        p->window->start = p->window->end = 0;
    }
    if (p->collector != NULL) {
        p->collector->base = NULL;
        p->collector->len = p->collector->cap = 0;
    }
    p->window = NULL;
    p->collector = NULL;
    BIO_free(p->window_bio);
    BIO_free(p->collector_bio);
    p->window_bio = p->collector_bio = NULL;
    p->conn = NULL;
    Py_CLEAR(p->out_bytes);
    Py_CLEAR(p->sslobj);
    Py_CLEAR(p->sslobj_override);
    Py_CLEAR(p->extra);
    Py_CLEAR(p->handshake_timer);
    Py_CLEAR(p->shutdown_timer);
    Py_CLEAR(p->backlog);
    Py_CLEAR(p->recv_buffer);
    return 0;
}

static void
proto_dealloc(sslx_aio_protocol *p)
{
    PyTypeObject *tp = Py_TYPE(p);
    PyObject_GC_UnTrack(p);
    if (p->weakreflist != NULL)
        PyObject_ClearWeakRefs((PyObject *)p);
    proto_clear(p);
    tp->tp_free(p);
    Py_DECREF(tp);
}

static PyObject *
proto_repr(sslx_aio_protocol *p)
{
    return PyUnicode_FromFormat("<sslx asyncio SSLProtocol %s at %p>", sslx_aio_state_names[p->state],
                                p);
}

static PyMemberDef proto_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(sslx_aio_protocol, weakreflist), READONLY,
     NULL},
    {"__dictoffset__", T_PYSSIZET, offsetof(sslx_aio_protocol, dict), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot proto_slots[] = {
    {Py_tp_new, proto_new},
    {Py_tp_dealloc, proto_dealloc},
    {Py_tp_traverse, proto_traverse},
    {Py_tp_clear, proto_clear},
    {Py_tp_repr, proto_repr},
    {Py_tp_methods, sslx_aio_protocol_methods},
    {Py_tp_getset, proto_getset},
    {Py_tp_members, proto_members},
    {Py_tp_doc, "TLS for asyncio's event loops, in C: what asyncio.sslproto.SSLProtocol is "
                "for an sslx context (sslx._asyncio installs it)."},
    {0, NULL},
};

static PyType_Spec proto_spec = {
    .name = "sslx._sslx.AsyncioSSLProtocol",
    .basicsize = sizeof(sslx_aio_protocol),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = proto_slots,
};

/* The protocol type, a C subtype of asyncio.BufferedProtocol (socket
 * transports check isinstance() to lend it their buffer).  The base has
 * no instance fields (__slots__ = ()), so sslx's struct follows the
 * object header; that is checked. */
static int
make_protocol_type(PyObject *module, sslx_state *st, PyObject *base)
{
    if (!PyType_Check(base) || ((PyTypeObject *)base)->tp_basicsize != sizeof(PyObject)) {
        PyErr_SetString(PyExc_TypeError, "asyncio.BufferedProtocol has an unexpected layout");
        return -1;
    }
    PyObject *bases = PyTuple_Pack(1, base);
    if (bases == NULL)
        return -1;
    st->AsyncioSSLProtocol_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &proto_spec,
                                                                            bases);
    Py_DECREF(bases);
    if (st->AsyncioSSLProtocol_Type == NULL)
        return -1;
    return PyModule_AddObjectRef(module, "AsyncioSSLProtocol",
                                 (PyObject *)st->AsyncioSSLProtocol_Type);
}

/* _asyncio_register(glue): sslx._asyncio hands itself over when it binds
 * to asyncio; the types are made then (their bases are asyncio's). */
static PyObject *
asyncio_register(PyObject *module, PyObject *glue)
{
    sslx_state *st = sslx_state_from_module(module);
    Py_XSETREF(st->asyncio_glue, Py_NewRef(glue));
    if (st->AsyncioSSLProtocol_Type != NULL)
        Py_RETURN_NONE;
    PyObject *proto_base = PyObject_GetAttrString(glue, "BufferedProtocol");
    PyObject *transport_base = proto_base ? PyObject_GetAttrString(glue, "Transport") : NULL;
    int rc = transport_base ? sslx_aio_transport_make_type(module, st, transport_base) : -1;
    if (rc == 0)
        rc = make_protocol_type(module, st, proto_base);
    Py_XDECREF(proto_base);
    Py_XDECREF(transport_base);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef asyncio_functions[] = {
    {"_asyncio_register", asyncio_register, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

int
sslx_asyncio_protocol_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, asyncio_functions);
}
