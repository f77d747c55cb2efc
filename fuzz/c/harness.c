/* harness.c - embeds CPython with sslx's extension compiled in and gives
 * libFuzzer its entry points (see harness.h). */
#include "harness.h"

#include <openssl/err.h>
#include <sanitizer/lsan_interface.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if PY_VERSION_HEX < 0x030B0000
/* 3.11's builtin importer serves a dotted name ("sslx._sslx") found in the
 * inittab when the parent package imports it; 3.10's does not. */
#error "the libFuzzer harness needs CPython 3.11 or newer"
#endif

#ifndef FZ_PYTHON_HOME
#error "build with -DFZ_PYTHON_HOME=\"<sys.prefix of the interpreter>\""
#endif
#ifndef FZ_SRC_DIR
#error "build with -DFZ_SRC_DIR=\"<the repository's src directory>\""
#endif

/* The extension's module init function (src/sslx/_sslx/module.c). */
PyMODINIT_FUNC PyInit__sslx(void);

PyObject *fz_sslx;
PyObject *fz_ssl;
static PyObject *unraisable_allowed;

/* ---- failing ---- */

void
fz_fail(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "\n==sslx-fuzz== FAILED: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    if (PyErr_Occurred()) {
        fprintf(stderr, "==sslx-fuzz== pending Python exception:\n");
        PyErr_Print();
    }
    fflush(stderr);
    abort();
}

/* ---- setup helpers ---- */

PyObject *
fz_ok(PyObject *result)
{
    if (result == NULL)
        fz_fail("a setup call failed");
    return result;
}

PyObject *
fz_attr(PyObject *obj, const char *path)
{
    char name[128];
    PyObject *cur = Py_NewRef(obj);
    while (*path) {
        size_t n = strcspn(path, ".");
        if (n == 0 || n >= sizeof name)
            fz_fail("bad attribute path");
        memcpy(name, path, n);
        name[n] = '\0';
        PyObject *next = PyObject_GetAttrString(cur, name);
        Py_DECREF(cur);
        if (next == NULL)
            fz_fail("no attribute %s", name);
        cur = next;
        path += n + (path[n] == '.');
    }
    return cur;
}

PyObject *
fz_classes(const char *names)
{
    PyObject *list = fz_ok(PyList_New(0));
    PyObject *builtins = PyEval_GetBuiltins();   /* borrowed */
    char name[64];
    while (*names) {
        size_t n = strcspn(names, " ");
        if (n >= sizeof name)
            fz_fail("class name too long");
        if (n > 0) {
            memcpy(name, names, n);
            name[n] = '\0';
            PyObject *cls = PyObject_GetAttrString(fz_sslx, name);
            if (cls == NULL) {
                PyErr_Clear();
                cls = Py_XNewRef(PyDict_GetItemString(builtins, name));
            }
            if (cls == NULL || !PyExceptionClass_Check(cls))
                fz_fail("%s is not an exception class", name);
            if (PyList_Append(list, cls) < 0)
                fz_fail("out of memory");
            Py_DECREF(cls);
        }
        names += n + (names[n] == ' ');
    }
    PyObject *tuple = fz_ok(PyList_AsTuple(list));
    Py_DECREF(list);
    return tuple;
}

/* ---- outcomes ---- */

PyObject *
fz_expect(PyObject *result, PyObject *allowed, PyObject *forbidden)
{
    if (result != NULL) {
        if (PyErr_Occurred())
            fz_fail("a call returned a value with an exception set");
        return result;
    }
    if (!PyErr_Occurred())
        fz_fail("a call returned NULL without an exception");
    if (forbidden != NULL && PyErr_ExceptionMatches(forbidden))
        fz_fail("a forbidden exception type");
    if (allowed == NULL || !PyErr_ExceptionMatches(allowed))
        fz_fail("an undocumented exception type");
    PyErr_Clear();
    return NULL;
}

fz_result
fz_capture(PyObject *result)
{
    fz_result r = {NULL, NULL, NULL};
    if (result != NULL) {
        r.value = result;
        return r;
    }
    if (!PyErr_Occurred())
        fz_fail("a call returned NULL without an exception");
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Py_XDECREF(tb);
    r.exc_type = type;
    r.exc = value;
    return r;
}

void
fz_reference_begin(void)
{
    __lsan_disable();
}

void
fz_reference_end(void)
{
    __lsan_enable();
}

fz_result
fz_reference(PyObject *fn, PyObject *arg)
{
    fz_reference_begin();
    PyObject *result = PyObject_CallOneArg(fn, arg);
    fz_reference_end();
    return fz_capture(result);
}

void
fz_result_clear(fz_result *r)
{
    Py_CLEAR(r->value);
    Py_CLEAR(r->exc_type);
    Py_CLEAR(r->exc);
}

static void
print_result(const char *who, const fz_result *r)
{
    PyObject *shown = r->value ? PyObject_Repr(r->value) : PyObject_Repr(r->exc);
    const char *text = shown ? PyUnicode_AsUTF8(shown) : NULL;
    if (text == NULL) {
        PyErr_Clear();
        text = "<unprintable>";
    }
    fprintf(stderr, "  %-7s %s%s%.2000s\n", who,
            r->exc_type ? ((PyTypeObject *)r->exc_type)->tp_name : "",
            r->exc_type ? ": " : "", text);
    Py_XDECREF(shown);
}

void
fz_same(const char *what, PyObject *input, const fz_result *a, const fz_result *b)
{
    int same;
    if (a->value != NULL && b->value != NULL) {
        same = PyObject_RichCompareBool(a->value, b->value, Py_EQ);
        if (same < 0)
            fz_fail("%s: comparing the results raised", what);
    } else {
        same = a->exc_type != NULL && a->exc_type == b->exc_type;
    }
    if (same)
        return;
    PyObject *shown = input ? PyObject_Repr(input) : NULL;
    const char *text = shown ? PyUnicode_AsUTF8(shown) : NULL;
    PyErr_Clear();
    fprintf(stderr, "\n==sslx-fuzz== %s differs from the stdlib for %.2000s\n", what,
            text ? text : "<unprintable input>");
    print_result("sslx", a);
    print_result("stdlib", b);
    Py_XDECREF(shown);
    fz_fail("%s: sslx and the stdlib disagree", what);
}

/* ---- unraisable exceptions ---- */

void
fz_allow_unraisable(PyObject *classes)
{
    Py_XSETREF(unraisable_allowed, Py_XNewRef(classes));
}

static PyObject *
unraisable_hook(PyObject *self, PyObject *info)
{
    (void)self;
    PyObject *value = fz_attr(info, "exc_value");
    int ok = unraisable_allowed != NULL && value != Py_None
             && PyObject_IsInstance(value, unraisable_allowed) == 1;
    if (!ok) {
        PyObject *shown = PyObject_Repr(info);
        fprintf(stderr, "==sslx-fuzz== unraisable: %s\n",
                shown ? PyUnicode_AsUTF8(shown) : "<unprintable>");
        PyErr_Clear();
        fz_fail("an unexpected exception was reported through sys.unraisablehook");
    }
    Py_DECREF(value);
    Py_RETURN_NONE;
}

static PyMethodDef unraisable_def = {"fuzz_unraisablehook", unraisable_hook, METH_O, NULL};

/* ---- inputs ---- */

unsigned
fz_u8(fz_input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

unsigned
fz_u16(fz_input *in)
{
    unsigned hi = fz_u8(in);
    return hi << 8 | fz_u8(in);
}

const uint8_t *
fz_bytes(fz_input *in, size_t want, size_t *len)
{
    const uint8_t *start = in->p;
    *len = want < in->n ? want : in->n;
    in->p += *len;
    in->n -= *len;
    return start;
}

PyObject *
fz_text(const uint8_t *data, size_t size)
{
    return fz_ok(PyUnicode_DecodeUTF8((const char *)data, (Py_ssize_t)size, "surrogateescape"));
}

const uint8_t *
fz_position_table(size_t size, uint8_t salt)
{
    uint8_t *table = malloc(size);
    FZ_CHECK(table != NULL, "out of memory");
    for (size_t pos = 0; pos < size; pos++)
        table[pos] = (uint8_t)(pos ^ pos >> 8 ^ pos >> 16 ^ salt);
    return table;
}

/* ---- start-up ---- */

static void
start_python(void)
{
    PyStatus status;
    PyPreConfig pre;
    PyPreConfig_InitIsolatedConfig(&pre);
    /* Every allocation through malloc, so ASan sees Python objects too
     * (PYTHONMALLOC=malloc). */
    pre.allocator = PYMEM_ALLOCATOR_MALLOC;
    pre.utf8_mode = 1;
    status = Py_PreInitialize(&pre);
    if (PyStatus_Exception(status))
        Py_ExitStatusException(status);

    if (PyImport_AppendInittab("sslx._sslx", PyInit__sslx) < 0)
        fz_fail("PyImport_AppendInittab failed");

    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;   /* libFuzzer keeps its own */
    config.site_import = 0;
    config.write_bytecode = 0;            /* no __pycache__ in the tree */
    status = PyConfig_SetBytesString(&config, &config.home, FZ_PYTHON_HOME);
    if (!PyStatus_Exception(status))
        status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status))
        Py_ExitStatusException(status);
}

static void
import_sslx(void)
{
    const char *src = getenv("SSLX_FUZZ_SRC");
    PyObject *path = fz_ok(PySys_GetObject("path"));   /* borrowed */
    PyObject *dir = fz_ok(PyUnicode_DecodeFSDefault(src && *src ? src : FZ_SRC_DIR));
    if (PyList_Insert(path, 0, dir) < 0)
        fz_fail("cannot extend sys.path");
    Py_DECREF(dir);
    fz_sslx = PyImport_ImportModule("sslx");
    if (fz_sslx == NULL)
        fz_fail("import sslx failed (is %s the repository's src directory?)", FZ_SRC_DIR);
    /* The fuzzers must exercise the instrumented extension linked into
     * this executable, never a built copy lying in src/ or site-packages. */
    PyObject *origin = fz_attr(fz_sslx, "_sslx.__spec__.origin");
    FZ_CHECK(PyUnicode_Check(origin) && PyUnicode_CompareWithASCIIString(origin, "built-in") == 0,
             "sslx._sslx is not the extension compiled into the fuzzer");
    Py_DECREF(origin);
    fz_ssl = fz_ok(PyImport_ImportModule("ssl"));

    /* Deprecated functions (match_hostname, ...) warn on every call. */
    PyObject *warnings = fz_ok(PyImport_ImportModule("warnings"));
    Py_DECREF(fz_ok(PyObject_CallMethod(warnings, "simplefilter", "sO", "ignore",
                                        PyExc_DeprecationWarning)));
    Py_DECREF(warnings);

    PyObject *hook = fz_ok(PyCFunction_New(&unraisable_def, NULL));
    if (PySys_SetObject("unraisablehook", hook) < 0)
        fz_fail("cannot set sys.unraisablehook");
    Py_DECREF(hook);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    start_python();
    import_sslx();
    if (fuzz_setup() < 0)
        fz_fail("fuzz_setup failed");
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(data, size);
    FZ_CHECK(!PyErr_Occurred(), "the target left a Python exception set");
    /* OpenSSL keeps the strings of queued errors until the queue is
     * cleared; the stdlib's _ssl leaves errors queued.  Clear it so that an
     * input frees what it allocated: libFuzzer looks for leaks (an
     * expensive LeakSanitizer pass) after inputs with more mallocs than
     * frees. */
    ERR_clear_error();
    return 0;
}
