/* asyncio_flow.c - AsyncioSSLProtocol's bytes: TLS records from the socket
 * transport into OpenSSL and plaintext to the app (once per receive, not
 * per record), the app's writes through OpenSSL to the socket transport
 * (one bytes object per write), and flow control both ways with the
 * limits and callbacks of asyncio's sslproto. */
#include <string.h>
#include "asyncio_protocol.h"

/* The receive buffer starts small (handshakes and small messages need
 * no more, and a connection costs no large allocation) and grows to the
 * most a receive asks for in asyncio's SSLProtocol (max_size) once a
 * receive has filled all it was lent. */
#define RECV_BUFFER_FIRST (32 * 1024)
#define RECV_BUFFER_SIZE (256 * 1024)

/* ---- buffer sizes and limits ---- */

Py_ssize_t
sslx_aio_write_buffer_size(sslx_aio_protocol *p)
{
    sslx_aio_collector *c = p->collector;
    Py_ssize_t held = c ? (Py_ssize_t)(c->len + c->spill_len) - p->deferred_out : 0;
    return (held > 0 ? held : 0) + p->backlog_size;
}

Py_ssize_t
sslx_aio_read_buffer_size(sslx_aio_protocol *p)
{
    sslx_aio_window *w = p->window;
    return w ? (Py_ssize_t)(w->end - w->start) : 0;
}

static int
limit_arg(PyObject *v, Py_ssize_t *out)
{
    if (v == Py_None)
        return 0;
    Py_ssize_t n = PyNumber_AsSsize_t(v, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred())
        return -1;
    *out = n;
    return 1;
}

int
sslx_aio_flow_limits(PyObject *high, PyObject *low, Py_ssize_t kb, Py_ssize_t *hi,
                     Py_ssize_t *lo)
{
    Py_ssize_t h = 0, l = 0;
    int has_high = limit_arg(high, &h), has_low = has_high < 0 ? -1 : limit_arg(low, &l);
    if (has_high < 0 || has_low < 0)
        return -1;
    if (!has_high)
        h = has_low ? 4 * l : kb * 1024;
    if (!has_low)
        l = h / 4;
    if (!(h >= l && l >= 0)) {
        PyErr_Format(PyExc_ValueError, "high (%zd) must be >= low (%zd) must be >= 0", h, l);
        return -1;
    }
    *hi = h;
    *lo = l;
    return 0;
}

/* Whether the pending exception from an app protocol's callback must
 * propagate instead of going to the loop's handler: KeyboardInterrupt
 * and SystemExit, as the stdlib's sslproto re-raises them. */
static int
must_propagate(void)
{
    return PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)
           || PyErr_ExceptionMatches(PyExc_SystemExit);
}

/* app_protocol.<method>() for flow control: a failure other than
 * KeyboardInterrupt/SystemExit goes to the loop's exception handler. */
static int
call_flow_method(sslx_aio_protocol *p, const char *method)
{
    PyObject *r = PyObject_CallMethod(p->app_protocol, method, NULL);
    if (r != NULL) {
        Py_DECREF(r);
        return 0;
    }
    if (must_propagate())
        return -1;
    /* The handler gets the exception as fetched: unlike
     * sslx_aio_take_exception() this does not attach the traceback (on
     * 3.10 and 3.11 the exception then carries none). */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *msg = PyUnicode_FromFormat("protocol.%s() failed", method);
    PyObject *context = msg ? Py_BuildValue("{s:O,s:O,s:O,s:O}", "message", msg, "exception",
                                            value ? value : Py_None, "transport",
                                            p->app_transport ? p->app_transport : Py_None,
                                            "protocol", p)
                            : NULL;
    Py_XDECREF(msg);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (context == NULL)
        return -1;
    r = PyObject_CallMethod(p->loop, "call_exception_handler", "O", context);
    Py_DECREF(context);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

int
sslx_aio_control_app_writing(sslx_aio_protocol *p)
{
    Py_ssize_t size = sslx_aio_write_buffer_size(p);
    if (size >= p->out_high && !p->app_writing_paused) {
        p->app_writing_paused = 1;
        return call_flow_method(p, "pause_writing");
    }
    if (size <= p->out_low && p->app_writing_paused) {
        p->app_writing_paused = 0;
        return call_flow_method(p, "resume_writing");
    }
    return 0;
}

int
sslx_aio_control_ssl_reading(sslx_aio_protocol *p)
{
    Py_ssize_t size = sslx_aio_read_buffer_size(p);
    const char *method = NULL;
    if (size >= p->in_high && !p->ssl_reading_paused) {
        p->ssl_reading_paused = 1;
        method = "pause_reading";
    } else if (size <= p->in_low && p->ssl_reading_paused) {
        p->ssl_reading_paused = 0;
        method = "resume_reading";
    }
    if (method == NULL || p->transport == NULL)
        return 0;
    PyObject *r = PyObject_CallMethod(p->transport, method, NULL);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* ---- outgoing ---- */

/* The records collected so far as one bytes object (NULL with no
 * exception when there are none).  Usually the very object OpenSSL wrote
 * them into; with spilled records, a new one.  Called holding the GIL;
 * the connection's lock keeps OpenSSL out meanwhile. */
static PyObject *
take_outgoing(sslx_aio_protocol *p)
{
    sslx_aio_collector *c = p->collector;
    PyObject *data = NULL;
    if (c == NULL || c->len + c->spill_len == 0)
        return NULL;
    if (sslx_conn_lock_change(p->conn, "the asyncio protocol") < 0)
        return NULL;
    p->deferred_out = 0;
    if (c->spill_len == 0) {
        data = p->out_bytes;            /* handed over, shrunk to its records */
        p->out_bytes = NULL;
        size_t len = c->len;
        c->base = NULL;
        c->len = c->cap = 0;
        if (_PyBytes_Resize(&data, (Py_ssize_t)len) < 0)
            data = NULL;
    } else {
        data = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(c->len + c->spill_len));
        if (data != NULL) {
            if (c->len > 0)
                memcpy(PyBytes_AS_STRING(data), c->base, c->len);
            memcpy(PyBytes_AS_STRING(data) + c->len, c->spill, c->spill_len);
            c->len = c->spill_len = 0;  /* out_bytes stays, for the next records */
        }
    }
    sslx_conn_unlock_change(p->conn);
    return data;
}

void
sslx_aio_drop_outgoing(sslx_aio_protocol *p)
{
    p->deferred_out = 0;
    if (p->collector != NULL && sslx_conn_lock_change(p->conn, "the asyncio protocol") == 0) {
        p->collector->len = p->collector->spill_len = 0;
        sslx_conn_unlock_change(p->conn);
    }
    PyErr_Clear();
}

/* Room for the records of `plaintext` bytes in the bytes object OpenSSL
 * writes into: a TLS record adds at most a header, a tag, padding (CBC)
 * and an explicit IV; 320 bytes per 16 KiB record is more than any suite
 * needs, and what does not fit is spilled, not lost. */
static int
reserve_outgoing(sslx_aio_protocol *p, size_t plaintext)
{
    sslx_aio_collector *c = p->collector;
    if (c == NULL || c->spill_len > 0)
        return 0;
    size_t need = c->len + plaintext + (plaintext / 16384 + 1) * 320;
    if (need <= c->cap)
        return 0;
    if (sslx_conn_lock_change(p->conn, "the asyncio protocol") < 0)
        return -1;
    int rc = 0;
    if (p->out_bytes == NULL) {
        p->out_bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)need);
        rc = p->out_bytes ? 0 : -1;
    } else {
        size_t grown = 2 * c->cap > need ? 2 * c->cap : need;
        rc = _PyBytes_Resize(&p->out_bytes, (Py_ssize_t)grown);
    }
    if (rc == 0) {
        c->base = PyBytes_AS_STRING(p->out_bytes);
        c->cap = (size_t)PyBytes_GET_SIZE(p->out_bytes);
    } else {
        c->base = NULL;
        c->cap = c->len = 0;    /* _PyBytes_Resize failed: out_bytes is gone */
    }
    sslx_conn_unlock_change(p->conn);
    return rc;
}

/* The records OpenSSL produced, as one bytes object to the socket
 * transport (unless it asked us to pause). */
int
sslx_aio_process_outgoing(sslx_aio_protocol *p)
{
    if (!p->ssl_writing_paused && p->transport != NULL) {
        PyObject *data = take_outgoing(p);
        if (data == NULL && PyErr_Occurred())
            return -1;
        if (data != NULL) {
            PyObject *t = Py_NewRef(p->transport);
            PyObject *r = PyObject_CallMethod(t, "write", "O", data);
            Py_DECREF(t);
            Py_DECREF(data);
            if (r == NULL)
                return -1;
            Py_DECREF(r);
        }
    }
    return sslx_aio_control_app_writing(p);
}

/* Write one buffer through OpenSSL; the bytes it took, SSLX_CONN_WANT,
 * or -1 with an exception. */
static Py_ssize_t
seal(sslx_aio_protocol *p, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
        return -1;
    Py_ssize_t n = 0;
    if (view.len > 0 && reserve_outgoing(p, (size_t)view.len) == 0)
        n = sslx_conn_write_nowait(p->conn, view.buf, view.len);
    else if (view.len > 0)
        n = -1;
    PyBuffer_Release(&view);
    return n;
}

int
sslx_aio_do_write(sslx_aio_protocol *p)
{
    while (PyList_GET_SIZE(p->backlog) > 0) {
        PyObject *data = Py_NewRef(PyList_GET_ITEM(p->backlog, 0));
        Py_ssize_t len = PyObject_Length(data);
        Py_ssize_t n = len < 0 ? -1 : seal(p, data);
        int rc = 0;
        if (n >= 0 && n < len) {    /* a partial write: keep the rest */
            PyObject *rest = PySequence_GetSlice(data, n, len);
            rc = rest ? PyList_SetItem(p->backlog, 0, rest) : -1;
        } else if (n >= 0) {
            rc = PyList_SetSlice(p->backlog, 0, 1, NULL);
        }
        Py_DECREF(data);
        if (n == SSLX_CONN_WANT)
            break;
        if (n < 0 || rc < 0)
            return -1;
        p->backlog_size -= n;
    }
    return sslx_aio_process_outgoing(p);
}

/* An app write that can go through OpenSSL at once: no backlog, the
 * session up.  The data is sealed from the caller's buffer (no copy). */
static int
write_now(sslx_aio_protocol *p, PyObject *data)
{
    Py_ssize_t n = seal(p, data);
    if (n == SSLX_CONN_WANT)
        n = 0;
    if (n < 0)
        return -1;
    Py_ssize_t len = PyObject_Length(data);
    if (len < 0)
        return -1;
    if (n < len) {
        PyObject *rest = PySequence_GetSlice(data, n, len);
        if (rest == NULL || PyList_Append(p->backlog, rest) < 0) {
            Py_XDECREF(rest);
            return -1;
        }
        Py_DECREF(rest);
        p->backlog_size += len - n;
    }
    return sslx_aio_process_outgoing(p);
}

static int
append_backlog(sslx_aio_protocol *p, PyObject *data)
{
    Py_ssize_t len = PyObject_Length(data);
    if (len < 0 || PyList_Append(p->backlog, data) < 0)
        return -1;
    p->backlog_size += len;
    return 0;
}

/* An Exception from the write path becomes a fatal error of the
 * connection, as in the stdlib; anything else propagates. */
static int
fatal_if_exception(sslx_aio_protocol *p, const char *message)
{
    if (!PyErr_ExceptionMatches(PyExc_Exception))
        return -1;
    PyObject *exc = sslx_aio_take_exception();
    int rc = sslx_aio_fatal_error(p, exc, message);
    Py_XDECREF(exc);
    return rc;
}

int
sslx_aio_write_appdata(sslx_aio_protocol *p, PyObject *data, int one)
{
    if (p->state == AIO_FLUSHING || p->state == AIO_SHUTDOWN || p->state == AIO_UNWRAPPED) {
        if (p->conn_lost >= 5 && sslx_aio_warn(p, "SSL connection is closed") < 0)
            return -1;
        p->conn_lost++;
        return 0;
    }
    int rc;
    if (one && p->state == AIO_WRAPPED && PyList_GET_SIZE(p->backlog) == 0) {
        rc = write_now(p, data);
    } else {
        if (one) {
            rc = append_backlog(p, data);
        } else {
            PyObject *it = PyObject_GetIter(data), *item;
            if (it == NULL)
                return -1;
            rc = 0;
            while (rc == 0 && (item = PyIter_Next(it)) != NULL) {
                rc = append_backlog(p, item);
                Py_DECREF(item);
            }
            Py_DECREF(it);
            if (rc == 0 && PyErr_Occurred())
                rc = -1;
        }
        if (rc < 0)
            return -1;      /* a bad item: the caller's error, not the connection's */
        rc = p->state == AIO_WRAPPED ? sslx_aio_do_write(p) : 0;
    }
    return rc < 0 ? fatal_if_exception(p, "Fatal error on SSL protocol") : 0;
}

/* ---- incoming ---- */

/* Plaintext into a new bytes object per receive: everything OpenSSL can
 * decrypt from what has arrived, in one call (the engine goes on from
 * record to record).  *eof is set at the peer's close_notify. */
static int
read_copied(sslx_aio_protocol *p, int *eof)
{
    PyObject *chunks = PyList_New(0), *data = NULL;
    if (chunks == NULL)
        return -1;
    for (;;) {
        Py_ssize_t bound = sslx_conn_readable_bound(p->conn);
        PyObject *buf = bound < 0 ? NULL : PyBytes_FromStringAndSize(NULL, bound);
        if (buf == NULL)
            goto fail;
        Py_ssize_t n = sslx_conn_read_nowait(p->conn, PyBytes_AS_STRING(buf), bound);
        if (n <= 0) {
            Py_DECREF(buf);
            if (n == -1)
                goto fail;
            *eof = n == 0;
            break;
        }
        int rc = (n < bound && _PyBytes_Resize(&buf, n) < 0) ? -1 : PyList_Append(chunks, buf);
        Py_XDECREF(buf);
        if (rc < 0)
            goto fail;
    }
    Py_ssize_t count = PyList_GET_SIZE(chunks);
    if (count == 1) {
        data = Py_NewRef(PyList_GET_ITEM(chunks, 0));
    } else if (count > 1) {
        PyObject *empty = PyBytes_FromStringAndSize(NULL, 0);
        data = empty ? PyObject_CallMethod(empty, "join", "O", chunks) : NULL;
        Py_XDECREF(empty);
        if (data == NULL)
            goto fail;
    }
    Py_DECREF(chunks);
    if (data == NULL)
        return 0;
    PyObject *r = PyObject_CallMethod(p->app_protocol, "data_received", "O", data);
    Py_DECREF(data);
    Py_XDECREF(r);
    return r ? 0 : -1;
fail:
    Py_DECREF(chunks);
    return -1;
}

/* Plaintext straight into a BufferedProtocol's buffer. */
static int
read_buffered(sslx_aio_protocol *p, int *eof)
{
    PyObject *hint = PyLong_FromSsize_t(sslx_aio_read_buffer_size(p));
    PyObject *buf = hint ? PyObject_CallOneArg(p->app_get_buffer, hint) : NULL;
    Py_XDECREF(hint);
    if (buf == NULL)
        return -1;
    Py_buffer view;
    int rc = PyObject_GetBuffer(buf, &view, PyBUF_WRITABLE);
    Py_DECREF(buf);
    if (rc < 0)
        return -1;
    Py_ssize_t offset = 0, n = 1;
    while (offset < view.len) {
        n = sslx_conn_read_nowait(p->conn, (char *)view.buf + offset, view.len - offset);
        if (n <= 0)
            break;
        offset += n;
    }
    Py_ssize_t wants = view.len;
    PyBuffer_Release(&view);
    if (n == -1 && offset == 0)
        return -1;
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (n == -1)
        PyErr_Fetch(&type, &value, &tb);    /* after the bytes before it */
    else if (offset == wants && wants > 0) {
        /* Full: more may be waiting; read again on the next iteration. */
        PyObject *cb = PyObject_GetAttrString((PyObject *)p, "_do_read_soon");
        PyObject *h = cb ? PyObject_CallMethod(p->loop, "call_soon", "O", cb) : NULL;
        Py_XDECREF(cb);
        if (h == NULL)
            return -1;
        Py_DECREF(h);
    }
    if (offset > 0) {
        PyObject *r = PyObject_CallFunction(p->app_buffer_updated, "n", offset);
        if (r == NULL) {
            Py_XDECREF(type);
            Py_XDECREF(value);
            Py_XDECREF(tb);
            return -1;
        }
        Py_DECREF(r);
    }
    if (type != NULL) {
        PyErr_Restore(type, value, tb);
        return -1;
    }
    if (n == 0)
        *eof = 1;
    return 0;
}

int
sslx_aio_call_eof_received(sslx_aio_protocol *p)
{
    if (p->app_state != AIO_APP_CON_MADE)
        return 0;
    p->app_state = AIO_APP_EOF;
    PyObject *r = PyObject_CallMethod(p->app_protocol, "eof_received", NULL);
    if (r != NULL) {
        int keep_open = PyObject_IsTrue(r);
        Py_DECREF(r);
        if (keep_open > 0)
            return sslx_aio_warn(p, "returning true from eof_received() has no effect when "
                                    "using ssl");
        return keep_open < 0 ? -1 : 0;
    }
    if (must_propagate())
        return -1;
    PyObject *exc = sslx_aio_take_exception();
    int rc = sslx_aio_fatal_error(p, exc, "Error calling eof_received()");
    Py_XDECREF(exc);
    return rc;
}

int
sslx_aio_do_read(sslx_aio_protocol *p)
{
    if (p->state != AIO_WRAPPED && p->state != AIO_FLUSHING)
        return 0;
    int rc = 0;
    if (!p->app_reading_paused) {
        int eof = 0;
        rc = p->app_get_buffer ? read_buffered(p, &eof) : read_copied(p, &eof);
        if (rc == 0 && eof)
            rc = sslx_aio_call_eof_received(p) < 0 ? -1 : sslx_aio_start_shutdown(p);
        if (rc == 0 && PyList_GET_SIZE(p->backlog))
            rc = sslx_aio_do_write(p);
        else if (rc == 0)
            rc = p->defer_flush ? sslx_aio_flush_soon(p) : sslx_aio_process_outgoing(p);
    }
    if (rc == 0)
        rc = sslx_aio_control_ssl_reading(p);
    return rc < 0 ? fatal_if_exception(p, "Fatal error on SSL protocol") : 0;
}

/* ---- the socket transport's side ---- */

/* Make the receive buffer's free tail big enough: restart it when
 * OpenSSL has read everything, else move the unread bytes to the front,
 * else grow it (a new bytearray if the old one is still lent out).  The
 * tail wanted is a quarter of the full size once receives fill what they
 * are lent, else what the first buffer has.  Holding the connection's
 * lock. */
static int
make_room(sslx_aio_protocol *p)
{
    sslx_aio_window *w = p->window;
    size_t min_free = p->recv_filled ? RECV_BUFFER_SIZE / 4 : RECV_BUFFER_FIRST / 2;
    if (w->start == w->end)
        w->start = w->end = 0;
    size_t cap = (size_t)PyByteArray_GET_SIZE(p->recv_buffer);
    if (cap - w->end >= min_free && !(p->recv_filled && cap < RECV_BUFFER_SIZE))
        return 0;
    size_t unread = w->end - w->start;
    if (w->start > 0) {
        memmove(w->base, w->base + w->start, unread);
        w->start = 0;
        w->end = unread;
    }
    if (cap - w->end >= min_free && !(p->recv_filled && cap < RECV_BUFFER_SIZE))
        return 0;
    Py_ssize_t grown = (Py_ssize_t)(unread + (p->recv_filled ? RECV_BUFFER_SIZE
                                                               : RECV_BUFFER_FIRST));
    if (PyByteArray_Resize(p->recv_buffer, grown) < 0) {
        PyErr_Clear();      /* lent out: move to a new one */
        PyObject *fresh = PyByteArray_FromStringAndSize(NULL, grown);
        if (fresh == NULL)
            return -1;
        memcpy(PyByteArray_AS_STRING(fresh), w->base, unread);
        Py_SETREF(p->recv_buffer, fresh);
    }
    w->base = PyByteArray_AS_STRING(p->recv_buffer);
    return 0;
}

static int
ensure_recv_buffer(sslx_aio_protocol *p)
{
    if (p->recv_buffer != NULL)
        return 0;
    p->recv_buffer = PyByteArray_FromStringAndSize(NULL, RECV_BUFFER_FIRST);
    if (p->recv_buffer == NULL)
        return -1;
    p->window->base = PyByteArray_AS_STRING(p->recv_buffer);
    p->window->start = p->window->end = 0;
    return 0;
}

/* get_buffer(sizehint): the free tail of the receive buffer, which the
 * SSL reads from (asyncio's SSLProtocol, too, always lends all it has). */
PyObject *
sslx_aio_get_buffer(sslx_aio_protocol *p, PyObject *arg)
{
    (void)arg;
    if (p->window == NULL) {
        PyErr_SetString(PyExc_ValueError, "the TLS protocol is closed");
        return NULL;
    }
    if (sslx_conn_lock_change(p->conn, "get_buffer()") < 0)
        return NULL;
    int rc = ensure_recv_buffer(p) < 0 ? -1 : make_room(p);
    size_t end = p->window->end;
    if (rc == 0)
        p->recv_lent = (size_t)PyByteArray_GET_SIZE(p->recv_buffer) - end;
    sslx_conn_unlock_change(p->conn);
    if (rc < 0)
        return NULL;
    PyObject *whole = PyMemoryView_FromObject(p->recv_buffer);
    if (whole == NULL || end == 0)
        return whole;
    PyObject *from = PyLong_FromSize_t(end);
    PyObject *slice = from ? PySlice_New(from, NULL, NULL) : NULL;
    PyObject *tail = slice ? PyObject_GetItem(whole, slice) : NULL;
    Py_XDECREF(from);
    Py_XDECREF(slice);
    Py_DECREF(whole);
    return tail;
}

/* What the state makes of bytes that arrived. */
static int
received(sslx_aio_protocol *p)
{
    switch (p->state) {
    case AIO_DO_HANDSHAKE:
        return sslx_aio_do_handshake(p);
    case AIO_WRAPPED:
        return sslx_aio_do_read(p);
    case AIO_FLUSHING:
        return sslx_aio_do_flush(p);
    case AIO_SHUTDOWN:
        return sslx_aio_do_shutdown(p);
    default:
        return 0;
    }
}

/* buffer_updated(nbytes): that many bytes were received into the tail. */
PyObject *
sslx_aio_buffer_updated(sslx_aio_protocol *p, PyObject *arg)
{
    Py_ssize_t n = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (p->window == NULL)
        Py_RETURN_NONE;     /* closed: nothing to feed */
    if (sslx_conn_lock_change(p->conn, "buffer_updated()") < 0)
        return NULL;
    int rc = ensure_recv_buffer(p);
    size_t room = p->recv_buffer ? (size_t)PyByteArray_GET_SIZE(p->recv_buffer) - p->window->end
                                 : 0;
    if (rc == 0 && (n < 0 || (size_t)n > room)) {
        PyErr_SetString(PyExc_ValueError, "buffer_updated(): nbytes out of range");
        rc = -1;
    }
    if (rc == 0) {
        p->window->end += (size_t)n;
        if ((size_t)n == p->recv_lent)
            p->recv_filled = 1;     /* more was waiting: grow the buffer */
    }
    sslx_conn_unlock_change(p->conn);
    if (rc < 0 || received(p) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* data_received(data): for a socket transport that does not lend buffers
 * (CPython 3.10's tests call it); the bytes are copied in. */
PyObject *
sslx_aio_data_received(sslx_aio_protocol *p, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    int rc = 0;
    for (Py_ssize_t offset = 0; rc == 0 && offset < view.len && p->window != NULL;) {
        if (sslx_conn_lock_change(p->conn, "data_received()") < 0) {
            rc = -1;
            break;
        }
        rc = ensure_recv_buffer(p) < 0 ? -1 : make_room(p);
        if (rc == 0) {
            size_t room = (size_t)PyByteArray_GET_SIZE(p->recv_buffer) - p->window->end;
            size_t n = (size_t)(view.len - offset) < room ? (size_t)(view.len - offset) : room;
            memcpy(p->window->base + p->window->end, (char *)view.buf + offset, n);
            p->window->end += n;
            offset += (Py_ssize_t)n;
        }
        sslx_conn_unlock_change(p->conn);
        if (rc == 0)
            rc = received(p);
    }
    PyBuffer_Release(&view);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyObject *
sslx_aio_pause_writing(sslx_aio_protocol *p, PyObject *unused)
{
    (void)unused;
    p->ssl_writing_paused = 1;
    Py_RETURN_NONE;
}

PyObject *
sslx_aio_resume_writing(sslx_aio_protocol *p, PyObject *unused)
{
    (void)unused;
    p->ssl_writing_paused = 0;
    if (sslx_aio_process_outgoing(p) < 0)
        return NULL;
    Py_RETURN_NONE;
}

void
sslx_aio_pause_reading(sslx_aio_protocol *p)
{
    p->app_reading_paused = 1;
}
