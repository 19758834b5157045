/*
 * bad_cached_global -- ONE defect: a Python object cached in a C global.
 *
 * Multi-phase init, per-module state (the bump() counter), declares
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED -- all correct.  But the first
 * execution of Py_mod_exec in the process creates the list [1, 2, 3], keeps
 * a strong reference to it in the C global `cache` forever, and every module
 * object (in any interpreter) gets that same list as attribute `cache`.
 * The list belongs to the interpreter that happened to import first; other
 * interpreters change its refcount (and may mutate it) without that
 * interpreter's GIL, and if the first importer was a subinterpreter with its
 * own allocator the list dangles once that interpreter is destroyed.
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Managing Global State" (never hold Python objects in C globals).
 *
 * The harness should observe: bump() behaves (1, 2 in every fresh module
 * object), but `cache` is the same object (same id) in two interpreters / two
 * module objects; a mutation made through one interpreter is visible in the
 * other; a later use after the first importer died may crash.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
} module_state;

/* The defect: a Python object owned by a C global, shared by all module objects. */
static PyObject *cache = NULL;

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
    if (cache == NULL) {
        cache = Py_BuildValue("[iii]", 1, 2, 3);
        if (cache == NULL) {
            return -1;
        }
    }
    if (PyModule_AddObjectRef(module, "cache", cache) < 0) {
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
    .m_name = "bad_cached_global",
    .m_doc = PyDoc_STR("isocheck fixture: caches a list in a C global."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_bad_cached_global(void)
{
    return PyModuleDef_Init(&module_def);
}
