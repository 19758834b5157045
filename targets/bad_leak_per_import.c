/*
 * bad_leak_per_import -- ONE defect: Py_mod_exec leaks one object per execution.
 *
 * Everything is done as in good_isolated (multi-phase init, counter, Widget
 * heap GC type and Error in per-module state, m_traverse/m_clear/m_free,
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED) -- except that module_exec builds a
 * small tuple `defaults` to read the counter's start value from and never
 * releases it (the Py_DECREF is missing).  Every execution of Py_mod_exec
 * (every import, in any interpreter) therefore leaves one tuple behind that
 * nothing references; bump() itself is clean.
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Lifetime of the Module State" (everything a module object creates must
 *   be released by the time it is gone).
 *
 * The harness should observe: `leaks` fails in the legacy and isolated
 * configs (+1 block per import and exercise cycle, measured against a cycle
 * that imports once); `leaks` in main passes (the exercise allocates nothing
 * that outlives it, and the module is executed only once there).  Every other
 * check passes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
    PyObject *widget_type;
    PyObject *error;
} module_state;

static inline module_state *
get_state(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}

static PyObject *
bump_state(module_state *st)
{
    st->counter += 1;
    return PyLong_FromLong(st->counter);
}

/* ---- Widget: per-module heap type with GC support ---- */

typedef struct {
    PyObject_HEAD
} WidgetObject;

static PyObject *
widget_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) != 0 || (kwds != NULL && PyDict_GET_SIZE(kwds) != 0)) {
        PyErr_SetString(PyExc_TypeError, "Widget() takes no arguments");
        return NULL;
    }
    /* tp_alloc of a GC heap type allocates with the GC header and INCREFs
     * the type; the object is returned untracked-then-tracked by
     * PyType_GenericAlloc, so nothing else to do here. */
    return type->tp_alloc(type, 0);
}

static int
widget_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    return 0;
}

static void
widget_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *
widget_bump(PyObject *self, PyTypeObject *defining_class,
            PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)self;
    (void)args;
    if (nargs != 0 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0)) {
        PyErr_SetString(PyExc_TypeError, "Widget.bump() takes no arguments");
        return NULL;
    }
    module_state *st = (module_state *)PyType_GetModuleState(defining_class);
    if (st == NULL) {
        return NULL;
    }
    return bump_state(st);
}

static PyMethodDef widget_methods[] = {
    {"bump", (PyCFunction)(void (*)(void))widget_bump,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     PyDoc_STR("bump() -> int\n\nIncrement the owning module's counter.")},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot widget_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR("A per-module heap type.")},
    {Py_tp_new, (void *)widget_new},
    {Py_tp_traverse, (void *)widget_traverse},
    {Py_tp_dealloc, (void *)widget_dealloc},
    {Py_tp_methods, widget_methods},
    {0, NULL},
};

static PyType_Spec widget_spec = {
    .name = "bad_leak_per_import.Widget",
    .basicsize = sizeof(WidgetObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = widget_slots,
};

/* ---- module ---- */

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)unused;
    return bump_state(get_state(module));
}

static PyMethodDef module_methods[] = {
    {"bump", bump, METH_NOARGS,
     PyDoc_STR("bump() -> int\n\nIncrement this module object's counter and return it.")},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    module_state *st = get_state(module);

    /* The defect: `defaults` is a new reference that is never released
     * (there is no Py_DECREF(defaults) below): one tuple leaks per exec. */
    PyObject *defaults = Py_BuildValue("(l)", 0L);
    if (defaults == NULL) {
        return -1;
    }
    st->counter = PyLong_AsLong(PyTuple_GET_ITEM(defaults, 0));
    if (st->counter == -1 && PyErr_Occurred()) {
        return -1;
    }

    st->widget_type = PyType_FromModuleAndSpec(module, &widget_spec, NULL);
    if (st->widget_type == NULL) {
        return -1;
    }
    if (PyModule_AddType(module, (PyTypeObject *)st->widget_type) < 0) {
        return -1;
    }

    st->error = PyErr_NewExceptionWithDoc(
        "bad_leak_per_import.Error", "Error raised by bad_leak_per_import.", NULL, NULL);
    if (st->error == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "Error", st->error) < 0) {
        return -1;
    }
    return 0;
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    module_state *st = get_state(module);
    Py_VISIT(st->widget_type);
    Py_VISIT(st->error);
    return 0;
}

static int
module_clear(PyObject *module)
{
    module_state *st = get_state(module);
    Py_CLEAR(st->widget_type);
    Py_CLEAR(st->error);
    return 0;
}

static void
module_free(void *module)
{
    (void)module_clear((PyObject *)module);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_leak_per_import",
    .m_doc = PyDoc_STR("isocheck fixture: leaks one tuple per execution of Py_mod_exec."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_bad_leak_per_import(void)
{
    return PyModuleDef_Init(&module_def);
}
