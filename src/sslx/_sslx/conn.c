/* conn.c - the connection engine's operations: running handshake, read,
 * write and shutdown on a started SSL* over memory BIOs or a socket with
 * deadlines.  Creating, stopping and freeing the SSL* is in
 * conn_lifecycle.c; the Python-visible methods shared by SSLObject and
 * SSLSocket are in conn_py.c.  See conn.h for the contract. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <time.h>
#include "conn_internal.h"
#include "errors.h"

sslx_conn *
sslx_conn_of(PyObject *self)
{
    sslx_state *st = sslx_state_from_type(Py_TYPE(self));
    if (st == NULL)
        return NULL;
    PyTypeObject *base = NULL;
    if (st->SSLObject_Type && PyObject_TypeCheck(self, st->SSLObject_Type))
        base = st->SSLObject_Type;
    else if (st->SSLSocket_Type && PyObject_TypeCheck(self, st->SSLSocket_Type))
        base = st->SSLSocket_Type;
    if (base == NULL) {
        PyErr_Format(PyExc_TypeError, "%s is not a TLS connection", Py_TYPE(self)->tp_name);
        return NULL;
    }
    return (sslx_conn *)((char *)self + base->tp_basicsize - sizeof(sslx_conn));
}

/* ---- running one OpenSSL call ---- */

enum op_kind { OP_HANDSHAKE, OP_READ, OP_WRITE, OP_SHUTDOWN, OP_SENDFILE };

typedef struct {
    enum op_kind kind;
    SSL *ssl;           /* a reference held for the whole operation */
    int fd;             /* socket mode: the fd at the operation's start */
    int file_fd;        /* OP_SENDFILE: the file, and where to start */
    off_t file_offset;
    int socket_mode;    /* bytes go through the socket fd */
    int os_socket_bio;  /* ...through OpenSSL's socket BIO (kernel TLS) */
    int calls_python;   /* the SSL's BIOs call Python (foreign MemoryBIOs) */
    int quiet_want;     /* "want read/write" returns SSLX_CONN_WANT, no exception */
    void *buf;
    size_t len;
    size_t done;        /* bytes read or written */
    int ret;            /* the call's return value (1 / 0 / <0) */
    int ssl_err;        /* SSL_get_error, SSL_ERROR_NONE on success */
    int sys_errno;
} op_state;

/* One call with the GIL released; errno and SSL_get_error saved before
 * anything else can touch them. */
static void
run_call(SSL *ssl, op_state *op)
{
    errno = 0;
    switch (op->kind) {
    case OP_HANDSHAKE:
        op->ret = SSL_do_handshake(ssl);
        break;
    case OP_READ:
        op->ret = SSL_read_ex(ssl, op->buf, op->len, &op->done);
        break;
    case OP_WRITE:
        op->ret = SSL_write_ex(ssl, op->buf, op->len, &op->done);
        break;
    case OP_SHUTDOWN:
        op->ret = SSL_shutdown(ssl);
        break;
    case OP_SENDFILE: {
        /* Only with kernel TLS: the kernel encrypts the file's pages. */
        ossl_ssize_t n = SSL_sendfile(ssl, op->file_fd, op->file_offset, op->len, 0);
        op->done = n > 0 ? (size_t)n : 0;
        op->ret = n > 0 ? 1 : (int)n;
        break;
    }
    }
    op->sys_errno = errno;
    /* SSL_shutdown's 0 means "sent, peer's not seen yet", not failure. */
    if (op->ret > 0 || (op->kind == OP_SHUTDOWN && op->ret == 0))
        op->ssl_err = SSL_ERROR_NONE;
    else
        op->ssl_err = SSL_get_error(ssl, op->ret);
}

/* The call, holding the lock, unless the connection was stopped (by
 * another thread) since the operation began: then 1 and no call. */
static int
call_unless_stopped(sslx_conn *c, op_state *op)
{
    if (c->ssl != op->ssl)
        return 1;
    ERR_clear_error();
    run_call(op->ssl, op);
    return 0;
}

/* One call of op->ssl under the connection's lock, with the GIL released
 * unless the BIOs call Python (foreign MemoryBIO objects).  0, or 1 when
 * the connection was stopped and nothing was called. */
static int
run_once(sslx_conn *c, op_state *op)
{
    int stopped;
    op->done = 0;
    if (op->calls_python) {
        sslx_conn_lock_with_gil(c);
        stopped = call_unless_stopped(c, op);
        sslx_conn_unlock(c);
        return stopped;
    }
    Py_BEGIN_ALLOW_THREADS
    if (op->os_socket_bio)
        sslx_conn_keep_nonblocking(op->fd); /* settimeout(None) may have cleared it */
    sslx_conn_lock_without_gil(c);
    stopped = call_unless_stopped(c, op);
    sslx_conn_unlock(c);
    Py_END_ALLOW_THREADS
    return stopped;
}

static double
monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wait until `fd` is readable (or writable), GIL released.  Returns 1
 * ready, 0 deadline passed, -1 error (errno set; EINTR included). */
static int
wait_fd(int fd, int for_write, double timeout, double deadline)
{
    struct pollfd pfd = {.fd = fd, .events = for_write ? POLLOUT : POLLIN};
    int ms = -1, rc;
    if (timeout >= 0) {
        double left = deadline - monotonic_now();
        if (left <= 0)
            return 0;
        /* poll() takes int milliseconds: cap very long waits (the loop
         * in the caller waits again). */
        ms = left > 2e6 ? 2000000000 : (int)ceil(left * 1000.0);
    }
    Py_BEGIN_ALLOW_THREADS
    rc = poll(&pfd, 1, ms);
    Py_END_ALLOW_THREADS
    if (rc < 0)
        return -1;
    /* POLLNVAL (the descriptor was closed) counts as ready: the next call
     * finds the connection stopped (closed by another thread) or reports
     * the descriptor's own error. */
    return rc > 0 ? 1 : 0;
}

static const char *
timeout_message(enum op_kind kind, int want_write)
{
    switch (kind) {
    case OP_HANDSHAKE:
        return "The handshake operation timed out";
    case OP_READ:
        return "The read operation timed out";
    case OP_WRITE:
    case OP_SENDFILE:
        return "The write operation timed out";
    default:
        return want_write ? "The write operation timed out" : "The read operation timed out";
    }
}

/* Decide what to do after a failed call in socket mode: 1 retry, 0 give
 * up (map op's error), -1 exception already set. */
static int
socket_retry(op_state *op, double timeout, double deadline)
{
    if (op->ssl_err == SSL_ERROR_SYSCALL && op->sys_errno == EINTR) {
        ERR_clear_error();
        return PyErr_CheckSignals() < 0 ? -1 : 1;
    }
    if (timeout == 0
        || (op->ssl_err != SSL_ERROR_WANT_READ && op->ssl_err != SSL_ERROR_WANT_WRITE))
        return 0;
    /* A blocking socket's recv() interrupted by a signal comes back as
     * "want read" (OpenSSL retries EINTR): run the handlers (PEP 475). */
    if (PyErr_CheckSignals() < 0) {
        ERR_clear_error();
        return -1;
    }
    int for_write = op->ssl_err == SSL_ERROR_WANT_WRITE;
    for (;;) {
        int rc = wait_fd(op->fd, for_write, timeout, deadline);
        if (rc > 0)
            return 1;
        if (rc == 0 && monotonic_now() < deadline)
            continue;   /* a capped wait ended early */
        if (rc == 0) {
            ERR_clear_error();
            PyErr_SetString(PyExc_TimeoutError, timeout_message(op->kind, for_write));
            return -1;
        }
        if (errno != EINTR) {
            ERR_clear_error();
            PyErr_SetFromErrno(PyExc_OSError);
            return -1;
        }
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
}

/* Keep the pending SSLEOFError (it stays raised) for later calls. */
static void
remember_eof(sslx_conn *c)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (c->eof_error == NULL && value != NULL)
        c->eof_error = Py_NewRef(value);
    PyErr_Restore(type, value, tb);
}

/* Raise the remembered SSLEOFError again; 0 when there is none. */
static int
raise_remembered_eof(sslx_conn *c)
{
    if (c->eof_error == NULL)
        return 0;
    PyException_SetTraceback(c->eof_error, Py_None);
    PyErr_SetObject((PyObject *)Py_TYPE(c->eof_error), c->eof_error);
    return 1;
}

/* The error of a failed call as a Python exception. */
static int
raise_op_error(sslx_conn *c, op_state *op)
{
    /* The *_ex calls report every failure as 0; the error mapping wants the
     * classic convention (0: EOF, -1: system error with errno). */
    int ret = op->ret;
    if ((op->kind == OP_READ || op->kind == OP_WRITE) && op->ret == 0)
        ret = op->sys_errno != 0 ? -1 : 0;
    int transfer = op->socket_mode && op->kind != OP_HANDSHAKE && op->kind != OP_SHUTDOWN;
    sslx_raise_conn_error(c->st, op->ssl, op->ssl_err, ret, op->sys_errno,
                          c->server_hostname, transfer, SSLX_HERE);
    if (PyErr_ExceptionMatches(c->st->SSLEOFError))
        remember_eof(c);
    return -1;
}

/* The end of an operation that found its connection stopped (closed or
 * unwrapped by another thread while it waited), as the stdlib ends it:
 * a read sees the end of the stream (0 bytes), anything else an EOF in
 * violation of the protocol. */
static int
stopped_outcome(sslx_conn *c, op_state *op)
{
    op->done = 0;
    if (op->kind == OP_READ)
        return 0;
    sslx_raise_eof_violation(c->st, SSLX_HERE);
    return -1;
}

/* Run `op` until it succeeds, fails, or (non-blocking / deadline) must
 * wait.  0 on success, -1 with an exception set.  op->ssl is referenced
 * by op_begin(). */
static int
run_op(sslx_conn *c, op_state *op, double timeout)
{
    int socket_mode = op->socket_mode;
    double deadline = (socket_mode && timeout > 0) ? monotonic_now() + timeout : 0;
    if (!socket_mode)
        timeout = 0;
    for (;;) {
        if (run_once(c, op))
            return stopped_outcome(c, op);
        if (PyErr_Occurred()) {
            /* A callback (SNI, ALPN...) or a foreign BIO raised during
             * the call. */
            ERR_clear_error();
            return -1;
        }
        if (op->ssl_err == SSL_ERROR_NONE)
            return 0;
        if (op->quiet_want
            && (op->ssl_err == SSL_ERROR_WANT_READ || op->ssl_err == SSL_ERROR_WANT_WRITE)) {
            ERR_clear_error();
            return SSLX_CONN_WANT;
        }
        int retry = socket_mode ? socket_retry(op, timeout, deadline) : 0;
        if (retry < 0)
            return -1;
        if (retry == 0)
            return raise_op_error(c, op);
    }
}

/* Every operation holds its own reference to the SSL*: sslx_conn_stop()
 * from another thread (close() while a recv() waits with the GIL
 * released) then only drops the connection's reference, and the SSL*
 * lives until the waiting call returns. */
static const char *
op_method_name(enum op_kind kind)
{
    switch (kind) {
    case OP_HANDSHAKE:
        return "do_handshake()";
    case OP_READ:
        return "read()";
    case OP_WRITE:
        return "write()";
    case OP_SENDFILE:
        return "sendfile()";
    default:
        return "unwrap()";
    }
}

/* The GIL is held from here to the first call, so stop() in another
 * thread cannot run between the test of c->ssl and the reference. */
static int
op_begin(sslx_conn *c, op_state *op)
{
    if (sslx_conn_held_by_me(c))
        return sslx_conn_refuse_reentry(op_method_name(op->kind));
    if (c->ssl == NULL) {
        PyErr_SetString(PyExc_ValueError, "the TLS connection is not started");
        return -1;
    }
    if (op->kind != OP_SHUTDOWN && raise_remembered_eof(c))
        return -1;
    if (SSL_up_ref(c->ssl) != 1) {
        PyErr_NoMemory();
        return -1;
    }
    op->ssl = c->ssl;
    op->fd = c->fd;
    op->socket_mode = c->mode == SSLX_CONN_SOCKET;
    op->os_socket_bio = c->os_socket_bio;
    op->calls_python = c->foreign_in || c->foreign_out;
    return 0;
}

static void
op_end(op_state *op)
{
    SSL_free(op->ssl);
}

static int
conn_handshake(sslx_conn *c, double timeout, int quiet_want)
{
    op_state op = {.kind = OP_HANDSHAKE, .quiet_want = quiet_want};
    if (op_begin(c, &op) < 0)
        return -1;
    int rc = run_op(c, &op, timeout);
    op_end(&op);
    return rc;
}

/* ---- reading ---- */

/* Keep the pending exception for the next read (it is cleared here). */
static void
defer_read_error(sslx_conn *c)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value != NULL && tb != NULL)
        PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    Py_XSETREF(c->deferred_read_error, value);
}

/* Raise the failure a previous read kept; 1 if there was one. */
static int
raise_deferred_read_error(sslx_conn *c)
{
    PyObject *value = c->deferred_read_error;
    if (value == NULL)
        return 0;
    c->deferred_read_error = NULL;
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(value)), value,
                  PyException_GetTraceback(value));
    return 1;
}

/* The foreign incoming object's `pending`, or -1 with an exception.  An
 * object without one (only read() and eof are required of it) counts as
 * holding nothing: reads then allocate one record. */
static Py_ssize_t
foreign_pending(sslx_conn *c)
{
    if (c->incoming == NULL)
        return 0;
    PyObject *v = PyObject_GetAttrString(c->incoming, "pending");
    if (v == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        return 0;
    }
    if (v == NULL)
        return -1;
    Py_ssize_t n = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    if (n == -1 && PyErr_Occurred())
        return -1;
    return n > 0 ? n : 0;   /* a negative count says nothing is known */
}

/* Whether another record may be read without asking the incoming BIO for
 * bytes it does not hold: 1 yes, 0 no, -1 with an exception.  Asking an
 * empty BIO after write_eof() makes OpenSSL fail the connection for the
 * EOF, and then a write() or do_handshake() before the next read would
 * fail where the stdlib's, which has not read that far, succeed; the
 * next read meets the EOF instead. */
static int
more_records_waiting(sslx_conn *c, SSL *ssl)
{
    if (SSL_pending(ssl) > 0)
        return 1;
    if (!c->foreign_in)
        return BIO_ctrl_pending(c->in_bio) > 0;
    Py_ssize_t n = foreign_pending(c);
    return n < 0 ? -1 : n > 0;
}

/* Reading ahead met a failure (the pending exception): keep it for the
 * next read, and let pending() count it so that loops call that read. */
static void
keep_failure_for_next_read(sslx_conn *c)
{
    defer_read_error(c);
    c->outcome_pending = 1;
}

/* BIO mode, after a first successful SSL_read: every byte OpenSSL could
 * decrypt is already in memory, so go on with the next records until the
 * buffer is full or the incoming bytes run out.  One Python call then
 * moves up to `len` bytes instead of one record (16 KiB), which is most of
 * the per-byte cost of driving TLS from Python (asyncio reads 256 KiB at
 * a time).  Running out (want read), a close_notify (the next read sees
 * it again) or any failure ends the loop with the bytes read so far; a
 * failure is kept for the next read, so the bytes before it are delivered
 * first, as they are with one record per call. */
static void
read_more_records(sslx_conn *c, op_state *op)
{
    char *base = op->buf;
    size_t total = op->done, want = op->len;
    while (total < want) {
        op->buf = base + total;
        op->len = want - total;
        int waiting = more_records_waiting(c, op->ssl);
        if (waiting < 0) {
            keep_failure_for_next_read(c);
            break;
        }
        if (!waiting || run_once(c, op))
            break;              /* stopped: the next read sees it */
        if (PyErr_Occurred()) {
            ERR_clear_error();
            keep_failure_for_next_read(c);
            break;
        }
        if (op->ssl_err == SSL_ERROR_NONE) {
            total += op->done;
            continue;
        }
        if (op->ssl_err == SSL_ERROR_WANT_READ || op->ssl_err == SSL_ERROR_WANT_WRITE
            || op->ssl_err == SSL_ERROR_ZERO_RETURN) {
            c->outcome_pending = op->ssl_err == SSL_ERROR_ZERO_RETURN;
            ERR_clear_error();
            break;
        }
        raise_op_error(c, op);
        keep_failure_for_next_read(c);
        break;
    }
    op->buf = base;
    op->len = want;
    op->done = total;
}

Py_ssize_t
sslx_conn_readable_bound(sslx_conn *c)
{
    const Py_ssize_t record = SSL3_RT_MAX_PLAIN_LENGTH;
    int locked = sslx_conn_lock_query(c);
    Py_ssize_t bound = record;
    if (c->mode == SSLX_CONN_BIO && c->ssl != NULL) {
        Py_ssize_t waiting = c->foreign_in ? foreign_pending(c)
                                           : (Py_ssize_t)BIO_ctrl_pending(c->in_bio);
        /* Ciphertext is never shorter than its plaintext. */
        bound = waiting < 0 ? -1 : waiting + SSL_pending(c->ssl);
    }
    sslx_conn_unlock_query(c, locked);
    if (bound < 0)
        return -1;
    return bound > record ? bound : record;
}

/* A read's failure, already raised: 0 when it is the clean end of the
 * stream (the exception is cleared), -1 otherwise. */
static Py_ssize_t
read_failure(sslx_conn *c, SSL *ssl, int ssl_err, int suppress_ragged_eofs)
{
    if (ssl_err == SSL_ERROR_ZERO_RETURN
        && SSL_get_shutdown(ssl) == SSL_RECEIVED_SHUTDOWN
        && PyErr_ExceptionMatches(c->st->SSLZeroReturnError)) {
        /* A close_notify from the peer (and none sent yet) is a clean end
         * of stream: zero bytes, like the stdlib. */
        PyErr_Clear();
        return 0;
    }
    if (suppress_ragged_eofs && PyErr_ExceptionMatches(c->st->SSLEOFError)) {
        PyErr_Clear();
        return 0;
    }
    return -1;
}

static Py_ssize_t
conn_read(sslx_conn *c, void *buf, Py_ssize_t len, double timeout, int suppress_ragged,
          int quiet_want)
{
    op_state op = {.kind = OP_READ, .buf = buf, .len = len > 0 ? (size_t)len : 0,
                   .quiet_want = quiet_want};
    int rc;
    if (len <= 0)
        return 0;
    if (c->ssl != NULL && raise_remembered_eof(c)) {
        /* The EOF again, and again a ragged one may read as the end. */
        return read_failure(c, c->ssl, SSL_ERROR_SYSCALL, suppress_ragged);
    }
    if (op_begin(c, &op) < 0)
        return -1;
    c->outcome_pending = 0;     /* this read reports it */
    Py_ssize_t result;
    if (raise_deferred_read_error(c)) {
        result = read_failure(c, op.ssl, SSL_ERROR_SSL, suppress_ragged);
    } else if ((rc = run_op(c, &op, timeout)) == 0) {
        if (!op.socket_mode && op.done > 0 && op.done < op.len)
            read_more_records(c, &op);
        result = (Py_ssize_t)op.done;
    } else if (rc == SSLX_CONN_WANT) {
        result = SSLX_CONN_WANT;
    } else {
        result = read_failure(c, op.ssl, op.ssl_err, suppress_ragged);
    }
    op_end(&op);
    return result;
}

/* A write retried after one that timed out (or would have blocked) with
 * a record half sent must give OpenSSL at least as many bytes (the same
 * data), or OpenSSL fails the connection for good (BAD_LENGTH).  Refuse
 * a shorter one before OpenSSL sees it: the connection stays usable and
 * the retry the program owes can still complete. */
static int
check_write_retry(sslx_conn *c, size_t len)
{
    if (c->write_retry_len == 0 || len >= c->write_retry_len)
        return 0;
    PyErr_Format(PyExc_ValueError,
                 "a write that timed out or would have blocked must be retried with the same "
                 "data (%zu bytes), not %zu bytes",
                 c->write_retry_len, len);
    return -1;
}

static Py_ssize_t
conn_write(sslx_conn *c, const void *buf, Py_ssize_t len, double timeout, int quiet_want)
{
    op_state op = {.kind = OP_WRITE, .buf = (void *)buf, .len = len > 0 ? (size_t)len : 0,
                   .quiet_want = quiet_want};
    if (check_write_retry(c, op.len) < 0 || op_begin(c, &op) < 0)
        return -1;
    int rc = run_op(c, &op, timeout);
    if (rc == 0)
        c->write_retry_len = 0;
    else if (op.socket_mode && op.ssl_err == SSL_ERROR_WANT_WRITE && op.len > c->write_retry_len)
        c->write_retry_len = op.len;
    op_end(&op);
    if (rc == SSLX_CONN_WANT)
        return SSLX_CONN_WANT;
    return rc < 0 ? -1 : (Py_ssize_t)op.done;
}

Py_ssize_t
sslx_conn_sendfile(sslx_conn *c, int fd, off_t offset, size_t size, double timeout)
{
    op_state op = {.kind = OP_SENDFILE, .file_fd = fd, .file_offset = offset, .len = size};
    if (op_begin(c, &op) < 0)
        return -1;
    if (!BIO_get_ktls_send(SSL_get_wbio(op.ssl))) {
        op_end(&op);
        PyErr_SetString(c->st->SSLError,
                        "sendfile() needs kernel TLS for sending (OP_ENABLE_KTLS)");
        return -1;
    }
    int rc = run_op(c, &op, timeout);
    op_end(&op);
    return rc < 0 ? -1 : (Py_ssize_t)op.done;
}

int
sslx_conn_uses_ktls(sslx_conn *c, int for_send)
{
    int locked = sslx_conn_lock_query(c);
    int on = 0;
    if (c->ssl != NULL)
        on = for_send ? BIO_get_ktls_send(SSL_get_wbio(c->ssl)) > 0
                      : BIO_get_ktls_recv(SSL_get_rbio(c->ssl)) > 0;
    sslx_conn_unlock_query(c, locked);
    return on;
}

static int
conn_shutdown(sslx_conn *c, double timeout, int quiet_want)
{
    /* SSL_shutdown returns 0 after sending our close_notify when the
     * peer's has not arrived: call it once more to read it (that second
     * call may want to read, which non-blocking callers see as
     * SSLWantReadError). */
    op_state op = {.kind = OP_SHUTDOWN, .quiet_want = quiet_want};
    if (op_begin(c, &op) < 0)
        return -1;
    int rc = 0;
    for (int calls = 0; calls < 2; calls++) {
        if (c->shutdown_seen_zero) {
            sslx_conn_lock_with_gil(c);
            SSL_set_read_ahead(op.ssl, 0);  /* do not swallow bytes after it */
            sslx_conn_unlock(c);
        }
        rc = run_op(c, &op, timeout);
        if (rc < 0 || op.ret > 0)
            break;
        c->shutdown_seen_zero = 1;
    }
    op_end(&op);
    return rc;
}

/* ---- the public operations ---- */

int
sslx_conn_handshake(sslx_conn *c, double timeout)
{
    return conn_handshake(c, timeout, 0);
}

Py_ssize_t
sslx_conn_read(sslx_conn *c, void *buf, Py_ssize_t len, double timeout, int suppress_ragged)
{
    return conn_read(c, buf, len, timeout, suppress_ragged, 0);
}

Py_ssize_t
sslx_conn_write(sslx_conn *c, const void *buf, Py_ssize_t len, double timeout)
{
    return conn_write(c, buf, len, timeout, 0);
}

int
sslx_conn_shutdown(sslx_conn *c, double timeout)
{
    return conn_shutdown(c, timeout, 0);
}

int
sslx_conn_handshake_nowait(sslx_conn *c)
{
    return conn_handshake(c, 0, 1);
}

Py_ssize_t
sslx_conn_read_nowait(sslx_conn *c, void *buf, Py_ssize_t len)
{
    return conn_read(c, buf, len, 0, 0, 1);
}

Py_ssize_t
sslx_conn_write_nowait(sslx_conn *c, const void *buf, Py_ssize_t len)
{
    return conn_write(c, buf, len, 0, 1);
}

int
sslx_conn_shutdown_nowait(sslx_conn *c)
{
    return conn_shutdown(c, 0, 1);
}

double
sslx_conn_timeout(sslx_conn *c)
{
    if (c->mode != SSLX_CONN_SOCKET)
        return -1.0;
    /* _socket.socket.gettimeout(owner): the timeout stored in the socket
     * object, whatever a subclass's gettimeout() says. */
    PyObject *t = PyObject_CallOneArg(c->st->socket_gettimeout, c->owner);
    if (t == NULL)
        return -2.0;
    double v = -1.0;
    if (t != Py_None) {
        v = PyFloat_AsDouble(t);
        if (v == -1.0 && PyErr_Occurred())
            v = -2.0;
    }
    Py_DECREF(t);
    return v;
}
