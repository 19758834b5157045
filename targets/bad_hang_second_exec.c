/*
 * bad_hang_second_exec -- ONE defect: hangs forever, holding the GIL, when
 * executed a second time in the process.
 *
 * Multi-phase init, bump() counter in module state, declares
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED -- all correct -- except that
 * Py_mod_exec counts its executions in the C global `exec_count` and, on the
 * second execution in the process (second interpreter, or a re-import in the
 * same one), spins in an endless loop without releasing the GIL.  The loop
 * condition is a volatile variable so the compiler has to keep the loop.
 * It stands for real modules that wait for a process-wide resource that the
 * first module object still holds (a deadlock).
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Surprising Edge Cases" (a module may be loaded several times, in several
 *   interpreters); see also "Isolated Module Objects".
 *
 * The harness should observe: the first import (and bump() 1, 2) is fine;
 * the second import anywhere in the process never returns (100% CPU; no
 * Python-level signal handler or timeout can interrupt it) -> a `timeout`
 * cell; the harness must kill the worker process and carry on.
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
        /* ... and the code that only works the first time: wait, with the
         * GIL held, for something that never happens. */
        volatile int spinning = 1;
        while (spinning) {
        }
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
    .m_name = "bad_hang_second_exec",
    .m_doc = PyDoc_STR("isocheck fixture: hangs on the second exec in the process."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_bad_hang_second_exec(void)
{
    return PyModuleDef_Init(&module_def);
}
