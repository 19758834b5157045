/*
 * bad_leak_per_interpreter -- ONE defect: the first exec in each interpreter
 * leaks a cache that a second exec in that interpreter reuses.
 *
 * Multi-phase init, the bump() counter in module state, no types,
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED.  But Py_mod_exec keeps a "per-interpreter
 * cache" in C globals: a list of 64 ints (~66 blocks) made the first time it
 * runs in an interpreter (told apart by PyInterpreterState_GetID) and reused by
 * every later exec in the same interpreter.  Nothing ever releases it: when the
 * interpreter is destroyed its cache is lost, still allocated, and the next
 * interpreter makes its own.
 *
 * HOWTO "Isolating Extension Modules" sections violated:
 *   "Lifetime of the Module State" (what a module creates must go with it) and
 *   "Managing Global State" (the cache lives in C globals).
 *
 * The harness should observe: `leaks` in legacy and isolated finds ~66 blocks
 * kept per interpreter beyond an interpreter holding the module's dependencies,
 * although importing twice leaks no more than importing once (#17 item 3: before
 * that fix, the figure was reported as CPython's and the cell passed).  `leaks`
 * in main passes (one interpreter).  Every other check passes: the cache is never
 * shown to Python code.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

enum { CACHE_ITEMS = 64 };

typedef struct {
    long counter;
} module_state;

/* The defect: one cache per interpreter, kept in C globals and never released. */
static int64_t cache_interpreter = -1;
static PyObject *cache;

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
fill_cache_once_per_interpreter(void)
{
    const int64_t id = PyInterpreterState_GetID(PyInterpreterState_Get());
    if (id < 0) {
        return -1;
    }
    if (id == cache_interpreter) {
        return 0;
    }
    PyObject *list = PyList_New(CACHE_ITEMS);
    if (list == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < CACHE_ITEMS; i++) {
        PyObject *item = PyLong_FromLong(100000 + i);  /* not a cached small int */
        if (item == NULL) {
            Py_DECREF(list);
            return -1;
        }
        PyList_SET_ITEM(list, i, item);
    }
    /* Out of the interpreter's GC lists (it holds only ints), so that nothing of the destroyed
     * interpreter's collector ever points at it. */
    PyObject_GC_UnTrack(list);
    cache = list;  /* the previous interpreter's cache is simply forgotten */
    cache_interpreter = id;
    return 0;
}

static int
module_exec(PyObject *module)
{
    ((module_state *)PyModule_GetState(module))->counter = 0;
    return fill_cache_once_per_interpreter();
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_leak_per_interpreter",
    .m_doc = PyDoc_STR("isocheck fixture: leaks a cache once per interpreter."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_bad_leak_per_interpreter(void)
{
    return PyModuleDef_Init(&module_def);
}
