/* sslsocket_create.c - making an SSLSocket: SSLContext.wrap_socket()
 * (sslx_sslsocket_new) takes over the descriptor of the socket it is
 * given (that socket is detached, as in the stdlib), keeps its timeout,
 * and starts TLS once the socket is connected.  SSLSocket() itself, and
 * SSLSocket.__new__() outside wrap_socket(), refuse. */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include "sslsocket_internal.h"
#include "errors.h"

/* The socket's SO_TYPE must be SOCK_STREAM. */
static int
check_stream_socket(PyObject *sock)
{
    PyObject *r = PyObject_CallMethod(sock, "getsockopt", "ii", SOL_SOCKET, SO_TYPE);
    if (r == NULL)
        return -1;
    long type = PyLong_AsLong(r);
    Py_DECREF(r);
    if (type == -1 && PyErr_Occurred())
        return -1;
    if (type != SOCK_STREAM) {
        PyErr_SetString(PyExc_NotImplementedError, "only stream sockets are supported");
        return -1;
    }
    return 0;
}

/* socket.socket's allocator (SSLSocket's own tp_new refuses). */
static PyObject *
allocate_plain(sslx_state *st, PyTypeObject *type)
{
    PyObject *empty = PyTuple_New(0);
    if (empty == NULL)
        return NULL;
    PyObject *self = ((PyTypeObject *)st->socket_type)->tp_new(type, empty, NULL);
    Py_DECREF(empty);
    return self;
}

/* cls.__new__(cls, family=, type=, proto=, fileno=) of an sslsocket_class
 * that defines its own, with the arguments the stdlib passes; SSLSocket's
 * own __new__ lets this thread through meanwhile. */
static PyObject *
call_own_new(sslx_state *st, PyTypeObject *type, PyObject *sock)
{
    PyObject *kwargs = PyDict_New(), *empty = PyTuple_New(0), *self = NULL;
    static const char *const names[] = {"family", "type", "proto"};
    if (kwargs == NULL || empty == NULL)
        goto done;
    for (int i = 0; i < 3; i++) {
        PyObject *v = PyObject_GetAttrString(sock, names[i]);
        int rc = v ? PyDict_SetItemString(kwargs, names[i], v) : -1;
        Py_XDECREF(v);
        if (rc < 0)
            goto done;
    }
    PyObject *fd = PyObject_CallMethod(sock, "fileno", NULL);
    int rc = fd ? PyDict_SetItemString(kwargs, "fileno", fd) : -1;
    Py_XDECREF(fd);
    if (rc < 0)
        goto done;
    unsigned long saved = st->socket_new_allowed_in;
    st->socket_new_allowed_in = PyThread_get_thread_ident();
    self = type->tp_new(type, empty, kwargs);
    st->socket_new_allowed_in = saved;
    if (self != NULL && !PyObject_TypeCheck(self, type)) {
        PyErr_Format(PyExc_TypeError, "%s.__new__() returned %.200s, not an instance of it",
                     type->tp_name, Py_TYPE(self)->tp_name);
        Py_CLEAR(self);
    }
done:
    Py_XDECREF(kwargs);
    Py_XDECREF(empty);
    return self;
}

/* An SSLSocket instance of `cls` with no file descriptor yet. */
static PyObject *
allocate_instance(sslx_state *st, PyObject *cls, PyObject *sock)
{
    if (cls == NULL || cls == Py_None)
        cls = (PyObject *)st->SSLSocket_Type;
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, st->SSLSocket_Type)) {
        PyErr_Format(PyExc_TypeError, "sslsocket_class must be a subclass of SSLSocket, not %R",
                     cls);
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)cls;
    if (type->tp_new == sslx_sslsocket_tp_new)
        return allocate_plain(st, type);
    return call_own_new(st, type, sock);
}

/* Detach `sock` and make `self` own its descriptor with the same family,
 * type, protocol and timeout. */
static int
take_over_fd(PyObject *self, PyObject *sock)
{
    int rc = -1;
    PyObject *family = NULL, *type = NULL, *proto = NULL, *timeout = NULL, *fd = NULL;
    PyObject *init = NULL, *r = NULL;
    family = PyObject_GetAttrString(sock, "family");
    if (family == NULL)
        goto done;
    type = PyObject_GetAttrString(sock, "type");
    if (type == NULL)
        goto done;
    proto = PyObject_GetAttrString(sock, "proto");
    if (proto == NULL)
        goto done;
    timeout = PyObject_CallMethod(sock, "gettimeout", NULL);
    if (timeout == NULL)
        goto done;
    fd = PyObject_CallMethod(sock, "detach", NULL);
    if (fd == NULL)
        goto done;
    sslx_state *st = sslx_sslsocket_state(self);
    if (st == NULL)
        goto close_fd;
    init = PyObject_GetAttrString(st->socket_type, "__init__");
    if (init == NULL)
        goto close_fd;
    r = PyObject_CallFunctionObjArgs(init, self, family, type, proto, fd, NULL);
    if (r == NULL)
        goto close_fd;
    Py_DECREF(r);
    r = PyObject_CallMethod(self, "settimeout", "O", timeout);
    if (r == NULL)
        goto done;      /* self owns the fd now; its close releases it */
    rc = 0;
    goto done;
close_fd:
    {
        /* The descriptor was detached but nobody owns it yet. */
        PyObject *exc_type, *exc, *tb;
        PyErr_Fetch(&exc_type, &exc, &tb);
        long n = PyLong_AsLong(fd);
        if (n >= 0)
            close((int)n);
        PyErr_Clear();
        PyErr_Restore(exc_type, exc, tb);
    }
done:
    Py_XDECREF(r);
    Py_XDECREF(init);
    Py_XDECREF(family);
    Py_XDECREF(type);
    Py_XDECREF(proto);
    Py_XDECREF(timeout);
    Py_XDECREF(fd);
    return rc;
}

/* A TCP reset after the peer sent data leaves an unconnected socket with
 * bytes in its receive buffer: refuse to treat those cleartext bytes as
 * the start of a TLS session (CVE-2023-40217; the stdlib does likewise). */
static int
refuse_pre_handshake_data(sslx_state *st, PyObject *self)
{
    int fd = sslx_sslsocket_fd(self);
    if (fd < 0)
        return fd == -2 ? -1 : 0;
    char byte;
    ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n <= 0)
        return 0;
    sslx_raise_pre_handshake_data(st);
    return -1;
}

/* 1 when the socket has a peer, 0 when not (yet), -1 on error. */
static int
probe_connected(sslx_state *st, PyObject *self)
{
    PyObject *peer = PyObject_CallOneArg(st->socket_getpeername, self);
    if (peer != NULL) {
        Py_DECREF(peer);
        return 1;
    }
    if (!PyErr_ExceptionMatches(PyExc_OSError))
        return -1;
    PyObject *exc_type, *exc, *tb;
    PyErr_Fetch(&exc_type, &exc, &tb);
    PyErr_NormalizeException(&exc_type, &exc, &tb);
    PyObject *eno = exc ? PyObject_GetAttrString(exc, "errno") : NULL;
    long code = eno && PyLong_Check(eno) ? PyLong_AsLong(eno) : -1;
    Py_XDECREF(eno);
    if (code != ENOTCONN) {
        PyErr_Restore(exc_type, exc, tb);
        return -1;
    }
    Py_XDECREF(exc_type);
    Py_XDECREF(exc);
    Py_XDECREF(tb);
    PyErr_Clear();
    return refuse_pre_handshake_data(st, self) < 0 ? -1 : 0;
}

/* The rest of wrap_socket once `self` owns the descriptor. */
static int
connect_and_handshake(sslx_state *st, PyObject *self, sock_ext *x)
{
    int connected = probe_connected(st, self);
    if (connected <= 0)
        return connected;
    x->connected = 1;
    if (sslx_sslsocket_start_tls(self, x) < 0)
        return -1;
    if (!x->do_handshake_on_connect)
        return 0;
    double timeout = sslx_conn_timeout(&x->conn);
    if (timeout == -2.0)
        return -1;
    if (timeout == 0.0) {
        PyErr_SetString(PyExc_ValueError,
                        "do_handshake_on_connect should not be specified for non-blocking "
                        "sockets");
        return -1;
    }
    return sslx_sslsocket_run_handshake(x, 0);
}

void
sslx_sslsocket_close_after_error(PyObject *self)
{
    PyObject *exc_type, *exc, *tb;
    PyErr_Fetch(&exc_type, &exc, &tb);
    PyObject *r = PyObject_CallMethod(self, "close", NULL);
    Py_XDECREF(r);
    PyErr_Clear();
    PyErr_Restore(exc_type, exc, tb);
}

PyObject *
sslx_sslsocket_new(sslx_state *st, sslx_context *context, PyObject *cls, PyObject *sock,
                   int server_side, int do_handshake_on_connect, int suppress_ragged_eofs,
                   PyObject *server_hostname, PyObject *session)
{
    if (server_hostname == NULL)
        server_hostname = Py_None;
    if (session == NULL)
        session = Py_None;
    if (check_stream_socket(sock) < 0
        || sslx_context_check_wrap(context, 1, server_side, server_hostname, session) < 0)
        return NULL;
    PyObject *self = allocate_instance(st, cls, sock);
    if (self == NULL)
        return NULL;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL || take_over_fd(self, sock) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    /* From here on the new socket owns the descriptor and closes it on
     * error, as the stdlib does once it has detached `sock` (a bad
     * server_hostname or session is found only now, like there). */
    if (sslx_conn_init(&x->conn, st, self, context, server_side, server_hostname,
                       session) < 0) {
        sslx_sslsocket_close_after_error(self);
        Py_DECREF(self);
        return NULL;
    }
    x->conn.suppress_ragged_eofs = suppress_ragged_eofs ? 1 : 0;
    x->do_handshake_on_connect = do_handshake_on_connect ? 1 : 0;
    if (connect_and_handshake(st, self, x) < 0) {
        sslx_sslsocket_close_after_error(self);
        Py_DECREF(self);
        return NULL;
    }
    return self;
}

/* ---- construction by anything but wrap_socket() is refused ---- */

static PyObject *
refuse_construction(PyTypeObject *type)
{
    PyErr_Format(PyExc_TypeError,
                 "%s does not have a public constructor. Instances are returned by "
                 "SSLContext.wrap_socket().",
                 sslx_sslsocket_type_name(type));
    return NULL;
}

/* SSLSocket() and SSLSocket.__new__() both refuse: an instance that
 * wrap_socket() did not set up has no engine state to answer with.  The
 * exception: the __new__ of an sslsocket_class, which wrap_socket() calls
 * as the stdlib does (call_own_new), reaching this one through super(). */
PyObject *
sslx_sslsocket_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    sslx_state *st = sslx_state_from_type(type);
    if (st == NULL)
        return NULL;
    if (st->socket_new_allowed_in != PyThread_get_thread_ident())
        return refuse_construction(type);
    return allocate_plain(st, type);
}

int
sslx_sslsocket_tp_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    refuse_construction(Py_TYPE(self));
    return -1;
}

