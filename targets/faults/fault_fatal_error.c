/* fault_fatal_error: Py_FatalError during import. Expected: crash, the summary names the
 * fatal error's message (it says more than the SIGABRT it ends in). */
#include "fault_module.h"

static int
fatal_exec(PyObject *module)
{
    Py_FatalError("fault_fatal_error: deliberate fatal error");
}

FAULT_MODULE(fault_fatal_error, fatal_exec)
