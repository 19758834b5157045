/* crash_in_crash_handler: corrupts the interpreter's frame chain, then writes through NULL.
 *
 * Forensics fixture for the forensics themselves: isocheck's crash handler follows the frame
 * chain to dump the Python traceback and faults again inside the handler. The cell must still
 * be a crash named SIGSEGV (the kernel kills a process that faults while handling that signal),
 * with the native backtrace the handler wrote before it died. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int
corrupting_exec(PyObject *module)
{
    PyThreadState *tstate = PyThreadState_Get();
#if PY_VERSION_HEX >= 0x030D0000
    tstate->current_frame = (struct _PyInterpreterFrame *)(uintptr_t)0x10;
#else
    tstate->cframe = (_PyCFrame *)(uintptr_t)0x10;
#endif
    volatile int *volatile nowhere = NULL;
    *nowhere = 42;
    return 0;
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, corrupting_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "crash_in_crash_handler",
    .m_size = 0,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit_crash_in_crash_handler(void)
{
    return PyModuleDef_Init(&module_def);
}
