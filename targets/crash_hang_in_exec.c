/* crash_hang_in_exec: spins forever in Py_mod_exec holding its GIL, on the first import.
 *
 * Forensics fixture: every cell that imports it times out; the timeout report must carry a
 * native backtrace naming spinning_exec() and the Python traceback of the import. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int
spinning_exec(PyObject *module)
{
    /* An empty asm statement is a side effect the optimiser must keep, so the loop spins
     * for ever; a volatile counter that is only written is -Wunused-but-set-variable on
     * GCC 16. */
    for (;;) {
        __asm__ __volatile__("");
    }
    return 0;
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, spinning_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "crash_hang_in_exec",
    .m_size = 0,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit_crash_hang_in_exec(void)
{
    return PyModuleDef_Init(&module_def);
}
