/*
 * bad_static_type_package_name -- ONE defect: a static type object.
 *
 * The same defect as bad_static_type, with the static type named under a package
 * (tp_name "somepackage.StaticThing", so its __module__ is "somepackage") as real
 * packages do when the extension is "pkg._impl" and its classes are presented as "pkg.X".
 * The type is still a C global of this shared object, shared by every interpreter:
 * whether the harness sees that must not depend on the name (issue #17, item 4).
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Heap Types" (and "Changing Static Types to Heap Types").
 *
 * The harness should observe what it observes of bad_static_type.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    long counter;
} module_state;

/* The defect: one type object for the whole process. */
static PyTypeObject StaticThing = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "somepackage.StaticThing",
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
    if (PyType_Ready(&StaticThing) < 0) {
        return -1;
    }
    if (PyModule_AddType(module, &StaticThing) < 0) {
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
    .m_name = "bad_static_type_package_name",
    .m_doc = PyDoc_STR("isocheck fixture: exports a static type."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_bad_static_type_package_name(void)
{
    return PyModuleDef_Init(&module_def);
}
