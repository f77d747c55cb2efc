/* memorybio.c - MemoryBIO.
 *
 * The object owns one OpenSSL memory BIO.  An SSLObject built on sslx
 * MemoryBIOs hands that very BIO to its SSL* (with its own reference), so
 * bytes written here are read by OpenSSL without a copy. */
#include <limits.h>
#include "memorybio.h"

int
sslx_memorybio_check(sslx_state *st, PyObject *obj)
{
    return PyObject_TypeCheck(obj, st->MemoryBIO_Type);
}

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
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    /* Empty means "no data yet" (retry), not end of file, until
     * write_eof(). */
    BIO_set_mem_eof_return(bio, -1);
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
static PyObject *
memorybio_read(sslx_memorybio *self, PyObject *args)
{
    int size = -1;
    if (!PyArg_ParseTuple(args, "|i:read", &size))
        return NULL;
    size_t avail = BIO_ctrl_pending(self->bio);
    if (avail > INT_MAX)
        avail = INT_MAX;
    if (size < 0 || (size_t)size > avail)
        size = (int)avail;
    if (size == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    PyObject *result = PyBytes_FromStringAndSize(NULL, size);
    if (result == NULL)
        return NULL;
    int n = BIO_read(self->bio, PyBytes_AS_STRING(result), size);
    if (n < 0)
        n = 0;  /* cannot happen with avail > 0; never expose garbage */
    if (n != size && _PyBytes_Resize(&result, n) < 0)
        return NULL;
    return result;
}

/* write(buf): appends any C-contiguous buffer; returns its length. */
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
    if (view.len > 0 && BIO_write(self->bio, view.buf, (int)view.len) != (int)view.len) {
        ERR_clear_error();
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
static PyObject *
memorybio_write_eof(sslx_memorybio *self, PyObject *unused)
{
    (void)unused;
    self->eof_written = 1;
    BIO_set_mem_eof_return(self->bio, 0);
    Py_RETURN_NONE;
}

static PyObject *
memorybio_get_pending(sslx_memorybio *self, void *c)
{
    (void)c;
    return PyLong_FromSize_t(BIO_ctrl_pending(self->bio));
}

static PyObject *
memorybio_get_eof(sslx_memorybio *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->eof_written && BIO_ctrl_pending(self->bio) == 0);
}

static PyMethodDef memorybio_methods[] = {
    {"read", (PyCFunction)memorybio_read, METH_VARARGS,
     "read(size=-1) -> bytes: read up to size bytes from the memory BIO."},
    {"write", (PyCFunction)memorybio_write, METH_O,
     "write(buf) -> int: append the bytes of buf; returns their number."},
    {"write_eof", (PyCFunction)memorybio_write_eof, METH_NOARGS,
     "Mark end of file: no more writes; reads see EOF once empty."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef memorybio_getset[] = {
    {"pending", (getter)memorybio_get_pending, NULL,
     "The number of bytes currently in the memory buffer.", NULL},
    {"eof", (getter)memorybio_get_eof, NULL,
     "Whether the memory BIO is at end of file (EOF written and buffer empty).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot memorybio_slots[] = {
    {Py_tp_new, memorybio_new},
    {Py_tp_dealloc, memorybio_dealloc},
    {Py_tp_methods, memorybio_methods},
    {Py_tp_getset, memorybio_getset},
    {Py_tp_doc, "MemoryBIO() - a buffer of bytes for SSLObject's input or output."},
    {0, NULL},
};

static PyType_Spec memorybio_spec = {
    .name = "sslx.MemoryBIO",
    .basicsize = sizeof(sslx_memorybio),
    .flags = Py_TPFLAGS_DEFAULT,
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
