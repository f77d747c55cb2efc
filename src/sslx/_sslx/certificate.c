/* certificate.c - Certificate objects.  The type is created the first
 * time a chain is asked for (st->Certificate_Type), from the module that
 * owns SSLObject, so module exec needs no extra hook. */
#include "certificate.h"
#include "certdecode.h"
#include "constants.h"

typedef struct {
    PyObject_HEAD
    X509 *cert;
} sslx_certificate;

static PyObject *
certificate_public_bytes(sslx_certificate *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"format", NULL};
    int format = SSLX_ENCODING_PEM;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|i:public_bytes", kwlist, &format))
        return NULL;
    sslx_state *st = sslx_state_from_type(Py_TYPE(self));
    if (st == NULL)
        return NULL;
    if (format == SSLX_ENCODING_DER)
        return sslx_cert_to_der(st, self->cert);
    if (format != SSLX_ENCODING_PEM) {
        PyErr_SetString(PyExc_ValueError, "Unsupported format");
        return NULL;
    }
    PyObject *result = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    if (bio == NULL || PEM_write_bio_X509(bio, self->cert) != 1) {
        ERR_clear_error();
        PyErr_NoMemory();
        goto done;
    }
    long len = BIO_get_mem_data(bio, &data);
    result = PyUnicode_DecodeASCII(data, len, "strict");
done:
    BIO_free(bio);
    return result;
}

static PyObject *
certificate_get_info(sslx_certificate *self, PyObject *unused)
{
    (void)unused;
    sslx_state *st = sslx_state_from_type(Py_TYPE(self));
    return st ? sslx_cert_to_dict(st, self->cert) : NULL;
}

/* <sslx.Certificate 'CN=...,O=...'>: the subject in RFC 2253 order. */
static PyObject *
certificate_repr(sslx_certificate *self)
{
    PyObject *result = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
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

static PyObject *
certificate_richcompare(PyObject *a, PyObject *b, int op)
{
    if (Py_TYPE(a) != Py_TYPE(b) || (op != Py_EQ && op != Py_NE))
        Py_RETURN_NOTIMPLEMENTED;
    int equal = X509_cmp(((sslx_certificate *)a)->cert, ((sslx_certificate *)b)->cert) == 0;
    return PyBool_FromLong(op == Py_EQ ? equal : !equal);
}

/* Equal certificates have equal subjects. */
static Py_hash_t
certificate_hash(sslx_certificate *self)
{
    Py_hash_t h = (Py_hash_t)X509_subject_name_hash(self->cert);
    return h == -1 ? -2 : h;
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
    {"public_bytes", (PyCFunction)(void (*)(void))certificate_public_bytes,
     METH_VARARGS | METH_KEYWORDS,
     "public_bytes($self, /, format=sslx.ENCODING_PEM)\n--\n\n"
     "Return the certificate as PEM text (str) with format ENCODING_PEM, or\n"
     "as DER bytes with ENCODING_DER.  Raises ValueError for other formats."},
    {"get_info", (PyCFunction)certificate_get_info, METH_NOARGS,
     "get_info($self, /)\n--\n\n"
     "Return the certificate's fields as a dict, in the form of\n"
     "getpeercert()'s result."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot certificate_slots[] = {
    {Py_tp_doc, "An X.509 certificate, as the chains of a connection's _sslobj hold\n"
                "them.  Not created directly; equal when the certificates are."},
    {Py_tp_dealloc, certificate_dealloc},
    {Py_tp_repr, certificate_repr},
    {Py_tp_richcompare, certificate_richcompare},
    {Py_tp_hash, certificate_hash},
    {Py_tp_methods, certificate_methods},
    {0, NULL},
};

static PyType_Spec certificate_spec = {
    .name = "sslx.Certificate",
    .basicsize = sizeof(sslx_certificate),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = certificate_slots,
};

static PyTypeObject *
certificate_type(sslx_state *st)
{
    if (st->Certificate_Type == NULL) {
        PyObject *module = PyType_GetModule(st->SSLObject_Type);
        if (module == NULL)
            return NULL;
        st->Certificate_Type = (PyTypeObject *)PyType_FromModuleAndSpec(module,
                                                                        &certificate_spec,
                                                                        NULL);
    }
    return st->Certificate_Type;
}

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

PyObject *
sslx_certificate_list(sslx_state *st, STACK_OF(X509) *chain, X509 *first)
{
    PyTypeObject *type = certificate_type(st);
    if (type == NULL)
        return NULL;
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
