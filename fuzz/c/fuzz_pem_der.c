/* fuzz_pem_der: sslx.PEM_cert_to_DER_cert and DER_cert_to_PEM_cert (sslx's
 * own base64 and PEM framing code) against the stdlib's pure-Python ones:
 * the same bytes / text or the same exception type for every input, and
 * DER -> PEM -> DER gives the bytes back.
 *
 * Input: used twice, as PEM text (UTF-8, undecodable bytes as lone
 * surrogates) and as DER bytes. */
#include "harness.h"

static PyObject *pem_to_der, *der_to_pem, *std_pem_to_der, *std_der_to_pem;

int
fuzz_setup(void)
{
    pem_to_der = fz_attr(fz_sslx, "PEM_cert_to_DER_cert");
    der_to_pem = fz_attr(fz_sslx, "DER_cert_to_PEM_cert");
    std_pem_to_der = fz_attr(fz_ssl, "PEM_cert_to_DER_cert");
    std_der_to_pem = fz_attr(fz_ssl, "DER_cert_to_PEM_cert");
    return 0;
}

/* sslx's and the stdlib's `fn` on `arg` must agree; sslx's result (a new
 * reference, or NULL when both raised). */
static PyObject *
compare(const char *what, PyObject *fn, PyObject *std_fn, PyObject *arg)
{
    fz_result a = fz_capture(PyObject_CallOneArg(fn, arg));
    fz_result b = fz_reference(std_fn, arg);
    fz_same(what, arg, &a, &b);
    PyObject *value = Py_XNewRef(a.value);
    fz_result_clear(&a);
    fz_result_clear(&b);
    return value;
}

void
fuzz_one(const uint8_t *data, size_t size)
{
    PyObject *text = fz_text(data, size);
    PyObject *der = compare("PEM_cert_to_DER_cert", pem_to_der, std_pem_to_der, text);
    FZ_CHECK(der == NULL || PyBytes_CheckExact(der), "PEM_cert_to_DER_cert: not bytes");
    Py_DECREF(text);
    Py_XDECREF(der);

    PyObject *raw = fz_ok(PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)size));
    PyObject *pem = compare("DER_cert_to_PEM_cert", der_to_pem, std_der_to_pem, raw);
    FZ_CHECK(pem != NULL && PyUnicode_CheckExact(pem), "DER_cert_to_PEM_cert failed");
    PyObject *back = fz_ok(PyObject_CallOneArg(pem_to_der, pem));
    FZ_CHECK(PyObject_RichCompareBool(back, raw, Py_EQ) == 1, "DER -> PEM -> DER changed the bytes");
    Py_DECREF(back);
    Py_DECREF(pem);
    Py_DECREF(raw);
}
