/*
 * good_heap_allocated_def -- NO defect: its PyModuleDef lives on the heap, as nanobind's do.
 *
 * nanobind (module_new in src/nb_internals.cpp) allocates the PyModuleDef and its slots with
 * PyMem_Calloc the first time PyInit_* runs and hands the same def out ever after.  Nothing
 * about that is shared state: a def is the module's description, the same for every module
 * object (CPython keeps its own defs in static storage).  Everything else follows the HOWTO:
 * multi-phase init, the counter in module state, `Widget` a heap type made per module object
 * with PyType_FromModuleAndSpec, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED.
 *
 * The harness should observe: every cell passes, `heap-types` included.  It cannot find the
 * module's shared object through dladdr() of a def in malloc'd memory; it must use the def's
 * code (its slots' and methods' functions) instead, or `Widget` looks like another
 * extension's class and `heap-types` skips ("defines no classes") (#15).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>

typedef struct {
    long counter;
    PyObject *widget_type;
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
    {"bump", bump, METH_NOARGS, PyDoc_STR("bump() -> int\n\nIncrement this module object's counter.")},
    {NULL, NULL, 0, NULL},
};

/* Widget: a plain (non-GC) heap type; its dealloc gives back the reference its instances hold
 * to it ("Garbage-Collection Protocol" asks that of every heap type). */
static void
widget_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

static PyType_Slot widget_slots[] = {
    {Py_tp_dealloc, widget_dealloc},
    {Py_tp_new, PyType_GenericNew},
    {0, NULL},
};

static PyType_Spec widget_spec = {
    .name = "good_heap_allocated_def.Widget",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = widget_slots,
};

static int
module_exec(PyObject *module)
{
    module_state *st = (module_state *)PyModule_GetState(module);
    st->counter = 0;
    st->widget_type = PyType_FromModuleAndSpec(module, &widget_spec, NULL);
    if (st->widget_type == NULL) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "Widget", st->widget_type);
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    Py_VISIT(((module_state *)PyModule_GetState(module))->widget_type);
    return 0;
}

static int
module_clear(PyObject *module)
{
    Py_CLEAR(((module_state *)PyModule_GetState(module))->widget_type);
    return 0;
}

static void
module_free(void *module)
{
    module_clear((PyObject *)module);
}

/* Made once per process and never freed, as nanobind's: the def must outlive every module
 * object made from it. */
static PyModuleDef *heap_def = NULL;

PyMODINIT_FUNC
PyInit_good_heap_allocated_def(void)
{
    if (heap_def == NULL) {
        PyModuleDef_Slot *slots = calloc(4, sizeof(PyModuleDef_Slot));
        PyModuleDef *def = calloc(1, sizeof(PyModuleDef));
        if (slots == NULL || def == NULL) {
            free(slots);
            free(def);
            return PyErr_NoMemory();
        }
        slots[0] = (PyModuleDef_Slot){Py_mod_exec, module_exec};
        slots[1] = (PyModuleDef_Slot){Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED};
        PyModuleDef_Base base = PyModuleDef_HEAD_INIT;
        def->m_base = base;
        def->m_name = "good_heap_allocated_def";
        def->m_size = sizeof(module_state);
        def->m_methods = module_methods;
        def->m_slots = slots;
        def->m_traverse = module_traverse;
        def->m_clear = module_clear;
        def->m_free = module_free;
        heap_def = def;
    }
    return PyModuleDef_Init(heap_def);
}
