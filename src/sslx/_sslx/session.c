/* session.c - SSLSession: read-only view of an SSL_SESSION, kept together
 * with the context it came from (a session only resumes there). */
#include <string.h>
#include "session.h"

int
sslx_session_check(sslx_state *st, PyObject *obj)
{
    return PyObject_TypeCheck(obj, st->SSLSession_Type);
}

PyObject *
sslx_session_wrap(sslx_state *st, SSL_SESSION *session, sslx_context *context)
{
    sslx_session *self = PyObject_GC_New(sslx_session, st->SSLSession_Type);
    if (self == NULL) {
        SSL_SESSION_free(session);
        return NULL;
    }
    self->session = session;
    self->context = (sslx_context *)Py_NewRef(context);
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int
session_traverse(sslx_session *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->context);
    return 0;
}

static int
session_clear(sslx_session *self)
{
    Py_CLEAR(self->context);
    return 0;
}

static void
session_dealloc(sslx_session *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    session_clear(self);
    SSL_SESSION_free(self->session);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *
session_get_id(sslx_session *self, void *c)
{
    (void)c;
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(self->session, &len);
    return PyBytes_FromStringAndSize((const char *)id, len);
}

static PyObject *
session_get_time(sslx_session *self, void *c)
{
    (void)c;
    return PyLong_FromLong(SSL_SESSION_get_time(self->session));
}

static PyObject *
session_get_timeout(sslx_session *self, void *c)
{
    (void)c;
    return PyLong_FromLong(SSL_SESSION_get_timeout(self->session));
}

static PyObject *
session_get_ticket_lifetime_hint(sslx_session *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLong(SSL_SESSION_get_ticket_lifetime_hint(self->session));
}

static PyObject *
session_get_has_ticket(sslx_session *self, void *c)
{
    (void)c;
    return PyBool_FromLong(SSL_SESSION_has_ticket(self->session));
}

/* Two sessions are equal when their session ids are. */
static PyObject *
session_richcompare(PyObject *a, PyObject *b, int op)
{
    sslx_state *st = sslx_state_from_type(Py_TYPE(a));
    if (st == NULL)
        return NULL;
    if (!sslx_session_check(st, b) || (op != Py_EQ && op != Py_NE))
        Py_RETURN_NOTIMPLEMENTED;
    int equal = a == b;
    if (!equal) {
        unsigned int alen, blen;
        const unsigned char *aid = SSL_SESSION_get_id(((sslx_session *)a)->session, &alen);
        const unsigned char *bid = SSL_SESSION_get_id(((sslx_session *)b)->session, &blen);
        equal = alen == blen && memcmp(aid, bid, alen) == 0;
    }
    return PyBool_FromLong(op == Py_EQ ? equal : !equal);
}

static PyGetSetDef session_getset[] = {
    {"id", (getter)session_get_id, NULL,
     "The session id the server assigned (bytes; empty for some TLS 1.3 sessions).", NULL},
    {"time", (getter)session_get_time, NULL,
     "When the session was established, in seconds since the epoch (int).", NULL},
    {"timeout", (getter)session_get_timeout, NULL,
     "How long after its time the session may be resumed, in seconds (int).", NULL},
    {"ticket_lifetime_hint", (getter)session_get_ticket_lifetime_hint, NULL,
     "The server's advice on how long to keep the session ticket, in seconds (int).", NULL},
    {"has_ticket", (getter)session_get_has_ticket, NULL,
     "True if the server sent a session ticket for this session.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(session_doc,
"SSLSession()\n--\n\n"
"A TLS session that a client can resume on a later connection.\n\n"
"Read from a connection's session attribute once its handshake is done;\n"
"give it back as session= to SSLContext.wrap_socket() or wrap_bio() of the\n"
"same context to skip a full handshake.  Not created directly.  Sessions\n"
"compare equal when their ids are; they are not hashable.");

/* Like the stdlib's: equality without a hash (unhashable). */
static PyType_Slot session_slots[] = {
    {Py_tp_doc, (void *)session_doc},
    {Py_tp_dealloc, session_dealloc},
    {Py_tp_traverse, session_traverse},
    {Py_tp_clear, session_clear},
    {Py_tp_richcompare, session_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_getset, session_getset},
    {0, NULL},
};

static PyType_Spec session_spec = {
    .name = "sslx.SSLSession",
    .basicsize = sizeof(sslx_session),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION
             | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = session_slots,
};

int
sslx_session_setup(PyObject *module, sslx_state *st)
{
    st->SSLSession_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &session_spec,
                                                                    NULL);
    if (st->SSLSession_Type == NULL)
        return -1;
    return PyModule_AddType(module, st->SSLSession_Type);
}
