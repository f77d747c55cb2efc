/* context_callbacks.c - the OpenSSL callbacks an SSLContext installs:
 * server name indication, server-side ALPN selection, key logging.
 *
 * A callback of the SSL_CTX, once installed, is never removed: OpenSSL
 * reads the pointer once to test it and again to call it, so a setter
 * that cleared it while another thread handshakes could make OpenSSL
 * call NULL.  Turning a feature off clears the Python side instead, and
 * the C callback then answers as if it were not installed.
 *
 * They run inside a handshake, while the connection engine has released
 * the GIL, so each takes it with PyGILState_Ensure() before touching any
 * Python object or context field.  The context is found again from the
 * SSL* (SSL_get_SSL_CTX -> app data) after the GIL is held, never from a
 * pointer captured before, so a context freed meanwhile is seen as NULL.
 * The Python connection object is the engine's borrowed ex_data pointer
 * (st->ssl_ex_index). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "conn.h"
#include "context_internal.h"
#include "errors.h"

/* ---- SNI ---- */

/* The server name the client asked for: None, an A-label str, or (for
 * set_servername_callback) the decoded U-label.  NULL on error. */
static PyObject *
requested_server_name(SSL *ssl, int ulabel)
{
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name == NULL)
        return Py_NewRef(Py_None);
    Py_ssize_t len = (Py_ssize_t)strlen(name);
    if (ulabel)
        return PyUnicode_Decode(name, len, "idna", "strict");
    return PyUnicode_DecodeASCII(name, len, "strict");
}

/* What the callback's return value means for the handshake: None
 * continues, an int is the alert to fail with; anything else is
 * reported and fails with internal_error. */
static int
sni_outcome(PyObject *result, PyObject *callback, int *alert)
{
    if (result == NULL) {
        /* The exception cannot propagate through OpenSSL: report it the
         * way Python reports exceptions nobody can catch. */
        PyErr_WriteUnraisable(callback);
        *alert = SSL_AD_HANDSHAKE_FAILURE;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (result == Py_None)
        return SSL_TLSEXT_ERR_OK;
    long value = PyLong_AsLong(result);
    if (value == -1 && PyErr_Occurred()) {
        PyErr_WriteUnraisable(result);
        *alert = SSL_AD_INTERNAL_ERROR;
    } else {
        *alert = (value >= 0 && value <= 255) ? (int)value : SSL_AD_INTERNAL_ERROR;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* Call sni_callback(connection, server_name, context); GIL held. */
static int
run_sni_callback(SSL *ssl, int *alert)
{
    sslx_context *self = sslx_context_from_ctx(SSL_get_SSL_CTX(ssl));
    if (self == NULL || self->sni_callback == NULL)
        return SSL_TLSEXT_ERR_NOACK;    /* what OpenSSL does with no callback */
    PyObject *conn = SSL_get_ex_data(ssl, SSLX_CONTEXT_STATE(self)->ssl_ex_index);
    if (conn == NULL) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    /* The callback may replace sni_callback or drop the context. */
    Py_INCREF(self);
    Py_INCREF(conn);
    PyObject *callback = Py_NewRef(self->sni_callback);
    PyObject *name = requested_server_name(ssl, self->sni_ulabel);
    int rc;
    if (name == NULL) {
        PyErr_WriteUnraisable(callback);
        *alert = SSL_AD_INTERNAL_ERROR;
        rc = SSL_TLSEXT_ERR_ALERT_FATAL;
    } else {
        /* The one callback allowed to switch the connection's context
         * (conn_py.c, the context setter). */
        sslx_conn *engine = sslx_conn_of(conn);
        if (engine != NULL)
            engine->in_sni_callback = 1;
        else
            PyErr_Clear();      /* not an engine: nothing to allow */
        PyObject *result = PyObject_CallFunctionObjArgs(callback, conn, name, self, NULL);
        if (engine != NULL)
            engine->in_sni_callback = 0;
        rc = sni_outcome(result, callback, alert);
        Py_XDECREF(result);
        Py_DECREF(name);
    }
    Py_DECREF(callback);
    Py_DECREF(conn);
    Py_DECREF(self);
    return rc;
}

static int
servername_cb(SSL *ssl, int *alert, void *arg)
{
    (void)arg;
    PyObject *type, *value, *tb;
    PyGILState_STATE gil = PyGILState_Ensure();
    /* A message callback may have left an exception for the engine to
     * raise; keep it aside while Python code runs. */
    PyErr_Fetch(&type, &value, &tb);
    int rc = run_sni_callback(ssl, alert);
    if (type != NULL)
        PyErr_Restore(type, value, tb);
    PyGILState_Release(gil);
    return rc;
}

int
sslx_context_set_sni(sslx_context *self, PyObject *callback, int ulabel)
{
    if (callback == Py_None) {
        Py_CLEAR(self->sni_callback);
    } else {
        Py_XSETREF(self->sni_callback, Py_NewRef(callback));
        SSL_CTX_set_tlsext_servername_callback(self->ctx, servername_cb);
    }
    self->sni_ulabel = ulabel;
    return 0;
}

/* ---- ALPN selection (server side) ---- */

/* The entry of the client's list equal to `proto`: OpenSSL copies the
 * selection after the callback returns, by then our own list may have
 * been replaced by another thread, the client's may not. */
static const unsigned char *
find_in_client_list(const unsigned char *in, unsigned int inlen, const unsigned char *proto,
                    unsigned char len)
{
    unsigned int i = 0;
    while (i < inlen) {
        unsigned char l = in[i];
        if (i + 1 + l > inlen)
            break;
        if (l == len && memcmp(in + i + 1, proto, len) == 0)
            return in + i + 1;
        i += 1 + l;
    }
    return NULL;
}

static int
alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
               const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)arg;
    int rc = SSL_TLSEXT_ERR_NOACK;
    PyGILState_STATE gil = PyGILState_Ensure();
    sslx_context *self = sslx_context_from_ctx(SSL_get_SSL_CTX(ssl));
    unsigned char *selected;
    unsigned char len;
    /* Server preference: the first of our protocols the client offers. */
    if (self != NULL && self->alpn_protocols != NULL
        && SSL_select_next_proto(&selected, &len, self->alpn_protocols,
                                 self->alpn_protocols_len, in, inlen)
               == OPENSSL_NPN_NEGOTIATED) {
        const unsigned char *mine = find_in_client_list(in, inlen, selected, len);
        if (mine != NULL) {
            *out = mine;
            *outlen = len;
            rc = SSL_TLSEXT_ERR_OK;
        }
    }
    PyGILState_Release(gil);
    return rc;
}

void
sslx_context_enable_alpn_select(sslx_context *self)
{
    SSL_CTX_set_alpn_select_cb(self->ctx, alpn_select_cb, NULL);
}

/* ---- key logging (NSS key log format) ---- */

static const char keylog_header[] = "# TLS secrets log file, generated by OpenSSL / sslx\n";

/* Take the keylog lock without blocking other threads on the GIL. */
static void
lock_keylog(sslx_context *self)
{
    if (!PyThread_acquire_lock(self->keylog_lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->keylog_lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
    }
}

/* One line and its newline in a single write, so concurrent
 * connections never interleave within a line. */
static void
write_keylog_line(BIO *bio, const char *line)
{
    size_t len = strlen(line);
    char *buf = OPENSSL_malloc(len + 1);
    if (buf == NULL)
        return;
    memcpy(buf, line, len);
    buf[len] = '\n';
    (void)BIO_write(bio, buf, (int)(len + 1));
    OPENSSL_clear_free(buf, len + 1);   /* key material */
}

static void
keylog_cb(const SSL *ssl, const char *line)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    sslx_context *self = sslx_context_from_ctx(SSL_get_SSL_CTX(ssl));
    if (self != NULL && self->keylog_lock != NULL) {
        Py_INCREF(self);
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->keylog_lock, WAIT_LOCK);
        if (self->keylog_bio != NULL)
            write_keylog_line(self->keylog_bio, line);
        PyThread_release_lock(self->keylog_lock);
        Py_END_ALLOW_THREADS
        Py_DECREF(self);
    }
    PyGILState_Release(gil);
}

/* Replace the open keylog file (NULL closes it). */
static void
swap_keylog_bio(sslx_context *self, BIO *bio)
{
    if (self->keylog_lock == NULL) {
        BIO_free_all(bio);
        return;
    }
    lock_keylog(self);
    BIO *old = self->keylog_bio;
    self->keylog_bio = bio;
    PyThread_release_lock(self->keylog_lock);
    BIO_free_all(old);
}

void
sslx_context_close_keylog(sslx_context *self)
{
    if (self->keylog_bio != NULL)
        swap_keylog_bio(self, NULL);
}

/* Open `path` for appending (created 0666 & ~umask, not inherited by
 * child processes), with the header line when the file is new. */
static BIO *
open_keylog(PyObject *value, const char *path)
{
    int fd, saved_errno = 0;
    Py_BEGIN_ALLOW_THREADS
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        saved_errno = errno;
    else if (lseek(fd, 0, SEEK_END) == 0
             && write(fd, keylog_header, sizeof(keylog_header) - 1) < 0)
        saved_errno = errno;
    Py_END_ALLOW_THREADS
    if (saved_errno != 0) {
        if (fd >= 0)
            close(fd);
        errno = saved_errno;
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, value);
        return NULL;
    }
    BIO *bio = BIO_new_fd(fd, BIO_CLOSE);
    if (bio == NULL) {
        close(fd);
        PyErr_NoMemory();
    }
    return bio;
}

int
sslx_context_set_keylog(sslx_context *self, PyObject *value)
{
    if (value == Py_None) {
        swap_keylog_bio(self, NULL);
        Py_CLEAR(self->keylog_filename);
        return 0;
    }
    PyObject *path;
    if (!PyUnicode_FSConverter(value, &path))
        return -1;
    BIO *bio = open_keylog(value, PyBytes_AS_STRING(path));
    Py_DECREF(path);
    if (bio == NULL)
        return -1;
    swap_keylog_bio(self, bio);
    Py_XSETREF(self->keylog_filename, Py_NewRef(value));
    SSL_CTX_set_keylog_callback(self->ctx, keylog_cb);
    return 0;
}

/* ---- _msg_callback (protocol message tracing) ---- */

/* The message type the stdlib reports for a protocol message: the real
 * content type of a record header, the description of an alert, a
 * pseudo type (0x0101) for ChangeCipherSpec, the handshake type. */
static int
message_type(int content_type, const unsigned char *buf, size_t len, int *version)
{
    switch (content_type) {
    case SSL3_RT_HEADER:
        if (len >= 3)
            *version = (buf[1] << 8) | buf[2];
        return len >= 1 ? buf[0] : -1;
    case SSL3_RT_INNER_CONTENT_TYPE:
    case SSL3_RT_HANDSHAKE:
        return len >= 1 ? buf[0] : -1;
    case SSL3_RT_CHANGE_CIPHER_SPEC:
        return 0x0101;
    case SSL3_RT_ALERT:
        return len >= 2 ? buf[1] : -1;
    default:
        return -1;
    }
}

/* callback(conn, "read"|"write", version, content_type, msg_type, data);
 * GIL held.  An exception stays set: the engine raises it when its
 * current operation returns, as the stdlib does. */
static void
run_msg_callback(int write_p, int version, int content_type, const void *buf, size_t len,
                 SSL *ssl)
{
    sslx_context *self = sslx_context_from_ctx(SSL_get_SSL_CTX(ssl));
    if (self == NULL || self->msg_callback == NULL || PyErr_Occurred())
        return;
    PyObject *conn = SSL_get_ex_data(ssl, SSLX_CONTEXT_STATE(self)->ssl_ex_index);
    if (conn == NULL)
        return;
    int msg_type = message_type(content_type, buf, len, &version);
    PyObject *callback = Py_NewRef(self->msg_callback);
    Py_INCREF(conn);
    PyObject *result = PyObject_CallFunction(callback, "Osiiiy#", conn,
                                             write_p ? "write" : "read", version,
                                             content_type, msg_type, (const char *)buf,
                                             (Py_ssize_t)len);
    Py_XDECREF(result);
    Py_DECREF(conn);
    Py_DECREF(callback);
}

static void
msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
       void *arg)
{
    (void)arg;
    PyGILState_STATE gil = PyGILState_Ensure();
    run_msg_callback(write_p, version, content_type, buf, len, ssl);
    PyGILState_Release(gil);
}

int
sslx_context_set_msg_callback(sslx_context *self, PyObject *callback)
{
    if (callback == Py_None) {
        SSL_CTX_set_msg_callback(self->ctx, NULL);
        Py_CLEAR(self->msg_callback);
        return 0;
    }
    if (!PyCallable_Check(callback)) {
        PyErr_Format(PyExc_TypeError, "%R is not callable.", callback);
        return -1;
    }
    Py_XSETREF(self->msg_callback, Py_NewRef(callback));
    SSL_CTX_set_msg_callback(self->ctx, msg_cb);
    return 0;
}
