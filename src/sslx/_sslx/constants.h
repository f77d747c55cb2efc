/* constants.h - sslx's own numbering of modes, protocols and encodings
 * (the stdlib's values, which code compares against). */
#ifndef SSLX_CONSTANTS_H
#define SSLX_CONSTANTS_H

enum { SSLX_CERT_NONE = 0, SSLX_CERT_OPTIONAL = 1, SSLX_CERT_REQUIRED = 2 };

enum {
    SSLX_PROTOCOL_SSLv3 = 1,
    SSLX_PROTOCOL_TLS = 2,
    SSLX_PROTOCOL_TLSv1 = 3,
    SSLX_PROTOCOL_TLSv1_1 = 4,
    SSLX_PROTOCOL_TLSv1_2 = 5,
    SSLX_PROTOCOL_TLS_CLIENT = 0x10,
    SSLX_PROTOCOL_TLS_SERVER = 0x11,
};

enum { SSLX_PROTO_MINIMUM_SUPPORTED = -2, SSLX_PROTO_MAXIMUM_SUPPORTED = -1 };

enum { SSLX_ENCODING_PEM = 1, SSLX_ENCODING_DER = 2 };

/* The cipher string of a new context: forward secrecy and AEAD first, no
 * anonymous, null, DSS or SHA-1 suites; the same policy as the stdlib. */
#define SSLX_DEFAULT_CIPHERS \
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

#endif
