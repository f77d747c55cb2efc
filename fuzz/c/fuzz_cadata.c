/* fuzz_cadata: SSLContext.load_verify_locations(cadata=...) (sslx's PEM and
 * DER loops into the trust store, context_load.c) and then what a context
 * reports about its store (cert_store_stats, get_ca_certs as dicts and as
 * DER: certdecode.c again, on CA certificates).  Against the stdlib's
 * SSLContext given the same cadata: the same outcome (nothing, or the same
 * exception type) and equal reports.
 *
 * Input: loaded twice into one fresh client context of each
 * implementation: first as str (UTF-8, undecodable bytes as lone
 * surrogates: non-ASCII text is a TypeError), then as bytes (DER). */
#include "harness.h"

static PyObject *sslx_context, *std_context, *protocol, *errors, *no_args, *binary_kw;

int
fuzz_setup(void)
{
    sslx_context = fz_attr(fz_sslx, "SSLContext");
    std_context = fz_attr(fz_ssl, "SSLContext");
    protocol = fz_attr(fz_ssl, "PROTOCOL_TLS_CLIENT");
    /* SSLError: no certificate, or a bad one; ValueError: empty;
     * TypeError: text that is not ASCII. */
    errors = fz_classes("SSLError ValueError TypeError");
    no_args = fz_ok(PyTuple_New(0));
    binary_kw = fz_ok(Py_BuildValue("{sO}", "binary_form", Py_True));
    return 0;
}

/* ctx.name(*(), **kw), captured. */
static fz_result
call(PyObject *ctx, const char *name, PyObject *kw)
{
    PyObject *method = fz_attr(ctx, name);
    fz_result r = fz_capture(PyObject_Call(method, no_args, kw));
    Py_DECREF(method);
    return r;
}

/* The same step on both contexts; they must agree. */
static void
both(PyObject *mine, PyObject *theirs, const char *name, PyObject *kw, PyObject *shown)
{
    fz_result a = call(mine, name, kw);
    fz_reference_begin();
    fz_result b = call(theirs, name, kw);
    fz_reference_end();
    fz_same(name, shown, &a, &b);
    if (a.exc != NULL) {
        PyErr_SetObject(a.exc_type, a.exc);
        fz_expect(NULL, errors, NULL);
    }
    fz_result_clear(&a);
    fz_result_clear(&b);
}

static void
load(PyObject *mine, PyObject *theirs, PyObject *cadata)
{
    PyObject *kw = fz_ok(Py_BuildValue("{sO}", "cadata", cadata));
    both(mine, theirs, "load_verify_locations", kw, cadata);
    Py_DECREF(kw);
}

/* A context whose store holds nothing (no certificate, no CRL). */
static int
store_is_empty(PyObject *ctx)
{
    PyObject *stats = fz_ok(PyObject_CallMethod(ctx, "cert_store_stats", NULL));
    PyObject *x509 = PyDict_GetItemString(stats, "x509");
    PyObject *crl = PyDict_GetItemString(stats, "crl");
    int empty = x509 && crl && PyLong_AsLong(x509) == 0 && PyLong_AsLong(crl) == 0;
    FZ_CHECK(!PyErr_Occurred(), "cert_store_stats() is not a dict of ints");
    Py_DECREF(stats);
    return empty;
}

/* The two contexts an input starts from.  Creating them is half the cost
 * of an input under ASan, and most inputs load nothing, so they are kept
 * for the next input as long as their stores stay empty: a load that added
 * nothing leaves a context as it was made (a new client context's store is
 * its own, never a shared one, so sslx's copy-on-write has nothing to
 * copy), and every input starts from the same state. */
static PyObject *mine, *theirs;

void
fuzz_one(const uint8_t *data, size_t size)
{
    if (mine == NULL) {
        mine = fz_ok(PyObject_CallOneArg(sslx_context, protocol));
        fz_reference_begin();
        theirs = fz_ok(PyObject_CallOneArg(std_context, protocol));
        fz_reference_end();
    }

    PyObject *text = fz_text(data, size);
    load(mine, theirs, text);
    Py_DECREF(text);
    PyObject *raw = fz_ok(PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)size));
    load(mine, theirs, raw);
    Py_DECREF(raw);

    both(mine, theirs, "cert_store_stats", NULL, NULL);
    both(mine, theirs, "get_ca_certs", NULL, NULL);
    both(mine, theirs, "get_ca_certs", binary_kw, NULL);

    fz_reference_begin();
    int keep = store_is_empty(theirs);
    fz_reference_end();
    if (!keep || !store_is_empty(mine)) {
        Py_CLEAR(mine);
        fz_reference_begin();
        Py_CLEAR(theirs);
        fz_reference_end();
    }
}
