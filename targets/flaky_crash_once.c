/*
 * flaky_crash_once -- crashes on some runs only, as a race does.
 *
 * A correct multi-phase module, except that its Py_mod_exec dereferences NULL the first time
 * any process execs it after the file named by $ISOCHECK_FLAKY_COUNTER was emptied, and never
 * again: every exec appends a byte to that file (O_APPEND: atomic between processes) and
 * crashes when its byte was the first.  Without the variable it never crashes.  A real race
 * (3.13.0's _zoneinfo in `concurrent` crashed in about half of the runs) is not reproducible
 * on demand; this is, so the test of the rerun rule cannot itself be flaky.
 *
 * HOWTO "Isolating Extension Modules": nothing violated; the crash stands for a timing bug.
 *
 * The harness should observe: the first run of a cell crashes, the reruns pass, and the cell
 * is reported as `crash` "in 1 of 3 runs" (issue #13).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether this exec is the first one recorded in the counter file. */
static int
first_exec_since_reset(void)
{
    const char *counter = getenv("ISOCHECK_FLAKY_COUNTER");
    if (counter == NULL || counter[0] == '\0') {
        return 0;
    }
    int fd = open(counter, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0) {
        return 0;
    }
    int first = 0;
    struct stat st;
    if (write(fd, "x", 1) == 1 && fstat(fd, &st) == 0) {
        first = st.st_size == 1;
    }
    close(fd);
    return first;
}

static int
module_exec(PyObject *module)
{
    (void)module;
    if (first_exec_since_reset()) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
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
    .m_name = "flaky_crash_once",
    .m_doc = PyDoc_STR("isocheck fixture: crashes in the first exec after its counter is reset."),
    .m_size = 0,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit_flaky_crash_once(void)
{
    return PyModuleDef_Init(&module_def);
}
