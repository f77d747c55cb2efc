/* context_credentials.c - a context's own certificate and key from
 * memory: load_cert_chain(..., certdata=, keydata=) and load_pkcs12().
 * No temporary files: the bytes are parsed where they are.
 *
 * The discipline is load_cert_chain()'s (context_load.c): everything is
 * parsed and keys are decrypted with the GIL released, into objects no
 * connection can see yet; they move into the SSL_CTX with the GIL held,
 * because SSL_new() (always called with the GIL) copies the context's
 * certificate and key without a lock. */
#include <errno.h>
#include <string.h>
#include <openssl/decoder.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include "context_features.h"
#include "errors.h"

/* The longest password taken from a callable (the stdlib's limit). */
#define PASSWORD_MAX 1024

/* ---- where certificates and keys come from ---- */

typedef struct {
    PyObject *arg;          /* the argument as given (OSError's filename) */
    PyObject *path;         /* a file: its name as bytes; NULL for memory */
    Py_buffer view;         /* memory given as a bytes-like object */
    int has_view;
    const char *data;       /* memory: the bytes */
    Py_ssize_t len;
    int pem;                /* PEM text (files always) rather than DER */
} cred_source;

static void
source_release(cred_source *s)
{
    if (s->has_view)
        PyBuffer_Release(&s->view);
    s->has_view = 0;
    Py_CLEAR(s->path);
}

/* certdata/keydata: PEM as an ASCII str, or bytes-like holding PEM or
 * DER.  DER certificates and keys are ASN.1 SEQUENCEs, whose first byte
 * is 0x30; PEM text never starts with it. */
static int
source_from_data(cred_source *s, PyObject *obj, const char *what, const char *empty)
{
    memset(s, 0, sizeof(*s));
    s->arg = obj;
    if (PyUnicode_Check(obj)) {
        if (!PyUnicode_IS_ASCII(obj))
            goto bad_type;
        s->data = PyUnicode_AsUTF8AndSize(obj, &s->len);
        if (s->data == NULL)
            return -1;
        s->pem = 1;
    } else if (PyObject_CheckBuffer(obj)) {
        if (PyObject_GetBuffer(obj, &s->view, PyBUF_SIMPLE) < 0)
            return -1;
        s->has_view = 1;
        s->data = s->view.buf;
        s->len = s->view.len;
        s->pem = s->len > 0 && (unsigned char)s->data[0] != 0x30;
    } else {
        goto bad_type;
    }
    if (s->len == 0 || s->len > INT_MAX) {
        PyErr_Format(PyExc_ValueError, s->len == 0 ? "%s" : "%s is too long",
                     s->len == 0 ? empty : what);
        source_release(s);
        return -1;
    }
    return 0;
bad_type:
    PyErr_Format(PyExc_TypeError, "%s should be an ASCII string or a bytes-like object", what);
    return -1;
}

/* certfile/keyfile: a path, read as PEM like the stdlib reads it. */
static int
source_from_file(cred_source *s, PyObject *obj, const char *what)
{
    memset(s, 0, sizeof(*s));
    s->arg = obj;
    s->pem = 1;
    if (PyUnicode_FSConverter(obj, &s->path))
        return 0;
    if (PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s should be a valid filesystem path", what);
    }
    return -1;
}

/* ---- parsing, without the GIL ---- */

typedef struct {
    cred_source *cert, *key;        /* key == cert: the key is in certdata */
    sslx_password_source *password; /* NULL: none given (never prompts) */
    X509 *leaf;
    STACK_OF(X509) *chain;
    EVP_PKEY *pkey;
    cred_source *failed_file;       /* a file that could not be read */
    int read_errno;
} cred_load;

static void
cred_load_free(cred_load *l)
{
    X509_free(l->leaf);
    sk_X509_pop_free(l->chain, X509_free);
    EVP_PKEY_free(l->pkey);
    l->leaf = NULL;
    l->chain = NULL;
    l->pkey = NULL;
}

static BIO *
source_bio(cred_load *l, cred_source *s)
{
    BIO *bio;
    errno = 0;
    if (s->path != NULL)
        bio = BIO_new_file(PyBytes_AS_STRING(s->path), "r");
    else
        bio = BIO_new_mem_buf(s->data, (int)s->len);
    if (bio == NULL && s->path != NULL) {
        l->failed_file = s;
        l->read_errno = errno;
    }
    return bio;
}

/* After a failed read of a file: a directory opens, then reads nothing
 * (the stdlib reports IsADirectoryError); remember which file. */
static void
note_read_failure(cred_load *l, cred_source *s)
{
    if (s->path != NULL && (errno == EISDIR || ERR_SYSTEM_ERROR(ERR_peek_error()))) {
        l->failed_file = s;
        l->read_errno = errno;
    }
}

/* The leaf and the chain after it, as SSL_CTX_use_certificate_chain_file()
 * reads a PEM file (and fails with its error); DER: certificates end to
 * end. */
static int
read_pem_certs(BIO *bio, cred_load *l)
{
    l->leaf = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
    if (l->leaf == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PEM_LIB);
        return -1;
    }
    X509 *cert;
    while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(l->chain, cert)) {
            X509_free(cert);
            return -1;
        }
    }
    unsigned long err = ERR_peek_last_error();
    if (ERR_GET_LIB(err) != ERR_LIB_PEM || ERR_GET_REASON(err) != PEM_R_NO_START_LINE)
        return -1;
    ERR_clear_error();      /* the end of the data */
    return 0;
}

static int
read_der_certs(BIO *bio, cred_load *l)
{
    while (!BIO_eof(bio)) {
        X509 *cert = d2i_X509_bio(bio, NULL);
        if (cert == NULL)
            return -1;
        if (l->leaf == NULL) {
            l->leaf = cert;
        } else if (!sk_X509_push(l->chain, cert)) {
            X509_free(cert);
            return -1;
        }
    }
    return 0;
}

static int
read_certs(cred_load *l)
{
    BIO *bio = source_bio(l, l->cert);
    if (bio == NULL)
        return -1;
    l->chain = sk_X509_new_null();
    int rc = l->chain == NULL ? -1 : l->cert->pem ? read_pem_certs(bio, l) : read_der_certs(bio, l);
    if (rc < 0)
        note_read_failure(l, l->cert);
    BIO_free(bio);
    return rc;
}

/* A pem_password_cb for "no password given": fail rather than prompt on
 * the terminal (a server reading its key from memory has no one there). */
static int
no_password(char *buf, int size, int rwflag, void *userdata)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)userdata;
    return -1;
}

/* The private key: PEM (traditional, PKCS#8, encrypted or not) or DER
 * (PKCS#8, encrypted or not, or a key type's own DER form). */
static EVP_PKEY *
decode_key(BIO *bio, int pem, sslx_password_source *src)
{
    pem_password_cb *cb = src ? sslx_password_cb : no_password;
    if (pem)
        return PEM_read_bio_PrivateKey(bio, NULL, cb, src);
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", NULL, NULL,
                                                           EVP_PKEY_KEYPAIR, NULL, NULL);
    if (dctx == NULL)
        return NULL;
    if (OSSL_DECODER_CTX_set_pem_password_cb(dctx, cb, src) != 1
        || OSSL_DECODER_from_bio(dctx, bio) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    OSSL_DECODER_CTX_free(dctx);
    return pkey;
}

static int
read_key(cred_load *l)
{
    BIO *bio = source_bio(l, l->key);
    if (bio == NULL)
        return -1;
    l->pkey = decode_key(bio, l->key->pem, l->password);
    if (l->pkey == NULL) {
        note_read_failure(l, l->key);
        /* Like the file path (and the stdlib): "[SSL] PEM lib" for a key
         * that cannot be read or decrypted. */
        if (l->failed_file == NULL)
            ERR_raise(ERR_LIB_SSL, l->key->pem ? ERR_R_PEM_LIB : ERR_R_ASN1_LIB);
    }
    BIO_free(bio);
    return l->pkey == NULL ? -1 : 0;
}

/* Certificates, key, and that they belong together (checked here, so a
 * mismatch leaves the context as it was). */
static int
load_credentials(cred_load *l)
{
    if (read_certs(l) < 0 || read_key(l) < 0)
        return -1;
    return X509_check_private_key(l->leaf, l->pkey) == 1 ? 0 : -1;
}

/* ---- into the context, with the GIL ---- */

static int
install(SSL_CTX *ctx, X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *pkey)
{
    int ok = SSL_CTX_use_certificate(ctx, leaf) == 1 && SSL_CTX_set1_chain(ctx, chain) == 1
             && SSL_CTX_use_PrivateKey(ctx, pkey) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    return ok ? 0 : -1;
}

/* The exception for a failed load: the password callable's own, OSError
 * for a file that could not be read, else SSLError from the queue. */
static PyObject *
raise_load_failure(sslx_state *st, cred_load *l)
{
    if (l->password != NULL && l->password->failed) {
        ERR_clear_error();
        return NULL;
    }
    if (l->failed_file != NULL) {
        unsigned long err = ERR_peek_error();
        ERR_clear_error();
        errno = l->read_errno ? l->read_errno : (ERR_SYSTEM_ERROR(err) ? ERR_GET_REASON(err) : EIO);
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, l->failed_file->arg);
    }
    return sslx_raise_from_queue(st, NULL, "failed to load certificate chain", SSLX_HERE);
}

/* ---- load_cert_chain ---- */

/* Remove dict[name] if it is there. */
static int
drop_keyword(PyObject *dict, const char *name)
{
    if (PyDict_GetItemString(dict, name) == NULL)
        return 0;
    return PyDict_DelItemString(dict, name);
}

/* The stdlib's call: only files.  context_load.c does it, with the
 * arguments as given (certdata/keydata=None removed). */
static PyObject *
load_files(sslx_context *self, PyObject *args, PyObject *kwds)
{
    PyObject *rest = NULL, *result;
    if (kwds != NULL) {
        rest = PyDict_Copy(kwds);
        if (rest == NULL || drop_keyword(rest, "certdata") < 0
            || drop_keyword(rest, "keydata") < 0) {
            Py_XDECREF(rest);
            return NULL;
        }
    }
    result = sslx_context_load_cert_chain(self, args, rest);
    Py_XDECREF(rest);
    return result;
}

/* kwds[name], borrowed; NULL when absent (no exception). */
static PyObject *
keyword(PyObject *kwds, const char *name)
{
    return kwds != NULL ? PyDict_GetItemString(kwds, name) : NULL;
}

static int
is_absent(PyObject *value)
{
    return value == NULL || value == Py_None;
}

/* The sources for the certificate and the key: each from memory or from
 * a file; the key from the certificate's source when neither keyfile
 * nor keydata is given. */
static int
open_sources(PyObject *certfile, PyObject *keyfile, PyObject *certdata, PyObject *keydata,
             cred_source *cert, cred_source *key, int *key_in_cert)
{
    if (!is_absent(certfile) && certdata != Py_None) {
        PyErr_SetString(PyExc_TypeError, "load_cert_chain() takes certfile or certdata, not both");
        return -1;
    }
    if (keyfile != Py_None && keydata != Py_None) {
        PyErr_SetString(PyExc_TypeError, "load_cert_chain() takes keyfile or keydata, not both");
        return -1;
    }
    if (certdata == Py_None && certfile == NULL) {
        PyErr_SetString(PyExc_TypeError,
                        "load_cert_chain() missing required argument 'certfile' (pos 1)");
        return -1;
    }
    int rc = certdata != Py_None
                 ? source_from_data(cert, certdata, "certdata", "Empty certificate data")
                 : source_from_file(cert, certfile, "certfile");
    if (rc < 0)
        return -1;
    *key_in_cert = keyfile == Py_None && keydata == Py_None;
    if (*key_in_cert) {
        if (!cert->pem) {
            PyErr_SetString(PyExc_ValueError,
                            "DER certdata holds no private key: give keydata or keyfile");
            return -1;
        }
        return 0;
    }
    return keydata != Py_None ? source_from_data(key, keydata, "keydata", "Empty key data")
                              : source_from_file(key, keyfile, "keyfile");
}

static PyObject *
load_from_sources(sslx_context *self, cred_source *cert, cred_source *key,
                  sslx_password_source *password)
{
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    cred_load l = {.cert = cert, .key = key, .password = password};
    PyObject *result = NULL;
    int rc;
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    rc = load_credentials(&l);
    Py_END_ALLOW_THREADS
    if (rc < 0 || install(self->ctx, l.leaf, l.chain, l.pkey) < 0)
        raise_load_failure(st, &l);
    else
        result = Py_NewRef(Py_None);
    cred_load_free(&l);
    return result;
}

PyObject *
sslx_context_load_cert_chain_any(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"certfile", "keyfile", "password", "certdata", "keydata", NULL};
    PyObject *certfile = NULL, *keyfile = Py_None, *password = Py_None;
    PyObject *certdata = Py_None, *keydata = Py_None, *result = NULL;
    cred_source cert = {0}, key = {0};
    sslx_password_source src;
    int key_in_cert = 0;
    if (is_absent(keyword(kwds, "certdata")) && is_absent(keyword(kwds, "keydata")))
        return load_files(self, args, kwds);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOO$OO:load_cert_chain", kwlist, &certfile,
                                     &keyfile, &password, &certdata, &keydata))
        return NULL;
    memset(&src, 0, sizeof(src));
    if (open_sources(certfile, keyfile, certdata, keydata, &cert, &key, &key_in_cert) < 0
        || (password != Py_None && sslx_password_source_init(&src, password) < 0))
        goto done;
    result = load_from_sources(self, &cert, key_in_cert ? &cert : &key,
                               password != Py_None ? &src : NULL);
done:
    sslx_password_source_wipe(&src);
    source_release(&cert);
    source_release(&key);
    return result;
}

/* ---- load_pkcs12 ---- */

/* Whether opening the bundle takes a password: PKCS12_parse() itself
 * tries "no password" and the empty one first, so a callable is only
 * asked when both fail. */
static int
needs_password(PKCS12 *p12)
{
    if (!PKCS12_mac_present(p12))
        return 0;
    int opens = PKCS12_verify_mac(p12, NULL, 0) == 1 || PKCS12_verify_mac(p12, "", 0) == 1;
    ERR_clear_error();
    return !opens;
}

typedef struct {
    const unsigned char *data;
    long len;
    sslx_password_source *password;     /* NULL: none given */
    X509 *cert;
    STACK_OF(X509) *ca;
    EVP_PKEY *pkey;
    int trailing;                       /* bytes after the PKCS#12 structure */
    const char *missing;                /* what a usable bundle lacks */
} p12_load;

/* The password as the C string PKCS12_parse() takes, into buf (at least
 * PASSWORD_MAX + 1 bytes): 1 with one, 0 without, -1 when the callable
 * failed. */
static int
p12_password(p12_load *l, PKCS12 *p12, char *buf)
{
    sslx_password_source *src = l->password;
    if (src == NULL)
        return 0;
    int n;
    if (src->callable == NULL) {
        n = src->copy_len;
        memcpy(buf, src->copy, (size_t)n);
    } else {
        if (!needs_password(p12))
            return 0;
        n = sslx_password_cb(buf, PASSWORD_MAX, 0, src);
        if (n < 0)
            return -1;
    }
    buf[n] = '\0';
    return 1;
}

/* Runs without the GIL: the key derivations of PKCS#12 are slow on
 * purpose. */
static int
parse_pkcs12(p12_load *l)
{
    const unsigned char *p = l->data;
    char buf[PASSWORD_MAX + 1];
    PKCS12 *p12 = d2i_PKCS12(NULL, &p, l->len);
    if (p12 == NULL)
        return -1;
    if (p != l->data + l->len) {
        l->trailing = 1;
        PKCS12_free(p12);
        return -1;
    }
    int rc = -1, has = p12_password(l, p12, buf);
    if (has >= 0 && PKCS12_parse(p12, has ? buf : NULL, &l->pkey, &l->cert, &l->ca) == 1) {
        if (l->pkey == NULL)
            l->missing = "the PKCS#12 data holds no private key";
        else if (l->cert == NULL)
            l->missing = "the PKCS#12 data holds no certificate for its private key";
        else
            rc = 0;
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    PKCS12_free(p12);
    return rc;
}

static PyObject *
raise_pkcs12_failure(sslx_state *st, p12_load *l)
{
    if (l->password != NULL && l->password->failed) {
        ERR_clear_error();
        return NULL;
    }
    if (l->trailing) {
        ERR_clear_error();
        PyErr_SetString(PyExc_ValueError, "data has trailing bytes after the PKCS#12 structure");
        return NULL;
    }
    if (l->missing != NULL) {
        ERR_clear_error();
        return sslx_raise_plain(st, NULL, 0, l->missing, SSLX_HERE);
    }
    return sslx_raise_from_queue(st, NULL, "cannot read the PKCS#12 data", SSLX_HERE);
}

static PyObject *
load_pkcs12_view(sslx_context *self, Py_buffer *view, sslx_password_source *password)
{
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    p12_load l = {.data = view->buf, .len = (long)view->len, .password = password};
    PyObject *result = NULL;
    int rc;
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    rc = parse_pkcs12(&l);
    Py_END_ALLOW_THREADS
    if (rc < 0 || install(self->ctx, l.cert, l.ca, l.pkey) < 0)
        raise_pkcs12_failure(st, &l);
    else
        result = Py_NewRef(Py_None);
    X509_free(l.cert);
    sk_X509_pop_free(l.ca, X509_free);
    EVP_PKEY_free(l.pkey);
    return result;
}

PyObject *
sslx_context_load_pkcs12(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "password", NULL};
    PyObject *data, *password = Py_None, *result = NULL;
    Py_buffer view = {0};
    sslx_password_source src;
    memset(&src, 0, sizeof(src));
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:load_pkcs12", kwlist, &data, &password))
        return NULL;
    if (PyUnicode_Check(data) || !PyObject_CheckBuffer(data)) {
        PyErr_Format(PyExc_TypeError, "data should be a bytes-like object, not %.100s",
                     sslx_arg_type_name(data));
        return NULL;
    }
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    if (view.len == 0 || view.len > LONG_MAX / 2)
        PyErr_SetString(PyExc_ValueError,
                        view.len == 0 ? "Empty PKCS#12 data" : "PKCS#12 data is too long");
    else if (password == Py_None || sslx_password_source_init(&src, password) == 0)
        result = load_pkcs12_view(self, &view, password != Py_None ? &src : NULL);
    sslx_password_source_wipe(&src);
    PyBuffer_Release(&view);
    return result;
}
