/* crash_segv_in_exec: writes through a NULL pointer in Py_mod_exec, on the first import.
 *
 * Forensics fixture (not an isolation defect): every cell that imports it is a SIGSEGV crash,
 * and the crash report's native backtrace must name segfaulting_exec(), its Python traceback
 * the import. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int
segfaulting_exec(PyObject *module)
{
    volatile int *volatile nowhere = NULL;
    *nowhere = 42;
    return 0;
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, segfaulting_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "crash_segv_in_exec",
    .m_size = 0,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit_crash_segv_in_exec(void)
{
    return PyModuleDef_Init(&module_def);
}
