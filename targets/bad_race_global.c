/*
 * bad_race_global -- ONE defect: bump() passes the module's count through a
 * C-global scratch variable.
 *
 * Everything is done as in good_isolated (multi-phase init, counter, Widget
 * heap GC type and Error in per-module state, m_traverse/m_clear/m_free,
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED) -- except the module-level bump(),
 * written the way code ported from a one-interpreter design often is: it
 * copies the calling module's counter into the C global `scratch_counter`,
 * does its "work" (here a busy loop of about 5 ms on a volatile counter,
 * holding the GIL, calling no Python API), then stores the value it reads
 * back from `scratch_counter`, plus one, as the module's counter and returns
 * it.  Used sequentially (one interpreter, or several that take turns, or
 * several sharing one GIL) the value read back is always the caller's own
 * and every result is right.  Two interpreters with their own GILs calling
 * bump() at the same time on two cores overwrite each other's scratch value:
 * one module object's count continues from the other's, so the sequences of
 * results go wrong (repeated or skipped values).
 *
 * (A scratch *pointer* to the caller's module state would be the same
 * defect, but a caller preempted during the work can then read back the
 * state of an interpreter that has meanwhile been destroyed and write into
 * freed memory: seen in a traced run on 3.12.1 under load.  The fixture is
 * meant to give a clean `fail`, not a random crash, so it shares a value.)
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Managing Global State" (process-wide mutable C data must not be shared
 *   by interpreters without a lock; PEP 684 makes them run in parallel).
 *
 * The harness should observe: `concurrent` fails (2 own-GIL interpreters x
 * 10 calls at once do not give the lone interpreter's 1..10).  Every other
 * check passes, `isolation`, `cycles` and `reimport` included: there the
 * interpreters never run bump() at the same time.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

typedef struct {
    long counter;
    PyObject *widget_type;
    PyObject *error;
} module_state;

static inline module_state *
get_state(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}

static PyObject *
bump_state(module_state *st)
{
    st->counter += 1;
    return PyLong_FromLong(st->counter);
}

/* The defect: bump()'s working copy of the caller's counter, in a C global
 * shared by every interpreter of the process.  volatile so that the compiler
 * really reads it back after the work instead of reusing the value it
 * stored. */
static volatile long scratch_counter = 0;

/* The "work": a busy loop on a volatile counter for WORK_NS of wall-clock
 * time; no Python API, GIL held.  Bounded by the clock, not by an iteration
 * count, so that a call lasts about 5 ms whatever the CPU speed (a fixed
 * count measured 0.25 ms to 2 ms on the same 2-vCPU VM).  5 ms, longer than a
 * scheduler time slice, so that the two interpreters' calls overlap even when
 * other cells leave them one core to share: with 1 ms, `concurrent` passed in
 * some runs under load (3 runs of 3 in one integration run, 2026-12-02). */
#define WORK_NS 5000000L

static long
elapsed_ns(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - since->tv_sec) * 1000000000L + (now.tv_nsec - since->tv_nsec);
}

static void
do_work(void)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile unsigned long sink = 0;
    do {
        for (int i = 0; i < 1000; i++) {
            sink = sink + 1;
        }
    } while (elapsed_ns(&start) < WORK_NS);
}

/* ---- Widget: per-module heap type with GC support ---- */

typedef struct {
    PyObject_HEAD
} WidgetObject;

static PyObject *
widget_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) != 0 || (kwds != NULL && PyDict_GET_SIZE(kwds) != 0)) {
        PyErr_SetString(PyExc_TypeError, "Widget() takes no arguments");
        return NULL;
    }
    /* tp_alloc of a GC heap type allocates with the GC header and INCREFs
     * the type; the object is returned untracked-then-tracked by
     * PyType_GenericAlloc, so nothing else to do here. */
    return type->tp_alloc(type, 0);
}

static int
widget_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    return 0;
}

static void
widget_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *
widget_bump(PyObject *self, PyTypeObject *defining_class,
            PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)self;
    (void)args;
    if (nargs != 0 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0)) {
        PyErr_SetString(PyExc_TypeError, "Widget.bump() takes no arguments");
        return NULL;
    }
    module_state *st = (module_state *)PyType_GetModuleState(defining_class);
    if (st == NULL) {
        return NULL;
    }
    return bump_state(st);
}

static PyMethodDef widget_methods[] = {
    {"bump", (PyCFunction)(void (*)(void))widget_bump,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     PyDoc_STR("bump() -> int\n\nIncrement the owning module's counter.")},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot widget_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR("A per-module heap type.")},
    {Py_tp_new, (void *)widget_new},
    {Py_tp_traverse, (void *)widget_traverse},
    {Py_tp_dealloc, (void *)widget_dealloc},
    {Py_tp_methods, widget_methods},
    {0, NULL},
};

static PyType_Spec widget_spec = {
    .name = "bad_race_global.Widget",
    .basicsize = sizeof(WidgetObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = widget_slots,
};

/* ---- module ---- */

static PyObject *
bump(PyObject *module, PyObject *unused)
{
    (void)unused;
    module_state *st = get_state(module);
    scratch_counter = st->counter;
    do_work();
    /* Whatever count another interpreter stored meanwhile is used here. */
    st->counter = scratch_counter + 1;
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
    module_state *st = get_state(module);
    st->counter = 0;

    st->widget_type = PyType_FromModuleAndSpec(module, &widget_spec, NULL);
    if (st->widget_type == NULL) {
        return -1;
    }
    if (PyModule_AddType(module, (PyTypeObject *)st->widget_type) < 0) {
        return -1;
    }

    st->error = PyErr_NewExceptionWithDoc(
        "bad_race_global.Error", "Error raised by bad_race_global.", NULL, NULL);
    if (st->error == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "Error", st->error) < 0) {
        return -1;
    }
    return 0;
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    module_state *st = get_state(module);
    Py_VISIT(st->widget_type);
    Py_VISIT(st->error);
    return 0;
}

static int
module_clear(PyObject *module)
{
    module_state *st = get_state(module);
    Py_CLEAR(st->widget_type);
    Py_CLEAR(st->error);
    return 0;
}

static void
module_free(void *module)
{
    (void)module_clear((PyObject *)module);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_race_global",
    .m_doc = PyDoc_STR("isocheck fixture: bump() passes its state through a C global (data race)."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_bad_race_global(void)
{
    return PyModuleDef_Init(&module_def);
}
