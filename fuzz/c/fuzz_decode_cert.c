/* fuzz_decode_cert: certificates into the getpeercert() dictionary
 * (certdecode.c), from arbitrary bytes, both ways sslx offers without a
 * handshake:
 *
 *   - as a PEM file: sslx._sslx._test_decode_cert(path), compared with
 *     the stdlib's _ssl._test_decode_cert(path) on the same file: equal
 *     dicts, or the same exception type (sslx promises the stdlib's dict;
 *     see same_as_stdlib for the one case not compared);
 *   - as DER: sslx._sslx._decode_der_certificate(der), whose dict must be
 *     the stdlib's for a PEM file of the same bytes (DER_cert_to_PEM_cert),
 *     plus 'publicKey'.
 *
 * Input: the bytes, used both as the PEM file and as DER.  The "file" is
 * a memfd reached through /proc/self/fd (a file in /tmp costs 200 us per
 * write on this machine's overlay file system, a memfd 7 us). */
#include "harness.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static PyObject *decode_file, *std_decode_file, *decode_der, *der_to_pem;
static PyObject *decode_errors, *ssl_error;
static int fd = -1;
static PyObject *path_obj;

int
fuzz_setup(void)
{
    decode_file = fz_attr(fz_sslx, "_sslx._test_decode_cert");
    std_decode_file = fz_attr(fz_ssl, "_ssl._test_decode_cert");
    decode_der = fz_attr(fz_sslx, "_sslx._decode_der_certificate");
    der_to_pem = fz_attr(fz_sslx, "DER_cert_to_PEM_cert");
    /* Undecodable bytes, or names that are not UTF-8. */
    decode_errors = fz_classes("SSLError UnicodeDecodeError ValueError");
    ssl_error = fz_attr(fz_sslx, "SSLError");
    fd = memfd_create("sslx-fuzz-cert", 0);
    FZ_CHECK(fd >= 0, "memfd_create failed");
    path_obj = fz_ok(PyUnicode_FromFormat("/proc/self/fd/%d", fd));
    return 0;
}

static void
write_file(const void *data, size_t size)
{
    FZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate failed");
    FZ_CHECK(size == 0 || pwrite(fd, data, size, 0) == (ssize_t)size, "short write");
}

/* `a` is sslx's outcome for the certificate now in the file: a dict, or a
 * documented exception.  The stdlib must agree, except that it is not
 * asked when sslx failed on the certificate's content rather than its
 * encoding (UnicodeDecodeError, ValueError): CPython 3.11's _ssl then
 * fails too, and leaks the subjectAltName it was decoding (its
 * _get_peer_alt_names error path), which would bury sslx's own leaks.
 * sslx's dict, or NULL.  (A BIT STRING name attribute, once a known
 * difference found here, decodes as the stdlib's bytes now.) */
static PyObject *
same_as_stdlib(fz_result a, PyObject *input)
{
    if (a.exc != NULL) {
        PyErr_SetObject(a.exc_type, a.exc);
        fz_expect(NULL, decode_errors, NULL);
    }
    int compare = a.exc == NULL
                  || PyErr_GivenExceptionMatches(a.exc, ssl_error);
    if (compare) {
        fz_result b = fz_reference(std_decode_file, path_obj);
        fz_same("certificate decoding", input, &a, &b);
        fz_result_clear(&b);
    }
    PyObject *info = Py_XNewRef(a.value);
    fz_result_clear(&a);
    return info;
}

static void
check_dict_shape(PyObject *info)
{
    static const char *keys[] = {"subject", "issuer", "version", "serialNumber", "notBefore",
                                 "notAfter", NULL};
    FZ_CHECK(PyDict_CheckExact(info), "not a dict");
    for (int i = 0; keys[i]; i++)
        FZ_CHECK(PyDict_GetItemString(info, keys[i]) != NULL, "no '%s'", keys[i]);
}

void
fuzz_one(const uint8_t *data, size_t size)
{
    /* The input as a PEM file. */
    write_file(data, size);
    PyObject *info = same_as_stdlib(fz_capture(PyObject_CallOneArg(decode_file, path_obj)),
                                    path_obj);
    if (info != NULL)
        check_dict_shape(info);
    Py_XDECREF(info);

    /* The input as DER; the stdlib reads a PEM file of it. */
    PyObject *der = fz_ok(PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)size));
    fz_result direct = fz_capture(PyObject_CallOneArg(decode_der, der));
    if (direct.value != NULL) {
        check_dict_shape(direct.value);
        PyObject *key = PyDict_GetItemString(direct.value, "publicKey");
        FZ_CHECK(key != NULL && PyUnicode_CheckExact(key), "no 'publicKey' str");
        FZ_CHECK(PyDict_DelItemString(direct.value, "publicKey") == 0, "cannot drop it");
    }
    PyObject *pem = fz_ok(PyObject_CallOneArg(der_to_pem, der));
    Py_ssize_t pem_len;
    const char *pem_text = PyUnicode_AsUTF8AndSize(pem, &pem_len);
    FZ_CHECK(pem_text != NULL, "PEM text is not UTF-8");
    write_file(pem_text, (size_t)pem_len);
    Py_XDECREF(same_as_stdlib(direct, der));
    Py_DECREF(pem);
    Py_DECREF(der);
}
