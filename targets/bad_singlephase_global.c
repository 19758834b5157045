/*
 * bad_singlephase_global -- ONE defect: single-phase init that keeps a Python
 * object in a C global.
 *
 * PyInit_bad_singlephase_global returns PyModule_Create(&def) with m_size = -1
 * and stores a dict in the C global `registry` (created the first time PyInit
 * runs and kept forever).  The dict is exposed as module attribute `registry`
 * and bump() keeps its counter in registry["count"], reached through the C
 * global, not through the module.
 *
 * HOWTO "Isolating Extension Modules" sections violated:
 *   "Isolated Module Objects" (single-phase init: no fresh module object per
 *   import) and "Managing Global State" (a Python object in a C global).
 *
 * The harness should observe:
 *   - isolated interpreters refuse it: ImportError "module bad_singlephase_global
 *     does not support loading in subinterpreters";
 *   - legacy interpreters import it, and the `registry` dict is the same object
 *     everywhere, so bump() continues the count of the main interpreter
 *     (state bleed) instead of starting at 1;
 *   - on 3.12 an import attempt in an isolated interpreter runs PyInit there
 *     before refusing, so `registry` is then a dict owned by that (soon
 *     destroyed) interpreter's allocator and later imports in the process
 *     reuse it: a latent use-after-free (it did not crash in local tests,
 *     but nothing guarantees that).  3.13 runs PyInit in main first.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The defect: a Python object owned by a C global. */
static PyObject *registry = NULL;

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    PyObject *key = PyUnicode_FromString("count");
    if (key == NULL) {
        return NULL;
    }
    long count = 0;
    PyObject *old = PyDict_GetItemWithError(registry, key);  /* borrowed */
    if (old != NULL) {
        count = PyLong_AsLong(old);
        if (count == -1 && PyErr_Occurred()) {
            Py_DECREF(key);
            return NULL;
        }
    }
    else if (PyErr_Occurred()) {
        Py_DECREF(key);
        return NULL;
    }
    PyObject *value = PyLong_FromLong(count + 1);
    if (value == NULL || PyDict_SetItem(registry, key, value) < 0) {
        Py_XDECREF(value);
        Py_DECREF(key);
        return NULL;
    }
    Py_DECREF(key);
    return value;
}

static PyMethodDef module_methods[] = {
    {"bump", bump, METH_NOARGS,
     PyDoc_STR("bump() -> int\n\nIncrement registry['count'] and return it.")},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_singlephase_global",
    .m_doc = PyDoc_STR("isocheck fixture: single-phase init with a dict in a C global."),
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit_bad_singlephase_global(void)
{
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    if (registry == NULL) {
        registry = PyDict_New();
        if (registry == NULL) {
            Py_DECREF(module);
            return NULL;
        }
    }
    if (PyModule_AddObjectRef(module, "registry", registry) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
