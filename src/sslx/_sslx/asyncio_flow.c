/* asyncio_flow.c - AsyncioSSLProtocol's bytes: TLS records from the socket
 * transport into OpenSSL and plaintext to the app (once per receive, not
 * per record), the app's writes through OpenSSL to the socket transport
 * (one bytes object per write), and flow control both ways with the
 * limits and callbacks of asyncio's sslproto. */
#include "asyncio_protocol.h"

/* The most a receive asks for (asyncio's SSLProtocol.max_size). */
#define RECV_BUFFER_SIZE (256 * 1024)

/* ---- buffer sizes and limits ---- */

Py_ssize_t
sslx_aio_write_buffer_size(sslx_aio_protocol *p)
{
    return (Py_ssize_t)BIO_ctrl_pending(p->out_bio) + p->backlog_size;
}

Py_ssize_t
sslx_aio_read_buffer_size(sslx_aio_protocol *p)
{
    return (Py_ssize_t)BIO_ctrl_pending(p->in_bio);
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
    if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)
        || PyErr_ExceptionMatches(PyExc_SystemExit))
        return -1;
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

/* The records OpenSSL produced, as one bytes object to the socket
 * transport (unless it asked us to pause). */
int
sslx_aio_process_outgoing(sslx_aio_protocol *p)
{
    size_t pending = BIO_ctrl_pending(p->out_bio);
    if (!p->ssl_writing_paused && pending > 0 && p->transport != NULL) {
        if (pending > PY_SSIZE_T_MAX)
            pending = PY_SSIZE_T_MAX;
        PyObject *data = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)pending);
        if (data == NULL)
            return -1;
        size_t got = 0;
        if (BIO_read_ex(p->out_bio, PyBytes_AS_STRING(data), pending, &got) != 1 || got != pending) {
            Py_DECREF(data);
            PyErr_SetString(PyExc_RuntimeError, "the outgoing TLS buffer lost bytes");
            return -1;
        }
        PyObject *t = Py_NewRef(p->transport);
        PyObject *r = PyObject_CallMethod(t, "write", "O", data);
        Py_DECREF(t);
        Py_DECREF(data);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
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
    Py_ssize_t n = view.len == 0 ? 0 : sslx_conn_write_nowait(p->conn, view.buf, view.len);
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
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL)
        PyException_SetTraceback(value, tb);
    int rc = sslx_aio_fatal_error(p, value, message);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
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
    if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)
        || PyErr_ExceptionMatches(PyExc_SystemExit))
        return -1;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL)
        PyException_SetTraceback(value, tb);
    int rc = sslx_aio_fatal_error(p, value, "Error calling eof_received()");
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
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
        if (rc == 0)
            rc = PyList_GET_SIZE(p->backlog) ? sslx_aio_do_write(p)
                                             : sslx_aio_process_outgoing(p);
    }
    if (rc == 0)
        rc = sslx_aio_control_ssl_reading(p);
    return rc < 0 ? fatal_if_exception(p, "Fatal error on SSL protocol") : 0;
}

/* ---- the socket transport's side ---- */

PyObject *
sslx_aio_get_buffer(sslx_aio_protocol *p, PyObject *arg)
{
    (void)arg;  /* asyncio's SSLProtocol, too, always lends its whole buffer */
    if (p->recv_buffer == NULL) {
        p->recv_buffer = PyByteArray_FromStringAndSize(NULL, RECV_BUFFER_SIZE);
        if (p->recv_buffer == NULL)
            return NULL;
    }
    return PyMemoryView_FromObject(p->recv_buffer);
}

PyObject *
sslx_aio_buffer_updated(sslx_aio_protocol *p, PyObject *arg)
{
    Py_ssize_t n = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (p->recv_buffer == NULL || n < 0 || n > PyByteArray_GET_SIZE(p->recv_buffer)) {
        PyErr_SetString(PyExc_ValueError, "buffer_updated(): nbytes out of range");
        return NULL;
    }
    size_t written = 0;
    if (n > 0 && (BIO_write_ex(p->in_bio, PyByteArray_AS_STRING(p->recv_buffer), (size_t)n,
                               &written) != 1 || written != (size_t)n)) {
        ERR_clear_error();
        return PyErr_NoMemory();
    }
    int rc = 0;
    switch (p->state) {
    case AIO_DO_HANDSHAKE:
        rc = sslx_aio_do_handshake(p);
        break;
    case AIO_WRAPPED:
        rc = sslx_aio_do_read(p);
        break;
    case AIO_FLUSHING:
        rc = sslx_aio_do_flush(p);
        break;
    case AIO_SHUTDOWN:
        rc = sslx_aio_do_shutdown(p);
        break;
    }
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
