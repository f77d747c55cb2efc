/* bio_stdlib.c - the OpenSSL BIO inside a stdlib ssl.MemoryBIO, used by an
 * SSLObject directly when that is safe.
 *
 * asyncio's and uvloop's TLS layers create the stdlib's ssl.MemoryBIO
 * objects and pass them to SSLContext.wrap_bio().  Reaching their bytes
 * through their Python read()/write() methods (bio_foreign.c) costs two
 * Python calls per record received and one per record sent, and keeps the
 * GIL for the whole handshake.  But a stdlib MemoryBIO is only a Python
 * object holding an OpenSSL memory BIO: in every CPython from 3.10 to 3.15
 * its instance is laid out as
 *
 *     PyObject_HEAD; BIO *bio; int eof_written;
 *
 * (Modules/_ssl.c, PySSLMemoryBIO), and the stdlib's own SSLObject hands
 * that very BIO to SSL_set_bio().  sslx can do the same: then OpenSSL
 * reads and writes the bytes directly, no Python call happens per record,
 * and the GIL is released around handshakes, reads and writes, as the
 * stdlib's SSLObject releases it over the same BIOs.
 *
 * That is only sound when the BIO was made by the same libcrypto that
 * sslx calls: a BIO from another copy of OpenSSL (a wheel that bundles
 * its own, like sslx's manylinux wheels, or a Python built against
 * another OpenSSL) has another layout and other methods.  So, once per
 * process, the address of BIO_s_mem that _ssl's own dependencies resolve
 * is compared with sslx's, the instance size of _ssl.MemoryBIO with the
 * layout above, and a functional test is run: bytes written through the
 * Python method must be seen through sslx's libcrypto as pending bytes of
 * a memory BIO.  Anything else, and every object that is not exactly an
 * _ssl.MemoryBIO, takes the Python path (bio_foreign.c).
 *
 * SSLX_NO_STDLIB_BIO=1 in the environment (read once, at the first
 * wrap_bio() over a stdlib MemoryBIO) turns this off, for debugging and
 * for tests of the other path. */
/* Python.h (through bios.h) first, as CPython requires: it defines
 * _GNU_SOURCE, which older glibc needs for dlfcn.h's RTLD_DEFAULT. */
#include "bios.h"
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* The stdlib's instance layout (see above). */
typedef struct {
    PyObject_HEAD
    BIO *bio;
    int eof_written;
} stdlib_memorybio;

/* The verdict, made once per process (the libcrypto a process maps does
 * not change): 0 not yet decided, 1 usable, -1 not usable.  The type is
 * kept to recognise instances; it is _ssl's static type, never freed. */
static int verdict;
static PyTypeObject *stdlib_type;

/* The address of BIO_s_mem as the stdlib's _ssl module resolves it: from
 * its own shared object's dependencies, or from the process when _ssl is
 * built into the interpreter. */
static void *
stdlib_bio_s_mem(PyObject *ssl_module)
{
    void *handle = RTLD_DEFAULT, *found;
    PyObject *file = PyObject_GetAttrString(ssl_module, "__file__");
    if (file == NULL) {
        PyErr_Clear();
    } else {
        const char *path = PyUnicode_Check(file) ? PyUnicode_AsUTF8(file) : NULL;
        if (path == NULL) {
            PyErr_Clear();
            Py_DECREF(file);
            return NULL;
        }
        handle = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
        Py_DECREF(file);
        if (handle == NULL)
            return NULL;
    }
    found = dlsym(handle, "BIO_s_mem");
    if (handle != RTLD_DEFAULT)
        dlclose(handle);
    return found;
}

/* Write through the Python method, read through our libcrypto. */
static int
passes_functional_test(PyTypeObject *type)
{
    PyObject *obj = PyObject_CallNoArgs((PyObject *)type);
    if (obj == NULL)
        return 0;
    int ok = 0;
    PyObject *res = PyObject_CallMethod(obj, "write", "y#", "sslx", (Py_ssize_t)4);
    BIO *bio = ((stdlib_memorybio *)obj)->bio;
    if (res != NULL && bio != NULL && BIO_method_type(bio) == BIO_TYPE_MEM
        && BIO_ctrl_pending(bio) == 4) {
        char out[4];
        ok = BIO_read(bio, out, 4) == 4 && memcmp(out, "sslx", 4) == 0;
    }
    Py_XDECREF(res);
    Py_DECREF(obj);
    PyErr_Clear();
    return ok;
}

static int
decide(void)
{
    const char *off = getenv("SSLX_NO_STDLIB_BIO");
    if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0)
        return -1;
    PyObject *ssl_module = PyImport_ImportModule("_ssl");
    if (ssl_module == NULL) {
        PyErr_Clear();
        return -1;
    }
    int usable = -1;
    PyObject *type = PyObject_GetAttrString(ssl_module, "MemoryBIO");
    if (type == NULL || !PyType_Check(type)) {
        PyErr_Clear();
        goto done;
    }
    /* The same libcrypto (same function address), the same layout. */
    if (stdlib_bio_s_mem(ssl_module) != (void *)&BIO_s_mem
        || ((PyTypeObject *)type)->tp_basicsize != (Py_ssize_t)sizeof(stdlib_memorybio)
        || !passes_functional_test((PyTypeObject *)type))
        goto done;
    stdlib_type = (PyTypeObject *)Py_NewRef(type);   /* kept for the process */
    usable = 1;
done:
    Py_XDECREF(type);
    Py_DECREF(ssl_module);
    return usable;
}

BIO *
sslx_bio_stdlib_of(PyObject *obj)
{
    if (verdict == 0)
        verdict = decide();
    if (verdict < 0 || Py_TYPE(obj) != stdlib_type)
        return NULL;
    return ((stdlib_memorybio *)obj)->bio;
}

/* _stdlib_bio_direct() -> bool: whether wrap_bio() over the stdlib's
 * MemoryBIO objects uses their BIOs directly in this process. */
static PyObject *
stdlib_bio_direct(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    if (verdict == 0)
        verdict = decide();
    return PyBool_FromLong(verdict > 0);
}

static PyMethodDef bio_stdlib_functions[] = {
    {"_stdlib_bio_direct", stdlib_bio_direct, METH_NOARGS,
     "_stdlib_bio_direct($module, /)\n--\n\nWhether SSLContext.wrap_bio() over the "
     "stdlib's ssl.MemoryBIO objects uses their OpenSSL BIOs directly (same libcrypto) "
     "instead of calling their Python methods."},
    {NULL, NULL, 0, NULL},
};

int
sslx_bio_stdlib_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, bio_stdlib_functions);
}
