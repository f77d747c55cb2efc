/* bio_foreign.c - the BIO an SSLObject uses for a MemoryBIO that is not
 * sslx's (asyncio and uvloop pass the stdlib's ssl.MemoryBIO).
 *
 * The incoming side asks the Python object for bytes only when and as
 * many as OpenSSL needs, and the outgoing side hands each record to
 * write() as OpenSSL produces it.  The engine keeps the GIL for calls
 * over such BIOs (conn.c, run_once), which for memory-only work costs
 * less than releasing it and copying before and after every call.  A
 * Python exception in read()/write() fails the OpenSSL call; the engine
 * finds it set and raises it.
 *
 * These BIOs run inside OpenSSL calls the engine makes holding the
 * connection's lock: a Python read()/write() that calls back into the
 * same connection is refused there (conn.c), never run re-entrantly. */
#include <string.h>
#include "bios.h"
#include "conn.h"


typedef struct {
    sslx_conn *conn;
    int outgoing;           /* which side this BIO is */
    PyObject *method;       /* the bound read() or write(), looked up once */
    int lend;               /* write() copies at once: lend it a memoryview */
} foreign_bio;

/* Up to `len` bytes from the Python incoming object into `out`.  The
 * number copied (0: none, EOF noted in conn->foreign_in_eof), or -1 with
 * a Python exception. */
static Py_ssize_t
foreign_take(sslx_conn *c, PyObject *read_method, char *out, size_t len)
{
    if (c->incoming == NULL || read_method == NULL) {
        PyErr_SetString(PyExc_ValueError, "the TLS connection is closed");
        return -1;
    }
    Py_ssize_t want = len > (size_t)PY_SSIZE_T_MAX ? PY_SSIZE_T_MAX : (Py_ssize_t)len;
    PyObject *size = PyLong_FromSsize_t(want);
    if (size == NULL)
        return -1;
    PyObject *data = PyObject_CallOneArg(read_method, size);
    Py_DECREF(size);
    if (data == NULL)
        return -1;
    Py_buffer view;
    int rc = PyObject_GetBuffer(data, &view, PyBUF_SIMPLE);
    Py_DECREF(data);
    if (rc < 0)
        return -1;
    Py_ssize_t got = view.len;
    if (got > want) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "MemoryBIO.read() returned more bytes than asked");
        return -1;
    }
    memcpy(out, view.buf, (size_t)got);
    PyBuffer_Release(&view);
    if (got > 0)
        return got;
    PyObject *eof = PyObject_GetAttrString(c->incoming, "eof");
    if (eof == NULL)
        return -1;
    int is_eof = PyObject_IsTrue(eof);
    Py_DECREF(eof);
    if (is_eof < 0)
        return -1;
    c->foreign_in_eof = (unsigned char)is_eof;
    return 0;
}

/* OpenSSL asks for exactly what it needs (a record header, then the
 * record), so bytes it has not asked for stay in the Python object, as
 * with the stdlib. */
static int
foreign_read(BIO *b, char *out, size_t len, size_t *done)
{
    foreign_bio *fb = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    *done = 0;
    if (len == 0)
        return 0;
    Py_ssize_t got = foreign_take(fb->conn, fb->method, out, len);
    if (got > 0) {
        *done = (size_t)got;
        return 1;
    }
    if (got == 0 && !fb->conn->foreign_in_eof)
        BIO_set_retry_read(b);
    return 0;
}

static int
foreign_write(BIO *b, const char *in, size_t len, size_t *done)
{
    foreign_bio *fb = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    *done = 0;
    if (fb->conn->outgoing == NULL || fb->method == NULL) {
        PyErr_SetString(PyExc_ValueError, "the TLS connection is closed");
        return 0;
    }
    if (len > PY_SSIZE_T_MAX)
        len = PY_SSIZE_T_MAX;
    PyObject *data = fb->lend ? PyMemoryView_FromMemory((char *)in, (Py_ssize_t)len, PyBUF_READ)
                              : PyBytes_FromStringAndSize(in, (Py_ssize_t)len);
    if (data == NULL)
        return 0;
    PyObject *res = PyObject_CallOneArg(fb->method, data);
    if (fb->lend) {
        /* The view must not outlive OpenSSL's buffer. */
        PyObject *released = PyObject_CallMethod(data, "release", NULL);
        if (released == NULL)
            Py_CLEAR(res);
        Py_XDECREF(released);
    }
    Py_DECREF(data);
    if (res == NULL)
        return 0;
    Py_DECREF(res);
    *done = len;
    return 1;
}

static long
foreign_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    foreign_bio *fb = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_PENDING:
    case BIO_CTRL_WPENDING:
        return 0;
    case BIO_CTRL_EOF:
        return !fb->outgoing && fb->conn->foreign_in_eof;
    case BIO_CTRL_FLUSH:
        return 1;
    default:
        return 0;
    }
}

static int
foreign_destroy(BIO *b)
{
    foreign_bio *fb = BIO_get_data(b);
    if (fb != NULL) {
        /* SSL_free runs with the GIL held (conn.c never frees an SSL
         * without it), so the reference can be dropped here. */
        Py_CLEAR(fb->method);
        OPENSSL_free(fb);
        BIO_set_data(b, NULL);
    }
    return 1;
}

void
sslx_bio_foreign_rebind(BIO *bio, sslx_conn *c)
{
    foreign_bio *fb = bio ? BIO_get_data(bio) : NULL;
    if (fb != NULL)
        fb->conn = c;
}

PyObject **
sslx_bio_foreign_method(BIO *bio)
{
    if (bio == NULL)
        return NULL;
    foreign_bio *fb = BIO_get_data(bio);
    return fb != NULL ? &fb->method : NULL;
}

/* The method, made on first use (under the GIL, which serialises that). */
static BIO_METHOD *foreign_method;

BIO *
sslx_bio_foreign_new(sslx_conn *c, PyObject *obj, int outgoing)
{
    PyObject *method = PyObject_GetAttrString(obj, outgoing ? "write" : "read");
    if (method == NULL)
        return NULL;
    if (foreign_method == NULL) {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                     "sslx foreign MemoryBIO");
        if (m == NULL || !BIO_meth_set_read_ex(m, foreign_read)
            || !BIO_meth_set_write_ex(m, foreign_write) || !BIO_meth_set_ctrl(m, foreign_ctrl)
            || !BIO_meth_set_destroy(m, foreign_destroy)) {
            BIO_meth_free(m);
            Py_DECREF(method);
            return NULL;
        }
        foreign_method = m;
    }
    foreign_bio *fb = OPENSSL_zalloc(sizeof(*fb));
    BIO *bio = fb ? BIO_new(foreign_method) : NULL;
    if (bio == NULL) {
        OPENSSL_free(fb);
        Py_DECREF(method);
        return NULL;
    }
    fb->conn = c;
    fb->outgoing = outgoing;
    fb->method = method;
    /* The stdlib's MemoryBIO copies what write() is given and keeps no
     * reference: it may borrow OpenSSL's record instead of a copy.  Any
     * other object gets bytes of its own. */
    fb->lend = outgoing && strcmp(Py_TYPE(obj)->tp_name, "_ssl.MemoryBIO") == 0;
    BIO_set_data(bio, fb);
    BIO_set_init(bio, 1);
    return bio;
}
