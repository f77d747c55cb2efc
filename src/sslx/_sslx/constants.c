/* constants.c - the module's integer and version constants.
 *
 * Values come from the OpenSSL headers sslx is compiled against (and
 * OPENSSL_VERSION_* from the library it runs with), so they equal the
 * stdlib's on the same machine.  __init__.py turns them into the
 * documented enum classes. */
#include "module.h"
#include "constants.h"

typedef struct {
    const char *name;
    long long value;
} int_constant;

static const int_constant int_constants[] = {
    /* VerifyMode */
    {"CERT_NONE", SSLX_CERT_NONE},
    {"CERT_OPTIONAL", SSLX_CERT_OPTIONAL},
    {"CERT_REQUIRED", SSLX_CERT_REQUIRED},
    /* VerifyFlags: bits of X509_VERIFY_PARAM */
    {"VERIFY_DEFAULT", 0},
    {"VERIFY_CRL_CHECK_LEAF", X509_V_FLAG_CRL_CHECK},
    {"VERIFY_CRL_CHECK_CHAIN", X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL},
    {"VERIFY_X509_STRICT", X509_V_FLAG_X509_STRICT},
    {"VERIFY_ALLOW_PROXY_CERTS", X509_V_FLAG_ALLOW_PROXY_CERTS},
    {"VERIFY_X509_TRUSTED_FIRST", X509_V_FLAG_TRUSTED_FIRST},
    {"VERIFY_X509_PARTIAL_CHAIN", X509_V_FLAG_PARTIAL_CHAIN},
    /* _SSLMethod */
    {"PROTOCOL_SSLv23", SSLX_PROTOCOL_TLS},
    {"PROTOCOL_TLS", SSLX_PROTOCOL_TLS},
    {"PROTOCOL_TLS_CLIENT", SSLX_PROTOCOL_TLS_CLIENT},
    {"PROTOCOL_TLS_SERVER", SSLX_PROTOCOL_TLS_SERVER},
#ifndef OPENSSL_NO_TLS1_METHOD
    {"PROTOCOL_TLSv1", SSLX_PROTOCOL_TLSv1},
#endif
#ifndef OPENSSL_NO_TLS1_1_METHOD
    {"PROTOCOL_TLSv1_1", SSLX_PROTOCOL_TLSv1_1},
#endif
#ifndef OPENSSL_NO_TLS1_2_METHOD
    {"PROTOCOL_TLSv1_2", SSLX_PROTOCOL_TLSv1_2},
#endif
    /* Options.  OP_ALL leaves out DONT_INSERT_EMPTY_FRAGMENTS, as the
     * stdlib does: empty fragments protect CBC ciphers from BEAST. */
    {"OP_ALL", SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS},
    {"OP_NO_SSLv2", SSL_OP_NO_SSLv2},
    {"OP_NO_SSLv3", SSL_OP_NO_SSLv3},
    {"OP_NO_TLSv1", SSL_OP_NO_TLSv1},
    {"OP_NO_TLSv1_1", SSL_OP_NO_TLSv1_1},
    {"OP_NO_TLSv1_2", SSL_OP_NO_TLSv1_2},
    {"OP_NO_TLSv1_3", SSL_OP_NO_TLSv1_3},
    {"OP_CIPHER_SERVER_PREFERENCE", SSL_OP_CIPHER_SERVER_PREFERENCE},
    {"OP_SINGLE_DH_USE", SSL_OP_SINGLE_DH_USE},
    {"OP_SINGLE_ECDH_USE", SSL_OP_SINGLE_ECDH_USE},
    {"OP_NO_COMPRESSION", SSL_OP_NO_COMPRESSION},
    {"OP_NO_TICKET", SSL_OP_NO_TICKET},
    {"OP_NO_RENEGOTIATION", SSL_OP_NO_RENEGOTIATION},
    {"OP_ENABLE_MIDDLEBOX_COMPAT", SSL_OP_ENABLE_MIDDLEBOX_COMPAT},
    {"OP_IGNORE_UNEXPECTED_EOF", SSL_OP_IGNORE_UNEXPECTED_EOF},
    {"OP_LEGACY_SERVER_CONNECT", SSL_OP_LEGACY_SERVER_CONNECT},
    {"OP_ENABLE_KTLS", SSL_OP_ENABLE_KTLS},
    /* SSLErrorNumber */
    {"SSL_ERROR_SSL", 1},
    {"SSL_ERROR_WANT_READ", 2},
    {"SSL_ERROR_WANT_WRITE", 3},
    {"SSL_ERROR_WANT_X509_LOOKUP", 4},
    {"SSL_ERROR_SYSCALL", 5},
    {"SSL_ERROR_ZERO_RETURN", 6},
    {"SSL_ERROR_WANT_CONNECT", 7},
    {"SSL_ERROR_EOF", 8},
    {"SSL_ERROR_INVALID_ERROR_CODE", 10},
    /* TLSVersion (PROTO_*) */
    {"PROTO_MINIMUM_SUPPORTED", SSLX_PROTO_MINIMUM_SUPPORTED},
    {"PROTO_MAXIMUM_SUPPORTED", SSLX_PROTO_MAXIMUM_SUPPORTED},
    {"PROTO_SSLv3", SSL3_VERSION},
    {"PROTO_TLSv1", TLS1_VERSION},
    {"PROTO_TLSv1_1", TLS1_1_VERSION},
    {"PROTO_TLSv1_2", TLS1_2_VERSION},
    {"PROTO_TLSv1_3", TLS1_3_VERSION},
    /* hostname check flags of X509_VERIFY_PARAM */
    {"HOSTFLAG_ALWAYS_CHECK_SUBJECT", X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT},
    {"HOSTFLAG_NEVER_CHECK_SUBJECT", X509_CHECK_FLAG_NEVER_CHECK_SUBJECT},
    {"HOSTFLAG_NO_WILDCARDS", X509_CHECK_FLAG_NO_WILDCARDS},
    {"HOSTFLAG_NO_PARTIAL_WILDCARDS", X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS},
    {"HOSTFLAG_MULTI_LABEL_WILDCARDS", X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS},
    {"HOSTFLAG_SINGLE_LABEL_SUBDOMAINS", X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS},
    /* Certificate encodings */
    {"ENCODING_PEM", SSLX_ENCODING_PEM},
    {"ENCODING_DER", SSLX_ENCODING_DER},
    /* AlertDescription: TLS alert numbers */
    {"ALERT_DESCRIPTION_CLOSE_NOTIFY", SSL_AD_CLOSE_NOTIFY},
    {"ALERT_DESCRIPTION_UNEXPECTED_MESSAGE", SSL_AD_UNEXPECTED_MESSAGE},
    {"ALERT_DESCRIPTION_BAD_RECORD_MAC", SSL_AD_BAD_RECORD_MAC},
    {"ALERT_DESCRIPTION_RECORD_OVERFLOW", SSL_AD_RECORD_OVERFLOW},
    {"ALERT_DESCRIPTION_DECOMPRESSION_FAILURE", SSL_AD_DECOMPRESSION_FAILURE},
    {"ALERT_DESCRIPTION_HANDSHAKE_FAILURE", SSL_AD_HANDSHAKE_FAILURE},
    {"ALERT_DESCRIPTION_BAD_CERTIFICATE", SSL_AD_BAD_CERTIFICATE},
    {"ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE", SSL_AD_UNSUPPORTED_CERTIFICATE},
    {"ALERT_DESCRIPTION_CERTIFICATE_REVOKED", SSL_AD_CERTIFICATE_REVOKED},
    {"ALERT_DESCRIPTION_CERTIFICATE_EXPIRED", SSL_AD_CERTIFICATE_EXPIRED},
    {"ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN", SSL_AD_CERTIFICATE_UNKNOWN},
    {"ALERT_DESCRIPTION_ILLEGAL_PARAMETER", SSL_AD_ILLEGAL_PARAMETER},
    {"ALERT_DESCRIPTION_UNKNOWN_CA", SSL_AD_UNKNOWN_CA},
    {"ALERT_DESCRIPTION_ACCESS_DENIED", SSL_AD_ACCESS_DENIED},
    {"ALERT_DESCRIPTION_DECODE_ERROR", SSL_AD_DECODE_ERROR},
    {"ALERT_DESCRIPTION_DECRYPT_ERROR", SSL_AD_DECRYPT_ERROR},
    {"ALERT_DESCRIPTION_PROTOCOL_VERSION", SSL_AD_PROTOCOL_VERSION},
    {"ALERT_DESCRIPTION_INSUFFICIENT_SECURITY", SSL_AD_INSUFFICIENT_SECURITY},
    {"ALERT_DESCRIPTION_INTERNAL_ERROR", SSL_AD_INTERNAL_ERROR},
    {"ALERT_DESCRIPTION_USER_CANCELLED", SSL_AD_USER_CANCELLED},
    {"ALERT_DESCRIPTION_NO_RENEGOTIATION", SSL_AD_NO_RENEGOTIATION},
    {"ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION", SSL_AD_UNSUPPORTED_EXTENSION},
    {"ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE", SSL_AD_CERTIFICATE_UNOBTAINABLE},
    {"ALERT_DESCRIPTION_UNRECOGNIZED_NAME", SSL_AD_UNRECOGNIZED_NAME},
    {"ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE",
     SSL_AD_BAD_CERTIFICATE_STATUS_RESPONSE},
    {"ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE", SSL_AD_BAD_CERTIFICATE_HASH_VALUE},
    {"ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY", SSL_AD_UNKNOWN_PSK_IDENTITY},
    {NULL, 0},
};

typedef struct {
    const char *name;
    int value;
} bool_constant;

static const bool_constant bool_constants[] = {
    {"HAS_SNI", 1},
    {"HAS_ECDH", 1},
    {"HAS_ALPN", 1},
    /* NPN is obsolete; like the stdlib since 3.10, sslx does not offer it. */
    {"HAS_NPN", 0},
    {"HAS_TLS_UNIQUE", 1},
    {"HAS_NEVER_CHECK_COMMON_NAME", 1},
    /* TLS-PSK callbacks (Python 3.13's API, context_psk.c), on every
     * interpreter. */
    {"HAS_PSK", 1},
    /* 3.14's and 3.15's names: TLS 1.3 post-handshake authentication
     * (every OpenSSL 3), and TLS 1.3 external PSKs through the PSK
     * callbacks (context_psk.c), on every interpreter. */
    {"HAS_PHA", 1},
    {"HAS_PSK_TLS13", 1},
    {"HAS_SSLv2", 0},
#ifndef OPENSSL_NO_SSL3
    {"HAS_SSLv3", 1},
#else
    {"HAS_SSLv3", 0},
#endif
#ifndef OPENSSL_NO_TLS1
    {"HAS_TLSv1", 1},
#else
    {"HAS_TLSv1", 0},
#endif
#ifndef OPENSSL_NO_TLS1_1
    {"HAS_TLSv1_1", 1},
#else
    {"HAS_TLSv1_1", 0},
#endif
#ifndef OPENSSL_NO_TLS1_2
    {"HAS_TLSv1_2", 1},
#else
    {"HAS_TLSv1_2", 0},
#endif
#ifndef OPENSSL_NO_TLS1_3
    {"HAS_TLSv1_3", 1},
#else
    {"HAS_TLSv1_3", 0},
#endif
    {NULL, 0},
};

/* (major, minor, fix, patch, status) from a 0xMNN00PP0L-style number, the
 * shape of the stdlib's OPENSSL_VERSION_INFO. */
static PyObject *
version_info(unsigned long n)
{
    unsigned int status = n & 0xF;
    n >>= 4;
    unsigned int patch = n & 0xFF;
    n >>= 8;
    unsigned int fix = n & 0xFF;
    n >>= 8;
    unsigned int minor = n & 0xFF;
    n >>= 8;
    unsigned int major = n & 0xFF;
    return Py_BuildValue("(IIIII)", major, minor, fix, patch, status);
}

static int
add_version_constants(PyObject *module)
{
    /* The library sslx runs with, not the headers it was built with. */
    unsigned long number = OpenSSL_version_num();
    if (sslx_add_int(module, "OPENSSL_VERSION_NUMBER", (long long)number) < 0)
        return -1;
    if (sslx_add_new(module, "OPENSSL_VERSION_INFO", version_info(number)) < 0)
        return -1;
    if (sslx_add_new(module, "OPENSSL_VERSION",
                     PyUnicode_FromString(OpenSSL_version(OPENSSL_VERSION))) < 0)
        return -1;
    if (sslx_add_new(module, "_OPENSSL_API_VERSION", version_info(OPENSSL_VERSION_NUMBER)) < 0)
        return -1;
    return 0;
}

int
sslx_constants_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    for (const int_constant *c = int_constants; c->name; c++)
        if (sslx_add_int(module, c->name, c->value) < 0)
            return -1;
    for (const bool_constant *b = bool_constants; b->name; b++)
        if (PyModule_AddObjectRef(module, b->name, b->value ? Py_True : Py_False) < 0)
            return -1;
    if (PyModule_AddStringConstant(module, "_DEFAULT_CIPHERS", SSLX_DEFAULT_CIPHERS) < 0)
        return -1;
    return add_version_constants(module);
}
