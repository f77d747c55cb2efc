/* context_load.c - what an SSLContext loads from files and memory: its
 * certificate chain and private key, trusted CAs and CRLs, DH parameters;
 * and what it reports about its trust store. */
#include <errno.h>
#include <string.h>
#include <openssl/pem.h>
#include "context_internal.h"
#include "certdecode.h"
#include "errors.h"
#include "truststore.h"

/* The stdlib's limit, which is also OpenSSL's PEM_BUFSIZE. */
#define SSLX_PASSWORD_MAX 1024

/* A failed file load: OSError when OpenSSL's first error is a system
 * error (a missing or unreadable file) or when reading failed because
 * the path is a directory (fopen() succeeds there, OpenSSL only sees an
 * empty PEM stream; the stdlib reports IsADirectoryError), else SSLError
 * from the queue.  `read_errno` is errno as the failed load left it. */
static PyObject *
raise_load_error(sslx_state *st, PyObject *filename, const char *fallback, int read_errno)
{
    unsigned long err = ERR_peek_error();
    if ((err != 0 && ERR_SYSTEM_ERROR(err)) || read_errno == EISDIR) {
        ERR_clear_error();
        errno = read_errno == EISDIR ? EISDIR : ERR_GET_REASON(err);
        if (filename)
            return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, filename);
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return sslx_raise_from_queue(st, NULL, fallback, SSLX_HERE);
}

/* `obj` as a filesystem path (new bytes reference in *out); TypeError
 * "<what> should be a valid filesystem path" like the stdlib. */
static int
fs_path(PyObject *obj, const char *what, PyObject **out)
{
    if (PyUnicode_FSConverter(obj, out))
        return 0;
    if (PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s should be a valid filesystem path", what);
    }
    return -1;
}

/* ---- passwords ---- */

typedef sslx_password_source password_source;   /* context_internal.h */

static int
too_long(Py_ssize_t len, int limit)
{
    if (len <= limit)
        return 0;
    PyErr_Format(PyExc_ValueError, "password cannot be longer than %d bytes", limit);
    return 1;
}

/* Bytes of a str (UTF-8), bytes or bytearray password; 0 when `obj` is
 * none of these. */
static int
password_bytes(PyObject *obj, const char **data, Py_ssize_t *len)
{
    if (PyUnicode_Check(obj)) {
        *data = PyUnicode_AsUTF8AndSize(obj, len);
        return *data ? 1 : -1;
    }
    if (PyBytes_Check(obj)) {
        *data = PyBytes_AS_STRING(obj);
        *len = PyBytes_GET_SIZE(obj);
        return 1;
    }
    if (PyByteArray_Check(obj)) {
        *data = PyByteArray_AS_STRING(obj);
        *len = PyByteArray_GET_SIZE(obj);
        return 1;
    }
    return 0;
}

static int
password_source_init(password_source *src, PyObject *password)
{
    const char *data;
    Py_ssize_t len;
    memset(src, 0, sizeof(*src));
    if (PyCallable_Check(password)) {
        src->callable = password;
        return 0;
    }
    int kind = password_bytes(password, &data, &len);
    if (kind < 0)
        return -1;
    if (kind == 0) {
        PyErr_SetString(PyExc_TypeError, "password should be a string or callable");
        return -1;
    }
    if (too_long(len, SSLX_PASSWORD_MAX))
        return -1;
    src->copy = PyMem_Malloc(len ? (size_t)len : 1);
    if (src->copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(src->copy, data, (size_t)len);
    src->copy_len = (int)len;
    return 0;
}

static void
password_source_wipe(password_source *src)
{
    if (src->copy) {
        OPENSSL_cleanse(src->copy, (size_t)src->copy_len);
        PyMem_Free(src->copy);
        src->copy = NULL;
    }
}

/* Call the password callable into buf; needs the GIL. */
static int
call_password(password_source *src, char *buf, int size)
{
    const char *data;
    Py_ssize_t len;
    PyObject *result = PyObject_CallNoArgs(src->callable);
    if (result == NULL)
        return -1;
    int kind = password_bytes(result, &data, &len);
    if (kind == 0)
        PyErr_SetString(PyExc_TypeError, "password callback must return a string");
    if (kind <= 0 || too_long(len, size)) {
        Py_DECREF(result);
        return -1;
    }
    memcpy(buf, data, (size_t)len);
    Py_DECREF(result);
    return (int)len;
}

/* pem_password_cb: runs while load_cert_chain has released the GIL. */
static int
password_cb(char *buf, int size, int rwflag, void *userdata)
{
    password_source *src = userdata;
    (void)rwflag;
    if (src->failed)
        return -1;
    if (src->callable == NULL) {
        if (src->copy_len > size)
            return -1;
        memcpy(buf, src->copy, (size_t)src->copy_len);
        return src->copy_len;
    }
    PyGILState_STATE gil = PyGILState_Ensure();
    int n = call_password(src, buf, size);
    if (n < 0)
        src->failed = 1;
    PyGILState_Release(gil);
    return n;
}

/* The password rules for context_credentials.c (context_internal.h). */
int
sslx_password_source_init(sslx_password_source *src, PyObject *password)
{
    return password_source_init(src, password);
}

void
sslx_password_source_wipe(sslx_password_source *src)
{
    password_source_wipe(src);
}

int
sslx_password_cb(char *buf, int size, int rwflag, void *userdata)
{
    return password_cb(buf, size, rwflag, userdata);
}

/* ---- load_cert_chain ---- */

static EVP_PKEY *
read_private_key(const char *path, password_source *src)
{
    BIO *bio = BIO_new_file(path, "r");
    if (bio == NULL)
        return NULL;
    /* No password at all: OpenSSL's own prompt, as documented. */
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, src ? password_cb : NULL, src);
    BIO_free(bio);
    return pkey;
}

/* Load certificate chain and key into `ctx`; 0, or -1 with the OpenSSL
 * error queue (or a Python exception from the password callable)
 * describing the failure.  Runs without the GIL, on a scratch context
 * (see sslx_context_load_cert_chain). */
static int
use_chain_and_key(SSL_CTX *ctx, const char *certpath, const char *keypath,
                  password_source *src, int *read_errno, int *chain_failed)
{
    errno = 0;
    if (SSL_CTX_use_certificate_chain_file(ctx, certpath) != 1) {
        *read_errno = errno;
        *chain_failed = 1;
        return -1;
    }
    EVP_PKEY *pkey = read_private_key(keypath, src);
    if (pkey == NULL) {
        *read_errno = errno;
        /* Report a key that cannot be read like OpenSSL's own
         * SSL_CTX_use_PrivateKey_file() does. */
        if (!ERR_SYSTEM_ERROR(ERR_peek_error()))
            ERR_raise(ERR_LIB_SSL, ERR_R_PEM_LIB);
        return -1;
    }
    int ok = SSL_CTX_use_PrivateKey(ctx, pkey) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(pkey);
    return ok ? 0 : -1;
}

/* Move the certificate, chain and key `scratch` loaded into `ctx` (the
 * GIL held: see sslx_context_load_cert_chain).  0, or -1 with the OpenSSL
 * error queue describing the failure. */
static int
adopt_chain_and_key(SSL_CTX *ctx, SSL_CTX *scratch)
{
    STACK_OF(X509) *chain = NULL;
    if (!SSL_CTX_get0_chain_certs(scratch, &chain))
        return -1;
    int ok = SSL_CTX_use_certificate(ctx, SSL_CTX_get0_certificate(scratch)) == 1
             && SSL_CTX_set1_chain(ctx, chain) == 1
             && SSL_CTX_use_PrivateKey(ctx, SSL_CTX_get0_privatekey(scratch)) == 1
             && SSL_CTX_check_private_key(ctx) == 1;
    return ok ? 0 : -1;
}

PyObject *
sslx_context_load_cert_chain(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"certfile", "keyfile", "password", NULL};
    PyObject *certfile, *keyfile = Py_None, *password = Py_None;
    PyObject *certpath = NULL, *keypath = NULL, *result = NULL;
    SSL_CTX *scratch = NULL;
    password_source src;
    int rc, read_errno = 0, chain_failed = 0;
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    memset(&src, 0, sizeof(src));
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OO:load_cert_chain", kwlist, &certfile,
                                     &keyfile, &password))
        return NULL;
    if (fs_path(certfile, "certfile", &certpath) < 0
        || (keyfile != Py_None && fs_path(keyfile, "keyfile", &keypath) < 0)
        || (password != Py_None && password_source_init(&src, password) < 0))
        goto done;
    const char *cp = PyBytes_AS_STRING(certpath);
    const char *kp = keypath ? PyBytes_AS_STRING(keypath) : cp;
    password_source *srcp = password != Py_None ? &src : NULL;
    ERR_clear_error();
    /* Files are read and keys decrypted without the GIL, into a scratch
     * context: OpenSSL's SSL_new() copies the context's certificate and
     * key unlocked, so replacing them while another thread creates a
     * connection could hand it a freed key.  The result moves into the
     * real context with the GIL held, as every SSL_new() here runs. */
    scratch = SSL_CTX_new(TLS_method());
    if (scratch == NULL) {
        raise_load_error(st, NULL, "failed to load certificate chain", 0);
        goto done;
    }
    SSL_CTX_set_security_level(scratch, SSL_CTX_get_security_level(self->ctx));
    Py_BEGIN_ALLOW_THREADS
    rc = use_chain_and_key(scratch, cp, kp, srcp, &read_errno, &chain_failed);
    Py_END_ALLOW_THREADS
    if (src.failed) {
        /* The callable's exception is the cause. */
        ERR_clear_error();
        goto done;
    }
    if (rc < 0 || adopt_chain_and_key(self->ctx, scratch) < 0) {
        /* 3.15's stdlib names the file it cannot read. */
        PyObject *name = NULL;
        if (PY_VERSION_HEX >= 0x030F0000)
            name = chain_failed || keyfile == Py_None ? certfile : keyfile;
        raise_load_error(st, name, "failed to load certificate chain", read_errno);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    SSL_CTX_free(scratch);
    password_source_wipe(&src);
    Py_XDECREF(certpath);
    Py_XDECREF(keypath);
    return result;
}

/* ---- the trust store: shared, immutable stores; private copy on write ----
 *
 * A context that has loaded no CAs yet ("fresh") and then loads the
 * default paths or one CA file takes the process-wide parsed store for
 * them (truststore.h) as its own, by reference.  Anything else (a second
 * file, cadata, a capath) first gives the context a private copy, into
 * which cached stores are merged rather than parsed again. */

static int
uses_shared_store(sslx_context *self)
{
    return self->shared_store != NULL
           && SSL_CTX_get_cert_store(self->ctx) == self->shared_store;
}

static int
store_is_fresh(sslx_context *self)
{
    return !self->store_modified && !uses_shared_store(self);
}

/* Give the context a store of its own before anything is added to it.
 *
 * The copy is made with the GIL released, so two threads may both find
 * the store shared and both copy it.  The decision is taken again with
 * the GIL held: only the first thread back installs its copy; a later
 * one drops its own and adds to the copy installed.  The SSL_CTX's store
 * is therefore replaced at most once, always with the GIL held, and
 * never while another thread adds to it (adds go to the private store,
 * which is never replaced). */
int
sslx_context_private_store(sslx_context *self)
{
    if (uses_shared_store(self)) {
        X509_STORE *copy = NULL, *shared = self->shared_store;
        int is_default = self->shared_default;
        ERR_clear_error();
        if (X509_STORE_up_ref(shared) == 1) {   /* ours while the GIL is away */
            Py_BEGIN_ALLOW_THREADS
            copy = sslx_truststore_copy(shared, is_default);
            Py_END_ALLOW_THREADS
            X509_STORE_free(shared);
        }
        if (copy == NULL) {
            sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "cannot copy the trust store",
                                  SSLX_HERE);
            return -1;
        }
        if (uses_shared_store(self))
            SSL_CTX_set_cert_store(self->ctx, copy);   /* self->shared_store keeps its ref */
        else
            X509_STORE_free(copy);                     /* another thread was first */
    }
    self->store_modified = 1;
    return 0;
}

/* Make `shared` (a reference, taken over) the store of a fresh context;
 * its own empty store stays referenced until dealloc. */
static void
adopt_shared_store(sslx_context *self, X509_STORE *shared, int is_default)
{
    X509_STORE *own = SSL_CTX_get_cert_store(self->ctx);
    if (self->initial_store == NULL && own != NULL && X509_STORE_up_ref(own))
        self->initial_store = own;
    X509_STORE_free(self->shared_store);
    self->shared_store = shared;                   /* our reference */
    self->shared_default = is_default;
    SSL_CTX_set1_cert_store(self->ctx, shared);    /* the SSL_CTX's own */
}

/* Use the cached store `shared` (a reference, taken over): shared as is
 * by a fresh context, merged into a private store otherwise.  The GIL
 * may have been released since the caller looked, so freshness is
 * checked here.  0 or -1 with an exception. */
static int
use_cached_store(sslx_context *self, X509_STORE *shared, int is_default)
{
    int ok;
    if (store_is_fresh(self)) {
        adopt_shared_store(self, shared, is_default);
        return 0;
    }
    if (sslx_context_private_store(self) < 0) {
        X509_STORE_free(shared);
        return -1;
    }
    X509_STORE *own = SSL_CTX_get_cert_store(self->ctx);
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    ok = sslx_truststore_merge(own, shared, is_default) == 0;
    Py_END_ALLOW_THREADS
    X509_STORE_free(shared);
    if (!ok) {
        sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "cannot add to the trust store",
                              SSLX_HERE);
        return -1;
    }
    return 0;
}

/* load_verify_locations(cafile=path) through the cache: 1 done, 0 not
 * cached (the caller loads the file itself, which reports the error
 * exactly as OpenSSL words it), -1 with an exception. */
static int
load_cached_cafile(sslx_context *self, const char *path)
{
    X509_STORE *shared = sslx_truststore_file(path);
    if (shared == NULL) {
        ERR_clear_error();
        return 0;
    }
    return use_cached_store(self, shared, 0) < 0 ? -1 : 1;
}

PyObject *
sslx_context_set_default_verify_paths(sslx_context *self, PyObject *unused)
{
    (void)unused;
    if (uses_shared_store(self) && self->shared_default)
        Py_RETURN_NONE;                   /* the defaults are loaded already */
    ERR_clear_error();
    X509_STORE *shared = sslx_truststore_default();
    if (shared == NULL)
        return sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL,
                                     "failed to set default verify paths", SSLX_HERE);
    if (use_cached_store(self, shared, 1) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ---- load_verify_locations ---- */

/* Add every certificate of `data` (PEM text or concatenated DER) to
 * `store`.  Returns the number added, or -1 with the OpenSSL queue set.
 * Trailing text after PEM certificates is ignored; trailing bytes after
 * DER ones are an error, with the exception is_end_of_cadata() makes for
 * Pythons before 3.12, as in the stdlib.  Runs without the GIL. */
static int
add_cadata_certs(X509_STORE *store, const char *data, int len, int pem)
{
    BIO *bio = BIO_new_mem_buf(data, len);
    int count = 0;
    if (bio == NULL)
        return -1;
    for (;;) {
        if (!pem && BIO_eof(bio))
            break;
        X509 *cert = pem ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : d2i_X509_bio(bio, NULL);
        if (cert == NULL)
            break;
        int ok = X509_STORE_add_cert(store, cert);
        X509_free(cert);
        if (!ok) {
            count = -1;
            break;
        }
        count++;
    }
    BIO_free(bio);
    return count;
}

/* Whether `err`, met after at least one certificate, only says that the
 * data ended: no further PEM block, or (DER, up to Python 3.11) bytes
 * OpenSSL reads as a bad ASN.1 header, which the stdlib of those versions
 * took for the end of the data.  From 3.12 the stdlib refuses any bytes
 * after the last DER certificate, and so does sslx there. */
static int
is_end_of_cadata(unsigned long err, int pem)
{
    if (err == 0)
        return 1;
    if (pem)
        return ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
    if (PY_VERSION_HEX >= 0x030C0000)
        return 0;
    return ERR_GET_LIB(err) == ERR_LIB_ASN1 && ERR_GET_REASON(err) == ASN1_R_HEADER_TOO_LONG;
}

/* The end of a cadata parse: fine when certificates were read and the
 * only error is the end of the data. */
static PyObject *
finish_cadata(sslx_state *st, int count, int pem)
{
    unsigned long err = ERR_peek_last_error();
    if (count > 0 && is_end_of_cadata(err, pem)) {
        ERR_clear_error();
        Py_RETURN_NONE;
    }
    if (count == 0) {
        ERR_clear_error();
        return sslx_raise_plain(st, NULL, 0,
                                pem ? "no start line: cadata does not contain a certificate"
                                    : "not enough data: cadata does not contain a certificate",
                                SSLX_HERE);
    }
    return sslx_raise_from_queue(st, NULL, "cannot load cadata", SSLX_HERE);
}

static PyObject *
load_cadata(sslx_context *self, sslx_state *st, PyObject *cadata)
{
    Py_buffer view = {0};
    const char *data;
    Py_ssize_t len;
    int pem = PyUnicode_Check(cadata), count;
    if (pem) {
        if (!PyUnicode_IS_ASCII(cadata))
            goto bad_type;
        data = PyUnicode_AsUTF8AndSize(cadata, &len);
        if (data == NULL)
            return NULL;
    } else if (PyObject_CheckBuffer(cadata)) {
        if (PyObject_GetBuffer(cadata, &view, PyBUF_SIMPLE) < 0)
            return NULL;
        data = view.buf;
        len = view.len;
    } else {
        goto bad_type;
    }
    if (len == 0 || len > INT_MAX) {
        PyErr_SetString(PyExc_ValueError,
                        len == 0 ? "Empty certificate data" : "certificate data is too long");
        count = -2;
    } else if (sslx_context_private_store(self) < 0) {
        count = -2;
    } else {
        X509_STORE *store = SSL_CTX_get_cert_store(self->ctx);
        ERR_clear_error();
        Py_BEGIN_ALLOW_THREADS
        count = add_cadata_certs(store, data, (int)len, pem);
        Py_END_ALLOW_THREADS
    }
    if (!pem)
        PyBuffer_Release(&view);
    if (count == -2)
        return NULL;
    if (count < 0)
        return sslx_raise_from_queue(st, NULL, "cannot load cadata", SSLX_HERE);
    return finish_cadata(st, count, pem);
bad_type:
    PyErr_SetString(PyExc_TypeError, "cadata should be an ASCII string or a bytes-like object");
    return NULL;
}

static PyObject *
load_ca_files(sslx_context *self, sslx_state *st, PyObject *cafile, PyObject *capath)
{
    PyObject *fpath = NULL, *dpath = NULL, *result = NULL;
    int ok, read_errno;
    if ((cafile != Py_None && fs_path(cafile, "cafile", &fpath) < 0)
        || (capath != Py_None && fs_path(capath, "capath", &dpath) < 0))
        goto done;
    if (fpath != NULL && dpath == NULL) {
        int cached = load_cached_cafile(self, PyBytes_AS_STRING(fpath));
        if (cached != 0) {
            result = cached < 0 ? NULL : Py_NewRef(Py_None);
            goto done;
        }
    }
    if (sslx_context_private_store(self) < 0)
        goto done;
    const char *f = fpath ? PyBytes_AS_STRING(fpath) : NULL;
    const char *d = dpath ? PyBytes_AS_STRING(dpath) : NULL;
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    errno = 0;
    ok = SSL_CTX_load_verify_locations(self->ctx, f, d) == 1;
    read_errno = errno;
    Py_END_ALLOW_THREADS
    if (!ok)
        raise_load_error(st, NULL, "failed to load verify locations", read_errno);
    else
        result = Py_NewRef(Py_None);
done:
    Py_XDECREF(fpath);
    Py_XDECREF(dpath);
    return result;
}

PyObject *
sslx_context_load_verify_locations(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"cafile", "capath", "cadata", NULL};
    PyObject *cafile = Py_None, *capath = Py_None, *cadata = Py_None;
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOO:load_verify_locations", kwlist,
                                     &cafile, &capath, &cadata))
        return NULL;
    if (cafile == Py_None && capath == Py_None && cadata == Py_None) {
        PyErr_SetString(PyExc_TypeError, "cafile, capath and cadata cannot be all omitted");
        return NULL;
    }
    if (cafile != Py_None || capath != Py_None) {
        PyObject *r = load_ca_files(self, st, cafile, capath);
        if (r == NULL)
            return NULL;
        Py_DECREF(r);
    }
    if (cadata != Py_None)
        return load_cadata(self, st, cadata);
    Py_RETURN_NONE;
}

/* load_default_certs(purpose=Purpose.SERVER_AUTH): the system's CAs.
 * OpenSSL's default paths hold CAs for every purpose; the purpose is
 * only checked. */
PyObject *
sslx_context_load_default_certs(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"purpose", NULL};
    PyObject *purpose = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:load_default_certs", kwlist, &purpose))
        return NULL;
    if (sslx_purpose_kind(purpose) < 0)
        return NULL;
    return sslx_context_set_default_verify_paths(self, NULL);
}

/* ---- DH parameters ---- */

/* The first DH parameters (PKCS#3 or X9.42) of a PEM file; NULL with the
 * OpenSSL queue set ("no start line" when there are none).  Runs
 * without the GIL. */
static EVP_PKEY *
read_dh_params(const char *path)
{
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long len;
    EVP_PKEY *params = NULL;
    BIO *bio = BIO_new_file(path, "r");
    if (bio == NULL)
        return NULL;
    /* Skips blocks of other kinds, as PEM readers do. */
    if (PEM_bytes_read_bio(&der, &len, &name, PEM_STRING_DHPARAMS, bio, NULL, NULL) == 1) {
        const unsigned char *p = der;
        int type = strcmp(name, PEM_STRING_DHXPARAMS) == 0 ? EVP_PKEY_DHX : EVP_PKEY_DH;
        params = d2i_KeyParams(type, NULL, &p, len);
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(bio);
    return params;
}

PyObject *
sslx_context_load_dh_params(sslx_context *self, PyObject *path)
{
    PyObject *bpath;
    EVP_PKEY *params;
    int read_errno;
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    if (!PyUnicode_FSConverter(path, &bpath))
        return NULL;
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    errno = 0;
    params = read_dh_params(PyBytes_AS_STRING(bpath));
    read_errno = errno;
    Py_END_ALLOW_THREADS
    Py_DECREF(bpath);
    if (params == NULL)
        return raise_load_error(st, path, "cannot read DH parameters", read_errno);
    if (SSL_CTX_set0_tmp_dh_pkey(self->ctx, params) != 1) {
        EVP_PKEY_free(params);
        return sslx_raise_from_queue(st, NULL, "cannot use DH parameters", SSLX_HERE);
    }
    Py_RETURN_NONE;
}

/* ---- the trust store ---- */

PyObject *
sslx_context_cert_store_stats(sslx_context *self, PyObject *unused)
{
    (void)unused;
    X509_STORE *store = SSL_CTX_get_cert_store(self->ctx);
    long x509 = 0, crl = 0, ca = 0;
    if (X509_STORE_lock(store) != 1)
        return sslx_raise_from_queue(SSLX_CONTEXT_STATE(self), NULL, "cannot lock store",
                                     SSLX_HERE);
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
        X509_OBJECT *obj = sk_X509_OBJECT_value(objs, i);
        switch (X509_OBJECT_get_type(obj)) {
        case X509_LU_X509:
            x509++;
            if (X509_check_ca(X509_OBJECT_get0_X509(obj)))
                ca++;
            break;
        case X509_LU_CRL:
            crl++;
            break;
        default:
            break;
        }
    }
    X509_STORE_unlock(store);
    return Py_BuildValue("{sl,sl,sl}", "x509", x509, "crl", crl, "x509_ca", ca);
}

/* The CA certificates of the store, each with a reference held, so
 * they can be converted after the store is unlocked. */
static STACK_OF(X509) *
collect_ca_certs(X509_STORE *store)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    if (certs == NULL || X509_STORE_lock(store) != 1) {
        sk_X509_free(certs);
        return NULL;
    }
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
        X509 *cert = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
        if (cert == NULL || !X509_check_ca(cert))
            continue;
        if (!X509_up_ref(cert) || !sk_X509_push(certs, cert)) {
            X509_free(cert);
            X509_STORE_unlock(store);
            sk_X509_pop_free(certs, X509_free);
            return NULL;
        }
    }
    X509_STORE_unlock(store);
    return certs;
}

PyObject *
sslx_context_get_ca_certs(sslx_context *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"binary_form", NULL};
    int binary = 0;
    sslx_state *st = SSLX_CONTEXT_STATE(self);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:get_ca_certs", kwlist, &binary))
        return NULL;
    STACK_OF(X509) *certs = collect_ca_certs(SSL_CTX_get_cert_store(self->ctx));
    if (certs == NULL)
        return sslx_raise_from_queue(st, NULL, "cannot read the certificate store", SSLX_HERE);
    PyObject *list = PyList_New(0);
    for (int i = 0; list && i < sk_X509_num(certs); i++) {
        X509 *cert = sk_X509_value(certs, i);
        PyObject *item = binary ? sslx_cert_to_der(st, cert) : sslx_cert_to_dict(st, cert);
        if (item == NULL || PyList_Append(list, item) < 0)
            Py_CLEAR(list);
        Py_XDECREF(item);
    }
    sk_X509_pop_free(certs, X509_free);
    return list;
}
