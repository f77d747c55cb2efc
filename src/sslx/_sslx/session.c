/* session.c - placeholder until the type lands. */
#include "module.h"

int
sslx_session_setup(PyObject *module, sslx_state *st)
{
    (void)module;
    (void)st;
    return 0;
}
