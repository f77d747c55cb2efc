/* asyncio_protocol.c - AsyncioSSLProtocol: construction, the socket
 * transport's protocol callbacks, and the TLS state machine (handshake
 * with its timeout, wrapped, flushing, shutdown with its timeout) with
 * the semantics of CPython 3.11+'s asyncio.sslproto.  The bytes and flow
 * control are in asyncio_flow.c; asyncio_protocol.h says how it fits. */
#include "asyncio_protocol.h"
#include "memorybio.h"

/* ---- small helpers ---- */

PyObject *
sslx_aio_glue(sslx_aio_protocol *p, const char *name)
{
    if (p->st->asyncio_glue == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "sslx._asyncio is not registered");
        return NULL;
    }
    return PyObject_GetAttrString(p->st->asyncio_glue, name);
}

int
sslx_aio_warn(sslx_aio_protocol *p, const char *message)
{
    PyObject *logger = sslx_aio_glue(p, "logger");
    if (logger == NULL)
        return -1;
    PyObject *r = PyObject_CallMethod(logger, "warning", "s", message);
    Py_DECREF(logger);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* Cancel and forget a timer handle. */
static int
cancel_timer(PyObject **timer)
{
    PyObject *t = *timer;
    *timer = NULL;
    if (t == NULL || t == Py_None) {
        Py_XDECREF(t);
        return 0;
    }
    PyObject *r = PyObject_CallMethod(t, "cancel", NULL);
    Py_DECREF(t);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* loop.call_later(delay, self.<method>) */
static PyObject *
call_later(sslx_aio_protocol *p, double delay, const char *method)
{
    PyObject *cb = PyObject_GetAttrString((PyObject *)p, method);
    if (cb == NULL)
        return NULL;
    PyObject *h = PyObject_CallMethod(p->loop, "call_later", "dO", delay, cb);
    Py_DECREF(cb);
    return h;
}

/* loop.call_soon(callable, arg) (arg NULL: none). */
static int
call_soon(sslx_aio_protocol *p, PyObject *callable, PyObject *arg)
{
    PyObject *h = arg ? PyObject_CallMethod(p->loop, "call_soon", "OO", callable, arg)
                      : PyObject_CallMethod(p->loop, "call_soon", "O", callable);
    Py_XDECREF(h);
    return h ? 0 : -1;
}

static int
call_soon_method(sslx_aio_protocol *p, PyObject *obj, const char *method, PyObject *arg)
{
    PyObject *cb = PyObject_GetAttrString(obj, method);
    if (cb == NULL)
        return -1;
    int rc = call_soon(p, cb, arg);
    Py_DECREF(cb);
    return rc;
}

/* _wakeup_waiter(exc=None) */
static int
wakeup_waiter(sslx_aio_protocol *p, PyObject *exc)
{
    PyObject *w = p->waiter;
    if (w == NULL || w == Py_None)
        return 0;
    p->waiter = NULL;
    PyObject *cancelled = PyObject_CallMethod(w, "cancelled", NULL);
    int is_cancelled = cancelled ? PyObject_IsTrue(cancelled) : -1;
    Py_XDECREF(cancelled);
    PyObject *r = NULL;
    if (is_cancelled == 0) {
        r = exc ? PyObject_CallMethod(w, "set_exception", "O", exc)
                : PyObject_CallMethod(w, "set_result", "O", Py_None);
    } else if (is_cancelled > 0) {
        r = Py_NewRef(Py_None);
    }
    Py_DECREF(w);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* ---- states ---- */

const char *sslx_aio_state_names[] = {"UNWRAPPED", "DO_HANDSHAKE", "WRAPPED", "FLUSHING",
                                    "SHUTDOWN"};

/* The transitions 3.11+'s sslproto allows; anything else is a bug that
 * raises RuntimeError, as there. */
int
sslx_aio_check_state(sslx_aio_protocol *p, int new_state)
{
    int old = p->state;
    int allowed = new_state == AIO_UNWRAPPED
                  || (old == AIO_UNWRAPPED && new_state == AIO_DO_HANDSHAKE)
                  || (old == AIO_DO_HANDSHAKE && new_state == AIO_WRAPPED)
                  || (old == AIO_WRAPPED && new_state == AIO_FLUSHING)
                  || (old == AIO_FLUSHING && new_state == AIO_SHUTDOWN);
    if (allowed)
        return 0;
    PyErr_Format(PyExc_RuntimeError, "cannot switch state from SSLProtocolState.%s to "
                 "SSLProtocolState.%s", sslx_aio_state_names[old], sslx_aio_state_names[new_state]);
    return -1;
}

int
sslx_aio_set_state(sslx_aio_protocol *p, int new_state)
{
    if (sslx_aio_check_state(p, new_state) < 0)
        return -1;
    p->state = new_state;
    return 0;
}

/* ---- errors ---- */

int
sslx_aio_fatal_error(sslx_aio_protocol *p, PyObject *exc, const char *message)
{
    if (p->transport != NULL) {
        PyObject *t = Py_NewRef(p->transport);
        PyObject *r = PyObject_CallMethod(t, "_force_close", "O", exc ? exc : Py_None);
        Py_DECREF(t);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
    }
    if (exc != NULL && PyObject_TypeCheck(exc, (PyTypeObject *)PyExc_OSError))
        return 0;   /* the stdlib logs these in debug mode only */
    PyObject *cancelled = sslx_aio_glue(p, "CancelledError");
    if (cancelled == NULL)
        return -1;
    int is_cancelled = exc != NULL && PyObject_IsInstance(exc, cancelled) > 0;
    Py_DECREF(cancelled);
    if (is_cancelled)
        return 0;
    PyObject *context = Py_BuildValue("{s:s,s:O,s:O,s:O}", "message", message, "exception",
                                      exc ? exc : Py_None, "transport",
                                      p->transport ? p->transport : Py_None, "protocol", p);
    if (context == NULL)
        return -1;
    PyObject *r = PyObject_CallMethod(p->loop, "call_exception_handler", "O", context);
    Py_DECREF(context);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

PyObject *
sslx_aio_take_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (type == NULL)
        return NULL;
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL)
        PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
}

/* Whether the pending exception is an ssl.SSLError (the stdlib's class,
 * which sslx raises). */
static int
pending_is_ssl_error(sslx_aio_protocol *p)
{
    return PyErr_ExceptionMatches(p->st->SSLError);
}

/* ---- the handshake ---- */

static int on_handshake_complete(sslx_aio_protocol *p, PyObject *exc);

int
sslx_aio_do_handshake(sslx_aio_protocol *p)
{
    int rc = sslx_conn_handshake_nowait(p->conn);
    if (rc == SSLX_CONN_WANT)
        return sslx_aio_process_outgoing(p);
    if (rc == 0)
        return on_handshake_complete(p, NULL);
    if (!pending_is_ssl_error(p))
        return -1;      /* the stdlib lets anything else propagate */
    PyObject *exc = sslx_aio_take_exception();
    rc = on_handshake_complete(p, exc);
    Py_DECREF(exc);
    return rc;
}

static int
start_handshake(sslx_aio_protocol *p)
{
    if (sslx_aio_set_state(p, AIO_DO_HANDSHAKE) < 0)
        return -1;
    PyObject *h = call_later(p, p->handshake_timeout, "_check_handshake_timeout");
    if (h == NULL)
        return -1;
    Py_XSETREF(p->handshake_timer, h);
    return sslx_aio_do_handshake(p);
}

static PyObject *
check_handshake_timeout(sslx_aio_protocol *p, PyObject *unused)
{
    (void)unused;
    if (p->state != AIO_DO_HANDSHAKE)
        Py_RETURN_NONE;
    PyObject *seconds = PyFloat_FromDouble(p->handshake_timeout);
    PyObject *msg = seconds ? PyUnicode_FromFormat("SSL handshake is taking longer than %R "
                                                   "seconds: aborting the connection", seconds)
                            : NULL;
    PyObject *exc = msg ? PyObject_CallOneArg(PyExc_ConnectionAbortedError, msg) : NULL;
    Py_XDECREF(seconds);
    Py_XDECREF(msg);
    if (exc == NULL)
        return NULL;
    int rc = sslx_aio_fatal_error(p, exc, "Fatal error on transport");
    Py_DECREF(exc);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* Add what the handshake made known to the extra info. */
static int
record_session_info(sslx_aio_protocol *p, PyObject *peercert)
{
    PyObject *cipher = PyObject_CallMethod(p->sslobj, "cipher", NULL);
    PyObject *compression = cipher ? PyObject_CallMethod(p->sslobj, "compression", NULL)
                                   : NULL;
    int rc = -1;
    if (compression != NULL && PyDict_SetItemString(p->extra, "peercert", peercert) == 0
        && PyDict_SetItemString(p->extra, "cipher", cipher) == 0
        && PyDict_SetItemString(p->extra, "compression", compression) == 0
        && PyDict_SetItemString(p->extra, "ssl_object", p->sslobj) == 0)
        rc = 0;
    Py_XDECREF(cipher);
    Py_XDECREF(compression);
    return rc;
}

static int
handshake_failed(sslx_aio_protocol *p, PyObject *exc)
{
    p->state = AIO_UNWRAPPED;
    PyObject *cert_error = sslx_aio_glue(p, "CertificateError");
    if (cert_error == NULL)
        return -1;
    int is_cert = PyObject_IsInstance(exc, cert_error);
    Py_DECREF(cert_error);
    if (is_cert < 0)
        return -1;
    const char *msg = is_cert ? "SSL handshake failed on verifying the certificate"
                              : "SSL handshake failed";
    if (sslx_aio_fatal_error(p, exc, msg) < 0)
        return -1;
    return wakeup_waiter(p, exc);
}

static int
on_handshake_complete(sslx_aio_protocol *p, PyObject *exc)
{
    if (cancel_timer(&p->handshake_timer) < 0)
        return -1;
    if (exc != NULL)
        return handshake_failed(p, exc);
    if (sslx_aio_set_state(p, AIO_WRAPPED) < 0)
        return -1;
    PyObject *peercert = PyObject_CallMethod(p->sslobj, "getpeercert", NULL);
    if (peercert == NULL) {
        PyObject *e = sslx_aio_take_exception();
        int rc = handshake_failed(p, e);
        Py_DECREF(e);
        return rc;
    }
    int rc = record_session_info(p, peercert);
    Py_DECREF(peercert);
    if (rc < 0)
        return -1;
    if (p->app_state == AIO_APP_INIT) {
        p->app_state = AIO_APP_CON_MADE;
        PyObject *r = PyObject_CallMethod(p->app_protocol, "connection_made", "O",
                                          p->app_transport);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
    }
    if (wakeup_waiter(p, NULL) < 0)
        return -1;
    /* The handshake's last flight (a client's Finished, a server's
     * tickets) waits for the end of this loop iteration: what the app
     * writes once woken (open_connection returning, the server's
     * handler starting) then goes out in the same send, and the peer
     * wakes up once instead of twice. */
    p->defer_flush = 1;
    rc = sslx_aio_do_read(p);
    p->defer_flush = 0;
    return rc;
}

/* ---- shutdown ---- */

int
sslx_aio_abort(sslx_aio_protocol *p, PyObject *exc)
{
    if (sslx_aio_set_state(p, AIO_UNWRAPPED) < 0)
        return -1;
    if (p->transport == NULL)
        return 0;
    PyObject *t = Py_NewRef(p->transport);
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *r = PyObject_CallMethod(t, "_force_close", "O", exc ? exc : Py_None);
#else
    /* Before 3.13 the stdlib aborts the socket transport (dropping exc). */
    (void)exc;
    PyObject *r = PyObject_CallMethod(t, "abort", NULL);
#endif
    Py_DECREF(t);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

int
sslx_aio_start_shutdown(sslx_aio_protocol *p)
{
    if (p->state == AIO_FLUSHING || p->state == AIO_SHUTDOWN || p->state == AIO_UNWRAPPED)
        return 0;
    if (p->app_transport != NULL)
        sslx_aio_transport_mark_closed(p->app_transport);
    if (p->state == AIO_DO_HANDSHAKE)
        return sslx_aio_abort(p, NULL);
    if (sslx_aio_set_state(p, AIO_FLUSHING) < 0)
        return -1;
    PyObject *h = call_later(p, p->shutdown_timeout, "_check_shutdown_timeout");
    if (h == NULL)
        return -1;
    Py_XSETREF(p->shutdown_timer, h);
    return sslx_aio_do_flush(p);
}

static PyObject *
check_shutdown_timeout(sslx_aio_protocol *p, PyObject *unused)
{
    (void)unused;
    if ((p->state != AIO_FLUSHING && p->state != AIO_SHUTDOWN) || p->transport == NULL)
        Py_RETURN_NONE;
    PyObject *cls = sslx_aio_glue(p, "TimeoutError");
    PyObject *exc = cls ? PyObject_CallFunction(cls, "s", "SSL shutdown timed out") : NULL;
    Py_XDECREF(cls);
    if (exc == NULL)
        return NULL;
    PyObject *t = Py_NewRef(p->transport);
    PyObject *r = PyObject_CallMethod(t, "_force_close", "O", exc);
    Py_DECREF(t);
    Py_DECREF(exc);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

int
sslx_aio_do_flush(sslx_aio_protocol *p)
{
    if (sslx_aio_do_read(p) < 0 || sslx_aio_set_state(p, AIO_SHUTDOWN) < 0)
        return -1;
    return sslx_aio_do_shutdown(p);
}

/* After a clean shutdown the socket transport is closed, which first
 * flushes its buffer: a peer that does not read would hold that up for
 * ever, so the shutdown timeout stays (or starts, when the peer began the
 * shutdown) until connection_lost(), as in CPython 3.14's sslproto. */
static int
on_shutdown_complete(sslx_aio_protocol *p, PyObject *exc)
{
    if (exc != NULL) {
        if (cancel_timer(&p->shutdown_timer) < 0)
            return -1;
        return sslx_aio_fatal_error(p, exc, "Fatal error on transport");
    }
    if (p->shutdown_timer == NULL) {
        p->shutdown_timer = call_later(p, p->shutdown_timeout, "_check_shutdown_timeout");
        if (p->shutdown_timer == NULL)
            return -1;
    }
    if (p->transport == NULL)
        return 0;
    return call_soon_method(p, p->transport, "close", NULL);
}

int
sslx_aio_do_shutdown(sslx_aio_protocol *p)
{
    if (!p->eof_received) {
        int rc = sslx_conn_shutdown_nowait(p->conn);
        if (rc == SSLX_CONN_WANT)
            return sslx_aio_process_outgoing(p);
        if (rc < 0) {
            if (!pending_is_ssl_error(p))
                return -1;
            PyObject *exc = sslx_aio_take_exception();
            rc = on_shutdown_complete(p, exc);
            Py_DECREF(exc);
            return rc;
        }
    }
    if (sslx_aio_process_outgoing(p) < 0 || sslx_aio_call_eof_received(p) < 0)
        return -1;
    return on_shutdown_complete(p, NULL);
}

/* ---- the socket transport's protocol callbacks ---- */

static PyObject *
proto_connection_made(sslx_aio_protocol *p, PyObject *transport)
{
    Py_XSETREF(p->transport, Py_NewRef(transport));
    if (start_handshake(p) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
proto_connection_lost(sslx_aio_protocol *p, PyObject *exc)
{
    PyObject *no_exc = exc == Py_None ? NULL : exc;
    Py_ssize_t n = PyList_GET_SIZE(p->backlog);
    if (n > 0 && PyList_SetSlice(p->backlog, 0, n, NULL) < 0)
        return NULL;
    p->backlog_size = 0;
    sslx_aio_drop_outgoing(p);      /* what was not sent is dropped */
    p->conn_lost++;
    if (p->app_transport != NULL)
        sslx_aio_transport_mark_closed(p->app_transport);
    if (p->state != AIO_DO_HANDSHAKE
        && (p->app_state == AIO_APP_CON_MADE || p->app_state == AIO_APP_EOF)) {
        p->app_state = AIO_APP_CON_LOST;
        if (call_soon_method(p, p->app_protocol, "connection_lost", exc) < 0)
            return NULL;
    }
    p->state = AIO_UNWRAPPED;
    Py_CLEAR(p->transport);
    Py_CLEAR(p->app_transport);
    Py_CLEAR(p->app_get_buffer);
    Py_CLEAR(p->app_buffer_updated);
    Py_XSETREF(p->app_protocol, Py_NewRef(Py_None));
    if (wakeup_waiter(p, no_exc) < 0 || cancel_timer(&p->shutdown_timer) < 0
        || cancel_timer(&p->handshake_timer) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* eof_received(): the peer half-closed the TCP stream. */
static PyObject *
proto_eof_received(sslx_aio_protocol *p, PyObject *unused)
{
    (void)unused;
    p->eof_received = 1;
    int rc = 0;
    switch (p->state) {
    case AIO_DO_HANDSHAKE: {
        PyObject *exc = PyObject_CallNoArgs(PyExc_ConnectionResetError);
        rc = exc ? on_handshake_complete(p, exc) : -1;
        Py_XDECREF(exc);
        break;
    }
    case AIO_WRAPPED:
        if ((rc = sslx_aio_set_state(p, AIO_FLUSHING)) < 0)
            break;
        if (p->app_reading_paused)
            Py_RETURN_TRUE;
        rc = sslx_aio_do_flush(p);
        break;
    case AIO_FLUSHING:
        if ((rc = sslx_aio_do_write(p)) < 0 || (rc = sslx_aio_set_state(p, AIO_SHUTDOWN)) < 0)
            break;
        rc = sslx_aio_do_shutdown(p);
        break;
    case AIO_SHUTDOWN:
        rc = sslx_aio_do_shutdown(p);
        break;
    }
    if (rc < 0) {
        /* The stdlib closes the socket transport, then lets it go on. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        if (p->transport != NULL) {
            PyObject *r = PyObject_CallMethod(p->transport, "close", NULL);
            if (r == NULL)
                PyErr_WriteUnraisable(p->transport);
            Py_XDECREF(r);
        }
        PyErr_Restore(type, value, tb);
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ---- private methods the stdlib's protocol has ---- */

PyObject *
sslx_aio_get_extra_info(sslx_aio_protocol *p, PyObject *name, PyObject *deflt)
{
    PyObject *v = PyDict_GetItemWithError(p->extra, name);
    if (v != NULL)
        return Py_NewRef(v);
    if (PyErr_Occurred())
        return NULL;
    if (p->transport != NULL)
        return PyObject_CallMethod(p->transport, "get_extra_info", "OO", name, deflt);
    return Py_NewRef(deflt);
}

static PyObject *
proto_get_extra_info(sslx_aio_protocol *p, PyObject *args)
{
    PyObject *name, *deflt = Py_None;
    if (!PyArg_ParseTuple(args, "O|O:_get_extra_info", &name, &deflt))
        return NULL;
    return sslx_aio_get_extra_info(p, name, deflt);
}

static PyObject *
proto_fatal_error(sslx_aio_protocol *p, PyObject *args)
{
    PyObject *exc;
    const char *message = "Fatal error on transport";
    if (!PyArg_ParseTuple(args, "O|s:_fatal_error", &exc, &message))
        return NULL;
    if (sslx_aio_fatal_error(p, exc == Py_None ? NULL : exc, message) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
proto_start_shutdown(sslx_aio_protocol *p, PyObject *unused)
{
    (void)unused;
    if (sslx_aio_start_shutdown(p) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
proto_abort(sslx_aio_protocol *p, PyObject *args)
{
    PyObject *exc = Py_None;
    if (!PyArg_ParseTuple(args, "|O:_abort", &exc))
        return NULL;
    if (sslx_aio_abort(p, exc == Py_None ? NULL : exc) < 0)
        return NULL;
    Py_RETURN_NONE;
}

void
sslx_aio_set_app_protocol(sslx_aio_protocol *p, PyObject *app)
{
    Py_XSETREF(p->app_protocol, Py_NewRef(app));
    Py_CLEAR(p->app_get_buffer);
    Py_CLEAR(p->app_buffer_updated);
    /* A BufferedProtocol gets the plaintext in its own buffer. */
    PyObject *buffered = sslx_aio_glue(p, "BufferedProtocol");
    int is_buffered = buffered ? PyObject_IsInstance(app, buffered) : -1;
    Py_XDECREF(buffered);
    if (is_buffered > 0) {
        p->app_get_buffer = PyObject_GetAttrString(app, "get_buffer");
        p->app_buffer_updated = p->app_get_buffer
                                    ? PyObject_GetAttrString(app, "buffer_updated") : NULL;
        if (p->app_buffer_updated == NULL)
            Py_CLEAR(p->app_get_buffer);
    }
    PyErr_Clear();
}

static PyObject *
proto_set_app_protocol(sslx_aio_protocol *p, PyObject *app)
{
    sslx_aio_set_app_protocol(p, app);
    Py_RETURN_NONE;
}

/* loop.call_soon target of the app's resume_reading(). */
static PyObject *
proto_resume(sslx_aio_protocol *p, PyObject *unused)
{
    (void)unused;
    int rc = 0;
    if (p->state == AIO_WRAPPED)
        rc = sslx_aio_do_read(p);
    else if (p->state == AIO_FLUSHING)
        rc = sslx_aio_do_flush(p);
    else if (p->state == AIO_SHUTDOWN)
        rc = sslx_aio_do_shutdown(p);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

int
sslx_aio_resume_reading(sslx_aio_protocol *p)
{
    if (!p->app_reading_paused)
        return 0;
    p->app_reading_paused = 0;
    return call_soon_method(p, (PyObject *)p, "_resume_reading_soon", NULL);
}

/* loop.call_soon target of a deferred flush (on_handshake_complete). */
static PyObject *
proto_flush_soon(sslx_aio_protocol *p, PyObject *unused)
{
    (void)unused;
    p->flush_scheduled = 0;
    p->deferred_out = 0;
    if (p->transport == NULL || p->state == AIO_UNWRAPPED)
        Py_RETURN_NONE;
    if (sslx_aio_process_outgoing(p) < 0)
        return NULL;
    Py_RETURN_NONE;
}

int
sslx_aio_flush_soon(sslx_aio_protocol *p)
{
    sslx_aio_collector *c = p->collector;
    p->deferred_out = c ? (Py_ssize_t)(c->len + c->spill_len) : 0;
    if (p->flush_scheduled)
        return 0;
    p->flush_scheduled = 1;
    return call_soon_method(p, (PyObject *)p, "_flush_soon", NULL);
}

static PyObject *
proto_do_read_soon(sslx_aio_protocol *p, PyObject *unused)
{
    (void)unused;
    if (sslx_aio_do_read(p) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyMethodDef sslx_aio_protocol_methods[] = {
    {"connection_made", (PyCFunction)proto_connection_made, METH_O,
     "Called by the socket transport: start the TLS handshake."},
    {"connection_lost", (PyCFunction)proto_connection_lost, METH_O,
     "Called by the socket transport when the connection is gone."},
    {"get_buffer", (PyCFunction)sslx_aio_get_buffer, METH_O,
     "A writable buffer for received TLS records."},
    {"buffer_updated", (PyCFunction)sslx_aio_buffer_updated, METH_O,
     "nbytes of TLS records were received into the buffer."},
    {"data_received", (PyCFunction)sslx_aio_data_received, METH_O,
     "TLS records received (from a transport that does not lend buffers)."},
    {"eof_received", (PyCFunction)proto_eof_received, METH_NOARGS,
     "The peer closed its side of the TCP stream."},
    {"pause_writing", (PyCFunction)sslx_aio_pause_writing, METH_NOARGS,
     "The socket transport's buffer is over its high-water mark."},
    {"resume_writing", (PyCFunction)sslx_aio_resume_writing, METH_NOARGS,
     "The socket transport's buffer drained below its low-water mark."},
    {"_get_extra_info", (PyCFunction)proto_get_extra_info, METH_VARARGS, NULL},
    {"_fatal_error", (PyCFunction)proto_fatal_error, METH_VARARGS, NULL},
    {"_start_shutdown", (PyCFunction)proto_start_shutdown, METH_NOARGS, NULL},
    {"_abort", (PyCFunction)proto_abort, METH_VARARGS, NULL},
    {"_set_app_protocol", (PyCFunction)proto_set_app_protocol, METH_O, NULL},
    {"_check_handshake_timeout", (PyCFunction)check_handshake_timeout, METH_NOARGS, NULL},
    {"_check_shutdown_timeout", (PyCFunction)check_shutdown_timeout, METH_NOARGS, NULL},
    {"_resume_reading_soon", (PyCFunction)proto_resume, METH_NOARGS, NULL},
    {"_do_read_soon", (PyCFunction)proto_do_read_soon, METH_NOARGS, NULL},
    {"_flush_soon", (PyCFunction)proto_flush_soon, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

