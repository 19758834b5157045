/*
 * bad_static_type_reserved_name -- ONE defect: a static type object, under the
 * kind of name Cython gives its globals.
 *
 * The same module as bad_static_type (multi-phase init, module state for the
 * bump() counter, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED), except that its static
 * PyTypeObject is called `__pyx_type_StaticThing`, as Cython names the type
 * objects of a `cdef class` built without heap types, and a second C global,
 * `__pyx_n_calls` (a Cython-style module global), counts bump() calls.
 *
 * HOWTO "Isolating Extension Modules" sections violated:
 *   "Heap Types" (the type), "Managing Global State" (the call counter).
 *
 * What the harness should observe: `lint` fails naming the static type
 * `__pyx_type_StaticThing` and warns about the writable global `__pyx_n_calls`;
 * a name that starts with "__" is no evidence that the compiler made the object
 * (#17 item 5: before that fix, lint skipped every such symbol and said
 * "no static type of its own").  The runtime checks see what they see for
 * bad_static_type.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
} module_state;

static long __pyx_n_calls;

static PyTypeObject __pyx_type_StaticThing = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bad_static_type_reserved_name.StaticThing",
    .tp_basicsize = sizeof(PyObject),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = PyDoc_STR("A statically allocated type shared by all interpreters."),
    .tp_new = PyType_GenericNew,
};

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)unused;
    module_state *st = (module_state *)PyModule_GetState(module);
    __pyx_n_calls += 1;
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
    if (PyType_Ready(&__pyx_type_StaticThing) < 0) {
        return -1;
    }
    return PyModule_AddType(module, &__pyx_type_StaticThing);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_static_type_reserved_name",
    .m_doc = PyDoc_STR("isocheck fixture: a static type under a Cython-style name."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_bad_static_type_reserved_name(void)
{
    return PyModuleDef_Init(&module_def);
}
