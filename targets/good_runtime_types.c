/*
 * good_runtime_types -- NO defect: it exposes types that CPython itself owns.
 *
 * Multi-phase init, per-module state, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED, and in its
 * namespace CPython's own static builtin types (Context, ContextVar, Token), exactly as the
 * stdlib's _contextvars does.  Those types are one object per process, but they are the
 * runtime's: their __flags__ carry _Py_TPFLAGS_STATIC_BUILTIN (1 << 1), they are immortal,
 * and the runtime keeps their per-interpreter state itself (3.12+).  They are not the
 * module's shared state.
 *
 * HOWTO "Isolating Extension Modules": nothing violated.
 *
 * The harness should observe: every cell passes (issue #13: _contextvars was reported as
 * sharing static types in reimport, isolation and heap-types).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
} module_state;

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
    if (PyModule_AddObjectRef(module, "Context", (PyObject *)&PyContext_Type) < 0 ||
        PyModule_AddObjectRef(module, "ContextVar", (PyObject *)&PyContextVar_Type) < 0 ||
        PyModule_AddObjectRef(module, "Token", (PyObject *)&PyContextToken_Type) < 0) {
        return -1;
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
    .m_name = "good_runtime_types",
    .m_doc = PyDoc_STR("isocheck fixture: exposes CPython's own static builtin types."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_good_runtime_types(void)
{
    return PyModuleDef_Init(&module_def);
}
