/* crash_fatal_error: calls Py_FatalError() in Py_mod_exec, on the first import.
 *
 * Forensics fixture: the crash report must say "Py_FatalError: ..." with the message below, and
 * its native backtrace must name fatal_exec(). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int
fatal_exec(PyObject *module)
{
    Py_FatalError("crash_fatal_error gives up on purpose");
    return 0;
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, fatal_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "crash_fatal_error",
    .m_size = 0,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit_crash_fatal_error(void)
{
    return PyModuleDef_Init(&module_def);
}
