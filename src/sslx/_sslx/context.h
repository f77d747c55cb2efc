/* context.h - SSLContext: the shared configuration of many connections.
 *
 * The struct is visible to the connection engine (conn.c), which reads it
 * when it creates an SSL* and when a callback fires.  Everything else goes
 * through functions.
 *
 * Callbacks registered on the SSL_CTX (servername, ALPN selection, keylog, PSK)
 * find their sslx_context through SSL_CTX_get_app_data(), a borrowed
 * pointer that dealloc clears before the SSL_CTX is released, so an SSL*
 * outliving its Python context sees NULL rather than freed memory. */
#ifndef SSLX_CONTEXT_H
#define SSLX_CONTEXT_H

#include "module.h"
#include <pythread.h>

typedef struct {
    PyObject_HEAD
    SSL_CTX *ctx;
    int protocol;               /* SSLX_PROTOCOL_* given to the constructor */
    int fixed_version;          /* TLS1*_VERSION for PROTOCOL_TLSv1*, else 0 */
    int check_hostname;         /* verify server_hostname in the handshake */
    int post_handshake_auth;    /* offer TLS 1.3 post-handshake auth */
    unsigned int hostflags;     /* X509_CHECK_FLAG_* copied to each SSL */
    char *cipher_spec;          /* set_ciphers() string, applied to each SSL;
                                 * NULL: the SSL_CTX's default list */
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
    PyObject *weakreflist;
} sslx_context;

/* Non-zero when `obj` is an SSLContext (or subclass) instance. */
int sslx_context_check(sslx_state *st, PyObject *obj);

/* The sslx_context whose SSL_CTX is `ctx` (borrowed), or NULL when that
 * context is gone.  Callers hold the GIL. */
sslx_context *sslx_context_from_ctx(SSL_CTX *ctx);

/* Prepare a fresh SSL* of this context for one connection: verify mode,
 * post-handshake auth, hostname checks.  The engine calls it right after
 * SSL_new.  Returns 0, or -1 with an exception set. */
int sslx_context_configure_ssl(sslx_context *self, SSL *ssl, int server_side);

/* After SSL_set_SSL_CTX(ssl, to->ctx) (an SNI callback assigning
 * `connection.context`): give the connection the cipher list of its new
 * context.  `from` is the context it had.  Returns 0, or -1 with an
 * exception set. */
int sslx_context_adopt_ssl(sslx_context *from, sslx_context *to, SSL *ssl);

#endif
