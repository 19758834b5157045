/* crash_abort_in_m_free: calls abort() from m_free, i.e. whenever a module object is freed
 * (interpreter teardown, Py_FinalizeEx, or a re-import dropping the old module object).
 *
 * Forensics fixture: imports fine; the crash happens at teardown, and its native backtrace
 * must name aborting_free(). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

static void
aborting_free(void *module)
{
    abort();
}

static int
plain_exec(PyObject *module)
{
    return 0;
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, plain_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "crash_abort_in_m_free",
    .m_size = sizeof(int),  /* m_free is only called for modules with state */
    .m_slots = slots,
    .m_free = aborting_free,
};

PyMODINIT_FUNC
PyInit_crash_abort_in_m_free(void)
{
    return PyModuleDef_Init(&module_def);
}
