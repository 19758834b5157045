/* input_no_pyinit (bad input): a shared object named like an extension module that exports no
 * PyInit_input_no_pyinit (its init function has another name), so no Python can import it.
 * Expected: isocheck refuses it before running anything (exit 2, one line naming the missing
 * PyInit_ function). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "input_no_pyinit",
};

PyMODINIT_FUNC
PyInit_some_other_name(void)
{
    return PyModuleDef_Init(&module_def);
}
