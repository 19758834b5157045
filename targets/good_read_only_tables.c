/*
 * good_read_only_tables -- a clean module whose only global is a table that is
 * read and never written (no defect).
 *
 * Multi-phase init, the bump() counter in module state, no types,
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED: isolated in every section of the HOWTO
 * "Isolating Extension Modules".  Its `step_table` is not `static` (as tables
 * shared by several translation units of a real module are not), so the
 * compiler cannot prove that nothing writes it and keeps it in writable .data;
 * it is hidden, so only this file's code can reach it, and that code only reads
 * it (bump() adds step_table[0], which is 1).
 *
 * What the harness should observe: every check passes; `lint` is clean and
 * lists `step_table` as "never written after load".  Before #17 item 5's
 * code analysis, lint warned about it as a writable global.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

__attribute__((visibility("hidden"))) long step_table[4] = {1, 2, 3, 4};

typedef struct {
    long counter;
} module_state;

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)unused;
    module_state *st = (module_state *)PyModule_GetState(module);
    st->counter += step_table[0];
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
    ((module_state *)PyModule_GetState(module))->counter = 0;
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "good_read_only_tables",
    .m_doc = PyDoc_STR("isocheck fixture: a global table that is only read."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_good_read_only_tables(void)
{
    return PyModuleDef_Init(&module_def);
}
