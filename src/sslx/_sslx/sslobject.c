/* sslobject.c - placeholder until the type lands. */
#include "sslobject.h"

PyObject *
sslx_sslobject_new(sslx_state *st, sslx_context *context, PyObject *cls, PyObject *incoming,
                   PyObject *outgoing, int server_side, PyObject *server_hostname,
                   PyObject *session)
{
    (void)st; (void)context; (void)cls; (void)incoming; (void)outgoing;
    (void)server_side; (void)server_hostname; (void)session;
    PyErr_SetString(PyExc_NotImplementedError, "SSLObject is not implemented yet");
    return NULL;
}

int
sslx_sslobject_setup(PyObject *module, sslx_state *st)
{
    (void)module;
    (void)st;
    return 0;
}
