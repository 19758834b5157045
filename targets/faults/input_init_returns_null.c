/* input_init_returns_null (bad input): PyInit_ returns NULL without setting an exception.
 * CPython turns that into SystemError ("initialization of ... failed without raising an
 * exception"). Expected: the import cells fail with that SystemError, nothing crashes. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyMODINIT_FUNC
PyInit_input_init_returns_null(void)
{
    return NULL;
}
