/* truststore.h - the process-wide cache of the default trust store.
 *
 * Parsing the system CA bundle costs tens of milliseconds; creating an
 * SSL_CTX a fraction of one.  Contexts that load the default CA
 * locations and nothing else share one parsed, never-modified
 * X509_STORE; a context that later adds CAs or CRLs of its own first
 * takes a private copy (copy on write).  Verification flags live on each
 * context's X509_VERIFY_PARAM, never on a store, so sharing is safe. */
#ifndef SSLX_TRUSTSTORE_H
#define SSLX_TRUSTSTORE_H

#include "module.h"

/* Create the cache's lock; call once per module exec.  0 or -1. */
int sslx_truststore_init(void);

/* The shared store for OpenSSL's default CA file and directory (as
 * SSL_CERT_FILE / SSL_CERT_DIR select them now), built on first use and
 * rebuilt when those settings or the file change.  Returns a new
 * reference (X509_STORE_free it), or NULL with the OpenSSL error queue
 * set.  Call with the GIL held; it is released while parsing. */
X509_STORE *sslx_truststore_default(void);

/* A private, modifiable copy of a shared default store: the same
 * certificates and CRLs, the same lazy directory lookups.  New store or
 * NULL with the OpenSSL queue set.  Needs no GIL. */
X509_STORE *sslx_truststore_copy(X509_STORE *shared);

#endif
