/* pybase.h - living inside the stdlib's Python classes (pybase.c). */
#ifndef SSLX_PYBASE_H
#define SSLX_PYBASE_H

#include "module.h"

/* Visit / clear the instance dictionary the Python base class gives
 * `self`, wherever this interpreter keeps it. */
int sslx_pybase_traverse(PyObject *self, visitproc visit, void *arg);
void sslx_pybase_clear(PyObject *self);

/* ImportError unless every name that the stdlib class `stdlib` and its
 * bases up to (not including) `stop` define resolves, on `type`, to
 * something else than the stdlib's own (sslx shadows them all). */
int sslx_pybase_check_shadowed(PyTypeObject *type, PyTypeObject *stdlib, PyTypeObject *stop);

#endif
