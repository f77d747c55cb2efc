/* distrust.c - public keys that no certificate chain may contain.
 *
 * A last line of defence, for keys whose compromise is known while the
 * trust stores that should drop them (the system's, a container image's,
 * a bundle shipped in a Python package) have not caught up.  CPython added
 * the same denylist in 3.14.x and 3.15 (gh-160040: compromised eMudhra
 * intermediate CA keys); sslx applies it on every interpreter, so a chain
 * that the newest stdlib rejects is never accepted.  Entries match the
 * SHA-256 digest of a certificate's SubjectPublicKeyInfo (RFC 5280), so
 * they also catch cross-signed certificates that reuse a key.
 *
 * Verification calls the callback below once per certificate of the
 * chain; a match makes verification fail with X509_V_ERR_CERT_REJECTED. */
#include <string.h>
#include "distrust.h"

#define DIGEST_SIZE 32

/* The eMudhra intermediate keys of gh-160040, as published with CPython:
 * SHA-256 of the DER SubjectPublicKeyInfo. */
static const unsigned char built_in[][DIGEST_SIZE] = {
    {0x43, 0xbf, 0xfa, 0x19, 0xd6, 0xef, 0x65, 0x14, 0x51, 0xf6, 0x84, 0x1e, 0x01, 0x99, 0x31,
     0xe9, 0x6f, 0x6f, 0x2e, 0xae, 0xff, 0x28, 0xab, 0x4b, 0x6f, 0x1c, 0xe4, 0x57, 0x6d, 0xe2,
     0x71, 0x7b},
    {0x49, 0xdd, 0x35, 0x3d, 0xc2, 0xb9, 0x19, 0xa3, 0x77, 0x06, 0x45, 0x11, 0x7d, 0x0e, 0x60,
     0xc1, 0x61, 0x15, 0xe7, 0xd1, 0xbc, 0x25, 0x9e, 0xef, 0xe7, 0x34, 0xb0, 0x0e, 0xa4, 0x34,
     0xfe, 0x5f},
    {0x5c, 0x06, 0x60, 0xa2, 0xb1, 0x64, 0x91, 0x0d, 0x8f, 0xf5, 0x89, 0xc1, 0x8e, 0x14, 0x55,
     0x2e, 0x9e, 0x0e, 0xc2, 0x37, 0xdc, 0xef, 0xe2, 0xcb, 0x73, 0x6d, 0x41, 0xa4, 0x81, 0x1f,
     0x81, 0xa0},
    {0x63, 0xec, 0xef, 0xee, 0x43, 0x1d, 0x49, 0x52, 0x3b, 0xc1, 0x13, 0x6c, 0x4e, 0x72, 0xd0,
     0x20, 0x6a, 0x47, 0x70, 0x86, 0xca, 0xf6, 0x06, 0xcd, 0x5c, 0xf0, 0x25, 0x68, 0x6c, 0x10,
     0x9c, 0xf8},
    {0x92, 0xc0, 0x63, 0xd6, 0x7e, 0x8f, 0x14, 0xdb, 0x71, 0xd2, 0x88, 0xe1, 0x12, 0x66, 0xff,
     0xda, 0xf6, 0x9c, 0xbf, 0x11, 0x5f, 0x7b, 0xab, 0x14, 0xf3, 0xbc, 0x2f, 0x68, 0xd2, 0x5e,
     0x0e, 0x30},
    {0xe0, 0x25, 0x4c, 0x7f, 0xcd, 0xc2, 0x65, 0xe2, 0xf0, 0xf8, 0xa4, 0x28, 0xda, 0xbb, 0x75,
     0xab, 0x4a, 0xe0, 0x39, 0xb4, 0x87, 0x2d, 0x62, 0xf5, 0xee, 0x57, 0xf0, 0x87, 0x7d, 0x5a,
     0x8a, 0x41},
    {0xeb, 0xed, 0x64, 0x75, 0xc2, 0xc2, 0xd8, 0x0f, 0xcb, 0x19, 0x9f, 0x3f, 0xe8, 0xdd, 0x6e,
     0x6b, 0x3c, 0xe6, 0x0b, 0x77, 0xeb, 0x15, 0xd4, 0xe4, 0x2c, 0x3d, 0xec, 0x0c, 0x6f, 0x5b,
     0x51, 0x05},
    {0xec, 0x4f, 0xfa, 0x1a, 0xd0, 0xac, 0x88, 0x08, 0x13, 0x14, 0xb7, 0xaa, 0xff, 0xef, 0x6a,
     0x91, 0xf9, 0x7c, 0xd5, 0x72, 0x91, 0xbb, 0x5b, 0xa6, 0x86, 0xc5, 0x41, 0x5f, 0x5e, 0xb4,
     0xf6, 0xb6},
};

/* Digests added at run time by the private _distrust_spki() (tests prove
 * the mechanism with keys of their own).  Written with the GIL held before
 * the handshakes that read them; never removed. */
#define EXTRA_SLOTS 16
static unsigned char extra[EXTRA_SLOTS][DIGEST_SIZE];
static int extra_count;

static int
listed(const unsigned char *digest)
{
    for (size_t i = 0; i < sizeof(built_in) / sizeof(built_in[0]); i++)
        if (memcmp(built_in[i], digest, DIGEST_SIZE) == 0)
            return 1;
    int n = __atomic_load_n(&extra_count, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (memcmp(extra[i], digest, DIGEST_SIZE) == 0)
            return 1;
    return 0;
}

/* SHA-256 of the certificate's DER SubjectPublicKeyInfo (not of the key
 * bits alone, which is what X509_pubkey_digest() hashes).  1 or 0. */
static int
spki_digest(X509 *cert, unsigned char *digest)
{
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    unsigned int digest_len = 0;
    int ok = len > 0 && EVP_Digest(der, (size_t)len, digest, &digest_len, EVP_sha256(), NULL)
             && digest_len == DIGEST_SIZE;
    OPENSSL_free(der);
    return ok;
}

int
sslx_distrust_verify_cb(int ok, X509_STORE_CTX *store_ctx)
{
    X509 *cert = X509_STORE_CTX_get_current_cert(store_ctx);
    unsigned char digest[EVP_MAX_MD_SIZE];
    if (cert == NULL || !spki_digest(cert, digest)) {
        ERR_clear_error();
        return ok;
    }
    if (!listed(digest))
        return ok;
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_CERT_REJECTED);
    return 0;
}

/* _distrust_spki(digest): add a SHA-256 SubjectPublicKeyInfo digest to
 * the denylist for the rest of the process (private: for tests). */
static PyObject *
distrust_spki(PyObject *module, PyObject *arg)
{
    (void)module;
    Py_buffer digest;
    if (PyObject_GetBuffer(arg, &digest, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *result = NULL;
    if (digest.len != DIGEST_SIZE)
        PyErr_SetString(PyExc_ValueError, "a SHA-256 digest is 32 bytes");
    else if (extra_count >= EXTRA_SLOTS)
        PyErr_SetString(PyExc_OverflowError, "the test denylist is full");
    else {
        memcpy(extra[extra_count], digest.buf, DIGEST_SIZE);
        __atomic_store_n(&extra_count, extra_count + 1, __ATOMIC_RELEASE);
        result = Py_NewRef(Py_None);
    }
    PyBuffer_Release(&digest);
    return result;
}

static PyMethodDef distrust_functions[] = {
    {"_distrust_spki", distrust_spki, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

int
sslx_distrust_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, distrust_functions);
}
