/* sslsocket.c - SSLSocket: a TLS connection over a socket.socket.
 *
 * SSLSocket is a C type whose base is the Python class socket.socket, so
 * its instances are real sockets: fileno(), settimeout(), makefile(),
 * repr() and the socket attributes are inherited.  The instance layout is
 *
 *     [ socket.socket's tp_basicsize bytes ][ sock_ext, ending in sslx_conn ]
 *
 * The engine (conn.h) finds its sslx_conn at the end of SSLSocket_Type's
 * basicsize; this file finds sock_ext the same way.
 *
 * Objects are made only by SSLContext.wrap_socket() (sslx_sslsocket_new):
 * it takes over the file descriptor of the socket it is given (that socket
 * is detached, as in the stdlib) and keeps its timeout.  While the socket
 * is wrapped (conn.ssl != NULL) recv/send & co. go through TLS; after
 * unwrap(), shutdown() or close() they fall back to socket.socket's.
 *
 * Closing from another thread is safe: sslx_conn_stop() takes the
 * connection's lock, and an operation waiting in another thread holds its
 * own reference to the SSL* and finds the connection stopped when it
 * wakes (conn.h, Threads).
 *
 * Deliberate differences from the stdlib (which is otherwise the model):
 *   - sendall() has one deadline for the whole buffer, like a plain
 *     socket's sendall() since 3.5; the stdlib restarts it per send().
 *   - detach() drops the TLS state with the descriptor; the stdlib keeps
 *     answering cipher() etc. for a socket it no longer owns.
 *   - SSLSocket.__new__() refuses like SSLSocket(), instead of handing
 *     out an object without a connection behind it.
 *   - A bad server_hostname/session closes the socket just taken over on
 *     every version (3.13's stdlib does; 3.10-3.12 leave it to the GC).
 *   - The deprecated module-level wrap_socket() stays on 3.12+ (the spec
 *     is 3.10's); the stdlib removed it there.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <openssl/pem.h>
#include "sslsocket.h"
#include "connview.h"
#include "conn.h"
#include "constants.h"
#include "errors.h"

typedef struct {
    PyObject *dict;                 /* instance __dict__, like the stdlib's */
    unsigned char connected;        /* the stdlib's SSLSocket._connected */
    unsigned char do_handshake_on_connect;
    sslx_conn conn;                 /* must stay last (conn.h) */
} sock_ext;

/* conn.h finds the engine at the end of the SSLSocket part; so does
 * ext_of() below. */
_Static_assert(sizeof(sock_ext) == offsetof(sock_ext, conn) + sizeof(sslx_conn),
               "sslx_conn must end sock_ext");

static void sslsocket_dealloc(PyObject *self);

/* A type's name without its module ("SSLSocket"), as in its messages. */
static const char *
short_type_name(PyTypeObject *type)
{
    const char *dot = strrchr(type->tp_name, '.');
    return dot ? dot + 1 : type->tp_name;
}

/* The SSLSocket type in the MRO of type(self) (Python subclasses inherit
 * subtype_dealloc, so the first type whose dealloc is ours is SSLSocket). */
static PyTypeObject *
sslsocket_base(PyObject *self)
{
    PyTypeObject *t = Py_TYPE(self);
    while (t != NULL && t->tp_dealloc != sslsocket_dealloc)
        t = t->tp_base;
    return t;
}

static sock_ext *
ext_of(PyObject *self)
{
    PyTypeObject *t = sslsocket_base(self);
    if (t == NULL) {
        PyErr_SetString(PyExc_TypeError, "not an SSLSocket");
        return NULL;
    }
    return (sock_ext *)((char *)self + t->tp_basicsize - sizeof(sock_ext));
}

static sslx_state *
state_of(PyObject *self)
{
    PyTypeObject *t = sslsocket_base(self);
    return t ? (sslx_state *)PyType_GetModuleState(t) : NULL;
}

/* ---- calling socket.socket's own methods ---- */

/* socket.socket.<name>(self, *args, **kwargs) */
static PyObject *
call_base(PyObject *self, const char *name, PyObject *args, PyObject *kwargs)
{
    sslx_state *st = state_of(self);
    if (st == NULL)
        return NULL;
    PyObject *func = PyObject_GetAttrString(st->socket_type, name);
    if (func == NULL)
        return NULL;
    Py_ssize_t n = args ? PyTuple_GET_SIZE(args) : 0;
    PyObject *full = PyTuple_New(n + 1);
    PyObject *result = NULL;
    if (full != NULL) {
        PyTuple_SET_ITEM(full, 0, Py_NewRef(self));
        for (Py_ssize_t i = 0; i < n; i++)
            PyTuple_SET_ITEM(full, i + 1, Py_NewRef(PyTuple_GET_ITEM(args, i)));
        result = PyObject_Call(func, full, kwargs);
        Py_DECREF(full);
    }
    Py_DECREF(func);
    return result;
}

static PyObject *
call_base_noargs(PyObject *self, const char *name)
{
    return call_base(self, name, NULL, NULL);
}

/* The class, as the stdlib's refusal messages show it ("<class ...>"). */
static PyObject *
class_of(PyObject *self)
{
    return (PyObject *)Py_TYPE(self);
}

/* ---- the SSL* life cycle on top of the engine ---- */

/* Drop the TLS layer but keep the engine's parameters (context,
 * hostname): the socket is unwrapped or closed and answers like an
 * unwrapped stdlib SSLSocket. */
static int
release_ssl(sock_ext *x, const char *what)
{
    return sslx_conn_stop(&x->conn, what);
}

/* Drop the TLS layer after a failure, keeping the pending exception. */
static void
release_keeping_error(sock_ext *x)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (release_ssl(x, "connect()") < 0)
        PyErr_Clear();
    PyErr_Restore(type, value, tb);
}

/* The socket's file descriptor, -1 when closed, -2 with an exception
 * (_socket.socket's fileno(): a subclass's override is not asked). */
static int
socket_fd(PyObject *self)
{
    sslx_state *st = state_of(self);
    if (st == NULL)
        return -2;
    PyObject *r = PyObject_CallOneArg(st->socket_fileno, self);
    if (r == NULL)
        return -2;
    long fd = PyLong_AsLong(r);
    Py_DECREF(r);
    if (fd == -1 && PyErr_Occurred())
        return -2;
    return (int)fd;
}

/* Create the SSL* over the socket's fd.  0, or -1 with an exception. */
static int
start_tls(PyObject *self, sock_ext *x)
{
    int fd = socket_fd(self);
    if (fd == -2)
        return -1;
    if (fd < 0) {
        errno = EBADF;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    return sslx_conn_start_socket(&x->conn, fd);
}

/* Run the handshake; with block, a non-blocking socket waits too.  */
static int
run_handshake(sock_ext *x, int block)
{
    double timeout = sslx_conn_timeout(&x->conn);
    if (timeout == -2.0)
        return -1;
    if (block && timeout == 0.0)
        timeout = -1.0;
    return sslx_conn_handshake(&x->conn, timeout);
}

/* The stdlib's SSLSocket._check_connected: unconnected sockets raise
 * OSError from getpeername() (ENOTCONN, or EBADF once closed). */
static int
check_connected(PyObject *self, sock_ext *x)
{
    if (x->connected)
        return 0;
    PyObject *r = PyObject_CallOneArg(x->conn.st->socket_getpeername, self);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* ---- creation ---- */

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

static int
check_wrap_arguments(sslx_context *context, int server_side, PyObject *server_hostname,
                     PyObject *session)
{
    int has_hostname = PyObject_IsTrue(server_hostname);
    if (has_hostname < 0)
        return -1;
    if (server_side && has_hostname) {
        PyErr_SetString(PyExc_ValueError,
                        "server_hostname can only be specified in client mode");
        return -1;
    }
    if (server_side && session != Py_None) {
        PyErr_SetString(PyExc_ValueError, "session can only be specified in client mode");
        return -1;
    }
    if (!server_side && context->check_hostname && !has_hostname) {
        PyErr_SetString(PyExc_ValueError, "check_hostname requires server_hostname");
        return -1;
    }
    return 0;
}

static PyObject *sslsocket_new(PyTypeObject *type, PyObject *args, PyObject *kwds);

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
    if (type->tp_new == sslsocket_new)
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
    if ((family = PyObject_GetAttrString(sock, "family")) == NULL
        || (type = PyObject_GetAttrString(sock, "type")) == NULL
        || (proto = PyObject_GetAttrString(sock, "proto")) == NULL
        || (timeout = PyObject_CallMethod(sock, "gettimeout", NULL)) == NULL
        || (fd = PyObject_CallMethod(sock, "detach", NULL)) == NULL)
        goto done;
    sslx_state *st = state_of(self);
    if (st == NULL || (init = PyObject_GetAttrString(st->socket_type, "__init__")) == NULL)
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
    int fd = socket_fd(self);
    if (fd < 0)
        return fd == -2 ? -1 : 0;
    char byte;
    ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n <= 0)
        return 0;
    const char *text = "Closed before TLS handshake with data in recv buffer.";
    PyObject *exc = PyObject_CallFunction(st->SSLError, "is", ENOTCONN, text);
    if (exc == NULL)
        return -1;
    PyObject *reason = PyUnicode_FromString(text);
    if (reason != NULL && PyObject_SetAttrString(exc, "reason", reason) == 0
        && PyObject_SetAttrString(exc, "library", Py_None) == 0)
        PyErr_SetObject(st->SSLError, exc);
    Py_XDECREF(reason);
    Py_DECREF(exc);
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
    if (start_tls(self, x) < 0)
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
    return run_handshake(x, 0);
}

/* Close `self` after a failed wrap, keeping the pending exception. */
static void
close_after_error(PyObject *self)
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
        || check_wrap_arguments(context, server_side, server_hostname, session) < 0)
        return NULL;
    PyObject *self = allocate_instance(st, cls, sock);
    if (self == NULL)
        return NULL;
    sock_ext *x = ext_of(self);
    if (x == NULL || take_over_fd(self, sock) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    /* From here on the new socket owns the descriptor and closes it on
     * error, as the stdlib does once it has detached `sock` (a bad
     * server_hostname or session is found only now, like there). */
    if (sslx_conn_init(&x->conn, st, self, context, server_side, server_hostname,
                       session) < 0) {
        close_after_error(self);
        Py_DECREF(self);
        return NULL;
    }
    x->conn.suppress_ragged_eofs = suppress_ragged_eofs ? 1 : 0;
    x->do_handshake_on_connect = do_handshake_on_connect ? 1 : 0;
    if (connect_and_handshake(st, self, x) < 0) {
        close_after_error(self);
        Py_DECREF(self);
        return NULL;
    }
    return self;
}

/* ---- construction is refused, GC, dealloc ---- */

static PyObject *
refuse_construction(PyTypeObject *type)
{
    PyErr_Format(PyExc_TypeError,
                 "%s does not have a public constructor. Instances are returned by "
                 "SSLContext.wrap_socket().",
                 short_type_name(type));
    return NULL;
}

/* SSLSocket() and SSLSocket.__new__() both refuse: an instance that
 * wrap_socket() did not set up has no engine state to answer with.  The
 * exception: the __new__ of an sslsocket_class, which wrap_socket() calls
 * as the stdlib does (call_own_new), reaching this one through super(). */
static PyObject *
sslsocket_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
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

static int
sslsocket_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    refuse_construction(Py_TYPE(self));
    return -1;
}

static int
sslsocket_traverse(PyObject *self, visitproc visit, void *arg)
{
    sock_ext *x = (sock_ext *)((char *)self + sslsocket_base(self)->tp_basicsize
                               - sizeof(sock_ext));
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(x->dict);
    return sslx_conn_traverse(&x->conn, visit, arg);
}

static int
sslsocket_clear(PyObject *self)
{
    sock_ext *x = (sock_ext *)((char *)self + sslsocket_base(self)->tp_basicsize
                               - sizeof(sock_ext));
    Py_CLEAR(x->dict);
    sslx_conn_clear(&x->conn);
    return 0;
}

/* socket.socket's __slots__ (_io_refs, _closed) hold references that its
 * own dealloc (subtype_dealloc) would drop; ours replaces it, because
 * chaining to subtype_dealloc from a C subclass recurses into us. */
static void
clear_base_slots(PyObject *self, PyTypeObject *socket_type)
{
    PyMemberDef *m = socket_type->tp_members;
    for (; m != NULL && m->name != NULL; m++) {
        if (m->type == T_OBJECT_EX) {
            PyObject **slot = (PyObject **)((char *)self + m->offset);
            Py_CLEAR(*slot);
        }
    }
}

static void
sslsocket_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyTypeObject *mine = sslsocket_base(self);
    PyTypeObject *socket_type = mine->tp_base;      /* socket.socket */
    PyTypeObject *raw = socket_type->tp_base;       /* _socket.socket */
    PyObject_GC_UnTrack(self);
    /* The base's finalizer warns about an unclosed socket and closes the
     * fd; it must see the object whole. */
    if (tp->tp_finalize != NULL && PyObject_CallFinalizerFromDealloc(self) < 0)
        return;     /* resurrected */
    if (socket_type->tp_weaklistoffset)
        PyObject_ClearWeakRefs(self);
    sock_ext *x = (sock_ext *)((char *)self + mine->tp_basicsize - sizeof(sock_ext));
    Py_CLEAR(x->dict);
    sslx_conn_free(&x->conn);
    clear_base_slots(self, socket_type);
    /* A static _socket.socket (3.10, 3.11) does not release the reference
     * every heap-type instance holds on its type; a heap one (3.12+) does. */
    int base_decrefs_type = PyType_HasFeature(raw, Py_TPFLAGS_HEAPTYPE);
    raw->tp_dealloc(self);
    if (!base_decrefs_type)
        Py_DECREF(tp);
}

/* ---- TLS-or-plain socket methods ---- */

static PyObject *
refuse(PyObject *self, PyObject *exc_type, const char *what)
{
    PyErr_Format(exc_type, "%s not allowed on instances of %R", what, class_of(self));
    return NULL;
}

static int
check_no_flags(PyObject *self, int flags, const char *method)
{
    if (flags == 0)
        return 0;
    PyErr_Format(PyExc_ValueError, "non-zero flags not allowed in calls to %s() on %R", method,
                 class_of(self));
    return -1;
}

#if PY_VERSION_HEX < 0x030D0000
/* The empty result of read(): b'', or 0 when reading into a buffer. */
static PyObject *
empty_read_result(PyObject *args, PyObject *kwds)
{
    PyObject *buffer = NULL;
    if (args != NULL && PyTuple_GET_SIZE(args) >= 2)
        buffer = PyTuple_GET_ITEM(args, 1);
    else if (kwds != NULL)
        buffer = PyDict_GetItemString(kwds, "buffer");
    if (buffer != NULL && buffer != Py_None)
        return PyLong_FromLong(0);
    return PyBytes_FromStringAndSize(NULL, 0);
}
#endif

/* A connection reset or broken pipe under a TLS read or write: the
 * stdlib before 3.13 reports these as a ragged EOF (SSLEOFError "EOF
 * occurred in violation of protocol"; for reads under
 * suppress_ragged_eofs, the empty result) and servers written for it,
 * test_ssl's among them, rely on that; 3.13's stdlib raises the
 * ConnectionError itself, and so does sslx there.  Returns 1 when the
 * pending exception was such an error and has been replaced by the EOF
 * outcome (an exception set, or *empty to return), else 0. */
static int
peer_reset_as_eof(sock_ext *x, int reading, PyObject *args, PyObject *kwds, PyObject **empty)
{
    *empty = NULL;
#if PY_VERSION_HEX >= 0x030D0000
    (void)x;
    (void)reading;
    (void)args;
    (void)kwds;
    return 0;
#else
    if (!PyErr_ExceptionMatches(PyExc_ConnectionResetError)
        && !PyErr_ExceptionMatches(PyExc_BrokenPipeError)
        && !PyErr_ExceptionMatches(PyExc_ConnectionAbortedError))
        return 0;
    PyErr_Clear();
    if (reading && x->conn.suppress_ragged_eofs)
        *empty = empty_read_result(args, kwds);
    else
        sslx_raise_plain(x->conn.st, x->conn.st->SSLEOFError, SSLX_ERR_EOF,
                         "EOF occurred in violation of protocol", SSLX_HERE);
    return 1;
#endif
}

/* read(len=1024, buffer=None): the engine's, with the EOF rule above. */
static PyObject *
sslsocket_read(PyObject *self, PyObject *args, PyObject *kwds)
{
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    PyObject *r = sslx_conn_py_read(self, args, kwds);
    if (r == NULL)
        peer_reset_as_eof(x, 1, args, kwds, &r);
    return r;
}

static PyObject *
sslsocket_write(PyObject *self, PyObject *data)
{
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    PyObject *r = sslx_conn_py_write(self, data);
    if (r == NULL)
        peer_reset_as_eof(x, 0, NULL, NULL, &r);
    return r;
}

/* recv() while wrapped: straight to the engine, no read() arguments to
 * build and parse again (small reads are common: line protocols). */
static PyObject *
tls_recv_bytes(sock_ext *x, Py_ssize_t len)
{
    if (len < 0) {
        PyErr_SetString(PyExc_ValueError, "size should not be negative");
        return NULL;
    }
    double timeout = sslx_conn_timeout(&x->conn);
    if (timeout == -2.0)
        return NULL;
    PyObject *result = PyBytes_FromStringAndSize(NULL, len);
    if (result == NULL)
        return NULL;
    Py_ssize_t n = sslx_conn_read(&x->conn, PyBytes_AS_STRING(result), len, timeout);
    if (n < 0) {
        Py_DECREF(result);
        peer_reset_as_eof(x, 1, NULL, NULL, &result);
        return result;
    }
    if (n != len && _PyBytes_Resize(&result, n) < 0)
        return NULL;
    return result;
}

static PyObject *
sslsocket_recv(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"buflen", "flags", NULL};
    Py_ssize_t buflen = 1024;
    int flags = 0;
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        return call_base(self, "recv", args, kwds);
    if (kwds == NULL && PyTuple_GET_SIZE(args) == 1) {
        /* recv(n), the common call: no keyword parsing. */
        buflen = PyNumber_AsSsize_t(PyTuple_GET_ITEM(args, 0), PyExc_OverflowError);
        if (buflen == -1 && PyErr_Occurred())
            return NULL;
    } else if (!PyArg_ParseTupleAndKeywords(args, kwds, "|ni:recv", kwlist, &buflen, &flags)
               || check_no_flags(self, flags, "recv") < 0) {
        return NULL;
    }
    return tls_recv_bytes(x, buflen);
}

static PyObject *
sslsocket_recv_into(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"buffer", "nbytes", "flags", NULL};
    PyObject *buffer, *nbytes_obj = Py_None;
    int flags = 0;
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        return call_base(self, "recv_into", args, kwds);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|Oi:recv_into", kwlist, &buffer,
                                     &nbytes_obj, &flags)
        || check_no_flags(self, flags, "recv_into") < 0)
        return NULL;
    /* nbytes None or 0: the whole buffer, measured in bytes by the
     * buffer protocol (len() of an array('I') counts items). */
    Py_ssize_t nbytes = 0;
    if (nbytes_obj != Py_None) {
        nbytes = PyNumber_AsSsize_t(nbytes_obj, PyExc_OverflowError);
        if (nbytes == -1 && PyErr_Occurred())
            return NULL;
    }
    PyObject *a = Py_BuildValue("(nO)", nbytes, buffer);
    if (a == NULL)
        return NULL;
    PyObject *r = sslsocket_read(self, a, NULL);
    Py_DECREF(a);
    return r;
}

static PyObject *
sslsocket_send(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "flags", NULL};
    PyObject *data;
    int flags = 0;
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        return call_base(self, "send", args, kwds);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|i:send", kwlist, &data, &flags)
        || check_no_flags(self, flags, "send") < 0)
        return NULL;
    return sslsocket_write(self, data);
}

/* sendall(): one TLS write of the whole buffer (SSL_write without partial
 * writes sends all of it), in pieces of at most INT_MAX bytes. */
static PyObject *
sslsocket_sendall(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "flags", NULL};
    Py_buffer view;
    int flags = 0;
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        return call_base(self, "sendall", args, kwds);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*|i:sendall", kwlist, &view, &flags))
        return NULL;
    PyObject *result = NULL;
    if (check_no_flags(self, flags, "sendall") < 0)
        goto done;
    const char *p = view.buf;
    Py_ssize_t left = view.len;
    while (left > 0) {
        double timeout = sslx_conn_timeout(&x->conn);
        if (timeout == -2.0)
            break;
        if (x->conn.ssl == NULL) {     /* closed by another thread */
            PyErr_SetString(PyExc_ValueError, "Write on closed or unwrapped SSL socket.");
            break;
        }
        Py_ssize_t n = sslx_conn_write(&x->conn, p, left > INT_MAX ? INT_MAX : left, timeout);
        if (n < 0)
            break;
        p += n;
        left -= n;
    }
    if (left == 0)
        result = Py_NewRef(Py_None);
    else
        peer_reset_as_eof(x, 0, NULL, NULL, &result);
done:
    PyBuffer_Release(&view);
    return result;
}

/* sendfile(): os.sendfile() would bypass TLS, so wrapped sockets send
 * through send() (socket.socket's own fallback loop). */
static PyObject *
sslsocket_sendfile(PyObject *self, PyObject *args, PyObject *kwds)
{
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    return call_base(self, x->conn.ssl ? "_sendfile_use_send" : "sendfile", args, kwds);
}

/* Datagram-style calls: refused once TLS is on, the base's when plain. */
static PyObject *
plain_socket_only(PyObject *self, const char *name, PyObject *args, PyObject *kwds)
{
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl != NULL)
        return refuse(self, PyExc_ValueError, name);
    return call_base(self, name, args, kwds);
}

static PyObject *
sslsocket_recvfrom(PyObject *self, PyObject *args, PyObject *kwds)
{
    return plain_socket_only(self, "recvfrom", args, kwds);
}

static PyObject *
sslsocket_recvfrom_into(PyObject *self, PyObject *args, PyObject *kwds)
{
    return plain_socket_only(self, "recvfrom_into", args, kwds);
}

static PyObject *
sslsocket_sendto(PyObject *self, PyObject *args, PyObject *kwds)
{
    return plain_socket_only(self, "sendto", args, kwds);
}

/* Ancillary data cannot travel through TLS: always refused. */
static PyObject *
sslsocket_recvmsg(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return refuse(self, PyExc_NotImplementedError, "recvmsg");
}

static PyObject *
sslsocket_recvmsg_into(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return refuse(self, PyExc_NotImplementedError, "recvmsg_into");
}

static PyObject *
sslsocket_sendmsg(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return refuse(self, PyExc_NotImplementedError, "sendmsg");
}

static PyObject *
sslsocket_dup(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyErr_Format(PyExc_NotImplementedError, "Can't dup() %s instances",
                 short_type_name(Py_TYPE(self)));
    return NULL;
}

/* ---- TLS session control ---- */

static PyObject *
sslsocket_do_handshake(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"block", NULL};
    int block = 0;
    sock_ext *x = ext_of(self);
    if (x == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "|p:do_handshake", kwlist,
                                                  &block))
        return NULL;
    if (check_connected(self, x) < 0)
        return NULL;
    if (x->conn.ssl == NULL) {
        PyErr_SetString(PyExc_ValueError, "Handshake on closed or unwrapped SSL socket.");
        return NULL;
    }
    if (run_handshake(x, block) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* unwrap(): close the TLS layer (close_notify both ways) and return the
 * socket, now speaking cleartext. */
static PyObject *
sslsocket_unwrap(PyObject *self, PyObject *unused)
{
    (void)unused;
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL) {
        PyErr_Format(PyExc_ValueError, "No SSL wrapper around %S", self);
        return NULL;
    }
    double timeout = sslx_conn_timeout(&x->conn);
    if (timeout == -2.0)
        return NULL;
    if (sslx_conn_shutdown(&x->conn, timeout) < 0 || release_ssl(x, "unwrap()") < 0)
        return NULL;
    return Py_NewRef(self);
}

static PyObject *
sslsocket_verify_client_post_handshake(PyObject *self, PyObject *unused)
{
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL) {
        PyErr_Format(PyExc_ValueError, "No SSL wrapper around %S", self);
        return NULL;
    }
    return sslx_conn_py_verify_client_post_handshake(self, unused);
}

static PyObject *
sslsocket_getpeercert(PyObject *self, PyObject *args, PyObject *kwds)
{
    sock_ext *x = ext_of(self);
    if (x == NULL || check_connected(self, x) < 0)
        return NULL;
    return sslx_conn_py_getpeercert(self, args, kwds);
}

/* ---- socket life cycle ---- */

static PyObject *
sslsocket_shutdown(PyObject *self, PyObject *args, PyObject *kwds)
{
    sock_ext *x = ext_of(self);
    if (x == NULL || release_ssl(x, "shutdown()") < 0)
        return NULL;
    return call_base(self, "shutdown", args, kwds);
}

/* Drop the TLS state, then let socket.socket do `name` (no arguments).
 * Refused inside a callback of this connection: the handshake running
 * there still uses the descriptor. */
static PyObject *
release_then_base(PyObject *self, const char *name, const char *what)
{
    sock_ext *x = ext_of(self);
    if (x == NULL || release_ssl(x, what) < 0)
        return NULL;
    return call_base_noargs(self, name);
}

/* socket.socket.close() calls _real_close() once no makefile() object
 * uses the socket any more. */
static PyObject *
sslsocket_real_close(PyObject *self, PyObject *unused)
{
    (void)unused;
    return release_then_base(self, "_real_close", "close()");
}

static PyObject *
sslsocket_detach(PyObject *self, PyObject *unused)
{
    (void)unused;
    return release_then_base(self, "detach", "detach()");
}

/* connect()/connect_ex(): the TLS client starts once the TCP connection
 * is up (or in progress, for non-blocking sockets). */
static PyObject *
real_connect(PyObject *self, PyObject *args, int use_ex)
{
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    if (x->conn.server_side) {
        PyErr_SetString(PyExc_ValueError, "can't connect in server-side mode");
        return NULL;
    }
    if (x->connected || x->conn.ssl != NULL) {
        PyErr_SetString(PyExc_ValueError, "attempt to connect already-connected SSLSocket!");
        return NULL;
    }
    if (start_tls(self, x) < 0)
        return NULL;
    PyObject *r = call_base(self, use_ex ? "connect_ex" : "connect", args, NULL);
    if (r == NULL)
        goto fail;
    long rc = use_ex ? PyLong_AsLong(r) : 0;
    if (rc == -1 && PyErr_Occurred())
        goto fail;
    if (rc == 0) {
        x->connected = 1;
        if (x->do_handshake_on_connect && run_handshake(x, 0) < 0)
            goto fail;
    }
    return r;
fail:
    Py_XDECREF(r);
    release_keeping_error(x);
    return NULL;
}

static PyObject *
sslsocket_connect(PyObject *self, PyObject *args)
{
    return real_connect(self, args, 0);
}

static PyObject *
sslsocket_connect_ex(PyObject *self, PyObject *args)
{
    return real_connect(self, args, 1);
}

/* accept(): the new connection is wrapped by self.context.wrap_socket(),
 * server side, so context.sslsocket_class applies. */
static PyObject *
sslsocket_accept(PyObject *self, PyObject *unused)
{
    (void)unused;
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    PyObject *pair = call_base_noargs(self, "accept");
    if (pair == NULL)
        return NULL;
    PyObject *result = NULL, *wrapped = NULL, *kw = NULL, *wrap = NULL;
    PyObject *newsock, *addr;
    if (!PyArg_ParseTuple(pair, "OO", &newsock, &addr))
        goto done;
    kw = Py_BuildValue("{s:O,s:O,s:O}", "server_side", Py_True, "do_handshake_on_connect",
                       x->do_handshake_on_connect ? Py_True : Py_False,
                       "suppress_ragged_eofs",
                       x->conn.suppress_ragged_eofs ? Py_True : Py_False);
    PyObject *a = kw ? PyTuple_Pack(1, newsock) : NULL;
    if (a != NULL) {
        wrap = PyObject_GetAttrString((PyObject *)x->conn.context, "wrap_socket");
        if (wrap != NULL)
            wrapped = PyObject_Call(wrap, a, kw);
        Py_DECREF(a);
    }
    if (wrapped == NULL) {
        close_after_error(newsock);
        goto done;
    }
    result = PyTuple_Pack(2, wrapped, addr);
done:
    Py_XDECREF(wrapped);
    Py_XDECREF(wrap);
    Py_XDECREF(kw);
    Py_DECREF(pair);
    return result;
}

/* ---- attributes ---- */

static PyObject *
get_do_handshake_on_connect(PyObject *self, void *c)
{
    (void)c;
    sock_ext *x = ext_of(self);
    return x ? PyBool_FromLong(x->do_handshake_on_connect) : NULL;
}

static int
set_flag(PyObject *value, unsigned char *flag)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete attribute");
        return -1;
    }
    int on = PyObject_IsTrue(value);
    if (on < 0)
        return -1;
    *flag = (unsigned char)on;
    return 0;
}

static int
set_do_handshake_on_connect(PyObject *self, PyObject *value, void *c)
{
    (void)c;
    sock_ext *x = ext_of(self);
    return x ? set_flag(value, &x->do_handshake_on_connect) : -1;
}

static PyObject *
get_suppress_ragged_eofs(PyObject *self, void *c)
{
    (void)c;
    sock_ext *x = ext_of(self);
    return x ? PyBool_FromLong(x->conn.suppress_ragged_eofs) : NULL;
}

static int
set_suppress_ragged_eofs(PyObject *self, PyObject *value, void *c)
{
    (void)c;
    sock_ext *x = ext_of(self);
    return x ? set_flag(value, &x->conn.suppress_ragged_eofs) : -1;
}

/* `_sslobj`: the stdlib keeps its _ssl object there and some code (test
 * suites, instrumentation) looks at it; here the TLS methods live on the
 * socket itself, so it is the socket while wrapped, None otherwise. */
static PyObject *
get_sslobj(PyObject *self, void *c)
{
    (void)c;
    sock_ext *x = ext_of(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        Py_RETURN_NONE;
    return sslx_connview_new(x->conn.st, self);
}

static PyObject *
get_connected(PyObject *self, void *c)
{
    (void)c;
    sock_ext *x = ext_of(self);
    return x ? PyBool_FromLong(x->connected) : NULL;
}

#define KW_METHOD(name, func) \
    {name, (PyCFunction)(void (*)(void))(func), METH_VARARGS | METH_KEYWORDS, NULL}

/* Own entries come first: where a name is also in SSLX_CONN_METHODS, the
 * first definition is the one the type keeps. */
static PyMethodDef sslsocket_methods[] = {
    KW_METHOD("read", sslsocket_read),
    {"write", sslsocket_write, METH_O, NULL},
    KW_METHOD("recv", sslsocket_recv),
    KW_METHOD("recv_into", sslsocket_recv_into),
    KW_METHOD("send", sslsocket_send),
    KW_METHOD("sendall", sslsocket_sendall),
    KW_METHOD("sendfile", sslsocket_sendfile),
    KW_METHOD("recvfrom", sslsocket_recvfrom),
    KW_METHOD("recvfrom_into", sslsocket_recvfrom_into),
    KW_METHOD("sendto", sslsocket_sendto),
    KW_METHOD("recvmsg", sslsocket_recvmsg),
    KW_METHOD("recvmsg_into", sslsocket_recvmsg_into),
    KW_METHOD("sendmsg", sslsocket_sendmsg),
    {"dup", sslsocket_dup, METH_NOARGS, NULL},
    KW_METHOD("do_handshake", sslsocket_do_handshake),
    {"unwrap", sslsocket_unwrap, METH_NOARGS, NULL},
    {"verify_client_post_handshake", sslsocket_verify_client_post_handshake, METH_NOARGS,
     NULL},
    KW_METHOD("getpeercert", sslsocket_getpeercert),
    KW_METHOD("shutdown", sslsocket_shutdown),
    {"_real_close", sslsocket_real_close, METH_NOARGS, NULL},
    {"detach", sslsocket_detach, METH_NOARGS, NULL},
    {"connect", sslsocket_connect, METH_VARARGS, NULL},
    {"connect_ex", sslsocket_connect_ex, METH_VARARGS, NULL},
    {"accept", sslsocket_accept, METH_NOARGS, NULL},
    SSLX_CONN_METHODS,
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef sslsocket_getset[] = {
    {"do_handshake_on_connect", get_do_handshake_on_connect, set_do_handshake_on_connect,
     NULL, NULL},
    {"suppress_ragged_eofs", get_suppress_ragged_eofs, set_suppress_ragged_eofs, NULL, NULL},
    {"_sslobj", get_sslobj, NULL, NULL, NULL},
    {"_connected", get_connected, NULL, NULL, NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    SSLX_CONN_GETSET,
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- module functions ---- */

/* PEM text of a DER certificate. */
static PyObject *
der_to_pem(PyObject *der)
{
    char *data;
    Py_ssize_t len;
    if (PyBytes_AsStringAndSize(der, &data, &len) < 0)
        return NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return PyErr_NoMemory();
    PyObject *result = NULL;
    char *pem;
    if (len <= LONG_MAX
        && PEM_write_bio(bio, "CERTIFICATE", "", (const unsigned char *)data, (long)len) > 0) {
        long n = BIO_get_mem_data(bio, &pem);
        result = PyUnicode_DecodeASCII(pem, n, "strict");
    } else {
        PyErr_SetString(PyExc_ValueError, "cannot encode certificate as PEM");
    }
    ERR_clear_error();
    BIO_free(bio);
    return result;
}

/* A context made through the SSLContext type's Python API (its C side is
 * another file's business): verification as cert_reqs, no hostname
 * check, CAs from cafile, or the default ones when verifying without. */
static PyObject *
unverified_context(sslx_state *st, PyObject *protocol, int cert_reqs, PyObject *cafile)
{
    PyObject *ctx = PyObject_CallOneArg((PyObject *)st->SSLContext_Type, protocol);
    if (ctx == NULL)
        return NULL;
    PyObject *reqs = PyLong_FromLong(cert_reqs), *r = NULL;
    if (reqs == NULL || PyObject_SetAttrString(ctx, "check_hostname", Py_False) < 0
        || PyObject_SetAttrString(ctx, "verify_mode", reqs) < 0)
        goto fail;
    if (cafile != Py_None)
        r = PyObject_CallMethod(ctx, "load_verify_locations", "O", cafile);
    else if (cert_reqs != SSLX_CERT_NONE)
        r = PyObject_CallMethod(ctx, "load_default_certs", NULL);
    else
        r = Py_NewRef(Py_None);
    if (r == NULL)
        goto fail;
    Py_DECREF(r);
    Py_DECREF(reqs);
    return ctx;
fail:
    Py_XDECREF(reqs);
    Py_DECREF(ctx);
    return NULL;
}

/* getpeercert(True) of a TLS connection to `addr`, as PEM. */
static PyObject *
fetch_peer_certificate(PyObject *ctx, PyObject *addr, PyObject *host, PyObject *timeout)
{
    PyObject *socket_mod = PyImport_ImportModule("socket");
    if (socket_mod == NULL)
        return NULL;
    PyObject *sock = PyObject_CallMethod(socket_mod, "create_connection", "OO", addr, timeout);
    Py_DECREF(socket_mod);
    if (sock == NULL)
        return NULL;
    PyObject *pem = NULL, *der = NULL, *kw = Py_BuildValue("{s:O}", "server_hostname", host);
    PyObject *wrap = PyObject_GetAttrString(ctx, "wrap_socket");
    PyObject *args = PyTuple_Pack(1, sock);
    PyObject *tls = (kw && wrap && args) ? PyObject_Call(wrap, args, kw) : NULL;
    if (tls != NULL) {
        der = PyObject_CallMethod(tls, "getpeercert", "O", Py_True);
        close_after_error(tls);
    }
    if (der != NULL)
        pem = der_to_pem(der);
    close_after_error(sock);
    Py_XDECREF(tls);
    Py_XDECREF(der);
    Py_XDECREF(args);
    Py_XDECREF(wrap);
    Py_XDECREF(kw);
    Py_DECREF(sock);
    return pem;
}

/* `host, port = addr` as Python unpacks it: any iterable of exactly two
 * items, with Python's errors for other shapes.  A new (host, port)
 * tuple, or NULL with an exception set. */
static PyObject *
unpack_address(PyObject *addr)
{
    PyObject *it = PyObject_GetIter(addr);
    if (it == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "cannot unpack non-iterable %.200s object",
                         Py_TYPE(addr)->tp_name);
        }
        return NULL;
    }
    PyObject *items[3] = {NULL, NULL, NULL}, *pair = NULL;
    int n = 0;
    while (n < 3 && (items[n] = PyIter_Next(it)) != NULL)
        n++;
    if (PyErr_Occurred())
        goto done;
    if (n == 2)
        pair = PyTuple_Pack(2, items[0], items[1]);
    else if (n > 2)
        PyErr_SetString(PyExc_ValueError, "too many values to unpack (expected 2)");
    else
        PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected 2, got %d)", n);
done:
    for (int i = 0; i < 3; i++)
        Py_XDECREF(items[i]);
    Py_DECREF(it);
    return pair;
}

/* get_server_certificate(addr, ssl_version=PROTOCOL_TLS_CLIENT,
 *                        ca_certs=None, timeout=<socket default>) */
static PyObject *
get_server_certificate(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"addr", "ssl_version", "ca_certs", "timeout", NULL};
    PyObject *addr, *version = NULL, *ca_certs = Py_None, *timeout = NULL;
    sslx_state *st = sslx_state_from_module(module);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOO:get_server_certificate", kwlist,
                                     &addr, &version, &ca_certs, &timeout))
        return NULL;
    PyObject *pair = unpack_address(addr);
    if (pair == NULL)
        return NULL;
    PyObject *host = PyTuple_GET_ITEM(pair, 0);
    PyObject *default_version = NULL, *default_timeout = NULL, *ctx = NULL, *pem = NULL;
    if (version == NULL)
        version = default_version = PyLong_FromLong(SSLX_PROTOCOL_TLS_CLIENT);
    if (timeout == NULL) {
        PyObject *socket_mod = PyImport_ImportModule("socket");
        if (socket_mod != NULL) {
            timeout = default_timeout = PyObject_GetAttrString(socket_mod,
                                                               "_GLOBAL_DEFAULT_TIMEOUT");
            Py_DECREF(socket_mod);
        }
    }
    if (version != NULL && timeout != NULL)
        ctx = unverified_context(st, version,
                                 ca_certs == Py_None ? SSLX_CERT_NONE : SSLX_CERT_REQUIRED,
                                 ca_certs);
    if (ctx != NULL)
        pem = fetch_peer_certificate(ctx, pair, host, timeout);
    Py_XDECREF(ctx);
    Py_XDECREF(default_version);
    Py_XDECREF(default_timeout);
    Py_DECREF(pair);
    return pem;
}

static int
warn_module_wrap_socket(void)
{
    return PyErr_WarnEx(PyExc_DeprecationWarning,
                        "ssl.wrap_socket() is deprecated, use SSLContext.wrap_socket()", 1);
}

/* obj.name(*args) when `arg` is true (the stdlib skips empty values). */
static int
call_if_true(PyObject *obj, const char *name, PyObject *arg, PyObject *arg2)
{
    int on = PyObject_IsTrue(arg);
    if (on <= 0)
        return on;
    PyObject *r = arg2 ? PyObject_CallMethod(obj, name, "OO", arg, arg2)
                       : PyObject_CallMethod(obj, name, "O", arg);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* Configure a context for the deprecated module-level wrap_socket(). */
static int
configure_legacy_context(PyObject *ctx, PyObject *certfile, PyObject *keyfile,
                         PyObject *cert_reqs, PyObject *ca_certs, PyObject *ciphers)
{
    if (PyObject_SetAttrString(ctx, "verify_mode", cert_reqs) < 0
        || call_if_true(ctx, "load_verify_locations", ca_certs, NULL) < 0
        || call_if_true(ctx, "load_cert_chain", certfile, keyfile) < 0
        || call_if_true(ctx, "set_ciphers", ciphers, NULL) < 0)
        return -1;
    return 0;
}

/* wrap_socket(sock, keyfile=None, certfile=None, server_side=False,
 *             cert_reqs=CERT_NONE, ssl_version=PROTOCOL_TLS, ca_certs=None,
 *             do_handshake_on_connect=True, suppress_ragged_eofs=True,
 *             ciphers=None)  -- deprecated since 3.7 */
static PyObject *
module_wrap_socket(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"sock", "keyfile", "certfile", "server_side", "cert_reqs",
                             "ssl_version", "ca_certs", "do_handshake_on_connect",
                             "suppress_ragged_eofs", "ciphers", NULL};
    PyObject *sock, *keyfile = Py_None, *certfile = Py_None, *cert_reqs = NULL;
    PyObject *version = NULL, *ca_certs = Py_None, *ciphers = Py_None;
    int server_side = 0, handshake = 1, ragged = 1;
    sslx_state *st = sslx_state_from_module(module);
    if (warn_module_wrap_socket() < 0
        || !PyArg_ParseTupleAndKeywords(args, kwds, "O|OOpOOOppO:wrap_socket", kwlist, &sock,
                                        &keyfile, &certfile, &server_side, &cert_reqs,
                                        &version, &ca_certs, &handshake, &ragged, &ciphers))
        return NULL;
    int has_cert = PyObject_IsTrue(certfile), has_key = PyObject_IsTrue(keyfile);
    if (has_cert < 0 || has_key < 0)
        return NULL;
    if (server_side && !has_cert) {
        PyErr_SetString(PyExc_ValueError,
                        "certfile must be specified for server-side operations");
        return NULL;
    }
    if (has_key && !has_cert) {
        PyErr_SetString(PyExc_ValueError, "certfile must be specified");
        return NULL;
    }
    PyObject *own_reqs = NULL, *own_version = NULL, *ctx = NULL, *result = NULL;
    if (cert_reqs == NULL)
        cert_reqs = own_reqs = PyLong_FromLong(SSLX_CERT_NONE);
    if (version == NULL)
        version = own_version = PyLong_FromLong(SSLX_PROTOCOL_TLS);
    if (cert_reqs != NULL && version != NULL)
        ctx = PyObject_CallOneArg((PyObject *)st->SSLContext_Type, version);
    if (ctx != NULL
        && configure_legacy_context(ctx, certfile, keyfile, cert_reqs, ca_certs, ciphers) == 0)
        result = sslx_sslsocket_new(st, (sslx_context *)ctx, NULL, sock, server_side,
                                    handshake, ragged, Py_None, Py_None);
    Py_XDECREF(ctx);
    Py_XDECREF(own_reqs);
    Py_XDECREF(own_version);
    return result;
}

static PyMethodDef sslsocket_functions[] = {
    KW_METHOD("get_server_certificate", get_server_certificate),
    KW_METHOD("wrap_socket", module_wrap_socket),
    {NULL, NULL, 0, NULL},
};

/* ---- type setup ---- */

static PyType_Slot sslsocket_slots[] = {
    {Py_tp_new, sslsocket_new},
    {Py_tp_init, sslsocket_init},
    {Py_tp_dealloc, sslsocket_dealloc},
    {Py_tp_traverse, sslsocket_traverse},
    {Py_tp_clear, sslsocket_clear},
    {Py_tp_methods, sslsocket_methods},
    {Py_tp_getset, sslsocket_getset},
    {Py_tp_members, NULL},      /* filled in at setup: __dictoffset__ */
    {Py_tp_doc, "SSLSocket: a socket.socket speaking TLS, made by "
                "SSLContext.wrap_socket()."},
    {0, NULL},
};

static PyObject *
import_socket_type(void)
{
    PyObject *mod = PyImport_ImportModule("socket");
    if (mod == NULL)
        return NULL;
    PyObject *type = PyObject_GetAttrString(mod, "socket");
    Py_DECREF(mod);
    if (type != NULL && !PyType_Check(type)) {
        Py_DECREF(type);
        PyErr_SetString(PyExc_TypeError, "socket.socket is not a type");
        return NULL;
    }
    return type;
}

/* _socket.socket's own methods the engine calls (module.h). */
static int
import_raw_socket_methods(sslx_state *st)
{
    PyObject *raw = (PyObject *)((PyTypeObject *)st->socket_type)->tp_base;
    st->socket_gettimeout = PyObject_GetAttrString(raw, "gettimeout");
    st->socket_fileno = PyObject_GetAttrString(raw, "fileno");
    st->socket_getpeername = PyObject_GetAttrString(raw, "getpeername");
    if (st->socket_gettimeout == NULL || st->socket_fileno == NULL
        || st->socket_getpeername == NULL)
        return -1;
    return 0;
}

int
sslx_sslsocket_setup(PyObject *module, sslx_state *st)
{
    if (st->socket_type == NULL && (st->socket_type = import_socket_type()) == NULL)
        return -1;
    if (import_raw_socket_methods(st) < 0)
        return -1;
    Py_ssize_t base_size = ((PyTypeObject *)st->socket_type)->tp_basicsize;
    /* The instance __dict__ sits in sock_ext, after socket.socket's part. */
    PyMemberDef members[] = {
        {"__dictoffset__", T_PYSSIZET, base_size + offsetof(sock_ext, dict), READONLY, NULL},
        {NULL, 0, 0, 0, NULL},
    };
    PyType_Slot slots[sizeof(sslsocket_slots) / sizeof(sslsocket_slots[0])];
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        slots[i] = sslsocket_slots[i];
        if (slots[i].slot == Py_tp_members)
            slots[i].pfunc = members;
    }
    PyType_Spec spec = {
        .name = "sslx.SSLSocket",
        .basicsize = (int)(base_size + sizeof(sock_ext)),
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
        .slots = slots,
    };
    st->SSLSocket_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec,
                                                                  st->socket_type);
    if (st->SSLSocket_Type == NULL)
        return -1;
    if (PyModule_AddType(module, st->SSLSocket_Type) < 0)
        return -1;
    return PyModule_AddFunctions(module, sslsocket_functions);
}
