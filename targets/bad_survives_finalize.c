/*
 * bad_survives_finalize -- ONE defect: a process-wide "initialized" flag
 * that outlives Py_FinalizeEx while the resource it guards does not.
 *
 * Everything is done as in good_isolated (multi-phase init, counter, Widget
 * heap GC type and Error in per-module state, m_traverse/m_clear/m_free,
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED).  In addition the module uses a
 * small process-wide C "library" (standing in for a C library with a global
 * init/cleanup pair): `lib`, a malloc'd, read-only-after-set-up struct that
 * holds the step bump() adds to the counter.  That part is allowed by
 * "Managing Global State": process-wide C data, no Python objects,
 * immutable once set up, and the set-up is guarded by a mutex so that two
 * interpreters importing at the same time set it up once.  The first exec
 * in the process sets it up, sets the C global `lib_initialized`, and
 * registers lib_cleanup() with Py_AtExit so that the memory is returned at
 * Py_FinalizeEx.
 *
 * The defect: lib_cleanup() frees `lib` but never resets `lib_initialized`.
 * Within one runtime (any number of interpreters and module objects, in any
 * order) nothing ever goes wrong: Py_AtExit hooks run only at the very end
 * of Py_FinalizeEx, never at Py_EndInterpreter or module deallocation.  After
 * Py_FinalizeEx and a new Py_Initialize in the same process, exec sees the
 * flag still set and skips the set-up, so bump() finds no library and raises
 * RuntimeError.
 *
 * Why this defect rather than "exec skips per-module set-up when a global
 * flag is set": that variant also breaks the second exec within one runtime
 * (re-import, a second interpreter), so reimport/cycles/isolation would
 * catch it too; this one can only be seen across Py_FinalizeEx.
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Surprising Edge Cases" (a module may be loaded again after
 *   Py_Finalize/Py_Initialize); see also "Managing Global State".
 *
 * The harness should observe: `reinit` fails (first round 1, after
 * re-initialisation the exercise raises RuntimeError).  Every other check
 * passes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdlib.h>

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

/* ---- the process-wide C "library": set up once, read-only afterwards ---- */

typedef struct {
    long step;
} counter_lib;

static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static int lib_initialized = 0;
static counter_lib *lib = NULL;

/* Registered with Py_AtExit: runs at the end of Py_FinalizeEx. */
static void
lib_cleanup(void)
{
    free(lib);
    lib = NULL;
    /* The defect: `lib_initialized = 0;` is missing, so after
     * re-initialisation the next exec believes the library is set up. */
}

static int
lib_setup(void)
{
    int status = 0;
    pthread_mutex_lock(&lib_lock);
    if (!lib_initialized) {
        lib = (counter_lib *)malloc(sizeof(counter_lib));
        if (lib == NULL) {
            PyErr_NoMemory();
            status = -1;
        }
        else if (Py_AtExit(lib_cleanup) < 0) {
            free(lib);
            lib = NULL;
            PyErr_SetString(PyExc_RuntimeError, "Py_AtExit: too many exit functions");
            status = -1;
        }
        else {
            lib->step = 1;
            lib_initialized = 1;
        }
    }
    pthread_mutex_unlock(&lib_lock);
    return status;
}

static PyObject *
bump_state(module_state *st)
{
    if (lib == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "bad_survives_finalize: the counter library is not set up");
        return NULL;
    }
    st->counter += lib->step;
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
    .name = "bad_survives_finalize.Widget",
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
    if (lib_setup() < 0) {
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
        "bad_survives_finalize.Error", "Error raised by bad_survives_finalize.", NULL, NULL);
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
    .m_name = "bad_survives_finalize",
    .m_doc = PyDoc_STR("isocheck fixture: a set-up flag survives Py_FinalizeEx, the data it guards does not."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_bad_survives_finalize(void)
{
    return PyModuleDef_Init(&module_def);
}
