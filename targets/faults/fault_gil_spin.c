/* fault_gil_spin: an infinite loop in C during import, holding the GIL (nothing in Python
 * can interrupt it). Expected: timeout, killed during the import step. */
#include "fault_module.h"

static int
gil_spin_exec(PyObject *module)
{
    volatile unsigned long spins = 0;
    for (;;) {
        spins++;
    }
    return 0;
}

FAULT_MODULE(fault_gil_spin, gil_spin_exec)
