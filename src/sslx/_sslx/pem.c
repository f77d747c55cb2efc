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
    Py_ssize_t total = sizeof(PEM_HEADER) + b64_len + lines + 1 + sizeof(PEM_FOOTER);
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
#if PY_VERSION_HEX >= 0x030F0000
    if (b64_len == 0)
        *out++ = '\n';         /* 3.15 writes an empty body as an empty line */
#endif
    out += sprintf(out, "%s\n", PEM_FOOTER);
    result = PyUnicode_FromStringAndSize(pem, out - pem);
done:
    PyMem_Free(b64);
    PyMem_Free(pem);
    return result;
}

PyDoc_STRVAR(DER_cert_to_PEM_cert_doc,
"DER_cert_to_PEM_cert($module, /, der_cert_bytes)\n--\n\n"
"Return a DER-encoded certificate as PEM text (str).\n\n"
"der_cert_bytes is any bytes-like object; its contents are not checked.\n"
"The result is base64 in 64-character lines between the BEGIN CERTIFICATE\n"
"and END CERTIFICATE lines.  Raises TypeError for other types.");

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

/* The stdlib decodes the body with base64.decodebytes(), that is
 * binascii.a2b_base64(): so does sslx, so that what is lenient or an error
 * (which changed in 3.13 and 3.14) follows the running interpreter. */
static PyObject *
base64_decode(PyObject *ascii)
{
    PyObject *binascii = PyImport_ImportModule("binascii");
    if (binascii == NULL)
        return NULL;
    PyObject *der = PyObject_CallMethod(binascii, "a2b_base64", "O", ascii);
    Py_DECREF(binascii);
    return der;
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
    if (body == NULL)
        goto done;
    ascii = PyUnicode_AsASCIIString(body);
    if (ascii == NULL)
        goto done;
    result = base64_decode(ascii);
done:
    Py_DECREF(stripped);
    Py_XDECREF(body);
    Py_XDECREF(ascii);
    return result;
}

PyDoc_STRVAR(PEM_cert_to_DER_cert_doc,
"PEM_cert_to_DER_cert($module, /, pem_cert_string)\n--\n\n"
"Return the DER bytes of a certificate given as PEM text (str).\n\n"
"The text must start with the BEGIN CERTIFICATE line and end with the END\n"
"CERTIFICATE line (trailing whitespace allowed); what lies between is\n"
"decoded as base64.  Raises ValueError when the markers are missing,\n"
"TypeError when pem_cert_string is not a str.");

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
     METH_VARARGS | METH_KEYWORDS, DER_cert_to_PEM_cert_doc},
    {"PEM_cert_to_DER_cert", SSLX_KW_METHOD(fn_PEM_cert_to_DER_cert),
     METH_VARARGS | METH_KEYWORDS, PEM_cert_to_DER_cert_doc},
    {NULL, NULL, 0, NULL},
};

int
sslx_pem_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, pem_functions);
}
