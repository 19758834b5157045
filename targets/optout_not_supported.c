/*
 * optout_not_supported -- NOT a defect: an honest opt-out from all
 * subinterpreters.
 *
 * A correct multi-phase module (PyModuleDef_Init, bump() counter in module
 * state via m_size / PyModule_GetState) that declares
 *     Py_mod_multiple_interpreters = Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED
 *
 * HOWTO "Isolating Extension Modules" section:
 *   "Opt-Out: Limiting to One Module Object per Process"
 *   (the module refuses cleanly instead of misbehaving).
 *
 * The harness should observe: imports and bump()s (1, 2) in the main
 * interpreter; every interpreter with check_multi_interp_extensions on (the
 * 'isolated' config, whatever its GIL) refuses it with ImportError "module
 * optout_not_supported does not support loading in subinterpreters"; a
 * 'legacy' interpreter (check off) imports it.  The refusal is the expected,
 * honest result (an opt-out, not a failure) -- never a crash.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

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
    {"bump", bump, METH_NOARGS,
     PyDoc_STR("bump() -> int\n\nIncrement this module object's counter and return it.")},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    module_state *st = (module_state *)PyModule_GetState(module);
    st->counter = 0;
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "optout_not_supported",
    .m_doc = PyDoc_STR("isocheck fixture: opts out of all subinterpreters."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_optout_not_supported(void)
{
    return PyModuleDef_Init(&module_def);
}
