/* fuzz_hostname: host-name checks written in sslx's C code.
 *
 *   - match_hostname(cert, hostname) (functions.c: wildcard rules, IP
 *     address parsing, the subject fallback, error messages) against the
 *     stdlib's on CPython 3.11 (it was removed in 3.12): the same outcome
 *     (None, or the same exception type).
 *   - wrap_bio(server_hostname=...) on a client context that checks host
 *     names (conn_lifecycle.c: the idna conversion, the checks, SNI and the
 *     verification name or address handed to OpenSSL), with the name as
 *     str and as bytes, against the stdlib's wrap_bio: it is accepted or
 *     refused with the same exception type, and SSLObject.server_hostname
 *     is the same.  (The comparison at handshake time of that name with
 *     the peer's certificate is OpenSSL's X509_check_host, not sslx's.)
 *
 * Input: text (UTF-8, undecodable bytes as lone surrogates), split into
 * lines.  The first line is the host name; each other line adds to the
 * certificate dict, by its first character:
 *     D  ('DNS', rest) to subjectAltName
 *     I  ('IP Address', rest) to subjectAltName
 *     E  ('email', rest) to subjectAltName (ignored by the matching)
 *     C  a new RDN (('commonName', rest),) in subject
 *     M  ('commonName', rest) added to the last RDN (multi-valued)
 *     O  ('organizationName', rest) added to the last RDN
 *     X  a malformed subjectAltName entry: a 1-tuple (rest,)
 *     N  ('DNS', None): a value of the wrong type
 * Other lines are ignored.  X and N make dicts getpeercert() never
 * returns: for those only the exception types are checked (TypeError,
 * ValueError), not compared with the stdlib (which, being Python, fails on
 * them in its own ways). */
#include "harness.h"

#include <string.h>

static PyObject *match, *std_match, *match_errors;
static PyObject *sslx_ctx, *std_ctx, *sslx_bio, *std_bio, *wrap_errors;

int
fuzz_setup(void)
{
    match = fz_attr(fz_sslx, "match_hostname");
    std_match = fz_attr(fz_ssl, "match_hostname");
    match_errors = fz_classes("CertificateError ValueError TypeError");
    PyObject *proto = fz_attr(fz_ssl, "PROTOCOL_TLS_CLIENT");
    PyObject *cls = fz_attr(fz_sslx, "SSLContext");
    sslx_ctx = fz_ok(PyObject_CallOneArg(cls, proto));
    Py_DECREF(cls);
    cls = fz_attr(fz_ssl, "SSLContext");
    std_ctx = fz_ok(PyObject_CallOneArg(cls, proto));
    Py_DECREF(cls);
    Py_DECREF(proto);
    sslx_bio = fz_attr(fz_sslx, "MemoryBIO");
    std_bio = fz_attr(fz_ssl, "MemoryBIO");
    /* ValueError: empty or leading dot; UnicodeError (a ValueError): the
     * idna codec refused the name; TypeError: NUL; SSLError: OpenSSL
     * refused the name. */
    wrap_errors = fz_classes("ValueError TypeError SSLError");
    return 0;
}

/* The cert dict of lines[1:]; *odd is set when it has X/N lines. */
static PyObject *
build_cert(PyObject *lines, int *odd)
{
    PyObject *san = fz_ok(PyList_New(0)), *subject = fz_ok(PyList_New(0));
    Py_ssize_t n = PyList_GET_SIZE(lines);
    *odd = 0;
    for (Py_ssize_t i = 1; i < n; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (PyUnicode_GET_LENGTH(line) == 0)
            continue;
        Py_UCS4 kind = PyUnicode_READ_CHAR(line, 0);
        PyObject *rest = fz_ok(PyUnicode_Substring(line, 1, PY_SSIZE_T_MAX));
        PyObject *item = NULL;
        switch (kind) {
        case 'D':
            item = Py_BuildValue("(sO)", "DNS", rest);
            break;
        case 'I':
            item = Py_BuildValue("(sO)", "IP Address", rest);
            break;
        case 'E':
            item = Py_BuildValue("(sO)", "email", rest);
            break;
        case 'X':
            item = PyTuple_Pack(1, rest);
            *odd = 1;
            break;
        case 'N':
            item = Py_BuildValue("(sO)", "DNS", Py_None);
            *odd = 1;
            break;
        case 'C': {
            PyObject *rdn = fz_ok(PyList_New(0));
            FZ_CHECK(PyList_Append(subject, rdn) == 0, "append");
            Py_DECREF(rdn);
        }
            /* fall through: the pair goes into the new RDN */
        case 'M':
        case 'O':
            if (PyList_GET_SIZE(subject) > 0) {
                PyObject *pair = fz_ok(Py_BuildValue(
                    "(sO)", kind == 'O' ? "organizationName" : "commonName", rest));
                PyObject *rdn = PyList_GET_ITEM(subject, PyList_GET_SIZE(subject) - 1);
                FZ_CHECK(PyList_Append(rdn, pair) == 0, "append");
                Py_DECREF(pair);
            }
            break;
        default:
            break;
        }
        Py_DECREF(rest);
        if (item != NULL) {
            FZ_CHECK(PyList_Append(san, item) == 0, "append");
            Py_DECREF(item);
        }
        FZ_CHECK(!PyErr_Occurred(), "building the cert dict failed");
    }
    /* Tuples all the way down, as getpeercert() makes them. */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(subject); i++) {
        PyObject *t = fz_ok(PyList_AsTuple(PyList_GET_ITEM(subject, i)));
        FZ_CHECK(PyList_SetItem(subject, i, t) == 0, "set");
    }
    PyObject *cert = fz_ok(PyDict_New());
    if (PyList_GET_SIZE(san) > 0) {
        PyObject *t = fz_ok(PyList_AsTuple(san));
        FZ_CHECK(PyDict_SetItemString(cert, "subjectAltName", t) == 0, "set");
        Py_DECREF(t);
    }
    if (PyList_GET_SIZE(subject) > 0) {
        PyObject *t = fz_ok(PyList_AsTuple(subject));
        FZ_CHECK(PyDict_SetItemString(cert, "subject", t) == 0, "set");
        Py_DECREF(t);
    }
    Py_DECREF(san);
    Py_DECREF(subject);
    return cert;
}

static void
check_match(PyObject *cert, PyObject *hostname, int odd)
{
    PyObject *args = fz_ok(PyTuple_Pack(2, cert, hostname));
    fz_result a = fz_capture(PyObject_Call(match, args, NULL));
    if (a.exc != NULL) {
        PyErr_SetObject(a.exc_type, a.exc);
        fz_expect(NULL, match_errors, NULL);
    }
    FZ_CHECK(a.value == NULL || a.value == Py_None, "match_hostname returned a value");
    if (!odd) {
        fz_reference_begin();
        fz_result b = fz_capture(PyObject_Call(std_match, args, NULL));
        fz_reference_end();
        fz_same("match_hostname", args, &a, &b);
        fz_result_clear(&b);
    }
    fz_result_clear(&a);
    Py_DECREF(args);
}

/* ctx.wrap_bio(bio(), bio(), server_hostname=name): its server_hostname,
 * or the exception. */
static fz_result
wrap(PyObject *ctx, PyObject *bio_type, PyObject *name)
{
    PyObject *in = fz_ok(PyObject_CallNoArgs(bio_type));
    PyObject *out = fz_ok(PyObject_CallNoArgs(bio_type));
    PyObject *method = fz_attr(ctx, "wrap_bio");
    PyObject *args = fz_ok(PyTuple_Pack(2, in, out));
    PyObject *kw = fz_ok(Py_BuildValue("{sO}", "server_hostname", name));
    PyObject *obj = PyObject_Call(method, args, kw);
    PyObject *result = obj ? PyObject_GetAttrString(obj, "server_hostname") : NULL;
    Py_XDECREF(obj);
    Py_DECREF(kw);
    Py_DECREF(args);
    Py_DECREF(method);
    Py_DECREF(out);
    Py_DECREF(in);
    return fz_capture(result);
}

static void
check_wrap(PyObject *name)
{
    fz_result a = wrap(sslx_ctx, sslx_bio, name);
    if (a.exc != NULL) {
        PyErr_SetObject(a.exc_type, a.exc);
        fz_expect(NULL, wrap_errors, NULL);
    }
    fz_reference_begin();
    fz_result b = wrap(std_ctx, std_bio, name);
    fz_reference_end();
    fz_same("wrap_bio(server_hostname=...)", name, &a, &b);
    fz_result_clear(&a);
    fz_result_clear(&b);
}

void
fuzz_one(const uint8_t *data, size_t size)
{
    PyObject *text = fz_text(data, size);
    PyObject *lines = fz_ok(PyUnicode_Splitlines(text, 0));
    Py_DECREF(text);
    PyObject *hostname = PyList_GET_SIZE(lines) > 0 ? Py_NewRef(PyList_GET_ITEM(lines, 0))
                                                    : fz_ok(PyUnicode_FromString(""));
    int odd;
    PyObject *cert = build_cert(lines, &odd);
    check_match(cert, hostname, odd);
    Py_DECREF(cert);
    Py_DECREF(lines);

    check_wrap(hostname);
    Py_DECREF(hostname);
    /* The name as bytes: the raw first line. */
    const uint8_t *nl = memchr(data, '\n', size);
    PyObject *raw = fz_ok(PyBytes_FromStringAndSize((const char *)data,
                                                    nl ? nl - data : (Py_ssize_t)size));
    check_wrap(raw);
    Py_DECREF(raw);
}
