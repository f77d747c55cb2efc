/* certdecode.c - placeholder until certificate decoding lands. */
#include "certdecode.h"
#include "errors.h"

PyObject *
sslx_cert_to_dict(sslx_state *st, X509 *cert)
{
    (void)st;
    (void)cert;
    PyErr_SetString(PyExc_NotImplementedError, "certificate decoding is not implemented yet");
    return NULL;
}

PyObject *
sslx_cert_to_der(sslx_state *st, X509 *cert)
{
    unsigned char *der = NULL;
    int len = i2d_X509(cert, &der);
    if (len < 0)
        return sslx_raise_from_queue(st, NULL, "cannot encode certificate", SSLX_HERE);
    PyObject *result = PyBytes_FromStringAndSize((const char *)der, len);
    OPENSSL_free(der);
    return result;
}
