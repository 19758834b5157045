/*
 * good_crashing_constructor -- isolated, but one of its classes crashes when
 * constructed with no arguments, in any interpreter.
 *
 * Multi-phase init, the bump() counter in module state, a heap type `Fragile`
 * made per module object with PyType_FromModuleAndSpec and kept in module
 * state, m_traverse/m_clear, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED: isolated in
 * every section of the HOWTO "Isolating Extension Modules".  But Fragile's
 * tp_new reads its first argument without checking that there is one, so
 * `Fragile()` segfaults -- as numpy 2.5's `_ArrayFunctionDispatcher()` does,
 * in the main interpreter as much as in any other.
 *
 * What the harness should observe: `teardown` passes in legacy and isolated and
 * names Fragile among the constructors it did not call (a forked copy of the
 * host crashed on it); before that was tried in a fork, the teardown cells
 * crashed while keeping instances alive, a crash that has nothing to do with
 * subinterpreters.  heap-types passes: Fragile is not a GC type, so it is not
 * instantiated there.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
    PyObject *fragile_type;
} module_state;

static PyObject *
fragile_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)kwds;
    /* The defect: no check that an argument was given; with none, this reads through NULL
     * (spelt out, so that the compiler cannot drop it). */
    PyObject *volatile *first = PyTuple_GET_SIZE(args) > 0 ? &PyTuple_GET_ITEM(args, 0) : NULL;
    (void)*first;
    return type->tp_alloc(type, 0);
}

static void
fragile_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

static PyType_Slot fragile_slots[] = {
    {Py_tp_new, fragile_new},
    {Py_tp_dealloc, fragile_dealloc},
    {0, NULL},
};

static PyType_Spec fragile_spec = {
    .name = "good_crashing_constructor.Fragile",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = fragile_slots,
};

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
    st->fragile_type = PyType_FromModuleAndSpec(module, &fragile_spec, NULL);
    if (st->fragile_type == NULL) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "Fragile", st->fragile_type);
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    Py_VISIT(((module_state *)PyModule_GetState(module))->fragile_type);
    return 0;
}

static int
module_clear(PyObject *module)
{
    Py_CLEAR(((module_state *)PyModule_GetState(module))->fragile_type);
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
    .m_name = "good_crashing_constructor",
    .m_doc = PyDoc_STR("isocheck fixture: a class whose no-argument constructor crashes."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_good_crashing_constructor(void)
{
    return PyModuleDef_Init(&module_def);
}
