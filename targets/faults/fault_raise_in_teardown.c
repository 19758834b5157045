/* fault_raise_in_teardown: raises from m_free and from a tp_dealloc during teardown -- both
 * return with an exception set, which CPython does not expect there. The module holds one
 * instance of its `Thing` type, so both run when the module object dies.
 * Expected (measured): see targets/faults/README.md. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
} Thing;

static void
thing_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    PyErr_SetString(PyExc_RuntimeError, "fault_raise_in_teardown: raised from tp_dealloc");
    type->tp_free(self);
    Py_DECREF(type);
}

static PyType_Slot thing_slots[] = {
    {Py_tp_dealloc, thing_dealloc},
    {0, NULL},
};

static PyType_Spec thing_spec = {
    .name = "fault_raise_in_teardown.Thing",
    .basicsize = sizeof(Thing),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = thing_slots,
};

static int
teardown_exec(PyObject *module)
{
    PyObject *type = PyType_FromModuleAndSpec(module, &thing_spec, NULL);
    if (type == NULL) {
        return -1;
    }
    PyObject *thing = PyObject_CallNoArgs(type);
    Py_DECREF(type);
    if (thing == NULL) {
        return -1;
    }
    int added = PyModule_AddObjectRef(module, "thing", thing);
    Py_DECREF(thing);
    return added;
}

static void
raising_free(void *module)
{
    PyErr_SetString(PyExc_RuntimeError, "fault_raise_in_teardown: raised from m_free");
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, teardown_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "fault_raise_in_teardown",
    .m_size = 0,
    .m_slots = slots,
    .m_free = raising_free,
};

PyMODINIT_FUNC
PyInit_fault_raise_in_teardown(void)
{
    return PyModuleDef_Init(&module_def);
}
