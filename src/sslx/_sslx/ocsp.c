/* ocsp.c - OCSP stapling (RFC 6066 status_request; in TLS 1.3 the status
 * rides in the server's Certificate message).
 *
 * Server: set_ocsp_response() gives DER bytes, or a callable run per
 * handshake, stapled when the client asks.  Client: request_ocsp_stapling
 * asks for a staple, ocsp_response() returns it, and verify_ocsp_stapling
 * fails the handshake unless it is a valid, fresh response of the
 * certificate's issuer (or a responder the issuer delegated to) saying
 * "good" for the server's certificate.
 *
 * One OpenSSL status callback serves both sides.  It is installed on the
 * SSL_CTX when a feature is first turned on and never removed (the rule
 * of context_callbacks.c); with the feature off it does nothing. */
#include <pthread.h>
#include <string.h>
#include <openssl/ocsp.h>
#include "conn_features.h"
#include "context_features.h"
#include "errors.h"

/* Leeway for clocks that differ between us and the responder (seconds),
 * the value OpenSSL's own tools use. */
#define OCSP_CLOCK_SKEW (5 * 60)

/* ---- which client connections verify ----
 *
 * A client SSL* made while verify_ocsp_stapling was on carries a marker
 * under this ex_data index, so that turning the setting off or on later
 * changes only later connections.  The index is process-wide (OpenSSL's
 * indexes are) and taken once, because the callback reads it without
 * the GIL or a module at hand. */
static int verify_index = -1;
static pthread_once_t verify_index_once = PTHREAD_ONCE_INIT;
static char verify_marker;

static void
make_verify_index(void)
{
    verify_index = SSL_get_ex_new_index(0, "sslx OCSP verification", NULL, NULL, NULL);
}

static int
get_verify_index(void)
{
    pthread_once(&verify_index_once, make_verify_index);
    return verify_index;
}

/* ---- server: stapling ---- */

/* Staple a copy of `data` (OpenSSL takes ownership of the copy). */
static int
staple(SSL *ssl, const void *data, Py_ssize_t len)
{
    unsigned char *copy = OPENSSL_malloc((size_t)len);
    if (copy == NULL)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    memcpy(copy, data, (size_t)len);
    if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)len) != 1) {
        OPENSSL_free(copy);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

/* The response for this handshake (GIL held): bytes-like, None for no
 * staple, or NULL with an exception (the callable's, or TypeError). */
static PyObject *
response_for(sslx_context *self, SSL *ssl, PyObject *response)
{
    if (!PyCallable_Check(response))
        return Py_NewRef(response);     /* bytes, checked when set */
    PyObject *conn = SSL_get_ex_data(ssl, SSLX_CONTEXT_STATE(self)->ssl_ex_index);
    if (conn == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the OCSP response callback has no connection to be called with");
        return NULL;
    }
    Py_INCREF(conn);
    PyObject *result = PyObject_CallOneArg(response, conn);
    Py_DECREF(conn);
    if (result != NULL && result != Py_None
        && (PyUnicode_Check(result) || !PyObject_CheckBuffer(result))) {
        PyErr_Format(PyExc_TypeError,
                     "the OCSP response callback must return bytes or None, not %.100s",
                     sslx_arg_type_name(result));
        Py_CLEAR(result);
    }
    return result;
}

/* GIL held.  An exception of the callable cannot propagate through
 * OpenSSL: it is reported as unraisable and fails the handshake, like
 * one of the SNI callback. */
static int
server_status_with_gil(SSL *ssl)
{
    sslx_context *self = sslx_context_from_ctx(SSL_get_SSL_CTX(ssl));
    if (self == NULL || self->ocsp_response == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    Py_INCREF(self);
    PyObject *response = Py_NewRef(self->ocsp_response);   /* may be replaced meanwhile */
    PyObject *result = response_for(self, ssl, response);
    Py_buffer view;
    int rc = SSL_TLSEXT_ERR_NOACK;
    if (result == NULL || (result != Py_None && PyObject_GetBuffer(result, &view, PyBUF_SIMPLE) < 0)) {
        PyErr_WriteUnraisable(response);
        rc = SSL_TLSEXT_ERR_ALERT_FATAL;
    } else if (result != Py_None) {
        if (view.len > 0)
            rc = staple(ssl, view.buf, view.len);
        PyBuffer_Release(&view);
    }
    Py_XDECREF(result);
    Py_DECREF(response);
    Py_DECREF(self);
    return rc;
}

static int
server_status(SSL *ssl)
{
    PyObject *type, *value, *tb;
    PyGILState_STATE gil = PyGILState_Ensure();
    /* An exception a message callback left for the engine stays aside
     * while Python code runs here. */
    PyErr_Fetch(&type, &value, &tb);
    int rc = server_status_with_gil(ssl);
    if (type != NULL)
        PyErr_Restore(type, value, tb);
    PyGILState_Release(gil);
    return rc;
}

/* ---- client: checking the staple ---- */

typedef struct {
    long code;              /* X509_V_ERR_* */
    const char *message;    /* the verify_message */
} verdict;

static int
refuse(verdict *v, long code, const char *message)
{
    v->code = code;
    v->message = message;
    return 0;
}

/* The single response about `leaf` (issued by `issuer`), matched with
 * the hash algorithm each entry's certificate id uses. */
static OCSP_SINGLERESP *
find_single(OCSP_BASICRESP *basic, X509 *leaf, X509 *issuer)
{
    int n = OCSP_resp_count(basic);
    for (int i = 0; i < n; i++) {
        OCSP_SINGLERESP *single = OCSP_resp_get0(basic, i);
        OCSP_CERTID *id = (OCSP_CERTID *)OCSP_SINGLERESP_get0_id(single);
        ASN1_OBJECT *md_oid = NULL;
        if (id == NULL || OCSP_id_get0_info(NULL, &md_oid, NULL, NULL, id) != 1)
            continue;
        const EVP_MD *md = EVP_get_digestbyobj(md_oid);
        OCSP_CERTID *ours = md != NULL ? OCSP_cert_to_id(md, leaf, issuer) : NULL;
        int match = ours != NULL && OCSP_id_cmp(ours, id) == 0;
        OCSP_CERTID_free(ours);
        if (match)
            return single;
    }
    return NULL;
}

/* What the response says about the leaf: 1 good, 0 refused (v set). */
static int
check_status(OCSP_BASICRESP *basic, X509 *leaf, X509 *issuer, verdict *v)
{
    int reason;
    ASN1_GENERALIZEDTIME *revoked_at, *this_update, *next_update;
    OCSP_SINGLERESP *single = find_single(basic, leaf, issuer);
    if (single == NULL)
        return refuse(v, X509_V_ERR_OCSP_CERT_UNKNOWN,
                      "the stapled OCSP response says nothing about the server's certificate");
    int status = OCSP_single_get0_status(single, &reason, &revoked_at, &this_update,
                                         &next_update);
    if (OCSP_check_validity(this_update, next_update, OCSP_CLOCK_SKEW, -1) != 1)
        return refuse(v, X509_V_ERR_OCSP_VERIFY_FAILED,
                      "the stapled OCSP response is expired or not yet valid");
    switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
        return 1;
    case V_OCSP_CERTSTATUS_REVOKED:
        return refuse(v, X509_V_ERR_CERT_REVOKED,
                      "certificate revoked (stapled OCSP response)");
    default:
        return refuse(v, X509_V_ERR_OCSP_CERT_UNKNOWN,
                      "the stapled OCSP response gives the certificate's status as unknown");
    }
}

/* Signed by the leaf's issuer or a responder it delegated to, whose
 * chain ends in a CA of `store`; then the leaf's status.  1 or 0. */
static int
check_basic(OCSP_BASICRESP *basic, STACK_OF(X509) *chain, X509_STORE *store, verdict *v)
{
    X509 *leaf = sk_X509_value(chain, 0);
    X509 *issuer = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : leaf;
    if (OCSP_basic_verify(basic, chain, store, 0) != 1)
        return refuse(v, X509_V_ERR_OCSP_VERIFY_FAILED,
                      "the stapled OCSP response is not signed by the certificate's issuer "
                      "or a responder it authorized");
    return check_status(basic, leaf, issuer, v);
}

/* The whole check of the staple on `ssl`, without the GIL: 1 accepted,
 * 0 refused (v says why). */
static int
check_staple(SSL *ssl, X509_STORE *store, verdict *v)
{
    const unsigned char *der = NULL;
    long len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
    if (der == NULL || len <= 0)
        return refuse(v, X509_V_ERR_OCSP_VERIFY_NEEDED,
                      "the server did not staple an OCSP response");
    STACK_OF(X509) *chain = SSL_get0_verified_chain(ssl);
    if (chain == NULL || sk_X509_num(chain) < 1)
        return refuse(v, X509_V_ERR_OCSP_VERIFY_NEEDED,
                      "no verified certificate chain to check the OCSP response against");
    OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &der, len);
    if (resp == NULL)
        return refuse(v, X509_V_ERR_OCSP_VERIFY_FAILED,
                      "the stapled OCSP response cannot be decoded");
    int ok;
    OCSP_BASICRESP *basic = NULL;
    if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        ok = refuse(v, X509_V_ERR_OCSP_VERIFY_FAILED,
                    "the stapled OCSP response reports a responder error");
    else if ((basic = OCSP_response_get1_basic(resp)) == NULL)
        ok = refuse(v, X509_V_ERR_OCSP_VERIFY_FAILED,
                    "the stapled OCSP response cannot be decoded");
    else
        ok = check_basic(basic, chain, store, v);
    OCSP_BASICRESP_free(basic);
    OCSP_RESPONSE_free(resp);
    return ok;
}

/* A refused staple, with the GIL: SSLCertVerificationError for the
 * engine to raise when the handshake call returns (unless a callback
 * already left an exception, which then stays the cause). */
static void
raise_refusal(SSL *ssl, const verdict *v)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    sslx_context *self = sslx_context_from_ctx(SSL_get_SSL_CTX(ssl));
    if (self != NULL && !PyErr_Occurred())
        sslx_raise_verify_failure(SSLX_CONTEXT_STATE(self), v->code, v->message, SSLX_HERE);
    PyGILState_Release(gil);
}

static int
client_status(SSL *ssl)
{
    int index = get_verify_index();
    if (index < 0 || SSL_get_ex_data(ssl, index) != &verify_marker)
        return 1;       /* asked for a staple, not for checking it */
    verdict v = {0, NULL};
    /* The store stays ours while we look (another thread may give the
     * context a private copy meanwhile). */
    X509_STORE *store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
    if (store == NULL || X509_STORE_up_ref(store) != 1)
        return -1;
    int ok = check_staple(ssl, store, &v);
    X509_STORE_free(store);
    ERR_clear_error();
    if (ok)
        return 1;
    SSL_set_verify_result(ssl, v.code);
    raise_refusal(ssl, &v);
    return 0;
}

/* The status callback of both sides (no GIL: each side takes it when it
 * needs Python). */
static int
status_cb(SSL *ssl, void *arg)
{
    (void)arg;
    return SSL_is_server(ssl) ? server_status(ssl) : client_status(ssl);
}

static int
install_status_cb(sslx_context *self)
{
    ERR_clear_error();
    if (SSL_CTX_set_tlsext_status_cb(self->ctx, status_cb) != 1) {
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL,
                              "cannot install the OCSP status callback", SSLX_HERE);
        return -1;
    }
    return 0;
}

/* ---- SSLContext ---- */

/* A DER OCSP response, whole (no trailing bytes). */
static int
is_ocsp_response(const unsigned char *data, Py_ssize_t len)
{
    const unsigned char *p = data;
    OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
    int ok = resp != NULL && p == data + len;
    OCSP_RESPONSE_free(resp);
    ERR_clear_error();
    return ok;
}

/* The bytes to staple, checked and copied (a bytearray could change). */
static PyObject *
checked_response(PyObject *response)
{
    Py_buffer view;
    if (PyObject_GetBuffer(response, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *copy = NULL;
    if (view.len == 0 || view.len > LONG_MAX)
        PyErr_SetString(PyExc_ValueError, "the OCSP response cannot be empty");
    else if (!is_ocsp_response(view.buf, view.len))
        PyErr_SetString(PyExc_ValueError, "response is not a DER-encoded OCSP response");
    else
        copy = PyBytes_FromStringAndSize(view.buf, view.len);
    PyBuffer_Release(&view);
    return copy;
}

PyObject *
sslx_context_set_ocsp_response(sslx_context *self, PyObject *response)
{
    PyObject *value;
    if (response == Py_None) {
        Py_CLEAR(self->ocsp_response);
        Py_RETURN_NONE;
    }
    if (!PyUnicode_Check(response) && PyObject_CheckBuffer(response)) {
        value = checked_response(response);
    } else if (PyCallable_Check(response)) {
        value = Py_NewRef(response);
    } else {
        PyErr_Format(PyExc_TypeError,
                     "response must be bytes, a callable or None, not %.100s",
                     sslx_arg_type_name(response));
        return NULL;
    }
    if (value == NULL || install_status_cb(self) < 0) {
        Py_XDECREF(value);
        return NULL;
    }
    Py_XSETREF(self->ocsp_response, value);
    Py_RETURN_NONE;
}

/* A boolean attribute (TypeError on deletion, truth value otherwise). */
static int
flag_value(PyObject *value, const char *name)
{
    if (value == NULL) {
        PyErr_Format(PyExc_AttributeError,
                     "attribute '%s' of 'SSLContext' objects cannot be deleted", name);
        return -1;
    }
    return PyObject_IsTrue(value);
}

PyObject *
sslx_context_get_request_ocsp(sslx_context *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(self->ocsp_request);
}

int
sslx_context_set_request_ocsp(sslx_context *self, PyObject *value, void *closure)
{
    (void)closure;
    int on = flag_value(value, "request_ocsp_stapling");
    if (on < 0 || (on && install_status_cb(self) < 0))
        return -1;
    self->ocsp_request = (unsigned char)on;
    return 0;
}

PyObject *
sslx_context_get_verify_ocsp(sslx_context *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(self->ocsp_verify);
}

int
sslx_context_set_verify_ocsp(sslx_context *self, PyObject *value, void *closure)
{
    (void)closure;
    int on = flag_value(value, "verify_ocsp_stapling");
    if (on < 0 || (on && install_status_cb(self) < 0))
        return -1;
    self->ocsp_verify = (unsigned char)on;
    return 0;
}

/* verify_ocsp_stapling implies asking for a staple. */
int
sslx_ocsp_configure_client(sslx_context *self, SSL *ssl)
{
    if (!self->ocsp_request && !self->ocsp_verify)
        return 0;
    ERR_clear_error();
    int index = self->ocsp_verify ? get_verify_index() : 0;
    if (SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp) != 1
        || (self->ocsp_verify && (index < 0 || SSL_set_ex_data(ssl, index, &verify_marker) != 1))) {
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "cannot request OCSP stapling",
                              SSLX_HERE);
        return -1;
    }
    return 0;
}

/* ---- the connections' ocsp_response() ---- */

/* The staple the client received (on the server side: the one it sent). */
static PyObject *
staple_of(sslx_conn *c, void *arg)
{
    (void)arg;
    const unsigned char *der = NULL;
    long len = SSL_get_tlsext_status_ocsp_resp(c->ssl, &der);
    if (der == NULL || len <= 0)
        Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)der, (Py_ssize_t)len);
}

PyObject *
sslx_conn_py_ocsp_response(PyObject *self, PyObject *unused)
{
    (void)unused;
    return sslx_conn_query(self, staple_of, NULL, sslx_conn_answer_none);
}
