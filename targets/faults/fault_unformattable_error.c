/* fault_unformattable_error: the import raises an exception that the traceback module cannot
 * format. Its __notes__ is an object whose __class__ raises, so the isinstance() check in
 * traceback.format_exception raises too. rpds.rpds (PyO3) does the real thing in a
 * subinterpreter: its failed import leaves collections.abc's registry holding the main
 * interpreter's classes, and every later ABC isinstance() in that interpreter raises
 * "_abc_impl is set to a wrong type" -- traceback's included (#15). The module under test
 * failed to import; that is its verdict, not an isocheck error.
 * Expected: fail, "TypeError: fault_unformattable_error: deliberate import failure". */
#include "fault_module.h"

static PyObject *
unformattable_class(PyObject *self, void *closure)
{
    (void)self;
    (void)closure;
    PyErr_SetString(PyExc_TypeError, "fault_unformattable_error: __class__ refuses to answer");
    return NULL;
}

static PyGetSetDef unformattable_getset[] = {
    {"__class__", unformattable_class, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot unformattable_slots[] = {
    {Py_tp_getset, unformattable_getset},
    {0, NULL},
};

static PyType_Spec unformattable_spec = {
    .name = "fault_unformattable_error.Unformattable",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = unformattable_slots,
};

static int
unformattable_exec(PyObject *module)
{
    PyObject *type = PyType_FromModuleAndSpec(module, &unformattable_spec, NULL);
    if (type == NULL) {
        return -1;
    }
    PyObject *notes = PyObject_CallNoArgs(type);
    Py_DECREF(type);
    if (notes == NULL) {
        return -1;
    }
    PyObject *error = PyObject_CallFunction(PyExc_TypeError, "s",
                                            "fault_unformattable_error: deliberate import failure");
    if (error == NULL || PyObject_SetAttrString(error, "__notes__", notes) < 0) {
        Py_XDECREF(error);
        Py_DECREF(notes);
        return -1;
    }
    Py_DECREF(notes);
    PyErr_SetObject(PyExc_TypeError, error);
    Py_DECREF(error);
    return -1;
}

FAULT_MODULE(fault_unformattable_error, unformattable_exec)
