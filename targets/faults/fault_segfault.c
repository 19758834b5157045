/* fault_segfault: writes through a NULL pointer during import. Expected: crash, SIGSEGV. */
#include "fault_module.h"

static int
segfault_exec(PyObject *module)
{
    volatile int *volatile nowhere = NULL;
    *nowhere = 1;
    return 0;
}

FAULT_MODULE(fault_segfault, segfault_exec)
