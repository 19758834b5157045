/*
 * optout_init_once -- NO defect: single-phase init that allows one PyInit_* per process.
 *
 * PyO3 up to 0.20 writes its modules this way (ModuleDef::make_module, src/impl_/pymodule.rs):
 * PyModule_Create (single-phase, m_size >= 0, so CPython runs PyInit_* again for every new
 * module object instead of copying m_copy), and every PyInit_* after the first in the process
 * raises ImportError("... may only be initialized once per interpreter process").  That is the
 * HOWTO's "Opt-Out: Limiting to One Module Object per Process", said honestly.
 *
 * The harness should observe: the first import in a process passes and every later load is
 * `unsupported` with the module's message -- also where that later load is, to the cell, the
 * first: on 3.12 CPython runs PyInit_* inside the isolated interpreter that then refuses it, so
 * the next cycle's import gets the module's own refusal; on 3.13 a subinterpreter's import runs
 * PyInit_* in the main interpreter first and then again in the subinterpreter (#15).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int initialized = 0;

typedef struct {
    long counter;
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

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "optout_init_once",
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit_optout_init_once(void)
{
    /* The order PyO3 0.17 uses: the module first, then the once-per-process check. */
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    if (initialized) {
        Py_DECREF(module);
        PyErr_SetString(PyExc_ImportError,
                        "optout_init_once may only be initialized once per interpreter process");
        return NULL;
    }
    initialized = 1;
    ((module_state *)PyModule_GetState(module))->counter = 0;
    return module;
}
