/* context_internal.h - pieces of SSLContext shared between its files:
 *   context.c           the type, construction, life cycle, method table
 *   context_attrs.c     the attributes (getters, setters, getset table)
 *   context_wrap.c      wrap_socket()/wrap_bio(), argument rules, new SSL*s
 *   context_load.c      certificates, keys, CA stores, DH parameters
 *   context_ciphers.c   cipher suites, curves, ALPN/NPN, session stats
 *   context_callbacks.c SNI, ALPN selection and keylog callbacks
 *   context_psk.c       TLS-PSK callbacks
 *   context_create.c    create_default_context() and friends
 * Not for use outside SSLContext. */
#ifndef SSLX_CONTEXT_INTERNAL_H
#define SSLX_CONTEXT_INTERNAL_H

#include "context.h"
#include <pythread.h>

/* Room for the stdlib base's part of the object (SSLContext is a C
 * subtype of ssl.SSLContext, whose C base _ssl._SSLContext has fields of
 * its own, plus what a Python class adds: pybase.c).  sslx never touches
 * it; context.c checks at import that the base fits. */
#define SSLX_STDLIB_CONTEXT_ROOM 224

struct sslx_context {
    PyObject_HEAD
    char stdlib_part[SSLX_STDLIB_CONTEXT_ROOM - sizeof(PyObject)];
    SSL_CTX *ctx;
    int protocol;               /* SSLX_PROTOCOL_* given to the constructor */
    int fixed_version;          /* TLS1*_VERSION for PROTOCOL_TLSv1*, else 0 */
    int check_hostname;         /* verify server_hostname in the handshake */
    int post_handshake_auth;    /* offer TLS 1.3 post-handshake auth */
    unsigned int hostflags;     /* X509_CHECK_FLAG_* copied to each SSL */
    char *cipher_spec;          /* set_ciphers() string, applied to each SSL;
                                 * NULL: the SSL_CTX's default list */
    char *ciphersuites_spec;    /* set_ciphersuites() (TLS 1.3), likewise */
    unsigned char *alpn_protocols;   /* ALPN wire format, or NULL */
    unsigned int alpn_protocols_len;
    PyObject *sni_callback;     /* callable or NULL */
    int sni_ulabel;             /* set_servername_callback: pass U-labels */
    PyObject *sslobject_class;  /* NULL: SSLObject */
    PyObject *sslsocket_class;  /* NULL: SSLSocket */
    PyObject *keylog_filename;  /* the object given (str/bytes/PathLike) or NULL */
    BIO *keylog_bio;            /* open in append mode while keylog is on */
    PyThread_type_lock keylog_lock;  /* serialises keylog writes and swaps */
    PyObject *msg_callback;     /* _msg_callback (stdlib's TestSSLDebug) */
    PyObject *psk_client_callback;   /* set_psk_client_callback(), or NULL */
    PyObject *psk_server_callback;   /* set_psk_server_callback(), or NULL */
    /* Trust store sharing (truststore.h).  Replaced stores stay referenced
     * here until dealloc, so a handshake still verifying with one in
     * another thread never sees it freed. */
    X509_STORE *shared_store;   /* the shared store (default or a CA file), once used */
    int shared_default;         /* shared_store is the default paths' store */
    X509_STORE *initial_store;  /* the SSL_CTX's own first store, once replaced */
    int store_modified;         /* CAs/CRLs were added to a private store */
    /* ---- beyond the stdlib (context_features.h) ---- */
    PyObject *ocsp_response;    /* set_ocsp_response(): DER bytes or a callable, or NULL */
    unsigned char ocsp_request; /* request_ocsp_stapling */
    unsigned char ocsp_verify;  /* verify_ocsp_stapling */
};

/* The module state of a context (never NULL for sslx_context objects). */
#define SSLX_CONTEXT_STATE(self) sslx_state_from_type(Py_TYPE(self))

/* context_load.c: the `password` argument of load_cert_chain(), shared
 * with context_credentials.c (keys and PKCS#12 bundles from memory). */
typedef struct {
    PyObject *callable;     /* called (with the GIL) when the key needs it */
    char *copy;             /* a str/bytes password, wiped when freed */
    int copy_len;
    int failed;             /* the callable failed; its exception is set */
} sslx_password_source;
/* From a str, bytes, bytearray or callable `password` (not None):
 * 0, or -1 with the stdlib's TypeError/ValueError set. */
int sslx_password_source_init(sslx_password_source *src, PyObject *password);
void sslx_password_source_wipe(sslx_password_source *src);
/* A pem_password_cb whose userdata is an sslx_password_source; runs
 * without the GIL (takes it to call a callable). */
int sslx_password_cb(char *buf, int size, int rwflag, void *userdata);

/* context_load.c */
PyObject *sslx_context_load_cert_chain(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_context_load_verify_locations(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_context_load_default_certs(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_context_set_default_verify_paths(sslx_context *self, PyObject *unused);
PyObject *sslx_context_load_dh_params(sslx_context *self, PyObject *path);
PyObject *sslx_context_get_ca_certs(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_context_cert_store_stats(sslx_context *self, PyObject *unused);

/* context_ciphers.c */
PyObject *sslx_context_get_ciphers(sslx_context *self, PyObject *unused);
PyObject *sslx_context_set_ciphers(sslx_context *self, PyObject *args);
PyObject *sslx_context_set_ecdh_curve(sslx_context *self, PyObject *name);
PyObject *sslx_context_set_ciphersuites(sslx_context *self, PyObject *arg);
PyObject *sslx_context_set_groups(sslx_context *self, PyObject *arg);
PyObject *sslx_context_get_groups(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_context_set_client_sigalgs(sslx_context *self, PyObject *arg);
PyObject *sslx_context_set_server_sigalgs(sslx_context *self, PyObject *arg);
/* Give `ssl` the cipher lists set_ciphers()/set_ciphersuites() chose for
 * `self` (nothing when neither was called); with `from`, the context the
 * SSL had before an SNI switch, also undo lists `from` had set. */
void sslx_context_apply_ciphers(sslx_context *self, sslx_context *from, SSL *ssl);
PyObject *sslx_context_set_alpn_protocols(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_context_set_npn_protocols(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_context_session_stats(sslx_context *self, PyObject *unused);

/* context_callbacks.c */
/* Install `callback` (None clears) as the servername callback; `ulabel`
 * selects U-label server names (set_servername_callback). */
int sslx_context_set_sni(sslx_context *self, PyObject *callback, int ulabel);
/* Route ALPN selection of server connections through self->alpn_protocols. */
void sslx_context_enable_alpn_select(sslx_context *self);
/* keylog_filename = value (None turns logging off). 0 or -1. */
int sslx_context_set_keylog(sslx_context *self, PyObject *value);
/* _msg_callback = callback (None turns tracing off).  0 or -1. */
int sslx_context_set_msg_callback(sslx_context *self, PyObject *callback);
/* Close the keylog file (dealloc). */
void sslx_context_close_keylog(sslx_context *self);

/* context_psk.c: set_psk_client_callback(callback) and
 * set_psk_server_callback(callback, identity_hint=None). */
PyObject *sslx_context_set_psk_client_callback(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_context_set_psk_server_callback(sslx_context *self, PyObject *args, PyObject *kwds);

/* context_load.c: make the context's trust store its own before a CA or
 * CRL is added (copy on write of the shared default store). 0 or -1. */
int sslx_context_private_store(sslx_context *self);

/* context_create.c: module-level functions. */
int sslx_context_create_setup(PyObject *module, sslx_state *st);

/* context_attrs.c: the getset table; set_servername_callback(); setters
 * reused by the factories. */
extern PyGetSetDef sslx_context_getset[];
PyObject *sslx_context_set_servername_callback(sslx_context *self, PyObject *args,
                                               PyObject *kwds);
int sslx_context_set_verify_mode(sslx_context *self, int mode);
int sslx_context_set_check_hostname(sslx_context *self, int on);

/* context_wrap.c: wrap_bio(...) and wrap_socket(...). */
PyObject *sslx_context_wrap_bio(sslx_context *self, PyObject *args, PyObject *kwds);
PyObject *sslx_context_wrap_socket(sslx_context *self, PyObject *args, PyObject *kwds);

/* Purpose of a Purpose-like object (anything with an `oid`):
 * 1 SERVER_AUTH, 2 CLIENT_AUTH, 0 another purpose, -1 TypeError(purpose)
 * set.  NULL or None means the default, SERVER_AUTH. */
enum { SSLX_PURPOSE_OTHER = 0, SSLX_PURPOSE_SERVER = 1, SSLX_PURPOSE_CLIENT = 2 };
int sslx_purpose_kind(PyObject *purpose);

#endif
