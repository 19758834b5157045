/*
 * bad_gc_no_type_visit -- ONE defect: Widget's tp_traverse does not visit
 * the instance's type.
 *
 * Everything is done as in good_isolated (multi-phase init, counter, Widget
 * heap GC type and Error in per-module state, m_traverse/m_clear/m_free,
 * Widget's tp_dealloc untracks, frees and DECREFs the type,
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED) -- except widget_traverse, which
 * visits nothing: it omits Py_VISIT(Py_TYPE(self)).  Every instance of a
 * heap type holds a strong reference to its type; when tp_traverse hides it,
 * the cycle collector cannot see that reference, so a cycle through an
 * instance, its type and the module (type -> module -> state -> type) is
 * never collected.  bump() is fine.
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Garbage-Collection Protocol" (tp_traverse of a heap type must visit
 *   Py_TYPE(self); see also "Delegating tp_traverse").
 *
 * Widget's traverse does visit its one member, an instance of a private
 * class whose == raises (as a numpy array's does: "The truth value of an
 * array ... is ambiguous"; pandas._libs.hashtable's instances hold arrays).
 * It keeps the probe honest: "is the type among the referents" must be an
 * identity test, never list membership, or the check errors instead of
 * reporting the defect (#15).
 *
 * The harness should observe: `heap-types` fails: type(Widget()) is not in
 * gc.get_referents(Widget()).  Every other check passes (the exercise never
 * creates a Widget).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
    PyObject *widget_type;
    PyObject *ambiguous_type;
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

/* ---- Ambiguous: a private class whose comparisons raise ---- */

static PyObject *
ambiguous_richcompare(PyObject *self, PyObject *other, int op)
{
    (void)self;
    (void)other;
    (void)op;
    PyErr_SetString(PyExc_ValueError,
                    "The truth value of an Ambiguous is ambiguous");
    return NULL;
}

static void
ambiguous_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot ambiguous_slots[] = {
    {Py_tp_richcompare, (void *)ambiguous_richcompare},
    {Py_tp_dealloc, (void *)ambiguous_dealloc},
    {0, NULL},
};

static PyType_Spec ambiguous_spec = {
    .name = "bad_gc_no_type_visit._Ambiguous",
    .basicsize = sizeof(PyObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = ambiguous_slots,
};

/* ---- Widget: per-module heap type with GC support ---- */

typedef struct {
    PyObject_HEAD
    PyObject *payload;   /* an Ambiguous */
} WidgetObject;

static PyObject *
widget_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) != 0 || (kwds != NULL && PyDict_GET_SIZE(kwds) != 0)) {
        PyErr_SetString(PyExc_TypeError, "Widget() takes no arguments");
        return NULL;
    }
    module_state *st = (module_state *)PyType_GetModuleState(type);
    if (st == NULL) {
        return NULL;
    }
    /* tp_alloc of a GC heap type allocates with the GC header and INCREFs
     * the type; PyType_GenericAlloc returns it tracked. */
    WidgetObject *self = (WidgetObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    PyTypeObject *ambiguous = (PyTypeObject *)st->ambiguous_type;
    self->payload = ambiguous->tp_alloc(ambiguous, 0);
    if (self->payload == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int
widget_traverse(PyObject *self, visitproc visit, void *arg)
{
    /* The defect: Py_VISIT(Py_TYPE(self)) is missing, so the collector never
     * learns that every instance holds a reference to its heap type. */
    Py_VISIT(((WidgetObject *)self)->payload);
    return 0;
}

static void
widget_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Py_CLEAR(((WidgetObject *)self)->payload);
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
    .name = "bad_gc_no_type_visit.Widget",
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
    st->counter = 0;

    /* Private: in the state, not the namespace. */
    st->ambiguous_type = PyType_FromModuleAndSpec(module, &ambiguous_spec, NULL);
    if (st->ambiguous_type == NULL) {
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
        "bad_gc_no_type_visit.Error", "Error raised by bad_gc_no_type_visit.", NULL, NULL);
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
    Py_VISIT(st->ambiguous_type);
    Py_VISIT(st->error);
    return 0;
}

static int
module_clear(PyObject *module)
{
    module_state *st = get_state(module);
    Py_CLEAR(st->widget_type);
    Py_CLEAR(st->ambiguous_type);
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
    .m_name = "bad_gc_no_type_visit",
    .m_doc = PyDoc_STR("isocheck fixture: Widget's tp_traverse does not visit its type."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_bad_gc_no_type_visit(void)
{
    return PyModuleDef_Init(&module_def);
}
