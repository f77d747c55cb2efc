/* pem.c - certificates between PEM text and DER bytes:
 * DER_cert_to_PEM_cert(), PEM_cert_to_DER_cert(), and the one DER-to-PEM
 * encoder the rest of sslx uses (get_server_certificate). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include "pem.h"

#define PEM_HEADER "-----BEGIN CERTIFICATE-----"
#define PEM_FOOTER "-----END CERTIFICATE-----"

PyObject *
sslx_der_to_pem(const void *der, Py_ssize_t len)
{
    if (len > (PY_SSIZE_T_MAX / 4 - 64) / 2 || len > INT_MAX / 2)
        return PyErr_NoMemory();
    /* Base64 of the whole input, then 64-character lines. */
    Py_ssize_t b64_len = 4 * ((len + 2) / 3);
    Py_ssize_t lines = (b64_len + 63) / 64;
    Py_ssize_t total = sizeof(PEM_HEADER) + b64_len + lines + sizeof(PEM_FOOTER);
    unsigned char *b64 = PyMem_Malloc(b64_len + 1);
    char *pem = PyMem_Malloc(total + 1);
    PyObject *result = NULL;
    if (b64 == NULL || pem == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    EVP_EncodeBlock(b64, der, (int)len);
    char *out = pem;
    out += sprintf(out, "%s\n", PEM_HEADER);
    for (Py_ssize_t pos = 0; pos < b64_len; pos += 64) {
        Py_ssize_t n = b64_len - pos < 64 ? b64_len - pos : 64;
        memcpy(out, b64 + pos, n);
        out += n;
        *out++ = '\n';
    }
    out += sprintf(out, "%s\n", PEM_FOOTER);
    result = PyUnicode_FromStringAndSize(pem, out - pem);
done:
    PyMem_Free(b64);
    PyMem_Free(pem);
    return result;
}

static PyObject *
fn_DER_cert_to_PEM_cert(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"der_cert_bytes", NULL};
    Py_buffer der;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*:DER_cert_to_PEM_cert", kwlist, &der))
        return NULL;
    PyObject *result = sslx_der_to_pem(der.buf, der.len);
    PyBuffer_Release(&der);
    return result;
}

static int
base64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

/* binascii.Error, which the stdlib's lenient base64 decoding raises. */
static void
raise_binascii_error(const char *format, Py_ssize_t count)
{
    PyObject *binascii = PyImport_ImportModule("binascii");
    if (binascii == NULL)
        return;
    PyObject *error = PyObject_GetAttrString(binascii, "Error");
    Py_DECREF(binascii);
    if (error == NULL)
        return;
    PyErr_Format(error, format, count);
    Py_DECREF(error);
}

/* Lenient base64 decoding as the stdlib does it for PEM bodies: bytes
 * outside the alphabet are skipped, '=' ends the data once it completes
 * a quantum (and is ignored where it cannot), an unfinished quantum is
 * an error. */
static PyObject *
base64_decode_lenient(const unsigned char *in, Py_ssize_t len)
{
    PyObject *out = PyBytes_FromStringAndSize(NULL, len / 4 * 3 + 3);
    if (out == NULL)
        return NULL;
    unsigned char *o = (unsigned char *)PyBytes_AS_STRING(out), *start = o;
    int quad = 0, pads = 0;
    unsigned acc = 0;
    Py_ssize_t data_chars = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        if (in[i] == '=') {
            if (quad >= 2 && quad + ++pads >= 4) {
                quad = 0;   /* padding completed the last quantum */
                break;
            }
            continue;
        }
        int v = base64_value(in[i]);
        if (v < 0)
            continue;
        pads = 0;
        data_chars++;
        acc = acc << 6 | (unsigned)v;
        if (quad > 0)
            *o++ = (unsigned char)(acc >> (6 - 2 * quad));
        acc &= (1u << (6 - 2 * quad + 0)) - 1;
        quad = (quad + 1) & 3;
    }
    if (quad == 1) {
        raise_binascii_error("Invalid base64-encoded string: number of data characters "
                             "(%zd) cannot be 1 more than a multiple of 4", data_chars);
        Py_DECREF(out);
        return NULL;
    }
    if (quad != 0) {
        raise_binascii_error("Incorrect padding", 0);
        Py_DECREF(out);
        return NULL;
    }
    if (_PyBytes_Resize(&out, o - start) < 0)
        return NULL;
    return out;
}

/* Strip Unicode whitespace from both ends, like str.strip(). */
static PyObject *
strip_whitespace(PyObject *s)
{
    Py_ssize_t start = 0, end = PyUnicode_GET_LENGTH(s);
    while (start < end && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(s, start)))
        start++;
    while (end > start && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(s, end - 1)))
        end--;
    return PyUnicode_Substring(s, start, end);
}

static int
has_affix(PyObject *s, const char *affix, int at_end)
{
    PyObject *a = PyUnicode_FromString(affix);
    if (a == NULL)
        return -1;
    Py_ssize_t r = PyUnicode_Tailmatch(s, a, 0, PY_SSIZE_T_MAX, at_end ? 1 : -1);
    Py_DECREF(a);
    return (int)r;
}

static PyObject *
pem_body_to_der(PyObject *pem)
{
    PyObject *result = NULL, *body = NULL, *ascii = NULL;
    PyObject *stripped = strip_whitespace(pem);
    if (stripped == NULL)
        return NULL;
    /* The header must open the text itself; only trailing whitespace is
     * forgiven (a file read whole ends with a newline). */
    int starts = has_affix(pem, PEM_HEADER, 0);
    int ends = starts > 0 ? has_affix(stripped, PEM_FOOTER, 1) : 0;
    if (starts < 0 || ends < 0)
        goto done;
    if (!starts || !ends) {
        PyErr_Format(PyExc_ValueError, "Invalid PEM encoding; must %s with %s",
                     starts ? "end" : "start", starts ? PEM_FOOTER : PEM_HEADER);
        goto done;
    }
    /* Header and footer may overlap in a degenerate input; the body is
     * then empty. */
    Py_ssize_t from = strlen(PEM_HEADER);
    Py_ssize_t to = PyUnicode_GET_LENGTH(stripped) - (Py_ssize_t)strlen(PEM_FOOTER);
    body = PyUnicode_Substring(stripped, from, to > from ? to : from);
    if (body == NULL || (ascii = PyUnicode_AsASCIIString(body)) == NULL)
        goto done;
    result = base64_decode_lenient((const unsigned char *)PyBytes_AS_STRING(ascii),
                                   PyBytes_GET_SIZE(ascii));
done:
    Py_DECREF(stripped);
    Py_XDECREF(body);
    Py_XDECREF(ascii);
    return result;
}

static PyObject *
fn_PEM_cert_to_DER_cert(PyObject *module, PyObject *args, PyObject *kwds)
{
    (void)module;
    static char *kwlist[] = {"pem_cert_string", NULL};
    PyObject *pem;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:PEM_cert_to_DER_cert", kwlist, &pem))
        return NULL;
    if (!PyUnicode_Check(pem)) {
        PyErr_Format(PyExc_TypeError, "PEM_cert_to_DER_cert() argument must be str, not %.100s",
                     Py_TYPE(pem)->tp_name);
        return NULL;
    }
    return pem_body_to_der(pem);
}

static PyMethodDef pem_functions[] = {
    {"DER_cert_to_PEM_cert", SSLX_KW_METHOD(fn_DER_cert_to_PEM_cert),
     METH_VARARGS | METH_KEYWORDS,
     "DER_cert_to_PEM_cert(der_cert_bytes) -> PEM text of a DER certificate."},
    {"PEM_cert_to_DER_cert", SSLX_KW_METHOD(fn_PEM_cert_to_DER_cert),
     METH_VARARGS | METH_KEYWORDS,
     "PEM_cert_to_DER_cert(pem_cert_string) -> DER bytes of a PEM certificate."},
    {NULL, NULL, 0, NULL},
};

int
sslx_pem_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, pem_functions);
}
