/* truststore.h - the process-wide cache of parsed trust stores: the
 * default paths' store and those of CA files.
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

/* Create the cache's lock and add the private _truststore_parses()
 * (module exec).  0 or -1 with an exception. */
int sslx_truststore_setup(PyObject *module, sslx_state *st);

/* The shared store for OpenSSL's default CA file and directory (as
 * SSL_CERT_FILE / SSL_CERT_DIR select them now), built on first use and
 * rebuilt when those settings or the file change.  Returns a new
 * reference (X509_STORE_free it), or NULL with the OpenSSL error queue
 * set.  Call with the GIL held; it is released while parsing. */
X509_STORE *sslx_truststore_default(void);

/* The shared store holding the certificates and CRLs of the PEM file
 * `path`, parsed once per version of the file: the cache is keyed by
 * path, device, inode, size, modification and status-change times, so a
 * changed file is parsed again (a file changed in the last seconds is
 * always parsed again: truststore.c says why).  New reference, or NULL
 * when the file is not a regular file or does not parse (nothing is
 * cached then; the caller loads it the ordinary way to report the
 * error).  Call with the GIL held; it is released while waiting and
 * parsing. */
X509_STORE *sslx_truststore_file(const char *path);

/* Add the certificates and CRLs of `from` to `to` (they are shared by
 * reference, immutable); with `default_lookups`, also the lazy
 * directory and store-URI lookups the default paths install.  0, or -1
 * with the OpenSSL queue set.  Needs no GIL. */
int sslx_truststore_merge(X509_STORE *to, X509_STORE *from, int default_lookups);

/* A private, modifiable copy of a shared store (merge into a new store).
 * New store or NULL with the OpenSSL queue set.  Needs no GIL. */
X509_STORE *sslx_truststore_copy(X509_STORE *shared, int default_lookups);

#endif
