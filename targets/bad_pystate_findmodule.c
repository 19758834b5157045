/*
 * bad_pystate_findmodule -- ONE defect: the classic pre-PEP 489 pattern --
 * single-phase init, with bump() finding its module through
 * PyState_FindModule.
 *
 * The module state, the Widget heap GC type (made with
 * PyType_FromModuleAndSpec) and Error are per module object and released by
 * m_traverse/m_clear/m_free, as in good_isolated.  But
 * PyInit_bad_pystate_findmodule builds the module itself (PyModule_Create,
 * m_size = sizeof(module_state), no Py_mod_exec slot), registers it with
 * PyState_AddModule, and the module-level bump() does not use the module
 * object it is called on: it looks up "the" module of the current
 * interpreter with PyState_FindModule(&module_def) and bumps that one's
 * counter.  PyState_FindModule keeps one module per definition per
 * interpreter, so once a second module object exists in an interpreter (a
 * re-import), calls through the old one update the new one's state.
 * Widget.bump() still reaches the state through its defining class.
 *
 * HOWTO "Isolating Extension Modules" sections violated:
 *   "Isolated Module Objects" (single-phase init, no multi-phase
 *   PyModuleDef_Init) and "Module State Access from Functions" (state must
 *   come from the module object the function is bound to, not from
 *   PyState_FindModule).
 *
 * The harness should observe: isolated interpreters refuse it (`import`
 * unsupported: "does not support loading in subinterpreters"), so the checks
 * that need an import are unsupported there; main and legacy import it.
 * `lint` fails it for the single-phase entry point and warns about
 * PyState_AddModule/PyState_FindModule.  The wrong-state bug itself needs a
 * re-import and calls in the order old, new, old, new (1, 1, 2, 3 instead of
 * 1, 1, 2, 2); `reimport` calls old, new, old and so does not see it.
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
    .name = "bad_pystate_findmodule.Widget",
    .basicsize = sizeof(WidgetObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = widget_slots,
};

/* ---- module ---- */

static struct PyModuleDef module_def;

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)module;   /* the defect: the module object bump() is bound to is ignored */
    (void)unused;
    PyObject *found = PyState_FindModule(&module_def);  /* borrowed */
    if (found == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_RuntimeError,
                            "bad_pystate_findmodule: module not found in this interpreter");
        }
        return NULL;
    }
    return bump_state(get_state(found));
}

static PyMethodDef module_methods[] = {
    {"bump", bump, METH_NOARGS,
     PyDoc_STR("bump() -> int\n\nIncrement this module object's counter and return it.")},
    {NULL, NULL, 0, NULL},
};

/* What Py_mod_exec would do; called by PyInit_* (single-phase init). */
static int
module_init_contents(PyObject *module)
{
    module_state *st = get_state(module);
    st->counter = 0;

    st->widget_type = PyType_FromModuleAndSpec(module, &widget_spec, NULL);
    if (st->widget_type == NULL) {
        return -1;
    }
    if (PyModule_AddType(module, (PyTypeObject *)st->widget_type) < 0) {
        return -1;
    }

    st->error = PyErr_NewExceptionWithDoc(
        "bad_pystate_findmodule.Error", "Error raised by bad_pystate_findmodule.", NULL, NULL);
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

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_pystate_findmodule",
    .m_doc = PyDoc_STR("isocheck fixture: single-phase init, state found with PyState_FindModule."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_bad_pystate_findmodule(void)
{
    /* The defect: single-phase init, registered for PyState_FindModule. */
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    if (module_init_contents(module) < 0 || PyState_AddModule(module, &module_def) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
