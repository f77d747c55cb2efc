/* certificate.c - sslx.Certificate: a read-only X.509 certificate.
 *
 * It is the stdlib's private _ssl.Certificate (the items of the private
 * _sslobj.get_verified_chain()/get_unverified_chain(): public_bytes(),
 * get_info()) made public [bpo-18233]: made from PEM or DER, with the
 * fields programs ask for most, a fingerprint, equality and hashing by
 * DER.  The certificates the public API hands out as DER bytes
 * (get_verified_chain(), get_ca_certs(binary_form=True),
 * getpeercert(binary_form=True)) become one with Certificate.from_der(). */
#include <openssl/pem.h>
#include "certificate.h"
#include "certdecode.h"
#include "constants.h"
#include "errors.h"

typedef struct {
    PyObject_HEAD
    X509 *cert;
} sslx_certificate;

static PyObject *
certificate_new(PyTypeObject *type, X509 *cert)
{
    sslx_certificate *self = PyObject_New(sslx_certificate, type);
    if (self == NULL)
        return NULL;
    if (X509_up_ref(cert) != 1) {
        self->cert = NULL;
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->cert = cert;
    return (PyObject *)self;
}

/* A new Certificate owning `cert` (taken over, also on failure). */
static PyObject *
certificate_adopt(PyTypeObject *type, X509 *cert)
{
    PyObject *result = certificate_new(type, cert);
    X509_free(cert);
    return result;
}

static sslx_state *
state_of(PyObject *self)
{
    return sslx_state_from_type(Py_TYPE(self));
}

/* ---- construction from PEM and DER ---- */

/* ValueError for data that is not a certificate, with OpenSSL's reason. */
static PyObject *
raise_not_a_certificate(const char *what)
{
    unsigned long err = ERR_peek_last_error();
    const char *reason = err ? ERR_reason_error_string(err) : NULL;
    ERR_clear_error();
    if (reason != NULL)
        return PyErr_Format(PyExc_ValueError, "%s (%s)", what, reason);
    PyErr_SetString(PyExc_ValueError, what);
    return NULL;
}

/* The bytes of `data`: a str (ASCII, for PEM) or a bytes-like object. */
static int
data_view(PyObject *data, int allow_str, Py_buffer *view, PyObject **ascii)
{
    *ascii = NULL;
    if (PyUnicode_Check(data)) {
        if (!allow_str) {
            PyErr_SetString(PyExc_TypeError, "DER data must be a bytes-like object, not str");
            return -1;
        }
        *ascii = PyUnicode_AsASCIIString(data);
        if (*ascii == NULL)
            return -1;
        data = *ascii;
    }
    if (PyObject_GetBuffer(data, view, PyBUF_SIMPLE) < 0) {
        Py_CLEAR(*ascii);
        return -1;
    }
    if (view->len > INT_MAX) {
        PyBuffer_Release(view);
        Py_CLEAR(*ascii);
        PyErr_SetString(PyExc_ValueError, "certificate data is too long");
        return -1;
    }
    return 0;
}

/* Certificate.from_pem(data): the first certificate of PEM text. */
static PyObject *
certificate_from_pem(PyObject *cls, PyObject *data)
{
    Py_buffer view;
    PyObject *ascii;
    sslx_state *st = sslx_state_from_type((PyTypeObject *)cls);
    if (st == NULL || data_view(data, 1, &view, &ascii) < 0)
        return NULL;
    ERR_clear_error();
    BIO *bio = BIO_new_mem_buf(view.buf, (int)view.len);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    PyBuffer_Release(&view);
    Py_XDECREF(ascii);
    if (cert == NULL)
        return raise_not_a_certificate("no PEM certificate found in data");
    return certificate_adopt(st->Certificate_Type, cert);
}

/* Certificate.from_der(data): exactly one DER certificate. */
static PyObject *
certificate_from_der(PyObject *cls, PyObject *data)
{
    Py_buffer view;
    PyObject *ascii;
    sslx_state *st = sslx_state_from_type((PyTypeObject *)cls);
    if (st == NULL || data_view(data, 0, &view, &ascii) < 0)
        return NULL;
    const unsigned char *p = view.buf;
    ERR_clear_error();
    X509 *cert = d2i_X509(NULL, &p, (long)view.len);
    int trailing = cert != NULL && p != (const unsigned char *)view.buf + view.len;
    PyBuffer_Release(&view);
    if (cert == NULL)
        return raise_not_a_certificate("data is not a DER certificate");
    if (trailing) {
        X509_free(cert);
        PyErr_SetString(PyExc_ValueError, "data has bytes after the DER certificate");
        return NULL;
    }
    return certificate_adopt(st->Certificate_Type, cert);
}

/* ---- methods ---- */

static PyObject *
pem_text(sslx_state *st, X509 *cert)
{
    PyObject *result = NULL;
    char *data;
    ERR_clear_error();
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1) {
        sslx_raise_from_queue(st, NULL, "cannot encode the certificate as PEM", SSLX_HERE);
        goto done;
    }
    long len = BIO_get_mem_data(bio, &data);
    result = PyUnicode_DecodeASCII(data, len, "strict");
done:
    BIO_free(bio);
    return result;
}

/* public_bytes(encoding=ENCODING_PEM): PEM text (str) or DER bytes.  The
 * stdlib's private class names the argument `format`; both work. */
static PyObject *
certificate_public_bytes(sslx_certificate *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"encoding", "format", NULL};
    PyObject *encoding_obj = NULL, *format_obj = NULL;
    if (PyTuple_GET_SIZE(args) > 1) {   /* the stdlib's words for it */
        PyErr_Format(PyExc_TypeError, "public_bytes() takes at most 1 argument (%zd given)",
                     PyTuple_GET_SIZE(args));
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$O:public_bytes", kwlist, &encoding_obj,
                                     &format_obj))
        return NULL;
    if (format_obj == Py_None)
        format_obj = NULL;
    if (encoding_obj != NULL && format_obj != NULL) {
        PyErr_SetString(PyExc_TypeError, "public_bytes() takes encoding or format, not both");
        return NULL;
    }
    PyObject *given = encoding_obj != NULL ? encoding_obj : format_obj;
    int encoding = SSLX_ENCODING_PEM;
    if (given != NULL) {
        long value = PyLong_AsLong(given);     /* TypeError, OverflowError as the stdlib */
        if (value == -1 && PyErr_Occurred())
            return NULL;
        if (value < INT_MIN || value > INT_MAX) {
            PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C int");
            return NULL;
        }
        encoding = (int)value;
    }
    sslx_state *st = state_of((PyObject *)self);
    if (st == NULL)
        return NULL;
    if (encoding == SSLX_ENCODING_DER)
        return sslx_cert_to_der(st, self->cert);
    if (encoding == SSLX_ENCODING_PEM)
        return pem_text(st, self->cert);
    PyErr_SetString(PyExc_ValueError, "Unsupported format");
    return NULL;
}

static PyObject *
certificate_get_info(sslx_certificate *self, PyObject *unused)
{
    (void)unused;
    sslx_state *st = state_of((PyObject *)self);
    return st ? sslx_cert_to_dict(st, self->cert) : NULL;
}

/* fingerprint(algorithm="sha256"): the digest of the DER encoding. */
static PyObject *
certificate_fingerprint(sslx_certificate *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"algorithm", NULL};
    const char *name = "sha256";
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|s:fingerprint", kwlist, &name))
        return NULL;
    ERR_clear_error();
    EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
    if (md == NULL || (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF)) {
        EVP_MD_free(md);
        ERR_clear_error();
        return PyErr_Format(PyExc_ValueError, "unsupported hash type %s", name);
    }
    int ok = X509_digest(self->cert, md, buf, &len) == 1;
    EVP_MD_free(md);
    if (!ok)
        return sslx_raise_from_queue(state_of((PyObject *)self), NULL,
                                     "cannot digest the certificate", SSLX_HERE);
    return PyBytes_FromStringAndSize((const char *)buf, len);
}

/* Pickling and copying go through the DER encoding. */
static PyObject *
certificate_reduce(sslx_certificate *self, PyObject *unused)
{
    (void)unused;
    sslx_state *st = state_of((PyObject *)self);
    if (st == NULL)
        return NULL;
    PyObject *der = sslx_cert_to_der(st, self->cert);
    PyObject *from_der = PyObject_GetAttrString((PyObject *)Py_TYPE(self), "from_der");
    PyObject *result = NULL;
    if (der != NULL && from_der != NULL)
        result = Py_BuildValue("(O(O))", from_der, der);
    Py_XDECREF(der);
    Py_XDECREF(from_der);
    return result;
}

/* ---- attributes ---- */

/* One entry of the getpeercert() dict; `fallback` when it is absent. */
static PyObject *
info_item(sslx_certificate *self, const char *key, PyObject *fallback)
{
    PyObject *info = certificate_get_info(self, NULL);
    if (info == NULL)
        return NULL;
    PyObject *value = PyDict_GetItemString(info, key);
    PyObject *result = value ? Py_NewRef(value) : Py_XNewRef(fallback);
    Py_DECREF(info);
    if (result == NULL)
        PyErr_Format(PyExc_AttributeError, "certificate has no %s", key);
    return result;
}

static PyObject *
certificate_get_subject(sslx_certificate *self, void *closure)
{
    (void)closure;
    return info_item(self, "subject", NULL);
}

static PyObject *
certificate_get_issuer(sslx_certificate *self, void *closure)
{
    (void)closure;
    return info_item(self, "issuer", NULL);
}

static PyObject *
certificate_get_subject_alt_names(sslx_certificate *self, void *closure)
{
    (void)closure;
    PyObject *none = PyTuple_New(0);
    if (none == NULL)
        return NULL;
    PyObject *result = info_item(self, "subjectAltName", none);
    Py_DECREF(none);
    return result;
}

static PyObject *
certificate_get_serial_number(sslx_certificate *self, void *closure)
{
    (void)closure;
    ERR_clear_error();
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(self->cert), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    BN_free(bn);
    if (hex == NULL)
        return sslx_raise_from_queue(state_of((PyObject *)self), NULL,
                                     "cannot read the serial number", SSLX_HERE);
    PyObject *result = PyLong_FromString(hex, NULL, 16);
    OPENSSL_free(hex);
    return result;
}

/* An ASN.1 time as a timezone-aware datetime in UTC. */
static PyObject *
utc_datetime(sslx_certificate *self, const ASN1_TIME *t)
{
    struct tm tm;
    ERR_clear_error();
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return sslx_raise_from_queue(state_of((PyObject *)self), NULL,
                                     "the certificate has an invalid time", SSLX_HERE);
    PyObject *mod = PyImport_ImportModule("datetime");
    if (mod == NULL)
        return NULL;
    PyObject *result = NULL;
    PyObject *cls = PyObject_GetAttrString(mod, "datetime");
    PyObject *tz = PyObject_GetAttrString(mod, "timezone");
    PyObject *utc = tz ? PyObject_GetAttrString(tz, "utc") : NULL;
    PyObject *args = Py_BuildValue("(iiiiii)", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                   tm.tm_hour, tm.tm_min, tm.tm_sec);
    PyObject *kwargs = utc ? Py_BuildValue("{sO}", "tzinfo", utc) : NULL;
    if (cls != NULL && args != NULL && kwargs != NULL)
        result = PyObject_Call(cls, args, kwargs);
    Py_XDECREF(kwargs);
    Py_XDECREF(args);
    Py_XDECREF(utc);
    Py_XDECREF(tz);
    Py_XDECREF(cls);
    Py_DECREF(mod);
    return result;
}

static PyObject *
certificate_get_not_before(sslx_certificate *self, void *closure)
{
    (void)closure;
    return utc_datetime(self, X509_get0_notBefore(self->cert));
}

static PyObject *
certificate_get_not_after(sslx_certificate *self, void *closure)
{
    (void)closure;
    return utc_datetime(self, X509_get0_notAfter(self->cert));
}

/* The SubjectPublicKeyInfo, DER. */
static PyObject *
certificate_get_public_key_der(sslx_certificate *self, void *closure)
{
    (void)closure;
    unsigned char *der = NULL;
    ERR_clear_error();
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(self->cert), &der);
    if (len < 0)
        return sslx_raise_from_queue(state_of((PyObject *)self), NULL,
                                     "cannot encode the public key", SSLX_HERE);
    PyObject *result = PyBytes_FromStringAndSize((const char *)der, len);
    OPENSSL_free(der);
    return result;
}

/* A CA certificate by its basicConstraints (cA TRUE). */
static PyObject *
certificate_get_is_ca(sslx_certificate *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong((X509_get_extension_flags(self->cert) & EXFLAG_CA) != 0);
}

/* ---- identity: the DER encoding ---- */

/* SHA-1 of the DER encoding, which OpenSSL computes once per
 * certificate; 0 when it cannot. */
static int
sha1_of(X509 *cert, unsigned char out[20])
{
    unsigned int len = 0;
    int ok = X509_digest(cert, EVP_sha1(), out, &len) == 1 && len == 20;
    ERR_clear_error();
    return ok;
}

static int
same_der(X509 *a, X509 *b)
{
    unsigned char *da = NULL, *db = NULL;
    int la = i2d_X509(a, &da), lb = i2d_X509(b, &db);
    int same = la >= 0 && la == lb && memcmp(da, db, (size_t)la) == 0;
    OPENSSL_free(da);
    OPENSSL_free(db);
    ERR_clear_error();
    return same;
}

static PyObject *
certificate_richcompare(PyObject *a, PyObject *b, int op)
{
    if (Py_TYPE(a) != Py_TYPE(b) || (op != Py_EQ && op != Py_NE))
        Py_RETURN_NOTIMPLEMENTED;
    X509 *x = ((sslx_certificate *)a)->cert, *y = ((sslx_certificate *)b)->cert;
    unsigned char hx[20], hy[20];
    int equal = x == y;
    if (!equal && sha1_of(x, hx) && sha1_of(y, hy))
        equal = memcmp(hx, hy, sizeof(hx)) == 0 && same_der(x, y);
    else if (!equal)
        equal = same_der(x, y);
    return PyBool_FromLong(op == Py_EQ ? equal : !equal);
}

static Py_hash_t
certificate_hash(sslx_certificate *self)
{
    unsigned char h[20];
    Py_hash_t result = 0;
    if (sha1_of(self->cert, h))
        memcpy(&result, h, sizeof(result));
    else
        result = (Py_hash_t)X509_subject_name_hash(self->cert);
    return result == -1 ? -2 : result;
}

/* <sslx.Certificate 'CN=...,O=...'>: the subject in RFC 2253 order. */
static PyObject *
certificate_repr(sslx_certificate *self)
{
    PyObject *result = NULL;
    char *data;
    ERR_clear_error();
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL
        || X509_NAME_print_ex(bio, X509_get_subject_name(self->cert), 0, XN_FLAG_RFC2253) < 0) {
        ERR_clear_error();
        PyErr_NoMemory();
        goto done;
    }
    long len = BIO_get_mem_data(bio, &data);
    PyObject *subject = PyUnicode_DecodeUTF8(data, len, "replace");
    if (subject != NULL) {
        result = PyUnicode_FromFormat("<%s %R>", Py_TYPE(self)->tp_name, subject);
        Py_DECREF(subject);
    }
done:
    BIO_free(bio);
    return result;
}

static void
certificate_dealloc(sslx_certificate *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    X509_free(self->cert);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef certificate_methods[] = {
    {"from_pem", (PyCFunction)certificate_from_pem, METH_O | METH_CLASS,
     "from_pem($type, data, /)\n--\n\n"
     "The first certificate of PEM data (str or bytes-like)."},
    {"from_der", (PyCFunction)certificate_from_der, METH_O | METH_CLASS,
     "from_der($type, data, /)\n--\n\n"
     "The certificate of DER data (bytes-like), which must hold exactly one."},
    {"public_bytes", (PyCFunction)(void (*)(void))certificate_public_bytes,
     METH_VARARGS | METH_KEYWORDS,
     "public_bytes($self, /, encoding=sslx.ENCODING_PEM, *, format=None)\n--\n\n"
     "Return the certificate as PEM text (str) with ENCODING_PEM, or as DER\n"
     "bytes with ENCODING_DER.  Raises ValueError for other encodings.  The\n"
     "stdlib's private class names the argument format (by position only);\n"
     "sslx takes either name."},
    {"get_info", (PyCFunction)certificate_get_info, METH_NOARGS,
     "get_info($self, /)\n--\n\n"
     "Return the certificate's fields as a dict, in the form of\n"
     "getpeercert()'s result."},
    {"fingerprint", (PyCFunction)(void (*)(void))certificate_fingerprint,
     METH_VARARGS | METH_KEYWORDS,
     "fingerprint($self, /, algorithm='sha256')\n--\n\n"
     "The digest of the DER encoding with a hash OpenSSL knows by that name."},
    {"__reduce__", (PyCFunction)certificate_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef certificate_getset[] = {
    {"subject", (getter)certificate_get_subject, NULL,
     "The subject, as getpeercert() gives it (a tuple of RDNs).", NULL},
    {"issuer", (getter)certificate_get_issuer, NULL,
     "The issuer, as getpeercert() gives it.", NULL},
    {"serial_number", (getter)certificate_get_serial_number, NULL,
     "The serial number (int).", NULL},
    {"not_valid_before", (getter)certificate_get_not_before, NULL,
     "Start of the validity period (datetime, UTC).", NULL},
    {"not_valid_after", (getter)certificate_get_not_after, NULL,
     "End of the validity period (datetime, UTC).", NULL},
    {"subject_alt_names", (getter)certificate_get_subject_alt_names, NULL,
     "The subjectAltName entries as getpeercert() gives them (a tuple of pairs).", NULL},
    {"public_key_der", (getter)certificate_get_public_key_der, NULL,
     "The SubjectPublicKeyInfo, DER-encoded (bytes).", NULL},
    {"is_ca", (getter)certificate_get_is_ca, NULL,
     "Whether basicConstraints marks the certificate as a CA's.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot certificate_slots[] = {
    {Py_tp_dealloc, certificate_dealloc},
    {Py_tp_repr, certificate_repr},
    {Py_tp_richcompare, certificate_richcompare},
    {Py_tp_hash, certificate_hash},
    {Py_tp_methods, certificate_methods},
    {Py_tp_getset, certificate_getset},
    {Py_tp_doc, "An X.509 certificate (read-only).\n\n"
                "Made with Certificate.from_pem() or Certificate.from_der(), or found\n"
                "in the private chains of a connection.  Equal and hashed by its DER\n"
                "encoding."},
    {0, NULL},
};

static PyType_Spec certificate_spec = {
    .name = "sslx.Certificate",
    .basicsize = sizeof(sslx_certificate),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = certificate_slots,
};

int
sslx_certificate_setup(PyObject *module, sslx_state *st)
{
    st->Certificate_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &certificate_spec,
                                                                    NULL);
    if (st->Certificate_Type == NULL)
        return -1;
    return PyModule_AddType(module, st->Certificate_Type);
}

PyObject *
sslx_certificate_list(sslx_state *st, STACK_OF(X509) *chain, X509 *first)
{
    PyTypeObject *type = st->Certificate_Type;
    if (type == NULL) {
        PyErr_SetString(PyExc_SystemError, "sslx.Certificate is not set up");
        return NULL;
    }
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return NULL;
    int n = chain ? sk_X509_num(chain) : 0;
    for (int i = first ? -1 : 0; i < n; i++) {
        PyObject *item = certificate_new(type, i < 0 ? first : sk_X509_value(chain, i));
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(item);
    }
    return list;
}
