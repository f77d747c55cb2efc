/* distrust.h - public keys that no certificate chain may contain
 * (distrust.c). */
#ifndef SSLX_DISTRUST_H
#define SSLX_DISTRUST_H

#include "module.h"

/* The verify callback every context installs: fails verification with
 * X509_V_ERR_CERT_REJECTED when a certificate of the chain has a
 * distrusted key, otherwise keeps OpenSSL's verdict `ok`. */
int sslx_distrust_verify_cb(int ok, X509_STORE_CTX *store_ctx);

#endif
