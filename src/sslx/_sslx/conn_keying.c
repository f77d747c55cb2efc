/* conn_keying.c - secrets derived from a connection for the application:
 * keying material exporters (RFC 5705; RFC 8446, section 7.5) and the
 * channel bindings beyond the stdlib's tls-unique: tls-exporter (RFC
 * 9266) and tls-server-end-point (RFC 5929). */
#include <string.h>
#include "conn_features.h"
#include "errors.h"

/* RFC 9266: the exporter label of the tls-exporter binding, its length. */
#define EXPORTER_CB_LABEL "EXPORTER-Channel-Binding"
#define EXPORTER_CB_LENGTH 32

/* RFC 5705: the context travels with a two-byte length in TLS 1.2. */
#define CONTEXT_MAX 0xffff

/* ---- export_keying_material ---- */

typedef struct {
    Py_buffer label, context;
    int use_context;
    Py_ssize_t length;
} export_request;

/* `obj` as bytes: str is encoded as UTF-8, bytes-like taken as is. */
static int
bytes_argument(PyObject *obj, const char *what, int allow_str, Py_buffer *view)
{
    if (PyUnicode_Check(obj) && allow_str) {
        PyObject *encoded = PyUnicode_AsUTF8String(obj);
        if (encoded == NULL)
            return -1;
        int rc = PyObject_GetBuffer(encoded, view, PyBUF_SIMPLE);
        Py_DECREF(encoded);     /* the view holds its own reference */
        return rc;
    }
    if (!PyUnicode_Check(obj) && PyObject_CheckBuffer(obj))
        return PyObject_GetBuffer(obj, view, PyBUF_SIMPLE);
    PyErr_Format(PyExc_TypeError, "%s must be %s, not %.100s", what,
                 allow_str ? "str or a bytes-like object" : "a bytes-like object or None",
                 sslx_arg_type_name(obj));
    return -1;
}

static PyObject *
export_of(sslx_conn *c, void *arg)
{
    export_request *req = arg;
    if (!SSL_is_init_finished(c->ssl)) {
        PyErr_SetString(PyExc_ValueError, "handshake not done yet");
        return NULL;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, req->length);
    if (out == NULL)
        return NULL;
    int ok;
    ERR_clear_error();
    /* A long output is a long PRF computation: not with the GIL.  The
     * engine's lock is held (taken with the GIL, as every query's). */
    Py_BEGIN_ALLOW_THREADS
    ok = SSL_export_keying_material(c->ssl, (unsigned char *)PyBytes_AS_STRING(out),
                                    (size_t)req->length, req->label.buf, (size_t)req->label.len,
                                    req->use_context ? req->context.buf : NULL,
                                    req->use_context ? (size_t)req->context.len : 0,
                                    req->use_context);
    Py_END_ALLOW_THREADS
    if (ok != 1) {
        Py_DECREF(out);
        return sslx_raise_from_queue(c->st, NULL, "cannot export keying material", SSLX_HERE);
    }
    return out;
}

static int
check_export_request(export_request *req)
{
    if (req->length <= 0) {
        PyErr_SetString(PyExc_ValueError, "length must be a positive number of bytes");
        return -1;
    }
    if (req->label.len == 0) {
        PyErr_SetString(PyExc_ValueError, "label cannot be empty");
        return -1;
    }
    if (req->use_context && req->context.len > CONTEXT_MAX) {
        PyErr_Format(PyExc_ValueError, "context cannot be longer than %d bytes", CONTEXT_MAX);
        return -1;
    }
    return 0;
}

PyObject *
sslx_conn_py_export_keying_material(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"label", "length", "context", NULL};
    PyObject *label, *context = Py_None, *result = NULL;
    export_request req;
    memset(&req, 0, sizeof(req));
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "On|O:export_keying_material", kwlist, &label,
                                     &req.length, &context))
        return NULL;
    if (bytes_argument(label, "label", 1, &req.label) < 0)
        return NULL;
    req.use_context = context != Py_None;
    if (req.use_context && bytes_argument(context, "context", 0, &req.context) < 0)
        goto done;
    if (check_export_request(&req) == 0)
        result = sslx_conn_query(self, export_of, &req, sslx_conn_not_connected);
done:
    PyBuffer_Release(&req.label);
    if (req.use_context)
        PyBuffer_Release(&req.context);
    return result;
}

/* ---- channel bindings ---- */

/* tls-exporter (RFC 9266): 32 bytes of the exporter with its label and an
 * empty context.  TLS 1.2 only with the extended master secret (RFC
 * 7627), without which the exporter is not unique to the connection. */
static PyObject *
tls_exporter_of(sslx_conn *c, void *arg)
{
    (void)arg;
    unsigned char out[EXPORTER_CB_LENGTH];
    static const char label[] = EXPORTER_CB_LABEL;
    if (!SSL_is_init_finished(c->ssl))
        Py_RETURN_NONE;
    if (SSL_version(c->ssl) < TLS1_3_VERSION && SSL_get_extms_support(c->ssl) != 1)
        Py_RETURN_NONE;
    ERR_clear_error();
    if (SSL_export_keying_material(c->ssl, out, sizeof(out), label, sizeof(label) - 1,
                                   (const unsigned char *)"", 0, 1) != 1)
        return sslx_raise_from_queue(c->st, NULL, "cannot export the channel binding",
                                     SSLX_HERE);
    return PyBytes_FromStringAndSize((const char *)out, sizeof(out));
}

/* The digest tls-server-end-point takes (RFC 5929, section 4.1): the hash
 * of the certificate's signature, MD5 and SHA-1 replaced by SHA-256.
 * Where the signature has no hash of its own (Ed25519, Ed448), RFC 5929
 * defines nothing; sslx takes OpenSSL's choice (RFC 8419: SHA-512 and
 * SHAKE256).  NULL with the OpenSSL queue set on failure. */
static ASN1_OCTET_STRING *
end_point_digest(X509 *cert)
{
    EVP_MD *used = NULL;
    ASN1_OCTET_STRING *digest = X509_digest_sig(cert, &used, NULL);
    if (digest != NULL && used != NULL && (EVP_MD_is_a(used, "MD5") || EVP_MD_is_a(used, "SHA1"))) {
        unsigned char buf[EVP_MAX_MD_SIZE];
        unsigned int len;
        EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
        if (sha256 == NULL || X509_digest(cert, sha256, buf, &len) != 1
            || ASN1_OCTET_STRING_set(digest, buf, (int)len) != 1) {
            ASN1_OCTET_STRING_free(digest);
            digest = NULL;
        }
        EVP_MD_free(sha256);
    }
    EVP_MD_free(used);
    return digest;
}

/* tls-server-end-point: the hash of the server's certificate (our own on
 * the server side, the peer's on the client side). */
static PyObject *
server_end_point_of(sslx_conn *c, void *arg)
{
    (void)arg;
    if (!SSL_is_init_finished(c->ssl))
        Py_RETURN_NONE;
    X509 *cert = c->server_side ? SSL_get_certificate(c->ssl) : SSL_get0_peer_certificate(c->ssl);
    if (cert == NULL)
        Py_RETURN_NONE;
    ERR_clear_error();
    ASN1_OCTET_STRING *digest = end_point_digest(cert);
    if (digest == NULL)
        return sslx_raise_from_queue(c->st, NULL,
                                     "cannot hash the server certificate for tls-server-end-point",
                                     SSLX_HERE);
    PyObject *result = PyBytes_FromStringAndSize((const char *)ASN1_STRING_get0_data(digest),
                                                 ASN1_STRING_length(digest));
    ASN1_OCTET_STRING_free(digest);
    return result;
}

PyObject *
sslx_conn_channel_binding(PyObject *self, const char *cb_type)
{
    if (strcmp(cb_type, "tls-exporter") == 0)
        return sslx_conn_query(self, tls_exporter_of, NULL, sslx_conn_answer_none);
    if (strcmp(cb_type, "tls-server-end-point") == 0)
        return sslx_conn_query(self, server_end_point_of, NULL, sslx_conn_answer_none);
    return PyErr_Format(PyExc_ValueError, "'%s' channel binding type not implemented", cb_type);
}
