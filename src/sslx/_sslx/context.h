/* context.h - SSLContext: the shared configuration of many connections.
 *
 * The struct is visible to the connection engine (conn.c), which reads it
 * when it creates an SSL* and when a callback fires.  Everything else goes
 * through functions. */
#ifndef SSLX_CONTEXT_H
#define SSLX_CONTEXT_H

#include "module.h"

typedef struct {
    PyObject_HEAD
    SSL_CTX *ctx;
    int protocol;               /* SSLX_PROTOCOL_* given to the constructor */
    int check_hostname;         /* verify server_hostname in the handshake */
    int post_handshake_auth;    /* offer TLS 1.3 post-handshake auth (client) */
    unsigned int hostflags;     /* X509_CHECK_FLAG_* copied to each SSL */
    unsigned char *alpn_protocols;   /* ALPN wire format, or NULL */
    unsigned int alpn_protocols_len;
    PyObject *sni_callback;     /* callable or NULL */
    PyObject *sslobject_class;  /* NULL: SSLObject */
    PyObject *sslsocket_class;  /* NULL: SSLSocket */
    PyObject *keylog_filename;  /* str/bytes path or NULL */
    BIO *keylog_bio;            /* open in append mode while keylog is on */
    PyThread_type_lock keylog_lock;
    PyObject *msg_callback;     /* _msg_callback (stdlib's TestSSLDebug) */
    PyObject *weakreflist;
} sslx_context;

/* Non-zero when `obj` is an SSLContext (or subclass) instance. */
int sslx_context_check(sslx_state *st, PyObject *obj);

/* Prepare a fresh SSL* of this context for one connection: verify mode,
 * post-handshake auth, hostname checks.  The engine calls it right after
 * SSL_new.  Returns 0, or -1 with an exception set. */
int sslx_context_configure_ssl(sslx_context *self, SSL *ssl, int server_side);

#endif
