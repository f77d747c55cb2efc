/* context_psk.c - TLS-PSK: SSLContext.set_psk_client_callback() and
 * set_psk_server_callback(), the API Python 3.13 added, offered on every
 * supported interpreter.
 *
 * OpenSSL's "old style" PSK callbacks serve TLS 1.2 PSK cipher suites and,
 * through a session OpenSSL builds from the key, TLS 1.3 (which then needs a
 * SHA-256 cipher suite).  Like the callbacks in context_callbacks.c they run
 * inside a handshake with the GIL released: each takes the GIL with
 * PyGILState_Ensure(), sets aside an exception a message callback may have
 * left for the engine, finds the context again from the SSL* (the current
 * SSL_CTX's app data, so a context switched by an SNI callback is honoured
 * and a freed one is seen as NULL), and holds its own references to the
 * context and the callable while Python code runs, so that a callback
 * replaced or removed meanwhile is not freed under it.  An exception from
 * the application's callback (or a result it cannot use) cannot propagate
 * through OpenSSL: it is reported with PyErr_WriteUnraisable() and the
 * handshake fails.  Keys go straight from the callback's buffer into
 * OpenSSL's (which OpenSSL wipes once the secrets are derived): sslx keeps
 * no copy of its own.  Bytes the peer sent that are not UTF-8 (an identity or
 * hint) fail the handshake without a report, so a peer cannot fill the
 * application's error log.
 *
 * OpenSSL copies the callback pointers into each SSL* when it is created:
 * setting or removing a callback affects connections created afterwards,
 * except that a removed callable is never called again (the C callback
 * finds no callable and declines). */
#include <string.h>
#include "context_internal.h"
#include "constants.h"
#include "errors.h"

/* ---- values crossing between Python and OpenSSL ---- */

/* A NUL-terminated string from the peer (hint or identity) as str, or None
 * when absent or empty.  NULL, with no exception set, when it is not
 * UTF-8. */
static PyObject *
peer_string(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return Py_NewRef(Py_None);
    PyObject *text = PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "strict");
    if (text == NULL)
        PyErr_Clear();
    return text;
}

/* Fill `view` with the bytes of an identity: str (UTF-8), None (empty) or
 * a bytes-like object.  0, or -1 with an exception set. */
static int
identity_view(PyObject *identity, Py_buffer *view)
{
    if (identity == Py_None)
        return PyBuffer_FillInfo(view, NULL, (void *)"", 0, 1, PyBUF_SIMPLE);
    if (PyUnicode_Check(identity)) {
        Py_ssize_t len;
        const char *utf8 = PyUnicode_AsUTF8AndSize(identity, &len);
        if (utf8 == NULL)
            return -1;
        /* The view keeps `identity` (and so its UTF-8 cache) alive. */
        return PyBuffer_FillInfo(view, identity, (void *)utf8, len, 1, PyBUF_SIMPLE);
    }
    if (PyObject_CheckBuffer(identity))
        return PyObject_GetBuffer(identity, view, PyBUF_SIMPLE);
    PyErr_Format(PyExc_TypeError, "PSK identity must be str, bytes or None, not %.100s",
                 Py_TYPE(identity)->tp_name);
    return -1;
}

/* Fill `view` with the bytes of a pre-shared key (any bytes-like object).
 * 0, or -1 with an exception set. */
static int
key_view(PyObject *key, Py_buffer *view)
{
    if (PyObject_CheckBuffer(key))
        return PyObject_GetBuffer(key, view, PyBUF_SIMPLE);
    PyErr_Format(PyExc_TypeError, "PSK must be a bytes-like object, not %.100s",
                 Py_TYPE(key)->tp_name);
    return -1;
}

/* 0 when a key of `len` bytes fits OpenSSL's buffer of `max` bytes,
 * else -1 with ValueError set. */
static int
check_key_length(Py_ssize_t len, unsigned int max)
{
    if ((size_t)len <= max)
        return 0;
    PyErr_Format(PyExc_ValueError, "PSK is %zd bytes long, the limit is %u", len, max);
    return -1;
}

/* 0 when an identity fits OpenSSL's buffer of `max` bytes with its
 * terminating NUL and has no NUL inside (OpenSSL would cut it there),
 * else -1 with ValueError set. */
static int
check_identity(const Py_buffer *view, unsigned int max)
{
    if (view->len > 0 && memchr(view->buf, '\0', (size_t)view->len) != NULL) {
        PyErr_SetString(PyExc_ValueError, "PSK identity contains a null character");
        return -1;
    }
    if ((size_t)view->len < max)
        return 0;
    PyErr_Format(PyExc_ValueError, "PSK identity is %zd bytes long, the limit is %u",
                 view->len, max ? max - 1 : 0);
    return -1;
}

/* ---- client side ---- */

/* What the client callback returned, copied into OpenSSL's buffers: the
 * key length, or 0 when the key is empty (the callback declines).  -1
 * with an exception set when the result is unusable. */
static int
store_client_result(PyObject *result, char *identity, unsigned int max_identity_len,
                    unsigned char *psk, unsigned int max_psk_len, unsigned int *psk_len)
{
    if (!PyTuple_Check(result) || PyTuple_GET_SIZE(result) != 2) {
        PyErr_Format(PyExc_TypeError,
                     "PSK client callback must return a (identity, psk) tuple, not %.100s",
                     Py_TYPE(result)->tp_name);
        return -1;
    }
    Py_buffer id_view, key_buf;
    if (identity_view(PyTuple_GET_ITEM(result, 0), &id_view) < 0)
        return -1;
    int rc = -1;
    if (key_view(PyTuple_GET_ITEM(result, 1), &key_buf) < 0)
        goto done_identity;
    if (check_identity(&id_view, max_identity_len) < 0
        || check_key_length(key_buf.len, max_psk_len) < 0)
        goto done;
    if (id_view.len > 0)
        memcpy(identity, id_view.buf, (size_t)id_view.len);
    identity[id_view.len] = '\0';
    if (key_buf.len > 0)
        memcpy(psk, key_buf.buf, (size_t)key_buf.len);
    *psk_len = (unsigned int)key_buf.len;
    rc = 0;
done:
    PyBuffer_Release(&key_buf);
done_identity:
    PyBuffer_Release(&id_view);
    return rc;
}

/* The pending exception of a PSK callback, which cannot propagate through
 * OpenSSL, to sys.unraisablehook: with the callback as the object before
 * 3.14, in 3.14's words after. */
static void
report_callback_error(const char *side, PyObject *callback)
{
#if PY_VERSION_HEX >= 0x030E0000
    PyErr_FormatUnraisable("Exception ignored in ssl PSK %s callback while calling callback %R",
                           side, callback);
#else
    (void)side;
    PyErr_WriteUnraisable(callback);
#endif
}

/* Call psk_client_callback(hint); GIL held.  The key length, or 0. */
static unsigned int
run_psk_client_callback(SSL *ssl, const char *hint, char *identity,
                        unsigned int max_identity_len, unsigned char *psk,
                        unsigned int max_psk_len)
{
    sslx_context *self = sslx_context_from_ctx(SSL_get_SSL_CTX(ssl));
    if (self == NULL || self->psk_client_callback == NULL)
        return 0;
    PyObject *hint_obj = peer_string(hint);
    if (hint_obj == NULL)
        return 0;
    Py_INCREF(self);
    PyObject *callback = Py_NewRef(self->psk_client_callback);
    unsigned int psk_len = 0;
    PyObject *result = PyObject_CallOneArg(callback, hint_obj);
    if (result == NULL
        || store_client_result(result, identity, max_identity_len, psk, max_psk_len,
                               &psk_len) < 0) {
        report_callback_error("client", callback);
        psk_len = 0;
    }
    Py_XDECREF(result);
    Py_DECREF(hint_obj);
    Py_DECREF(callback);
    Py_DECREF(self);
    return psk_len;
}

static unsigned int
psk_client_cb(SSL *ssl, const char *hint, char *identity, unsigned int max_identity_len,
              unsigned char *psk, unsigned int max_psk_len)
{
    PyObject *type, *value, *tb;
    PyGILState_STATE gil = PyGILState_Ensure();
    PyErr_Fetch(&type, &value, &tb);
    unsigned int psk_len = run_psk_client_callback(ssl, hint, identity, max_identity_len,
                                                   psk, max_psk_len);
    if (type != NULL)
        PyErr_Restore(type, value, tb);
    PyGILState_Release(gil);
    return psk_len;
}

/* ---- server side ---- */

/* The server callback's key copied into OpenSSL's buffer: its length, 0
 * for an empty key (the client is rejected), or -1 with an exception set
 * when the result is unusable. */
static int
store_server_result(PyObject *result, unsigned char *psk, unsigned int max_psk_len,
                    unsigned int *psk_len)
{
    Py_buffer key_buf;
    if (key_view(result, &key_buf) < 0)
        return -1;
    int rc = check_key_length(key_buf.len, max_psk_len);
    if (rc == 0) {
        if (key_buf.len > 0)
            memcpy(psk, key_buf.buf, (size_t)key_buf.len);
        *psk_len = (unsigned int)key_buf.len;
    }
    PyBuffer_Release(&key_buf);
    return rc;
}

/* Call psk_server_callback(identity); GIL held.  The key length, or 0. */
static unsigned int
run_psk_server_callback(SSL *ssl, const char *identity, unsigned char *psk,
                        unsigned int max_psk_len)
{
    sslx_context *self = sslx_context_from_ctx(SSL_get_SSL_CTX(ssl));
    if (self == NULL || self->psk_server_callback == NULL)
        return 0;
    PyObject *identity_obj = peer_string(identity);
    if (identity_obj == NULL)
        return 0;
    Py_INCREF(self);
    PyObject *callback = Py_NewRef(self->psk_server_callback);
    unsigned int psk_len = 0;
    PyObject *result = PyObject_CallOneArg(callback, identity_obj);
    if (result == NULL || store_server_result(result, psk, max_psk_len, &psk_len) < 0) {
        report_callback_error("server", callback);
        psk_len = 0;
    }
    Py_XDECREF(result);
    Py_DECREF(identity_obj);
    Py_DECREF(callback);
    Py_DECREF(self);
    return psk_len;
}

static unsigned int
psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk, unsigned int max_psk_len)
{
    PyObject *type, *value, *tb;
    PyGILState_STATE gil = PyGILState_Ensure();
    PyErr_Fetch(&type, &value, &tb);
    unsigned int psk_len = run_psk_server_callback(ssl, identity, psk, max_psk_len);
    if (type != NULL)
        PyErr_Restore(type, value, tb);
    PyGILState_Release(gil);
    return psk_len;
}

/* ---- the methods ---- */

/* The stdlib refuses a PSK callback for the side a context cannot play. */
static int
check_psk_side(sslx_context *self, int refused_protocol, const char *msg)
{
    if (self->protocol != refused_protocol)
        return 0;
    sslx_raise_plain(SSLX_CONTEXT_STATE(self), NULL, SSLX_ERR_NONE, msg, SSLX_HERE);
    return -1;
}

static int
check_psk_callable(PyObject *callback)
{
    if (callback == Py_None || PyCallable_Check(callback))
        return 0;
    PyErr_SetString(PyExc_TypeError, "callback must be callable");
    return -1;
}

/* set_psk_client_callback(callback) */
PyObject *
sslx_context_set_psk_client_callback(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"callback", NULL};
    PyObject *callback;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:set_psk_client_callback", kwlist,
                                     &callback))
        return NULL;
    if (check_psk_side(self, SSLX_PROTOCOL_TLS_SERVER,
                       "Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context")
            < 0
        || check_psk_callable(callback) < 0)
        return NULL;
    if (callback == Py_None) {
        SSL_CTX_set_psk_client_callback(self->ctx, NULL);
        Py_CLEAR(self->psk_client_callback);
    } else {
        Py_XSETREF(self->psk_client_callback, Py_NewRef(callback));
        SSL_CTX_set_psk_client_callback(self->ctx, psk_client_cb);
    }
    Py_RETURN_NONE;
}

/* The identity hint as a C string (UTF-8, borrowed from `hint`), NULL for
 * None; -1 with an exception for a hint OpenSSL would refuse. */
static int
identity_hint_string(PyObject *hint, const char **out)
{
    *out = NULL;
    if (hint == Py_None)
        return 0;
    Py_ssize_t len;
    const char *utf8 = PyUnicode_AsUTF8AndSize(hint, &len);
    if (utf8 == NULL)
        return -1;
    if ((size_t)len != strlen(utf8)) {
        PyErr_SetString(PyExc_ValueError, "embedded null character");
        return -1;
    }
    /* OpenSSL's own limit, checked here for a precise message. */
    if (len > PSK_MAX_IDENTITY_LEN) {
        PyErr_Format(PyExc_ValueError, "identity_hint is %zd bytes long, the limit is %d",
                     len, PSK_MAX_IDENTITY_LEN);
        return -1;
    }
    *out = utf8;
    return 0;
}

/* Install (or with NULL remove) the server callback and hint. */
static int
install_psk_server(sslx_context *self, PyObject *callback, const char *hint)
{
    ERR_clear_error();
    if (SSL_CTX_use_psk_identity_hint(self->ctx, hint) != 1) {
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "failed to set identity hint",
                              SSLX_HERE);
        return -1;
    }
    if (callback == NULL) {
        SSL_CTX_set_psk_server_callback(self->ctx, NULL);
        Py_CLEAR(self->psk_server_callback);
    } else {
        Py_XSETREF(self->psk_server_callback, Py_NewRef(callback));
        SSL_CTX_set_psk_server_callback(self->ctx, psk_server_cb);
    }
    return 0;
}

/* set_psk_server_callback(callback, identity_hint=None); removing the
 * callback removes the hint too (it is only sent with PSK suites). */
PyObject *
sslx_context_set_psk_server_callback(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"callback", "identity_hint", NULL};
    PyObject *callback, *hint = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:set_psk_server_callback", kwlist,
                                     &callback, &hint))
        return NULL;
    if (hint != Py_None && !PyUnicode_Check(hint)) {
        PyErr_Format(PyExc_TypeError,
                     "set_psk_server_callback() argument 'identity_hint' must be str or "
                     "None, not %.100s",
                     Py_TYPE(hint)->tp_name);
        return NULL;
    }
    if (check_psk_side(self, SSLX_PROTOCOL_TLS_CLIENT,
                       "Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT context")
            < 0
        || check_psk_callable(callback) < 0)
        return NULL;
    const char *hint_str = NULL;
    if (callback != Py_None && identity_hint_string(hint, &hint_str) < 0)
        return NULL;
    if (install_psk_server(self, callback == Py_None ? NULL : callback, hint_str) < 0)
        return NULL;
    Py_RETURN_NONE;
}
