/*
 * bad_global_counter -- ONE defect: bump()'s counter is a C global.
 *
 * Multi-phase init, declares Py_MOD_PER_INTERPRETER_GIL_SUPPORTED, holds no
 * Python objects anywhere -- nothing is shared except that bump() increments
 * the C global `static long counter` instead of a field of the module state.
 * Importing alone looks perfectly fine; only exercising the module shows that
 * a fresh module object (in another interpreter, or after a re-import) does
 * not start at 1 but continues the count of the previous one.  (Being a plain
 * C long updated from several interpreters with their own GILs, it is also a
 * data race.)
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Enter Per-Module State" (mutable state must live in the module object);
 *   see also "Managing Global State".
 *
 * The harness should observe: import passes everywhere; with the bump()
 * exercise, the first call in a second module object returns 3 (after two
 * calls in the first) instead of 1 -- state bleed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The defect: per-module mutable state kept in a C global. */
static long counter = 0;

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    counter += 1;
    return PyLong_FromLong(counter);
}

static PyMethodDef module_methods[] = {
    {"bump", bump, METH_NOARGS,
     PyDoc_STR("bump() -> int\n\nIncrement the counter and return it.")},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_global_counter",
    .m_doc = PyDoc_STR("isocheck fixture: keeps its counter in a C global."),
    .m_size = 0,   /* no per-module state: the counter "should" be here */
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_bad_global_counter(void)
{
    return PyModuleDef_Init(&module_def);
}
