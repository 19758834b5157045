/*
 * optout_cached_module -- NO defect: one module object per process, the way Cython's default
 * build keeps it.
 *
 * Multi-phase init whose Py_mod_create returns the module object it made the first time
 * (kept in a C global, as Cython's `__pyx_m`), so a second import in the same interpreter gets
 * that very object back, and whose create refuses any other interpreter with ImportError
 * ("Interpreter change detected", Cython's words).  The module is honest about supporting one
 * module object per process; a re-import that hands back the same object is its design, not a
 * finding its author can act on (issue #17, the binding generators' row of the README).
 *
 * The harness should observe: `reimport` is `unsupported` in main, legacy and isolated (the same
 * object again: nothing to compare); every check that loads it in a second interpreter is
 * `unsupported` with the module's message; nothing fails.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The one module object (Cython: __pyx_m), borrowed: whoever imported it keeps it alive, and
 * m_free forgets it when it dies, so that re-initialisation starts afresh. */
static PyObject *the_module = NULL;
static int64_t first_interpreter = -1;

/* The one module object's counter: with one module object per process, its state may as
 * well be C globals (which is what such generated modules do). */
static long counter = 0;

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    counter += 1;
    return PyLong_FromLong(counter);
}

static PyMethodDef module_methods[] = {
    {"bump", bump, METH_NOARGS, PyDoc_STR("bump() -> int\n\nIncrement this module object's counter.")},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def;

static PyObject *
module_create(PyObject *spec, PyModuleDef *def)
{
    const int64_t here = PyInterpreterState_GetID(PyInterpreterState_Get());
    if (first_interpreter == -1) {
        first_interpreter = here;
    } else if (first_interpreter != here) {
        PyErr_SetString(PyExc_ImportError,
                        "Interpreter change detected - this module can only be loaded into one interpreter per process.");
        return NULL;
    }
    if (the_module != NULL) {
        return Py_NewRef(the_module);
    }
    PyObject *name = PyObject_GetAttrString(spec, "name");
    if (name == NULL) {
        return NULL;
    }
    PyObject *module = PyModule_NewObject(name);
    Py_DECREF(name);
    if (module == NULL) {
        return NULL;
    }
    the_module = module;
    (void)def;
    return module;
}

static int executed = 0;

static int
module_exec(PyObject *module)
{
    if (executed) {
        return 0;   /* the same object again: already set up */
    }
    executed = 1;
    /* PyModule_NewObject made a plain module: give it the state and functions by hand. */
    return PyModule_AddFunctions(module, module_methods) < 0 ? -1 : 0;
}

/* The one module object is gone (Py_FinalizeEx): the next one, after re-initialisation, starts
 * afresh. */
static void
module_free(void *module)
{
    if (module == the_module) {
        the_module = NULL;
        executed = 0;
        first_interpreter = -1;
        counter = 0;
    }
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_create, (void *)module_create},
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "optout_cached_module",
    .m_doc = PyDoc_STR("isocheck fixture: one module object per process, returned again on re-import."),
    .m_size = 0,
    .m_slots = module_slots,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_optout_cached_module(void)
{
    return PyModuleDef_Init(&module_def);
}
