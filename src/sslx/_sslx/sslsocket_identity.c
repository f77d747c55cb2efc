/* sslsocket_identity.c - SSLSocket.server_side and server_hostname.
 *
 * The stdlib's SSLSocket keeps both as plain instance attributes: a
 * program may assign them and reads back what it assigned.  Before the
 * TLS starts (a client socket not connected yet) the assignment is also
 * what connect() goes by: a true server_side makes it refuse ("can't
 * connect in server-side mode"), a server_hostname is the name sent and
 * verified, checked by connect() as the stdlib's checks it there (a str
 * of ASCII characters: TypeError for others, UnicodeEncodeError for
 * non-ASCII ones, ValueError for an empty name or a leading dot).  One
 * difference, on purpose: a context with check_hostname refuses to
 * connect once server_hostname was set to None (the stdlib would connect
 * without checking any name).  Once the TLS has started, only the value
 * shown changes, as in the stdlib. */
#include "sslsocket_internal.h"
#include "conn_py.h"
#include "context.h"

static int
tls_started(sock_ext *x)
{
    return x->conn.ssl != NULL;
}

static int
refuse_delete(PyObject *value, const char *name)
{
    if (value != NULL)
        return 0;
    PyErr_Format(PyExc_AttributeError, "cannot delete %s", name);
    return -1;
}

/* Each getter shows what was assigned, else the connection's own value
 * (through the getters SSLObject uses). */
PyObject *
sslx_sslsocket_get_server_side(PyObject *self, void *closure)
{
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->shown_server_side != NULL)
        return Py_NewRef(x->shown_server_side);
    return sslx_conn_get_server_side(self, closure);
}

int
sslx_sslsocket_set_server_side(PyObject *self, PyObject *value, void *closure)
{
    (void)closure;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL || refuse_delete(value, "server_side") < 0)
        return -1;
    if (!tls_started(x)) {
        int on = PyObject_IsTrue(value);
        if (on < 0)
            return -1;
        x->conn.server_side = (unsigned char)on;
    }
    Py_XSETREF(x->shown_server_side, Py_NewRef(value));
    return 0;
}

PyObject *
sslx_sslsocket_get_server_hostname(PyObject *self, void *closure)
{
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->shown_server_hostname != NULL)
        return Py_NewRef(x->shown_server_hostname);
    return sslx_conn_get_server_hostname(self, closure);
}

int
sslx_sslsocket_set_server_hostname(PyObject *self, PyObject *value, void *closure)
{
    (void)closure;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL || refuse_delete(value, "server_hostname") < 0)
        return -1;
    Py_XSETREF(x->shown_server_hostname, Py_NewRef(value));
    x->hostname_pending = !tls_started(x);
    return 0;
}

/* The assigned name as connect() takes it: None, or a str of ASCII
 * characters (no 'idna' conversion there, unlike wrap_socket()), handed
 * on as bytes for the engine's checks.  A new reference or NULL. */
static PyObject *
hostname_for_connect(PyObject *name)
{
    if (name == Py_None)
        return Py_NewRef(name);
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "argument must be str, not %.50s", Py_TYPE(name)->tp_name);
        return NULL;
    }
    return PyUnicode_AsASCIIString(name);
}

int
sslx_sslsocket_apply_hostname(sock_ext *x)
{
    if (!x->hostname_pending)
        return 0;
    PyObject *name = x->shown_server_hostname;
    if (sslx_context_check_wrap(x->conn.context, 1, x->conn.server_side, name, Py_None) < 0)
        return -1;
    PyObject *ascii = hostname_for_connect(name);
    if (ascii == NULL)
        return -1;
    int rc = sslx_conn_set_server_hostname(&x->conn, ascii);
    Py_DECREF(ascii);
    if (rc == 0)
        x->hostname_pending = 0;
    return rc;
}

int
sslx_sslsocket_identity_traverse(sock_ext *x, visitproc visit, void *arg)
{
    Py_VISIT(x->shown_server_side);
    Py_VISIT(x->shown_server_hostname);
    return 0;
}

void
sslx_sslsocket_identity_clear(sock_ext *x)
{
    Py_CLEAR(x->shown_server_side);
    Py_CLEAR(x->shown_server_hostname);
}
