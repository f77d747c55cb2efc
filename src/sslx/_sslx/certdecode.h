/* certdecode.h - X509 certificates as Python values: the getpeercert()
 * dict, DER bytes. */
#ifndef SSLX_CERTDECODE_H
#define SSLX_CERTDECODE_H

#include "module.h"

/* The dict getpeercert() returns for `cert` (subject, issuer, version,
 * serialNumber, notBefore, notAfter, subjectAltName, OCSP, caIssuers,
 * crlDistributionPoints), as the stdlib builds it.  New reference, or NULL
 * with an exception set. */
PyObject *sslx_cert_to_dict(sslx_state *st, X509 *cert);

/* The DER encoding of `cert` as bytes.  New reference or NULL. */
PyObject *sslx_cert_to_der(sslx_state *st, X509 *cert);

#endif
