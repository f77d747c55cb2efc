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

static int
check_no_flags(PyObject *self, int flags, const char *method)
{
    if (flags == 0)
        return 0;
    PyErr_Format(PyExc_ValueError, "non-zero flags not allowed in calls to %s() on %R", method,
                 class_of(self));
    return -1;
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

PyObject *
sslx_sslsocket_recv(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"buflen", "flags", NULL};
    Py_ssize_t buflen = 1024;
    int flags = 0;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        return sslx_sslsocket_call_base(self, "recv", args, kwds);
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

PyObject *
sslx_sslsocket_recv_into(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"buffer", "nbytes", "flags", NULL};
    PyObject *buffer, *nbytes_obj = Py_None;
    int flags = 0;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        return sslx_sslsocket_call_base(self, "recv_into", args, kwds);
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
    PyObject *r = sslx_conn_py_read(self, a, NULL);
    Py_DECREF(a);
    return r;
}

PyObject *
sslx_sslsocket_send(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "flags", NULL};
    PyObject *data;
    int flags = 0;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        return sslx_sslsocket_call_base(self, "send", args, kwds);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|i:send", kwlist, &data, &flags)
        || check_no_flags(self, flags, "send") < 0)
        return NULL;
    return sslx_conn_py_write(self, data);
}

/* sendall(): one TLS write of the whole buffer (SSL_write without partial
 * writes sends all of it), in pieces of at most INT_MAX bytes. */
PyObject *
sslx_sslsocket_sendall(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "flags", NULL};
    Py_buffer view;
    int flags = 0;
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl == NULL)
        return sslx_sslsocket_call_base(self, "sendall", args, kwds);
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
done:
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

/* Datagram-style calls: refused once TLS is on, the base's when plain. */
static PyObject *
plain_socket_only(PyObject *self, const char *name, PyObject *args, PyObject *kwds)
{
    sock_ext *x = sslx_sslsocket_ext(self);
    if (x == NULL)
        return NULL;
    if (x->conn.ssl != NULL)
        return refuse(self, PyExc_ValueError, name);
    return sslx_sslsocket_call_base(self, name, args, kwds);
}

PyObject *
sslx_sslsocket_recvfrom(PyObject *self, PyObject *args, PyObject *kwds)
{
    return plain_socket_only(self, "recvfrom", args, kwds);
}

PyObject *
sslx_sslsocket_recvfrom_into(PyObject *self, PyObject *args, PyObject *kwds)
{
    return plain_socket_only(self, "recvfrom_into", args, kwds);
}

PyObject *
sslx_sslsocket_sendto(PyObject *self, PyObject *args, PyObject *kwds)
{
    return plain_socket_only(self, "sendto", args, kwds);
}

/* Ancillary data cannot travel through TLS: always refused. */
PyObject *
sslx_sslsocket_recvmsg(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return refuse(self, PyExc_NotImplementedError, "recvmsg");
}

PyObject *
sslx_sslsocket_recvmsg_into(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return refuse(self, PyExc_NotImplementedError, "recvmsg_into");
}

PyObject *
sslx_sslsocket_sendmsg(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    return refuse(self, PyExc_NotImplementedError, "sendmsg");
}

PyObject *
sslx_sslsocket_dup(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyErr_Format(PyExc_NotImplementedError, "Can't dup() %s instances",
                 sslx_sslsocket_type_name(Py_TYPE(self)));
    return NULL;
}

