/* functions.c - module-level functions (RAND_*, certificate helpers,
 * match_hostname, get_default_verify_paths, nid2obj/txt2obj). */
#include "module.h"

static PyMethodDef functions_methods[] = {
    {NULL, NULL, 0, NULL},
};

int
sslx_functions_setup(PyObject *module, sslx_state *st)
{
    (void)st;
    return PyModule_AddFunctions(module, functions_methods);
}
