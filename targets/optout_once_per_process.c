/*
 * optout_once_per_process -- NO defect: the HOWTO's own opt-out.
 *
 * "Opt-Out: Limiting to One Module Object per Process" tells a module that cannot be isolated
 * to refuse a second load with ImportError, and this module does exactly that (Cython's
 * default build does the same when a second interpreter imports it).  Its message carries the
 * attempt number, so that two refusals never read alike: only their kind may be compared
 * (issue #17 items 1 and 6).
 *
 * The harness should observe: the first import in a process passes; every check that loads it
 * a second time in one process is `unsupported`, with the module's message -- never `fail`.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int loads = 0;

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

static int
module_exec(PyObject *module)
{
    ((module_state *)PyModule_GetState(module))->counter = 0;
    if (loads++ > 0) {
        PyErr_Format(PyExc_ImportError, "cannot load module more than once per process (attempt %d)", loads);
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
    .m_name = "optout_once_per_process",
    .m_doc = PyDoc_STR("isocheck fixture: refuses a second load, as the HOWTO's opt-out says."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_optout_once_per_process(void)
{
    return PyModuleDef_Init(&module_def);
}
