/*
 * good_crashing_constructor -- isolated, but two of its classes crash when
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
 * A second class crashes only in company: `Tripwire()` reads through NULL while
 * a `Latch` instance of the same module is alive.  numpy's dispatcher crashes so
 * too: it deallocates a half-built object, and whether that faults depends on
 * what earlier allocations left in the heap.  Each class tried alone in a fresh
 * fork passes; keeping a Latch and then making a Tripwire does not.
 *
 * What the harness should observe: `teardown` passes in legacy and isolated and
 * names Fragile and Tripwire as the constructors it did not call (a forked copy
 * of the host crashed on them), and keeps the Latch.  Before each was tried in
 * a fork, the teardown cells crashed on Fragile; before the fork rehearsed the
 * whole sequence (#15), they crashed on Tripwire: crashes that have nothing to
 * do with subinterpreters.  heap-types passes: none of these is a GC type, so
 * none is instantiated there.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
    long latches;           /* Latch instances alive */
    PyObject *fragile_type;
    PyObject *latch_type;
    PyObject *tripwire_type;
} module_state;

static void
heap_instance_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

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

static PyType_Slot fragile_slots[] = {
    {Py_tp_new, fragile_new},
    {Py_tp_dealloc, heap_instance_dealloc},
    {0, NULL},
};

static PyType_Spec fragile_spec = {
    .name = "good_crashing_constructor.Fragile",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = fragile_slots,
};

static PyObject *
latch_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    module_state *st = (module_state *)PyType_GetModuleState(type);
    if (st == NULL) {
        return NULL;
    }
    PyObject *self = type->tp_alloc(type, 0);
    if (self != NULL) {
        st->latches += 1;
    }
    return self;
}

static void
latch_dealloc(PyObject *self)
{
    module_state *st = (module_state *)PyType_GetModuleState(Py_TYPE(self));
    if (st != NULL) {
        st->latches -= 1;
    }
    heap_instance_dealloc(self);
}

static PyType_Slot latch_slots[] = {
    {Py_tp_new, latch_new},
    {Py_tp_dealloc, latch_dealloc},
    {0, NULL},
};

static PyType_Spec latch_spec = {
    .name = "good_crashing_constructor.Latch",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = latch_slots,
};

static PyObject *
tripwire_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    module_state *st = (module_state *)PyType_GetModuleState(type);
    if (st == NULL) {
        return NULL;
    }
    /* The defect: with a Latch alive, this reads through NULL. */
    PyObject *volatile *hazard = st->latches > 0 ? NULL : &st->tripwire_type;
    (void)*hazard;
    return type->tp_alloc(type, 0);
}

static PyType_Slot tripwire_slots[] = {
    {Py_tp_new, tripwire_new},
    {Py_tp_dealloc, heap_instance_dealloc},
    {0, NULL},
};

static PyType_Spec tripwire_spec = {
    .name = "good_crashing_constructor.Tripwire",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = tripwire_slots,
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
    st->latches = 0;
    /* In this order in the namespace, which is the order teardown keeps instances in. */
    st->latch_type = PyType_FromModuleAndSpec(module, &latch_spec, NULL);
    st->fragile_type = PyType_FromModuleAndSpec(module, &fragile_spec, NULL);
    st->tripwire_type = PyType_FromModuleAndSpec(module, &tripwire_spec, NULL);
    if (st->latch_type == NULL || st->fragile_type == NULL || st->tripwire_type == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "Latch", st->latch_type) < 0 ||
        PyModule_AddObjectRef(module, "Fragile", st->fragile_type) < 0) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "Tripwire", st->tripwire_type);
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    module_state *st = (module_state *)PyModule_GetState(module);
    Py_VISIT(st->fragile_type);
    Py_VISIT(st->latch_type);
    Py_VISIT(st->tripwire_type);
    return 0;
}

static int
module_clear(PyObject *module)
{
    module_state *st = (module_state *)PyModule_GetState(module);
    Py_CLEAR(st->fragile_type);
    Py_CLEAR(st->latch_type);
    Py_CLEAR(st->tripwire_type);
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
