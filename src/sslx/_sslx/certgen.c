/* certgen.c - making keys and certificates with OpenSSL, for the `sslx`
 * command's throwaway local CA (serve, demo) and for tests.
 *
 *   _generate_certificate(common_name, *, san=(), issuer_cert=None,
 *                         issuer_key=None, ca=False, days=825,
 *                         not_before_offset=-3600) -> (cert_pem, key_pem)
 *
 * Keys are ECDSA P-256.  `san` holds "DNS:name" / "IP:addr" / "email:x"
 * strings in OpenSSL's subjectAltName syntax.  Without an issuer the
 * certificate is self-signed.  Validity starts `not_before_offset`
 * seconds from now (negative: in the past), so a test can also make an
 * expired certificate with a negative `days`. */
#include "module.h"
#include "errors.h"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

static PyObject *
bio_to_str(BIO *bio)
{
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    return PyUnicode_FromStringAndSize(data, len);
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* "DNS:a,IP:b" from a sequence of str; NULL with an exception set. */
static PyObject *
join_san(PyObject *san)
{
    PyObject *comma = PyUnicode_FromString(",");
    if (comma == NULL)
        return NULL;
    PyObject *joined = PyUnicode_Join(comma, san);
    Py_DECREF(comma);
    return joined;
}

static EVP_PKEY *
load_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return key;
}

static X509 *
load_cert(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return cert;
}

static int
set_random_serial(X509 *cert)
{
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return 0;
    bytes[0] &= 0x7F; /* positive */
    BIGNUM *bn = BN_bin2bn(bytes, sizeof bytes, NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    return ok;
}

/* Fill in and sign `cert`; returns 1 on success (OpenSSL queue on error). */
static int
build_certificate(X509 *cert, EVP_PKEY *key, const char *cn, const char *san, X509 *issuer,
                  EVP_PKEY *issuer_key, int ca, long days, long not_before_offset)
{
    X509_NAME *name = X509_get_subject_name(cert);
    if (!X509_set_version(cert, 2) || !set_random_serial(cert)
        || !X509_gmtime_adj(X509_getm_notBefore(cert), not_before_offset)
        || !X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL)
        || !X509_set_pubkey(cert, key)
        || !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
                                       -1, -1, 0))
        return 0;
    X509 *signer = issuer ? issuer : cert;
    if (!X509_set_issuer_name(cert, X509_get_subject_name(signer)))
        return 0;
    if (!add_ext(cert, signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE")
        || !add_ext(cert, signer, NID_key_usage,
                    ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature")
        || !add_ext(cert, signer, NID_subject_key_identifier, "hash")
        || (issuer && !add_ext(cert, signer, NID_authority_key_identifier, "keyid:always")))
        return 0;
    if (!ca && !add_ext(cert, signer, NID_ext_key_usage, "serverAuth,clientAuth"))
        return 0;
    if (san && *san && !add_ext(cert, signer, NID_subject_alt_name, san))
        return 0;
    return X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
}

static PyObject *
generate_certificate(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"common_name", "san", "issuer_cert", "issuer_key", "ca", "days",
                             "not_before_offset", NULL};
    const char *cn, *issuer_pem = NULL, *issuer_key_pem = NULL;
    PyObject *san = NULL, *san_text = NULL, *result = NULL;
    int ca = 0;
    long days = 825, not_before_offset = -3600;
    sslx_state *st = sslx_state_from_module(module);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|$OzzpLl:_generate_certificate", kwlist,
                                     &cn, &san, &issuer_pem, &issuer_key_pem, &ca, &days,
                                     &not_before_offset))
        return NULL;
    if ((issuer_pem == NULL) != (issuer_key_pem == NULL)) {
        PyErr_SetString(PyExc_ValueError, "issuer_cert and issuer_key go together");
        return NULL;
    }
    if (san && !(san_text = join_san(san)))
        return NULL;
    const char *san_c = san_text ? PyUnicode_AsUTF8(san_text) : NULL;
    if (san_text && san_c == NULL)
        goto done;

    EVP_PKEY *key = NULL, *issuer_key = NULL;
    X509 *cert = NULL, *issuer = NULL;
    BIO *cert_bio = NULL, *key_bio = NULL;
    int ok;
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    if (issuer_pem) {
        issuer = load_cert(issuer_pem);
        issuer_key = load_key(issuer_key_pem);
    }
    cert_bio = BIO_new(BIO_s_mem());
    key_bio = BIO_new(BIO_s_mem());
    ok = key && cert && cert_bio && key_bio && (!issuer_pem || (issuer && issuer_key))
         && build_certificate(cert, key, cn, san_c, issuer, issuer_key, ca, days,
                              not_before_offset)
         && PEM_write_bio_X509(cert_bio, cert)
         && PEM_write_bio_PrivateKey(key_bio, key, NULL, NULL, 0, NULL, NULL);
    Py_END_ALLOW_THREADS
    if (ok)
        result = Py_BuildValue("(NN)", bio_to_str(cert_bio), bio_to_str(key_bio));
    else
        sslx_raise_from_queue(st, NULL, "certificate generation failed", SSLX_HERE);
    EVP_PKEY_free(key);
    EVP_PKEY_free(issuer_key);
    X509_free(cert);
    X509_free(issuer);
    BIO_free(cert_bio);
    BIO_free(key_bio);
done:
    Py_XDECREF(san_text);
    return result;
}

static PyMethodDef certgen_methods[] = {
    {"_generate_certificate", (PyCFunction)(void (*)(void))generate_certificate,
     METH_VARARGS | METH_KEYWORDS,
     "_generate_certificate(common_name, *, san=(), issuer_cert=None, issuer_key=None, "
     "ca=False, days=825, not_before_offset=-3600) -> (cert_pem, key_pem)"},
    {NULL, NULL, 0, NULL},
};

int
sslx_certgen_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, certgen_methods);
}
