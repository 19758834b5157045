/* fault_abort: calls abort() during import. Expected: crash, SIGABRT. */
#include <stdlib.h>

#include "fault_module.h"

static int
abort_exec(PyObject *module)
{
    abort();
}

FAULT_MODULE(fault_abort, abort_exec)
