/*
 * bad_double_free_teardown -- ONE defect: a C-global malloc'd buffer shared by
 * all module objects, freed by each of them at teardown.
 *
 * Multi-phase init, bump() counter in module state (m_size > 0, so m_free is
 * called when a module object is deallocated), declares
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED -- all correct -- except:
 *   - exec allocates the C-global `shared_buf` when it is NULL and increments
 *     the C-global `live_modules`;
 *   - m_free decrements `live_modules` and frees `shared_buf` EVERY time, but
 *     only resets it to NULL when the count reaches 0.
 * With one module object at a time everything is fine (alloc, free, NULL).
 * With two module objects alive at once (two interpreters, or a re-import in
 * one interpreter while the old module object is still referenced), the
 * first m_free frees the buffer the other one still uses and the second
 * m_free frees it again: glibc detects the double free and aborts (SIGABRT).
 *
 * HOWTO "Isolating Extension Modules" section violated:
 *   "Managing Global State" (process-wide C data shared by module objects
 *   without care); the crash shows up under "Lifetime of the Module State"
 *   (teardown).
 *
 * The harness should observe: import and bump() (1, 2) fine everywhere and
 * single import/teardown cycles fine; as soon as two module objects coexist,
 * the process aborts at the second teardown ("free(): double free detected
 * in tcache 2", SIGABRT) -> a `crash` cell in a teardown scenario.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#define SHARED_BUF_SIZE 1000

typedef struct {
    long counter;
} module_state;

/* The defect: process-wide data owned by every module object at once. */
static char *shared_buf = NULL;
static int live_modules = 0;

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
    if (shared_buf == NULL) {
        shared_buf = malloc(SHARED_BUF_SIZE);
        if (shared_buf == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memset(shared_buf, 0, SHARED_BUF_SIZE);
    }
    live_modules += 1;
    return 0;
}

static void
module_free(void *module)
{
    (void)module;
    live_modules -= 1;
    free(shared_buf);               /* the bug: freed by every module object */
    if (live_modules == 0) {
        shared_buf = NULL;
    }
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "bad_double_free_teardown",
    .m_doc = PyDoc_STR("isocheck fixture: double-frees a shared buffer at teardown."),
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_bad_double_free_teardown(void)
{
    return PyModuleDef_Init(&module_def);
}
