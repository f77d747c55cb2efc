/* sslsocket.c - SSLSocket: a TLS connection over a socket.socket.
 *
 * SSLSocket is a C type whose base is the stdlib's Python class
 * ssl.SSLSocket (so isinstance(s, ssl.SSLSocket) holds), itself a
 * socket.socket: its instances are real sockets, fileno(), settimeout(),
 * makefile(), repr() and the socket attributes are inherited.  Every name
 * ssl.SSLSocket defines is shadowed here (checked at setup); its instance
 * dictionary is kept where the interpreter puts it (pybase.c).  The
 * instance layout is
 *
 *     [ ssl.SSLSocket's tp_basicsize bytes ][ sock_ext, ending in sslx_conn ]
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
#include <string.h>
#include "sslsocket_internal.h"
#include "conn_py.h"
#include "connview.h"
#include "errors.h"
#include "pybase.h"

static void sslsocket_dealloc(PyObject *self);

const char *
sslx_sslsocket_type_name(PyTypeObject *type)
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

sock_ext *
sslx_sslsocket_ext(PyObject *self)
{
    PyTypeObject *t = sslsocket_base(self);
    if (t == NULL) {
        PyErr_SetString(PyExc_TypeError, "not an SSLSocket");
        return NULL;
    }
    return (sock_ext *)((char *)self + t->tp_basicsize - sizeof(sock_ext));
}

sslx_state *
sslx_sslsocket_state(PyObject *self)
{
    PyTypeObject *t = sslsocket_base(self);
    return t ? (sslx_state *)PyType_GetModuleState(t) : NULL;
}

/* ---- calling socket.socket's own methods ---- */

PyObject *
sslx_sslsocket_call_base(PyObject *self, const char *name, PyObject *args, PyObject *kwargs)
{
    sslx_state *st = sslx_sslsocket_state(self);
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

/* ---- the SSL* life cycle on top of the engine ---- */

/* Kernel TLS kept the descriptor non-blocking (conn_lifecycle.c): give
 * it back the mode its timeout says, as settimeout() sets it. */
static void
restore_blocking_mode(PyObject *self)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    sslx_state *st = sslx_sslsocket_state(self);
    PyObject *timeout = st ? PyObject_CallOneArg(st->socket_gettimeout, self) : NULL;
    PyObject *r = timeout ? PyObject_CallMethod(st->socket_type, "settimeout", "OO", self,
                                                timeout)
                          : NULL;
    Py_XDECREF(r);
    Py_XDECREF(timeout);
    PyErr_Clear();      /* a closed socket has no mode to restore */
    PyErr_Restore(type, value, tb);
}

/* The socket is unwrapped or closed and answers like an unwrapped stdlib
 * SSLSocket. */
int
sslx_sslsocket_release(sock_ext *x, const char *what)
{
    int os_bio = x->conn.os_socket_bio;
    PyObject *self = x->conn.owner;
    if (sslx_conn_stop(&x->conn, what) < 0)
        return -1;
    if (os_bio && self != NULL)
        restore_blocking_mode(self);
    return 0;
}

/* Drop the TLS layer after a failure, keeping the pending exception. */
static void
release_keeping_error(sock_ext *x)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (sslx_sslsocket_release(x, "connect()") < 0)
        PyErr_Clear();
    PyErr_Restore(type, value, tb);
}

int
sslx_sslsocket_fd(PyObject *self)
{
    sslx_state *st = sslx_sslsocket_state(self);
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

int
sslx_sslsocket_start_tls(PyObject *self, sock_ext *x)
{
    int fd = sslx_sslsocket_fd(self);
    if (fd == -2)
        return -1;
    if (fd < 0) {
        errno = EBADF;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    return sslx_conn_start_socket(&x->conn, fd);
}

int
sslx_sslsocket_run_handshake(sock_ext *x, int block)
{
    double timeout = sslx_conn_timeout(&x->conn);
    if (timeout == -2.0)
        return -1;
    if (block && timeout == 0.0)
        timeout = -1.0;
    return sslx_conn_handshake(&x->conn, timeout);
}

/* The sock_ext of a socket with its TLS layer on; NULL with the stdlib's
 * ValueError ("No SSL wrapper around <socket>", from str(self)) when it
 * is off: not connected yet, unwrapped or closed. */
static sock_ext *
wrapped_ext(PyObject *self)
{
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x != NULL && x->conn.ssl == NULL) {
        PyErr_Format(PyExc_ValueError, "No SSL wrapper around %S", self);
        return NULL;
    }
    return x;
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

/* ---- GC, dealloc ---- */

static int
sslsocket_traverse(PyObject *self, visitproc visit, void *arg)
{
    sock_ext *x = (sock_ext *)((char *)self + sslsocket_base(self)->tp_basicsize
                               - sizeof(sock_ext));
    Py_VISIT(Py_TYPE(self));
    int rc = sslx_pybase_traverse(self, visit, arg);
    if (rc == 0)
        rc = sslx_sslsocket_identity_traverse(x, visit, arg);
    return rc ? rc : sslx_conn_traverse(&x->conn, visit, arg);
}

static int
sslsocket_clear(PyObject *self)
{
    sock_ext *x = (sock_ext *)((char *)self + sslsocket_base(self)->tp_basicsize
                               - sizeof(sock_ext));
    sslx_pybase_clear(self);
    sslx_sslsocket_identity_clear(x);
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
    sslx_state *st = (sslx_state *)PyType_GetModuleState(mine);
    PyTypeObject *socket_type = (PyTypeObject *)st->socket_type;   /* socket.socket */
    PyTypeObject *raw = socket_type->tp_base;       /* _socket.socket */
    PyObject_GC_UnTrack(self);
    /* The base's finalizer warns about an unclosed socket and closes the
     * fd; it must see the object whole.  It may resurrect the object (a
     * warnings hook that keeps the warning's source does): the object is
     * tracked by the GC while it runs, and stays so if it survives, as
     * CPython's own subtype_dealloc does it. */
    if (tp->tp_finalize != NULL) {
        PyObject_GC_Track(self);
        if (PyObject_CallFinalizerFromDealloc(self) < 0)
            return;     /* resurrected */
        PyObject_GC_UnTrack(self);
    }
    if (socket_type->tp_weaklistoffset)
        PyObject_ClearWeakRefs(self);
    sock_ext *x = (sock_ext *)((char *)self + mine->tp_basicsize - sizeof(sock_ext));
    sslx_pybase_clear(self);
    sslx_sslsocket_identity_clear(x);
    sslx_connview_orphan(&x->conn);     /* a socket's connection is never taken over */
    sslx_conn_free(&x->conn);
    clear_base_slots(self, socket_type);
    /* A static _socket.socket (3.10, 3.11) does not release the reference
     * every heap-type instance holds on its type; a heap one (3.12+) does. */
    int base_decrefs_type = PyType_HasFeature(raw, Py_TPFLAGS_HEAPTYPE);
    /* A GC-aware base dealloc (3.12+) expects a tracked object, as
     * CPython's subtype_dealloc hands it one: it calls the finalizer
     * machinery again (a no-op now, but a debug build asserts tracking). */
    if (PyType_IS_GC(raw))
        PyObject_GC_Track(self);
    raw->tp_dealloc(self);
    if (!base_decrefs_type)
        Py_DECREF(tp);
}

/* ---- TLS session control ---- */

PyDoc_STRVAR(do_handshake_doc,
"do_handshake($self, /, block=False)\n--\n\n"
"Run the TLS handshake; return None once it is complete.\n\n"
"Needed only when the socket was wrapped with do_handshake_on_connect\n"
"false.  On a non-blocking socket, raises SSLWantReadError or\n"
"SSLWantWriteError until done (call again when the socket is ready),\n"
"unless block is true; on a socket with a timeout, TimeoutError when it\n"
"expires.  Raises SSLCertVerificationError when the peer's certificate or\n"
"name does not verify, SSLError subclasses for other TLS failures,\n"
"OSError when not connected, ValueError once closed or unwrapped.");

static PyObject *
sslsocket_do_handshake(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"block", NULL};
    int block = 0;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "|p:do_handshake", kwlist,
                                                  &block))
        return NULL;
    if (check_connected(self, x) < 0)
        return NULL;
    if (x->conn.ssl == NULL) {
        PyErr_SetString(PyExc_ValueError, "Handshake on closed or unwrapped SSL socket.");
        return NULL;
    }
    if (sslx_sslsocket_run_handshake(x, block) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(unwrap_doc,
"unwrap($self, /)\n--\n\n"
"Close the TLS layer (send the close_notify alert, receive the peer's)\n"
"and return the socket, which now carries plain data.\n\n"
"Raises SSLWantReadError or SSLWantWriteError on a non-blocking socket\n"
"until done (call again), TimeoutError when a timeout expires, SSLError\n"
"subclasses for TLS failures and ValueError when TLS is not on.");

/* unwrap(): close the TLS layer (close_notify both ways) and return the
 * socket, now speaking cleartext. */
static PyObject *
sslsocket_unwrap(PyObject *self, PyObject *unused)
{
    (void)unused;
    sock_ext *x = wrapped_ext(self);
    if (x == NULL)
        return NULL;
    double timeout = sslx_conn_timeout(&x->conn);
    if (timeout == -2.0)
        return NULL;
    if (sslx_conn_shutdown(&x->conn, timeout) < 0 || sslx_sslsocket_release(x, "unwrap()") < 0)
        return NULL;
    return Py_NewRef(self);
}

static PyObject *
sslsocket_verify_client_post_handshake(PyObject *self, PyObject *unused)
{
    if (wrapped_ext(self) == NULL)
        return NULL;
    return sslx_conn_py_verify_client_post_handshake(self, unused);
}

static PyObject *
sslsocket_getpeercert(PyObject *self, PyObject *args, PyObject *kwds)
{
    /* The call's shape is checked before the connection, as the stdlib's
     * Python method does. */
    static char *kwlist[] = {"binary_form", NULL};
    PyObject *binary;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:getpeercert", kwlist, &binary))
        return NULL;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL || check_connected(self, x) < 0)
        return NULL;
    return sslx_conn_py_getpeercert(self, args, kwds);
}

/* ---- socket life cycle ---- */

PyDoc_STRVAR(shutdown_doc,
"shutdown($self, /, how)\n--\n\n"
"Drop the TLS layer without a TLS close, then shut down reading\n"
"(SHUT_RD), writing (SHUT_WR) or both (SHUT_RDWR) with\n"
"socket.socket.shutdown().  Raises OSError as that does.");

static PyObject *
sslsocket_shutdown(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"how", NULL};
    PyObject *how;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:shutdown", kwlist, &how))
        return NULL;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL || sslx_sslsocket_release(x, "shutdown()") < 0)
        return NULL;
    PyObject *positional = PyTuple_Pack(1, how);
    if (positional == NULL)
        return NULL;
    PyObject *r = sslx_sslsocket_call_base(self, "shutdown", positional, NULL);
    Py_DECREF(positional);
    return r;
}

/* Drop the TLS state, then let socket.socket do `name` (no arguments).
 * Refused inside a callback of this connection: the handshake running
 * there still uses the descriptor. */
static PyObject *
release_then_base(PyObject *self, const char *name, const char *what)
{
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL || sslx_sslsocket_release(x, what) < 0)
        return NULL;
    return sslx_sslsocket_call_base_noargs(self, name);
}

/* socket.socket.close() calls _real_close() once no makefile() object
 * uses the socket any more. */
static PyObject *
sslsocket_real_close(PyObject *self, PyObject *unused)
{
    (void)unused;
    return release_then_base(self, "_real_close", "close()");
}

PyDoc_STRVAR(detach_doc,
"detach($self, /)\n--\n\n"
"Drop the TLS layer without a TLS close and give up the descriptor: the\n"
"socket is closed, the descriptor left open and returned (int).");

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
    sock_ext *x = sslx_sslsocket_ext(self);
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
    if (sslx_sslsocket_apply_hostname(x) < 0)
        return NULL;
    if (sslx_sslsocket_start_tls(self, x) < 0)
        return NULL;
    PyObject *r = sslx_sslsocket_call_base(self, use_ex ? "connect_ex" : "connect", args, NULL);
    if (r == NULL)
        goto fail;
    long rc = use_ex ? PyLong_AsLong(r) : 0;
    if (rc == -1 && PyErr_Occurred())
        goto fail;
    if (rc == 0) {
        x->connected = 1;
        if (x->do_handshake_on_connect && sslx_sslsocket_run_handshake(x, 0) < 0)
            goto fail;
    }
    return r;
fail:
    Py_XDECREF(r);
    release_keeping_error(x);
    return NULL;
}

/* connect(addr) / connect_ex(addr): the address by position or name. */
static PyObject *
connect_method(PyObject *self, PyObject *args, PyObject *kwds, int use_ex)
{
    static char *kwlist[] = {"addr", NULL};
    PyObject *addr;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, use_ex ? "O:connect_ex" : "O:connect", kwlist,
                                     &addr))
        return NULL;
    PyObject *one = PyTuple_Pack(1, addr);
    if (one == NULL)
        return NULL;
    PyObject *r = real_connect(self, one, use_ex);
    Py_DECREF(one);
    return r;
}

PyDoc_STRVAR(connect_doc,
"connect($self, /, addr)\n--\n\n"
"Connect to addr, then (with do_handshake_on_connect) run the TLS\n"
"handshake as a client.\n\n"
"Raises ValueError on a server-side or already connected socket, OSError\n"
"when the connection fails, and what do_handshake() raises.");

static PyObject *
sslsocket_connect(PyObject *self, PyObject *args, PyObject *kwds)
{
    return connect_method(self, args, kwds, 0);
}

/* The stdlib's private _real_connect(addr, connect_ex), which its
 * connect() and connect_ex() call. */
static PyObject *
sslsocket_private_real_connect(PyObject *self, PyObject *args)
{
    PyObject *addr, *use_ex;
    if (!PyArg_ParseTuple(args, "OO:_real_connect", &addr, &use_ex))
        return NULL;
    int ex = PyObject_IsTrue(use_ex);
    PyObject *one = ex < 0 ? NULL : PyTuple_Pack(1, addr);
    if (one == NULL)
        return NULL;
    PyObject *r = real_connect(self, one, ex);
    Py_DECREF(one);
    return r;
}

/* The stdlib's private _check_connected(): OSError unless connected. */
static PyObject *
sslsocket_private_check_connected(PyObject *self, PyObject *unused)
{
    (void)unused;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL || check_connected(self, x) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* The stdlib's private _checkClosed(msg=None): a hook that checks nothing
 * there either. */
static PyObject *
sslsocket_private_check_closed(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *msg = NULL;
    if (!PyArg_ParseTuple(args, "|O:_checkClosed", &msg))
        return NULL;
    Py_RETURN_NONE;
}

/* The stdlib's private constructor, a classmethod; sslx makes its
 * objects in SSLContext.wrap_socket() only. */
static PyObject *
sslsocket_private_create(PyObject *cls, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    PyErr_Format(PyExc_TypeError, "%s objects are made by SSLContext.wrap_socket()",
                 ((PyTypeObject *)cls)->tp_name);
    return NULL;
}

PyDoc_STRVAR(connect_ex_doc,
"connect_ex($self, /, addr)\n--\n\n"
"Like connect(), but a failure to connect is returned as an errno value\n"
"instead of raised (0 on success; EINPROGRESS on a non-blocking socket,\n"
"whose handshake then comes later).");

static PyObject *
sslsocket_connect_ex(PyObject *self, PyObject *args, PyObject *kwds)
{
    return connect_method(self, args, kwds, 1);
}

PyDoc_STRVAR(accept_doc,
"accept($self, /)\n--\n\n"
"Accept a connection on a listening socket: return (conn, address), conn\n"
"being the new connection wrapped by context.wrap_socket() as a server,\n"
"with this socket's do_handshake_on_connect and suppress_ragged_eofs.\n\n"
"Raises OSError as socket.socket.accept() does, and what the handshake\n"
"raises when do_handshake_on_connect is set.");

/* accept(): the new connection is wrapped by self.context.wrap_socket(),
 * server side, so context.sslsocket_class applies. */
static PyObject *
sslsocket_accept(PyObject *self, PyObject *unused)
{
    (void)unused;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    PyObject *pair = sslx_sslsocket_call_base_noargs(self, "accept");
    if (pair == NULL)
        return NULL;
    PyObject *result = NULL, *wrapped = NULL, *kw = NULL;
    PyObject *newsock, *addr;
    if (!PyArg_ParseTuple(pair, "OO", &newsock, &addr))
        goto done;
    kw = Py_BuildValue("{s:O,s:O,s:O}", "server_side", Py_True, "do_handshake_on_connect",
                       x->do_handshake_on_connect ? Py_True : Py_False,
                       "suppress_ragged_eofs",
                       x->conn.suppress_ragged_eofs ? Py_True : Py_False);
    if (kw == NULL)
        goto close_new;
    wrapped = sslx_call_method_kw((PyObject *)x->conn.context, "wrap_socket", newsock, kw);
    if (wrapped == NULL)
        goto close_new;
    result = PyTuple_Pack(2, wrapped, addr);
    goto done;
close_new:
    sslx_sslsocket_close_after_error(newsock);
done:
    Py_XDECREF(wrapped);
    Py_XDECREF(kw);
    Py_DECREF(pair);
    return result;
}

/* ---- attributes ---- */

static PyObject *
get_do_handshake_on_connect(PyObject *self, void *c)
{
    (void)c;
    sock_ext *x = sslx_sslsocket_ext(self);
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
    sock_ext *x = sslx_sslsocket_ext(self);
    return x ? set_flag(value, &x->do_handshake_on_connect) : -1;
}

static PyObject *
get_suppress_ragged_eofs(PyObject *self, void *c)
{
    (void)c;
    sock_ext *x = sslx_sslsocket_ext(self);
    return x ? PyBool_FromLong(x->conn.suppress_ragged_eofs) : NULL;
}

static int
set_suppress_ragged_eofs(PyObject *self, PyObject *value, void *c)
{
    (void)c;
    sock_ext *x = sslx_sslsocket_ext(self);
    return x ? set_flag(value, &x->conn.suppress_ragged_eofs) : -1;
}

/* `_sslobj`: the stdlib keeps its _ssl object there and some code (test
 * suites, instrumentation) looks at it; here the TLS methods live on the
 * socket itself, so it is the socket while wrapped, None otherwise. */
static PyObject *
get_sslobj(PyObject *self, void *c)
{
    (void)c;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        Py_RETURN_NONE;
    return sslx_connview_of(x->conn.st, self, &x->conn);
}

static PyObject *
get_connected(PyObject *self, void *c)
{
    (void)c;
    sock_ext *x = sslx_sslsocket_ext(self);
    return x ? PyBool_FromLong(x->connected) : NULL;
}

static PyMethodDef sslsocket_methods[] = {
    {"recv", SSLX_KW_METHOD(sslx_sslsocket_recv), METH_VARARGS | METH_KEYWORDS,
     sslx_sslsocket_recv_doc},
    {"recv_into", SSLX_KW_METHOD(sslx_sslsocket_recv_into), METH_VARARGS | METH_KEYWORDS,
     sslx_sslsocket_recv_into_doc},
    {"send", SSLX_KW_METHOD(sslx_sslsocket_send), METH_VARARGS | METH_KEYWORDS,
     sslx_sslsocket_send_doc},
    {"sendall", SSLX_KW_METHOD(sslx_sslsocket_sendall), METH_VARARGS | METH_KEYWORDS,
     sslx_sslsocket_sendall_doc},
    {"sendfile", SSLX_KW_METHOD(sslx_sslsocket_sendfile), METH_VARARGS | METH_KEYWORDS,
     sslx_sslsocket_sendfile_doc},
    {"recvfrom", SSLX_KW_METHOD(sslx_sslsocket_recvfrom), METH_VARARGS | METH_KEYWORDS,
     sslx_sslsocket_recvfrom_doc},
    {"recvfrom_into", SSLX_KW_METHOD(sslx_sslsocket_recvfrom_into),
     METH_VARARGS | METH_KEYWORDS, sslx_sslsocket_recvfrom_into_doc},
    {"sendto", SSLX_KW_METHOD(sslx_sslsocket_sendto), METH_VARARGS | METH_KEYWORDS,
     sslx_sslsocket_sendto_doc},
    {"recvmsg", SSLX_KW_METHOD(sslx_sslsocket_recvmsg), METH_VARARGS | METH_KEYWORDS,
     sslx_sslsocket_recvmsg_doc},
    {"recvmsg_into", SSLX_KW_METHOD(sslx_sslsocket_recvmsg_into),
     METH_VARARGS | METH_KEYWORDS, sslx_sslsocket_recvmsg_into_doc},
    {"sendmsg", SSLX_KW_METHOD(sslx_sslsocket_sendmsg), METH_VARARGS | METH_KEYWORDS,
     sslx_sslsocket_sendmsg_doc},
    {"dup", sslx_sslsocket_dup, METH_NOARGS, sslx_sslsocket_dup_doc},
    {"do_handshake", SSLX_KW_METHOD(sslsocket_do_handshake), METH_VARARGS | METH_KEYWORDS,
     do_handshake_doc},
    {"unwrap", sslsocket_unwrap, METH_NOARGS, unwrap_doc},
    {"verify_client_post_handshake", sslsocket_verify_client_post_handshake, METH_NOARGS,
     sslx_conn_verify_client_post_handshake_doc},
    {"getpeercert", SSLX_KW_METHOD(sslsocket_getpeercert), METH_VARARGS | METH_KEYWORDS,
     sslx_conn_getpeercert_doc},
    {"shutdown", SSLX_KW_METHOD(sslsocket_shutdown), METH_VARARGS | METH_KEYWORDS,
     shutdown_doc},
    {"_real_close", sslsocket_real_close, METH_NOARGS, NULL},
    {"detach", sslsocket_detach, METH_NOARGS, detach_doc},
    {"connect", SSLX_KW_METHOD(sslsocket_connect), METH_VARARGS | METH_KEYWORDS, connect_doc},
    {"connect_ex", SSLX_KW_METHOD(sslsocket_connect_ex), METH_VARARGS | METH_KEYWORDS,
     connect_ex_doc},
    {"_real_connect", sslsocket_private_real_connect, METH_VARARGS, NULL},
    {"_check_connected", sslsocket_private_check_connected, METH_NOARGS, NULL},
    {"_checkClosed", sslsocket_private_check_closed, METH_VARARGS, NULL},
    {"_create", SSLX_KW_METHOD(sslsocket_private_create),
     METH_VARARGS | METH_KEYWORDS | METH_CLASS, NULL},
    {"accept", sslsocket_accept, METH_NOARGS, accept_doc},
    SSLX_CONN_METHODS,
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef sslsocket_getset[] = {
    {"do_handshake_on_connect", get_do_handshake_on_connect, set_do_handshake_on_connect,
     "Whether connect() and wrap_socket() of a connected socket run the\n"
     "handshake themselves (bool); else the program calls do_handshake().", NULL},
    {"suppress_ragged_eofs", get_suppress_ragged_eofs, set_suppress_ragged_eofs,
     "Whether a peer closing the connection without the TLS close_notify\n"
     "reads as end of stream (bool) instead of raising SSLEOFError.", NULL},
    {"_sslobj", get_sslobj, NULL, NULL, NULL},
    {"_connected", get_connected, NULL, NULL, NULL},
    {"server_side", sslx_sslsocket_get_server_side, sslx_sslsocket_set_server_side,
     "True for the server end of the connection, False for the client end;\n"
     "assignable, like the stdlib's attribute (before connect() it decides\n"
     "whether connect() is refused).", NULL},
    {"server_hostname", sslx_sslsocket_get_server_hostname, sslx_sslsocket_set_server_hostname,
     "The server name given when the socket was wrapped (str, an A-label\n"
     "for internationalized names), or None; assignable, like the stdlib's\n"
     "attribute (before connect() it is the name connect() sends and\n"
     "verifies).", NULL},
    SSLX_CONN_GETSET,
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- type setup ---- */

PyDoc_STRVAR(sslsocket_doc,
"SSLSocket(*args, **kwargs)\n--\n\n"
"A socket.socket that speaks TLS: what it sends is encrypted, what it\n"
"receives decrypted, with the timeouts and blocking mode of a socket.\n\n"
"Made by SSLContext.wrap_socket(); calling the class raises TypeError.\n"
"recv()/send() and the other socket methods work on application data;\n"
"datagram and ancillary-data methods are refused while TLS is on.");

static PyType_Slot sslsocket_slots[] = {
    {Py_tp_new, sslx_sslsocket_tp_new},
    {Py_tp_init, sslx_sslsocket_tp_init},
    {Py_tp_dealloc, sslsocket_dealloc},
    {Py_tp_traverse, sslsocket_traverse},
    {Py_tp_clear, sslsocket_clear},
    {Py_tp_methods, sslsocket_methods},
    {Py_tp_getset, sslsocket_getset},
    {Py_tp_doc, (void *)sslsocket_doc},
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
    /* The stdlib's class (or its stand-in, pybase.c); sslx's part goes
     * after the base's. */
    PyObject *base = st->stdlib_SSLSocket;
    Py_ssize_t base_size = ((PyTypeObject *)base)->tp_basicsize;
    PyType_Spec spec = {
        .name = "sslx.SSLSocket",
        .basicsize = (int)(base_size + sizeof(sock_ext)),
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
        .slots = sslsocket_slots,
    };
    PyObject *bases = PyTuple_Pack(1, base);
    if (bases == NULL)
        return -1;
    st->SSLSocket_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, bases);
    Py_DECREF(bases);
    if (st->SSLSocket_Type == NULL)
        return -1;
    if (sslx_pybase_check_shadowed(st->SSLSocket_Type, (PyTypeObject *)base,
                                   (PyTypeObject *)st->socket_type) < 0)
        return -1;
    if (PyModule_AddType(module, st->SSLSocket_Type) < 0)
        return -1;
    return sslx_sslsocket_functions_setup(module, st);
}
