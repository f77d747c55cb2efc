/* pem.h - certificates between PEM text and DER bytes (pem.c). */
#ifndef SSLX_PEM_H
#define SSLX_PEM_H

#include "module.h"

/* The PEM text (str) of the DER certificate `der` of `len` bytes, as
 * DER_cert_to_PEM_cert() writes it.  NULL with an exception set. */
PyObject *sslx_der_to_pem(const void *der, Py_ssize_t len);

#endif
