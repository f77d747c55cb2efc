/* sslsocket.c - placeholder until the type lands. */
#include "sslsocket.h"

PyObject *
sslx_sslsocket_new(sslx_state *st, sslx_context *context, PyObject *cls, PyObject *sock,
                   int server_side, int do_handshake_on_connect, int suppress_ragged_eofs,
                   PyObject *server_hostname, PyObject *session)
{
    (void)st; (void)context; (void)cls; (void)sock; (void)server_side;
    (void)do_handshake_on_connect; (void)suppress_ragged_eofs; (void)server_hostname;
    (void)session;
    PyErr_SetString(PyExc_NotImplementedError, "SSLSocket is not implemented yet");
    return NULL;
}

int
sslx_sslsocket_setup(PyObject *module, sslx_state *st)
{
    (void)module;
    (void)st;
    return 0;
}
