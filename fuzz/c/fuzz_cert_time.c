/* fuzz_cert_time: sslx.cert_time_to_seconds(text), parsed by sslx's own C
 * parser, against the stdlib's (strptime).  sslx promises the stdlib's
 * result for every str: the same number of seconds, or the same exception
 * type.  Bytes are refused with ValueError by both.
 *
 * Input: the text, UTF-8 (undecodable bytes become lone surrogates). */
#include "harness.h"

static PyObject *sslx_fn, *stdlib_fn, *value_error;

int
fuzz_setup(void)
{
    sslx_fn = fz_attr(fz_sslx, "cert_time_to_seconds");
    stdlib_fn = fz_attr(fz_ssl, "cert_time_to_seconds");
    value_error = fz_classes("ValueError");
    return 0;
}

void
fuzz_one(const uint8_t *data, size_t size)
{
    PyObject *text = fz_text(data, size);
    fz_result a = fz_capture(PyObject_CallOneArg(sslx_fn, text));
    fz_result b = fz_reference(stdlib_fn, text);
    fz_same("cert_time_to_seconds(str)", text, &a, &b);
    FZ_CHECK(a.value == NULL || PyLong_CheckExact(a.value), "result is not an int");
    fz_result_clear(&a);
    fz_result_clear(&b);
    Py_DECREF(text);

    /* The same bytes as bytes: no month name is ever found in them. */
    PyObject *raw = fz_ok(PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)size));
    PyObject *r = fz_expect(PyObject_CallOneArg(sslx_fn, raw), value_error, NULL);
    FZ_CHECK(r == NULL, "cert_time_to_seconds accepted bytes");
    Py_DECREF(raw);
}
