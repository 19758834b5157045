/* fault_gil_spin: an infinite loop in C during import, holding the GIL (nothing in Python
 * can interrupt it). Expected: timeout, killed during the import step. */
#include "fault_module.h"

static int
gil_spin_exec(PyObject *module)
{
    /* An empty asm statement is a side effect the optimiser must keep, so the loop spins
     * for ever; a volatile counter that is only written is -Wunused-but-set-variable on
     * GCC 16. */
    for (;;) {
        __asm__ __volatile__("");
    }
    return 0;
}

FAULT_MODULE(fault_gil_spin, gil_spin_exec)
