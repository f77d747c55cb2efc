/* sslsocket_io.c - SSLSocket's socket I/O methods: through TLS while the
 * socket is wrapped, socket.socket's own once it is unwrapped or before
 * TLS starts; what cannot travel through TLS (datagrams, ancillary data,
 * flags, dup()) is refused as the stdlib refuses it.  The engine (conn.c)
 * does the reading and writing, waits and deadlines. */
#include <limits.h>
#include <sys/stat.h>
#include "sslsocket_internal.h"
#include "conn_py.h"
#include "errors.h"

/* The class, as the stdlib's refusal messages show it ("<class ...>"). */
static PyObject *
class_of(PyObject *self)
{
    return (PyObject *)Py_TYPE(self);
}

static PyObject *
refuse(PyObject *self, PyObject *exc_type, const char *what)
{
    PyErr_Format(exc_type, "%s not allowed on instances of %R", what, class_of(self));
    return NULL;
}

/* The stdlib's check, `flags != 0` (so any object that equals zero
 * passes and any other is a ValueError, not a TypeError); NULL: none. */
static int
check_no_flags(PyObject *self, PyObject *flags, const char *method)
{
    if (flags == NULL)
        return 0;
    PyObject *zero = PyLong_FromLong(0);
    int nonzero = zero ? PyObject_RichCompareBool(flags, zero, Py_NE) : -1;
    Py_XDECREF(zero);
    if (nonzero <= 0)
        return nonzero;
    PyErr_Format(PyExc_ValueError, "non-zero flags not allowed in calls to %s() on %R", method,
                 class_of(self));
    return -1;
}

/* socket.socket's `name` called with the arguments by position, as the
 * stdlib's SSLSocket passes them on (socket's own methods take no
 * keywords): `given` are the parsed arguments in order, NULL for those
 * not given, which get their `dflt` (an int). */
static PyObject *
plain_call(PyObject *self, const char *name, int n, PyObject **given, const long *dflt)
{
    PyObject *args = PyTuple_New(n), *result = NULL;
    if (args == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *v = given[i] ? Py_NewRef(given[i]) : PyLong_FromLong(dflt[i]);
        if (v == NULL)
            goto done;
        PyTuple_SET_ITEM(args, i, v);
    }
    result = sslx_sslsocket_call_base(self, name, args, NULL);
done:
    Py_DECREF(args);
    return result;
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
    return sslx_conn_read_bytes(&x->conn, len, timeout, x->conn.suppress_ragged_eofs);
}

const char sslx_sslsocket_recv_doc[] = PyDoc_STR(
"recv($self, /, buflen=1024, flags=0)\n--\n\n"
"Receive up to buflen bytes of application data (bytes).\n\n"
"Returns b'' at the end of the stream.  While TLS is on, flags must be 0\n"
"(ValueError) and the errors are read()'s; before TLS starts or after\n"
"unwrap() this is socket.socket.recv().");

PyObject *
sslx_sslsocket_recv(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"buflen", "flags", NULL};
    static const long dflt[] = {1024, 0};
    PyObject *given[2] = {NULL, NULL};
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl != NULL && kwds == NULL && PyTuple_GET_SIZE(args) == 1) {
        /* recv(n), the common call: no keyword parsing. */
        Py_ssize_t buflen = PyNumber_AsSsize_t(PyTuple_GET_ITEM(args, 0), PyExc_OverflowError);
        if (buflen == -1 && PyErr_Occurred())
            return NULL;
        return tls_recv_bytes(x, buflen);
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:recv", kwlist, &given[0], &given[1]))
        return NULL;
    if (x->conn.ssl == NULL)
        return plain_call(self, "recv", 2, given, dflt);
    if (check_no_flags(self, given[1], "recv") < 0)
        return NULL;
    Py_ssize_t buflen = 1024;
    if (given[0] != NULL) {
        buflen = PyNumber_AsSsize_t(given[0], PyExc_OverflowError);
        if (buflen == -1 && PyErr_Occurred())
            return NULL;
    }
    return tls_recv_bytes(x, buflen);
}

const char sslx_sslsocket_recv_into_doc[] = PyDoc_STR(
"recv_into($self, /, buffer, nbytes=None, flags=0)\n--\n\n"
"Receive up to nbytes bytes of application data into buffer, a writable\n"
"bytes-like object, and return their number.\n\n"
"nbytes None or 0 means the size of buffer.  Returns 0 at the end of the\n"
"stream.  While TLS is on, flags must be 0 (ValueError) and the errors\n"
"are read()'s; before TLS starts or after unwrap() this is\n"
"socket.socket.recv_into().");

PyObject *
sslx_sslsocket_recv_into(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"buffer", "nbytes", "flags", NULL};
    static const long dflt[] = {0, 0, 0};
    PyObject *given[3] = {NULL, NULL, NULL};
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OO:recv_into", kwlist, &given[0],
                                     &given[1], &given[2]))
        return NULL;
    if (given[1] == Py_None)
        given[1] = NULL;
    if (x->conn.ssl == NULL)
        return plain_call(self, "recv_into", 3, given, dflt);
    if (check_no_flags(self, given[2], "recv_into") < 0)
        return NULL;
    if (given[0] == Py_None) {      /* read()'s "no buffer" */
        PyErr_SetString(PyExc_TypeError,
                        "recv_into() argument 'buffer' must be read-write bytes-like object, "
                        "not None");
        return NULL;
    }
    /* nbytes None or 0: the whole buffer, measured in bytes by the
     * buffer protocol (len() of an array('I') counts items). */
    Py_ssize_t nbytes = 0;
    if (given[1] != NULL) {
        nbytes = PyNumber_AsSsize_t(given[1], PyExc_OverflowError);
        if (nbytes == -1 && PyErr_Occurred())
            return NULL;
    }
    PyObject *a = Py_BuildValue("(nO)", nbytes, given[0]);
    if (a == NULL)
        return NULL;
    PyObject *r = sslx_conn_py_read(self, a, NULL);
    Py_DECREF(a);
    return r;
}

const char sslx_sslsocket_send_doc[] = PyDoc_STR(
"send($self, /, data, flags=0)\n--\n\n"
"Send data (a bytes-like object) as application data; return the number\n"
"of bytes sent.\n\n"
"While TLS is on, flags must be 0 (ValueError) and the errors are\n"
"write()'s; before TLS starts or after unwrap() this is\n"
"socket.socket.send().");

PyObject *
sslx_sslsocket_send(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "flags", NULL};
    static const long dflt[] = {0, 0};
    PyObject *given[2] = {NULL, NULL};
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:send", kwlist, &given[0], &given[1]))
        return NULL;
    if (x->conn.ssl == NULL)
        return plain_call(self, "send", 2, given, dflt);
    if (check_no_flags(self, given[1], "send") < 0)
        return NULL;
    return sslx_conn_py_write(self, given[0]);
}

/* sendall(): one TLS write of the whole buffer (SSL_write without partial
 * writes sends all of it), in pieces of at most INT_MAX bytes. */
const char sslx_sslsocket_sendall_doc[] = PyDoc_STR(
"sendall($self, /, data, flags=0)\n--\n\n"
"Send all of data (a bytes-like object) as application data; return\n"
"None.\n\n"
"While TLS is on, flags must be 0 (ValueError) and the errors are\n"
"write()'s (after an error, some of the data may have been sent);\n"
"before TLS starts or after unwrap() this is socket.socket.sendall().");

PyObject *
sslx_sslsocket_sendall(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "flags", NULL};
    static const long dflt[] = {0, 0};
    PyObject *given[2] = {NULL, NULL};
    Py_buffer view;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:sendall", kwlist, &given[0], &given[1]))
        return NULL;
    if (x->conn.ssl == NULL)
        return plain_call(self, "sendall", 2, given, dflt);
    if (check_no_flags(self, given[1], "sendall") < 0
        || !PyArg_Parse(given[0], "y*:sendall", &view))
        return NULL;
    PyObject *result = NULL;
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
    PyBuffer_Release(&view);
    return result;
}

/* sendfile(file, offset=0, count=None) through kernel TLS: SSL_sendfile
 * until `count` bytes (or the end of the file) are sent; the file's
 * position ends after them, as with socket.sendfile().  Returns the
 * bytes sent, or NULL with an exception. */
static PyObject *
ktls_sendfile(sock_ext *x, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"file", "offset", "count", NULL};
    PyObject *file, *count_obj = Py_None;
    long long offset = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|LO:sendfile", kwlist, &file, &offset,
                                     &count_obj))
        return NULL;
    int fd = PyObject_AsFileDescriptor(file);
    if (fd < 0)
        return NULL;
    struct stat sb;
    if (fstat(fd, &sb) < 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    long long end = sb.st_size;
    if (count_obj != Py_None) {
        long long count = PyLong_AsLongLong(count_obj);
        if (count == -1 && PyErr_Occurred())
            return NULL;
        if (count <= 0) {
            PyErr_Format(PyExc_ValueError, "count must be a positive integer (got %lld)", count);
            return NULL;
        }
        if (offset + count < end)
            end = offset + count;
    }
    double timeout = sslx_conn_timeout(&x->conn);
    if (timeout == -2.0)
        return NULL;
    long long sent = 0;
    while (offset + sent < end) {
        long long left = end - offset - sent;
        Py_ssize_t n = sslx_conn_sendfile(&x->conn, fd, (off_t)(offset + sent),
                                          left > INT_MAX ? INT_MAX : (size_t)left, timeout);
        if (n < 0)
            break;
        if (n == 0)
            break;
        sent += n;
    }
    if (sent > 0) {
        PyObject *r = PyObject_CallMethod(file, "seek", "L", offset + sent);
        Py_XDECREF(r);
    }
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromLongLong(sent);
}

const char sslx_sslsocket_sendfile_doc[] = PyDoc_STR(
"sendfile($self, /, file, offset=0, count=None)\n--\n\n"
"Send count bytes (all, when None) of file, a regular file opened in\n"
"binary mode, from offset on; return the number of bytes sent.\n\n"
"With kernel TLS on the sending side the kernel encrypts and sends them\n"
"(os.sendfile() cannot otherwise go through TLS); else they go through\n"
"send().  The file's position ends after the bytes sent.  Raises\n"
"ValueError for a non-positive count, and what send() raises.");

/* sendfile(): os.sendfile() would bypass TLS, so a wrapped socket sends
 * the file with SSL_sendfile when kernel TLS encrypts what it sends, and
 * otherwise through send() (socket.socket's own fallback loop). */
PyObject *
sslx_sslsocket_sendfile(PyObject *self, PyObject *args, PyObject *kwds)
{
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl != NULL && sslx_conn_uses_ktls(&x->conn, 1))
        return ktls_sendfile(x, args, kwds);
    const char *base_method = x->conn.ssl ? "_sendfile_use_send" : "sendfile";
    return sslx_sslsocket_call_base(self, base_method, args, kwds);
}

/* Datagram-style calls: refused once TLS is on, the base's when plain
 * (the arguments as plain_call() takes them). */
static PyObject *
plain_socket_only(PyObject *self, const char *name, int n, PyObject **given,
                  const long *dflt)
{
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl != NULL)
        return refuse(self, PyExc_ValueError, name);
    return plain_call(self, name, n, given, dflt);
}

const char sslx_sslsocket_recvfrom_doc[] = PyDoc_STR(
"recvfrom($self, /, buflen=1024, flags=0)\n--\n\n"
"socket.socket.recvfrom() before TLS starts or after unwrap(); while TLS\n"
"is on, raises ValueError (TLS has no datagrams).");

PyObject *
sslx_sslsocket_recvfrom(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"buflen", "flags", NULL};
    static const long dflt[] = {1024, 0};
    PyObject *given[2] = {NULL, NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:recvfrom", kwlist, &given[0], &given[1]))
        return NULL;
    return plain_socket_only(self, "recvfrom", 2, given, dflt);
}

const char sslx_sslsocket_recvfrom_into_doc[] = PyDoc_STR(
"recvfrom_into($self, /, buffer, nbytes=None, flags=0)\n--\n\n"
"socket.socket.recvfrom_into() before TLS starts or after unwrap(); while\n"
"TLS is on, raises ValueError (TLS has no datagrams).");

PyObject *
sslx_sslsocket_recvfrom_into(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"buffer", "nbytes", "flags", NULL};
    static const long dflt[] = {0, 0, 0};
    PyObject *given[3] = {NULL, NULL, NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OO:recvfrom_into", kwlist, &given[0],
                                     &given[1], &given[2]))
        return NULL;
    if (given[1] == Py_None)
        given[1] = NULL;
    return plain_socket_only(self, "recvfrom_into", 3, given, dflt);
}

const char sslx_sslsocket_sendto_doc[] = PyDoc_STR(
"sendto($self, /, data, flags_or_addr, addr=None)\n--\n\n"
"socket.socket.sendto() before TLS starts or after unwrap(); while TLS\n"
"is on, raises ValueError (TLS has no datagrams).");

PyObject *
sslx_sslsocket_sendto(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "flags_or_addr", "addr", NULL};
    static const long dflt[] = {0, 0, 0};
    PyObject *given[3] = {NULL, NULL, NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|O:sendto", kwlist, &given[0], &given[1],
                                     &given[2]))
        return NULL;
    return plain_socket_only(self, "sendto", given[2] && given[2] != Py_None ? 3 : 2, given,
                             dflt);
}

const char sslx_sslsocket_recvmsg_doc[] = PyDoc_STR(
"recvmsg($self, /, *args, **kwargs)\n--\n\n"
"Not available: ancillary data cannot travel through TLS.\n\n"
"Always raises NotImplementedError.");

/* Ancillary data cannot travel through TLS: always refused. */
PyObject *
sslx_sslsocket_recvmsg(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return refuse(self, PyExc_NotImplementedError, "recvmsg");
}

const char sslx_sslsocket_recvmsg_into_doc[] = PyDoc_STR(
"recvmsg_into($self, /, *args, **kwargs)\n--\n\n"
"Not available: ancillary data cannot travel through TLS.\n\n"
"Always raises NotImplementedError.");

PyObject *
sslx_sslsocket_recvmsg_into(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return refuse(self, PyExc_NotImplementedError, "recvmsg_into");
}

const char sslx_sslsocket_sendmsg_doc[] = PyDoc_STR(
"sendmsg($self, /, *args, **kwargs)\n--\n\n"
"Not available: ancillary data cannot travel through TLS.\n\n"
"Always raises NotImplementedError.");

PyObject *
sslx_sslsocket_sendmsg(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return refuse(self, PyExc_NotImplementedError, "sendmsg");
}

const char sslx_sslsocket_dup_doc[] = PyDoc_STR(
"dup($self, /)\n--\n\n"
"Not available: two sockets cannot share one TLS connection.\n\n"
"Always raises NotImplementedError.");

PyObject *
sslx_sslsocket_dup(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyErr_Format(PyExc_NotImplementedError, "Can't dup() %s instances",
                 sslx_sslsocket_type_name(Py_TYPE(self)));
    return NULL;
}

