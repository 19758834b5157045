/*
 * bad_crash_second_exec -- ONE defect: crashes (SIGSEGV) when executed a
 * second time in the process.
 *
 * Multi-phase init, bump() counter in module state, declares
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED -- all correct -- except that
 * Py_mod_exec counts its executions in the C global `exec_count` and, on the
 * second execution in the process (second interpreter, or a re-import in the
 * same one), writes through a NULL pointer.  Pointer and store are volatile so
 * the compiler has to emit the store.  It stands for the many real modules that
 * silently assume "exec runs once per process".
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Surprising Edge Cases" (a module may be loaded several times, in several
 *   interpreters); see also "Isolated Module Objects".  The honest
 *   alternative is "Opt-Out: Limiting to One Module Object per Process".
 *
 * The harness should observe: the first import (and bump() 1, 2) is fine;
 * the second import anywhere in the process kills it with SIGSEGV -> a
 * `crash` cell with forensics, after which the harness carries on.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
} module_state;

/* The defect: process-wide "already executed" bookkeeping ... */
static int exec_count = 0;

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)unused;
    module_state *st = (module_state *)PyModule_GetState(module);
    st->counter += 1;
    return PyLong_FromLong(st->counter);
}

static PyMethodDef module_methods[] = {
    {"bump", bump, METH_NOARGS,
     PyDoc_STR("bump() -> int\n\nIncrement this module object's counter and return it.")},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    module_state *st = (module_state *)PyModule_GetState(module);
    st->counter = 0;
    exec_count += 1;
    if (exec_count >= 2) {
        /* ... and the code that only works the first time. */
        /* Both the pointer and the store are volatile: gcc would otherwise
         * prove the pointer points to nothing and delete the store. */
        volatile int *volatile null_ptr = NULL;
        *null_ptr = exec_count;   /* SIGSEGV */
    }
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_crash_second_exec",
    .m_doc = PyDoc_STR("isocheck fixture: segfaults on the second exec in the process."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_bad_crash_second_exec(void)
{
    return PyModuleDef_Init(&module_def);
}
