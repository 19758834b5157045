/*
 * bad_exception_last_importer -- ONE defect: the class it raises is the last importer's.
 *
 * Multi-phase init, per-module state holding a per-module-object `Error` (made in exec, as the
 * HOWTO says), heap types only.  But the class its code *raises* is kept in a C global,
 * `raising_error`, which every exec overwrites: after interpreter B imports the module, code
 * running in interpreter A raises B's Error, which A's `except mod.Error` does not catch.
 * Nothing is shared between the two namespaces, and B behaves: only A, after B, goes wrong.
 *
 * bump() raises `raising_error` and catches it with its own module object's Error, as a
 * caller of the module would (`except mod.Error`); when the two differ the exception escapes.
 *
 * HOWTO "Isolating Extension Modules" section violated: "Managing Global State" (and "Heap
 * Types": exception classes belong in module state).
 *
 * The harness should observe: `isolation` fails only when it exercises A again after B
 * imported (issue #17 item 2); `reimport` fails (the old module object raises the new one's
 * class). Everything else passes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
    PyObject *error;
} module_state;

/* The defect: one raised class for the whole process, the last importer's. */
static PyObject *raising_error = NULL;

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)unused;
    module_state *st = (module_state *)PyModule_GetState(module);
    PyErr_SetString(raising_error, "raised to be caught");
    if (!PyErr_ExceptionMatches(st->error)) {
        return NULL;   /* `except mod.Error` missed it: the caller sees it escape */
    }
    PyErr_Clear();
    st->counter += 1;
    return PyLong_FromLong(st->counter);
}

static PyMethodDef module_methods[] = {
    {"bump", bump, METH_NOARGS,
     PyDoc_STR("bump() -> int\n\nRaise and catch Error, then increment this module object's counter.")},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    module_state *st = (module_state *)PyModule_GetState(module);
    st->counter = 0;
    st->error = PyErr_NewException("bad_exception_last_importer.Error", NULL, NULL);
    if (st->error == NULL || PyModule_AddObjectRef(module, "Error", st->error) < 0) {
        return -1;
    }
    Py_XSETREF(raising_error, Py_NewRef(st->error));
    return 0;
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    module_state *st = (module_state *)PyModule_GetState(module);
    Py_VISIT(st->error);
    return 0;
}

static int
module_clear(PyObject *module)
{
    module_state *st = (module_state *)PyModule_GetState(module);
    if (raising_error == st->error) {
        Py_CLEAR(raising_error);   /* never leave the global pointing into a dead interpreter */
    }
    Py_CLEAR(st->error);
    return 0;
}

static void
module_free(void *module)
{
    module_clear((PyObject *)module);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_exception_last_importer",
    .m_doc = PyDoc_STR("isocheck fixture: raises the last importer's exception class."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_bad_exception_last_importer(void)
{
    return PyModuleDef_Init(&module_def);
}
