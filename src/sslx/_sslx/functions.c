/* functions.c - module-level functions without a room of their own:
 * RAND_*, get_sigalgs(), get_default_verify_paths(), nid2obj()/txt2obj().  (Certificate
 * times: certtime.c; PEM/DER: pem.c; host names: hostname.c.)
 *
 * Each function behaves like its stdlib counterpart on the same input,
 * error cases included: same exception types, and the same messages where
 * callers are known to look at them. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include "module.h"
#include "errors.h"

/* ---- argument helpers ------------------------------------------------- */

/* An integer argument that must fit a C int, with the messages of the
 * stdlib's argument parser. */
static int
int_from_index(PyObject *arg, int *out)
{
    long value = PyLong_AsLong(arg);
    if (value == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError))
            PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C int");
        return -1;
    }
    if (value > INT_MAX || value < INT_MIN) {
        PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C int");
        return -1;
    }
    *out = (int)value;
    return 0;
}

/* Python's message for a positional-only function called with the wrong
 * number of arguments. */
static int
check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t expected)
{
    if (nargs == expected)
        return 0;
    PyErr_Format(PyExc_TypeError, "%s expected %zd argument%s, got %zd", name, expected,
                 expected == 1 ? "" : "s", nargs);
    return -1;
}

/* ---- RAND_* ------------------------------------------------------------ */

/* n random bytes from OpenSSL's CSPRNG. */
static PyObject *
random_bytes(sslx_state *st, PyObject *arg)
{
    int n;
    if (int_from_index(arg, &n) < 0)
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "num must be positive");
        return NULL;
    }
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, n);
    if (bytes == NULL)
        return NULL;
    int ok;
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    ok = RAND_bytes((unsigned char *)PyBytes_AS_STRING(bytes), n);
    Py_END_ALLOW_THREADS
    if (ok != 1) {
        Py_DECREF(bytes);
        return sslx_raise_from_queue(st, NULL, "RAND_bytes failed", SSLX_HERE);
    }
    return bytes;
}

PyDoc_STRVAR(RAND_bytes_doc,
"RAND_bytes($module, n, /)\n--\n\n"
"Return n cryptographically strong random bytes.\n\n"
"Raises ValueError when n is negative, SSLError when OpenSSL's generator\n"
"fails.");

static PyObject *
fn_RAND_bytes(PyObject *module, PyObject *arg)
{
    return random_bytes(sslx_state_from_module(module), arg);
}

/* The stdlib keeps RAND_pseudo_bytes() for old code; OpenSSL 3's
 * generator is always cryptographically strong, so this is RAND_bytes
 * with the old (bytes, is_cryptographic) result. */
PyDoc_STRVAR(RAND_pseudo_bytes_doc,
"RAND_pseudo_bytes($module, n, /)\n--\n\n"
"Return (bytes, is_cryptographic) for n random bytes; deprecated.\n\n"
"OpenSSL 3's generator is always cryptographically strong, so\n"
"is_cryptographic is always True: use RAND_bytes().  Warns\n"
"DeprecationWarning; raises like RAND_bytes().");

static PyObject *
fn_RAND_pseudo_bytes(PyObject *module, PyObject *arg)
{
    if (PyErr_WarnEx(PyExc_DeprecationWarning, "ssl.RAND_pseudo_bytes() is deprecated", 1) < 0)
        return NULL;
    PyObject *bytes = random_bytes(sslx_state_from_module(module), arg);
    if (bytes == NULL)
        return NULL;
    return Py_BuildValue("(NO)", bytes, Py_True);
}

PyDoc_STRVAR(RAND_status_doc,
"RAND_status($module, /)\n--\n\n"
"Return True if the random generator has been seeded with enough data.");

static PyObject *
fn_RAND_status(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyBool_FromLong(RAND_status() == 1);
}

/* RAND_add(string, entropy): mix str (as UTF-8) or any contiguous buffer
 * into the generator's state. */
PyDoc_STRVAR(RAND_add_doc,
"RAND_add($module, string, entropy, /)\n--\n\n"
"Mix string into the random generator's state.\n\n"
"string is a str (taken as UTF-8) or a bytes-like object; entropy (a\n"
"float) is a lower bound on the randomness it contains, in bytes.\n"
"Rarely needed: OpenSSL seeds itself from the operating system.");

static PyObject *
fn_RAND_add(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (check_nargs("RAND_add", nargs, 2) < 0)
        return NULL;
    Py_buffer view = {NULL, NULL};
    const char *data;
    Py_ssize_t len;
    if (PyUnicode_Check(args[0])) {
        if ((data = PyUnicode_AsUTF8AndSize(args[0], &len)) == NULL)
            return NULL;
    }
    else {
        if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
            return NULL;
        data = view.buf;
        len = view.len;
    }
    double entropy = PyFloat_AsDouble(args[1]);
    if (entropy == -1.0 && PyErr_Occurred()) {
        PyBuffer_Release(&view);
        return NULL;
    }
    /* RAND_add takes an int length; feed huge buffers in pieces. */
    Py_BEGIN_ALLOW_THREADS
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        RAND_add(data, chunk, entropy);
        data += chunk;
        len -= chunk;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

/* ---- get_sigalgs ------------------------------------------------------ */

/* get_sigalgs(): the names of the TLS signature algorithms OpenSSL
 * implements (OpenSSL 3.4 and later can list them). */
PyDoc_STRVAR(get_sigalgs_doc,
"get_sigalgs($module, /)\n--\n\n"
"Return the names (list of str) of the TLS signature algorithms OpenSSL\n"
"implements, the names set_client_sigalgs() and set_server_sigalgs()\n"
"accept.\n\n"
"Raises NotImplementedError with OpenSSL older than 3.4, which cannot\n"
"list them.");

static PyObject *
fn_get_sigalgs(PyObject *module, PyObject *unused)
{
    (void)unused;
#if OPENSSL_VERSION_NUMBER >= 0x30400000L
    char *names = SSL_get1_builtin_sigalgs(NULL);
    if (names == NULL)
        return sslx_raise_from_queue(sslx_state_from_module(module), NULL,
                                     "cannot list signature algorithms", SSLX_HERE);
    PyObject *text = PyUnicode_FromString(names);     /* colon-separated */
    OPENSSL_free(names);
    PyObject *colon = PyUnicode_FromString(":"), *list = NULL;
    if (text != NULL && colon != NULL)
        list = PyUnicode_GET_LENGTH(text) ? PyUnicode_Split(text, colon, -1) : PyList_New(0);
    Py_XDECREF(text);
    Py_XDECREF(colon);
    return list;
#else
    (void)module;
    PyErr_SetString(PyExc_NotImplementedError,
                    "Getting signature algorithms requires OpenSSL 3.4 or later.");
    return NULL;
#endif
}

/* ---- get_default_verify_paths ----------------------------------------- */

static PyObject *
path_or_none(const char *path, int want_dir)
{
    struct stat sb;
    if (path && stat(path, &sb) == 0 && (want_dir ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode)))
        return PyUnicode_DecodeFSDefault(path);
    Py_RETURN_NONE;
}

/* Where OpenSSL looks for trust anchors by default: the environment
 * variables named by OpenSSL override the compiled-in locations; cafile
 * and capath are None when there is no such file or directory. */
PyDoc_STRVAR(get_default_verify_paths_doc,
"get_default_verify_paths($module, /)\n--\n\n"
"Return where OpenSSL looks for CA certificates by default.\n\n"
"The result is a DefaultVerifyPaths named tuple: cafile and capath as\n"
"used (None when no such file or directory exists), the names of the\n"
"environment variables that override them, and the built-in paths.");

static PyObject *
fn_get_default_verify_paths(PyObject *module, PyObject *unused)
{
    (void)unused;
    sslx_state *st = sslx_state_from_module(module);
    const char *file_env = X509_get_default_cert_file_env();
    const char *dir_env = X509_get_default_cert_dir_env();
    const char *file = getenv(file_env), *dir = getenv(dir_env);
    if (file == NULL)
        file = X509_get_default_cert_file();
    if (dir == NULL)
        dir = X509_get_default_cert_dir();
    return PyObject_CallFunction(st->DefaultVerifyPaths, "NNNNNN", path_or_none(file, 0),
                                 path_or_none(dir, 1), PyUnicode_DecodeFSDefault(file_env),
                                 PyUnicode_DecodeFSDefault(X509_get_default_cert_file()),
                                 PyUnicode_DecodeFSDefault(dir_env),
                                 PyUnicode_DecodeFSDefault(X509_get_default_cert_dir()));
}

/* ---- nid2obj / txt2obj -------------------------------------------------- */

/* (nid, shortname, longname, dotted oid) of an ASN.1 object. */
static PyObject *
asn1_object_tuple(sslx_state *st, const ASN1_OBJECT *obj)
{
    int nid = OBJ_obj2nid(obj);
    if (nid == NID_undef) {
        PyErr_SetString(PyExc_ValueError, "Unknown object");
        return NULL;
    }
    char small[128];
    int len = OBJ_obj2txt(small, sizeof(small), obj, 1);
    if (len < 0)
        return sslx_raise_from_queue(st, NULL, "cannot convert object to text", SSLX_HERE);
    PyObject *oid;
    if (len == 0)
        oid = Py_NewRef(Py_None);
    else if ((size_t)len < sizeof(small))
        oid = PyUnicode_DecodeUTF8(small, len, "strict");
    else {
        char *big = PyMem_Malloc((size_t)len + 1);
        if (big == NULL)
            return PyErr_NoMemory();
        OBJ_obj2txt(big, len + 1, obj, 1);
        oid = PyUnicode_DecodeUTF8(big, len, "strict");
        PyMem_Free(big);
    }
    if (oid == NULL)
        return NULL;
    return Py_BuildValue("(izzN)", nid, OBJ_nid2sn(nid), OBJ_nid2ln(nid), oid);
}

PyDoc_STRVAR(nid2obj_doc,
"nid2obj($module, nid, /)\n--\n\n"
"Return (nid, shortname, longname, oid) of OpenSSL's object number nid.\n\n"
"Raises ValueError for a negative or unknown nid.");

static PyObject *
fn_nid2obj(PyObject *module, PyObject *arg)
{
    int nid;
    if (int_from_index(arg, &nid) < 0)
        return NULL;
    if (nid < NID_undef) {
        PyErr_SetString(PyExc_ValueError, "NID must be positive.");
        return NULL;
    }
    ERR_clear_error();
    const ASN1_OBJECT *obj = OBJ_nid2obj(nid);
    if (obj == NULL) {
        ERR_clear_error();
        PyErr_Format(PyExc_ValueError, "unknown NID %i", nid);
        return NULL;
    }
    return asn1_object_tuple(sslx_state_from_module(module), obj);
}

PyDoc_STRVAR(txt2obj_doc,
"txt2obj($module, /, txt, name=False)\n--\n\n"
"Return (nid, shortname, longname, oid) of the object named by txt.\n\n"
"txt is a dotted OID such as '1.3.6.1.5.5.7.3.1'; with name true, a\n"
"short or long name such as 'serverAuth' is accepted too.  Raises\n"
"ValueError for an unknown object.");

static PyObject *
fn_txt2obj(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"txt", "name", NULL};
    PyObject *txt;
    int by_name = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|p:txt2obj", kwlist, &txt, &by_name))
        return NULL;
    if (!PyUnicode_Check(txt)) {
        PyErr_Format(PyExc_TypeError, "txt2obj() argument 'txt' must be str, not %.50s",
                     sslx_arg_type_name(txt));
        return NULL;
    }
    Py_ssize_t len;
    const char *text = PyUnicode_AsUTF8AndSize(txt, &len);
    if (text == NULL)
        return NULL;
    if ((size_t)len != strlen(text)) {
        PyErr_SetString(PyExc_ValueError, "embedded null character");
        return NULL;
    }
    /* Without `name`, only dotted OIDs are accepted. */
    ERR_clear_error();
    ASN1_OBJECT *obj = OBJ_txt2obj(text, by_name ? 0 : 1);
    if (obj == NULL) {
        ERR_clear_error();
        PyErr_Format(PyExc_ValueError, "unknown object '%.100s'", text);
        return NULL;
    }
    PyObject *result = asn1_object_tuple(sslx_state_from_module(module), obj);
    ASN1_OBJECT_free(obj);
    return result;
}

/* ---- module setup ------------------------------------------------------- */


static PyMethodDef functions_methods[] = {
    {"RAND_bytes", fn_RAND_bytes, METH_O, RAND_bytes_doc},
    {"RAND_pseudo_bytes", fn_RAND_pseudo_bytes, METH_O, RAND_pseudo_bytes_doc},
    {"RAND_status", fn_RAND_status, METH_NOARGS, RAND_status_doc},
    {"RAND_add", SSLX_KW_METHOD(fn_RAND_add), METH_FASTCALL, RAND_add_doc},
    {"get_sigalgs", fn_get_sigalgs, METH_NOARGS, get_sigalgs_doc},
    {"get_default_verify_paths", fn_get_default_verify_paths, METH_NOARGS,
     get_default_verify_paths_doc},
    {"nid2obj", fn_nid2obj, METH_O, nid2obj_doc},
    {"txt2obj", SSLX_KW_METHOD(fn_txt2obj), METH_VARARGS | METH_KEYWORDS, txt2obj_doc},
    {NULL, NULL, 0, NULL},
};

/* collections.namedtuple('DefaultVerifyPaths', ...), the result type of
 * get_default_verify_paths(). */
static PyObject *
make_default_verify_paths_type(void)
{
    PyObject *collections = PyImport_ImportModule("collections");
    if (collections == NULL)
        return NULL;
    PyObject *cls = NULL, *kwargs = Py_BuildValue("{ss}", "module", "sslx");
    if (kwargs) {
        PyObject *namedtuple = PyObject_GetAttrString(collections, "namedtuple");
        PyObject *posargs = Py_BuildValue(
            "(ss)", "DefaultVerifyPaths",
            "cafile capath openssl_cafile_env openssl_cafile openssl_capath_env openssl_capath");
        if (namedtuple && posargs)
            cls = PyObject_Call(namedtuple, posargs, kwargs);
        Py_XDECREF(namedtuple);
        Py_XDECREF(posargs);
        Py_DECREF(kwargs);
    }
    Py_DECREF(collections);
    return cls;
}

int
sslx_functions_setup(PyObject *module, sslx_state *st)
{
    Py_XSETREF(st->DefaultVerifyPaths, make_default_verify_paths_type());
    if (st->DefaultVerifyPaths == NULL
        || PyModule_AddObjectRef(module, "DefaultVerifyPaths", st->DefaultVerifyPaths) < 0)
        return -1;
    return PyModule_AddFunctions(module, functions_methods);
}
