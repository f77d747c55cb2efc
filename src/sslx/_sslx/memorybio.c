/* memorybio.c - MemoryBIO.
 *
 * The object owns one OpenSSL BIO of sslx's own "byte queue" method.  An
 * SSLObject built on sslx MemoryBIOs hands that very BIO to its SSL* (with
 * its own reference), so OpenSSL reads the bytes written here, and writes
 * its records here, with no intermediate buffer.
 *
 * Why not BIO_s_mem(): each of its writes first zeroes the space it is
 * about to fill (BUF_MEM_grow_clean), a wasted pass over every byte in
 * both directions of a connection, about 3% of bulk transfer time.
 *
 * Threads: an SSLObject writes its records into the outgoing queue with
 * the GIL released while the program may drain it from another thread,
 * so every queue operation holds the queue's mutex (briefly: a memcpy;
 * never while waiting for the GIL). */
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include "memorybio.h"

int
sslx_memorybio_check(sslx_state *st, PyObject *obj)
{
    return PyObject_TypeCheck(obj, st->MemoryBIO_Type);
}

/* ---- the byte queue ---- */

/* The bytes are kept in a list of chunks, each freed as soon as it has
 * been read: an idle MemoryBIO holds no buffer, and a burst never copies
 * what is already queued to make room (a contiguous buffer would, when
 * it grows).  A write first fills the free space of the last chunk, so
 * small writes (handshake messages) share one allocation. */
typedef struct chunk {
    struct chunk *next;
    size_t start, end, cap;     /* unread bytes are data[start:end] */
    char data[];
} chunk;

/* After write_eof() (eof set), an empty queue reads as end of file
 * instead of "retry later". */
typedef struct {
    pthread_mutex_t mutex;      /* guards everything below */
    chunk *head, *tail;
    size_t pending;
    int eof;
} byte_queue;

/* The smallest chunk: small writes are gathered up to this. */
#define CHUNK_MIN_CAPACITY 4096

/* The functions below that take a byte_queue expect its mutex held;
 * the locked_* ones take it themselves. */

/* 0 when out of memory (nothing was appended). */
static int
queue_append(byte_queue *q, const void *bytes, size_t len)
{
    const char *in = bytes;
    chunk *t = q->tail;
    size_t room = t ? t->cap - t->end : 0;
    size_t first = len < room ? len : room, rest = len - first;
    chunk *fresh = NULL;
    if (rest > 0) {
        size_t cap = rest > CHUNK_MIN_CAPACITY ? rest : CHUNK_MIN_CAPACITY;
        if (cap > SIZE_MAX - sizeof(chunk))
            return 0;
        fresh = OPENSSL_malloc(sizeof(chunk) + cap);
        if (fresh == NULL)
            return 0;
        fresh->next = NULL;
        fresh->start = 0;
        fresh->end = rest;
        fresh->cap = cap;
        memcpy(fresh->data, in + first, rest);
    }
    if (first > 0) {
        memcpy(t->data + t->end, in, first);
        t->end += first;
    }
    if (fresh != NULL) {
        if (t != NULL)
            t->next = fresh;
        else
            q->head = fresh;
        q->tail = fresh;
    }
    q->pending += len;
    return 1;
}

/* Up to `len` bytes into `out`; returns how many. */
static size_t
queue_take(byte_queue *q, void *out, size_t len)
{
    char *dst = out;
    size_t done = 0;
    while (done < len && q->head != NULL) {
        chunk *h = q->head;
        size_t n = h->end - h->start;
        if (n > len - done)
            n = len - done;
        memcpy(dst + done, h->data + h->start, n);
        h->start += n;
        done += n;
        if (h->start == h->end) {
            q->head = h->next;
            if (q->head == NULL)
                q->tail = NULL;
            OPENSSL_free(h);
        }
    }
    q->pending -= done;
    return done;
}

static void
queue_clear(byte_queue *q)
{
    while (q->head != NULL) {
        chunk *h = q->head;
        q->head = h->next;
        OPENSSL_free(h);
    }
    q->tail = NULL;
    q->pending = 0;
}

static int
locked_append(byte_queue *q, const void *bytes, size_t len)
{
    pthread_mutex_lock(&q->mutex);
    int ok = queue_append(q, bytes, len);
    pthread_mutex_unlock(&q->mutex);
    return ok;
}

static size_t
locked_take(byte_queue *q, void *out, size_t len)
{
    pthread_mutex_lock(&q->mutex);
    size_t n = queue_take(q, out, len);
    pthread_mutex_unlock(&q->mutex);
    return n;
}

static size_t
locked_pending(byte_queue *q)
{
    pthread_mutex_lock(&q->mutex);
    size_t n = q->pending;
    pthread_mutex_unlock(&q->mutex);
    return n;
}

/* End of file: write_eof() was called and every byte has been read. */
static int
locked_at_eof(byte_queue *q)
{
    pthread_mutex_lock(&q->mutex);
    int eof = q->eof && q->pending == 0;
    pthread_mutex_unlock(&q->mutex);
    return eof;
}

static void
locked_set_eof(byte_queue *q)
{
    pthread_mutex_lock(&q->mutex);
    q->eof = 1;
    pthread_mutex_unlock(&q->mutex);
}

/* ---- the BIO method over it ---- */

static int
queue_bio_write(BIO *b, const char *in, size_t len, size_t *written)
{
    BIO_clear_retry_flags(b);
    if (!locked_append(BIO_get_data(b), in, len))
        return 0;
    *written = len;
    return 1;
}

static int
queue_bio_read(BIO *b, char *out, size_t len, size_t *readbytes)
{
    byte_queue *q = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    *readbytes = 0;
    if (len == 0)
        return 1;
    pthread_mutex_lock(&q->mutex);
    int empty = q->pending == 0, eof = q->eof;
    if (!empty)
        *readbytes = queue_take(q, out, len);
    pthread_mutex_unlock(&q->mutex);
    if (!empty)
        return 1;
    if (!eof)
        BIO_set_retry_read(b);   /* no bytes yet: SSL_ERROR_WANT_READ */
    return 0;
}

static long
queue_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    byte_queue *q = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_PENDING: {
        size_t n = locked_pending(q);
        return n > LONG_MAX ? LONG_MAX : (long)n;
    }
    case BIO_CTRL_EOF:
        return locked_at_eof(q);
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
        return 1;
    default:
        return 0;   /* WPENDING and everything else: nothing to report */
    }
}

static int
queue_bio_create(BIO *b)
{
    byte_queue *q = OPENSSL_zalloc(sizeof(*q));
    if (q == NULL)
        return 0;
    if (pthread_mutex_init(&q->mutex, NULL) != 0) {
        OPENSSL_free(q);
        return 0;
    }
    BIO_set_data(b, q);
    BIO_set_init(b, 1);
    return 1;
}

static int
queue_bio_destroy(BIO *b)
{
    byte_queue *q = BIO_get_data(b);
    if (q != NULL) {
        queue_clear(q);
        pthread_mutex_destroy(&q->mutex);
        OPENSSL_free(q);
        BIO_set_data(b, NULL);
    }
    return 1;
}

/* The method, made on first use (under the GIL, which serialises that). */
static BIO_METHOD *queue_method;

static BIO *
queue_bio_new(void)
{
    if (queue_method == NULL) {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                     "sslx MemoryBIO");
        if (m == NULL || !BIO_meth_set_read_ex(m, queue_bio_read)
            || !BIO_meth_set_write_ex(m, queue_bio_write) || !BIO_meth_set_ctrl(m, queue_bio_ctrl)
            || !BIO_meth_set_create(m, queue_bio_create)
            || !BIO_meth_set_destroy(m, queue_bio_destroy)) {
            BIO_meth_free(m);
            return NULL;
        }
        queue_method = m;
    }
    return BIO_new(queue_method);
}

/* ---- the Python type ---- */

static PyObject *
memorybio_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) != 0) {
        PyErr_SetString(PyExc_TypeError, "MemoryBIO() takes no positional arguments");
        return NULL;
    }
    if (kwds != NULL && PyDict_GET_SIZE(kwds) != 0) {
        PyErr_SetString(PyExc_TypeError, "MemoryBIO() takes no keyword arguments");
        return NULL;
    }
    sslx_state *st = sslx_state_from_type(type);
    if (st == NULL)
        return NULL;
    BIO *bio = queue_bio_new();
    if (bio == NULL) {
        ERR_clear_error();
        PyErr_NoMemory();
        return NULL;
    }
    sslx_memorybio *self = (sslx_memorybio *)type->tp_alloc(type, 0);
    if (self == NULL) {
        BIO_free(bio);
        return NULL;
    }
    self->bio = bio;
    return (PyObject *)self;
}

static void
memorybio_dealloc(sslx_memorybio *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    BIO_free(self->bio);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* read(size=-1): up to `size` bytes (all pending bytes when negative). */
PyDoc_STRVAR(memorybio_read_doc,
"read($self, size=-1, /)\n--\n\n"
"Remove and return up to size bytes from the buffer.\n\n"
"With a negative size (the default), everything buffered.  Returns b''\n"
"when the buffer is empty, whether or not EOF was written.");

static PyObject *
memorybio_read(sslx_memorybio *self, PyObject *args)
{
    int size = -1;
    if (!PyArg_ParseTuple(args, "|i:read", &size))
        return NULL;
    byte_queue *q = BIO_get_data(self->bio);
    size_t avail = locked_pending(q);
    if (avail > INT_MAX)
        avail = INT_MAX;
    if (size < 0 || (size_t)size > avail)
        size = (int)avail;
    PyObject *result = PyBytes_FromStringAndSize(NULL, size);
    if (result == NULL)
        return NULL;
    /* Another thread (an SSLObject reading its input) may have taken
     * some of the bytes counted above: return what is really taken. */
    size_t got = locked_take(q, PyBytes_AS_STRING(result), (size_t)size);
    if (got < (size_t)size && _PyBytes_Resize(&result, (Py_ssize_t)got) < 0)
        return NULL;
    return result;
}

/* write(buf): appends any C-contiguous buffer; returns its length. */
PyDoc_STRVAR(memorybio_write_doc,
"write($self, b, /)\n--\n\n"
"Append the bytes of b (any bytes-like object) to the buffer.\n\n"
"Returns the number of bytes added.  Raises SSLError once write_eof()\n"
"was called, TypeError when b is not bytes-like.");

static PyObject *
memorybio_write(sslx_memorybio *self, PyObject *arg)
{
    Py_buffer view;
    PyObject *result = NULL;
    if (!PyArg_Parse(arg, "y*:write", &view))
        return NULL;
    if (view.len > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, "string longer than %d bytes", INT_MAX);
        goto done;
    }
    if (self->eof_written) {
        sslx_state *st = sslx_state_from_type(Py_TYPE(self));
        if (st != NULL)
            PyErr_SetString(st->SSLError, "cannot write() after write_eof()");
        goto done;
    }
    if (!locked_append(BIO_get_data(self->bio), view.buf, (size_t)view.len)) {
        PyErr_NoMemory();
        goto done;
    }
    result = PyLong_FromSsize_t(view.len);
done:
    PyBuffer_Release(&view);
    return result;
}

/* write_eof(): no more data will come; once the buffered bytes are read,
 * OpenSSL sees end of file instead of "retry later". */
PyDoc_STRVAR(memorybio_write_eof_doc,
"write_eof($self, /)\n--\n\n"
"Mark the end of the stream: no more writes.\n\n"
"Once the bytes already buffered have been read, readers see end of\n"
"file (eof becomes True) instead of 'no data yet'.");

static PyObject *
memorybio_write_eof(sslx_memorybio *self, PyObject *unused)
{
    (void)unused;
    self->eof_written = 1;
    locked_set_eof(BIO_get_data(self->bio));
    Py_RETURN_NONE;
}

static PyObject *
memorybio_get_pending(sslx_memorybio *self, void *c)
{
    (void)c;
    return PyLong_FromSize_t(locked_pending(BIO_get_data(self->bio)));
}

static PyObject *
memorybio_get_eof(sslx_memorybio *self, void *c)
{
    (void)c;
    return PyBool_FromLong(locked_at_eof(BIO_get_data(self->bio)));
}

static PyMethodDef memorybio_methods[] = {
    {"read", (PyCFunction)memorybio_read, METH_VARARGS, memorybio_read_doc},
    {"write", (PyCFunction)memorybio_write, METH_O, memorybio_write_doc},
    {"write_eof", (PyCFunction)memorybio_write_eof, METH_NOARGS, memorybio_write_eof_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef memorybio_getset[] = {
    {"pending", (getter)memorybio_get_pending, NULL,
     "The number of bytes waiting in the buffer (int).", NULL},
    {"eof", (getter)memorybio_get_eof, NULL,
     "True once write_eof() was called and every buffered byte has been read.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(memorybio_doc,
"MemoryBIO()\n--\n\n"
"A buffer of bytes in memory, for SSLObject to read from or write to.\n\n"
"SSLContext.wrap_bio() takes two: one the program fills with the bytes\n"
"received from the peer, one it drains of the bytes to send.  Safe to\n"
"use from several threads.");

static PyType_Slot memorybio_slots[] = {
    {Py_tp_new, memorybio_new},
    {Py_tp_dealloc, memorybio_dealloc},
    {Py_tp_methods, memorybio_methods},
    {Py_tp_getset, memorybio_getset},
    {Py_tp_doc, (void *)memorybio_doc},
    {0, NULL},
};

static PyType_Spec memorybio_spec = {
    .name = "sslx.MemoryBIO",
    .basicsize = sizeof(sslx_memorybio),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = memorybio_slots,
};

int
sslx_memorybio_setup(PyObject *module, sslx_state *st)
{
    st->MemoryBIO_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &memorybio_spec,
                                                                   NULL);
    if (st->MemoryBIO_Type == NULL)
        return -1;
    return PyModule_AddType(module, st->MemoryBIO_Type);
}
