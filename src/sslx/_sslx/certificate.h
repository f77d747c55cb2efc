/* certificate.h - sslx.Certificate: a read-only X509 certificate object,
 * public (from_pem, from_der, fields, fingerprint), and the items of the
 * private _sslobj.get_verified_chain()/get_unverified_chain() (the
 * stdlib's _ssl.Certificate).  The type is made in module exec
 * (sslx_certificate_setup, module.h). */
#ifndef SSLX_CERTIFICATE_H
#define SSLX_CERTIFICATE_H

#include "module.h"

/* A list of Certificate objects for `chain`, with `first` (may be NULL)
 * put before the chain's own certificates.  Takes its own references.
 * New reference, or NULL with an exception set. */
PyObject *sslx_certificate_list(sslx_state *st, STACK_OF(X509) *chain, X509 *first);

#endif
