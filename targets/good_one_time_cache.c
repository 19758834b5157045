/*
 * good_one_time_cache -- no defect: a lazily filled per-module cache.
 *
 * Everything is done as in good_isolated (multi-phase init, counter, Widget
 * heap GC type and Error in per-module state, m_traverse/m_clear/m_free,
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED).  In addition, the first bump() call
 * on a module object fills a cache in that module object's state -- a list
 * of 64 precomputed ints (1000, 1001, ..., 1063: not CPython's small-int
 * singletons, so about 66 blocks are allocated) -- and every later call
 * reuses it.  lookup(i) returns cache[i] (filling the cache if needed).  The
 * cache is visited by m_traverse and released by m_clear/m_free, so it lives
 * exactly as long as its module object.
 *
 * HOWTO "Isolating Extension Modules" sections followed:
 *   "Enter Per-Module State" (the cache is per module object) and
 *   "Lifetime of the Module State" (released with the module).
 *
 * The harness should observe: everything passes.  In particular `leaks` must
 * not mistake the one-time fill for a leak: in main the warm-up calls fill
 * the cache before measuring; in legacy/isolated every module object frees
 * its cache, so a cycle that imports twice leaves no more than one that
 * imports once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
    PyObject *widget_type;
    PyObject *error;
    PyObject *cache;    /* list of CACHE_SIZE ints, filled by the first bump(); NULL before */
} module_state;

#define CACHE_SIZE 64
#define CACHE_BASE 1000

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

/* Fill the module's cache on first use; later calls find it filled. */
static int
ensure_cache(module_state *st)
{
    if (st->cache != NULL) {
        return 0;
    }
    PyObject *cache = PyList_New(CACHE_SIZE);
    if (cache == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < CACHE_SIZE; i++) {
        PyObject *value = PyLong_FromSsize_t(CACHE_BASE + i);
        if (value == NULL) {
            Py_DECREF(cache);
            return -1;
        }
        PyList_SET_ITEM(cache, i, value);
    }
    st->cache = cache;
    return 0;
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
    .name = "good_one_time_cache.Widget",
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
    module_state *st = get_state(module);
    if (ensure_cache(st) < 0) {
        return NULL;
    }
    return bump_state(st);
}

static PyObject *
lookup(PyObject *module, PyObject *arg)
{
    module_state *st = get_state(module);
    Py_ssize_t i = PyLong_AsSsize_t(arg);
    if (i == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (ensure_cache(st) < 0) {
        return NULL;
    }
    if (i < 0 || i >= CACHE_SIZE) {
        PyErr_SetString(PyExc_IndexError, "lookup() index out of range");
        return NULL;
    }
    return Py_NewRef(PyList_GET_ITEM(st->cache, i));
}

static PyMethodDef module_methods[] = {
    {"bump", bump, METH_NOARGS,
     PyDoc_STR("bump() -> int\n\nIncrement this module object's counter and return it\n"
               "(the first call fills the module's cache).")},
    {"lookup", lookup, METH_O,
     PyDoc_STR("lookup(i) -> int\n\nReturn entry i of the module's cache.")},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    module_state *st = get_state(module);
    st->counter = 0;
    st->cache = NULL;

    st->widget_type = PyType_FromModuleAndSpec(module, &widget_spec, NULL);
    if (st->widget_type == NULL) {
        return -1;
    }
    if (PyModule_AddType(module, (PyTypeObject *)st->widget_type) < 0) {
        return -1;
    }

    st->error = PyErr_NewExceptionWithDoc(
        "good_one_time_cache.Error", "Error raised by good_one_time_cache.", NULL, NULL);
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
    Py_VISIT(st->cache);
    return 0;
}

static int
module_clear(PyObject *module)
{
    module_state *st = get_state(module);
    Py_CLEAR(st->widget_type);
    Py_CLEAR(st->error);
    Py_CLEAR(st->cache);
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
    .m_name = "good_one_time_cache",
    .m_doc = PyDoc_STR("isocheck fixture: fills a per-module cache on first use."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_good_one_time_cache(void)
{
    return PyModuleDef_Init(&module_def);
}
